"""The examples in the zone detection modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "deconfliction.detect.zone_index",
    "deconfliction.detect.zone_broad",
    "deconfliction.detect.zone_exact",
    "deconfliction.detect.zones",
    "deconfliction.detect.zone_overlap",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
