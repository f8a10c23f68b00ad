"""docs/hotline.md names every template, field and code the hotline accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from deconfliction.hotline.templates import TEMPLATES, Kind

DOC = Path(__file__).resolve().parents[2] / "docs" / "hotline.md"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_field_and_code_is_documented(name: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), "")
    assert row, f"docs/hotline.md has no table row for {name}"
    for spec in TEMPLATES[name].fields:
        assert f"`{spec.name}`" in row, f"{name}.{spec.name} is not documented"
        if spec.kind is Kind.CHOICE and spec.codes not in ("subject", "channel", "domain"):
            for code in spec.choices:
                assert f"`{code}`" in text, f"code {code} of {name}.{spec.name} is not documented"
