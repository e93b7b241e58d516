"""MODE: channel flags and prefix modes, user modes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles
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
        conn._numeric("324", channel.name, "+" + "".join(sorted(channel.modes)))
        return
    if args[0].lstrip("+") == "b" and len(args) == 1:
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
        elif letter in _CHANNEL_FLAGS:
            if (letter in channel.modes) != (sign == "+"):
                (channel.modes.add if sign == "+" else channel.modes.discard)(letter)
                changes.append(sign + letter)
        elif letter not in "ov":
            conn._numeric("472", letter, "is unknown mode char to me")
    if changes:
        for member in channel.members:
            member._send(conn.source, "MODE", (channel.name, _mode_string(changes), *nicks))
