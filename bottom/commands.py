"""``send(command, **kwargs)`` -> wire lines.  Pure: no I/O, no asyncio.

Each command has one or more *patterns*: space-separated tokens, each a
literal (``MODE``, ``*``, ``0``) or a field ``{name}``.  A field may carry
options after a colon, joined by ``|``:

- ``opt``: may be left out (or ``None``); an optional field is only
  allowed when every optional field before it is given, so a value can
  never slide into the wrong position;
- ``comma``: a list is joined with commas; ``space``: with spaces;
- ``bool``: writes the field's *name* when the value is true, else nothing;
- ``upper``: an ASCII value is written upper-cased (subcommands such as
  ``CAP req``, which servers read in upper case only).

A field written ``:{name}`` is the trailing parameter: it may hold spaces
and is always sent with its ``:``.  Every other value is a middle
parameter: non-empty, no spaces, no leading ``:``.  No value may contain
CR, LF or NUL, so no value can ever start a second command.

When a command has several patterns, the first (most fields first) that
uses exactly the given kwargs, without leaving out an optional field
before a given one, wins.  A field with the ``space`` option also takes
one string of space-separated items (``params="+o nick"``), as bottom 2/3
did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .command_table import PATTERNS
from .errors import InvalidMessage
from .message import format_tags, is_middle
from .options import check_command, check_raw, check_send_values, check_tags

__all__ = [
    "register_pattern",
    "serialize",
    "check_raw_line",
    "split_text",
    "known_commands",
    "patterns",
    "MAX_LINE_BYTES",
    "MAX_CLIENT_TAG_BYTES",
    "DEFAULT_PREFIX_RESERVE",
]

#: RFC 1459's limit for one line, CRLF included, tags excluded.
MAX_LINE_BYTES = 512
#: IRCv3: the tag data a client sends, not counting the '@' and the space
#: that frame it ("Clients MUST NOT send messages with tag data exceeding
#: 4094 bytes").
MAX_CLIENT_TAG_BYTES = 4094
#: ``:nick!user@host `` as a server relays it, when we cannot know better:
#: 30 (nick) + 10 (user) + 63 (host) + 4 separators.
DEFAULT_PREFIX_RESERVE = 107

_FORBIDDEN = ("\r", "\n", "\0")
_OPTIONS = frozenset({"opt", "comma", "space", "bool", "upper"})
# Commands whose trailing text is split on newlines and to fit the line.
_SPLIT_TEXT_COMMANDS = frozenset({"PRIVMSG", "NOTICE"})


class _Field:
    __slots__ = ("name", "optional", "joiner", "flag", "upper", "trailing")

    def __init__(self, name: str, options: set[str], trailing: bool) -> None:
        self.name = name
        self.optional = "opt" in options or "bool" in options
        self.joiner = "," if "comma" in options else " " if "space" in options else None
        self.flag = "bool" in options
        self.upper = "upper" in options
        self.trailing = trailing


class _Pattern:
    """One compiled pattern: literal strings and fields, in order."""

    __slots__ = ("text", "tokens", "fields", "names", "required")

    def __init__(self, text: str) -> None:
        self.text = text
        if any(char in text for char in _FORBIDDEN):
            raise ValueError(f"invalid pattern {text!r}: it contains CR, LF or NUL")
        tokens: list[str | _Field] = []
        raw_tokens = text.split()
        for index, token in enumerate(raw_tokens):
            trailing = token.startswith(":{")
            body = token[1:] if trailing else token
            if "{" not in body and "}" not in body:
                if trailing or token.startswith(":"):
                    raise ValueError(f"invalid pattern {text!r}: literal {token!r} starts with ':'")
                tokens.append(token)
                continue
            if not (body.startswith("{") and body.endswith("}")) or body.count("{") != 1:
                raise ValueError(f"invalid pattern {text!r}: {token!r} must be one "
                                 "whole field like {name} or :{name}")
            name, _, spec = body[1:-1].partition(":")
            options = set(spec.split("|")) - {""} if spec else set()
            if not name.isidentifier() or options - _OPTIONS:
                raise ValueError(f"invalid pattern {text!r}: bad field {token!r} "
                                 f"(options are {sorted(_OPTIONS)})")
            if trailing and index != len(raw_tokens) - 1:
                raise ValueError(f"invalid pattern {text!r}: only the last field may be :{{...}}")
            tokens.append(_Field(name, options, trailing))
        if not tokens or not isinstance(tokens[0], str):
            raise ValueError(f"invalid pattern {text!r}: must start with the command")
        self.tokens = tuple(tokens)
        self.fields = tuple(t for t in tokens if isinstance(t, _Field))
        self.names = frozenset(f.name for f in self.fields)
        if len(self.names) != len(self.fields):
            raise ValueError(f"invalid pattern {text!r}: a field name appears twice")
        self.required = frozenset(f.name for f in self.fields if not f.optional)

    def misplaced(self, kwargs: Mapping[str, Any]) -> tuple[str, str] | None:
        """``(given, missing)`` when a given field follows a left-out one.

        An optional value is only written when every optional field before
        it is written too; otherwise it would land in the wrong position.
        """
        skipped: str | None = None
        for field in self.fields:
            value = kwargs.get(field.name)
            if value is None or (field.flag and not value):
                skipped = skipped or field.name
            elif skipped is not None:
                return field.name, skipped
        return None


_PATTERNS: dict[str, list[_Pattern]] = {}


def register_pattern(command: str, template: str) -> None:
    """Teach ``send()`` a command, or another form of a known one.

    ``command`` is the name passed to ``send`` (case-insensitive);
    ``template`` uses the syntax described in this module, e.g.
    ``register_pattern("KNOCK", "KNOCK {channel} :{message:opt}")``.
    Forms with more fields are tried first.

    :raises ValueError: for a template that does not follow the syntax.
    """
    key = command.strip().upper()
    if not key or " " in key:
        raise ValueError(f"invalid command name {command!r}")
    compiled = _Pattern(template)
    forms = _PATTERNS.setdefault(key, [])
    forms.append(compiled)
    forms.sort(key=lambda form: len(form.names), reverse=True)


def known_commands() -> list[str]:
    """Every command ``send()`` has a pattern for, sorted."""
    return sorted(_PATTERNS)


def patterns(command: str) -> list[str]:
    """The templates of one command, in the order they are tried."""
    return [form.text for form in _PATTERNS.get(command.strip().upper(), ())]


# Values an error message must never repeat: they end up in logs.
_SECRET_FIELDS = frozenset({"password"})
_SECRET_COMMANDS = frozenset({"AUTHENTICATE", "PASS", "OPER"})


def _shown(command: str, name: str, value: object) -> str:
    """``value`` for an error message, unless it may be a secret."""
    if name in _SECRET_FIELDS or command in _SECRET_COMMANDS:
        return "<hidden>"
    return repr(value)


def _check_value(command: str, name: str, value: str) -> None:
    for char in _FORBIDDEN:
        if char in value:
            raise InvalidMessage(
                f"{command} not sent: {name}={_shown(command, name, value)} contains "
                f"{char!r}, which would end the line and start another command")


def _middle(command: str, name: str, value: str) -> str:
    if not is_middle(value):
        raise InvalidMessage(
            f"{command} not sent: {name}={_shown(command, name, value)} must be "
            "non-empty, without spaces and not start with ':'")
    return value


def _text(command: str, field: _Field, value: Any) -> str:
    """One field's value as wire text, validated for its position."""
    if isinstance(value, str):
        if field.upper and value.isascii():
            value = value.upper()
        # bottom 2/3 took a space-joined field as one string too
        # (params="+o nick"): its items are middle parameters each.
        items = value.split(" ") if field.joiner == " " and not field.trailing else None
    elif isinstance(value, (int, float)):
        value = str(value)
        items = None
    elif (field.joiner is not None and isinstance(value, Iterable)
          and not isinstance(value, (bytes, bytearray))):
        items = [str(item) for item in value]
    else:
        raise InvalidMessage(f"{command} not sent: {field.name}= must be a string, "
                             f"not {type(value).__name__} {_shown(command, field.name, value)}")
    if items is None:
        _check_value(command, field.name, value)
        return ":" + value if field.trailing else _middle(command, field.name, value)
    for item in items:
        _check_value(command, field.name, item)
        if not field.trailing:
            # A comma or space list is several middle parameters' worth of
            # text: each item must be a valid middle parameter on its own.
            _middle(command, field.name, item)
    if not items and not field.trailing:
        raise InvalidMessage(f"{command} not sent: {field.name}= is an empty list")
    text = field.joiner.join(items) if field.joiner else ""
    return ":" + text if field.trailing else text


