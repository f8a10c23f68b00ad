"""The settings registry: every tunable of the hub, with its default, unit and help.

``Settings`` is a frozen dataclass; each field's metadata carries its unit and help, and
that is the one registry the CLI help, ``deconfliction settings`` and ``docs/settings.md``
are generated from (a test fails when the docs are out of date). Values come, in order of
precedence, from explicit overrides (``serve --setting NAME VALUE``), environment variables
``DECONFLICTION_<NAME>`` (upper case), and the defaults below. Values with units accept
them: ``cycle_s=500ms`` is refused, ``stale_after_s=2min`` is 120.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deconfliction.errors import InvalidInput
from deconfliction.model.minima import Minima
from deconfliction.units import parse_distance_m, parse_duration_s, parse_size_bytes

if TYPE_CHECKING:  # model.report needs numpy, which `--help` must not load
    from deconfliction.model.report import SpeedLimits

ENV_PREFIX = "DECONFLICTION_"


def setting(default: Any, unit: str, help: str, *, positive: bool = False) -> Any:
    """A dataclass field that is a setting: a default, a unit ('' if none) and a help line;
    ``positive``: 0 is refused too (a period of 0 would spin, a count of 0 stall)."""
    return field(default=default, metadata={"unit": unit, "help": help, "positive": positive})


@dataclass(frozen=True)
class Settings:
    """Tunables of one hub. Build with :meth:`from_sources`; read as attributes."""

    # Ingest
    future_tolerance_s: float = setting(
        60.0, "s", "Reports timed further ahead of the hub's clock than this are rejected."
    )
    max_batch_items: int = setting(
        10_000,
        "items",
        "Most reports in one POST /v1/reports batch; more get 413.",
        positive=True,
    )
    max_batch_bytes: int = setting(
        8 * 1024 * 1024,
        "bytes",
        "Largest request body of the routes that take batches or geometry (reports, zones, "
        "operations); larger ones get 413 before they are read.",
    )
    max_body_bytes: int = setting(
        1024 * 1024,
        "bytes",
        "Largest request body of every other route; larger ones get 413 before they are read.",
    )
    # Live picture and detection
    cycle_s: float = setting(
        1.0,
        "s",
        "Longest time between two detection cycles over the live picture.",
        positive=True,
    )
    cycle_min_s: float = setting(
        0.2,
        "s",
        "Shortest time between two cycles: new reports start the next cycle early, but not "
        "sooner than this after the previous one (so alerts follow reports quickly).",
    )
    stale_after_s: float = setting(
        30.0,
        "s",
        "A track not updated for this long drops out of detection (unless it is still "
        "within stale_after_intervals of its own usual report interval).",
        positive=True,
    )
    stale_after_intervals: float = setting(
        3.0,
        "intervals",
        "A track stays in detection until it is this many of its own usual report intervals "
        "late, never less than stale_after_s nor more than stale_after_max_s (a feed reporting "
        "every 40 s is not dropped at 30 s; 0: stale_after_s for every track).",
    )
    stale_after_max_s: float = setting(
        180.0, "s", "The longest a sparse track stays in detection without a report."
    )
    level_window_s: float = setting(
        20.0,
        "s",
        "A track whose altitude stayed within level_band_m this long (two reports or more) "
        "is level: its predicted vertical rate is 0, whatever one report's rate says.",
    )
    level_band_m: float = setting(
        15.24,
        "m",
        "How far a level track's reported altitude may wander (it is never less than the "
        "track's altitude step, 25 or 100 ft).",
    )
    vertical_lookahead_s: float = setting(
        120.0,
        "s",
        "A climb or descent without a selected altitude ahead is predicted to level off after "
        "this long (0: never; a report's selected_alt_m stops it at that level).",
    )
    altitude_glitch_m: float = setting(
        300.0,
        "m",
        "A reported altitude further than this (plus max_vertical_rate_mps since the track's "
        "previous report) from the track's prediction is rejected as a glitch and counted; "
        "three rejected altitudes that agree with each other are believed.",
    )
    max_vertical_rate_mps: float = setting(
        60.0, "m/s", "The fastest climb or descent the glitch test allows between reports."
    )
    alert_hysteresis_s: float = setting(
        30.0,
        "s",
        "A conflict must stay absent this long (and alert_resolve_reports fresh reports of "
        "its tracks) before its alert is resolved (no flicker).",
    )
    alert_resolve_reports: int = setting(
        3,
        "reports",
        "A track conflict absent from the cycles resolves only after this many fresh reports "
        "of each of its tracks since it was last found (and alert_hysteresis_s).",
    )
    alert_confirm_beyond_s: float = setting(
        60.0,
        "s",
        "A new track conflict whose loss is further ahead than this opens only if it is still "
        "found after a fresh report of either track; a nearer or current loss opens at once.",
    )
    alert_advisory_confirm_s: float = setting(
        60.0,
        "s",
        "A new track conflict whose loss is beyond alert_warning_horizon_s (an advisory) must "
        "also be found in every cycle for this long before it opens: a straight-line "
        "prediction minutes ahead that vanishes within seconds is an aircraft turning or "
        "levelling off, not a conflict.",
    )
    alert_warning_horizon_s: float = setting(
        100.0,
        "s",
        "A track conflict is advisory while its loss is further ahead than this, predicted "
        "within it, and loss once separation is lost (it escalates, never de-escalates).",
    )
    alert_release_factor: float = setting(
        1.5,
        "times",
        "An open track conflict still counts as found while the pair conflicts under minima "
        "this many times larger (1: no margin): it opens at the minima and is released only "
        "clearly outside them.",
    )
    alert_release_lookahead_s: float = setting(
        60.0, "s", "How much longer the lookahead of that release test is than the minima's."
    )
    alerts_opened_per_cycle: int = setting(
        100,
        "alerts",
        "Most new conflicts one cycle opens, the most urgent first; the rest open in the next "
        "cycles (a hub starting on a full sky stays responsive).",
        positive=True,
    )
    air_horizontal_m: float = setting(9260.0, "m", "Horizontal minimum between air tracks.")
    air_vertical_m: float = setting(304.8, "m", "Vertical minimum between air tracks.")
    air_lookahead_s: float = setting(300.0, "s", "How far ahead air conflicts are predicted.")
    ground_horizontal_m: float = setting(
        1000.0, "m", "Horizontal minimum between ground tracks (altitude is ignored)."
    )
    ground_lookahead_s: float = setting(600.0, "s", "How far ahead ground conflicts are predicted.")
    sea_horizontal_m: float = setting(
        1852.0, "m", "Horizontal minimum between sea tracks (altitude is ignored)."
    )
    sea_lookahead_s: float = setting(600.0, "s", "How far ahead sea conflicts are predicted.")
    air_max_gs_mps: float = setting(
        1500.0, "m/s", "Fastest ground speed an air report may give; faster ones are rejected."
    )
    air_max_vs_mps: float = setting(
        500.0, "m/s", "Fastest climb or descent an air report may give; faster ones are rejected."
    )
    ground_max_gs_mps: float = setting(
        150.0, "m/s", "Fastest ground speed a ground report may give; faster ones are rejected."
    )
    ground_max_vs_mps: float = setting(
        50.0, "m/s", "Fastest vertical speed a ground report may give; faster ones are rejected."
    )
    sea_max_gs_mps: float = setting(
        60.0, "m/s", "Fastest ground speed a sea report may give; faster ones are rejected."
    )
    sea_max_vs_mps: float = setting(
        50.0, "m/s", "Fastest vertical speed a sea report may give; faster ones are rejected."
    )
    tracks_checkpoint_s: float = setting(
        10.0,
        "s",
        "How often the live picture is checkpointed; a restart replays reports after it.",
        positive=True,
    )
    # Several hub processes on one database
    leader_lease_s: float = setting(
        3.0,
        "s",
        "Of the hub processes on one database, the one running detection and the timers "
        "holds a lease this long, renewed every cycle; if it dies, another takes over once "
        "the lease ran out (within about leader_lease_s + cycle_s).",
        positive=True,
    )
    follow_every_s: float = setting(
        0.1,
        "s",
        "How often each hub process reads what the others wrote on the same database "
        "(reports into its live picture, changes of state, events for its stream clients).",
        positive=True,
    )
    # Journal
    journal_checkpoint_s: float = setting(
        60.0,
        "s",
        "How often the hub signs a checkpoint of the journal's head (only if it moved).",
        positive=True,
    )
    journal_online_s: float = setting(
        0.0,
        "s",
        "How long journal entries (and the reports they hold) stay in the database; older "
        "ones are archived to compressed files in journal_archive_dir, then deleted from the "
        "database. 0: kept online forever.",
    )
    journal_archive_every_s: float = setting(
        3600.0,
        "s",
        "How often the hub archives journal entries older than journal_online_s.",
        positive=True,
    )
    journal_archive_dir: str = setting(
        "",
        "",
        "Folder of the archived journal; empty: next to an SQLite database (deconfliction.db "
        "-> deconfliction.archive). Needed with PostgreSQL when journal_online_s is set.",
    )
    # Zones
    zone_max_vertices: int = setting(
        10_000, "vertices", "Most positions in one zone's geometry; more are refused (422)."
    )
    zone_max_area_m2: float = setting(
        500_000e6, "m2", "Largest area of one zone (after radius and buffer); larger is refused."
    )
    zone_ack_deadline_s: float = setting(
        3600.0,
        "s",
        "A party a protected zone is shared with that has not acknowledged it this long after "
        "its declaration gets a hub message on its command channel (0: never).",
    )
    zone_expiry_reminder_s: float = setting(
        86_400.0,
        "s",
        "The owner of a protected zone is reminded this long before its valid_to (0: never).",
    )
    # Operations
    operation_max_volumes: int = setting(
        20, "volumes", "Most volumes in one operation; more are refused (413)."
    )
    operation_max_volume_area_m2: float = setting(
        100_000e6,
        "m2",
        "Largest area of one operation volume (after radius and buffer); larger is refused.",
    )
    operation_max_vertices: int = setting(
        10_000, "vertices", "Most positions in one operation volume's geometry (422 beyond)."
    )
    operation_max_total_vertices: int = setting(
        20_000,
        "vertices",
        "Most positions over all the volumes of one operation (413 beyond): bounds the "
        "geometry work one request may ask of the hub.",
    )
    idempotency_retention_s: float = setting(
        86_400.0,
        "s",
        "How long the first answer to a write sent with an Idempotency-Key is kept and "
        "returned to repeats of it.",
    )
    # Streams
    stream_backlog_limit: int = setting(
        10_000,
        "events",
        "Most stored events a reconnecting stream replays in one go.",
        positive=True,
    )
    stream_recheck_s: float = setting(
        0.5,
        "s",
        "How often an open stream checks its credential again: a revoked party's or a "
        "replaced token's streams close (code 4401) within this long.",
        positive=True,
    )
    stream_send_timeout_s: float = setting(
        10.0,
        "s",
        "A stream whose client has not taken an event for this long is closed (code 4408, "
        "the reason tells the sequence number to resume after): a consumer that stops "
        "reading holds no memory and does not count as a connected desk.",
        positive=True,
    )
    # Hotline
    hotline_max_unacknowledged: int = setting(
        500,
        "messages",
        "Most messages one party may have waiting for another's receipt or acknowledgement; "
        "more are refused (409) until some are acknowledged: bounds what the hub keeps in "
        "memory for a party that never answers.",
    )
    hotline_ack_flash_s: float = setting(
        60.0, "s", "Default acknowledgement deadline of a flash message (0: none)."
    )
    hotline_ack_urgent_s: float = setting(
        300.0, "s", "Default acknowledgement deadline of an urgent message (0: none)."
    )
    hotline_ack_routine_s: float = setting(
        3600.0, "s", "Default acknowledgement deadline of a routine message (0: none)."
    )
    hotline_repeat_s: float = setting(
        120.0,
        "s",
        "An escalated message still unacknowledged is repeated on the command channel this often.",
        positive=True,
    )
    escalations_per_cycle: int = setting(
        50,
        "messages",
        "Most overdue messages one cycle escalates, the longest overdue first; the rest in "
        "the next cycles (a storm of escalations then delays no detection cycle by more than "
        "some 50 ms).",
        positive=True,
    )
    hotline_alert_loss_s: float = setting(
        30.0, "s", "Acknowledgement deadline of the hub's thread about a lost separation."
    )
    hotline_alert_predicted_s: float = setting(
        60.0, "s", "Acknowledgement deadline of the hub's thread about a predicted conflict."
    )
    hotline_alert_advisory_s: float = setting(
        900.0, "s", "Acknowledgement deadline of the hub's thread about an advisory alert."
    )
    # Webhooks
    webhook_max_attempts: int = setting(
        6,
        "attempts",
        "Most attempts to deliver one event to a party's webhook.",
        positive=True,
    )
    webhook_base_delay_s: float = setting(
        2.0, "s", "Wait after the first failed attempt; it doubles after each failure."
    )
    webhook_max_delay_s: float = setting(300.0, "s", "Longest wait between two attempts.")
    webhook_timeout_s: float = setting(
        10.0, "s", "Time allowed for one webhook request.", positive=True
    )
    webhook_workers: int = setting(
        4,
        "threads",
        "Threads delivering webhooks (one party's events stay in order).",
        positive=True,
    )
    webhook_allowed_hosts: str = setting(
        "",
        "",
        "Comma-separated host names webhooks may point to ('*.example.org' for a domain); "
        "empty allows any host.",
    )
    webhook_allowed_internal: str = setting(
        "",
        "",
        "Comma-separated hosts ('hooks.lan', '*.corp.example') and networks ('10.20.0.0/16', "
        "'127.0.0.1') webhooks may reach although they are not public; by default the hub "
        "POSTs only to hosts whose every address is public.",
    )
    webhook_log_keep: int = setting(
        1000, "deliveries", "Webhook deliveries kept in each party's delivery log."
    )
    # CoT gateway (TAK clients)
    tak_port: int = setting(
        8089,
        "port",
        "TCP port of the CoT gateway for TAK clients (TLS with client certificates from "
        "`deconfliction tak package`); 0 turns it off.",
    )
    tak_plain_port: int = setting(
        0,
        "port",
        "TCP port of a plain (unencrypted) CoT listener, e.g. 8087; 0 (the default) is off. "
        "A plain socket has no identity: every connection is taken as tak_plain_party, so "
        "use it on a trusted network only.",
    )
    tak_plain_party: str = setting(
        "", "", "The party every connection on tak_plain_port is taken as (required with it)."
    )
    tak_max_event_bytes: int = setting(
        256 * 1024,
        "bytes",
        "Largest CoT event a TAK client may send; a larger one closes its connection.",
    )
    tak_max_events_per_s: float = setting(
        50.0,
        "events/s",
        "Most CoT events a second one TAK connection may send (bursts of 4 s worth); a "
        "flood past it closes the connection.",
    )
    tak_max_connections: int = setting(
        1000, "connections", "Most TAK connections at once; more are refused (logged)."
    )
    tak_picture_s: float = setting(
        2.0,
        "s",
        "How often TAK clients are sent the tracks that moved (those they may see).",
        positive=True,
    )
    # ADS-B feeds
    adsb_sbs: str = setting(
        "",
        "",
        "HOST:PORT of an SBS-1 (BaseStation) feed to read while serving, e.g. the port "
        "30003 of dump1090 or readsb; empty is off. Needs adsb_party.",
    )
    adsb_party: str = setting(
        "", "", "The party whose tracks the aircraft of adsb_sbs become (e.g. civil)."
    )
    adsb_batch_s: float = setting(
        1.0,
        "s",
        "How often an ADS-B feed submits the aircraft positions it assembled.",
        positive=True,
    )
    adsb_stale_s: float = setting(
        60.0, "s", "An aircraft an ADS-B feed has not heard from for this long is dropped."
    )
    # Console
    basemap_url: str = setting(
        "",
        "",
        "The console's basemap: a MapLibre style URL (ending in .json) or a raster tile URL "
        "template ({z}/{x}/{y}) for networks that have a map server; empty uses the "
        "country outlines shipped with the hub (no request leaves the hub).",
    )
    # Store
    sqlite_synchronous: str = setting(
        "full",
        "",
        "SQLite synchronous mode: 'full' survives power loss, 'normal' survives a crash of "
        "the hub process only.",
    )

    def __post_init__(self) -> None:
        """Refuse 0 (and less) where the setting says it must be positive."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata["positive"] and not value > 0:
                raise InvalidInput(f"setting {f.name} must be more than 0, got {value!r}")

    @classmethod
    def from_sources(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Defaults, then ``DECONFLICTION_*`` environment variables, then ``overrides``."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        known = {spec.name for spec in specs()}
        for key, raw in environ.items():
            if key.startswith(ENV_PREFIX):
                name = key[len(ENV_PREFIX) :].lower()
                if name in known:
                    values[name] = raw
        for name, raw in (overrides or {}).items():
            if name not in known:
                raise InvalidInput(
                    f"unknown setting {name!r}; see `deconfliction settings` for the list"
                )
            values[name] = raw
        parsed = {name: parse_value(name, raw) for name, raw in values.items()}
        return cls(**parsed)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def speed_limits(self) -> SpeedLimits:
        """The fastest speeds reports may give, by domain (validation refuses faster)."""
        from deconfliction.model.report import SpeedLimits

        return SpeedLimits(
            gs_mps=(self.air_max_gs_mps, self.ground_max_gs_mps, self.sea_max_gs_mps),
            vs_mps=(self.air_max_vs_mps, self.ground_max_vs_mps, self.sea_max_vs_mps),
        )

    def domain_minima(self) -> dict[str, Minima]:
        """The default minima by domain pair key (pairs absent are not checked)."""
        return {
            "air": Minima(self.air_horizontal_m, self.air_vertical_m, self.air_lookahead_s),
            "ground": Minima(self.ground_horizontal_m, math.inf, self.ground_lookahead_s),
            "sea": Minima(self.sea_horizontal_m, math.inf, self.sea_lookahead_s),
        }


@dataclass(frozen=True)
class SettingSpec:
    """One row of the registry, as the CLI help and the docs show it."""

    name: str
    default: Any
    unit: str
    help: str
    type: type

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


_TYPES = {"float": float, "int": int, "str": str, "bool": bool}


def specs() -> Iterator[SettingSpec]:
    """The registry, in declaration order."""
    for f in dataclasses.fields(Settings):
        yield SettingSpec(
            name=f.name,
            default=f.default,
            unit=f.metadata["unit"],
            help=f.metadata["help"] + (" More than 0." if f.metadata["positive"] else ""),
            type=_TYPES[str(f.type)],
        )


def parse_value(name: str, raw: Any) -> Any:
    """A setting's value from text or a number, using its unit."""
    spec = next((s for s in specs() if s.name == name), None)
    if spec is None:
        raise InvalidInput(f"unknown setting {name!r}")
    what = f"setting {name}"
    if spec.type is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise InvalidInput(f"{what}: expected true or false, got {raw!r}")
    if spec.type is str:
        return str(raw)
    if spec.unit == "s":
        value: float = parse_duration_s(raw, what)
    elif spec.unit == "m":
        value = parse_distance_m(raw, what)
    elif spec.unit == "bytes":
        value = parse_size_bytes(raw, what)
    else:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InvalidInput(f"{what}: expected a number, got {raw!r}") from None
    if value < 0:
        raise InvalidInput(f"{what}: must not be negative, got {raw!r}")
    if spec.type is int:
        if value != int(value):
            raise InvalidInput(f"{what}: expected a whole number, got {raw!r}")
        return int(value)
    return float(value)
