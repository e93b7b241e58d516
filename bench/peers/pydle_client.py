"""``pydle``: a ``pydle.Client`` subclass overriding ``on_message``.

pydle's handlers are coroutines only (``sync`` reports that), and it
starts one Task per line (``on_raw``).  Overriding ``on_message(target,
by, message)`` is its only handler shape (``native`` for every form).  ``parse``:
``TaggedMessage.parse`` (bytes in, as pydle reads them).
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from typing import Any

import harness
import pydle
from harness import HOST, Counter, Options
from pydle.features.ircv3.tags import TaggedMessage


class _Counting(pydle.Client):  # type: ignore[misc]
    counter: Counter

    async def on_message(self, target: str, by: str, message: str) -> None:
        self.counter.hit()

    async def on_disconnect(self, expected: bool) -> None:
        self.counter.fail("connection closed")  # and no reconnect


async def async_(port: int, counter: Counter, options: Options) -> None:
    client = _Counting("bench", realname="bench")
    client.counter = counter
    counter.start()  # connect() sends CAP LS, NICK and USER, which start the blast
    await client.connect(HOST, port, tls=False)
    await counter.wait()
    await client.disconnect()


def parse(lines: list[bytes]) -> None:
    for line in lines:
        TaggedMessage.parse(line)


def _as_bytes(lines: list[str]) -> list[bytes]:
    return [line.encode() + b"\r\n" for line in lines]


class _Idle(pydle.Client):  # type: ignore[misc]
    welcomed: asyncio.Future[None]

    async def on_connect(self) -> None:
        await super().on_connect()
        if not self.welcomed.done():
            self.welcomed.set_result(None)


async def memory(port: int, clients: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    held = []
    for first in range(0, clients, 100):
        batch = []
        for i in range(first, min(first + 100, clients)):
            client = _Idle(harness.memory_nick(i), realname="bench")
            client.welcomed = loop.create_future()
            batch.append(client)
        await asyncio.gather(*(client.connect(HOST, port, tls=False) for client in batch))
        await asyncio.wait_for(asyncio.gather(*(c.welcomed for c in batch)), 60)
        held += batch
    return held


if __name__ == "__main__":
    harness.main("pydle", version("pydle"), async_=async_, parse=parse, parse_lines=_as_bytes,
                 memory=memory, notes="on_message coroutine; one Task per line")
