"""The part of state tracking that talks back: WHO after a JOIN, rejoin after a reconnect.

Pure and sans-I/O: no asyncio, no sockets.  A :class:`Tracker` wraps a
:class:`bottom.State`; whoever owns the connection (the
:class:`bottom.Client`) feeds it every line with :meth:`Tracker.apply`,
tells it about the connection's life with :meth:`Tracker.disconnected` and
:meth:`Tracker.ready`, and sends the lines it returns (through flood
control) and triggers the events it returns.

Events it returns, as ``(name, kwargs)``:

``CLIENT_REJOIN_FAILED``
    ``channel`` (as we knew it), ``code`` (the numeric: ``"471"`` full,
    ``"473"`` invite only, ``"474"`` banned, ``"475"`` bad key, ...) and
    ``reason`` (the server's text): a channel we were in before the
    disconnect that the server would not let us back into.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .message import Message
from .state import State
from .state_details import WHOX_FIELDS, WHOX_TOKEN

__all__ = ["JOIN_ERRORS", "REJOIN_FAILED", "Tracker"]

REJOIN_FAILED = "CLIENT_REJOIN_FAILED"
#: numerics that refuse a JOIN: me channel :text
JOIN_ERRORS = frozenset({"403", "405", "437", "471", "473", "474", "475", "476", "477",
                         "479", "480", "489", "520"})
_JOIN_BYTES = 400  # channel and key lists per JOIN line, well under 512 with the command
Lines = tuple[Message, ...]
Events = tuple[tuple[str, dict[str, Any]], ...]
_NOTHING: tuple[Lines, Events] = ((), ())


class Tracker:
    """Feeds a :class:`State` and says what to send and which events to fire.

    ``who_on_join``: after our own JOIN, return a WHO for the channel (WHOX
    when 005 has ``WHOX``) to learn username, host, realname, account and
    away.  ``rejoin``: after :meth:`disconnected`, :meth:`ready` returns the
    JOIN lines for the channels we were in, with their keys.
    """

    __slots__ = ("state", "who_on_join", "rejoin", "_remembered", "_waiting", "_keys")

    def __init__(self, state: State, *, who_on_join: bool = True, rejoin: bool = True) -> None:
        self.state = state
        self.who_on_join = who_on_join
        self.rejoin = rejoin
        # Each made on first use and dropped once empty (None meanwhile):
        # an idle client of a bridge holds none of them.
        self._remembered: dict[str, tuple[str, str | None]] | None = None  # folded -> (name, key)
        self._waiting: dict[str, tuple[str, str | None]] | None = None  # rejoins not answered
        self._keys: dict[str, str] | None = None  # folded -> the key we sent in a JOIN

    @property
    def rejoining(self) -> list[str]:
        """Channels whose rejoin is sent but not answered yet."""
        return [name for name, _ in self._waiting.values()] if self._waiting else []

    def sent(self, message: Message) -> None:
        """Note a line we send: the keys of a JOIN are kept for a later rejoin."""
        if message.command.upper() != "JOIN" or len(message.params) < 2:
            return
        fold = self.state.fold
        for name, key in zip(message.params[0].split(","), message.params[1].split(","),
                             strict=False):
            if not key:
                continue
            keys = self._keys
            if keys is None:
                keys = self._keys = {}
            if len(keys) < self.state.max_tracked_channels:
                keys[fold(name)] = key

    def apply(self, message: Message) -> tuple[Lines, Events]:
        """Apply ``message`` to the state; return (lines to send, events to fire)."""
        command = message.command
        if command == "JOIN":
            return self._join(message)
        if command in JOIN_ERRORS and self._waiting:
            self.state.apply(message)
            return self._refused(message)
        if command == "ERROR":
            self._remember()
        self.state.apply(message)
        return _NOTHING

    def _join(self, message: Message) -> tuple[Lines, Events]:
        state = self.state
        ours = message.nick is not None and state.nick is not None and (
            state.fold(message.nick) == state.fold(state.nick))
        if not ours or not message.params:
            state.apply(message)
            return _NOTHING
        name = message.params[0]
        was_in = name in state.channels
        state.apply(message)
        self._answered(state.fold(name))
        if was_in or not self.who_on_join or name not in state.channels:
            return _NOTHING
        if "WHOX" in state.isupport:
            return (Message("WHO", (name, f"%{WHOX_FIELDS},{WHOX_TOKEN}")),), ()
        return (Message("WHO", (name,)),), ()

    def _refused(self, message: Message) -> tuple[Lines, Events]:
        if len(message.params) < 2:
            return _NOTHING
        waiting = self._answered(self.state.fold(message.params[1]))
        if waiting is None:
            return _NOTHING
        name = waiting[0]
        reason = message.params[-1] if len(message.params) > 2 else ""
        return (), ((REJOIN_FAILED, {"channel": name, "code": message.command,
                                     "reason": reason}),)

    def _answered(self, folded: str) -> tuple[str, str | None] | None:
        """Take the rejoin of ``folded`` off the waiting list (None if not on it)."""
        waiting = self._waiting
        if not waiting:
            return None
        found = waiting.pop(folded, None)
        if not waiting:
            self._waiting = None
        return found

    def _remember(self) -> None:
        """Keep the channels we are in (and are rejoining) for the next :meth:`ready`."""
        state = self.state
        waiting, self._waiting = self._waiting, None
        if not waiting and not state.channels:
            return
        remembered = self._remembered
        if remembered is None:
            remembered = self._remembered = {}
        for folded, pair in (waiting or {}).items():
            remembered.setdefault(folded, pair)
        keys = self._keys or {}
        for name, channel in state.channels.items():
            folded = state.fold(name)
            key = channel.modes.get("k") or keys.get(folded)
            remembered[folded] = (name, key)

    def disconnected(self) -> None:
        """The connection is gone: remember the channels, then empty the state."""
        self._remember()
        self.state.clear()

    def ready(self) -> Lines:
        """Registration is over (CLIENT_READY): the JOIN lines of a rejoin, or ``()``."""
        remembered, self._remembered = self._remembered, None
        if not self.rejoin or not remembered:
            return ()
        self._waiting = remembered
        keyed = [(name, key) for name, key in remembered.values() if key]
        plain = [(name, None) for name, key in remembered.values() if not key]
        return tuple(_join_lines([*keyed, *plain]))


def _join_lines(channels: Iterable[tuple[str, str | None]]) -> list[Message]:
    """JOIN lines for ``(name, key)`` pairs, keyed ones first, each line short enough."""
    lines: list[Message] = []
    names: list[str] = []
    keys: list[str] = []
    size = 0
    for name, key in channels:
        extra = len(name.encode()) + len((key or "").encode()) + 2
        if names and size + extra > _JOIN_BYTES:
            lines.append(_join_line(names, keys))
            names, keys, size = [], [], 0
        names.append(name)
        if key:
            keys.append(key)
        size += extra
    if names:
        lines.append(_join_line(names, keys))
    return lines


def _join_line(names: list[str], keys: list[str]) -> Message:
    return Message("JOIN", (",".join(names), ",".join(keys)) if keys else (",".join(names),))
