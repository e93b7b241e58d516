"""One copy of equal, never-changed values across every client, and the
bounds on tables a server fills.

A bridge keeps thousands of connections to one server and each of them
hears the same ``CAP LS``, ``CAP ACK`` and 005 lines.  Holding one copy of
the caps and ISUPPORT tokens that result, instead of one per client, saves
about 2 KiB per client.  A value stored here is shared, so its holders
replace it instead of changing it.

A hostile server can send as many tokens or caps as it likes, so every
such table is bounded (:class:`Bound`: entries and characters, one WARNING
when full) and only small tables are shared (:data:`SHARE_MAX_ENTRIES`):
sharing copies the table on each change, which is cheap for the 30 to 60
entries real servers send and would be quadratic for thousands.  Pure: no
I/O, no asyncio.
"""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Hashable, MutableMapping
from typing import Generic, TypeVar

__all__ = ["InternTable", "Bound", "SHARE_MAX_ENTRIES"]

log = logging.getLogger("bottom.interning")

T = TypeVar("T")

#: Tables with more entries than this are kept per connection and changed
#: in place, never copied or shared (real servers send 30-60 tokens or caps).
SHARE_MAX_ENTRIES = 256


class InternTable(Generic[T]):
    """Values by a hashable key that says when two are equal.

    Bounded: once ``limit`` keys are stored the table starts afresh (values
    handed out stay valid; only later sharing starts over), so a process
    that meets many servers cannot grow it without end.  With
    ``weak=True`` a value is held only while some holder still uses it, so
    the states a connection passed through are freed when it moves on or
    disconnects (the values must accept weak references).
    """

    __slots__ = ("_values", "limit")

    def __init__(self, limit: int = 256, *, weak: bool = False) -> None:
        self._values: MutableMapping[Hashable, T] = (
            weakref.WeakValueDictionary() if weak else {})
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


class Bound:
    """The limits of one table a server fills, and what it holds so far.

    ``put`` and ``remove`` keep a count of the characters held (keys and
    values) in O(1) each; a new key that would pass ``max_entries`` or
    ``max_chars`` is refused with one WARNING per table (a changed value
    for a key already held is taken if the characters allow it).  Never
    raises on what a server sends.
    """

    __slots__ = ("what", "max_entries", "max_chars", "chars", "warned")

    def __init__(self, what: str, max_entries: int, max_chars: int) -> None:
        self.what = what
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.chars = 0
        self.warned = False

    def count(self, table: dict[str, str]) -> None:
        """Start counting ``table`` afresh (after a copy, or a clear)."""
        self.chars = sum(len(key) + len(value) for key, value in table.items())

    def put(self, table: dict[str, str], key: str, value: str) -> None:
        """``table[key] = value`` (both interned) if the bounds allow."""
        old = table.get(key)
        grow = len(value) + (len(key) if old is None else -len(old))
        if (old is None and len(table) >= self.max_entries) \
                or self.chars + grow > self.max_chars:
            self.refuse()
            return
        # Every connection to a server hears the same names: share them.
        # Only now, so that refused ones leave nothing in Python's table.
        table[sys.intern(key)] = sys.intern(value)
        self.chars += grow

    def refuse(self) -> None:
        """Log, once per table, that the server sent more than is kept."""
        if not self.warned:
            self.warned = True
            log.warning("the server sent more %s than bottom keeps (%d entries, "
                        "%d characters): ignoring the rest", self.what,
                        self.max_entries, self.max_chars)

    def remove(self, table: dict[str, str], key: str) -> None:
        """``del table[key]`` if it is there."""
        old = table.pop(key, None)
        if old is not None:
            self.chars -= len(key) + len(old)
