"""Parties, their credentials and agreements: who is who, and who may see what of whom."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from deconfliction.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotFound
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import HUB_PARTY
from deconfliction.model import Agreement, Party, check_party_name
from deconfliction.model.party import LANGUAGES
from deconfliction.store import ADMIN, Store

TOKEN_PREFIX = "dcf_"
REGISTRY_VERSION = "registry_version"
# How long a change made by another process (``deconfliction party revoke`` while the hub
# runs) may go unnoticed by authentication: the registry's version is read again after it.
RECHECK_S = 1.0


def hash_token(token: str) -> str:
    """Credentials are stored only as this hash (tokens are random, so a fast hash is safe)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who a request comes from: a party, or the hub's administrator."""

    name: str
    admin: bool = False


ADMIN_PRINCIPAL = Principal(ADMIN, admin=True)


def _check_timezone(timezone: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {timezone!r}; use an IANA name such as Europe/Paris or UTC"
        ) from None
    return timezone


class Parties:
    """The registry of parties and agreements, cached from the store.

    The cache is refreshed when another process (the CLI) changes the registry: every change
    bumps ``registry_version`` in the store's meta table, which :meth:`refresh` checks (each
    detection cycle, and on authentication at most ``RECHECK_S`` after the last check).
    Tokens already seen are remembered by hash until the registry changes, so that a request
    costs no query to authenticate.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._version: str | None = None
        self._parties: dict[str, Party] = {}
        self._agreements: dict[tuple[str, str], Agreement] = {}
        self._principals: dict[str, Principal] = {}  # token hash -> principal, this version
        self._checked_s = 0.0  # monotonic time the registry's version was last read
        self.refresh(force=True)

    @property
    def version(self) -> str | None:
        """Changes whenever the registry changes (parties, tokens, agreements)."""
        return self._version

    # -- reading -----------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Reload from the store if it changed (``version`` then changes)."""
        self._checked_s = time.monotonic()
        version = self._store.get_meta(REGISTRY_VERSION)
        if not force and version == self._version:
            return
        parties = {p.name: p for p in self._store.list_parties()}
        agreements = {a.pair: a for a in self._store.list_agreements()}
        with self._lock:
            self._parties, self._agreements, self._version = parties, agreements, version
            self._principals = {}

    def get(self, name: str) -> Party:
        party = self._parties.get(name)
        if party is None:
            self.refresh()
            party = self._parties.get(name)
        if party is None:
            raise NotFound(f"no party named {name!r}")
        return party

    def all(self) -> list[Party]:
        return sorted(self._parties.values(), key=lambda p: p.name)

    def active(self) -> list[Party]:
        return [p for p in self.all() if p.active]

    def agreement(self, party_a: str, party_b: str) -> Agreement | None:
        """The agreement between the two parties, or None. None is a refusal (of a hotline
        message, of a party's details), so it is only given after the registry was read
        again: an agreement the CLI has just set in another process counts at once. Only
        misses cost the query."""
        pair = (min(party_a, party_b), max(party_a, party_b))
        found = self._agreements.get(pair)
        if found is None:
            self.refresh()
            found = self._agreements.get(pair)
        return found

    def unknown(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` that are no party of this hub, by name. A refusal, so only
        given after the registry was read again (a party the CLI just added counts)."""
        missing = sorted(set(names) - self._parties.keys())
        if missing:
            self.refresh()
            missing = [name for name in missing if name not in self._parties]
        return missing

    def _cached_agreement(self, party_a: str, party_b: str) -> Agreement | None:
        """The agreement as cached (views ask this for every party: no query)."""
        return self._agreements.get((min(party_a, party_b), max(party_a, party_b)))

    def agreements(self) -> list[Agreement]:
        return list(self._agreements.values())

    def partners(self, party: str) -> list[str]:
        """The parties ``party`` has an agreement with, by name."""
        return sorted(a.other(party) for a in self.agreements() if a.involves(party))

    def shares_tracks(self, viewer: str, owner: str) -> bool:
        """May ``viewer`` see the whole live picture of ``owner``?"""
        if viewer == owner:
            return True
        agreement = self._cached_agreement(viewer, owner)
        return agreement is not None and agreement.share_tracks

    def shares_operations(self, viewer: str, owner: str) -> bool:
        """May ``viewer`` see the planned operations of ``owner`` in full?"""
        if viewer == owner:
            return True
        agreement = self._cached_agreement(viewer, owner)
        return agreement is not None and agreement.share_operations

    def authenticate(self, token: str | None) -> Principal:
        """The principal a bearer token stands for, or raise ``AuthenticationFailed``."""
        if not token:
            raise AuthenticationFailed(
                "no credential: send the header 'Authorization: Bearer <token>'"
            )
        if time.monotonic() - self._checked_s > RECHECK_S:
            self.refresh()
        token_hash = hash_token(token)
        known = self._principals.get(token_hash)
        if known is not None:
            return known
        version = self._version
        principal = self._store.principal_for(token_hash)
        if principal is None:
            raise AuthenticationFailed("the token is unknown or has been revoked")
        if principal == ADMIN:
            known = ADMIN_PRINCIPAL
        else:
            party = self.get(principal)
            if not party.active:
                raise AuthenticationFailed(f"party {party.name!r} has been revoked")
            known = Principal(party.name)
        with self._lock:
            if self._version == version:  # else the registry changed meanwhile: ask again
                self._principals[token_hash] = known
        return known

    # -- writing (each inside a WriteUnit) -----------------------------------------------

    def _changed(self, unit: WriteUnit) -> None:
        unit.tx.set_meta(REGISTRY_VERSION, secrets.token_hex(8))
        unit.after_commit(lambda: self.refresh(force=True))

    def add(
        self, unit: WriteUnit, name: str, *, language: str = "en", timezone: str = "UTC"
    ) -> tuple[Party, str]:
        """Register a party; returns it and its first token (shown once, stored hashed)."""
        check_party_name(name)
        if language not in LANGUAGES:
            raise InvalidInput(
                f"language {language!r} is not supported; use one of {', '.join(LANGUAGES)}"
            )
        _check_timezone(timezone)
        if self._store.get_party(name) is not None:
            raise AlreadyExists(f"a party named {name!r} already exists")
        party = Party(name=name, created_s=unit.now_s, language=language, timezone=timezone)
        unit.tx.put_party(party)
        token = self._issue(unit, name)
        unit.journal(
            HUB_PARTY, "party.added", {"party": name, "language": language, "timezone": timezone}
        )
        self._changed(unit)
        return party, token

    def update(
        self,
        unit: WriteUnit,
        name: str,
        *,
        language: str | None = None,
        timezone: str | None = None,
    ) -> Party:
        party = self.get(name)
        if language is not None and language not in LANGUAGES:
            raise InvalidInput(
                f"language {language!r} is not supported; use one of {', '.join(LANGUAGES)}"
            )
        changed = Party(
            name=party.name,
            created_s=party.created_s,
            language=language or party.language,
            timezone=_check_timezone(timezone) if timezone else party.timezone,
            revoked_s=party.revoked_s,
        )
        unit.tx.put_party(changed)
        unit.journal(
            name,
            "party.updated",
            {"party": name, "language": changed.language, "timezone": changed.timezone},
        )
        self._changed(unit)
        return changed

    def _issue(self, unit: WriteUnit, principal: str) -> str:
        token = new_token()
        unit.tx.add_credential(hash_token(token), principal, unit.now_s)
        return token

    def new_token(self, unit: WriteUnit, name: str) -> str:
        """A fresh token for ``name``; the party's earlier tokens stop working."""
        party = self.get(name)
        if not party.active:
            raise InvalidInput(f"party {name!r} is revoked; add it under a new name")
        unit.tx.revoke_credentials(name, unit.now_s)
        token = self._issue(unit, name)
        unit.journal(HUB_PARTY, "credential.rotated", {"party": name})
        self._changed(unit)
        return token

    def new_admin_token(self, unit: WriteUnit) -> str:
        token = self._issue(unit, ADMIN)
        unit.journal(HUB_PARTY, "credential.admin_issued", {})
        return token

    def retire_admin_tokens(self, unit: WriteUnit) -> int:
        """Revoke every admin token issued so far (a leaked one among them); how many."""
        retired = unit.tx.revoke_credentials(ADMIN, unit.now_s)
        unit.journal(HUB_PARTY, "credential.admin_retired", {"tokens": retired})
        self._changed(unit)
        return retired

    def has_admin(self) -> bool:
        return self._store.get_meta("admin_token_issued") is not None

    def mark_admin_issued(self, unit: WriteUnit) -> None:
        unit.tx.set_meta("admin_token_issued", str(unit.now_s))

    def revoke(self, unit: WriteUnit, name: str) -> Party:
        """Revoke a party: its tokens stop working and its tracks leave the picture."""
        party = self.get(name)
        if not party.active:
            return party
        revoked = Party(party.name, party.created_s, party.language, party.timezone, unit.now_s)
        unit.tx.put_party(revoked)
        unit.tx.revoke_credentials(name, unit.now_s)
        unit.journal(HUB_PARTY, "party.revoked", {"party": name})
        self._changed(unit)
        return revoked

    def set_agreement(self, unit: WriteUnit, agreement: Agreement) -> Agreement:
        for name in agreement.pair:
            self.get(name)
        unit.tx.put_agreement(agreement)
        unit.journal(HUB_PARTY, "agreement.set", agreement.to_json())
        self._changed(unit)
        return agreement

    def remove_agreement(self, unit: WriteUnit, party_a: str, party_b: str) -> None:
        if not unit.tx.delete_agreement(party_a, party_b):
            raise NotFound(f"no agreement between {party_a!r} and {party_b!r}")
        unit.journal(HUB_PARTY, "agreement.removed", {"parties": sorted((party_a, party_b))})
        self._changed(unit)
