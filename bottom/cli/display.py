"""Server lines as chat lines, made safe and coloured for a terminal.

Pure: no I/O, no asyncio.  :func:`describe` decides what a line says;
:func:`printable` and :func:`paint` prepare it for the screen.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

from ..casemap import equal
from ..message import Message
from .urls import is_channel

__all__ = ["CONTROL", "describe", "escape_controls", "is_error", "numeric_text", "paint",
           "printable", "wants_colour"]

#: Control characters: shown escaped (``\\x1b``), never sent to a terminal.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NEVER_SHOWN = frozenset({"PING", "PONG", "CAP", "AUTHENTICATE", "366"})
_FORMATTING = re.compile(r"\x03(?:\d{1,2}(?:,\d{1,2})?)?"
                         r"|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
                         r"|[\x02\x0f\x11\x16\x1d\x1e\x1f]")
_STYLES = {"action": "35", "notice": "33", "event": "32", "info": "36", "error": "1;31"}
#: Lines told by one template: command -> (parameters needed, kind, text),
#: the text formatted with ``who`` and the parameters as ``p``.
_TEMPLATES = {
    "JOIN": (1, "event", "--> {who} joined {p[0]}"),
    "NICK": (1, "event", "-- {who} is now known as {p[0]}"),
    "TOPIC": (2, "info", "-- {who} set the topic of {p[0]}: {p[1]}"),
    "INVITE": (2, "info", "-- {who} invites {p[0]} to {p[1]}"),
    "332": (3, "info", "-- topic of {p[1]}: {p[2]}"),
    "333": (3, "info", "-- topic of {p[1]} set by {p[2]}"),
}
_NICK_COLOURS = ("31", "32", "33", "34", "35", "36", "91", "92", "93", "94", "95", "96")


def is_error(msg: Message) -> bool:
    """True for an error numeric (400-599)."""
    return len(msg.command) == 3 and msg.command.isdigit() and "400" <= msg.command < "600"


def numeric_text(msg: Message) -> str:
    """A numeric's words after our own nick: ``"401 bob: No such nick/channel"``."""
    middle, last = msg.params[1:-1], msg.params[-1:]
    if not is_error(msg):
        return " ".join(msg.params[1:])
    return f"{msg.command} {' '.join(middle)}{': ' if middle and last else ''}{''.join(last)}"


def describe(msg: Message, current: str | None = None, *,
             casemapping: str = "rfc1459") -> tuple[str, str] | None:
    """A line from the server as a chat line: ``(kind, text)``, or None to hide it.

    ``current`` is the channel plain text goes to: its messages are shown
    without the channel name (compared under ``casemapping``).  ``kind``
    is one of ``say action notice event info error`` (the colour it gets).
    Pure: the text may still hold IRC formatting and control characters.
    """
    command = msg.command.upper()
    params = msg.params
    who = msg.nick or msg.source or "?"
    if command in _NEVER_SHOWN:
        return None
    if command in ("PRIVMSG", "NOTICE") and len(params) >= 2:
        here = current is not None and equal(params[0], current, casemapping)
        return _describe_text(command, who, params[0], params[1], here)
    template = _TEMPLATES.get(command)
    if template is not None and len(params) >= template[0]:
        return template[1], template[2].format(who=who, p=params)
    if command == "PART" and params:
        return "event", f"<-- {who} left {params[0]}{_reason(params, 1)}"
    if command == "QUIT":
        return "event", f"<-- {who} quit{_reason(params, 0)}"
    if command == "KICK" and len(params) >= 2:
        return "event", (f"<-- {params[1]} was kicked from {params[0]} by {who}"
                         f"{_reason(params, 2)}")
    if command == "MODE" and len(params) >= 2:
        return "info", f"-- {who} sets mode {' '.join(params[1:])} on {params[0]}"
    if command == "ERROR":
        return "error", f"!! {' '.join(params)}"
    if command == "353" and len(params) >= 3:
        return "info", f"-- names {params[-2]}: {params[-1]}"
    if len(command) == 3 and command.isdigit():
        if is_error(msg):
            return "error", f"!! {numeric_text(msg)}"
        return "info", f"-- {numeric_text(msg)}"
    return "info", f"-- {who} {command} {' '.join(params)}"


def _describe_text(command: str, who: str, target: str, text: str,
                   here: bool) -> tuple[str, str]:
    """PRIVMSG and NOTICE, CTCP ACTION included; ``here``: to the current channel."""
    in_channel = is_channel(target)
    elsewhere = "" if not in_channel or here else f"{target} "
    if text.startswith("\x01"):
        ctcp, _, argument = text.strip("\x01").partition(" ")
        if ctcp.upper() == "ACTION":
            return "action", f"{elsewhere}* {who} {argument}"
        return "info", f"-- {who} sent CTCP {ctcp.upper()} to {target}"
    if command == "NOTICE":
        return "notice", f"{elsewhere}-{who}- {text}"
    if not in_channel:
        return "say", f"*{who}* {text}"
    return "say", f"{elsewhere}<{who}> {text}"


def _reason(params: tuple[str, ...], index: int) -> str:
    return f" ({params[index]})" if len(params) > index and params[index] else ""


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character written as ``\\xNN``."""
    return CONTROL.sub(_escape, text)


def printable(text: str) -> str:
    """Text safe for a terminal: IRC formatting dropped, control codes escaped.

    A server or another user could otherwise send escape sequences that
    rewrite the terminal.
    """
    return escape_controls(_FORMATTING.sub("", text))


def paint(kind: str, text: str) -> str:
    """``text`` in the ANSI colour of ``kind``; a ``<nick>`` gets the nick's own."""
    if kind == "say" and text.startswith("<"):
        nick, _, rest = text.partition("> ")
        colour = _NICK_COLOURS[sum(nick.encode()) % len(_NICK_COLOURS)]
        return f"<\x1b[{colour}m{nick[1:]}\x1b[0m> {rest}"
    style = _STYLES.get(kind)
    return f"\x1b[{style}m{text}\x1b[0m" if style else text


def wants_colour(stream: TextIO) -> bool:
    """Colour for a terminal, unless ``NO_COLOR`` is set or ``TERM`` is dumb."""
    return (stream.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")
