"""`serve`: in-process through the runner where possible, and once for real, killed with -9."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from deconfliction.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_get_in_process_and_the_first_start_admin_token(tmp_path: Path) -> None:
    db = str(tmp_path / "hub.db")
    first = CliRunner().invoke(main, ["serve", "--db", db, "--get", "/v1/health"])
    assert first.exit_code == 0, first.output
    assert "admin token (shown once)" in first.output
    assert json.loads(first.output.splitlines()[-1])["status"] == "ok"
    second = CliRunner().invoke(main, ["serve", "--db", db, "--get", "/v1/version"])
    assert "admin token" not in second.output
    missing = CliRunner().invoke(main, ["serve", "--db", db, "--get", "/v1/nothing"])
    assert missing.exit_code == 1


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "serve",
            "--db",
            str(tmp_path / "hub.db"),
            "--setting",
            "cycle_s",
            "fast",
            "--get",
            "/v1/health",
        ],
    )
    assert result.exit_code == 1
    assert "setting cycle_s: cannot read 'fast'" in result.output


def test_workers_out_of_range_is_a_clear_error(tmp_path: Path) -> None:
    db = str(tmp_path / "hub.db")
    result = CliRunner().invoke(main, ["serve", "--db", db, "--workers", "0", "--get", "/"])
    assert result.exit_code == 2
    assert "--workers" in result.output and "0 is not in the range 1<=x<=64" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": SRC}
    process = subprocess.Popen(
        [sys.executable, "-m", "deconfliction", "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the hub did not start: {process.stdout.read()!r}")  # type: ignore[union-attr]


def test_acknowledged_reports_survive_kill_9(tmp_path: Path) -> None:
    """The README's walk-through: party from the CLI while the hub runs, two reports with
    curl-like requests, kill -9 right after the answer, restart, the tracks are there."""
    db = tmp_path / "hub.db"
    port = _free_port()
    hub = _start(db, port)
    try:
        added = CliRunner().invoke(main, ["party", "add", "blue", "--db", str(db)])
        token = added.output.strip()
        now = time.time()
        reports = [
            {
                "track": "a1",
                "time": now - 1,
                "lat": 48.85,
                "lon": 2.35,
                "alt_m": 3000,
                "gs_mps": 120,
                "course_deg": 90,
            },
            {
                "track": "a2",
                "time": now - 1,
                "lat": 48.95,
                "lon": 2.55,
                "alt_m": 3300,
                "gs_mps": 110,
                "course_deg": 270,
            },
        ]
        headers = {"Authorization": f"Bearer {token}"}
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/reports", json=reports, headers=headers)
        assert answer.json()["accepted"] == 2
        hub.send_signal(signal.SIGKILL)
        hub.wait(10)
    finally:
        hub.kill()
    hub = _start(db, port)
    try:
        tracks = httpx.get(f"http://127.0.0.1:{port}/v1/tracks", headers=headers).json()
        assert [t["track"] for t in tracks["tracks"]] == ["a1", "a2"]
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(10)


def _test_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "deconfliction test hub")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def test_serve_over_tls_with_a_test_certificate(tmp_path: Path) -> None:
    import ssl

    cert, key = _test_certificate(tmp_path)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": SRC}
    command = [sys.executable, "-m", "deconfliction", "serve", "--db", str(tmp_path / "hub.db")]
    command += ["--port", str(port), "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    trusting = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(
                    f"https://127.0.0.1:{port}/v1/version", verify=trusting, timeout=1
                )
            except httpx.TransportError:
                time.sleep(0.1)
        if answer is None:
            process.kill()
            raise AssertionError(f"no TLS: {process.communicate(timeout=10)[0].decode()}")
        assert answer.status_code == 200
        with pytest.raises(httpx.TransportError):  # no plain HTTP on the TLS port
            httpx.get(f"http://127.0.0.1:{port}/v1/version", timeout=2).raise_for_status()
        with pytest.raises(httpx.ConnectError):  # a client that does not trust it refuses
            httpx.get(f"https://127.0.0.1:{port}/v1/version", timeout=2)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=10)[0].decode()
    assert f"https://127.0.0.1:{port}" in output


@pytest.mark.slow
def test_continuous_writers_through_repeated_kill_9_lose_no_acknowledged_report(
    tmp_path: Path,
) -> None:
    """The audit's crash test (issue 18): two writers post batches without pause; the hub
    is killed with -9 four times while they write and started again. Every report the hub
    acknowledged is in the database afterwards, and the journal verifies."""
    import threading

    from deconfliction.hub import Hub, hub_key_for, key_path_for
    from deconfliction.settings import Settings
    from deconfliction.store import SQLiteStore

    db = tmp_path / "hub.db"
    port = _free_port()
    hub = _start(db, port)
    token = CliRunner().invoke(main, ["party", "add", "blue", "--db", str(db)]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    at_s = time.time()
    acknowledged: set[str] = set()
    lock = threading.Lock()

    def writer(name: str, stop: threading.Event) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            n = 0
            while not stop.is_set():
                tracks = [f"{name}-{n}-{k}" for k in range(20)]
                n += 1
                batch = [
                    {
                        "track": t,
                        "time": at_s,
                        "lat": 48.0 + k * 0.01,
                        "lon": 2.0,
                        "alt_m": 3000,
                        "gs_mps": 100,
                        "course_deg": 90,
                    }
                    for k, t in enumerate(tracks)
                ]
                try:
                    answer = client.post("/v1/reports", json=batch, timeout=5)
                except httpx.TransportError:
                    time.sleep(0.05)  # the hub is down: try the next batch
                    continue
                if answer.status_code == 200 and answer.json()["accepted"] == len(batch):
                    with lock:
                        acknowledged.update(tracks)

    try:
        for _ in range(4):
            stop = threading.Event()
            writers = [threading.Thread(target=writer, args=(w, stop)) for w in ("w1", "w2")]
            for thread in writers:
                thread.start()
            time.sleep(1.5)
            hub.send_signal(signal.SIGKILL)
            hub.wait(10)
            stop.set()
            for thread in writers:
                thread.join(10)
            hub = _start(db, port)
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(10)
    assert len(acknowledged) > 200  # the writers did write between the kills
    store = SQLiteStore(db)
    restored = Hub(Settings(), store, key=hub_key_for(store, key_path_for(db)))
    try:
        found = {r.track for r in restored.tracks_at("blue", at_s)}
    finally:
        restored.close()
    assert acknowledged <= found, sorted(acknowledged - found)[:5]
    verified = CliRunner().invoke(main, ["journal", "verify", "--db", str(db)])
    assert verified.exit_code == 0, verified.output


def test_workers_serve_one_port_as_one_hub(tmp_path: Path) -> None:
    """``serve --workers 2``: two processes answer on one port, one of them leads; a worker
    killed is started again; stopping the first stops them all."""
    db = tmp_path / "hub.db"
    env = {**os.environ, "PYTHONPATH": SRC}
    admin = CliRunner().invoke(main, ["admin-token", "--db", str(db)]).output.strip()
    port = _free_port()
    command = [sys.executable, "-m", "deconfliction", "serve", "--db", str(db)]
    first = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2", "--setting", "tak_port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1/health"
    headers = {"Authorization": f"Bearer {admin}"}

    def processes(wanted: int) -> dict[str, dict[str, object]]:
        """Health as each process answers it, asked on new connections until ``wanted``
        processes answered (and one of them leads)."""
        seen: dict[str, dict[str, object]] = {}
        deadline = time.monotonic() + 60
        while len(seen) < wanted or not any(h.get("leads") for h in seen.values()):
            assert time.monotonic() < deadline, (seen, first.poll())
            try:
                health = httpx.get(url, headers=headers, timeout=2).json()
                seen[health["process"]] = health
            except httpx.TransportError:
                time.sleep(0.1)
        return seen

    try:
        seen = processes(2)
        pids = {int(name.split(":")[1]) for name in seen}
        assert first.pid in pids
        leaders = {h["leader"] for h in seen.values() if h.get("leads")}
        assert len(leaders) == 1
        [other] = pids - {first.pid}
        os.kill(other, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:  # started again: another process answers
            again = {int(name.split(":")[1]) for name in processes(2)}
            if len(again - {first.pid, other}) == 1:
                break
            assert time.monotonic() < deadline
        [restarted] = again - {first.pid, other}
    finally:
        first.send_signal(signal.SIGTERM)
        output = first.communicate(timeout=60)[0].decode()
    assert first.returncode == 0, output[-2000:]
    assert "2 processes" in output
    deadline = time.monotonic() + 20
    while Path(f"/proc/{restarted}").exists():  # the worker stopped with the first
        assert time.monotonic() < deadline, "a worker outlived the first process"
        time.sleep(0.1)
