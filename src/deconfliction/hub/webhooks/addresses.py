"""Which addresses the hub may send webhooks to: public ones only, by default.

A party chooses its webhook's URL, and the hub POSTs to it from inside the operator's
network: a URL naming an internal address (``http://10.0.0.5/``, ``http://localhost:5432``,
``http://169.254.169.254/``) would make the hub a scanner of that network. :class:`AddressPolicy`
resolves the name and refuses it unless every address is public (:func:`is_public`) or
allowed by the operator (setting ``webhook_allowed_internal``: hosts and networks); the
webhook's configuration checks it when the URL is set, and the sender again at each delivery,
connecting to the address it checked (so a name that resolves elsewhere in between is
caught).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

from deconfliction.errors import InvalidInput

ALLOWED_INTERNAL_SETTING = "webhook_allowed_internal"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]{0,62}\.)*[a-z0-9-]{1,63}")


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system's resolver), each once, in order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0].strip("[]"))
    except ValueError:
        return None


def is_public(address: str) -> bool:
    """Whether ``address`` is a public unicast address: not loopback, link-local (the cloud
    metadata service at 169.254.169.254), private, shared (100.64/10), unique-local,
    multicast, unspecified, reserved or documentation, nor an IPv6 address that embeds one
    (IPv4-mapped, 6to4).

    >>> is_public("93.184.216.34"), is_public("169.254.169.254"), is_public("::ffff:10.0.0.1")
    (True, False, False)
    """
    ip = _address(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class AddressPolicy:
    """Where webhooks may go: public addresses, and the operator's internal exceptions.

    ``internal_hosts``: names (``hooks.lan``) or domains (``*.corp.example``) allowed to
    resolve to any address; ``internal_networks``: networks allowed although not public.
    """

    internal_hosts: tuple[str, ...] = ()
    internal_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver | None = None  # None: the system's (:func:`resolve`)

    @classmethod
    def parse(cls, text: str, *, resolve: Resolver | None = None) -> AddressPolicy:
        """A policy from the setting's text: comma-separated host names, ``*.domain``
        patterns, addresses and networks (``10.20.0.0/16``); raise naming a bad entry."""
        hosts: list[str] = []
        networks: list[IPNetwork] = []
        for raw in text.split(","):
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            if _address(entry.split("/", 1)[0]) is not None:
                try:
                    networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                except ValueError:
                    raise InvalidInput(
                        f"setting {ALLOWED_INTERNAL_SETTING}: {raw.strip()!r} is not a network"
                    ) from None
            elif _HOST_NAME.fullmatch(entry) and "." in entry.removeprefix("*."):
                hosts.append(entry)
            elif _HOST_NAME.fullmatch(entry) and not entry.startswith("*"):
                hosts.append(entry)  # a single-label name (``localhost``, ``hooks``)
            else:
                raise InvalidInput(
                    f"setting {ALLOWED_INTERNAL_SETTING}: {raw.strip()!r} is neither a host "
                    "name, a *.domain, an address nor a network"
                )
        return cls(tuple(hosts), tuple(networks), resolve)

    def _host_allowed(self, host: str) -> bool:
        return any(
            host.endswith(pattern[1:]) if pattern.startswith("*.") else host == pattern
            for pattern in self.internal_hosts
        )

    def _address_allowed(self, address: str) -> bool:
        if is_public(address):
            return True
        ip = _address(address)
        return ip is not None and any(ip in network for network in self.internal_networks)

    def check(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host``: every one it resolves to, each public or
        allowed; raise ``InvalidInput`` (always the same words) otherwise."""
        name = host.lower().rstrip(".").strip("[]")
        literal = _address(name)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = (self.resolver or resolve)(name, port)
            except (OSError, UnicodeError):
                addresses = []
        named = literal is None and self._host_allowed(name)
        if not addresses or not (named or all(map(self._address_allowed, addresses))):
            raise InvalidInput(
                f"webhook: host {host!r} is refused: the hub sends webhooks to public "
                "addresses only (the hub's operator may allow others: setting "
                f"{ALLOWED_INTERNAL_SETTING})"
            )
        return addresses
