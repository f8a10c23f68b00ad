"""Regenerate the console's vendored files from npm, or check that the committed ones match.

    python tools/vendor_web.py            # write them into src/deconfliction/web/vendor
    python tools/vendor_web.py --check    # regenerate in a temporary folder and compare

What comes from where (versions pinned below; `npm pack` fetches the tarballs):

- `maplibre-gl` (BSD-3-Clause): the ES module, its worker, its CSS and its licence, with the
  source-map comments removed (the maps are not shipped);
- `mgrs` (MIT): the ES module that turns a map click into MGRS, and its licence;
- `world-atlas` (ISC; the data is Natural Earth, public domain): `countries-50m` turned
  into a GeoJSON FeatureCollection of country outlines, every ring cut at the antimeridian
  (so that no polygon is drawn as a band across the map) and coordinates rounded to 0.01°
  (about 1 km, finer than the 1:50m data);
- `axe-core` (MPL-2.0), for the accessibility test only: `tests/web/vendor/axe.min.js`.

`VENDOR.json` beside the files lists each package's version and integrity and each file's
SHA-256; `tests/web/test_vendor.py` checks the files against it without the network.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
WEB_VENDOR = Path("src/deconfliction/web/vendor")
TEST_VENDOR = Path("tests/web/vendor")
PACKAGES = {
    "maplibre-gl": "6.20.0",
    "mgrs": "2.2.0",
    "world-atlas": "2.0.2",
    "axe-core": "4.14.1",
}
DIGITS = 2  # decimals kept in basemap coordinates


def npm_pack(name: str, version: str, into: Path) -> tuple[tarfile.TarFile, dict[str, Any]]:
    """The package's tarball from npm, opened, and what npm says about it."""
    answer = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
        cwd=into,
    )
    info = json.loads(answer.stdout)[0]
    return tarfile.open(into / info["filename"]), info


def member(tar: tarfile.TarFile, path: str) -> bytes:
    extracted = tar.extractfile(f"package/{path}")
    if extracted is None:
        raise SystemExit(f"{path} is not a file in the package")
    return extracted.read()


def strip_source_map(code: bytes) -> bytes:
    lines = code.rstrip(b"\n").split(b"\n")
    if lines[-1].startswith(b"//# sourceMappingURL="):
        lines = lines[:-1]
    return b"\n".join(lines) + b"\n"


