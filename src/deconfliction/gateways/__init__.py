"""Edges that talk to the outside world (webhooks; later CoT and ADS-B)."""
