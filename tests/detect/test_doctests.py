"""The examples in the detect package's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "deconfliction.detect.earth",
    "deconfliction.detect.snapshot",
    "deconfliction.detect.minima",
    "deconfliction.detect.boxes",
    "deconfliction.detect.broad",
    "deconfliction.detect.grid",
    "deconfliction.detect.exact",
    "deconfliction.detect.tracks",
    "deconfliction.detect.filter",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(
        importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0
