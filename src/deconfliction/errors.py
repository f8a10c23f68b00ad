"""Every error the hub raises on purpose, in one tree.

Domain errors know nothing of HTTP; ``deconfliction.api.errors`` maps each class to a status
code and WebSocket close code in one place.

::

    DeconflictionError
    ├── InvalidInput              the client sent something the hub cannot accept (422)
    │   ├── MalformedPayload      the body is not parseable at all (400)
    │   ├── PayloadTooLarge       more items or bytes than a limit allows (413)
    │   └── UnsupportedMediaType  a body in a format the hub does not read there (415)
    ├── AuthenticationFailed      no credential, or an unknown or revoked one (401)
    ├── PermissionDenied          authenticated, but not allowed to do this (403)
    ├── NotFound                  no such object, or not one the caller may see (404)
    ├── Conflict                  the request is valid but clashes with the current state (409)
    │   ├── AlreadyExists         a name or id is already taken
    │   ├── IllegalTransition     a lifecycle does not allow this change of state
    │   ├── VersionMismatch       an update named a version that is not the current one
    │   └── StaleKey              a write did not prove it saw every overlapping object
    └── StoreError                the database cannot be used as it is (500)
        ├── SchemaTooNew          the database was written by a newer release
        └── StoreUnavailable      the database cannot be reached now; try again (503)

Each error carries a plain-language ``message`` and optional ``details`` (a list of
JSON-serialisable dicts, e.g. one per rejected item) that the API returns as they are.
"""

from __future__ import annotations

from typing import Any


class DeconflictionError(Exception):
    """Base of every error the hub raises on purpose."""

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[dict[str, Any]] = details or []


class InvalidInput(DeconflictionError):
    """The client sent something the hub cannot accept."""


class MalformedPayload(InvalidInput):
    """The body could not be parsed at all (not JSON, truncated, wrong encoding)."""


class PayloadTooLarge(InvalidInput):
    """A request carries more items or bytes than a limit allows."""


class UnsupportedMediaType(InvalidInput):
    """A body in a format (content type) the hub does not read where it was sent."""


class AuthenticationFailed(DeconflictionError):
    """No credential, or an unknown or revoked one."""


class PermissionDenied(DeconflictionError):
    """The caller is known but may not do this."""


class NotFound(DeconflictionError):
    """No such object, or none the caller may see (the two are deliberately not told apart)."""


class Conflict(DeconflictionError):
    """The request is valid but clashes with the current state."""


class AlreadyExists(Conflict):
    """A name or id is already taken."""


class IllegalTransition(Conflict):
    """A lifecycle does not allow this change of state."""


class VersionMismatch(Conflict):
    """An update named a version of an object that is not its current one."""


class StaleKey(Conflict):
    """A write did not carry the current versions of every overlapping object it may see."""


class StoreError(DeconflictionError):
    """The database cannot be used as it is."""


class SchemaTooNew(StoreError):
    """The database schema is newer than this release understands."""


class StoreUnavailable(StoreError):
    """The database cannot be reached now (restarting, failing over): the write was not
    applied, or not acknowledged; the same request may be sent again."""


class LeaseLost(DeconflictionError):
    """This hub process no longer holds the lease to run detection and the timers (another
    process of the hub took it over): its write of that work was not applied."""
