"""Conflict detection: pure functions over arrays and geometries (the hot path)."""
