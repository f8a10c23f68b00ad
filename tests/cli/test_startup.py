"""The command line starts at once: `--help` imports none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Each of these takes from a tenth of a second to a second to import; no help needs them.
HEAVY = (
    "matplotlib",
    "pyproj",
    "deconfliction.hub",
    "deconfliction.store",
    "deconfliction.api",
    "fastapi",
    "uvicorn",
    "shapely",
    "numpy",
    "pyarrow",
    "cryptography",
)


def imported_modules(*args: str) -> set[str]:
    """Every module imported by ``deconfliction ARGS``, from ``python -X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "deconfliction", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Usage:" in result.stdout
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize(
    "args",
    [("--help",), ("detect", "--help"), ("replay", "--help"), ("serve", "--help")],
    ids=lambda args: " ".join(args),
)
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    assert "deconfliction.cli" in modules  # the measure sees the package itself
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == [], f"`deconfliction {' '.join(args)}` imports {heavy[:10]}"


def test_the_check_would_see_a_heavy_import() -> None:
    """The parse above finds a module that is imported (not a test that cannot fail)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import numpy"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "numpy" in names