def _format(form: _Pattern, command: str, kwargs: Mapping[str, Any]) -> str:
    """The line for a form ``_choose`` picked (so no value is misplaced)."""
    parts: list[str] = []
    for token in form.tokens:
        if not isinstance(token, _Field):
            parts.append(token)
            continue
        value = kwargs.get(token.name)
        if value is None or (token.flag and not value):
            continue
        parts.append(token.name if token.flag else _text(command, token, value))
    return " ".join(parts)


def _choose(command: str, kwargs: Mapping[str, Any]) -> _Pattern:
    forms = _PATTERNS.get(command)
    if forms is None:
        raise InvalidMessage(
            f"unknown command {command!r}: send() has no pattern for it; teach it "
            f"with bottom.register_pattern({command!r}, '{command} {{param}} :{{text}}') "
            "or use send_raw()")
    given = {name for name, value in kwargs.items() if value is not None}
    misplaced: tuple[str, str] | None = None
    for form in forms:
        if form.required <= given and given <= form.names:
            # A form that fits the names may still put a value where a
            # left-out optional field belongs; a later form may not.
            problem = form.misplaced(kwargs)
            if problem is None:
                return form
            misplaced = misplaced or problem
    if misplaced is not None:
        name, missing = misplaced
        raise InvalidMessage(f"{command} not sent: {name}= needs {missing}= "
                             "too, since it comes after it on the line")
    accepted = " or ".join(
        "(" + ", ".join(f"{n}=" if n in f.required else f"[{n}=]" for n in
                        [t.name for t in f.tokens if isinstance(t, _Field)]) + ")"
        for f in forms)
    raise InvalidMessage(f"{command} not sent: got {sorted(given) or 'no kwargs'}; "
                         f"it takes {accepted}")


