"""Presentation: HTML and images rendered from results, no state."""
