"""The live picture: the latest report of every track, held as columns, and beside it the
track filter (:mod:`deconfliction.detect.filter`) that smooths the reports into the motion
detection predicts from.

Rows are never moved: a track keeps its row for the life of the process, so indices stay
valid between cycles, and arrays grow by doubling (the filter's columns with them). A report
updates a row only if it is newer than what the row holds (late reports are stored but do
not move the track back); every newer report is folded into the filter, in time order, and
counted (``reports``: the alert lifecycle counts fresh reports of a track).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from deconfliction.detect.filter import FilterParams, FilterState, Reports
from deconfliction.detect.filter import update as filter_update
from deconfliction.model import DOMAINS, Report, ReportBatch

_FLOAT_COLUMNS = ("time_s", "lat", "lon", "alt_m", "gs_mps", "course_deg", "vs_mps")


class LivePicture:
    """Latest state per (party, track), columnar."""

    def __init__(self, capacity: int = 1024, params: FilterParams | None = None) -> None:
        self.params = params or FilterParams()
        self.motion = FilterState(capacity)  # the filter, aligned with the rows
        self._rows: dict[tuple[str, str], int] = {}
        self._party_codes: dict[str, int] = {}
        self.parties: list[str] = []
        self.track: list[str] = []
        self.operation: list[str | None] = []
        self.party = np.zeros(capacity, dtype=np.int32)
        self.domain = np.zeros(capacity, dtype=np.int8)
        self.time_s = np.full(capacity, -np.inf)
        self.lat = np.zeros(capacity)
        self.lon = np.zeros(capacity)
        self.alt_m = np.zeros(capacity)
        self.gs_mps = np.zeros(capacity)
        self.course_deg = np.zeros(capacity)
        self.vs_mps = np.zeros(capacity)
        self.dirty = np.zeros(capacity, dtype=bool)  # changed since the last checkpoint
        self.reports = np.zeros(capacity, dtype=np.int64)  # newer reports folded in, ever

    def __len__(self) -> int:
        return len(self.track)

    def party_code(self, party: str) -> int:
        code = self._party_codes.get(party)
        if code is None:
            code = self._party_codes[party] = len(self.parties)
            self.parties.append(party)
        return code

    def row_of(self, party: str, track: str) -> int | None:
        return self._rows.get((party, track))

    def latest_times(self, batch: ReportBatch) -> npt.NDArray[np.float64]:
        """For each report of ``batch``, the time its track holds now (-inf if unknown)."""
        rows = self._rows
        party = batch.party
        times = self.time_s
        return np.array(
            [times[r] if (r := rows.get((party, t))) is not None else -np.inf for t in batch.track],
            dtype=np.float64,
        )

    def update(self, batch: ReportBatch) -> int:
        """Apply ``batch``; returns how many rows moved (newer reports only). Every newer
        report is folded into the filter, in time order."""
        if not len(batch):
            return 0
        code = self.party_code(batch.party)
        rows = np.empty(len(batch), dtype=np.intp)
        for i, track in enumerate(batch.track):
            row = self._rows.get((batch.party, track))
            if row is None:
                row = self._append(code, track)
            rows[i] = row
        # Order by time so that, for a track reported twice, the newest report lands last.
        order = np.argsort(batch.time_s, kind="stable")
        rows, index = rows[order], order
        newer = batch.time_s[index] > self.time_s[rows]
        rows, index = rows[newer], index[newer]
        for name in _FLOAT_COLUMNS:
            getattr(self, name)[rows] = getattr(batch, name)[index]
        self.domain[rows] = batch.domain[index]
        self.dirty[rows] = True
        for row, i in zip(rows.tolist(), index.tolist(), strict=True):
            self.operation[row] = batch.operation[i]
        np.add.at(self.reports, rows, 1)
        selected = batch.selected_alt_m
        filter_update(
            self.motion,
            rows,
            Reports(
                batch.time_s[index],
                batch.lat[index],
                batch.lon[index],
                batch.alt_m[index],
                batch.gs_mps[index],
                batch.course_deg[index],
                batch.vs_mps[index],
                np.full(index.size, np.nan) if selected is None else selected[index],
            ),
            self.params,
        )
        return len(np.unique(rows))

    def _append(self, party_code: int, track: str) -> int:
        row = len(self.track)
        if row == len(self.time_s):
            self._grow()
        self._rows[(self.parties[party_code], track)] = row
        self.track.append(track)
        self.operation.append(None)
        self.party[row] = party_code
        self.time_s[row] = -np.inf
        return row

    def _grow(self) -> None:
        size = 2 * len(self.time_s)
        for name in ("party", "domain", "dirty", "reports", *_FLOAT_COLUMNS):
            old = getattr(self, name)
            new = np.full(size, -np.inf) if name == "time_s" else np.zeros(size, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def forget_party(self, party: str) -> None:
        """Drop a party's tracks from the picture (its rows stay, never live again unless
        reported again, when their filter starts afresh)."""
        code = self._party_codes.get(party)
        if code is not None:
            n = len(self.track)
            rows = np.flatnonzero(self.party[:n] == code)
            self.time_s[rows] = -np.inf
            self.motion.grow(n)
            self.motion.forget(rows)

    def live_rows(
        self,
        now_s: float,
        stale_after_s: float,
        *,
        intervals: float = 0.0,
        longest_s: float = np.inf,
    ) -> npt.NDArray[np.intp]:
        """Rows updated within ``stale_after_s`` of ``now_s``, or within ``intervals`` of
        their own usual report interval (but never more than ``longest_s``): a track that
        reports every 40 s is not late at 30 s."""
        n = len(self.track)
        age = now_s - self.time_s[:n]
        if intervals <= 0.0:
            return np.flatnonzero(age <= stale_after_s)
        self.motion.grow(n)
        usual = np.nan_to_num(self.motion.interval_s[:n], nan=0.0)
        limit = np.maximum(stale_after_s, np.minimum(intervals * usual, longest_s))
        return np.flatnonzero(age <= limit)

    def report(self, row: int) -> Report:
        return Report(
            party=self.parties[int(self.party[row])],
            track=self.track[row],
            time_s=float(self.time_s[row]),
            lat=float(self.lat[row]),
            lon=float(self.lon[row]),
            alt_m=float(self.alt_m[row]),
            gs_mps=float(self.gs_mps[row]),
            course_deg=float(self.course_deg[row]),
            vs_mps=float(self.vs_mps[row]),
            domain=DOMAINS[int(self.domain[row])],
            operation=self.operation[row],
        )

    def batches(self, rows: npt.NDArray[np.intp]) -> dict[str, ReportBatch]:
        """The latest reports of ``rows`` as one columnar batch per party."""
        rows = rows[np.isfinite(self.time_s[rows])]
        out: dict[str, ReportBatch] = {}
        codes = self.party[rows]
        for code in np.unique(codes).tolist():
            mine = rows[codes == code]
            index = mine.tolist()
            out[self.parties[code]] = ReportBatch(
                party=self.parties[code],
                track=[self.track[r] for r in index],
                time_s=self.time_s[mine],
                lat=self.lat[mine],
                lon=self.lon[mine],
                alt_m=self.alt_m[mine],
                gs_mps=self.gs_mps[mine],
                course_deg=self.course_deg[mine],
                vs_mps=self.vs_mps[mine],
                domain=self.domain[mine],
                operation=[self.operation[r] for r in index],
            )
        return out

    def reports_of(self, parties: Iterable[str]) -> Iterator[Report]:
        """Latest reports of the tracks of ``parties`` (tracks ever reported and not forgotten)."""
        codes = [self._party_codes[p] for p in parties if p in self._party_codes]
        n = len(self.track)
        if not codes or not n:
            return
        mask = np.isin(self.party[:n], codes) & np.isfinite(self.time_s[:n])
        for row in np.flatnonzero(mask).tolist():
            yield self.report(row)

    def take_dirty(self) -> npt.NDArray[np.intp]:
        """Rows changed since the last call (for the checkpoint), and forget them."""
        n = len(self.track)
        rows = np.flatnonzero(self.dirty[:n])
        self.dirty[rows] = False
        return rows

    def mark_dirty(self, rows: npt.NDArray[np.intp]) -> None:
        self.dirty[rows] = True

    def load(self, reports: Iterable[Report]) -> None:
        """Fill the picture from checkpointed latest reports (at start; not dirty)."""
        by_party: dict[str, list[Report]] = {}
        for report in reports:
            by_party.setdefault(report.party, []).append(report)
        for party, items in by_party.items():
            self.update(ReportBatch.from_reports(party, items))
        self.dirty[:] = False
