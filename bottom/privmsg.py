"""The plain PRIVMSG shortcut: a line to its event without a Message.

Busy channels are almost all ``[@tags ]:nick!user@host PRIVMSG #chan
:text`` lines, and this is what the hot path does with them: the line is
cut at its first ``" :"``, the head before it is looked up in a bounded
cache of senders, and the tags stay text until someone reads them.  What
it gives always equals ``message_to_event(Message.parse(line))``, which
property tests hold it to; anything not of exactly that shape is None
here and goes the general way.  Pure: no I/O, no asyncio.
"""

from __future__ import annotations

from typing import Any

from .events import CACHE_LIMIT, MAX_CACHED_KEY
from .message import parse_tags, split_source

__all__ = ["PRIVMSG_KWARGS", "Sender", "decode_tags", "privmsg_event", "privmsg_head",
           "privmsg_head_cached", "privmsg_parts"]

#: The kwargs of a plain PRIVMSG, in the order the events table gives them.
PRIVMSG_KWARGS = ("tags", "nick", "user", "host", "target", "message")

#: Who sent a plain PRIVMSG and to whom: ``(nick, user, host, target)``.
Sender = tuple[str | None, str | None, str | None, str]

# The head of a plain PRIVMSG (the line up to its " :", tags cut off:
# ":nick!user@host PRIVMSG #chan") -> its Sender.  The same few hundred
# people talk in the same few channels, so most lines of a busy channel
# cost one partition and one lookup here.  Bounded: cleared at the limit,
# and a head longer than MAX_CACHED_KEY is mapped but never kept, so a
# hostile server cannot make the cache hold more than CACHE_LIMIT short keys.
_HEADS: dict[str, Sender] = {}
#: ``_HEADS.get``, bound once: the client's hot path calls it per line.
privmsg_head_cached = _HEADS.get


def privmsg_head(head: str) -> Sender | None:
    """The :data:`Sender` of a plain PRIVMSG line's head, or None.

    ``head`` is the line before its first ``" :"``, without tags; it must
    be exactly ``:source PRIVMSG target`` (single spaces, a non-empty
    source, the command spelled so).  Anything else is None: the general
    path (``Message.parse``) decides what it is.  Remembered in a bounded
    cache (see :data:`privmsg_head_cached`).
    """
    who = _HEADS.get(head)
    if who is not None:
        return who
    try:
        prefix, command, target = head.split(" ")
    except ValueError:  # not three words
        return None
    if command != "PRIVMSG" or not target or target[0] == ":" or prefix[:1] != ":" \
            or len(prefix) == 1:
        return None
    nick, user, host = split_source(prefix[1:])
    who = (nick, user, host, target)
    if len(head) <= MAX_CACHED_KEY:
        if len(_HEADS) >= CACHE_LIMIT:
            _HEADS.clear()
        _HEADS[head] = who
    return who


def privmsg_parts(line: str) -> tuple[str, Sender, str] | None:
    """A plain PRIVMSG line as ``(tag section, sender, text)``, or None.

    The tag section is as sent, ``@`` included (``""`` for none), for
    :func:`decode_tags` to decode only if someone reads the tags.  None
    for anything but ``[@tags ]:source PRIVMSG target :text``: another
    command, a CTCP, runs of spaces, no ``:`` before the text, or tags
    naming a ``batch`` or ``label`` (such a line belongs to a batch or a
    request, which need its :class:`~bottom.Message`; a match may also be
    a value or part of a key, never a miss).

    ``Incoming._on_line`` does the same inline (one call less per line);
    a test holds the two together.
    """
    if line[:1] == "@":
        tag_text, _, rest = line.partition(" ")
        if "batch" in tag_text or "label" in tag_text:
            return None
        head, colon, text = rest.partition(" :")
    else:
        tag_text = ""
        head, colon, text = line.partition(" :")
    if not colon or text[:1] == "\x01":
        return None
    who = privmsg_head(head)
    return None if who is None else (tag_text, who, text)


def decode_tags(tag_text: str) -> dict[str, str]:
    """The tags of a tag section as :func:`privmsg_parts` gives it."""
    return parse_tags(tag_text[1:]) if tag_text else {}


def privmsg_event(line: str) -> dict[str, Any] | None:
    """The PRIVMSG kwargs of one line, in :data:`PRIVMSG_KWARGS` order, or
    None where :func:`privmsg_parts` is None.  Where it gives kwargs they
    equal ``message_to_event(Message.parse(line))[1]``."""
    parts = privmsg_parts(line)
    if parts is None:
        return None
    tag_text, who, text = parts
    return dict(zip(PRIVMSG_KWARGS, (decode_tags(tag_text), *who, text), strict=True))
