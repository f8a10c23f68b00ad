"""Edges that talk to the outside: files and feeds in, results out."""
