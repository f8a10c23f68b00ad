"""The fast columnar validator and the item-by-item rule book agree on every batch."""

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.errors import InvalidInput
from deconfliction.model import check_report, validate_reports
from tests.scenarios import T0, report

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["48.8", "", "  ", "2026-11-23T10:00:00Z", "2026-11-23T10:00:00", "x" * 70]),
    st.lists(st.integers(), max_size=1),
)
_fields = [
    "track",
    "time",
    "lat",
    "lon",
    "alt_m",
    "gs_mps",
    "course_deg",
    "vs_mps",
    "domain",
    "operation",
    "selected_alt_m",
    "altitude",
]


@st.composite
def items(draw: Any) -> Any:
    if draw(st.integers(0, 20)) == 0:
        return draw(st.one_of(st.integers(), st.text(max_size=3), st.lists(st.none(), max_size=2)))
    item = report(draw(st.sampled_from(["a", "b"])))
    item["domain"] = draw(st.sampled_from(["air", "ground", "sea", "space", 3]))
    item["time"] = T0 + draw(st.floats(-1e4, 120, allow_nan=False))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(_fields))
        if draw(st.booleans()):
            item.pop(name, None)
        else:
            item[name] = draw(_values)
    return item


def rule_book(batch: list[Any]) -> tuple[list[tuple], list[tuple[int, str]]]:
    accepted, rejected = [], []
    for index, item in enumerate(batch):
        try:
            accepted.append(check_report(item, T0, 60.0))
        except InvalidInput as error:
            rejected.append((index, error.message))
    return accepted, rejected


@settings(max_examples=300, deadline=None)
@given(st.lists(items(), max_size=12))
def test_fast_path_agrees_with_the_rule_book(batch: list[Any]) -> None:
    fast, rejections = validate_reports("blue", batch, now_s=T0, future_tolerance_s=60.0)
    accepted, rejected = rule_book(batch)
    assert [(r.index, r.reason) for r in rejections] == rejected
    assert [tuple(row) for row in fast.rows()] == [
        (*row[:8], ["air", "ground", "sea"][row[8]], row[9]) for row in accepted
    ]
    assert [fast.selected(i) for i in range(len(fast))] == [row[10] for row in accepted]


def test_huge_integers_are_rejected_not_crashing() -> None:
    _, rejected = validate_reports("b", [report(lat=10**400)], now_s=T0, future_tolerance_s=60)
    assert rejected[0].reason.startswith("lat must be a finite number")
    assert not math.isfinite(float("inf"))
