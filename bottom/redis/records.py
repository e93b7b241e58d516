"""What bottom writes to Redis: key names and versioned records.  Pure.

Every record another process reads carries ``v`` (:data:`VERSION`) and
is checked on the way in: a record written by another version of bottom
(or by something else) is a :class:`RecordError` that names the key and
the entry, never a ``KeyError`` deep inside a handler.

Keys, all under a ``prefix`` (default ``"bottom"``)::

    {prefix}:networks                     set of network names (Hub names)
    {prefix}:events:{network}             stream of events, XADD MAXLEN ~
    {prefix}:commands:{network}           stream of send() requests for the gateway
    {prefix}:state:{network}              hash: nick, casemapping, v
    {prefix}:state:{network}:channel:{folded name}   hash, one per channel
    {prefix}:state:{network}:user:{folded nick}      hash, one per user
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BottomError

__all__ = ["VERSION", "Keys", "RecordError", "RedisUnavailable", "Event", "Command",
           "encode_event", "decode_event", "encode_command", "decode_command",
           "MirroredChannel", "MirroredUser", "encode_channel", "decode_channel",
           "encode_user", "decode_user"]

#: Bumped whenever a record's shape changes.
VERSION = "1"

Fields = Mapping[bytes | str, bytes | str]


class RecordError(BottomError, ValueError):
    """A Redis record bottom cannot read: another version, or not bottom's.

    ``key`` and ``entry`` (a stream id, or None for a hash) say where it is.
    """

    def __init__(self, message: str, *, key: str, entry: str | None = None) -> None:
        where = key if entry is None else f"{key} entry {entry}"
        super().__init__(f"{where}: {message}")
        self.key = key
        self.entry = entry


class RedisUnavailable(BottomError, ConnectionError):
    """Redis did not answer; ``key`` names what bottom was reading or writing."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class Keys:
    """The key names of one deployment (``prefix``)."""

    prefix: str = "bottom"

    @property
    def networks(self) -> str:
        return f"{self.prefix}:networks"

    def events(self, network: str) -> str:
        return f"{self.prefix}:events:{network}"

    def commands(self, network: str) -> str:
        return f"{self.prefix}:commands:{network}"

    def state(self, network: str) -> str:
        return f"{self.prefix}:state:{network}"

    def channel(self, network: str, folded: str) -> str:
        return f"{self.prefix}:state:{network}:channel:{folded}"

    def user(self, network: str, folded: str) -> str:
        return f"{self.prefix}:state:{network}:user:{folded}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def _fields(raw: Fields, key: str, entry: str | None) -> dict[str, str]:
    fields = {_text(k): _text(v) for k, v in raw.items()}
    version = fields.get("v")
    if version != VERSION:
        raise RecordError(
            f"written by record version {version!r}, this bottom reads version {VERSION!r}; "
            "run the same bottom version in the gateway and the workers, or delete the key",
            key=key, entry=entry)
    return fields


def _json(fields: dict[str, str], name: str, key: str, entry: str | None) -> Any:
    try:
        return json.loads(fields[name])
    except (KeyError, ValueError) as exc:
        raise RecordError(f"field {name!r} is missing or not JSON ({exc})",
                          key=key, entry=entry) from None


def _plain(value: Any) -> Any:
    """JSON for what event kwargs hold (sets, tuples, datetimes, Messages)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class Event:
    """One event read from a stream: the network, its name and kwargs."""

    network: str
    name: str
    kwargs: dict[str, Any]
    entry: str = ""


def encode_event(network: str, name: str, kwargs: Mapping[str, Any]) -> dict[str, str]:
    """Stream fields for an event; ``client`` (a live object) is left out."""
    body = {k: v for k, v in kwargs.items() if k != "client"}
    return {"v": VERSION, "network": network, "event": name,
            "kw": json.dumps(body, default=_plain, separators=(",", ":"))}


def decode_event(raw: Fields, *, key: str, entry: str) -> Event:
    """An :class:`Event` from stream fields; :raises RecordError:."""
    fields = _fields(raw, key, entry)
    kwargs = _json(fields, "kw", key, entry)
    if not isinstance(kwargs, dict) or "event" not in fields or "network" not in fields:
        raise RecordError("not a bottom event record", key=key, entry=entry)
    kwargs["network"] = fields["network"]
    return Event(fields["network"], fields["event"], kwargs, entry)


@dataclass(frozen=True, slots=True)
class Command:
    """A ``send`` request: ``send(command, tags=tags, **kwargs)`` or a raw line."""

    command: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str | None] | None = None
    raw: str | None = None


def encode_command(command: Command) -> dict[str, str]:
    body = {"command": command.command, "kwargs": command.kwargs, "tags": command.tags,
            "raw": command.raw}
    return {"v": VERSION, "cmd": json.dumps(body, default=_plain, separators=(",", ":"))}


def decode_command(raw: Fields, *, key: str, entry: str) -> Command:
    """A :class:`Command` from stream fields; :raises RecordError:."""
    body = _json(_fields(raw, key, entry), "cmd", key, entry)
    if not isinstance(body, dict) or not isinstance(body.get("command"), str) \
            or not isinstance(body.get("kwargs"), dict):
        raise RecordError("not a bottom command record", key=key, entry=entry)
    return Command(body["command"], body["kwargs"], body.get("tags"), body.get("raw"))


@dataclass(frozen=True, slots=True)
class MirroredChannel:
    """A channel as the gateway's client tracks it, read from Redis."""

    name: str
    topic: str | None = None
    topic_setter: str | None = None
    modes: dict[str, str | None] = field(default_factory=dict)
    #: nick -> prefix modes, e.g. {"alice": {"o"}}
    users: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MirroredUser:
    """A user as the gateway's client tracks them, read from Redis."""

    nick: str
    username: str | None = None
    host: str | None = None
    realname: str | None = None
    account: str | None = None
    away: bool = False
    away_message: str | None = None
    channels: set[str] = field(default_factory=set)


def encode_channel(channel: MirroredChannel) -> dict[str, str]:
    body = {"name": channel.name, "topic": channel.topic,
            "topic_setter": channel.topic_setter, "modes": channel.modes,
            "users": {nick: sorted(modes) for nick, modes in channel.users.items()}}
    return {"v": VERSION, "data": json.dumps(body, default=_plain)}


def decode_channel(raw: Fields, *, key: str) -> MirroredChannel:
    body = _json(_fields(raw, key, None), "data", key, None)
    try:
        return MirroredChannel(body["name"], body["topic"], body["topic_setter"],
                               dict(body["modes"]),
                               {n: set(m) for n, m in body["users"].items()})
    except (KeyError, TypeError, AttributeError) as exc:
        raise RecordError(f"not a bottom channel record ({exc!r})", key=key) from None


def encode_user(user: MirroredUser) -> dict[str, str]:
    body = {"nick": user.nick, "username": user.username, "host": user.host,
            "realname": user.realname, "account": user.account, "away": user.away,
            "away_message": user.away_message, "channels": sorted(user.channels)}
    return {"v": VERSION, "data": json.dumps(body, default=_plain)}


def decode_user(raw: Fields, *, key: str) -> MirroredUser:
    body = _json(_fields(raw, key, None), "data", key, None)
    try:
        return MirroredUser(body["nick"], body["username"], body["host"], body["realname"],
                            body["account"], bool(body["away"]), body["away_message"],
                            set(body["channels"]))
    except (KeyError, TypeError) as exc:
        raise RecordError(f"not a bottom user record ({exc!r})", key=key) from None
