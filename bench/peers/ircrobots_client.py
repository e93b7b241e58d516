"""``ircrobots``: a ``Bot`` whose ``Server`` subclass overrides ``line_read``.

ircrobots reads 1,024 bytes at a time, keeps the connection's state with
ircstates, and calls the coroutine ``line_read`` for every line (no plain
handlers: ``sync`` reports that; ``line_read(line)`` is its only shape,
``native`` for every form).  ``parse``: ``irctokens.tokenise``, the
tokenizer ircrobots is built on (installed with it).
"""

from __future__ import annotations

import asyncio
import contextlib
from importlib.metadata import version
from typing import Any

import harness
import irctokens
from harness import HOST, Counter, Options
from ircrobots import Bot, ConnectionParams, Server


class _Counting(Server):  # type: ignore[misc]
    counter: Counter

    async def line_read(self, line: Any) -> None:
        if line.command == "PRIVMSG":
            self.counter.hit()


class _Idle(Server):  # type: ignore[misc]
    welcomed: asyncio.Future[None]

    async def line_read(self, line: Any) -> None:
        if line.command == "001" and not self.welcomed.done():
            self.welcomed.set_result(None)


class _Bot(Bot):  # type: ignore[misc]
    def __init__(self, server_class: type[Server], **attributes: Any) -> None:
        super().__init__()
        self.server_class = server_class
        self.attributes = attributes

    def create_server(self, name: str) -> Server:
        server = self.server_class(self, name)
        for key, value in self.attributes.items():
            setattr(server, key, value)
        return server


async def _stop(runner: asyncio.Task[None]) -> None:
    runner.cancel()
    with contextlib.suppress(BaseException):
        await runner


async def async_(port: int, counter: Counter, options: Options) -> None:
    bot = _Bot(_Counting, counter=counter)
    counter.start()  # the handshake sends CAP LS, NICK and USER, which start the blast
    await bot.add_server("bench", ConnectionParams("bench", HOST, port, tls=None))
    runner = asyncio.ensure_future(bot.run())
    await counter.wait()
    await _stop(runner)


def parse(lines: list[str]) -> None:
    for line in lines:
        # The documented name; irctokens re-exports it without __all__.
        irctokens.tokenise(line)  # type: ignore[attr-defined]


async def memory(port: int, clients: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    bot = _Bot(_Idle)
    runner = asyncio.ensure_future(bot.run())
    for first in range(0, clients, 100):
        batch = []
        for i in range(first, min(first + 100, clients)):
            bot.attributes["welcomed"] = welcomed = loop.create_future()
            nick = harness.memory_nick(i)
            await bot.add_server(nick, ConnectionParams(nick, HOST, port, tls=None))
            batch.append(welcomed)
        await asyncio.wait_for(asyncio.gather(*batch), 60)
    return [bot, runner]


if __name__ == "__main__":
    harness.main("ircrobots", version("ircrobots"), async_=async_, parse=parse, memory=memory,
                 notes=f"line_read coroutine; parse is irctokens {version('irctokens')}")
