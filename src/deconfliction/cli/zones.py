"""``deconfliction zones …``: import, export and list zones as GeoJSON, on the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from deconfliction.cli.common import (
    Database,
    db_option,
    friendly_errors,
    opened_hub,
    setting_option,
    settings_from,
)
from deconfliction.errors import DeconflictionError, InvalidInput
from deconfliction.units import format_time


@click.group()
def zones() -> None:
    """Import, export and list zones (GeoJSON FeatureCollections), as the operator."""


@zones.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--party", required=True, help="The party that declares the zones (their owner).")
@db_option
@setting_option
def import_(
    file: Path, party: str, db_path: Database, setting_pairs: tuple[tuple[str, str], ...]
) -> None:
    """Declare the zones of FILE (a GeoJSON FeatureCollection) for --party.

    Every feature is checked first: if any is refused, each refused feature is listed with
    its problem and nothing is imported. Features already declared the same are left as
    they are; changed ones are updated. Zone–zone advisories opened by an import reach a
    hub that is running at its next start; import through the API to have them at once.
    """
    try:
        collection = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{file} is not a JSON file: {error}") from None
    with opened_hub(db_path, settings_from(setting_pairs)) as hub:
        try:
            hub.party(party)
            result = hub.zones.put_many(party, collection)
        except InvalidInput as error:
            raise click.ClickException(refusal(error, collection)) from None
        except DeconflictionError as error:
            raise click.ClickException(error.message) from None
    click.echo(
        f"{party}: {result.declared} declared, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


def refusal(error: InvalidInput, collection: Any) -> str:
    """Every refused feature on a line of its own, with its name when it has one."""
    if not error.details:
        return f"{error.message}; nothing was imported"
    features = collection.get("features") if isinstance(collection, dict) else None
    lines = [f"{len(error.details)} zone features were refused; nothing was imported:"]
    for problem in error.details:
        index = problem.get("index")
        name = None
        if isinstance(features, list) and isinstance(index, int) and index < len(features):
            props = features[index].get("properties") if isinstance(features[index], dict) else None
            name = props.get("name") if isinstance(props, dict) else None
        called = f" {name!r}" if isinstance(name, str) else ""
        lines.append(f"  feature {index}{called}: {problem.get('reason')}")
    return "\n".join(lines)


@zones.command("export")
@click.option("--party", default=None, help="Only the zones of this party (default: all).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
@db_option
def export(party: str | None, output: Path | None, db_path: Database) -> None:
    """Print the active zones as a GeoJSON FeatureCollection, each Feature as it was
    declared (an import of it declares the same zones)."""
    with opened_hub(db_path) as hub, friendly_errors():
        if party is not None:
            hub.party(party)
        collection = hub.zones.export(party)
    text = json.dumps(collection, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(collection['features'])} zones written to {output}", err=True)


@zones.command("list")
@click.option("--party", default=None, help="Only the zones of this party (default: all).")
@click.option("--all", "include_ended", is_flag=True, help="Withdrawn and expired ones too.")
@db_option
def list_(party: str | None, include_ended: bool, db_path: Database) -> None:
    """List the zones: id, owner, rule, state, version, end of validity, name."""
    with opened_hub(db_path) as hub:
        records = [
            r
            for r in hub.zones.records_for(None, ended=include_ended)
            if party is None or r.owner == party
        ]
    if not records:
        click.echo("no zones: import some with `deconfliction zones import FILE --party NAME`")
        return
    click.echo(
        f"{'ID':<28} {'OWNER':<16} {'RULE':<20} {'STATE':<10} {'VER':>4} {'VALID TO':<21} NAME"
    )
    for r in records:
        valid_to = r.zone.valid_to_s if r.zone is not None else None
        until = "-" if valid_to is None else format_time(valid_to)
        click.echo(
            f"{r.id:<28} {r.owner:<16} {r.rule:<20} {r.state.value:<10} {r.version:>4} "
            f"{until:<21} {r.name or ''}"
        )
