"""Answers users test their request code against: WHOIS, and labeled-response.

* ``WHOIS nick``: 311, 319 (channels with prefixes), 312, 301 (away), 330
  (account after SASL), 317 (idle 0, signon = connect time), 318; or 401
  then 318 for a nick nobody has.
* ``labeled-response`` (offer it with ``Server(caps=(*DEFAULT_CAPS,
  "labeled-response"))``): a command sent with a ``label`` tag gets its
  answer labeled as the spec says: nothing becomes ``ACK``, one line (or
  one batch: its ``BATCH +`` line) carries the label, several come in a
  ``BATCH +ref labeled-response``.
  Lines the command makes the server send to other clients are not part
  of it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..message import Message, format_tags
from .commands import handles
from .wire import _fold, _prefix

if TYPE_CHECKING:
    from .connection import ServerConnection

__all__ = ["whois", "run_labeled"]

_BATCHES = itertools.count(1)


@handles("WHOIS", 1)
def whois(conn: ServerConnection, msg: Message) -> None:
    nick = msg.params[-1]
    target = next((c for c in conn.server.connections
                   if c.registered and not c.closed and c.nick
                   and _fold(c.nick) == _fold(nick)), None)
    if target is None:
        conn._numeric("401", nick, "No such nick/channel")
        conn._numeric("318", nick, "End of /WHOIS list.")
        return
    name = target._name
    conn._numeric("311", name, target.user or "*", "127.0.0.1", "*", target.realname or "")
    channels = [_prefix(channel.members[target], "multi-prefix" in conn.caps) + channel.name
                for channel in conn.server._channels.values() if target in channel.members]
    if channels:
        conn._numeric("319", name, " ".join(channels))
    conn._numeric("312", name, conn.server.name, "bottom test server")
    if target.away:
        conn._numeric("301", name, target.away)
    if target.account:
        conn._numeric("330", name, target.account, "is logged in as")
    conn._numeric("317", name, "0", str(int(getattr(target, "signon", time.time()))),
                  "seconds idle, signon time")
    conn._numeric("318", name, "End of /WHOIS list.")


def run_labeled(conn: ServerConnection, msg: Message,
                handle: Callable[[], None]) -> None:
    """Run ``handle`` (the command's handler) and send what it sends this
    client as the labeled answer to ``msg``."""
    label = msg.tags.get("label")
    if label is None or "labeled-response" not in conn.caps:
        handle()
        return
    captured: list[str] = []
    conn._capture = captured
    try:
        handle()
    finally:
        conn._capture = None
    server = conn.server.name
    if not captured:
        conn.send_line(f"@label={label} :{server} ACK")
    elif len(captured) == 1 or _one_batch(captured):
        # One line, or one batch (a chathistory answer): it carries the label itself.
        conn.send_line(_with_tags(captured[0], {"label": label}))
        for line in captured[1:]:
            conn.send_line(line)
    else:
        ref = f"L{next(_BATCHES)}"
        conn.send_line(f"@label={label} :{server} BATCH +{ref} labeled-response")
        for line in captured:
            conn.send_line(_with_tags(line, {"batch": ref}))
        conn.send_line(f":{server} BATCH -{ref}")


def _one_batch(lines: list[str]) -> bool:
    """True when ``lines`` are exactly one batch: its start, its lines, its end."""
    first, last = Message.parse(lines[0]), Message.parse(lines[-1])
    if first.command != "BATCH" or last.command != "BATCH" or not first.params:
        return False
    return first.params[0][:1] == "+" and last.params[:1] == ("-" + first.params[0][1:],)


def _with_tags(line: str, extra: dict[str, str]) -> str:
    msg = Message.parse(line)
    tags = {**msg.tags, **extra}
    rest = line.partition(" ")[2] if line.startswith("@") else line
    return f"@{format_tags(tags)} {rest}"
