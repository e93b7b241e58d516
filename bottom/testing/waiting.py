"""Waiting in the test server: wake every waiter, each re-checks its probe."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")

if sys.version_info >= (3, 11):
    _Timeout = TimeoutError
else:
    class _Timeout(asyncio.TimeoutError, TimeoutError):
        """Before 3.11 the two are different classes: be both."""


class _Signal:
    """Wakes every waiter when something changed; each waiter re-checks its probe."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, probe: Callable[[], _T | None], timeout: float | None,
                         what: Callable[[], str]) -> _T:
        async def until() -> _T:
            while (result := probe()) is None:
                await self._event.wait()
            return result
        try:
            return await asyncio.wait_for(until(), timeout)
        except asyncio.TimeoutError:
            raise _Timeout(f"timed out after {timeout} s waiting for {what()}") from None

