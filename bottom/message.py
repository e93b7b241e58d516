"""One IRC line <-> :class:`Message`, with IRCv3 tag escaping.

Pure: no I/O, no asyncio.  The grammar is the one modern servers speak
(RFC 1459/2812 plus IRCv3 message tags)::

    ['@' tags ' '] [':' source ' '] command {' ' middle} [' :' trailing]

Parsing is lenient the way servers are (runs of spaces separate
parameters, a missing value makes a tag ``""``); formatting is strict,
because a line we write must mean exactly one thing to every server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import InvalidMessage

__all__ = [
    "Message",
    "split_source",
    "escape_tag_value",
    "unescape_tag_value",
    "format_tags",
    "parse_tags",
    "is_middle",
]

_UNESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_ESCAPES = str.maketrans({";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"})


def unescape_tag_value(value: str) -> str:
    """Undo IRCv3 tag-value escaping.

    ``\\:`` ``\\s`` ``\\\\`` ``\\r`` ``\\n`` map back to their characters; a
    backslash before any other character is dropped and the character
    kept; a lone trailing backslash is dropped.
    """
    if "\\" not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            out.append(_UNESCAPES.get(escaped, escaped))
        else:
            out.append(char)
    return "".join(out)


def escape_tag_value(value: str) -> str:
    """Escape a tag value so it survives inside ``@key=value;...``."""
    return value.translate(_ESCAPES)


def parse_tags(text: str) -> dict[str, str]:
    """Parse the part of a line between ``@`` and the first space.

    A tag without ``=`` (or with an empty value) maps to ``""``; when a key
    repeats, the last value wins; empty items between ``;`` are skipped.
    """
    tags: dict[str, str] = {}
    if "\\" in text:
        for item in text.split(";"):
            key, _, value = item.partition("=")
            if key:
                tags[key] = unescape_tag_value(value)
        return tags
    for item in text.split(";"):
        key, _, value = item.partition("=")
        if key:
            tags[key] = value
    return tags


def format_tags(tags: Mapping[str, str | None]) -> str:
    """Format tags as they go after ``@`` (no ``@``, no trailing space).

    A value of ``""`` or ``None`` is written as the bare key, which the
    spec defines as the same thing.

    :raises InvalidMessage: for an empty key or a key with a character
        that would end the tag section (space, ``;``, ``=``, CR, LF, NUL).
    """
    items = []
    for key, value in tags.items():
        if not key or any(c in key for c in " ;=\r\n\0"):
            raise InvalidMessage(f"invalid tag key {key!r}: keys must be non-empty "
                                 "with no space, ';', '=', CR, LF or NUL")
        if value:
            if "\0" in value:
                raise InvalidMessage(f"tag {key!r} has a NUL in its value")
            items.append(f"{key}={escape_tag_value(value)}")
        else:
            items.append(key)
    return ";".join(items)


def split_source(source: str | None) -> tuple[str | None, str | None, str | None]:
    """Split ``nick!user@host`` into ``(nick, user, host)``.

    A part the source lacks is ``None`` (a server name is all nick); so is a
    part that is present but empty, so ``!@`` never passes for a real
    nick.  IPv6 hosts keep their colons: only the first ``!`` and the
    first ``@`` after it split.
    """
    if not source:
        return None, None, None
    nick, bang, rest = source.partition("!")
    if bang:
        user, at, host = rest.partition("@")
        if not at:
            return nick or None, user or None, None
        return nick or None, user or None, host or None
    nick, at, host = nick.partition("@")
    return nick or None, None, (host or None) if at else None


def is_middle(param: str) -> bool:
    """True if ``param`` may be a middle parameter: not empty, no space, and
    not starting with ``:`` (only the last parameter may be any of those).
    The one place this rule is written; ``send()`` checks with it too."""
    return bool(param) and " " not in param and param[0] != ":"


class _MessageSlots:
    """The storage of a :class:`Message`, without its freeze.

    :meth:`Message.parse` fills one of these with plain slot stores and
    then makes it a Message (``__class__`` assignment, same layout), so the
    freeze costs one assignment per line instead of a call per field.
    """

    __slots__ = ("_tags", "_tag_text", "source", "command", "params")

    _tags: dict[str, str] | None
    _tag_text: str
    source: str | None
    command: str
    params: tuple[str, ...]


_new_slots = object.__new__


def _slot_setter(name: str) -> Callable[[object, object], None]:
    """The slot's own setter, which the freeze in Message.__setattr__
    cannot see: how Message's own code fills a Message."""
    setter: Callable[[object, object], None] = vars(_MessageSlots)[name].__set__
    return setter


_set_tags = _slot_setter("_tags")
_set_tag_text = _slot_setter("_tag_text")
_set_source = _slot_setter("source")
_set_command = _slot_setter("command")
_set_params = _slot_setter("params")


