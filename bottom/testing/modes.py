"""MODE: channel flags, prefix modes, +k/+l and +b (and the ban list), user modes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles
from .server import _Channel
from .wire import _CHANNEL_FLAGS, _USER_FLAGS, _fold, _mode_string

if TYPE_CHECKING:
    from .connection import ServerConnection

@handles("MODE", 1)
def mode(conn: ServerConnection, msg: Message) -> None:
    target, args = msg.params[0], msg.params[1:]
    if target.startswith("#"):
        _channel_mode(conn, target, args)
    elif _fold(target) != _fold(conn._name):
        if conn.server._nicks.get(_fold(target)) is None:
            conn._numeric("401", target, "No such nick/channel")
        else:
            conn._numeric("502", "Can't change mode for other users")
    elif not args:
        conn._numeric("221", "+" + "".join(sorted(conn.modes)))
    else:
        changes, sign = [], "+"
        for letter in args[0]:
            if letter in "+-":
                sign = letter
            elif letter not in _USER_FLAGS:
                conn._numeric("501", "Unknown MODE flag")
            elif (letter in conn.modes) != (sign == "+"):
                (conn.modes.add if sign == "+" else conn.modes.discard)(letter)
                changes.append(sign + letter)
        if changes:
            conn._send(conn._name, "MODE", (conn._name, _mode_string(changes)))


def _channel_mode(conn: ServerConnection, name: str, args: tuple[str, ...]) -> None:
    channel = conn.server._channels.get(_fold(name))
    if channel is None:
        conn._numeric("403", name, "No such channel")
        return
    if not args:
        flags = "".join(sorted(channel.modes))
        values = [("k", channel.key), ("l", None if channel.limit is None else str(channel.limit))]
        set_values = [(letter, value) for letter, value in values if value is not None]
        conn._numeric("324", channel.name, "+" + flags + "".join(k for k, _ in set_values),
                      *(value for _, value in set_values))
        conn._numeric("329", channel.name, str(channel.created))
        return
    if args[0].lstrip("+") == "b" and len(args) == 1:
        for mask in channel.bans:
            conn._numeric("367", channel.name, mask, conn.server.name, str(channel.created))
        conn._numeric("368", channel.name, "End of channel ban list")
        return
    if "o" not in channel.members.get(conn, ""):
        conn._numeric("482", channel.name, "You're not channel operator")
        return
    changes: list[str] = []
    nicks: list[str] = []
    params, sign = list(args[1:]), "+"
    for letter in args[0]:
        if letter in "+-":
            sign = letter
        elif letter in "ov" and params:
            nick = params.pop(0)
            member = conn.server._nicks.get(_fold(nick))
            if member is None or member not in channel.members:
                conn._numeric("441", nick, channel.name, "They aren't on that channel")
                continue
            modes = channel.members[member]
            if (letter in modes) != (sign == "+"):
                channel.members[member] = (modes + letter if sign == "+"
                                           else modes.replace(letter, ""))
                changes.append(sign + letter)
                nicks.append(member._name)
        elif letter in "kbl" and (params or (letter == "l" and sign == "-")):
            value = params.pop(0) if letter != "l" or sign == "+" else ""
            if _list_or_value(channel, sign, letter, value):
                changes.append(sign + letter)
                if value:
                    nicks.append(value)
        elif letter in _CHANNEL_FLAGS:
            if (letter in channel.modes) != (sign == "+"):
                (channel.modes.add if sign == "+" else channel.modes.discard)(letter)
                changes.append(sign + letter)
        elif letter not in "ovkbl":
            conn._numeric("472", letter, "is unknown mode char to me")
    if changes:
        for member in channel.members:
            member._send(conn.source, "MODE", (channel.name, _mode_string(changes), *nicks))


def _list_or_value(channel: _Channel, sign: str, letter: str, value: str) -> bool:
    """Apply +/-k, +/-l or +/-b; whether anything changed."""
    if letter == "b":
        if (value in channel.bans) == (sign == "+"):
            return False
        (channel.bans.append if sign == "+" else channel.bans.remove)(value)
    elif letter == "k":
        channel.key = value if sign == "+" else None
    elif sign == "+":
        if not value.isdigit():
            return False
        channel.limit = int(value)
    else:
        channel.limit = None
    return True
