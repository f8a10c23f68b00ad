"""The data package a TAK user imports to join a hub: connection, trust store, certificate.

A zip of ``MANIFEST/manifest.xml`` (``MissionPackageManifest`` version 2), and under
``certs/``: ``config.pref`` (the ``cot_streams`` connection ``HOST:PORT:ssl`` and where the
certificates are, with their passwords), ``caCert.p12`` (the hub's CA) and
``clientCert.p12`` (the party's key and certificate). ATAK, WinTAK and iTAK import it as it
is (ATAK: Import → Local SD; iTAK: Servers → + → Upload server package). The pref names each
certificate as ``cert/NAME``, where ATAK keeps imported certificates.
"""

from __future__ import annotations

import io
import secrets
import uuid
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from deconfliction.gateways.cot.certificates import (
    TakCa,
    client_pkcs12,
    truststore_pkcs12,
)

CA_FILE = "caCert.p12"
CLIENT_FILE = "clientCert.p12"
PREF_FILE = "config.pref"


@dataclass(frozen=True)
class DataPackage:
    """A data package and what it was made with."""

    party: str
    connect: str  # HOST:PORT:ssl
    zip_bytes: bytes


def _entry(key: str, kind: str, value: str) -> str:
    return f'    <entry key="{key}" class="class java.lang.{kind}">{escape(value)}</entry>\n'


def pref_xml(party: str, connect: str, password: str) -> str:
    """``config.pref``: the stream, and the certificates (per stream and app-wide, as
    different TAK clients read one or the other)."""
    ca, client = f"cert/{CA_FILE}", f"cert/{CLIENT_FILE}"
    return (
        "<?xml version='1.0' encoding='ASCII' standalone='yes'?>\n"
        "<preferences>\n"
        '  <preference version="1" name="cot_streams">\n'
        + _entry("count", "Integer", "1")
        + _entry("description0", "String", f"deconfliction hub ({party})")
        + _entry("enabled0", "Boolean", "true")
        + _entry("connectString0", "String", connect)
        + _entry("caLocation0", "String", ca)
        + _entry("caPassword0", "String", password)
        + _entry("certificateLocation0", "String", client)
        + _entry("clientPassword0", "String", password)
        + "  </preference>\n"
        '  <preference version="1" name="com.atakmap.app_preferences">\n'
        + _entry("displayServerConnectionWidget", "Boolean", "true")
        + _entry("caLocation", "String", ca)
        + _entry("caPassword", "String", password)
        + _entry("certificateLocation", "String", client)
        + _entry("clientPassword", "String", password)
        + "  </preference>\n"
        "</preferences>\n"
    )


def manifest_xml(package_uid: str, name: str) -> str:
    contents = "".join(
        f'    <Content ignore="false" zipEntry="certs/{file}"/>\n'
        for file in (PREF_FILE, CA_FILE, CLIENT_FILE)
    )
    return (
        '<MissionPackageManifest version="2">\n'
        "  <Configuration>\n"
        f'    <Parameter name="uid" value={quoteattr(package_uid)}/>\n'
        f'    <Parameter name="name" value={quoteattr(name)}/>\n'
        '    <Parameter name="onReceiveDelete" value="true"/>\n'
        "  </Configuration>\n"
        "  <Contents>\n"
        f"{contents}"
        "  </Contents>\n"
        "</MissionPackageManifest>\n"
    )


def make_package(ca: TakCa, party: str, host: str, port: int) -> DataPackage:
    """A data package for ``party`` with a new client certificate (its key is in the
    package only)."""
    password = secrets.token_urlsafe(12)
    connect = f"{host}:{port}:ssl"
    issued = ca.issue_client(party)
    ca.server([host])  # the gateway's certificate names the host clients dial
    files: dict[str, str | bytes] = {
        "MANIFEST/manifest.xml": manifest_xml(str(uuid.uuid4()), f"deconfliction-{party}.zip"),
        f"certs/{PREF_FILE}": pref_xml(party, connect, password),
        f"certs/{CA_FILE}": truststore_pkcs12(ca.ca.cert, password),
        f"certs/{CLIENT_FILE}": client_pkcs12(party, issued, ca.ca.cert, password),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return DataPackage(party, connect, buffer.getvalue())
