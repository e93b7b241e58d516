"""The contract bound: the least any client must do to call ``def h(**kwargs)``
the way bottom's events promise, in the same harness as the floors.

``dispatch --mode sync``: a bare :class:`asyncio.Protocol` that decodes
each read as UTF-8 text, splits it into lines on CRLF, and for every line
decodes the IRCv3 tags into a dict (empty when the line has none), cuts
the line at its first ``" :"`` and calls ``def h(**kwargs)`` with the six
keywords a PRIVMSG event has (``tags, nick, user, host, target,
message``).  It does less than any real client: the sender and target are
not taken apart (the line's head is passed for all four), nothing is
checked, no tag value is unescaped, no time budget is kept.  So its rate
is an upper limit for a client that keeps bottom's event contract in pure
Python, and bench/dispatch.py reports how close bottom's ``**kwargs``
handlers come to it.

What separates this bound from the bare floor (which neither decodes nor
builds a keyword dict) is CPython's own work: one decode and one split
per read, one partition per line (two with tags) and the handler's
``**kwargs`` dict, which CPython builds from empty on every call and
resizes at the sixth keyword.  Standard library only, like floor.py.
"""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Callable
from typing import Any

import floor
import harness
from harness import Counter, Options

_NO_TAGS: dict[str, str] = {}


class _Events(asyncio.Protocol):
    """Decode, split into lines, call ``handler`` with a PRIVMSG's kwargs."""

    def __init__(self, handler: Callable[..., Any], lost: Callable[[], None]) -> None:
        self.handler = handler
        self.lost = lost
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        end = data.rfind(b"\n") + 1  # whole lines only: a read may end inside a character
        if not end:
            self.pending += data
            return
        text = (self.pending + data[:end]).decode("utf-8", "replace")
        self.pending = data[end:]
        handler = self.handler
        for line in text.split("\r\n"):
            if not line:
                continue
            if line[0] == "@":
                tag_text, _, line = line.partition(" ")
                tags = {}
                for item in tag_text[1:].split(";"):
                    key, _, value = item.partition("=")
                    tags[key] = value
            else:
                tags = _NO_TAGS
            head, _, message = line.partition(" :")
            handler(tags=tags, nick=head, user=head, host=head, target=head, message=message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost()


async def sync(port: int, counter: Counter, options: Options) -> None:
    def handler(**kwargs: Any) -> None:
        counter.hit()

    await floor._blast(port, counter, handler, _Events)


if __name__ == "__main__":
    harness.main("bound", platform.python_version(), sync=sync,
                 notes="decode, tags dict, one partition, def h(**kwargs) with six keywords")
