"""The application layer: one ``Hub`` object and its services."""

from deconfliction.hub.hub import Hub
from deconfliction.hub.live.tracks import IngestResult
from deconfliction.hub.parties import Principal
from deconfliction.hub.runner import Runner

__all__ = ["Hub", "IngestResult", "Principal", "Runner"]
