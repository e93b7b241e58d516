"""The floors: the least any asyncio IRC client must do, in the same harness.

``dispatch --mode sync``: a bare :class:`asyncio.Protocol` that splits the
bytes on ``b"\\n"`` and calls a handler per line; no decoding, no parsing.
``dispatch --mode async``: the same, but each line starts a Task running a
trivial coroutine handler (one Task per line, what a naive async library
does).  ``memory``: plain ``socket.create_connection`` sockets kept open.
Standard library only, so every interpreter in bench/.venvs/ can run it and
each peer is compared with a floor measured on its own Python.
"""

from __future__ import annotations

import asyncio
import platform
import socket
from collections.abc import Callable

import harness
from harness import HOST, Counter, Options


class _Lines(asyncio.Protocol):
    """Split on LF and hand each line to ``on_line``."""

    def __init__(self, on_line: Callable[[bytes], None], lost: Callable[[], None]) -> None:
        self.on_line = on_line
        self.lost = lost
        self.pending = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        on_line = self.on_line
        for line in lines:
            on_line(line)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost()


async def _blast(port: int, counter: Counter, on_line: Callable[..., None],
                 protocol: Callable[..., asyncio.BaseProtocol] = _Lines) -> None:
    """Connect with ``protocol(on_line, lost)``, make the server blast, wait for ``counter``."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(
        lambda: protocol(on_line, lambda: counter.fail("connection closed")), HOST, port)
    counter.start()
    transport.write(f"{harness.BLAST}\r\n".encode())
    await counter.wait()
    transport.close()


async def sync(port: int, counter: Counter, options: Options) -> None:
    def handler(line: bytes) -> None:
        counter.hit()

    await _blast(port, counter, handler)


async def async_(port: int, counter: Counter, options: Options) -> None:
    loop = asyncio.get_running_loop()

    async def handler(line: bytes) -> None:
        counter.hit()

    def on_line(line: bytes) -> None:
        # No reference kept: the handler ends in its first step, and until
        # then the loop holds that step.
        loop.create_task(handler(line))  # noqa: RUF006

    await _blast(port, counter, on_line)


def memory(port: int, clients: int) -> list[socket.socket]:
    return [socket.create_connection((HOST, port)) for _ in range(clients)]


if __name__ == "__main__":
    harness.main("floor", platform.python_version(), sync=sync, async_=async_, memory=memory,
                 notes="bare asyncio.Protocol; async: one Task per line")
