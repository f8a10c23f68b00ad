"""The examples in the geo package's docstrings (and the zone model's) run as shown."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "deconfliction.geo.coords",
    "deconfliction.geo.antimeridian",
    "deconfliction.geo.frames",
    "deconfliction.geo.parts",
    "deconfliction.geo.region",
    "deconfliction.model.zone",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
