"""GeoJSON in, validated regions out; circles and buffers in metres (pure, no I/O)."""

from deconfliction.geo.parts import RegionParts
from deconfliction.geo.region import GeometryLimits, Region, RegionKind, parse_geometry

__all__ = ["GeometryLimits", "Region", "RegionKind", "RegionParts", "parse_geometry"]
