"""Chat history: the server keeps what it relayed and answers ``CHATHISTORY``.

Offered when ``draft/chathistory`` is among the server's caps (it is by
default).  Every PRIVMSG and NOTICE the server relays to a channel or a
nick is kept, per channel and per pair of nicks, with the ``time`` and
``msgid`` it was relayed with (at most ``history_limit`` per target, oldest
dropped first).  ``CHATHISTORY`` answers from that buffer as the IRCv3 spec
says: ``LATEST``, ``BEFORE``, ``AFTER``, ``AROUND``, ``BETWEEN`` with
``timestamp=`` or ``msgid=`` references, and ``TARGETS``; a ``chathistory``
(or ``draft/chathistory-targets``) batch when the client enabled ``batch``;
refusals as ``FAIL CHATHISTORY <code>`` (INVALID_PARAMS, INVALID_TARGET).
A channel's history is shown to its members only; a conversation with a
nick to its two ends.  ISUPPORT says ``CHATHISTORY=<most per query>`` and
``MSGREFTYPES=msgid,timestamp``.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..message import Message
from ..tags import format_server_time, parse_server_time
from .commands import handles
from .wire import _fold, _format

if TYPE_CHECKING:
    from .connection import ServerConnection
    from .server import Server

__all__ = ["Entry", "record", "chathistory"]

_BATCHES = itertools.count(1)
_SHAPES = {"LATEST": 4, "BEFORE": 4, "AFTER": 4, "AROUND": 4, "BETWEEN": 5, "TARGETS": 4}
_Key = tuple[str, ...]  # ("#chan",) or the two folded nicks of a conversation, sorted


class Entry(NamedTuple):
    """One relayed message as history keeps it."""

    seq: int
    time: str  # server-time value: sorts as text
    msgid: str
    source: str
    command: str
    target: str
    text: str
    client_tags: dict[str, str]


def record(server: Server, sender: ServerConnection, command: str, target: str, text: str,
           client_tags: dict[str, str], time: str, msgid: str) -> None:
    """Keep one relayed PRIVMSG/NOTICE (``target``: the channel or nick as relayed)."""
    if server.history_limit <= 0 or command not in ("PRIVMSG", "NOTICE"):
        return
    key = _key(target, sender.nick or "")
    buffer = server.history.get(key)
    if buffer is None:
        buffer = server.history[key] = deque(maxlen=server.history_limit)
    seq = next(server._history_seq)
    buffer.append(Entry(seq, time, msgid, sender.source, command, target, text,
                        dict(client_tags)))


def _key(target: str, me: str) -> _Key:
    if target.startswith("#"):
        return (_fold(target),)
    first, second = sorted((_fold(target), _fold(me)))
    return (first, second)


def _fail(conn: ServerConnection, code: str, *context: str) -> None:
    conn.standard_reply("FAIL", "CHATHISTORY", code, *context)


@handles("CHATHISTORY")
def chathistory(conn: ServerConnection, msg: Message) -> None:
    server = conn.server
    if "draft/chathistory" not in server.offered_caps():
        conn._numeric("421", msg.command, "Unknown command")
        return
    params = msg.params
    sub = params[0].upper() if params else ""
    if sub not in _SHAPES:
        _fail(conn, "INVALID_PARAMS", sub or "*", "Unknown command")
        return
    if len(params) != _SHAPES[sub]:
        _fail(conn, "INVALID_PARAMS", sub, "Insufficient parameters" if len(params) < _SHAPES[sub]
              else "Too many parameters")
        return
    limit = params[-1]
    if not limit.isdigit() or int(limit) < 1:
        _fail(conn, "INVALID_PARAMS", sub, limit, "Invalid limit")
        return
    most = int(server.isupport.get("CHATHISTORY", "0") or 0)
    count = min(int(limit), most) if most else int(limit)
    if sub == "TARGETS":
        _targets(conn, params[1], params[2], count)
        return
    target = params[1]
    entries = _visible(conn, target)
    if entries is None:
        _fail(conn, "INVALID_TARGET", sub, target, "Messages could not be retrieved")
        return
    refs = []
    for raw in params[2:-1]:
        ref = _reference(raw, entries, star=(sub == "LATEST"))
        if isinstance(ref, str):
            _fail(conn, "INVALID_PARAMS", sub, raw, ref)
            return
        refs.append(ref)
    chosen = _select(sub, entries, refs, count)
    name = entries[0].target if entries and target.startswith("#") else target
    _send_batch(conn, ("chathistory", name), [_line(conn, e) for e in chosen])


def _visible(conn: ServerConnection, target: str) -> Sequence[Entry] | None:
    """The history ``conn`` may read for ``target``; None when it may not."""
    server = conn.server
    key = _key(target, conn.nick or "")
    kept = server.history.get(key)
    if target.startswith("#"):
        channel = server._channels.get(_fold(target))
        if channel is None or conn not in channel.members:
            return None
    elif kept is None and _fold(target) not in server._nicks:
        return None
    return list(kept or ())


#: A position between entries: (time, seq); seq -1 sorts before every entry
#: of that time, a huge one after.  None stands for "*".
_Ref = tuple[str, int] | None
_LAST = 1 << 62


def _reference(raw: str, entries: Sequence[Entry], star: bool) -> _Ref | str:
    """A parsed reference, or the reason it is refused."""
    if raw == "*" and star:
        return None
    name, _, value = raw.partition("=")
    if name == "timestamp":
        try:
            return (format_server_time(parse_server_time(value)), -1)
        except ValueError:
            return "Invalid timestamp"
    if name == "msgid" and value:
        for entry in entries:
            if entry.msgid == value:
                return (entry.time, entry.seq)
        return "Unknown msgid"
    return "Invalid reference"


def _after(ref: _Ref) -> Callable[[Entry], bool]:
    """Entries strictly after ``ref`` (a timestamp excludes its own instant)."""
    if ref is None:
        return lambda e: True
    mark = ref if ref[1] >= 0 else (ref[0], _LAST)
    return lambda e: (e.time, e.seq) > mark


def _before(ref: _Ref) -> Callable[[Entry], bool]:
    if ref is None:
        return lambda e: True
    return lambda e: (e.time, e.seq) < ref  # (t, -1): every entry of instant t is not before


def _select(sub: str, entries: Sequence[Entry], refs: list[_Ref], count: int) -> list[Entry]:
    if sub in ("LATEST", "AFTER"):
        later = [e for e in entries if _after(refs[0])(e)]
        return later[-count:] if sub == "LATEST" else later[:count]
    if sub == "BEFORE":
        return [e for e in entries if _before(refs[0])(e)][-count:]
    if sub == "AROUND":
        earlier = [e for e in entries if _before(refs[0])(e)][-(count // 2):] if count > 1 else []
        rest = [e for e in entries if not _before(refs[0])(e)]
        return earlier + rest[:count - len(earlier)]
    first, second = refs  # BETWEEN: counted from the first, either way in time
    assert first is not None and second is not None
    low, high = sorted((first, second))
    inside = [e for e in entries if _after(low)(e) and _before(high)(e)]
    return inside[:count] if first <= second else inside[-count:]


def _line(conn: ServerConnection, entry: Entry) -> tuple[dict[str, str], str, str,
                                                          tuple[str, ...]]:
    tags: dict[str, str] = {}
    if "message-tags" in conn.caps:
        tags.update(entry.client_tags)
        tags["msgid"] = entry.msgid
    if "server-time" in conn.caps:
        tags["time"] = entry.time
    return tags, entry.source, entry.command, (entry.target, entry.text)


def _send_batch(conn: ServerConnection, kind: tuple[str, ...],
                lines: list[tuple[dict[str, str], str, str, tuple[str, ...]]]) -> None:
    """The lines in a batch of ``kind`` (type and params) when ``batch`` is on."""
    ref = f"H{next(_BATCHES)}" if "batch" in conn.caps else None
    if ref is not None:
        conn.send_line(_format({}, conn.server.name, "BATCH", (f"+{ref}", *kind), False))
    for tags, source, command, params in lines:
        if ref is not None:
            tags = {"batch": ref, **tags}
        conn.send_line(_format(tags, source, command, params))
    if ref is not None:
        conn.send_line(_format({}, conn.server.name, "BATCH", (f"-{ref}",), False))


def _targets(conn: ServerConnection, start: str, end: str, count: int) -> None:
    refs = []
    for raw in (start, end):
        name, _, value = raw.partition("=")
        try:
            if name != "timestamp":
                raise ValueError(raw)
            refs.append(format_server_time(parse_server_time(value)))
        except ValueError:
            _fail(conn, "INVALID_PARAMS", "TARGETS", raw, "Invalid timestamp")
            return
    low, high = sorted(refs)
    me = _fold(conn.nick or "")
    found: list[tuple[str, str]] = []
    for key, buffer in conn.server.history.items():
        if not buffer:
            continue
        last = buffer[-1]
        if len(key) == 1:
            channel = conn.server._channels.get(key[0])
            if channel is None or conn not in channel.members:
                continue
            name = last.target
        elif me in key:
            mine = last.source.split("!", 1)[0]
            name = last.target if _fold(mine) == me else mine
        else:
            continue
        if low < last.time < high:
            found.append((last.time, name))
    found.sort()
    found = found[:count] if refs[0] <= refs[1] else found[-count:]
    server = conn.server.name
    _send_batch(conn, ("draft/chathistory-targets",),
                [({}, server, "CHATHISTORY", ("TARGETS", name, when)) for when, name in found])
