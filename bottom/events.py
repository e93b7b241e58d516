"""Message -> (event name, kwargs).  Pure: no I/O, no asyncio.

Every line becomes exactly one event; nothing here raises.  Known commands
get named kwargs (compatible with bottom 2/3 where those had them), numerics
are named after RFC 1459/2812 and the modern replies users meet, and
anything else arrives under its own command name with ``params``.

Event names are case-insensitive and have aliases: ``"001"``,
``"rpl_welcome"`` and ``" RPL_WELCOME "`` are one event.
:func:`canonical_event` gives the one name every spelling maps to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ctcp import parse_ctcp
from .message import Message, split_source
from .numerics import ALIASES, NUMERIC_UNPACKERS, NUMERICS

__all__ = [
    "NUMERICS",
    "ALIASES",
    "EVENT_KWARGS",
    "canonical_event",
    "message_to_event",
    "CLIENT_CONNECT",
    "CLIENT_DISCONNECT",
    "INVALID_COMMAND",
    "CTCP",
    "CTCP_REPLY",
    "CACHE_LIMIT",
    "MAX_CACHED_KEY",
]

CLIENT_CONNECT = "CLIENT_CONNECT"
CLIENT_DISCONNECT = "CLIENT_DISCONNECT"
#: A line whose command is neither letters nor three digits; kwargs are the
#: generic ones plus ``command`` (as sent).
INVALID_COMMAND = "INVALID_COMMAND"
#: Every CTCP request also triggers CTCP (after CTCP_<COMMAND>); a CTCP
#: reply (a framed NOTICE) triggers CTCP_REPLY.
CTCP = "CTCP"
CTCP_REPLY = "CTCP_REPLY"

def _build_lookup() -> dict[str, str]:
    lookup = {name: name for name in NUMERICS.values()}
    lookup.update(NUMERICS)
    lookup.update(ALIASES)
    return lookup


_CANONICAL = _build_lookup()


def canonical_event(name: str) -> str:
    """The one name every spelling of an event maps to.

    Strips, upper-cases, then resolves numerics (``"001"``) and aliases
    (``"RPL_BOUNCE"``) to the canonical name (``"RPL_ISUPPORT"``).  Any
    other name is returned stripped and upper-cased, so user events work.
    """
    if not isinstance(name, str):
        raise TypeError(f"event names are strings, not {type(name).__name__}: {name!r}")
    key = name.strip().upper()
    return _CANONICAL.get(key, key)


# --- kwargs builders --------------------------------------------------------
# Each takes the params tuple and fills ``kw``; IndexError means the line
# lacked a parameter its command needs, and the generic kwargs are used
# instead (see message_to_event).

_Unpacker = Callable[[tuple[str, ...], dict[str, Any]], "str | None"]
_CHANNEL_PREFIXES = "#&!+"


def _privmsg(p: tuple[str, ...], kw: dict[str, Any]) -> str | None:
    return _text_message(p, kw, request=True)


def _notice(p: tuple[str, ...], kw: dict[str, Any]) -> str | None:
    return _text_message(p, kw, request=False)


def _text_message(p: tuple[str, ...], kw: dict[str, Any], *, request: bool) -> str | None:
    """PRIVMSG/NOTICE kwargs.  A ``\\x01``-framed PRIVMSG is a CTCP request
    (CTCP_<COMMAND>), a framed NOTICE a reply (CTCP_REPLY); both keep
    ``message`` as sent."""
    kw["target"] = p[0]
    text = kw["message"] = p[1]
    if text[:1] != "\x01":
        return None
    parsed = parse_ctcp(text)
    if parsed is None:
        return None
    kw["command"], kw["args"] = parsed
    # canonical_event: "\x01VERSION\t\x01" must give an event a handler
    # can register for.
    return canonical_event("CTCP_" + parsed[0]) if request else CTCP_REPLY


def _join(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    if len(p) >= 3:  # extended-join: account ("*" if none) and realname
        kw["account"] = None if p[1] == "*" else p[1]
        kw["realname"] = p[2]


def _part(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    kw["message"] = p[1] if len(p) > 1 else ""


def _optional_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[0] if p else ""


def _last_message(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[-1]


def _nick(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["new_nick"] = p[0]


def _invite(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]
    kw["channel"] = p[1]


def _kick(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    kw["target"] = p[1]
    kw["message"] = p[2] if len(p) > 2 else ""


def _topic(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["channel"] = p[0]
    kw["message"] = p[1] if len(p) > 1 else ""


def _mode(p: tuple[str, ...], kw: dict[str, Any]) -> str:
    target = p[0]
    if target and target[0] in _CHANNEL_PREFIXES:
        kw["channel"] = target
        kw["modes"] = p[1]
        kw["params"] = list(p[2:])
        return "CHANNELMODE"
    kw["nick"] = target  # bottom 2/3: USERMODE's nick is whose modes changed
    kw["modes"] = p[1]
    return "USERMODE"


def _pong(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["server"] = p[0] if len(p) > 1 else None
    kw["message"] = p[-1]


def _cap(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]
    kw["subcommand"] = p[1].upper()
    # "CAP * LS * :caps" marks a continued multi-line reply.
    kw["more"] = len(p) > 3 and p[2] == "*"
    kw["message"] = p[-1] if len(p) > 2 else ""
    kw["capabilities"] = kw["message"].split()


def _authenticate(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[0]


def _away(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["message"] = p[0] if p else None  # None: no longer away


def _account(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["account"] = None if p[0] == "*" else p[0]


def _chghost(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["new_user"] = p[0]
    kw["new_host"] = p[1]


def _setname(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["realname"] = p[0]


def _tagmsg(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]


def _batch(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    if p[0][:1] not in ("+", "-") or len(p[0]) < 2:
        raise ValueError(f"not a batch reference: {p[0]!r}")
    kw["reference"] = p[0][1:]
    kw["starting"] = p[0][:1] == "+"
    kw["type"] = p[1] if len(p) > 1 else None
    kw["params"] = list(p[2:])
    # The client fills these in on the ending line from the assembled batch.
    kw["messages"] = []


def _kill(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["target"] = p[0]
    kw["message"] = p[1] if len(p) > 1 else ""


def _standard_reply(p: tuple[str, ...], kw: dict[str, Any]) -> None:
    kw["command"] = p[0]
    kw["code"] = p[1]
    kw["context"] = list(p[2:-1])
    kw["description"] = p[-1] if len(p) > 2 else ""


# Commands sent by a user (or server) whose source becomes nick/user/host.
_COMMANDS: dict[str, _Unpacker] = {
    "PRIVMSG": _privmsg, "NOTICE": _notice, "JOIN": _join,
    "PART": _part, "QUIT": _optional_message, "NICK": _nick, "INVITE": _invite,
    "KICK": _kick, "TOPIC": _topic, "MODE": _mode, "PING": _last_message,
    "PONG": _pong, "ERROR": _last_message, "CAP": _cap,
    "AUTHENTICATE": _authenticate, "AWAY": _away, "ACCOUNT": _account,
    "CHGHOST": _chghost, "SETNAME": _setname, "TAGMSG": _tagmsg, "BATCH": _batch,
    "WALLOPS": _last_message, "KILL": _kill,
    "FAIL": _standard_reply, "WARN": _standard_reply, "NOTE": _standard_reply,
}
# PING and ERROR come from servers: bottom 2/3 gave them only ``message``.
_NO_SOURCE_KWARGS = frozenset({"PING", "ERROR", "AUTHENTICATE"})


#: Event name -> the kwargs it carries besides ``tags``, in order; for the
#: docs and tests.  Built by running each unpacker on a sample line, so it
#: cannot drift from what handlers really receive.
EVENT_KWARGS: dict[str, tuple[str, ...]] = {}


def _document() -> None:
    # Digits survive every count; "+1" is a BATCH reference and "8 x" a
    # WHO reply's "hopcount realname".
    sample = ("+1", "2", "3", "4", "5", "6", "7", "8 x")
    for command, unpacker in _COMMANDS.items():
        source = () if command in _NO_SOURCE_KWARGS else ("nick", "user", "host")
        kw: dict[str, Any] = {}
        if command == "MODE":
            for first in ("#c", "n"):
                kw = {}
                name = _mode((first, *sample), kw)
                EVENT_KWARGS[name] = tuple(dict.fromkeys((*source, *kw)))
            continue
        unpacker(sample, kw)
        EVENT_KWARGS[command] = (*source, *kw)
    # CTCP_ACTION stands for every CTCP_<COMMAND>; the client also triggers
    # CTCP with the same kwargs.
    for name in ("CTCP_ACTION", CTCP_REPLY):
        EVENT_KWARGS[name] = ("nick", "user", "host", "target", "message", "command", "args")
    for name, numeric_unpacker in NUMERIC_UNPACKERS.items():
        kw = {}
        numeric_unpacker(sample, kw)
        EVENT_KWARGS[name] = ("target", "params", *kw)


_document()

#: kwargs the Client adds to an event when it tracks state: QUIT and NICK
#: carry ``channels``, the channels the user was in (sorted names).
TRACKING_KWARGS: dict[str, tuple[str, ...]] = {"QUIT": ("channels",), "NICK": ("channels",)}
for _name, _added in TRACKING_KWARGS.items():
    EVENT_KWARGS[_name] = (*EVENT_KWARGS[_name], *_added)


# The same few hundred sources send most lines; splitting each once saves a
# third of the mapping time.  Bounded: cleared when it reaches the limit,
# and a key longer than MAX_CACHED_KEY is split every time, never kept (a
# hostile server's 60 KiB sources would otherwise fill it with megabytes).
_SOURCES: dict[str | None, tuple[str | None, str | None, str | None]] = {}
#: Entries a cache of the line path (sources here, PRIVMSG heads in
#: :mod:`bottom.privmsg`) holds before it is cleared.
CACHE_LIMIT = 4096
#: The longest key such a cache keeps, in characters.
MAX_CACHED_KEY = 512


def _split_source_cached(source: str | None) -> tuple[str | None, str | None, str | None]:
    """``split_source(source)``, remembered in a bounded cache."""
    parts = split_source(source)
    if source is None or len(source) <= MAX_CACHED_KEY:
        if len(_SOURCES) >= CACHE_LIMIT:
            _SOURCES.clear()
        _SOURCES[source] = parts
    return parts


def message_to_event(msg: Message) -> tuple[str, dict[str, Any]]:
    """Map one Message to ``(event name, kwargs)``.  Never raises.

    Every event's kwargs include ``tags`` (a dict).  Commands that users
    send get ``nick``, ``user`` and ``host`` from the source; numerics get
    ``target`` (the client's own nick) and ``params``.  A command or
    numeric with no table entry gets ``params`` (a list) plus ``nick``,
    ``user`` and ``host`` (numerics also keep ``target``).  A known command
    missing a parameter its kwargs need gets the same generic kwargs
    instead (a numeric: only ``target`` and ``params``), so no handler is
    handed a made-up value.
    """
    command = msg.command
    params = msg.params
    # The slot behind Message.tags: None until the tags are decoded, which
    # the property does; reading the slot first skips the property's call.
    tags = msg._tags
    if tags is None:
        tags = msg.tags
    unpacker = _COMMANDS.get(command)
    if unpacker is None:
        # Not the usual spelling: "privmsg", or "AWAY\r" from a line that
        # ended in "\r\r\n" (the decoder drops only one CR).  Only ASCII is
        # upper-cased: "PR\u0131VMSG".upper() would pose as PRIVMSG.
        command = command.rstrip("\r")
        if command.isascii():
            command = command.upper()
        unpacker = _COMMANDS.get(command)
    if unpacker is not None:
        kw: dict[str, Any] = {"tags": tags}
        if command not in _NO_SOURCE_KWARGS:
            source = msg.source
            kw["nick"], kw["user"], kw["host"] = (_SOURCES.get(source)
                                                  or _split_source_cached(source))
        try:
            renamed = unpacker(params, kw)
        except (IndexError, ValueError):
            return command, _generic(msg, tags)
        return renamed or command, kw
    if len(command) == 3 and command.isdigit():
        name = NUMERICS.get(command, command)
        kw = {"tags": tags, "target": params[0] if params else None,
              "params": list(params)}
        numeric_unpacker = NUMERIC_UNPACKERS.get(name)
        if numeric_unpacker is None:
            kw["nick"], kw["user"], kw["host"] = split_source(msg.source)
            return name, kw
        try:
            numeric_unpacker(params, kw)
        except (IndexError, ValueError):
            return name, {"tags": tags, "target": kw["target"], "params": list(params)}
        return name, kw
    if command.isascii() and command.isalpha():
        return command, _generic(msg, tags)  # a command we have no table for
    # Not a command token (letters, or three digits): a server must not be
    # able to fake CLIENT_DISCONNECT or RPL_WELCOME by sending that word.
    kw = _generic(msg, tags)
    kw["command"] = msg.command
    return INVALID_COMMAND, kw


def _generic(msg: Message, tags: dict[str, str]) -> dict[str, Any]:
    nick, user, host = split_source(msg.source)
    return {"tags": tags, "params": list(msg.params),
            "nick": nick, "user": user, "host": host}
