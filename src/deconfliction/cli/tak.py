"""``deconfliction tak …``: data packages for TAK clients, and revoking them."""

from __future__ import annotations

from pathlib import Path

import click

from deconfliction.cli.common import db_option, friendly_errors, key_path_for, opened_hub
from deconfliction.errors import InvalidInput

_KEY_HELP = (
    "The hub's journal key file; the TAK certificate authority is kept next to it "
    "(deconfliction.key → deconfliction.tak/). Default: next to the database."
)


@click.group()
def tak() -> None:
    """TAK clients (ATAK, WinTAK, iTAK): make a party's data package, revoke it."""


@tak.command("package")
@click.argument("party")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The zip to write. Default: deconfliction-PARTY.zip in the current folder.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address TAK clients reach the hub at (as they will dial it).",
)
@click.option(
    "--port",
    default=None,
    type=int,
    help="The gateway's TLS port. Default: the setting tak_port (8089).",
)
@db_option
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), help=_KEY_HELP)
def package(
    party: str,
    output: Path | None,
    host: str,
    port: int | None,
    db_path: Path,
    key_path: Path | None,
) -> None:
    """Write a data package for PARTY: the connection HOST:PORT:ssl, the hub's CA, and a new
    client certificate of PARTY with its key, in PKCS#12 files whose passwords are in the
    package. Anyone holding the package connects as PARTY: hand it over as you would a
    token, and `deconfliction tak revoke PARTY` if it is lost."""
    from deconfliction.gateways.cot.certificates import TakCa, ca_dir_for
    from deconfliction.gateways.cot.package import make_package

    key_path = key_path or key_path_for(db_path)
    with opened_hub(db_path, key_path=key_path) as hub, friendly_errors():
        found = hub.party(party)
        if not found.active:
            raise InvalidInput(f"party {party!r} has been revoked")
        ca = TakCa(ca_dir_for(key_path))
        made = make_package(ca, party, host, port or hub.settings.tak_port)
    target = output or Path(f"deconfliction-{party}.zip")
    target.write_bytes(made.zip_bytes)
    target.chmod(0o600)
    click.echo(f"wrote {target}: party {party}, server {made.connect}, CA {ca.ca_path}")


@tak.command("revoke")
@click.argument("party")
@db_option
def revoke(party: str, db_path: Path) -> None:
    """Revoke PARTY (as `party revoke`): its tokens stop working, its tracks leave the
    picture, and its TAK certificates are refused; its open TAK connections are closed
    within a second."""
    with opened_hub(db_path) as hub, friendly_errors():
        hub.revoke_party(party)
    click.echo(f"revoked {party}: its tokens and TAK certificates no longer work")
