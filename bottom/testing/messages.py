"""Messages: PRIVMSG, NOTICE and TAGMSG to channels and nicks.

Each relayed message gets one ``msgid`` (sent to clients with
``message-tags``) and one ``time``, shared by every copy and kept in the
chat history (:mod:`.history`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles
from .history import record
from .wire import _fold, _now

if TYPE_CHECKING:
    from .connection import ServerConnection

@handles("PRIVMSG")
@handles("NOTICE")
@handles("TAGMSG")
def privmsg(conn: ServerConnection, msg: Message) -> None:
    command = msg.command.upper()
    if not msg.params or not msg.params[0]:
        conn._numeric("411", f"No recipient given ({command})")
        return
    text = msg.params[1:2] if command != "TAGMSG" else ()
    if command != "TAGMSG" and not "".join(text):
        conn._numeric("412", "No text to send")
        return
    client_tags = {k: v for k, v in msg.tags.items() if k.startswith("+")}
    for target in msg.params[0].split(","):
        found = _recipients(conn, target, command)
        if found is None:
            continue
        name, recipients = found
        if "echo-message" in conn.caps and conn not in recipients:
            recipients.append(conn)
        # One msgid and time for every copy, and for the history (IRCv3 message-ids).
        server = conn.server
        msgid, time = f"{server.name}-{next(server._msgids)}", _now()
        tags = {**client_tags, "msgid": msgid}
        for recipient in recipients:
            if command != "TAGMSG" or "message-tags" in recipient.caps:
                recipient._send(conn.source, command, (name, *text), tags, time=time)
        record(server, conn, command, name, "".join(text), client_tags, time, msgid)


def _recipients(conn: ServerConnection, target: str, command: str
                ) -> tuple[str, list[ServerConnection]] | None:
    """(target's name, who gets the message), or None after an error reply."""
    if target.startswith("#"):
        channel = conn.server._channels.get(_fold(target))
        modes = channel.members.get(conn) if channel else None
        if channel is None:
            conn._numeric("401", target, "No such nick/channel")
        elif (modes is None and "n" in channel.modes) or (
                "m" in channel.modes and not modes):
            conn._numeric("404", channel.name, "Cannot send to channel")
        else:
            return channel.name, [m for m in channel.members if m is not conn]
        return None
    peer = conn.server._nicks.get(_fold(target))
    if peer is None or not peer.registered:
        conn._numeric("401", target, "No such nick/channel")
        return None
    if peer.away is not None and command == "PRIVMSG":
        conn._numeric("301", peer._name, peer.away)
    return peer._name, [peer]
