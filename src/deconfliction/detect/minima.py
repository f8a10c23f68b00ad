"""Which minima apply to a pair of tracks: by domain pair, widened by party agreements.

A :class:`MinimaTable` holds the minima per domain pair (``"air"``, ``"ground"``,
``"air-ground"``…; an absent key means that domain pair is not checked) and, per pair of
parties, the minima their agreement sets for some domain pairs. An agreement only widens:
where a default exists the pair gets ``default.at_least(agreed)``; where none exists (e.g.
``air-ground``) the agreement turns the check on for that pair of parties.

Resolution is vectorised over arrays of candidate pairs, and the table gives the broad phase
an upper bound per track (the largest minima any pair with that track can get).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from deconfliction.errors import InvalidInput
from deconfliction.model.minima import DEFAULT_MINIMA, Minima, domain_pair_key
from deconfliction.model.party import DOMAINS, Agreement

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

_N_DOMAINS = len(DOMAINS)
_PAIR_KEYS = {
    domain_pair_key(a.value, b.value): (i, j)
    for i, a in enumerate(DOMAINS)
    for j, b in enumerate(DOMAINS)
}
_COMPILED_CACHE_SIZE = 8


@dataclass(frozen=True, eq=False)
class PairMinima:
    """Minima resolved for each of ``n`` pairs; ``checked`` is False where none apply."""

    horizontal_m: FloatArray
    vertical_m: FloatArray
    lookahead_s: FloatArray
    checked: BoolArray


@dataclass(frozen=True, eq=False)
class TrackBounds:
    """For each track, the largest minima any pair with it can get (``checked``: any at all)."""

    horizontal_m: FloatArray
    vertical_m: FloatArray
    lookahead_s: FloatArray
    checked: BoolArray


@dataclass(frozen=True, eq=False)
class _Grid:
    """Minima as ``(3, d, d)`` arrays (horizontal, vertical, lookahead) and a checked mask."""

    values: FloatArray
    checked: BoolArray


@dataclass(frozen=True, eq=False)
class _Compiled:
    """The table for one ``parties`` tuple: override grids keyed by party-code pair."""

    pair_keys: npt.NDArray[np.int64]  # sorted, a * n_parties + b with a < b
    grids: FloatArray  # (k, 3, d, d)
    checked: BoolArray  # (k, d, d)
    bound_values: FloatArray  # (n_parties, 3, d): per party and own domain
    bound_checked: BoolArray  # (n_parties, d)


def _grid(minima: Mapping[str, Minima], what: str) -> _Grid:
    values = np.zeros((3, _N_DOMAINS, _N_DOMAINS), dtype=np.float64)
    checked = np.zeros((_N_DOMAINS, _N_DOMAINS), dtype=np.bool_)
    for key, value in minima.items():
        if key not in _PAIR_KEYS:
            raise InvalidInput(
                f"{what}: unknown domain pair {key!r}; use one of " + ", ".join(sorted(_PAIR_KEYS))
            )
        if not isinstance(value, Minima):
            raise InvalidInput(f"{what}: minima for {key!r} must be Minima, got {value!r}")
        i, j = _PAIR_KEYS[key]
        for a, b in ((i, j), (j, i)):
            values[:, a, b] = (value.horizontal_m, value.vertical_m, value.lookahead_s)
            checked[a, b] = True
    return _Grid(values, checked)


def _widen(default: _Grid, agreed: _Grid) -> _Grid:
    both = default.checked & agreed.checked
    values = np.where(agreed.checked, agreed.values, default.values)
    values = np.where(both, np.maximum(default.values, agreed.values), values)
    return _Grid(values, default.checked | agreed.checked)


@dataclass(frozen=True, eq=False)
class MinimaTable:
    """Minima per domain pair, widened per pair of parties by their agreements.

    Parameters
    ----------
    defaults
        Minima by domain pair key (:func:`deconfliction.model.minima.domain_pair_key`);
        domain pairs absent here are not checked unless an agreement sets them.
    agreements
        ``{(party_a, party_b): {pair_key: Minima}}``; the order of the two parties does not
        matter. Each entry widens the default (``Minima.at_least``).

    Examples
    --------
    >>> from deconfliction.model.minima import Minima
    >>> table = MinimaTable(agreements={("red", "blue"): {"air": Minima(20_000, 600, 600)}})
    >>> table.minima("blue", "red", "air", "air")
    Minima(horizontal_m=20000.0, vertical_m=600.0, lookahead_s=600.0)
    >>> table.minima("blue", "green", "air", "ground") is None
    True
    """

    defaults: Mapping[str, Minima] = field(default_factory=lambda: dict(DEFAULT_MINIMA))
    agreements: Mapping[tuple[str, str], Mapping[str, Minima]] = field(default_factory=dict)
    _default_grid: _Grid = field(init=False, repr=False)
    _agreed_grids: dict[tuple[str, str], _Grid] = field(init=False, repr=False)
    _compiled: dict[tuple[str, ...], _Compiled] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        default_grid = _grid(self.defaults, "default minima")
        agreed: dict[tuple[str, str], _Grid] = {}
        for pair, minima in self.agreements.items():
            first, second = sorted(pair)
            if first == second:
                raise InvalidInput(f"minima agreement: needs two different parties, got {pair!r}")
            grid = _grid(minima, f"minima agreed between {first} and {second}")
            key = (first, second)
            agreed[key] = _widen(agreed[key], grid) if key in agreed else grid
        object.__setattr__(self, "_default_grid", default_grid)
        object.__setattr__(
            self, "_agreed_grids", {k: _widen(default_grid, g) for k, g in agreed.items()}
        )
        object.__setattr__(self, "_compiled", {})

    @classmethod
    def from_agreements(
        cls, agreements: Iterable[Agreement], defaults: Mapping[str, Minima] | None = None
    ) -> MinimaTable:
        """The table for these defaults (the hub's by default) and the parties' agreements."""
        return cls(
            defaults=dict(DEFAULT_MINIMA if defaults is None else defaults),
            agreements={a.pair: a.minima for a in agreements if a.minima},
        )

    def with_air(self, minima: Minima) -> MinimaTable:
        """The same table with the air–air default replaced by ``minima``."""
        defaults = dict(self.defaults)
        defaults[domain_pair_key("air", "air")] = minima
        return MinimaTable(defaults=defaults, agreements=self.agreements)

    def minima(self, party_a: str, party_b: str, domain_a: str, domain_b: str) -> Minima | None:
        """The minima for one pair of tracks, or None when the pair is not checked."""
        i, j = _PAIR_KEYS[domain_pair_key(domain_a, domain_b)]
        pair = (party_a, party_b) if party_a < party_b else (party_b, party_a)
        grid = self._agreed_grids.get(pair, self._default_grid)
        if not grid.checked[i, j]:
            return None
        h, v, t = grid.values[:, i, j].tolist()
        return Minima(h, v, t)

    @property
    def largest(self) -> Minima | None:
        """The largest of each minimum over every checked pair (None if nothing is checked)."""
        grids = [self._default_grid, *self._agreed_grids.values()]
        values = [g.values[:, g.checked] for g in grids if g.checked.any()]
        if not values:
            return None
        h, v, t = np.concatenate(values, axis=1).max(axis=1).tolist()
        return Minima(h, v, t)

    def _compile(self, parties: tuple[str, ...]) -> _Compiled:
        compiled = self._compiled.get(parties)
        if compiled is not None:
            return compiled
        code = {name: i for i, name in enumerate(parties)}
        n_parties = len(parties)
        keys: list[int] = []
        grids: list[_Grid] = []
        for (first, second), grid in self._agreed_grids.items():
            a, b = code.get(first), code.get(second)
            if a is None or b is None:
                continue
            a, b = min(a, b), max(a, b)
            if a != b:  # one name listed twice in parties; never a valid pair
                keys.append(a * n_parties + b)
                grids.append(grid)
        order = np.argsort(np.array(keys, dtype=np.int64))
        pair_keys = np.array(keys, dtype=np.int64)[order]
        values = np.array([grids[i].values for i in order], dtype=np.float64).reshape(
            -1, 3, _N_DOMAINS, _N_DOMAINS
        )
        checked = np.array([grids[i].checked for i in order], dtype=np.bool_).reshape(
            -1, _N_DOMAINS, _N_DOMAINS
        )
        # Bounds per party and own domain: the default row, widened by every agreement of it.
        default = self._default_grid
        masked = np.where(default.checked, default.values, -np.inf)
        bound_values = np.broadcast_to(masked.max(axis=2), (n_parties, 3, _N_DOMAINS)).copy()
        bound_checked = np.broadcast_to(default.checked.any(axis=1), (n_parties, _N_DOMAINS)).copy()
        for key, grid in zip(pair_keys.tolist(), order.tolist(), strict=True):
            row = np.where(grids[grid].checked, grids[grid].values, -np.inf).max(axis=2)
            row_checked = grids[grid].checked.any(axis=1)
            for party in (key // n_parties, key % n_parties):
                bound_values[party] = np.maximum(bound_values[party], row)
                bound_checked[party] |= row_checked
        compiled = _Compiled(pair_keys, values, checked, bound_values, bound_checked)
        if len(self._compiled) >= _COMPILED_CACHE_SIZE:
            self._compiled.pop(next(iter(self._compiled)))
        self._compiled[parties] = compiled
        return compiled

    def resolve(
        self,
        parties: Sequence[str],
        party_a: npt.ArrayLike,
        party_b: npt.ArrayLike,
        domain_a: npt.ArrayLike,
        domain_b: npt.ArrayLike,
    ) -> PairMinima:
        """Minima for arrays of pairs given as party codes (into ``parties``) and domain codes.

        >>> import numpy as np
        >>> pm = MinimaTable().resolve(("a", "b"), np.array([0]), np.array([1]),
        ...                            np.array([0]), np.array([1]))
        >>> pm.checked
        array([False])
        """
        compiled = self._compile(tuple(parties))
        pa = np.asarray(party_a, dtype=np.int64)
        pb = np.asarray(party_b, dtype=np.int64)
        da = np.asarray(domain_a, dtype=np.intp)
        db = np.asarray(domain_b, dtype=np.intp)
        default = self._default_grid
        # One flat index into the (domain, domain) grid: much faster than 2-D fancy indexing.
        cell = da * _N_DOMAINS + db
        flat = default.values.reshape(3, -1)
        values = np.stack([flat[0].take(cell), flat[1].take(cell), flat[2].take(cell)])
        checked = default.checked.reshape(-1).take(cell)
        if compiled.pair_keys.size and pa.size:
            low, high = np.minimum(pa, pb), np.maximum(pa, pb)
            key = low * len(parties) + high
            slot = np.searchsorted(compiled.pair_keys, key)
            slot_clipped = np.minimum(slot, compiled.pair_keys.size - 1)
            hit = np.flatnonzero(compiled.pair_keys[slot_clipped] == key)
            if hit.size:
                which = slot_clipped[hit]
                values[:, hit] = compiled.grids[which, :, da[hit], db[hit]].T
                checked[hit] = compiled.checked[which, da[hit], db[hit]]
        return PairMinima(values[0], values[1], values[2], checked)

    def track_bounds(
        self, parties: Sequence[str], party: npt.ArrayLike, domain: npt.ArrayLike
    ) -> TrackBounds:
        """Per track, the largest minima of any pair it can be part of (for the broad phase)."""
        compiled = self._compile(tuple(parties))
        index = np.asarray(party, dtype=np.intp) * _N_DOMAINS + np.asarray(domain, dtype=np.intp)
        values = compiled.bound_values.transpose(1, 0, 2).reshape(3, -1)
        return TrackBounds(
            values[0].take(index),
            values[1].take(index),
            values[2].take(index),
            compiled.bound_checked.reshape(-1).take(index),
        )
