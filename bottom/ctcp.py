"""CTCP: ``\\x01COMMAND args\\x01`` inside PRIVMSG and NOTICE text.

Pure: no I/O, no asyncio, no rate limiting (the client paces its replies).
A CTCP query travels in a PRIVMSG and its reply in a NOTICE to the sender;
``ACTION`` (``/me``) is the one query nobody answers.  This module parses
and builds the framed text and says what to answer for the queries a
client answers by itself: VERSION, PING, TIME and CLIENTINFO.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

from .errors import InvalidMessage

__all__ = ["CLIENTINFO_COMMANDS", "parse_ctcp", "format_ctcp", "auto_reply"]

#: The CTCP commands bottom understands, as CLIENTINFO lists them.
CLIENTINFO_COMMANDS: tuple[str, ...] = ("ACTION", "CLIENTINFO", "PING", "TIME", "VERSION")

_DELIM = "\x01"
_FORBIDDEN = "\x01\r\n\0"


def parse_ctcp(text: str) -> tuple[str, str] | None:
    """Split PRIVMSG/NOTICE text into ``(COMMAND, args)`` if it is CTCP.

    ``"\\x01ACTION waves\\x01"`` gives ``("ACTION", "waves")`` and
    ``"\\x01VERSION\\x01"`` gives ``("VERSION", "")``.  The command is
    upper-cased; args are kept exactly (a PING reply echoes them).  A
    missing closing ``\\x01`` is tolerated and anything after the closing
    one is ignored.  Returns None for text that does not start with
    ``\\x01`` or has an empty command (``"\\x01\\x01"``, ``"\\x01 x\\x01"``).
    Never raises.
    """
    if not text.startswith(_DELIM):
        return None
    body = text[1:].partition(_DELIM)[0]
    command, _, args = body.partition(" ")
    if not command:
        return None
    return command.upper(), args


def format_ctcp(command: str, args: str = "") -> str:
    """Build the framed text ``"\\x01COMMAND args\\x01"`` (no space when no args).

    The command is upper-cased.

    :raises InvalidMessage: (a ``ValueError``) for an empty command, a
        space in the command, or ``\\x01``, CR, LF or NUL in either part.
    """
    if not command or " " in command:
        raise InvalidMessage(f"invalid CTCP command {command!r}: it must be one "
                             "non-empty word")
    for part, text in (("command", command), ("args", args)):
        bad = next((c for c in text if c in _FORBIDDEN), None)
        if bad is not None:
            raise InvalidMessage(f"CTCP {part} {text!r} contains {bad!r}: "
                                 "\\x01, CR, LF and NUL cannot be sent inside CTCP")
    if args:
        return f"{_DELIM}{command.upper()} {args}{_DELIM}"
    return f"{_DELIM}{command.upper()}{_DELIM}"


def auto_reply(command: str, args: str, *, version: str,
               now: datetime | None = None) -> str | None:
    """The framed NOTICE text that answers a CTCP query, or None for no answer.

    - ``VERSION``: ``"\\x01VERSION <version>\\x01"``.
    - ``PING``: echoes ``args`` exactly, even when empty; None when they
      hold a character CTCP cannot carry (a hostile server can send NUL).
    - ``TIME``: ``now`` (default: the current local time) in RFC 2822
      form, e.g. ``"\\x01TIME Mon, 23 Nov 2026 17:00:00 +0000\\x01"``.
    - ``CLIENTINFO``: :data:`CLIENTINFO_COMMANDS`, space-separated.
    - anything else, ``ACTION`` included: None.

    ``command`` matches case-insensitively.

    :raises InvalidMessage: only for a ``version`` with ``\\x01``, CR, LF
        or NUL in it, which is the caller's mistake.
    """
    command = command.upper()
    if command == "VERSION":
        return format_ctcp("VERSION", version)
    if command == "PING":
        if any(c in _FORBIDDEN for c in args):
            return None
        return format_ctcp("PING", args)
    if command == "TIME":
        if now is None:
            now = datetime.now(timezone.utc).astimezone()
        return format_ctcp("TIME", format_datetime(now))
    if command == "CLIENTINFO":
        return format_ctcp("CLIENTINFO", " ".join(CLIENTINFO_COMMANDS))
    return None
