"""Readers for the IRCv3 message tags a client uses most.

Pure: no I/O, no asyncio.  Tags arrive unescaped in ``Message.tags``
(see :mod:`bottom.message`); these helpers read the well-known ones:
``time`` (server-time), ``msgid``, ``account`` (account-tag), ``batch``
and ``label`` (labeled-response).  The readers never raise: a tag that is
absent, empty or malformed reads as None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone

__all__ = [
    "parse_server_time",
    "format_server_time",
    "server_time",
    "msgid",
    "account",
    "batch",
    "label",
    "is_client_tag",
]

# YYYY-MM-DDThh:mm:ss[.fraction](Z|+00:00); re.ASCII keeps \d to 0-9.
_SERVER_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|\+00:00)",
    re.ASCII,
)


def parse_server_time(value: str) -> datetime:
    """Parse a server-time value such as ``2026-11-23T17:00:00.123Z``.

    Returns an aware datetime in UTC.  Fractional seconds are optional and
    may have any number of digits (cut to microseconds); the zone must be
    ``Z`` or ``+00:00``.  Works the same on Python 3.10, whose
    ``datetime.fromisoformat`` refuses ``Z``.

    :raises ValueError: for any other shape or an impossible date or time.
    """
    match = _SERVER_TIME.fullmatch(value)
    if match is None:
        raise ValueError(f"invalid server-time {value!r}: expected "
                         "YYYY-MM-DDThh:mm:ss[.sss]Z in UTC")
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute),
                        int(second), micro, tzinfo=timezone.utc)
    except ValueError as exc:
        raise ValueError(f"invalid server-time {value!r}: {exc}") from None


def format_server_time(dt: datetime) -> str:
    """Format ``dt`` as a server-time value: UTC, milliseconds, ``Z``.

    An aware datetime is converted to UTC; a naive one is taken to be UTC
    already.  Sub-millisecond digits are cut, not rounded, so
    ``parse_server_time(format_server_time(dt))`` is ``dt`` to the
    millisecond.
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000
    # on every platform.
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T"
            f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{dt.microsecond // 1000:03d}Z")


def _get(tags: Mapping[str, str] | None, key: str) -> str | None:
    if not tags:
        return None
    return tags.get(key) or None


def server_time(tags: Mapping[str, str] | None) -> datetime | None:
    """The ``time`` tag as an aware UTC datetime; None when absent or malformed."""
    value = _get(tags, "time")
    if value is None:
        return None
    try:
        return parse_server_time(value)
    except ValueError:
        return None


def msgid(tags: Mapping[str, str] | None) -> str | None:
    """The ``msgid`` tag; None when absent or empty."""
    return _get(tags, "msgid")


def account(tags: Mapping[str, str] | None) -> str | None:
    """The ``account`` tag (the sender's services account); None when absent or empty."""
    return _get(tags, "account")


def batch(tags: Mapping[str, str] | None) -> str | None:
    """The ``batch`` tag (the reference of the batch a line belongs to); None when absent."""
    return _get(tags, "batch")


def label(tags: Mapping[str, str] | None) -> str | None:
    """The ``label`` tag of a labeled response; None when absent or empty."""
    return _get(tags, "label")


def is_client_tag(key: str) -> bool:
    """Whether ``key`` is a client-only tag (``+example.org/x``), which servers relay."""
    return key.startswith("+")
