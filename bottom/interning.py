"""One copy of equal, never-changed values across every client.

A bridge keeps thousands of connections to one server and each of them
hears the same ``CAP LS``, ``CAP ACK`` and 005 lines.  Holding one copy of
the caps and ISUPPORT tokens that result, instead of one per client, saves
about 2 KiB per client.  A value stored here is shared, so its holders
replace it instead of changing it.  Pure: no I/O, no asyncio.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["InternTable"]

T = TypeVar("T")


class InternTable(Generic[T]):
    """Values by a hashable key that says when two are equal.

    Bounded: once ``limit`` keys are stored the table starts afresh (values
    handed out stay valid; only later sharing starts over), so a process
    that meets many servers cannot grow it without end.
    """

    __slots__ = ("_values", "limit")

    def __init__(self, limit: int = 256) -> None:
        self._values: dict[Hashable, T] = {}
        self.limit = limit

    def get(self, key: Hashable, value: T) -> T:
        """The value stored earlier under an equal ``key``; else store
        ``value`` under it and return that."""
        found = self._values.get(key)
        if found is not None:
            return found
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = value
        return value

    def __len__(self) -> int:
        return len(self._values)