def serialize(command: str, kwargs: Mapping[str, Any], *,
              tags: Mapping[str, str | None] | None = None,
              encoding: str = "utf-8",
              prefix_reserve: int = DEFAULT_PREFIX_RESERVE) -> list[str]:
    """Build the line(s) for ``send(command, **kwargs)``, without CRLF.

    Returns one line, except for PRIVMSG and NOTICE, whose ``message`` is
    split at newlines (CRLF, LF or a lone CR; empty pieces dropped) and
    then on word boundaries so each line, relayed with a
    ``prefix_reserve``-byte ``:nick!user@host`` in front, fits in 512
    bytes.

    :raises InvalidMessage: (a ``ValueError``) for an unknown command,
        missing or unexpected kwargs, CR/LF/NUL in a value, a bad middle
        parameter, or a line that cannot fit in 512 bytes.
    :raises TypeError: for a command that is not a str, tags that are not
        a mapping of str to str or None, or a bytes value.
    """
    key = check_command(command).strip().upper()
    check_tags(tags)
    check_send_values(command, kwargs)
    form = _choose(key, kwargs)
    tag_prefix = _tag_prefix(key, tags) if tags else ""
    message = kwargs.get("message")
    if key in _SPLIT_TEXT_COMMANDS and message is not None:
        if not isinstance(message, str):
            message = str(message)
        return _serialize_text(form, key, kwargs, message, tag_prefix, encoding,
                               prefix_reserve)
    line = _format(form, key, kwargs)
    _check_length(key, line, encoding, 0)
    return [tag_prefix + line]


def _tag_prefix(command: str, tags: Mapping[str, str | None]) -> str:
    data = format_tags(tags)
    size = len(data.encode("utf-8"))
    if size > MAX_CLIENT_TAG_BYTES:
        raise InvalidMessage(f"{command} not sent: tags take {size} bytes; "
                             f"clients may send at most {MAX_CLIENT_TAG_BYTES}")
    return "@" + data + " "


