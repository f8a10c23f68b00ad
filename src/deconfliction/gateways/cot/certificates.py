"""The hub's own certificate authority for TAK clients, and the certificates it issues.

The CA lives in a folder next to the hub's key file (``deconfliction.key`` →
``deconfliction.tak/``): ``ca.pem`` and ``ca.key`` (mode 0600), the gateway's server
certificate ``server.pem``/``server.key`` (made again when asked for a host it does not
name), and nothing else: a client certificate is handed out once, in a data package, and
its key is not kept. A client certificate names its party in its common name; the gateway
accepts it only while the party is active in the registry, so revoking the party (``tak
revoke`` or ``party revoke``) is what revokes its certificates.

PKCS#12 files are encrypted the legacy way Android's KeyStore reads (PBE with SHA-1 and
3-key triple DES, SHA-1 MAC): ATAK cannot open the AES-encrypted ones OpenSSL 3 makes by
default.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from deconfliction.errors import StoreError

KEY_BITS = 2048  # RSA: what every TAK client accepts
CA_DAYS = 3650
CLIENT_DAYS = 365
SERVER_DAYS = 825
ORGANISATION = "deconfliction hub"


def ca_dir_for(key_path: Path) -> Path:
    """The CA's folder for the hub key at ``key_path``: ``x.key`` → ``x.tak/``."""
    return key_path.with_suffix(".tak")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise StoreError(f"{path} is not an RSA key")
    return key


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> tuple[bytes, bytes]:
        return self.cert.public_bytes(serialization.Encoding.PEM), _pem_key(self.key)


class TakCa:
    """The CA in ``directory`` (created on first use)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca = self._load_or_create()

    @property
    def ca_path(self) -> Path:
        return self.directory / "ca.pem"

    def _load_or_create(self) -> Issued:
        cert_path, key_path = self.ca_path, self.directory / "ca.key"
        if cert_path.exists() and key_path.exists():
            return Issued(
                _load_key(key_path), x509.load_pem_x509_certificate(cert_path.read_bytes())
            )
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = _new_key()
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{ORGANISATION} CA"),
            ]
        )
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write_private(key_path, _pem_key(key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return Issued(key, cert)

    def _issue(
        self,
        common_name: str,
        days: int,
        usage: x509.ObjectIdentifier,
        names: list[x509.GeneralName],
    ) -> Issued:
        key = _new_key()
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    ]
                )
            )
            .issuer_name(self.ca.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca.key.public_key()), False
            )
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return Issued(key, builder.sign(self.ca.key, hashes.SHA256()))

    def issue_client(self, party: str, days: int = CLIENT_DAYS) -> Issued:
        """A client certificate for ``party`` (its common name)."""
        return self._issue(party, days, ExtendedKeyUsageOID.CLIENT_AUTH, [])

    @property
    def server_paths(self) -> tuple[Path, Path]:
        return self.directory / "server.pem", self.directory / "server.key"

    def server(self, hosts: list[str]) -> tuple[Path, Path]:
        """Paths of the gateway's certificate and key, naming every host in ``hosts`` and
        every host it named before (made again when one is missing, or it expires within 30
        days). ``tak package --host`` adds the host clients will dial; a running gateway
        notices the new certificate within a second."""
        cert_path, key_path = self.server_paths
        wanted = {h for h in hosts if not _unspecified(h)} | {"localhost", "127.0.0.1"}
        if cert_path.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            named = _names(cert)
            fresh = cert.not_valid_after_utc > _now() + dt.timedelta(days=30)
            if named >= wanted and fresh:
                return cert_path, key_path
            wanted |= named
        names: list[x509.GeneralName] = []
        for host in sorted(wanted):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        issued = self._issue(
            f"{ORGANISATION} gateway", SERVER_DAYS, ExtendedKeyUsageOID.SERVER_AUTH, names
        )
        cert_pem, key_pem = issued.pem()
        _write_private(key_path, key_pem)
        cert_path.write_bytes(cert_pem + self.ca.cert.public_bytes(serialization.Encoding.PEM))
        return cert_path, key_path


def _unspecified(host: str) -> bool:
    """0.0.0.0 or :: (listen everywhere): no client dials it."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)
    }


def _legacy(password: str) -> serialization.KeySerializationEncryption:
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )


def client_pkcs12(party: str, issued: Issued, ca: x509.Certificate, password: str) -> bytes:
    """The client's key and certificate (and the CA) as a PKCS#12 Android can open."""
    return pkcs12.serialize_key_and_certificates(
        party.encode(), issued.key, issued.cert, [ca], _legacy(password)
    )


def truststore_pkcs12(ca: x509.Certificate, password: str) -> bytes:
    """The CA alone, as the PKCS#12 trust store TAK clients take."""
    return pkcs12.serialize_key_and_certificates(
        b"deconfliction-ca", None, None, [ca], _legacy(password)
    )
