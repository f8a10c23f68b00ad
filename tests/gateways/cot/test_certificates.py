"""The hub's CA: kept next to the key, reused, and the gateway's certificate names every
host clients were told to dial."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from deconfliction.gateways.cot.certificates import TakCa, ca_dir_for


def _names(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)
    }


def test_ca_is_made_once_and_the_server_certificate_grows(tmp_path: Path) -> None:
    directory = ca_dir_for(tmp_path / "deconfliction.key")
    assert directory == tmp_path / "deconfliction.tak"
    ca = TakCa(directory)
    assert TakCa(directory).ca.cert == ca.ca.cert  # loaded, not made again
    cert, _ = ca.server(["0.0.0.0"])
    assert _names(cert) == {"localhost", "127.0.0.1"}  # nobody dials 0.0.0.0
    ca.server(["hub.example.org"])
    ca.server(["10.0.0.5"])
    assert _names(cert) == {"localhost", "127.0.0.1", "hub.example.org", "10.0.0.5"}
    before = cert.read_bytes()
    ca.server(["hub.example.org"])
    assert cert.read_bytes() == before  # nothing new: kept
    client = ca.issue_client("east").cert
    assert client.issuer == ca.ca.cert.subject
    usage = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