def _check_length(command: str, line: str, encoding: str, reserve: int) -> None:
    size = len(line.encode(encoding, "replace")) + 2 + reserve
    if size > MAX_LINE_BYTES:
        raise InvalidMessage(f"{command} not sent: the line is {size - 2 - reserve} bytes; "
                             f"IRC allows {MAX_LINE_BYTES - 2} plus CRLF")


def _serialize_text(form: _Pattern, command: str, kwargs: Mapping[str, Any],
                    message: str, tag_prefix: str, encoding: str,
                    prefix_reserve: int) -> list[str]:
    pieces = [piece for piece in
              message.replace("\r\n", "\n").replace("\r", "\n").split("\n") if piece]
    if not pieces:
        raise InvalidMessage(f"{command} not sent: message={message!r} has no text "
                             "(servers reject an empty message)")
    # Size the fixed part of the line with an empty message.
    head = _format(form, command, {**kwargs, "message": ""})
    budget = MAX_LINE_BYTES - 2 - prefix_reserve - len(head.encode(encoding, "replace"))
    if budget < 1:
        raise InvalidMessage(f"{command} not sent: no room left for text after {head!r}")
    lines = []
    for piece in pieces:
        _check_value(command, "message", piece)
        for chunk in split_text(piece, budget, encoding):
            lines.append(tag_prefix + head + chunk)
    return lines


def split_text(text: str, budget: int, encoding: str = "utf-8") -> list[str]:
    """Split text into pieces of at most ``budget`` encoded bytes.

    Cuts at the last space that fits (the space itself is dropped); only a
    word longer than a whole piece is cut inside, and never inside a
    character.  Joining the pieces with single spaces gives the text back
    when it was cut at spaces.

    :raises InvalidMessage: if one character needs more than ``budget``
        bytes.
    """
    if budget < 1:
        raise InvalidMessage(f"no room for text: budget is {budget} bytes")
    pieces = []
    while True:
        # A piece never holds more than ``budget`` characters (each is at
        # least one byte), so only that much is encoded per piece: a long
        # text costs linear time, not a re-encoding of the rest per piece.
        head = text[:budget + 1]
        data = head.encode(encoding, "replace")
        if len(data) <= budget and len(head) == len(text):
            pieces.append(text)
            return pieces
        # The longest whole-character prefix that fits: decoding a cut
        # buffer with "ignore" drops only the partial last character.
        fits = len(data[:budget].decode(encoding, "ignore"))
        space = text.rfind(" ", 0, fits + 1)
        if 0 < space < len(text) - 1:  # a space with text after it: cut there
            pieces.append(text[:space])
            text = text[space + 1:]
        elif fits:
            pieces.append(text[:fits])
            text = text[fits:]
        else:
            raise InvalidMessage(f"{text[0]!r} needs more than the {budget} bytes left "
                                 "for text on the line")
        if not text:
            return pieces


def check_raw_line(line: str, encoding: str = "utf-8") -> str:
    """Validate a line for ``send_raw`` and return it.

    :raises InvalidMessage: if the line is empty, contains CR, LF or NUL
        anywhere (the client adds CRLF itself), or is over 512 bytes with
        CRLF, not counting a tag section.
    :raises TypeError: if ``line`` is not a str.
    """
    check_raw(line)
    for char in _FORBIDDEN:
        if char in line:
            # Tags, source and command come first: a PASS line is not repeated.
            shown = ("<hidden>" if any(word.upper() in _SECRET_COMMANDS
                                       for word in line.split(" ", 3)[:3]) else repr(line))
            raise InvalidMessage(f"raw line not sent: it contains {char!r}, which would "
                                 f"split it into several commands: {shown}")
    if not line.strip(" "):
        raise InvalidMessage("raw line not sent: it is empty")
    body = line.partition(" ")[2] if line.startswith("@") else line
    _check_length("raw line", body, encoding, 0)
    return line


def _load_table() -> None:
    for command, forms in PATTERNS.items():
        for form in forms:
            register_pattern(command, form)


_load_table()
