"""IRCv3 capability negotiation bookkeeping (``CAP LS 302``/REQ/ACK/NAK/NEW/DEL).

Pure: no I/O.  The registration driver feeds it the server's CAP replies
and sends the requests it returns.  Rules it keeps, each learnt from real
servers:

* only caps the server offers are requested, never one it did not list
  (inspircd lists ``inspircd.org/poison``, which it always refuses, and a
  ``CAP REQ`` is all-or-nothing);
* a NAKed request of several caps is retried one cap at a time, so one bad
  cap cannot cost the others;
* ``CAP LS`` may span lines (``CAP * LS * :...``), may end in a space, and
  may carry values (``sasl=PLAIN,EXTERNAL``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

from .interning import SHARE_MAX_ENTRIES, Bound, InternTable

__all__ = ["CapNegotiation", "parse_caps", "DEFAULT_CAPS", "MAX_CAPS", "MAX_CAP_CHARS"]

#: The most caps one connection keeps offered (and enabled); servers offer 10 to 40.
MAX_CAPS = 1024
#: The most characters (names and values) of offered caps one connection keeps.
MAX_CAP_CHARS = 64 * 1024

#: What a Client asks for when it registers, if the server offers it.
DEFAULT_CAPS = (
    "message-tags", "server-time", "multi-prefix", "cap-notify", "away-notify",
    "account-notify", "extended-join", "chghost", "setname", "batch", "userhost-in-names",
    "labeled-response", "draft/chathistory",
)


def parse_caps(text: str) -> dict[str, str]:
    """``"a b=c -d"`` -> ``{"a": "", "b": "c", "-d": ""}``; tokens with no
    name (``""``, ``"=x"``) are skipped."""
    caps = {}
    for token in text.split(" "):
        name, _, value = token.partition("=")
        if name:
            caps[name] = value
    return caps


class _Offered(dict[str, str]):
    """A dict that can be held weakly by the intern table."""

    __slots__ = ("__weakref__",)


class _Enabled(frozenset[str]):
    """A frozenset that can be held weakly by the intern table (frozenset
    allows no ``__weakref__`` slot, so this one has a ``__dict__``)."""


_NOTHING_OFFERED: Mapping[str, str] = _Offered()
_OFFERED: InternTable[_Offered] = InternTable(weak=True)
_ENABLED: InternTable[_Enabled] = InternTable(weak=True)
# Settled negotiations by (wanted, offered, enabled): see CapNegotiation.shared.
_SETTLED: InternTable[CapNegotiation] = InternTable(weak=True)


class CapNegotiation:
    """What was offered, requested and enabled on one connection.

    ``offered``: name -> value from ``CAP LS``/``NEW``; ``enabled``: the caps
    the server ACKed and did not take back.  Methods that return a list
    return the caps to put in the next ``CAP REQ`` lines (one request per
    inner list); an empty list means nothing to request.

    ``offered`` and ``enabled`` are shared with every other connection that
    heard the same (see :mod:`bottom.interning`): they are replaced, never
    changed in place.  Both are bounded by :data:`MAX_CAPS` (and
    ``offered`` by :data:`MAX_CAP_CHARS`): more gives one WARNING and is
    ignored.  Each line costs time in proportion to its own caps, and the
    offered table is shared only once ``CAP LS`` is complete.
    """

    __slots__ = ("wanted", "offered", "enabled", "ls_done", "_pending", "_private", "_bound",
                 "_shared", "__weakref__")

    def __init__(self, wanted: Iterable[str]) -> None:
        self.wanted = frozenset(wanted)
        self.offered: Mapping[str, str] = _NOTHING_OFFERED
        self.enabled: frozenset[str] = frozenset()
        self.ls_done = False
        # Requests not answered yet: a tuple, replaced on change, so a
        # settled negotiation (every idle client's) holds the shared ``()``.
        self._pending: tuple[frozenset[str], ...] = ()
        # True while ``offered`` is ours alone, to change in place.
        self._private = False
        self._bound: Bound | None = None
        # True once held by several connections (see shared()): then never changed.
        self._shared = False

    def shared(self) -> CapNegotiation:
        """This negotiation, or an equal one other connections already hold.

        Only a settled negotiation whose tables are shared is itself shared
        (a bridge's idle clients of one server hold one); a shared one must
        not change: call :meth:`copy` first (:class:`~bottom.registration.Session`
        does, on the next CAP line).
        """
        if self._shared or not self.settled or self._private or self._bound is not None:
            return self
        key = (self.wanted, frozenset(self.offered.items()), frozenset(self.enabled))
        found = _SETTLED.get(key, self)
        found._shared = True
        return found

    def copy(self) -> CapNegotiation:
        """A negotiation of one's own, equal to this one, to change."""
        twin = CapNegotiation(self.wanted)
        twin.offered, twin.enabled = self.offered, self.enabled
        twin.ls_done, twin._pending = self.ls_done, self._pending
        if self._private:  # not shared, so a table of its own to change in place
            assert isinstance(self.offered, _Offered)
            twin.offered = _Offered(self.offered)
            twin._private = True
        return twin

    @property
    def settled(self) -> bool:
        """LS is complete and every request has an answer."""
        return self.ls_done and not self._pending

    def _request(self, names: Iterable[str]) -> list[list[str]]:
        # Never ask twice: a CAP NEW repeating a cap whose REQ is still
        # unanswered would otherwise send a second REQ for it.
        asked = frozenset().union(*self._pending)
        wanted = sorted(name for name in names
                        if name in self.wanted and name not in self.enabled
                        and name not in asked)
        if not wanted:
            return []
        self._pending = (*self._pending, frozenset(wanted))
        return [wanted]

    def on_ls(self, text: str, more: bool) -> list[list[str]]:
        """One ``CAP LS`` line; requests are returned once the last line arrives."""
        self._offer(parse_caps(text), share=not more)
        if more:
            return []
        first = not self.ls_done
        self.ls_done = True
        return self._request(self.offered) if first else []

    def on_ack(self, text: str) -> None:
        caps = parse_caps(text)
        enabled = set(self.enabled)
        for name in caps:
            if name.startswith("-"):
                enabled.discard(name[1:])
            elif len(enabled) < MAX_CAPS:
                enabled.add(sys.intern(name))
            else:
                self._limits().refuse()
        self._enable(enabled)
        self._answered(frozenset(name.lstrip("-") for name in caps))

    def on_nak(self, text: str) -> list[list[str]]:
        refused = frozenset(parse_caps(text))
        asked = self._answered(refused)
        # Only split a request of ours: a NAK for a REQ the user sent by
        # hand names caps nobody here chose, maybe ones the server never
        # offered.
        names = sorted(refused & asked) if asked is not None else []
        if len(names) > 1:
            # All-or-nothing: find out which one the server refuses.
            retries = [[name] for name in names]
            self._pending = (*self._pending, *(frozenset(r) for r in retries))
            return retries
        return []

    def on_new(self, text: str) -> list[list[str]]:
        added = parse_caps(text)
        self._offer(added, share=True)
        return self._request(added)

    def on_del(self, text: str) -> None:
        gone = parse_caps(text)
        table, bound = self._table()
        for name in gone:
            bound.remove(table, name)
        self._share()
        if not self.enabled.isdisjoint(gone):
            self._enable(self.enabled.difference(gone))

    def _limits(self) -> Bound:
        if self._bound is None:
            self._bound = Bound("CAP LS caps", MAX_CAPS, MAX_CAP_CHARS)
        return self._bound

    def _table(self) -> tuple[_Offered, Bound]:
        """``offered`` as a table of our own to change in place, and its bound."""
        bound = self._limits()
        if not self._private:
            # Shared, hence small: copying it is cheap.
            self.offered = _Offered(self.offered)
            self._private = True
            bound.count(self.offered)
        assert isinstance(self.offered, _Offered)
        return self.offered, bound

    def _share(self) -> None:
        """Swap a complete, small ``offered`` for the shared equal one."""
        offered = self.offered
        if self._private and len(offered) <= SHARE_MAX_ENTRIES:
            assert isinstance(offered, _Offered)
            self.offered = _OFFERED.get(frozenset(offered.items()), offered)
            self._private = False
            if self._bound is not None and not self._bound.warned:
                self._bound = None  # a shared table is recounted when next changed

    def _offer(self, caps: Mapping[str, str], share: bool) -> None:
        table, bound = self._table()
        for name, value in caps.items():
            bound.put(table, name, value)
        if share:
            self._share()

    def _enable(self, caps: Iterable[str]) -> None:
        enabled = _Enabled(caps)
        # Keyed by a plain copy: a key that is the value itself would keep
        # the weakly held value alive for ever.
        self.enabled = (_ENABLED.get(frozenset(enabled), enabled)
                        if len(enabled) <= SHARE_MAX_ENTRIES else enabled)

    def _answered(self, names: frozenset[str]) -> frozenset[str] | None:
        """Drop the pending request ``names`` answers; return it, or None."""
        if not names:
            # An empty ACK/NAK answers nothing (the empty set is a subset of
            # every request).
            return None
        pending = self._pending
        for index, request in enumerate(pending):
            if request == names or request <= names or names <= request:
                self._pending = pending[:index] + pending[index + 1:]
                return request
        return None
