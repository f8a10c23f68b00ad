from pathlib import Path

import pytest

from deconfliction.docgen import settings_markdown
from deconfliction.errors import InvalidInput
from deconfliction.settings import Settings, specs


def test_defaults() -> None:
    settings = Settings.from_sources(environ={})
    assert settings.stale_after_s == 30.0
    assert settings.max_batch_items == 10_000
    assert settings.max_batch_bytes == 8 * 1024 * 1024


def test_environment_then_overrides_with_units() -> None:
    settings = Settings.from_sources(
        {"stale_after_s": "2min"},
        environ={"DECONFLICTION_STALE_AFTER_S": "10", "DECONFLICTION_CYCLE_S": "2"},
    )
    assert settings.stale_after_s == 120.0
    assert settings.cycle_s == 2.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("nonsense", "1", "unknown setting 'nonsense'"),
        ("max_batch_items", "2.5", "expected a whole number"),
        ("stale_after_s", "-5", "must not be negative"),
        ("stale_after_s", "5 parsecs", "unknown unit"),
    ],
)
def test_bad_settings(name: str, value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Settings.from_sources({name: value}, environ={})


def test_every_setting_has_a_unit_slot_and_help() -> None:
    for spec in specs():
        assert spec.help.strip(), spec.name
        assert spec.env == "DECONFLICTION_" + spec.name.upper()


def test_docs_list_every_setting_as_generated() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
    assert docs.read_text() == settings_markdown(), "run `make docs` to regenerate docs/settings.md"


def test_cli_reference_is_generated_from_the_commands() -> None:
    from deconfliction.docgen import cli_markdown

    docs = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    assert docs.read_text() == cli_markdown(), "run `make docs` to regenerate docs/cli.md"


@pytest.mark.parametrize("name", ["cycle_s", "follow_every_s", "leader_lease_s", "webhook_workers"])
def test_a_setting_that_must_be_positive_refuses_0_from_every_source(name: str) -> None:
    with pytest.raises(InvalidInput, match=f"setting {name} must be more than 0, got 0"):
        Settings.from_sources(overrides={name: "0"}, environ={})
    with pytest.raises(InvalidInput, match=f"setting {name} must be more than 0"):
        Settings.from_sources(environ={f"DECONFLICTION_{name.upper()}": "0"})
    with pytest.raises(InvalidInput, match=f"setting {name} must be more than 0"):
        Settings().replace(**{name: 0})
    assert "More than 0." in next(s.help for s in specs() if s.name == name)


def test_a_setting_where_0_means_off_still_takes_it() -> None:
    assert (
        Settings.from_sources(overrides={"journal_online_s": "0"}, environ={}).journal_online_s == 0
    )