# -- the basemap ---------------------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs in degrees (delta-decoded, dequantised)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_of(
    indices: Sequence[int], arcs: list[list[tuple[float, float]]]
) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def unwrap(ring: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Longitudes made continuous (each step at most 180°)."""
    out = [ring[0]]
    shift = 0.0
    for (lon0, _), (lon1, lat1) in itertools.pairwise(ring):
        step = lon1 - lon0
        if step > 180.0:
            shift -= 360.0
        elif step < -180.0:
            shift += 360.0
        out.append((lon1 + shift, lat1))
    return out


def round_pole(ring: Sequence[tuple[float, float]]) -> bool:
    flat = unwrap(ring)
    return abs(flat[-1][0] - flat[0][0]) > 1.0


def polygon_of(ring: Sequence[tuple[float, float]]) -> BaseGeometry:
    """A ring as a polygon in continuous longitudes; one that goes round a pole becomes the
    cap between it and the pole."""
    flat = unwrap(ring)
    if round_pole(ring):
        pole = -90.0 if sum(lat for _, lat in flat) < 0 else 90.0
        flat = [*flat, (flat[-1][0], pole), (flat[0][0], pole)]
    return shapely.make_valid(Polygon(flat))


def cut_at_antimeridian(shape: BaseGeometry) -> BaseGeometry:
    """The shape's parts beyond ±180° moved back into the world, as one geometry."""
    parts = []
    for turns in (-2, -1, 0, 1, 2):
        window = box(-180.0 + 360.0 * turns, -90.0, 180.0 + 360.0 * turns, 90.0)
        part = shape.intersection(window)
        if not part.is_empty:
            parts.append(shapely.transform(part, lambda xy, t=turns: xy - [360.0 * t, 0.0]))
    return shapely.make_valid(shapely.union_all(parts))


def polygons(shape: BaseGeometry) -> Iterable[Polygon]:
    if isinstance(shape, Polygon):
        yield shape
    elif hasattr(shape, "geoms"):
        for part in shape.geoms:
            yield from polygons(part)


def rounded(shape: BaseGeometry) -> dict[str, Any]:
    kept = [p for p in polygons(shapely.set_precision(shape, 10.0**-DIGITS)) if not p.is_empty]
    geometry = mapping(MultiPolygon(kept) if len(kept) > 1 else kept[0])
    return json.loads(json.dumps(geometry), parse_float=lambda v: round(float(v), DIGITS))


def basemap(topology: dict[str, Any]) -> bytes:
    """Country outlines as a GeoJSON FeatureCollection, cut at the antimeridian."""
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("type") is None:
            continue
        groups = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        shapes = []
        for rings in groups:
            outer = polygon_of(ring_of(rings[0], arcs))
            for hole in rings[1:]:
                ring = ring_of(hole, arcs)
                # Antarctica: an outer ring along the pole and its coast as the "hole" (a
                # polygon on the sphere); on the flat map it is the cap south of its coast.
                if round_pole(ring):
                    outer = outer.symmetric_difference(polygon_of(ring))
                else:
                    outer = outer.difference(polygon_of(ring))
            shapes.append(outer)
        shape = cut_at_antimeridian(shapely.union_all(shapes))
        if shape.is_empty:
            continue
        name = geometry.get("properties", {}).get("name", "")
        feature = {"type": "Feature", "properties": {"name": name}, "geometry": rounded(shape)}
        features.append(feature)
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


# -- the files ----------------------------------------------------------------------------

NATURAL_EARTH = b"""Country outlines: Natural Earth (naturalearthdata.com), 1:50m admin 0 countries,
in the public domain; via the npm package world-atlas (ISC licence, copyright Mike
Bostock), converted by tools/vendor_web.py (cut at the antimeridian, rounded to 0.01 deg).
"""


def build(workdir: Path) -> tuple[dict[Path, bytes], dict[str, Any]]:
    """Every vendored file (path relative to the repository) and the manifest."""
    files: dict[Path, bytes] = {}
    packages: dict[str, Any] = {}
    tars = {}
    for name, version in PACKAGES.items():
        tar, info = npm_pack(name, version, workdir)
        tars[name] = tar
        packages[name] = {"version": version, "integrity": info["integrity"]}
    maplibre = tars["maplibre-gl"]
    for path in ("maplibre-gl.mjs", "maplibre-gl-worker.mjs"):
        files[WEB_VENDOR / "maplibre" / path] = strip_source_map(member(maplibre, f"dist/{path}"))
    files[WEB_VENDOR / "maplibre" / "maplibre-gl.css"] = member(maplibre, "dist/maplibre-gl.css")
    files[WEB_VENDOR / "maplibre" / "LICENSE.txt"] = member(maplibre, "LICENSE.txt")
    mgrs = tars["mgrs"]
    files[WEB_VENDOR / "mgrs" / "mgrs.mjs"] = strip_source_map(member(mgrs, "dist/mgrs.esm.js"))
    files[WEB_VENDOR / "mgrs" / "LICENSE.md"] = member(mgrs, "license.md")
    atlas = tars["world-atlas"]
    topology = json.load(io.BytesIO(member(atlas, "countries-50m.json")))
    files[WEB_VENDOR / "basemap" / "countries-50m.geojson"] = basemap(topology)
    files[WEB_VENDOR / "basemap" / "LICENSE.txt"] = NATURAL_EARTH + b"\n" + member(atlas, "LICENSE")
    axe = tars["axe-core"]
    files[TEST_VENDOR / "axe.min.js"] = member(axe, "axe.min.js")
    files[TEST_VENDOR / "LICENSE.txt"] = member(axe, "LICENSE")
    manifest = {
        "generated_by": "tools/vendor_web.py",
        "packages": packages,
        "files": {
            str(path): hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())
        },
    }
    return files, manifest


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files, manifest = build(Path(tmp))
    files[WEB_VENDOR / "VENDOR.json"] = manifest_bytes(manifest)
    if args.check:
        stale = [str(p) for p, data in files.items() if not _same(ROOT / p, data)]
        if stale:
            print("vendored files differ from npm; run python tools/vendor_web.py:", *stale)
            return 1
        print(f"vendored files match npm ({len(files)} files)")
        return 0
    for path, data in files.items():
        (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / path).write_bytes(data)
        print(f"{len(data):>10,} {path}")
    return 0


def _same(path: Path, data: bytes) -> bool:
    return path.exists() and path.read_bytes() == data


if __name__ == "__main__":
    sys.exit(main())
