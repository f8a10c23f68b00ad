"""The HTTP and WebSocket API: ``create_app(hub) -> FastAPI``."""

from deconfliction.api.app import create_app

__all__ = ["create_app"]
