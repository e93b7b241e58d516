"""Users: AWAY and SETNAME, told to peers with away-notify / setname."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles

if TYPE_CHECKING:
    from .connection import ServerConnection

@handles("AWAY")
def away(conn: ServerConnection, msg: Message) -> None:
    text = msg.params[0] if msg.params else ""
    conn.away = text or None
    if text:
        conn._numeric("306", "You have been marked as being away")
    else:
        conn._numeric("305", "You are no longer marked as being away")
    for peer in conn._peers():
        if "away-notify" in peer.caps:
            peer._send(conn.source, "AWAY", (text,) if text else ())


_REALNAME_BYTES = 128


@handles("SETNAME", 1)
def setname(conn: ServerConnection, msg: Message) -> None:
    realname = msg.params[0]
    if not realname.strip() or len(realname.encode()) > _REALNAME_BYTES:
        # IRCv3 setname: a realname the server will not take is a standard reply.
        conn.standard_reply("FAIL", "SETNAME", "INVALID_REALNAME", "Realname is not valid")
        return
    conn.realname = realname
    for peer in conn._peers(include_self=True):
        if "setname" in peer.caps:
            peer._send(conn.source, "SETNAME", (conn.realname,))
