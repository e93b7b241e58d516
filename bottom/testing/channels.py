"""Channels: JOIN, PART, TOPIC, NAMES, WHO, KICK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles
from .server import _Channel
from .wire import _HOST, _chunks, _fold, _prefix

if TYPE_CHECKING:
    from .connection import ServerConnection

def _channel(conn: ServerConnection, name: str) -> _Channel | None:
    """The channel this client is in, or None after sending 403/442."""
    channel = conn.server._channels.get(_fold(name))
    if channel is None:
        conn._numeric("403", name, "No such channel")
    elif conn not in channel.members:
        conn._numeric("442", channel.name, "You're not on that channel")
    else:
        return channel
    return None


@handles("JOIN", 1)
def join(conn: ServerConnection, msg: Message) -> None:
    for name in msg.params[0].split(","):
        if not conn.server._valid_channel(name):
            conn._numeric("403", name, "No such channel")
            continue
        channel = conn.server._channels.setdefault(_fold(name), _Channel(name))
        if conn in channel.members:
            continue
        channel.members[conn] = "" if channel.members else "o"
        for member in channel.members:
            if "extended-join" in member.caps:
                params = (channel.name, conn.account or "*", conn.realname or "")
                member._send(conn.source, "JOIN", params)
            else:
                member._send(conn.source, "JOIN", (channel.name,))
        _topic_reply(conn, channel)
        _names_reply(conn, channel)


@handles("PART", 1)
def part(conn: ServerConnection, msg: Message) -> None:
    for name in msg.params[0].split(","):
        channel = _channel(conn, name)
        if channel is not None:
            for member in channel.members:
                member._send(conn.source, "PART", (channel.name, *msg.params[1:2]))
            conn.server._part(channel, conn)


def _topic_reply(conn: ServerConnection, channel: _Channel) -> None:
    if channel.topic:
        conn._numeric("332", channel.name, channel.topic)
    else:
        conn._numeric("331", channel.name, "No topic is set")


def _names_reply(conn: ServerConnection, channel: _Channel) -> None:
    multi = "multi-prefix" in conn.caps
    names = [_prefix(modes, multi) + member._name for member, modes in channel.members.items()]
    kind = "@" if "s" in channel.modes else "="
    for chunk in _chunks(names, 400):
        conn._numeric("353", kind, channel.name, chunk)
    conn._numeric("366", channel.name, "End of /NAMES list.")


@handles("TOPIC", 1)
def topic(conn: ServerConnection, msg: Message) -> None:
    channel = _channel(conn, msg.params[0])
    if channel is None:
        return
    if len(msg.params) < 2:
        _topic_reply(conn, channel)
    elif "t" in channel.modes and "o" not in channel.members[conn]:
        conn._numeric("482", channel.name, "You're not channel operator")
    else:
        channel.topic = msg.params[1]
        for member in channel.members:
            member._send(conn.source, "TOPIC", (channel.name, channel.topic))


@handles("NAMES")
def names(conn: ServerConnection, msg: Message) -> None:
    for name in (msg.params[0] if msg.params else "*").split(","):
        channel = conn.server._channels.get(_fold(name))
        if channel is not None:
            _names_reply(conn, channel)
        else:
            conn._numeric("366", name, "End of /NAMES list.")


@handles("WHO")
def who(conn: ServerConnection, msg: Message) -> None:
    mask = msg.params[0] if msg.params else "*"
    channel = conn.server._channels.get(_fold(mask))
    peer = conn.server._nicks.get(_fold(mask))
    if channel is not None:
        rows = [(channel.name, member, modes) for member, modes in channel.members.items()]
    else:
        rows = [("*", peer, "")] if peer is not None and peer.registered else []
    multi = "multi-prefix" in conn.caps
    for name, member, modes in rows:
        flags = ("G" if member.away is not None else "H") + _prefix(modes, multi)
        conn._numeric("352", name, member.user or "*", _HOST, conn.server.name,
                      member._name, flags, f"0 {member.realname or ''}")
    conn._numeric("315", mask, "End of /WHO list.")


@handles("KICK", 2)
def kick(conn: ServerConnection, msg: Message) -> None:
    channel = _channel(conn, msg.params[0])
    if channel is None:
        return
    if "o" not in channel.members[conn]:
        conn._numeric("482", channel.name, "You're not channel operator")
        return
    reason = msg.params[2] if len(msg.params) > 2 and msg.params[2] else conn._name
    for target in msg.params[1].split(","):
        victim = conn.server._nicks.get(_fold(target))
        if victim is None or victim not in channel.members:
            conn._numeric("441", target, channel.name, "They aren't on that channel")
            continue
        for member in channel.members:
            member._send(conn.source, "KICK", (channel.name, victim._name, reason))
        conn.server._part(channel, victim)
