"""The code examples of a Markdown page, and what the docs test does with each.

Conventions (also in docs/architecture.md, "Docs that cannot drift"):

- A fenced block whose info string starts with ``sh`` or ``python`` is an example: the docs
  test runs it, in the order of the page, against a hub it started (``make run``'s hub, on
  another port: ``127.0.0.1:8000`` is replaced). ``sh`` blocks run in one bash session per
  page (``set -e``; every variable is exported, so later blocks and the Python examples see
  ``$BLUE``); ``python`` blocks run with ``.venv/bin/python``.
- ``sh no-run`` marks a block the test does not run (commands that start a server, install
  software or take minutes); other blocks (no language, ``json``, ``text``, ``mermaid``)
  show data, not commands.
- A comment line ``# → TEXT`` shows what the example prints: the test checks that the
  block's output contains each such TEXT, in order; ``…`` stands for anything (times, ids,
  hashes), and any run of spaces for any amount of white space.
- A command ending in ``# until Ctrl-C`` runs until interrupted: the test interrupts it after
  a few seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`]*)$")
RUN_LANGUAGES = ("sh", "python")
EXPECT = re.compile(r"^\s*# → (?P<text>.*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    flags: tuple[str, ...]
    text: str

    @property
    def runs(self) -> bool:
        return self.language in RUN_LANGUAGES and "no-run" not in self.flags

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    def expectations(self) -> list[str]:
        return [m.group("text") for m in map(EXPECT.match, self.text.splitlines()) if m]


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, in order (indented fences too)."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent = len(opening.group("indent"))
        words = opening.group("info").split()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            line = lines[j]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            j += 1
        found.append(
            Block(path, i + 1, words[0] if words else "", tuple(words[1:]), "\n".join(body) + "\n")
        )
        i = j + 1
    return found


def pattern(expected: str) -> re.Pattern[str]:
    """A ``# →`` line as a regular expression: ``…`` is anything, spaces any white space."""
    parts = []
    for piece in re.split(r"(…|\s+)", expected.strip()):
        if piece == "…":
            parts.append(".*?")
        elif piece and piece.isspace():
            parts.append(r"\s*")
        elif piece:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.S)


def unmatched(output: str, expected: list[str]) -> str | None:
    """The first expectation not found in ``output`` (after the previous one), or None."""
    at = 0
    for text in expected:
        match = pattern(text).search(output, at)
        if match is None:
            return text
        at = match.end()
    return None
