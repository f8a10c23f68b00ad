"""What one request carries into the hub's writes without every service passing it along:
a party's verified signature, and the journal entries its writes committed (for receipts).

Both are context variables, set by the API around the hub call that serves one request.
They are scoped to that request: a context variable set in the API's task is copied into
the worker thread that runs the hub call, and is invisible to the cycle thread and to
other requests. Nothing in the hub sets them; the hub only reads them (see
:class:`~deconfliction.hub.unit.WriteUnit`).

Why context variables rather than a parameter of every write: a signature must reach the
journal entry of whatever write the request makes (reports, zones, operations, messages,
acknowledgements, incidents), and those services are written by different people. With a
parameter, each service and each ``Hub`` method would have to take and pass it on, and one
that forgot would silently drop signatures. Here the one place that builds entries
(``WriteUnit.journal``) attaches it, whatever the service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from deconfliction.journal.chain import JournalEntry


@dataclass
class SignedRequest:
    """A request whose signature the API verified: the ``party_signature`` object to journal
    (:func:`deconfliction.journal.entries.signed_write`) in the first entry of ``party``."""

    party: str
    signed_write: dict[str, Any]
    journalled_seq: int | None = None  # set once an entry carries it


@dataclass
class Recorded:
    """The journal entries committed while recording, in order."""

    entries: list[JournalEntry] = field(default_factory=list)

    def first(self, party: str | None = None) -> JournalEntry | None:
        """The first entry (of ``party``, if given): the record of what the request itself
        did, before its consequences (and the entry that holds the request's signature);
        what a receipt is made of."""
        for entry in self.entries:
            if party is None or entry.party == party:
                return entry
        return None


_SIGNED: ContextVar[SignedRequest | None] = ContextVar("deconfliction_signed", default=None)
_RECORDED: ContextVar[Recorded | None] = ContextVar("deconfliction_recorded", default=None)


@contextmanager
def signed_request(request: SignedRequest) -> Iterator[SignedRequest]:
    """Writes inside this block journal ``request``'s signature (in the signer's first entry)."""
    token = _SIGNED.set(request)
    try:
        yield request
    finally:
        _SIGNED.reset(token)


def current_signed_request() -> SignedRequest | None:
    return _SIGNED.get()


@contextmanager
def recording() -> Iterator[Recorded]:
    """Collect the journal entries that writes inside this block commit.

    >>> with recording() as written:
    ...     pass  # hub calls
    >>> written.first() is None
    True
    """
    recorded = Recorded()
    token = _RECORDED.set(recorded)
    try:
        yield recorded
    finally:
        _RECORDED.reset(token)


def current_recording() -> Recorded | None:
    return _RECORDED.get()
