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
from collections.abc import Iterable

__all__ = ["CapNegotiation", "parse_caps", "DEFAULT_CAPS"]

#: What a Client asks for when it registers, if the server offers it.
DEFAULT_CAPS = (
    "message-tags", "server-time", "multi-prefix", "cap-notify", "away-notify",
    "account-notify", "extended-join", "chghost", "setname", "batch",
)


def parse_caps(text: str) -> dict[str, str]:
    """``"a b=c -d"`` -> ``{"a": "", "b": "c", "-d": ""}``; tokens with no
    name (``""``, ``"=x"``) are skipped."""
    caps = {}
    for token in text.split(" "):
        name, _, value = token.partition("=")
        if name:
            # Every client on a server sees the same names: share them.
            caps[sys.intern(name)] = sys.intern(value)
    return caps


class CapNegotiation:
    """What was offered, requested and enabled on one connection.

    ``offered``: name -> value from ``CAP LS``/``NEW``; ``enabled``: the caps
    the server ACKed and did not take back.  Methods that return a list
    return the caps to put in the next ``CAP REQ`` lines (one request per
    inner list); an empty list means nothing to request.
    """

    def __init__(self, wanted: Iterable[str]) -> None:
        self.wanted = frozenset(wanted)
        self.offered: dict[str, str] = {}
        self.enabled: set[str] = set()
        self.ls_done = False
        self._pending: list[frozenset[str]] = []

    @property
    def settled(self) -> bool:
        """LS is complete and every request has an answer."""
        return self.ls_done and not self._pending

    def _request(self, names: Iterable[str]) -> list[list[str]]:
        wanted = sorted(name for name in names
                        if name in self.wanted and name not in self.enabled)
        if not wanted:
            return []
        self._pending.append(frozenset(wanted))
        return [wanted]

    def on_ls(self, text: str, more: bool) -> list[list[str]]:
        """One ``CAP LS`` line; requests are returned once the last line arrives."""
        self.offered.update(parse_caps(text))
        if more:
            return []
        first = not self.ls_done
        self.ls_done = True
        return self._request(self.offered) if first else []

    def on_ack(self, text: str) -> None:
        caps = parse_caps(text)
        for name in caps:
            if name.startswith("-"):
                self.enabled.discard(name[1:])
            else:
                self.enabled.add(name)
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
            self._pending.extend(frozenset(r) for r in retries)
            return retries
        return []

    def on_new(self, text: str) -> list[list[str]]:
        added = parse_caps(text)
        self.offered.update(added)
        return self._request(added)

    def on_del(self, text: str) -> None:
        for name in parse_caps(text):
            self.offered.pop(name, None)
            self.enabled.discard(name)

    def _answered(self, names: frozenset[str]) -> frozenset[str] | None:
        """Drop the pending request ``names`` answers; return it, or None."""
        if not names:
            # An empty ACK/NAK answers nothing (the empty set is a subset of
            # every request).
            return None
        for index, request in enumerate(self._pending):
            if request == names or request <= names or names <= request:
                del self._pending[index]
                return request
        return None
