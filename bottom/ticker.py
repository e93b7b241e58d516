"""One loop timer for the keepalive checks of every client on that loop.

A bridge holds thousands of clients; a timer each would wake the loop
thousands of times a minute and cost a TimerHandle per client.  Keepalive
checks need no precision (a PING a quarter second late is harmless), so
they are gathered into quarter-second buckets and one timer per loop
fires each bucket once.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Ticker", "ticker_for", "RESOLUTION"]

log = logging.getLogger("bottom")

#: seconds; due times are rounded up to a multiple of this
RESOLUTION = 0.25

K = TypeVar("K")


class Ticker(Generic[K]):
    """Calls ``fire(key)`` for each key once its (rounded-up) time came."""

    __slots__ = ("_loop", "_fire", "_buckets", "_due", "_timer", "_armed_at", "__weakref__")

    def __init__(self, loop: asyncio.AbstractEventLoop, fire: Callable[[K], object]) -> None:
        self._loop = loop
        self._fire = fire
        self._buckets: dict[float, set[K]] = {}
        self._due: list[float] = []  # heap of the buckets' times
        self._timer: asyncio.TimerHandle | None = None
        self._armed_at: float | None = None

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._buckets.values())

    def call_at(self, when: float, key: K) -> float:
        """Fire ``key`` at ``when`` or up to :data:`RESOLUTION` later;
        returns the bucket, which :meth:`cancel` needs."""
        bucket = math.ceil(when / RESOLUTION) * RESOLUTION
        keys = self._buckets.get(bucket)
        if keys is None:
            keys = self._buckets[bucket] = set()
            heapq.heappush(self._due, bucket)
        keys.add(key)
        if self._armed_at is None or bucket < self._armed_at:
            self._arm(bucket)
        return bucket

    def cancel(self, bucket: float, key: K) -> None:
        """Forget ``key`` in ``bucket`` (a no-op if it already fired)."""
        keys = self._buckets.get(bucket)
        if keys is not None:
            keys.discard(key)

    def _arm(self, bucket: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed_at = bucket
        self._timer = self._loop.call_at(bucket, self._run)

    def _run(self) -> None:
        self._timer = self._armed_at = None
        now = self._loop.time()
        due = self._due
        while due and due[0] <= now + RESOLUTION / 2:
            for key in self._buckets.pop(heapq.heappop(due), ()):
                try:
                    self._fire(key)
                except Exception:
                    log.exception("keepalive check failed for %r", key)
        while due and not self._buckets.get(due[0]):
            self._buckets.pop(heapq.heappop(due), None)  # emptied by cancel()
        if due:
            self._arm(due[0])


_TICKERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Ticker[object]] = (
    weakref.WeakKeyDictionary())


def ticker_for(loop: asyncio.AbstractEventLoop,
               fire: Callable[[object], object]) -> Ticker[object]:
    """The loop's ticker for ``fire`` (one per loop: every client's
    keepalive check is the same function)."""
    ticker = _TICKERS.get(loop)
    if ticker is None:
        ticker = _TICKERS[loop] = Ticker(loop, fire)
    return ticker
