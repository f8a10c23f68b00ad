"""Parties' own Ed25519 keys: registered (optionally) so that their submissions are signed.

A registration is journalled as a ``party.key`` entry of the party (every party may read
those, so anyone can check signatures) and kept in the store as an object of kind
``party_key`` so the API can look the key up on each request. Once a party has a key, the
API refuses its writes unless they carry a valid signature (see
:mod:`deconfliction.api.signatures`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.entries import PARTY_KEY_KIND, party_key_content
from deconfliction.journal.signing import key_id, parse_public_key, public_key_b64
from deconfliction.store import Store, StoredObject

KIND = "party_key"


@dataclass(frozen=True)
class PartyKey:
    """A party's registered key (``public_key`` None: it has none)."""

    party: str
    public_key: Ed25519PublicKey | None
    registered_s: float | None

    @property
    def key_id(self) -> str | None:
        return None if self.public_key is None else key_id(self.public_key)

    @property
    def public_key_b64(self) -> str | None:
        return None if self.public_key is None else public_key_b64(self.public_key)


class PartyKeys:
    """Registration and lookup of parties' keys (remembered once read: keys change only
    through :meth:`register`, on the hub's API)."""

    def __init__(
        self, store: Store, write: Callable[[], AbstractContextManager[WriteUnit]]
    ) -> None:
        self._store = store
        self._write = write
        self._known: dict[str, PartyKey] = {}

    def get(self, party: str) -> PartyKey:
        known = self._known.get(party)
        if known is None:
            known = self._known[party] = self._read(party)
        return known

    def _read(self, party: str) -> PartyKey:
        stored = self._store.get_object(KIND, party)
        if stored is None or stored.doc.get("public_key") is None:
            return PartyKey(party, None, None if stored is None else stored.updated_s)
        key = parse_public_key(str(stored.doc["public_key"]), f"the stored key of {party!r}")
        return PartyKey(party, key, stored.updated_s)

    def register(self, party: str, text: str | None) -> tuple[PartyKey, JournalEntry]:
        """Register ``party``'s key (base64 or PEM; None withdraws it); the journal entry."""
        key = None if text is None else parse_public_key(text, "public_key")
        with self._write() as unit:
            current = self._store.get_object(KIND, party)
            version = 1 if current is None else current.version + 1
            encoded = None if key is None else public_key_b64(key)
            unit.tx.put_object(
                StoredObject(
                    KIND,
                    party,
                    party,
                    version,
                    "active" if key is not None else "withdrawn",
                    unit.now_s,
                    {"public_key": encoded},
                )
            )
            entry = unit.journal(party, PARTY_KEY_KIND, party_key_content(key))
            registered = PartyKey(party, key, unit.now_s)
            self._known.pop(party, None)
            unit.after_commit(lambda: self._known.__setitem__(party, registered))
            return registered, entry