class Message(_MessageSlots):
    """One IRC line: ``tags``, ``source``, ``command`` and ``params``.

    Immutable: handlers and middleware share one Message, so assigning or
    deleting a field raises :class:`AttributeError`; build a new one
    instead (see :meth:`replace`).  The ``tags`` dict is the one mutable
    part; treat it as read-only too.  Messages compare equal when all four
    fields are equal; they are not hashable because ``tags`` is a dict.

    ``tags`` is a dict (``{}`` for a line without tags), ``source`` is the
    prefix without its ``:`` or ``None``, ``command`` is the command as
    sent (case kept), ``params`` is a tuple of strings with the trailing
    parameter last.  A parsed line's tags are decoded when ``tags`` is
    first read, so code that never reads them never pays for them.
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # tags is a dict

    def __init__(
        self,
        command: str,
        params: Iterable[str] = (),
        tags: Mapping[str, str] | None = None,
        source: str | None = None,
    ) -> None:
        _set_command(self, command)
        _set_params(self, params if type(params) is tuple else tuple(params))
        _set_tags(self, dict(tags) if tags else {})
        _set_source(self, source)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Message is immutable: cannot set {name!r}; "
                             "use msg.replace(...) for a changed copy")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Message is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through __init__ (the default
        # would set the slots one by one, which the freeze refuses).
        return (type(self), (self.command, self.params, self.tags, self.source))

    @property
    def tags(self) -> dict[str, str]:
        """The IRCv3 tags, unescaped (``{}`` for a line without tags)."""
        tags = self._tags
        if tags is None:
            tags = parse_tags(self._tag_text[1:])
            _set_tags(self, tags)
        return tags

    @classmethod
    def parse(cls, line: str) -> Message:
        """Parse one line (without its CRLF) into a Message.

        :raises InvalidMessage: (a ``ValueError``) for an empty line, or a
            line that has tags or a source but no command.
        """
        original = line
        first = line[0] if line else ""
        tag_text = ""
        if first == "@":
            tag_text, _, line = line.partition(" ")
            first = line[0] if line else ""
            if first == " ":
                line = line.lstrip(" ")
                first = line[:1]
        source = None
        if first == ":":
            # (spaces after the source are dropped below, with the command)
            source, _, line = line.partition(" ")
            source = source[1:] or None
        # Everything after the first " :" is one parameter, spaces and all.
        head, colon, trailing = line.partition(" :")
        command, _, middle = head.partition(" ")
        if not command:  # spaces before the command, or no command at all
            command, _, middle = head.lstrip(" ").partition(" ")
            if not command:
                if not original.strip(" "):
                    raise InvalidMessage("empty line")
                raise InvalidMessage(f"no command in line {original!r}")
        if " " not in middle:  # no middle parameter or one: no list needed
            if middle:
                params: tuple[str, ...] = (middle, trailing) if colon else (middle,)
            else:
                params = (trailing,) if colon else ()
        else:
            words = middle.split(" ")
            if "" in words:  # runs of spaces, or spaces at the end
                words = [word for word in words if word]
            if colon:
                words.append(trailing)
            params = tuple(words)
        if command[0] not in _COMMAND_START and (command[0] == ":" or command.isspace()):
            # ":src :text" - the source is followed by a trailing, not a
            # command; "\r" - what is left of a "\r\r\n" blank line.
            raise InvalidMessage(f"no command in line {original!r}")
        if cls is not Message:
            return cls._from_parts(tag_text, source, command, params)
        msg = _MessageSlots()  # (cheaper than object.__new__(_MessageSlots))
        if tag_text:
            msg._tags = None  # decoded on first read of .tags
            msg._tag_text = tag_text
        else:
            msg._tags = {}
        msg.source = source
        msg.command = command
        msg.params = params
        msg.__class__ = Message  # frozen from here on
        return msg  # type: ignore[return-value]

    @classmethod
    def _from_parts(cls, tag_text: str, source: str | None, command: str,
                    params: tuple[str, ...]) -> Message:
        """parse() for a subclass, whose layout may differ from Message's."""
        msg = _new_slots(cls)
        _set_tags(msg, None if tag_text else {})
        _set_tag_text(msg, tag_text)
        _set_source(msg, source)
        _set_command(msg, command)
        _set_params(msg, params)
        return msg

    @property
    def nick(self) -> str | None:
        """Nick from the source, or ``None`` (see :func:`split_source`)."""
        return split_source(self.source)[0]

    @property
    def user(self) -> str | None:
        """User (ident) from the source, or ``None``."""
        return split_source(self.source)[1]

    @property
    def host(self) -> str | None:
        """Host from the source, or ``None``."""
        return split_source(self.source)[2]

    def replace(self, **changes: object) -> Message:
        """Return a copy with some of ``command, params, tags, source`` changed."""
        fields: dict[str, object] = {"command": self.command, "params": self.params,
                                     "tags": self.tags, "source": self.source}
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"Message has no field(s) {sorted(unknown)}")
        fields.update(changes)
        return Message(**fields)  # type: ignore[arg-type]

    def __str__(self) -> str:
        """The line again, without CRLF; tags escaped, ``:`` only where needed.

        Strict: a message that could not be read back as itself raises
        :class:`InvalidMessage` instead of producing a different line.
        """
        parts = []
        if self.tags:
            parts.append("@" + format_tags(self.tags))
        if self.source is not None:
            if not self.source or " " in self.source:
                raise InvalidMessage(f"invalid source {self.source!r}")
            parts.append(":" + self.source)
        command = self.command
        if not command or " " in command or command[0] in ":@":
            raise InvalidMessage(f"invalid command {command!r}")
        parts.append(command)
        params = self.params
        if params:
            for param in params[:-1]:
                if not is_middle(param):
                    raise InvalidMessage(
                        f"middle parameter {param!r} of {command} is empty, has a space "
                        "or starts with ':'; only the last parameter may")
                parts.append(param)
            last = params[-1]
            if not is_middle(last):
                last = ":" + last
            parts.append(last)
        line = " ".join(parts)
        if "\r" in line or "\n" in line or "\0" in line:
            raise InvalidMessage(f"{command} line contains CR, LF or NUL: {line!r}")
        return line

    def __repr__(self) -> str:
        return (f"Message(command={self.command!r}, params={self.params!r}, "
                f"tags={self.tags!r}, source={self.source!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.command == other.command and self.params == other.params
                and self.source == other.source and self.tags == other.tags)


# The first character of an ordinary command: parse() looks closer only
# at a command that starts otherwise.
_COMMAND_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
