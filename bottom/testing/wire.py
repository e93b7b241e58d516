"""What the test server's lines look like: formatting, folding, defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from ..message import format_tags

_HOST = "127.0.0.1"
_VERSION = "bottom-testing"
DEFAULT_MOTD = ("Welcome to the bottom test server",)
DEFAULT_CAPS = ("message-tags", "server-time", "multi-prefix", "cap-notify", "echo-message",
                "sasl", "away-notify", "account-notify", "extended-join", "chghost",
                "setname", "batch", "userhost-in-names", "draft/chathistory")
#: 005 tokens before ``isupport=`` overrides; NETWORK comes from ``network=``.
DEFAULT_ISUPPORT: Mapping[str, str] = {
    "AWAYLEN": "200", "CASEMAPPING": "rfc1459", "CHANLIMIT": "#:20", "CHANMODES": "b,k,l,imnpst",
    "CHANNELLEN": "64", "CHANTYPES": "#", "KICKLEN": "255", "LINELEN": "512", "MODES": "20",
    "NETWORK": "TestNet", "NICKLEN": "30", "PREFIX": "(ov)@+", "TOPICLEN": "307", "WHOX": "",
}
_NICK_SPECIAL = "[]\\`^{}|_"
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~", "abcdefghijklmnopqrstuvwxyz{}|^")
_CHANNEL_FLAGS = "imnpst"
_USER_FLAGS = "iw"
_PRE_REGISTRATION = frozenset({"CAP", "AUTHENTICATE", "PASS", "NICK", "USER", "PING", "PONG",
                               "QUIT"})
_SASL_CHUNK = 400
_LS_BYTES = 400


def _fold(name: str) -> str:
    """The rfc1459 casemapping key: ``Nick[`` and ``nick{`` are the same nick."""
    return name.translate(_FOLD)


def _valid_nick(nick: str, nicklen: int) -> bool:
    def ok(char: str) -> bool:
        return char.isascii() and (char.isalpha() or char in _NICK_SPECIAL)
    return (0 < len(nick) <= nicklen and ok(nick[0])
            and all(ok(c) or c.isdigit() or c == "-" for c in nick))


def _now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _format(tags: Mapping[str, str], source: str | None, command: str,
            params: tuple[str, ...], colon: bool = True) -> str:
    # inspircd puts ":" before every last parameter ("JOIN :#c", "MODE #c +o :n");
    # clients must read both forms, so the double sends the one that is harder.
    parts = ["@" + format_tags(tags)] if tags else []
    if source:
        parts.append(":" + source)
    parts.append(command)
    if params:
        last = params[-1]
        parts.extend(params[:-1])
        parts.append(":" + last if colon or not last or " " in last or last[0] == ":" else last)
    return " ".join(parts)


def _chunks(words: Iterable[str], limit: int) -> list[str]:
    """Join words with spaces into strings of at most ``limit`` bytes (at least one)."""
    chunks = [""]
    for word in words:
        if chunks[-1] and len(f"{chunks[-1]} {word}".encode()) > limit:
            chunks.append(word)
        else:
            chunks[-1] = f"{chunks[-1]} {word}" if chunks[-1] else word
    return chunks


def _mode_string(changes: list[str]) -> str:
    """``["+o", "+v", "-m"]`` -> ``"+ov-m"``."""
    out, sign = "", ""
    for change in changes:
        if change[0] != sign:
            sign = change[0]
            out += sign
        out += change[1]
    return out


def _prefix(modes: str, multi: bool) -> str:
    prefix = ("@" if "o" in modes else "") + ("+" if "v" in modes else "")
    return prefix if multi else prefix[:1]

