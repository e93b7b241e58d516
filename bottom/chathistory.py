"""IRCv3 ``draft/chathistory``: ask the server for messages it kept.

``await client.chathistory("#chan", before=ref, limit=50)`` sends one
``CHATHISTORY`` command and returns the lines of the ``chathistory`` batch
that answers it, oldest first as servers send them.  A reference (``ref``)
is what names a point in the history:

* a :class:`~datetime.datetime` (aware; a naive one is refused): sent as
  ``timestamp=YYYY-MM-DDThh:mm:ss.sssZ``;
* a :class:`~bottom.Message` the server sent (a line of an earlier
  answer): its ``msgid`` tag, or its ``time`` tag when it has no msgid or
  the server's ``MSGREFTYPES`` does not list msgid;
* a str: a msgid (``"msgid=..."`` and ``"timestamp=..."`` are also taken as
  the spec spells them).

At most one of ``before``, ``after``, ``around``, ``between`` (a pair) and
``latest`` (only messages after it) may be given; none asks for the
latest messages (``CHATHISTORY LATEST target *``).  ``limit`` defaults to
the server's ``CHATHISTORY`` ISUPPORT maximum (100 when it has none).

The capability must be enabled: bottom requests ``draft/chathistory``
(with ``batch``, ``server-time`` and ``message-tags``) when the server
offers it; without it :class:`bottom.CapabilityNotEnabled` says why.  A
``FAIL CHATHISTORY ...`` answer raises :class:`bottom.CommandError` whose
``name`` is the FAIL code (``INVALID_TARGET``, ``INVALID_PARAMS``,
``MESSAGE_ERROR``, ``INVALID_MSGREFTYPE``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

from .batch import BatchAssembler
from .commands import check_raw_line
from .errors import CapabilityNotEnabled
from .message import Message
from .tags import format_server_time, parse_server_time

if TYPE_CHECKING:
    from .requests import RequestsMixin

__all__ = ["CAP", "DEFAULT_LIMIT", "Reference", "reference", "query_line", "history_of",
           "targets_of", "fetch", "fetch_targets", "require_caps", "message_time"]

#: The capability name while the spec is a draft.
CAP = "draft/chathistory"
#: ``limit`` when the server's ``CHATHISTORY`` token is 0 or missing.
DEFAULT_LIMIT = 100
#: What names a point in a target's history.
Reference: TypeAlias = "datetime | Message | str"
_SUBCOMMANDS = ("before", "after", "around", "between", "latest")


def message_time(msg: Message) -> datetime | None:
    """The ``time`` tag of ``msg`` as an aware UTC datetime, or None."""
    value = msg.tags.get("time") if msg.tags else None
    if not value:
        return None
    try:
        return parse_server_time(value)
    except ValueError:
        return None


def reference(ref: Reference, reftypes: Sequence[str] = ("timestamp", "msgid")) -> str:
    """``ref`` as the spec spells a reference: ``timestamp=...`` or ``msgid=...``.

    ``reftypes`` are the server's ``MSGREFTYPES`` (both when it sent none).

    :raises ValueError: a naive datetime, an empty or unsendable str, or a
        Message with neither a usable ``msgid`` nor ``time`` tag.
    """
    if isinstance(ref, datetime):
        if ref.tzinfo is None:
            raise ValueError(f"chathistory needs an aware datetime, not the naive {ref!r}: "
                             "pass tzinfo=datetime.timezone.utc (or another zone)")
        return "timestamp=" + format_server_time(ref)
    if isinstance(ref, Message):
        msgid = ref.tags.get("msgid") if ref.tags else None
        when = message_time(ref)
        if msgid and ("msgid" in reftypes or when is None):
            return _word("msgid=" + msgid)
        if when is not None:
            return "timestamp=" + format_server_time(when)
        raise ValueError(f"{ref.command} line has no msgid or time tag to refer to; the "
                         "server needs message-tags or server-time for that")
    if isinstance(ref, str):
        if ref.startswith("timestamp="):
            parse_server_time(ref[len("timestamp="):])  # refuses a malformed one
            return ref
        return _word(ref if ref.startswith("msgid=") else "msgid=" + ref)
    raise TypeError("a chathistory reference is a datetime, a bottom.Message or a msgid str, "
                    f"not {type(ref).__name__}")


def _word(text: str) -> str:
    if text.endswith("=") or any(c in text for c in " \r\n\0") or text.startswith(":"):
        raise ValueError(f"{text!r} cannot be sent as a chathistory reference")
    return text


def _one_target(target: str) -> str:
    if not isinstance(target, str) or not target or target.startswith(":") or any(
            c in target for c in " ,\r\n\0"):
        raise ValueError(f"chathistory takes one channel or nick, not {target!r}")
    return target


def query_line(target: str, *, before: Reference | None = None,
               after: Reference | None = None, around: Reference | None = None,
               between: tuple[Reference, Reference] | None = None,
               latest: Reference | None = None, limit: int,
               reftypes: Sequence[str] = ("timestamp", "msgid")) -> str:
    """The ``CHATHISTORY`` line for one query (see the module docs).

    :raises ValueError: two subcommands at once, a bad target, reference
        or limit.
    """
    values: tuple[object, ...] = (before, after, around, between, latest)
    given = {name: value for name, value in zip(_SUBCOMMANDS, values, strict=True)
             if value is not None}
    if len(given) > 1:
        raise ValueError(f"chathistory takes one of {', '.join(_SUBCOMMANDS)}, not "
                         f"{' and '.join(given)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"chathistory limit must be a positive int, not {limit!r}")
    target = _one_target(target)
    if not given:
        return f"CHATHISTORY LATEST {target} * {limit}"
    name, value = next(iter(given.items()))
    if name == "between":
        if not isinstance(value, tuple) or len(value) != 2:
            raise ValueError(f"between= takes a pair of references, not {value!r}")
        refs = " ".join(reference(ref, reftypes) for ref in value)
    else:
        refs = reference(value, reftypes)  # type: ignore[arg-type]  # checked by reference()
    return f"CHATHISTORY {name.upper()} {target} {refs} {limit}"


def _batch_of(messages: Sequence[Message], kind: str) -> list[Message] | None:
    """The lines of the first batch of type ``kind`` among ``messages``."""
    assembler = BatchAssembler()
    for msg in messages:
        ended = assembler.feed(msg)
        if ended is not None and ended.type == kind:
            return ended.messages
    return None


def history_of(messages: Sequence[Message]) -> list[Message]:
    """The lines inside the ``chathistory`` batch of an answer (nested
    batches' lines and their ``BATCH`` lines included, as the ``BATCH``
    event gives them); empty when the server sent an empty batch."""
    return _batch_of(messages, "chathistory") or []


def targets_of(messages: Sequence[Message]) -> list[tuple[str, datetime]]:
    """``(target, time of its latest message)`` from a ``TARGETS`` answer;
    entries whose timestamp does not parse are skipped."""
    found = []
    for msg in _batch_of(messages, "draft/chathistory-targets") or []:
        params = msg.params
        if msg.command.upper() == "CHATHISTORY" and len(params) >= 3 and params[0] == "TARGETS":
            try:
                found.append((params[1], parse_server_time(params[2])))
            except ValueError:
                continue
    return found


def require_caps(caps: Collection[str], offered: Collection[str] | None, where: str) -> None:
    """Raise :class:`CapabilityNotEnabled` unless chathistory can work here.

    ``offered``: the caps the server listed (a mapping or set), to say
    whether the server lacks it or the client left it out.
    """
    for cap in (CAP, "batch"):
        if cap in caps:
            continue
        if not caps:
            why = "the client is not registered yet (await CLIENT_READY first)"
        elif offered is not None and cap in offered:
            why = (f"the server offers it but the client did not ask for it: add "
                   f"{cap!r} to Client(caps=...)")
        else:
            why = "the server does not offer it"
        raise CapabilityNotEnabled(cap, f"chathistory needs the {cap} capability on {where}: "
                                        f"{why}")


def server_limits(isupport: Mapping[str, str]) -> tuple[int, tuple[str, ...]]:
    """(the most messages one query may ask, 0 for no maximum; the reference
    types the server takes) from its ISUPPORT ``CHATHISTORY`` (or the older
    ``draft/CHATHISTORY``) and ``MSGREFTYPES`` tokens."""
    raw = isupport.get("CHATHISTORY") or isupport.get("draft/CHATHISTORY") or ""
    most = int(raw) if raw.isdigit() else 0
    types = tuple(t for t in (isupport.get("MSGREFTYPES") or "").split(",") if t)
    return most, types or ("timestamp", "msgid")


def _prepare(client: RequestsMixin, limit: int | None) -> tuple[int, tuple[str, ...]]:
    require_caps(client.caps, _offered(client), f"{client.host}:{client.port}")
    most, types = server_limits(client.isupport)
    if limit is None:
        return (most or DEFAULT_LIMIT), types
    if most and isinstance(limit, int) and limit > most:
        raise ValueError(f"chathistory limit {limit} is over the server's maximum of {most} "
                         "(its CHATHISTORY token)")
    return limit, types


def _offered(client: RequestsMixin) -> Collection[str] | None:
    cap = getattr(getattr(client, "_session", None), "cap", None)
    offered = getattr(cap, "offered", None)
    return offered if isinstance(offered, Mapping) else None


async def fetch(client: RequestsMixin, target: str, *, before: Reference | None = None,
                after: Reference | None = None, around: Reference | None = None,
                between: tuple[Reference, Reference] | None = None,
                latest: Reference | None = None, limit: int | None = None,
                timeout: float) -> list[Message]:
    """``client.chathistory``: send the query, return the history lines."""
    count, types = _prepare(client, limit)
    line = query_line(target, before=before, after=after, around=around, between=between,
                      latest=latest, limit=count, reftypes=types)
    reply = await client._request_raw(check_raw_line(line, client.encoding), timeout)
    return history_of(reply.messages)


async def fetch_targets(client: RequestsMixin, start: datetime, end: datetime, *,
                        limit: int | None = None,
                        timeout: float) -> list[tuple[str, datetime]]:
    """``client.chathistory_targets``: ``CHATHISTORY TARGETS``."""
    count, _ = _prepare(client, limit)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"chathistory limit must be a positive int, not {count!r}")
    for when in (start, end):
        if not isinstance(when, datetime):
            raise TypeError(f"chathistory_targets takes two datetimes, not "
                            f"{type(when).__name__}")
    line = f"CHATHISTORY TARGETS {reference(start)} {reference(end)} {count}"
    reply = await client._request_raw(check_raw_line(line, client.encoding), timeout)
    return targets_of(reply.messages)
