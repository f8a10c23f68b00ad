"""``deconfliction tak package`` and ``tak revoke``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from deconfliction.cli import main

# DER of the OID pbeWithSHAAnd3-KeyTripleDES-CBC (1.2.840.113549.1.12.1.3), which Android's
# KeyStore reads, and of AES-256-CBC (2.16.840.1.101.3.4.1.42), which it does not.
TRIPLE_DES = bytes.fromhex("060a2a864886f70d010c0103")
AES_256 = bytes.fromhex("060960864801650304012a")


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_package_is_a_data_package_atak_reads(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    _run("party", "add", "east", "--db", str(db))
    out = tmp_path / "east.zip"
    said = _run(
        "tak", "package", "east", "-o", str(out), "--host", "hub.example.org", "--db", str(db)
    )
    assert "server hub.example.org:8089:ssl" in said
    assert (tmp_path / "hub.tak" / "ca.pem").exists()  # next to hub.key
    assert (tmp_path / "hub.tak" / "ca.key").stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert names == {
            "MANIFEST/manifest.xml",
            "certs/config.pref",
            "certs/caCert.p12",
            "certs/clientCert.p12",
        }
        manifest = ET.fromstring(archive.read("MANIFEST/manifest.xml"))
        pref = ET.fromstring(archive.read("certs/config.pref"))
        trust, client = archive.read("certs/caCert.p12"), archive.read("certs/clientCert.p12")
    assert manifest.tag == "MissionPackageManifest" and manifest.get("version") == "2"
    assert {c.get("zipEntry") for c in manifest.iter("Content")} == names - {
        "MANIFEST/manifest.xml"
    }
    entries = {e.get("key"): e.text for e in pref.iter("entry")}
    assert entries["connectString0"] == "hub.example.org:8089:ssl"
    assert entries["certificateLocation"] == "cert/clientCert.p12"
    password = entries["clientPassword"]
    assert password and entries["caPassword"] == password
    key, cert, extra = pkcs12.load_key_and_certificates(client, password.encode())
    assert key is not None and cert is not None
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "east"
    ca = x509.load_pem_x509_certificate((tmp_path / "hub.tak" / "ca.pem").read_bytes())
    assert extra == [ca] and cert.issuer == ca.subject
    assert pkcs12.load_key_and_certificates(trust, password.encode())[2] == [ca]
    for p12 in (trust, client):  # legacy encryption, as Android's KeyStore needs
        assert TRIPLE_DES in p12 and AES_256 not in p12


def test_package_for_an_unknown_or_revoked_party_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    _run("party", "add", "east", "--db", str(db))
    result = CliRunner().invoke(main, ["tak", "package", "west", "--db", str(db)])
    assert result.exit_code == 1 and "no party named 'west'" in result.output
    assert "revoked east" in _run("tak", "revoke", "east", "--db", str(db))
    result = CliRunner().invoke(main, ["tak", "package", "east", "--db", str(db)])
    assert result.exit_code == 1 and "has been revoked" in result.output
