"""Conflict detection: pure functions over arrays and regions (the benchmarked hot path)."""
