"""WHO, and WHOX (``WHO <mask> %<fields>[,<token>]``) as ircv3/ircdocs describe it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..message import Message
from .commands import handles
from .wire import _HOST, _fold, _prefix

if TYPE_CHECKING:
    from .connection import ServerConnection

# WHOX fields in the order replies carry them, whatever order they were asked in
_WHOX_ORDER = "tcuihsnfdlaor"


@handles("WHO")
def who(conn: ServerConnection, msg: Message) -> None:
    mask = msg.params[0] if msg.params else "*"
    channel = conn.server._channels.get(_fold(mask))
    peer = conn.server._nicks.get(_fold(mask))
    if channel is not None:
        rows = [(channel.name, member, modes) for member, modes in channel.members.items()]
    else:
        rows = [("*", peer, "")] if peer is not None and peer.registered else []
    fields, _, token = (msg.params[1][1:].partition(",") if len(msg.params) > 1
                        and msg.params[1].startswith("%") else ("", "", ""))
    multi = "multi-prefix" in conn.caps
    for name, member, modes in rows:
        flags = ("G" if member.away is not None else "H") + _prefix(modes, multi)
        if fields:
            values = {"t": token or "0", "c": name, "u": member.user or "*", "i": _HOST,
                      "h": member.host, "s": conn.server.name, "n": member._name, "f": flags,
                      "d": "0", "l": "0", "a": member.account or "0", "o": "n/a",
                      "r": member.realname or ""}
            conn._numeric("354", *(values[f] for f in _WHOX_ORDER if f in fields))
        else:
            conn._numeric("352", name, member.user or "*", member.host, conn.server.name,
                          member._name, flags, f"0 {member.realname or ''}")
    conn._numeric("315", mask, "End of /WHO list.")
