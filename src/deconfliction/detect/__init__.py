"""Conflict detection and evidence: pure functions over arrays and geometries."""
