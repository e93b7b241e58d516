"""The server's RPL_ISUPPORT (005) tokens as a mapping with typed helpers.

Pure: no I/O, no asyncio.  A server sends its features as ``KEY=VALUE``
tokens over one or more 005 lines, during registration and again whenever
they change.  :class:`ISupport` keeps the current set and reads the tokens
a client needs (``PREFIX``, ``CHANTYPES``, ``CASEMAPPING``, lengths and
limits) with the defaults of RFC 1459/2812 and ircdocs' "Modern IRC" when
the server leaves a token out.

Nothing here raises on what a server sends: a malformed value reads as the
token's default, so a hostile or buggy 005 can never break a client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .casemap import casefold
from .interning import SHARE_MAX_ENTRIES, Bound, InternTable

__all__ = ["ISupport", "unescape_value", "MAX_ISUPPORT_TOKENS", "MAX_ISUPPORT_CHARS"]

#: The most tokens one connection keeps; real servers send 30 to 60.
MAX_ISUPPORT_TOKENS = 1024
#: The most characters (keys and values) one connection keeps.
MAX_ISUPPORT_CHARS = 64 * 1024

_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")

_DEFAULT_PREFIX = (("o", "@"), ("v", "+"))
# RFC 1459's channel modes by ISUPPORT type: A list, B always a parameter,
# C a parameter when set, D never one (o and v come from PREFIX).
_DEFAULT_CHANMODES = ("b", "k", "l", "imnpst")


def unescape_value(value: str) -> str:
    """Undo 005 value escaping: ``\\xHH`` is the character with hex code HH.

    ``\\x20`` is a space, ``\\x3D`` is ``=``, ``\\x5C`` is a backslash.  A
    backslash not followed by ``x`` and two hex digits stays as it is.
    """
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _positive_int(value: str | None) -> int | None:
    """``value`` as an int > 0, or None when absent, empty or malformed."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    try:
        number = int(value)
    except ValueError:  # more digits than int() will parse
        return None
    return number if number > 0 else None


class _Tokens:
    """A server's tokens and what the properties derived from them.

    Shared by every ISupport that holds equal tokens (a bridge's thousand
    connections to one server hold one), so never changed in place once
    shared: ``update`` makes a new one.  A table too big to share belongs
    to one ISupport, which changes it in place.
    """

    __slots__ = ("tokens", "derived", "__weakref__")

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        #: property name -> immutable value computed from ``tokens``
        self.derived: dict[str, Any] = {}


_NO_TOKENS = _Tokens({})
_TOKENS: InternTable[_Tokens] = InternTable(weak=True)


