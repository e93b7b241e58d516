"""What a request returns: :class:`Reply`, and typed results built from it.

Pure: no I/O, no asyncio.  :func:`whois_from`, :func:`names_from` and
:func:`who_rows` read the events of a :class:`Reply`; a server that leaves
a field out leaves it ``None`` (or empty), never a guess.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .channel import User
from .events import message_to_event
from .message import Message, split_source

__all__ = ["Reply", "Whois", "whois_from", "names_from", "who_rows", "who_users", "split_prefix",
           "WHOX_FIELDS", "WHOX_TOKEN"]


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one request.

    ``messages``: every line that answers it, end marker included, in
    arrival order; ``events``: the same lines as ``(event name, kwargs)``.
    """

    messages: list[Message]
    events: list[tuple[str, dict[str, Any]]]

    @classmethod
    def of(cls, messages: Iterable[Message]) -> Reply:
        lines = list(messages)
        return cls(lines, [message_to_event(m) for m in lines])


@dataclass(slots=True)
class Whois:
    """What a WHOIS told about one nick.

    ``channels`` maps each channel to the status prefixes shown for the
    user there (``{"#ops": "@", "#chat": ""}``); ``idle`` is seconds,
    ``signon`` an aware UTC datetime; ``account`` is None when the server
    sent no 330 (not logged in, or no services).
    """

    nick: str
    username: str | None = None
    host: str | None = None
    realname: str | None = None
    server: str | None = None
    server_info: str | None = None
    account: str | None = None
    channels: dict[str, str] = field(default_factory=dict)
    idle: int | None = None
    signon: datetime.datetime | None = None
    away_message: str | None = None
    operator: bool = False
    secure: bool = False
    actual_host: str | None = None
    ip: str | None = None


def split_prefix(name: str, prefixes: str = "~&@%+") -> tuple[str, str]:
    """``"@+#chan"`` -> ``("@+", "#chan")``; ``prefixes`` are the status
    symbols of the server's PREFIX (multi-prefix may list several)."""
    index = 0
    while index < len(name) - 1 and name[index] in prefixes:
        index += 1
    return name[:index], name[index:]


def whois_from(nick: str, events: Iterable[tuple[str, dict[str, Any]]],
               prefixes: str = "~&@%+") -> Whois:
    """Fold a WHOIS reply's events into a :class:`Whois` for ``nick``."""
    info = Whois(nick)
    for name, kw in events:
        if name == "RPL_WHOISUSER":
            info.nick = kw["nick"]
            info.username, info.host, info.realname = kw["user"], kw["host"], kw["real_name"]
        elif name == "RPL_WHOISSERVER":
            info.server, info.server_info = kw["server"], kw["server_info"]
        elif name == "RPL_WHOISACCOUNT":
            info.account = kw["account"]
        elif name == "RPL_WHOISCHANNELS":
            for entry in kw["channels"]:
                prefix, channel = split_prefix(entry, prefixes)
                info.channels[channel] = prefix
        elif name == "RPL_WHOISIDLE":
            info.idle = kw["idle"]
            if kw["signon"] is not None:
                info.signon = datetime.datetime.fromtimestamp(kw["signon"], datetime.timezone.utc)
        elif name == "RPL_AWAY":
            info.away_message = kw["message"]
        elif name == "RPL_WHOISOPERATOR":
            info.operator = True
        elif name == "RPL_WHOISSECURE":
            info.secure = True
        elif name == "RPL_WHOISACTUALLY":
            info.actual_host, info.ip = kw["host"], kw["ip"]
    return info


def names_from(events: Iterable[tuple[str, dict[str, Any]]], prefix_modes: dict[str, str],
               ) -> dict[str, set[str]]:
    """Nick -> prefix modes (``{"alice": {"o", "v"}}``) from NAMES replies.

    ``prefix_modes`` maps status symbols to modes (``{"@": "o", "+": "v"}``,
    from PREFIX); userhost-in-names entries (``nick!user@host``) give the nick.
    """
    symbols = "".join(prefix_modes)
    names: dict[str, set[str]] = {}
    for name, kw in events:
        if name != "RPL_NAMREPLY":
            continue
        for entry in kw["users"]:
            prefix, rest = split_prefix(entry, symbols)
            nick = split_source(rest)[0] or rest
            names[nick] = {prefix_modes[s] for s in prefix}
    return names


def who_rows(events: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One dict per user in a WHO reply: ``nick``, ``username``, ``host``,
    ``server``, ``realname``, ``flags``, ``channel``, plus ``account`` for
    WHOX replies of the form ``%tcuhnfar`` (see :data:`WHOX_FIELDS`)."""
    rows = []
    for name, kw in events:
        if name == "RPL_WHOREPLY":
            rows.append({"nick": kw["nick"], "username": kw["user"], "host": kw["host"],
                         "server": kw["server"], "realname": kw["real_name"],
                         "flags": kw["hg_code"], "channel": kw["channel"], "account": None})
        elif name == "RPL_WHOSPCRPL":
            row = _whox(kw.get("params", []))
            if row is not None:
                rows.append(row)
    return rows


def who_users(events: Iterable[tuple[str, dict[str, Any]]]) -> list[User]:
    """The users of a WHO/WHOX reply as :class:`bottom.User` objects, once
    each, with what the reply told: username, host, realname, account
    (WHOX), away (the ``G`` flag) and the channel of the row.  New objects:
    the tracked ones in ``client.users`` are kept current separately."""
    users: dict[str, User] = {}
    for row in who_rows(events):
        user = users.get(row["nick"])
        if user is None:
            user = users[row["nick"]] = User(row["nick"], row["username"], row["host"])
        user.realname = row["realname"]
        if row["account"] is not None:
            user.account = row["account"]
        if "G" in (row["flags"] or ""):
            user._away = ""  # away, message unknown (as State marks it)
        channel = row["channel"]
        if channel and channel != "*" and channel not in user.channels:
            user._joined(channel)
    return list(users.values())


#: The WHOX fields bottom asks for, and the token that marks its replies.
WHOX_FIELDS = "%tcuhnfar"
WHOX_TOKEN = "152"


def _whox(params: list[str]) -> dict[str, Any] | None:
    # "354 me 152 #chan user host nick flags account :realname"
    if len(params) < 9 or params[1] != WHOX_TOKEN:
        return None
    _, _, channel, user, host, nick, flags, account, realname = params[:9]
    return {"nick": nick, "username": user, "host": host, "server": None,
            "realname": realname, "flags": flags, "channel": channel,
            "account": None if account == "0" else account}
