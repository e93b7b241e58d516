"""Secrets hidden from every log record of a line, in or out.

A debug log of the wire is the first thing a user pastes into a bug
report, so it must never hold a password.  :func:`mask_secrets` reads a
raw line the way a server does (an optional ``@tags`` block, an optional
``:source``, the command, its parameters) and replaces what carries a
secret with ``****``:

* ``PASS`` and ``AUTHENTICATE``: every argument (``AUTHENTICATE +`` and
  ``AUTHENTICATE *`` stay, they carry nothing);
* ``OPER name password``: the password;
* ``PRIVMSG``/``NOTICE`` to NickServ or ChanServ (any case, also
  ``NickServ@services.host``) whose text starts with IDENTIFY, REGISTER,
  GHOST, RECOVER, REGAIN, or SET PASSWORD: the words after the keyword;
* the service aliases ``NS``, ``NICKSERV``, ``CS``, ``CHANSERV`` with the
  same keywords, and ``IDENTIFY``: the words after the keyword.

Pure: no I/O.  Every secret sits at the end of its line, so masking keeps
the line up to the secret and replaces the rest; a line with nothing to
hide is returned as it is (the same object).
"""

from __future__ import annotations

__all__ = ["mask_secrets", "MASK"]

#: What a secret is replaced with.
MASK = "****"

_WHOLE = frozenset({"PASS"})
_SERVICES = frozenset({"nickserv", "chanserv"})
_ALIASES = frozenset({"NS", "NICKSERV", "CS", "CHANSERV"})
_MESSAGES = frozenset({"PRIVMSG", "NOTICE"})
# Service commands whose arguments carry a password (Atheme, Anope).
_KEYWORDS = frozenset({"IDENTIFY", "ID", "REGISTER", "GHOST", "RECOVER", "REGAIN",
                       "RELEASE", "LOGIN"})


def _skip_word(line: str, pos: int) -> int:
    """The index after the word at ``pos`` and the spaces that follow it."""
    end = line.find(" ", pos)
    if end < 0:
        return len(line)
    while end < len(line) and line[end] == " ":
        end += 1
    return end


def _mask_service_text(line: str, start: int) -> str:
    """``line`` with the secret of the service command starting at ``start`` hidden."""
    if line.startswith(":", start):
        start += 1
    while line.startswith(" ", start):
        start += 1
    words = line[start:].split(" ", 2)
    keyword = words[0].upper()
    if keyword in _KEYWORDS:
        after = _skip_word(line, start)
    elif keyword == "SET" and len(words) > 1 and words[1].upper() in ("PASSWORD", "PASS"):
        after = _skip_word(line, _skip_word(line, start))
    else:
        return line
    if after >= len(line):
        return line  # the keyword alone: nothing to hide
    return line[:after] + MASK


def mask_secrets(line: str) -> str:
    """``line`` with passwords and SASL payloads replaced by ``****``.

    Understands a leading ``@tags`` block and ``:source``, commands in any
    case, and a trailing parameter with or without its ``:``.  Never
    raises for any string.
    """
    pos = 0
    if line.startswith("@"):
        pos = _skip_word(line, pos)
    if line.startswith(":", pos):
        pos = _skip_word(line, pos)
    args = _skip_word(line, pos)
    if args >= len(line):
        return line  # a command without arguments hides nothing
    command = line[pos:args].rstrip(" ").upper()
    if command in _WHOLE or command == "IDENTIFY":
        return line[:args] + MASK
    if command == "AUTHENTICATE":
        if line[args:].lstrip(":").rstrip(" ") in ("+", "*"):
            return line
        return line[:args] + MASK
    if command == "OPER":
        after = _skip_word(line, args)
        if line.startswith(":", args) or after >= len(line):
            return line[:args] + MASK  # one argument: it may be the password
        return line[:after] + MASK
    if command in _ALIASES:
        return _mask_service_text(line, args)
    if command in _MESSAGES:
        target = line[args:].split(" ", 1)[0]
        if target.partition("@")[0].lower() in _SERVICES:
            text = _skip_word(line, args)
            if text < len(line):
                return _mask_service_text(line, text)
    return line
