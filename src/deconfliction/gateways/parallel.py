"""Work on a stream of items in background threads, with the results in the items' order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def in_order(
    work: Callable[[Item], Result], items: Iterable[Item], *, workers: int, ahead: int
) -> Generator[Result, None, None]:
    """``work(item)`` for each item, on ``workers`` threads, yielded in the items' order.

    Items are taken from ``items`` (in the calling thread) at most ``ahead`` before the
    result being waited for, so that memory holds at most ``ahead`` items and results
    besides the one in use, however long the stream. An exception in ``work`` is raised
    here in its item's turn; one from ``items`` after the results of the items before it.
    Closing the iterator cancels the work not started and waits for the work under way.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deconfliction-read")
    pending: deque[Future[Result]] = deque()
    taken = iter(items)
    try:
        while True:
            try:
                item = next(taken)
            except StopIteration:
                break
            except Exception:
                while pending:
                    yield pending.popleft().result()
                raise
            pending.append(pool.submit(work, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
