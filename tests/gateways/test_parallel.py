"""Work on background threads with results in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from deconfliction.gateways.parallel import in_order


def test_results_come_in_the_items_order_however_long_each_takes() -> None:
    def work(item: int) -> int:
        time.sleep(0.01 * (5 - item))
        return item * item

    assert list(in_order(work, range(5), workers=2, ahead=3)) == [0, 1, 4, 9, 16]


def test_items_are_taken_at_most_ahead_of_the_result_in_use() -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for item in range(10):
            taken.append(item)
            yield item

    results = in_order(lambda item: item, items(), workers=2, ahead=2)
    assert next(results) == 0
    assert taken == [0, 1]
    results.close()


def test_an_error_of_the_items_comes_after_the_results_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("unreadable")

    results = in_order(lambda item: item, items(), workers=2, ahead=5)
    assert [next(results), next(results)] == [1, 2]
    with pytest.raises(ValueError, match="unreadable"):
        next(results)


def test_an_error_of_the_work_comes_in_its_item_turn() -> None:
    def work(item: int) -> int:
        if item == 1:
            raise ValueError("bad item")
        return item

    results = in_order(work, range(3), workers=2, ahead=3)
    assert next(results) == 0
    with pytest.raises(ValueError, match="bad item"):
        next(results)


def test_closing_stops_the_threads() -> None:
    before = threading.active_count()
    results = in_order(lambda item: item, range(100), workers=2, ahead=2)
    next(results)
    results.close()
    assert threading.active_count() == before
