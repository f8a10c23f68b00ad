"""A self-hosted deconfliction hub for parties that share an operating area but no chain of
command. See README.md and docs/architecture.md."""

__version__ = "0.1.0"