class ISupport(Mapping[str, str]):
    """The 005 tokens the server has sent: token -> value.

    A valueless token (``PENALTY``) maps to ``""``, as does ``KEY=``; values
    are unescaped (``\\x20`` -> space); keys are kept exactly as sent (the
    spec makes them case-sensitive; servers send them upper-case).  Read
    the mapping for any token and the properties for the common ones: each
    property returns the spec's default when the token is absent or its
    value is malformed, and never raises.
    """

    __slots__ = ("_state", "_private", "_bound")

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        """Start empty, or from ``tokens`` as :meth:`update` takes them."""
        self._state = _NO_TOKENS
        # True while _state is too big to share and so ours to change.
        self._private = False
        # Made by the first update: most ISupports are shared and idle.
        self._bound: Bound | None = None
        if tokens:
            self.update(tokens)

    @property
    def _tokens(self) -> Mapping[str, str]:
        return self._state.tokens

    # --- the mapping ------------------------------------------------------

    def __getitem__(self, key: str) -> str:
        return self._tokens[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._tokens!r})"

    def update(self, tokens: Iterable[str]) -> None:
        """Apply the tokens of one 005 line, in order.

        Pass the parameters between the leading nick and the trailing text
        (``params[1:-1]``).  ``KEY=VALUE`` sets a value, ``KEY`` and ``KEY=``
        set ``""``, ``-KEY`` removes KEY.  Empty tokens, tokens with an
        empty key and tokens containing a space (such as a trailing ``are
        supported by this server`` passed by mistake) are skipped.  Never
        raises.

        Bounded: at most :data:`MAX_ISUPPORT_TOKENS` tokens and
        :data:`MAX_ISUPPORT_CHARS` characters are kept (one WARNING, then
        further new tokens are ignored); a line costs time in proportion
        to its own tokens, however many came before.
        """
        bound = self._bound
        if bound is None:
            bound = self._bound = Bound("ISUPPORT tokens", MAX_ISUPPORT_TOKENS,
                                        MAX_ISUPPORT_CHARS)
        if self._private:
            state = self._state
            state.derived.clear()
        else:
            # Shared, hence small: copying it is cheap.
            state = _Tokens(dict(self._state.tokens))
            bound.count(state.tokens)
        table = state.tokens
        for token in tokens:
            if " " in token:
                continue
            if token.startswith("-"):
                key = token[1:].partition("=")[0]
                if key:
                    bound.remove(table, key)
                continue
            key, _, value = token.partition("=")
            if key:
                bound.put(table, key, unescape_value(value))
        self._private = len(table) > SHARE_MAX_ENTRIES
        if self._private:
            self._state = state
        else:
            self._state = _TOKENS.get(frozenset(table.items()), state)

    def clear(self) -> None:
        """Forget every token, as for a new connection."""
        self._state = _NO_TOKENS
        self._private = False
        self._bound = None

    # --- typed helpers ------------------------------------------------------

    def _int(self, key: str, default: int) -> int:
        value = _positive_int(self._tokens.get(key))
        return default if value is None else value

    @property
    def casemapping(self) -> str:
        """``CASEMAPPING``, lower-cased; ``"rfc1459"`` when absent or empty."""
        return self._tokens.get("CASEMAPPING", "").lower() or "rfc1459"

    @property
    def prefix(self) -> dict[str, str]:
        """``PREFIX`` as channel mode -> status symbol, highest rank first.

        ``(qaohv)~&@%+`` gives ``{"q": "~", "a": "&", "o": "@", "h": "%",
        "v": "+"}``.  ``{"o": "@", "v": "+"}`` when absent or malformed
        (no parentheses, or as many modes as symbols); ``{}`` for an empty
        value, which means the server has no status prefixes.  A new dict
        each call.
        """
        return dict(self._prefix())

    def _prefix(self) -> tuple[tuple[str, str], ...]:
        cached: tuple[tuple[str, str], ...] | None = self._state.derived.get("PREFIX")
        if cached is None:
            cached = self._state.derived["PREFIX"] = self._parse_prefix()
        return cached

    def _parse_prefix(self) -> tuple[tuple[str, str], ...]:
        value = self._tokens.get("PREFIX")
        if value is None:
            return _DEFAULT_PREFIX
        if not value:
            return ()
        modes, close, symbols = value[1:].partition(")")
        if not value.startswith("(") or not close or len(modes) != len(symbols):
            return _DEFAULT_PREFIX
        return tuple(zip(modes, symbols, strict=True))

    def _prefix_symbols(self) -> str:
        symbols: str | None = self._state.derived.get("PREFIX_SYMBOLS")
        if symbols is None:
            symbols = self._state.derived["PREFIX_SYMBOLS"] = "".join(s for _, s in self._prefix())
        return symbols

    @property
    def chantypes(self) -> str:
        """``CHANTYPES``: the characters that start a channel name.

        ``"#&"`` when absent; ``""`` for an empty value (no channels).
        """
        return self._tokens.get("CHANTYPES", "#&")

    @property
    def chanmodes(self) -> tuple[str, str, str, str]:
        """``CHANMODES`` as the four mode groups ``(A, B, C, D)``.

        A: list modes (always a parameter), B: always a parameter, C: a
        parameter when set, D: never a parameter.  Missing groups are
        ``""`` and groups past the fourth are ignored, as the spec asks.
        When absent: RFC 1459's ``("b", "k", "l", "imnpst")``.
        """
        value = self._tokens.get("CHANMODES")
        if value is None:
            return _DEFAULT_CHANMODES
        groups = [*value.split(",", 4)[:4], "", "", "", ""]
        return groups[0], groups[1], groups[2], groups[3]

    @property
    def network(self) -> str | None:
        """``NETWORK``, the network's name; None when absent or empty."""
        return self._tokens.get("NETWORK") or None

    @property
    def nicklen(self) -> int:
        """``NICKLEN``, the longest nick the server accepts; 9 by default (RFC 1459)."""
        return self._int("NICKLEN", 9)

    @property
    def channellen(self) -> int | None:
        """``CHANNELLEN``; None when absent, empty or malformed (no known limit)."""
        return _positive_int(self._tokens.get("CHANNELLEN"))

    @property
    def topiclen(self) -> int | None:
        """``TOPICLEN``; None when absent, empty or malformed (no known limit)."""
        return _positive_int(self._tokens.get("TOPICLEN"))

    @property
    def kicklen(self) -> int | None:
        """``KICKLEN``; None when absent, empty or malformed (no known limit)."""
        return _positive_int(self._tokens.get("KICKLEN"))

    @property
    def awaylen(self) -> int | None:
        """``AWAYLEN``; None when absent, empty or malformed (no known limit)."""
        return _positive_int(self._tokens.get("AWAYLEN"))

    @property
    def modes(self) -> int | None:
        """``MODES``: parameter modes per MODE command.

        3 when absent or malformed (RFC 1459); None when valueless, which
        means no limit.
        """
        value = self._tokens.get("MODES")
        if value is None:
            return 3
        if not value:
            return None
        return self._int("MODES", 3)

    @property
    def linelen(self) -> int:
        """``LINELEN``: the longest line in bytes, CRLF included; 512 by default."""
        return self._int("LINELEN", 512)

    @property
    def targmax(self) -> dict[str, int | None]:
        """``TARGMAX`` as command -> most targets per command (None: no limit).

        ``PRIVMSG:4,NOTICE:4,JOIN:`` gives ``{"PRIVMSG": 4, "NOTICE": 4,
        "JOIN": None}``.  Commands are upper-cased; an entry with a
        malformed limit or no command is left out, so a missing command
        means "unknown", never "unlimited".  ``{}`` when absent.
        """
        limits: dict[str, int | None] = {}
        for item in self._tokens.get("TARGMAX", "").split(","):
            command, _, limit = item.partition(":")
            if not command:
                continue
            if not limit:
                limits[command.upper()] = None
            elif (number := _positive_int(limit)) is not None:
                limits[command.upper()] = number
        return limits

    @property
    def statusmsg(self) -> str:
        """``STATUSMSG``: symbols that may prefix a channel to message its ops; ``""``."""
        return self._tokens.get("STATUSMSG", "")

    @property
    def maxlist(self) -> dict[str, int]:
        """``MAXLIST`` as list mode -> most entries.

        ``beI:50`` gives ``{"b": 50, "e": 50, "I": 50}``; entries with a
        malformed limit are left out; ``{}`` when absent.
        """
        limits: dict[str, int] = {}
        for item in self._tokens.get("MAXLIST", "").split(","):
            modes, _, limit = item.partition(":")
            number = _positive_int(limit)
            if number is not None:
                for mode in modes:
                    limits[mode] = number
        return limits

    @property
    def excepts(self) -> str | None:
        """``EXCEPTS``: the ban-exception mode; ``"e"`` when valueless, None when absent."""
        value = self._tokens.get("EXCEPTS")
        return None if value is None else value or "e"

    @property
    def invex(self) -> str | None:
        """``INVEX``: the invite-exception mode; ``"I"`` when valueless, None when absent."""
        value = self._tokens.get("INVEX")
        return None if value is None else value or "I"

    @property
    def monitor(self) -> int | None:
        """``MONITOR``: most nicks on the monitor list.

        None when valueless (no limit) and also when absent or malformed:
        test ``"MONITOR" in isupport`` to know whether MONITOR exists.
        """
        return _positive_int(self._tokens.get("MONITOR"))

    # --- names ------------------------------------------------------------

    def is_channel(self, name: str) -> bool:
        """Whether ``name`` starts with one of :attr:`chantypes`."""
        return bool(name) and name[0] in self.chantypes

    def fold(self, name: str) -> str:
        """``name`` folded by this server's :attr:`casemapping` (see :mod:`bottom.casemap`)."""
        return casefold(name, self.casemapping)

    def nick_equal(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` are the same nick (or channel) on this server."""
        mapping = self.casemapping
        return casefold(a, mapping) == casefold(b, mapping)

    def split_prefixes(self, name: str) -> tuple[str, str]:
        """Split status symbols off a NAMES or WHO entry: ``"@+nick"`` -> ``("@+", "nick")``.

        Every leading character that is a :attr:`prefix` symbol is taken,
        even one that is also a channel type (ngircd's ``&`` is both), so
        ``"&@nick"`` gives ``("&@", "nick")``.  Meant for nicks, which never
        start with a symbol; a STATUSMSG target like ``"@#chan"`` splits the
        same way.
        """
        symbols = self._prefix_symbols()
        end = 0
        while end < len(name) and name[end] in symbols:
            end += 1
        return name[:end], name[end:]
