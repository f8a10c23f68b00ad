"""Conflict detection and evidence: pure functions over arrays and geometries (the hot path)."""
