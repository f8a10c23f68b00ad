"""The incident report: a self-contained HTML page with a map-like plot of the evidence.

The plot (PNG, drawn with matplotlib's Agg canvas on a fresh ``Figure``: no pyplot, no
global state) shows the tracks' recorded paths over the window, the zones as they stood,
the incident's location and, for each encounter, the two positions at closest approach.
Longitude runs along x and latitude along y, with the aspect set so that a kilometre east
is as long as a kilometre north at the plot's mean latitude. Every text in the HTML is
escaped; the PNG is embedded as a ``data:`` URI, so the page is one file.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from deconfliction.detect.evidence import EncounterEvidence, TrackPath, summarise_path
from deconfliction.model.incident import Incident, TimelineItem
from deconfliction.model.zone import ZoneOutline
from deconfliction.units import FT_M, NM_M, format_time

_TRACK_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
_ZONE_COLOURS = {
    "no_entry": "#d62728",
    "protected": "#ff7f0e",
    "notify_before_entry": "#bcbd22",
    "owner_only": "#7f7f7f",
}


def _rings(geometry: BaseGeometry) -> Iterable[tuple[str, BaseGeometry]]:
    kind = geometry.geom_type
    if kind in ("MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection"):
        for part in geometry.geoms:
            yield from _rings(part)
    elif not geometry.is_empty:
        yield kind, geometry


def _draw_zone(axes: Any, zone: ZoneOutline) -> None:
    colour = _ZONE_COLOURS.get(zone.rule, "#7f7f7f")
    faded = zone.state != "active"
    label = f"zone {zone.name}" + ("" if not faded else f" ({zone.state})")
    for kind, part in _rings(zone.geometry):
        if kind == "Polygon":
            vertices, codes = [], []
            for ring in (part.exterior, *part.interiors):
                points = np.asarray(ring.coords)[:, :2]
                vertices.extend(points.tolist())
                codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 2))
                codes.append(MplPath.CLOSEPOLY)
            patch = PathPatch(
                MplPath(vertices, codes),
                facecolor=colour,
                edgecolor=colour,
                alpha=0.12 if faded else 0.25,
                linestyle="--" if faded else "-",
                label=label,
            )
            axes.add_patch(patch)
        elif kind in ("LineString", "LinearRing"):
            xy = np.asarray(part.coords)[:, :2]
            axes.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=2, alpha=0.7, label=label)
        elif kind == "Point":
            axes.plot(part.x, part.y, marker="P", markersize=11, color=colour, label=label)
        label = "_nolegend_"  # one legend entry per zone


def incident_png(
    paths: Sequence[TrackPath],
    *,
    zones: Sequence[ZoneOutline] = (),
    evidence: Sequence[EncounterEvidence] = (),
    location: tuple[float, float] | None = None,
    title: str = "",
    size_in: tuple[float, float] = (9.0, 7.0),
    dpi: int = 100,
) -> bytes:
    """The plot of an incident as PNG bytes.

    ``paths`` are drawn as given (pass them cut to the window); ``location`` is
    ``(lat, lon)``.
    """
    figure = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for zone in zones:
        _draw_zone(axes, zone)
    for index, path in enumerate(paths):
        colour = _TRACK_COLOURS[index % len(_TRACK_COLOURS)]
        axes.plot(
            path.lon, path.lat, color=colour, linewidth=1.5, label=f"{path.party} {path.track}"
        )
        if len(path):
            axes.plot(path.lon[0], path.lat[0], marker="o", color=colour, markersize=5)
            axes.plot(path.lon[-1], path.lat[-1], marker=">", color=colour, markersize=6)
    for encounter in evidence:
        approach = encounter.approach
        if approach is None:
            continue
        axes.plot(
            [approach.a_lon, approach.b_lon],
            [approach.a_lat, approach.b_lat],
            color="black",
            linestyle=":",
            marker="x",
            markersize=9,
            zorder=5,
            label=f"closest approach {_distance(approach.horizontal_m)}",
        )
        axes.annotate(
            f"{_distance(approach.horizontal_m)} / {_height(approach.vertical_m)}\n"
            f"{format_time(approach.time_s)}",
            xy=(approach.a_lon, approach.a_lat),
            xytext=(12, -24),
            textcoords="offset points",
            fontsize=8,
        )
    if location is not None:
        axes.plot(
            location[1],
            location[0],
            marker="*",
            markersize=14,
            color="gold",
            markeredgecolor="black",
            linestyle="none",
            label="reported location",
        )
    axes.autoscale_view()
    low, high = axes.get_ylim()
    mean_lat = math.radians(max(-89.0, min(89.0, (low + high) / 2.0)))
    axes.set_aspect(1.0 / max(math.cos(mean_lat), 1e-3), adjustable="datalim")
    axes.set_xlabel("longitude (°)")
    axes.set_ylabel("latitude (°)")
    axes.grid(True, linewidth=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="best", fontsize=8)
    if title:
        axes.set_title(title, fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _distance(metres: float) -> str:
    return f"{metres:,.0f} m ({metres / NM_M:.2f} NM)"


def _height(metres: float) -> str:
    return f"{metres:,.0f} m ({metres / FT_M:,.0f} ft)"


def _row(*cells: object) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"


def _table(headers: Sequence[str], rows: Iterable[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _evidence_section(encounter: EncounterEvidence) -> str:
    a, b, approach = encounter.a, encounter.b, encounter.approach
    title = f"{a.party} {a.track} and {b.party} {b.track}"
    paths = _table(
        ("party", "track", "reports", "first", "last", "longest gap"),
        (
            _row(
                s.party,
                s.track,
                s.reports,
                "-" if s.first_s is None else format_time(s.first_s),
                "-" if s.last_s is None else format_time(s.last_s),
                f"{s.max_gap_s:.0f} s",
            )
            for s in (a, b)
        ),
    )
    if approach is None:
        figures = "<p>The two tracks have no recorded positions at a common moment.</p>"
    else:
        figures = _table(
            ("measure", "value"),
            (
                _row("closest approach at", format_time(approach.time_s)),
                _row("horizontal distance", _distance(approach.horizontal_m)),
                _row("vertical distance then", _height(approach.vertical_m)),
                _row(
                    "least straight-line separation",
                    f"{_distance(approach.min_slant_m)} "
                    f"at {format_time(approach.min_slant_time_s)}",
                ),
                _row(
                    "least separation / minima",
                    f"{approach.min_ratio:.2f} at {format_time(approach.min_ratio_time_s)}",
                ),
                _row("time inside both minima", f"{approach.loss_of_separation_s:.0f} s"),
                _row("gap between reports at that moment", f"{approach.report_gap_s:.0f} s"),
            ),
        )
    return f"<h3>{html.escape(title)}</h3>{figures}{paths}"


def incident_report_html(
    incident: Incident,
    *,
    paths: Sequence[TrackPath] = (),
    evidence: Sequence[EncounterEvidence] = (),
    zones: Sequence[ZoneOutline] = (),
    timeline: Sequence[TimelineItem] = (),
    generated_s: float | None = None,
) -> str:
    """The incident report as one HTML page (UTF-8 text), its plot embedded."""
    window = [p.window(incident.start_s, incident.end_s) for p in paths]
    png = incident_png(
        window,
        zones=zones,
        evidence=evidence,
        location=(incident.lat, incident.lon),
        title=f"Incident {incident.id}: {incident.kind.value.replace('_', ' ')}",
    )
    image = base64.b64encode(png).decode("ascii")
    facts = _table(
        ("", ""),
        (
            _row("kind", incident.kind.value.replace("_", " ")),
            _row("reported by", incident.reporter),
            _row("reported at", format_time(incident.created_s)),
            _row("state", incident.state.value.replace("_", " ")),
            _row("window", f"{format_time(incident.start_s)} – {format_time(incident.end_s)}"),
            _row("location", f"{incident.lat:.5f}, {incident.lon:.5f}"),
            _row("tracks", ", ".join(f"{t.party} {t.track}" for t in incident.tracks) or "-"),
        ),
    )
    accounts = (
        "".join(
            f"<h3>{html.escape(a.party)}, {format_time(a.time_s)}</h3>"
            f'<p class="text">{html.escape(a.narrative)}</p>'
            for a in incident.accounts
        )
        or "<p>No other party has given an account.</p>"
    )
    summaries = _table(
        ("party", "track", "reports in window", "longest gap"),
        (
            _row(s.party, s.track, s.reports, f"{s.max_gap_s:.0f} s")
            for s in (summarise_path(p, incident.start_s, incident.end_s) for p in paths)
        ),
    )
    events = _table(
        ("time", "kind", "party", "text"),
        (
            _row(format_time(i.time_s), i.kind, i.party, i.text)
            for i in sorted(timeline, key=lambda i: i.time_s)
        ),
    )
    zone_rows = _table(
        ("zone", "rule", "owner", "state at the time"),
        (_row(z.name, z.rule, z.owner, z.state) for z in zones),
    )
    encounters = "".join(_evidence_section(e) for e in evidence) or "<p>No encounter computed.</p>"
    generated = "" if generated_s is None else f"<p>Generated {format_time(generated_s)}.</p>"
    title = html.escape(f"Incident {incident.id}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }}
.text {{ white-space: pre-wrap; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{title}</h1>
{facts}
<h2>Narrative</h2><p class="text">{html.escape(incident.narrative)}</p>
<h2>Accounts of other parties</h2>{accounts}
<h2>Plot</h2>
<figure><img alt="{html.escape(f"Paths, zones and closest approach of incident {incident.id}")}"
src="data:image/png;base64,{image}"><figcaption>Recorded paths over the window (circle: first
report, triangle: last), zones, the reported location (star) and the closest approach
(crosses).</figcaption></figure>
<h2>Evidence computed from recorded data</h2>{encounters}
<h2>Paths</h2>{summaries}
<h2>Alerts and hotline messages around the incident</h2>{events}
<h2>Zones at the time</h2>{zone_rows}
{generated}
</body></html>
"""
