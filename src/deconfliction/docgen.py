"""Generate the reference pages from the code: ``python -m deconfliction.docgen docs``.

``docs/settings.md`` comes from the settings registry and ``docs/cli.md`` from the click
commands' help, so neither can drift from what the code does (tests compare them).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from deconfliction.settings import specs


def settings_markdown() -> str:
    lines = [
        "# Settings",
        "",
        "Generated from `deconfliction.settings` by `make docs`; do not edit by hand.",
        "",
        "Set them with `deconfliction serve --setting NAME VALUE` or the environment variable",
        "`DECONFLICTION_<NAME>`. Values with a unit accept units: `2min`, `5nm`, `8MiB`.",
        "",
        "| name | default | unit | environment variable | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in specs():
        lines.append(
            f"| `{spec.name}` | `{spec.default!r}` | {spec.unit or '–'} | `{spec.env}` | "
            f"{spec.help} |"
        )
    return "\n".join(lines) + "\n"


def _command_help(command: click.Command, path: list[str]) -> list[str]:
    ctx = click.Context(
        command,
        info_name=" ".join(path),
        terminal_width=100,
        max_content_width=100,
        help_option_names=["-h", "--help"],
    )
    lines = [f"## `{' '.join(path)}`", "", "```", command.get_help(ctx).rstrip(), "```", ""]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                lines += _command_help(sub, [*path, name])
    return lines


def cli_markdown() -> str:
    from deconfliction.cli import main

    header = ["# Command line", "", "Generated from the commands' `--help` by `make docs`.", ""]
    return "\n".join(header + _command_help(main, ["deconfliction"]))


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.md").write_text(settings_markdown())
    (folder / "cli.md").write_text(cli_markdown())


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
