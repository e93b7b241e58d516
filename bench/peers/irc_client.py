"""jaraco's ``irc`` (PyPI ``irc``), through its asyncio client ``irc.client_aio``.

``dispatch --mode sync``: an ``AioReactor`` with a global ``pubmsg``
handler (every blasted line goes to a channel); ``handler(connection,
event)`` is the library's only handler shape, so it is run for every
``--form`` and reported as ``native``.  The library has no
coroutine handlers, so ``async`` reports that.  It exposes no line parser
of its own (``ServerConnection._process_line`` is private), so ``parse``
reports that too.  ``memory``: connections from one reactor, 100 at a
time, each waited for until its ``welcome`` (001).
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from typing import Any

import harness
import irc.client
import irc.client_aio
from harness import HOST, Counter, Options


async def sync(port: int, counter: Counter, options: Options) -> None:
    reactor = irc.client_aio.AioReactor(loop=asyncio.get_running_loop())

    def on_pubmsg(connection: Any, event: Any) -> None:
        counter.hit()

    reactor.add_global_handler("pubmsg", on_pubmsg)
    reactor.add_global_handler("disconnect", lambda c, e: counter.fail("connection closed"))
    connection = reactor.server()
    counter.start()  # connect() sends NICK and USER, which start the blast
    await connection.connect(HOST, port, "bench")
    await counter.wait()
    connection.disconnect()


async def memory(port: int, clients: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    reactor = irc.client_aio.AioReactor(loop=loop)
    welcomed: dict[Any, asyncio.Future[None]] = {}

    def on_welcome(connection: Any, event: Any) -> None:
        welcomed[connection].set_result(None)

    reactor.add_global_handler("welcome", on_welcome)
    held = []
    for first in range(0, clients, 100):
        batch = [reactor.server() for _ in range(first, min(first + 100, clients))]
        for connection in batch:
            welcomed[connection] = loop.create_future()
        await asyncio.gather(*(connection.connect(HOST, port, harness.memory_nick(first + i))
                               for i, connection in enumerate(batch)))
        await asyncio.wait_for(asyncio.gather(*(welcomed[c] for c in batch)), 60)
        held += batch
    return held


if __name__ == "__main__":
    harness.main("irc (jaraco)", version("irc"), sync=sync, memory=memory,
                 notes="asyncio client (irc.client_aio); handlers are plain functions")
