"""Parties' webhooks: where to POST their events and the secret to sign them with.

The URL is the party's choice, and the hub POSTs to it from inside its own network: a URL
naming an internal address (``http://10.0.0.5/``, ``http://localhost:5432``,
``http://169.254.169.254/``) would make the hub send requests there. So the URL's host must
resolve to public addresses only, every one of them, when the webhook is set and again at
each delivery (:class:`~deconfliction.hub.webhooks.addresses.AddressPolicy`); the operator may
allow internal hosts and networks (setting ``webhook_allowed_internal``). Deployments that
can name the receivers should also list their hosts in ``webhook_allowed_hosts``. URLs with
credentials are refused and redirects are never followed. The secret is stored as it is
(the hub needs it to sign): protect the database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx

from deconfliction.errors import InvalidInput, NotFound
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.webhooks.addresses import AddressPolicy
from deconfliction.model.text import check_text
from deconfliction.settings import Settings
from deconfliction.store import Store, StoredObject

MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
MAX_URL_LENGTH = 2000


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


@dataclass(frozen=True)
class WebhookConfig:
    """A party's webhook: where to POST and the secret its signatures are keyed with."""

    party: str
    url: str
    secret: str
    set_s: float


class WebhookConfigs:
    """The webhook of each party, cached from the store (``kind="webhook"``, id = party)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self.settings = settings
        self._configs: dict[str, WebhookConfig] = {}
        # Where webhooks may go; the sender should be given it too, to connect to the
        # addresses it checked (WebhookSender(policy=...)).
        self.policy = AddressPolicy.parse(settings.webhook_allowed_internal)

    def __bool__(self) -> bool:
        return bool(self._configs)

    def load(self) -> None:
        for stored in self._store.list_objects("webhook"):
            doc = stored.doc
            self._configs[stored.owner] = WebhookConfig(
                stored.owner, doc["url"], doc["secret"], doc["set_s"]
            )

    def get(self, party: str) -> WebhookConfig | None:
        return self._configs.get(party)

    def check_url(self, url: str) -> str:
        """``url`` if the hub may POST to it; raise saying why not otherwise."""
        if not isinstance(url, str) or not url.strip():
            raise InvalidInput("webhook: the url is empty")
        url = url.strip()
        check_text(url, "webhook: url")
        if len(url) > MAX_URL_LENGTH:
            raise InvalidInput(f"webhook: the url is longer than {MAX_URL_LENGTH} characters")
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise InvalidInput(f"webhook: {url!r} is not a URL ({error})") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidInput(f"webhook: {url!r} is not an http:// or https:// URL")
        if parsed.userinfo:
            raise InvalidInput(
                "webhook: put no user name or password in the url; receivers authenticate "
                "the hub by the signature"
            )
        if not self.host_listed(parsed.host):
            raise InvalidInput(
                f"webhook: host {parsed.host!r} is not in this hub's list of allowed webhook "
                "hosts (setting webhook_allowed_hosts); ask the hub's operator"
            )
        self.policy.check(parsed.host, _port(parsed))
        return url

    def host_allowed(self, host: str) -> bool:
        """Whether the hub may POST to ``host`` now: listed in ``webhook_allowed_hosts`` (if
        the hub lists hosts), and every address it resolves to public or allowed (checked
        again at each delivery: the name may resolve elsewhere since it was set)."""
        if not self.host_listed(host):
            return False
        try:
            self.policy.check(host, 443)
        except InvalidInput:
            return False
        return True

    def host_listed(self, host: str) -> bool:
        """Whether ``host`` is in ``webhook_allowed_hosts`` (any host when it is empty)."""
        patterns = [
            p.strip().lower().rstrip(".")
            for p in self.settings.webhook_allowed_hosts.split(",")
            if p.strip()
        ]
        if not patterns:
            return True
        host = host.lower().rstrip(".")
        return any(host.endswith(p[1:]) if p.startswith("*.") else host == p for p in patterns)

    def set(
        self, unit: WriteUnit, party: str, url: str, secret: str | None
    ) -> tuple[WebhookConfig, str | None]:
        """Set ``party``'s webhook; returns it and the secret if the hub made it (shown once).

        A secret given by the party is kept and never shown back.
        """
        url = self.check_url(url)
        made = None
        if secret is None:
            secret = made = secrets.token_urlsafe(32)
        elif not isinstance(secret, str) or not (
            MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH
        ):
            raise InvalidInput(
                f"webhook: the secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} "
                "characters; leave it out and the hub makes one"
            )
        else:
            check_text(secret, "webhook: secret")
        config = WebhookConfig(party, url, secret, unit.now_s)
        doc = {"url": url, "secret": secret, "set_s": unit.now_s}
        unit.tx.put_object(StoredObject("webhook", party, party, 1, "active", unit.now_s, doc))
        unit.journal(party, "webhook.set", {"url": url, "secret_made_by_hub": made is not None})
        unit.after_commit(lambda: self._configs.__setitem__(party, config))
        return config, made

    def remove(self, unit: WriteUnit, party: str) -> None:
        if not unit.tx.delete_object("webhook", party):
            raise NotFound(f"party {party!r} has no webhook")
        unit.journal(party, "webhook.removed", {})
        unit.after_commit(lambda: self._configs.pop(party, None))
