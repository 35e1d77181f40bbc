"""Putting several device streams into one log in arrival order, without
holding them in memory.

Sources are almost in order: AiFi's tracker rows are sorted by device time and
their arrival stamps are out of order by a few milliseconds. A bounded reorder
buffer fixes that; ``heapq.merge`` then interleaves the streams. Ties keep the
order given (stream order, then position), so the output is deterministic.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def reorder(
    items: Iterable[T], key: Callable[[T], float], window: float, what: str = "item"
) -> Iterator[T]:
    """Sort a nearly sorted stream: an item is released once one ``window``
    later has been seen. Raises ValueError (naming ``what`` and the item's
    1-based position) if an item is later than that, since the output could
    then no longer be in order."""
    heap: list[tuple[float, int, T]] = []
    released = float("-inf")
    for n, item in enumerate(items):
        k = key(item)
        if k < released:
            raise ValueError(
                f"{what} {n + 1} is {released - k:.3f} s out of order, "
                f"more than the {window} s reorder window"
            )
        heapq.heappush(heap, (k, n, item))
        while heap and heap[0][0] <= k - window:
            released = heap[0][0]
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]


def merge(streams: Iterable[Iterable[T]], key: Callable[[T], float]) -> Iterator[T]:
    """Interleave streams already sorted by ``key``; stable across streams."""
    counter = itertools.count()
    keyed = (((key(x), i, next(counter), x) for x in s) for i, s in enumerate(streams))
    for *_, x in heapq.merge(*keyed):
        yield x
