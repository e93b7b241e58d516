"""bottom 3.0 (Python 3.12 or later: it uses PEP 695 syntax).

``@client.on("privmsg")`` with a plain function (wrapped in a coroutine)
or a coroutine function; every line runs the message-handler chain as a
Task and every event as one more.  It cannot parse IRCv3 tags, so it is
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
    await client.send_message(harness.BLAST)
    await counter.wait()
    await client.disconnect()


async def sync(port: int, counter: Counter, options: Options) -> None:
    client = bottom.Client(HOST, port, ssl=False)

    @client.on("privmsg")
    def handler(**kwargs: Any) -> None:
        counter.hit()

    await _blast(client, counter)


async def async_(port: int, counter: Counter, options: Options) -> None:
    client = bottom.Client(HOST, port, ssl=False)

    @client.on("privmsg")
    async def handler(**kwargs: Any) -> None:
        counter.hit()

    await _blast(client, counter)


def parse(lines: list[str]) -> None:
    for line in lines:
        try:
            unpack.unpack_command(line)
        except ValueError:
            pass  # a command bottom 3 does not know


def untagged(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("@")]


async def memory(port: int, clients: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    held = []
    for first in range(0, clients, 100):
        batch = []
        for i in range(first, min(first + 100, clients)):
            client = bottom.Client(HOST, port, ssl=False)
            welcomed = loop.create_future()
            client.on("rpl_welcome", lambda welcomed=welcomed, **kwargs:
                      welcomed.done() or welcomed.set_result(None))
            batch.append((client, harness.memory_nick(i), welcomed))
        await asyncio.gather(*(client.connect() for client, _, _ in batch))
        for client, nick, _ in batch:
            await client.send("nick", nick=nick)
            await client.send("user", nick=nick, realname=nick)
        await asyncio.wait_for(asyncio.gather(*(w for _, _, w in batch)), 60)
        held += [client for client, _, _ in batch]
    return held


if __name__ == "__main__":
    harness.main("bottom 3", version("bottom"), sync=sync, async_=async_, forms=("kwargs",),
                 parse=parse, parse_lines=untagged, memory=memory,
                 notes="untagged stream and corpus (no IRCv3 tag support)")
