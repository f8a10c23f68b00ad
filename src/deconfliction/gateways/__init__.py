"""Edges that talk to the outside: files and feeds in, webhooks out (later CoT and ADS-B)."""
