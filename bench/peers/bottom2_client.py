"""bottom 2.2 (Python 3.9: it passes ``loop=`` to ``asyncio.Event``).

``@client.on("PRIVMSG")`` with a plain function (bottom 2 wraps it in a
coroutine) or a coroutine function; either way bottom 2 starts one Task
for the line's middleware and one per handler call.  It cannot parse
IRCv3 tags (a tagged line is dropped as an unknown command), so it is
given the untagged stream and, for ``parse``, the untagged corpus lines.
Handlers must take ``**kwargs`` in this version (the ``kwargs`` form;
``def h(message)`` and ``def h(nick, target, message)`` are not
supported).  ``parse``: ``bottom.unpack.unpack_command`` (line -> event and kwargs).
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from typing import Any

import harness
from harness import HOST, Counter, Options

import bottom
from bottom import unpack


async def _blast(client: Any, counter: Counter) -> None:
    client.on("client_disconnect", lambda **kwargs: counter.fail("connection closed"))
    await client.connect()
    counter.start()
    client.send_raw(harness.BLAST)
    await counter.wait()
    await client.disconnect()


async def sync(port: int, counter: Counter, options: Options) -> None:
    client = bottom.Client(HOST, port, ssl=False, loop=asyncio.get_running_loop())

    @client.on("PRIVMSG")
    def handler(**kwargs: Any) -> None:
        counter.hit()

    await _blast(client, counter)


async def async_(port: int, counter: Counter, options: Options) -> None:
    client = bottom.Client(HOST, port, ssl=False, loop=asyncio.get_running_loop())

    @client.on("PRIVMSG")
    async def handler(**kwargs: Any) -> None:
        counter.hit()

    await _blast(client, counter)


def parse(lines: list[str]) -> None:
    for line in lines:
        try:
            unpack.unpack_command(line)
        except ValueError:
            pass  # a command bottom 2 does not know


def untagged(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("@")]


async def memory(port: int, clients: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    held = []
    for first in range(0, clients, 100):
        batch = []
        for i in range(first, min(first + 100, clients)):
            client = bottom.Client(HOST, port, ssl=False, loop=loop)
            client.welcomed = welcomed = loop.create_future()
            client.on("RPL_WELCOME", lambda welcomed=welcomed, **kwargs:
                      welcomed.done() or welcomed.set_result(None))
            batch.append((client, harness.memory_nick(i)))
        await asyncio.gather(*(client.connect() for client, _ in batch))
        for client, nick in batch:
            client.send("NICK", nick=nick)
            client.send("USER", user=nick, realname=nick)
        await asyncio.wait_for(asyncio.gather(*(c.welcomed for c, _ in batch)), 60)
        held += [client for client, _ in batch]
    return held


if __name__ == "__main__":
    harness.main("bottom 2", version("bottom"), sync=sync, async_=async_, forms=("kwargs",),
                 parse=parse, parse_lines=untagged, memory=memory,
                 notes="untagged stream and corpus (no IRCv3 tag support)")
