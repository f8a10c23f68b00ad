"""``deconfliction party …`` and ``agreement …``: who is connected, and what they agreed."""

from __future__ import annotations

import json

import click

from deconfliction.cli.common import Database, db_option, friendly_errors, opened_hub
from deconfliction.model import Agreement, Minima
from deconfliction.model.minima import DEFAULT_MINIMA
from deconfliction.units import format_time, parse_distance_m, parse_duration_s


@click.group()
def party() -> None:
    """Add, list and revoke parties and their tokens (works while the hub runs)."""


@party.command("add")
@click.argument("name")
@click.option(
    "--language",
    default="en",
    show_default=True,
    help="Language hotline messages are rendered in (en, ru, ar, …).",
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="IANA time zone shown beside UTC times, e.g. Europe/Kyiv.",
)
@db_option
def add(name: str, language: str, timezone: str, db_path: Database) -> None:
    """Add party NAME and print its bearer token (shown once; only its hash is kept)."""
    with opened_hub(db_path) as hub, friendly_errors():
        _, token = hub.add_party(name, language=language, timezone=timezone)
    click.echo(token)


@party.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@db_option
def list_(as_json: bool, db_path: Database) -> None:
    """List the parties (revoked ones too)."""
    with opened_hub(db_path) as hub:
        parties = hub.parties()
    if as_json:
        rows = [
            {
                "name": p.name,
                "language": p.language,
                "timezone": p.timezone,
                "created": format_time(p.created_s),
                "revoked": None if p.revoked_s is None else format_time(p.revoked_s),
            }
            for p in parties
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not parties:
        click.echo("no parties yet: add one with `deconfliction party add NAME`")
        return
    click.echo(f"{'NAME':<24} {'LANG':<5} {'TIMEZONE':<20} {'CREATED':<25} REVOKED")
    for p in parties:
        revoked = "-" if p.revoked_s is None else format_time(p.revoked_s)
        click.echo(
            f"{p.name:<24} {p.language:<5} {p.timezone:<20} "
            f"{format_time(p.created_s):<25} {revoked}"
        )


@party.command("revoke")
@click.argument("name")
@db_option
def revoke(name: str, db_path: Database) -> None:
    """Revoke party NAME: its tokens stop working (on a running hub within a second) and
    its tracks leave the picture (at its next cycle)."""
    with opened_hub(db_path) as hub, friendly_errors():
        hub.revoke_party(name)
    click.echo(f"revoked {name}")


@party.command("token")
@click.argument("name")
@db_option
def token(name: str, db_path: Database) -> None:
    """Print a new token for party NAME; its earlier tokens stop working (on a running hub
    within a second)."""
    with opened_hub(db_path) as hub, friendly_errors():
        click.echo(hub.rotate_token(name))


@click.command("admin-token")
@db_option
@click.option(
    "--retire-others",
    is_flag=True,
    help="Also revoke every admin token issued before (one may have leaked); they stop "
    "working at once, in every process of the hub.",
)
def admin_token(db_path: Database, retire_others: bool) -> None:
    """Print a new admin token (for POST /v1/parties and other admin endpoints)."""
    with opened_hub(db_path) as hub, friendly_errors():
        click.echo(hub.issue_admin_token(retire_others=retire_others))


@click.group()
def agreement() -> None:
    """Record what two parties agreed: sharing their pictures, larger minima."""


@agreement.command("set")
@click.argument("party_a")
@click.argument("party_b")
@click.option(
    "--share-tracks", is_flag=True, help="Each party sees the other's whole live picture."
)
@click.option(
    "--share-operations",
    is_flag=True,
    help="Each party sees the other's planned operations in full (and keys them in its writes).",
)
@click.option(
    "--domain",
    default="air",
    show_default=True,
    help="Domain pair the minima apply to: air, ground, sea, or e.g. air-ground.",
)
@click.option("--horizontal", help="Horizontal minimum, e.g. 10nm or 15km.")
@click.option("--vertical", help="Vertical minimum, e.g. 2000ft; 'none' ignores altitude.")
@click.option("--lookahead", help="Lookahead, e.g. 600s or 10min.")
@db_option
def set_(
    party_a: str,
    party_b: str,
    share_tracks: bool,
    share_operations: bool,
    domain: str,
    horizontal: str | None,
    vertical: str | None,
    lookahead: str | None,
    db_path: Database,
) -> None:
    """Set the agreement between PARTY_A and PARTY_B (replacing an earlier one).

    A running hub allows hotline messages between them at once, and applies sharing and
    minima within a second (at its next cycle)."""
    with opened_hub(db_path) as hub, friendly_errors():
        minima: dict[str, Minima] = {}
        existing = hub.agreement(party_a, party_b)
        if existing is not None:
            minima.update(existing.minima)
        if horizontal or vertical or lookahead:
            base = minima.get(domain) or DEFAULT_MINIMA.get(domain) or DEFAULT_MINIMA["air"]
            minima[domain] = Minima(
                parse_distance_m(horizontal, "--horizontal") if horizontal else base.horizontal_m,
                (
                    float("inf")
                    if vertical.lower() == "none"
                    else parse_distance_m(vertical, "--vertical")
                )
                if vertical
                else base.vertical_m,
                parse_duration_s(lookahead, "--lookahead") if lookahead else base.lookahead_s,
            )
        hub.set_agreement(
            Agreement(party_a, party_b, share_tracks, minima, share_operations=share_operations)
        )
    click.echo(
        f"agreement between {party_a} and {party_b} recorded: hotline messages between them "
        "are allowed at once; a running hub applies sharing and minima within a second"
    )


@agreement.command("list")
@db_option
def list_agreements(db_path: Database) -> None:
    """List the agreements."""
    with opened_hub(db_path) as hub:
        agreements = hub.agreements()
    for a in sorted(agreements, key=lambda a: a.pair):
        click.echo(json.dumps(a.to_json()))


@agreement.command("remove")
@click.argument("party_a")
@click.argument("party_b")
@db_option
def remove(party_a: str, party_b: str, db_path: Database) -> None:
    """End the agreement between PARTY_A and PARTY_B (a running hub applies it within a
    second)."""
    with opened_hub(db_path) as hub, friendly_errors():
        hub.remove_agreement(party_a, party_b)
    click.echo(f"agreement between {party_a} and {party_b} removed")
