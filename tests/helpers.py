"""What many test files share: a timeout, connecting to a test server,
syncing with the client, waiting for a condition, moving the loop's
clock, scripted peers for the transport and proxy tests, and feeding
lines to the pure layers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

import bottom
from bottom.message import Message
from bottom.proxy import Handshake
from bottom.testing import Server, ServerConnection

T = TypeVar("T")

#: Generous: only what a test checks, never the machine's load, may decide it.
TIMEOUT = 10


async def connect(client: bottom.Client, server: Server) -> ServerConnection:
    """Connect ``client`` and return the server's side of the connection."""
    await client.connect()
    return await server.wait_for_connection(timeout=TIMEOUT)


async def sync(conn: ServerConnection, token: str = "sync") -> None:
    """Return once the client handled every line sent before this one."""
    conn.send_line(f"PING :{token}")
    await conn.wait_for_line(lambda m: m.command == "PONG" and m.params[-1:] == (token,),
                             timeout=TIMEOUT)


async def until(condition: Callable[[], object], timeout: float = TIMEOUT) -> None:
    """Let the loop (I/O included) run until ``condition()`` is true."""
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0)
    await asyncio.wait_for(poll(), timeout)


@contextlib.contextmanager
def loop_clock() -> Iterator[Callable[[float], None]]:
    """Within the block, the running loop's clock can be moved forward.

    Yields ``advance(seconds)``: every ``loop.time()`` reading (timers,
    keepalive, the connection's last-received stamps) jumps ahead by that
    much, so a timer due then fires at the loop's next turn.  For
    timing rules measured in seconds, without sleeping through them.
    """
    loop = asyncio.get_running_loop()
    real = loop.time
    offset = 0.0

    def advance(seconds: float) -> None:
        nonlocal offset
        offset += seconds

    loop.time = lambda: real() + offset  # type: ignore[method-assign]
    try:
        yield advance
    finally:
        del loop.time


#: Share of each property test's example count to run.  README's quick
#: command runs a quarter (a minute on two cores); tox and CI's other
#: steps set BOTTOM_EXAMPLES=1 and run them all.
EXAMPLE_SHARE = float(os.environ.get("BOTTOM_EXAMPLES", "0.25"))


def examples(count: int) -> int:
    """``count`` hypothesis examples scaled by :data:`EXAMPLE_SHARE` (at least 10)."""
    return max(10, round(count * EXAMPLE_SHARE))


# -- scripted peers (transports, proxies) ---------------------------------------

#: What a scripted peer does with one connection.
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(script: Script, host: str = "127.0.0.1",
                  context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A peer on ``host`` (TLS with ``context``) running ``script`` for
    each connection; yields its port.  An exception inside the script (a
    failed assertion on the bytes it read) fails the test once the block
    ends.  A script still running then is cancelled and waited for, so
    every socket it holds is closed before the test's loop is."""
    errors: list[BaseException] = []
    running: set[asyncio.Task[Any]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await script(reader, writer)
        except Exception as exc:  # reported below, in the test's task
            errors.append(exc)
        finally:
            writer.close()
            running.discard(task)

    server = await asyncio.start_server(handle, host, 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    if errors:
        raise errors[0]


async def read_line(peer: Handshake) -> bytes:
    """The next line (with its newline) the peer sent over ``peer``'s transport."""
    while b"\n" not in peer.buffer:
        assert not peer.eof, bytes(peer.buffer)
        await asyncio.wait_for(peer.wait_for_data(), TIMEOUT)
    line, _, rest = bytes(peer.buffer).partition(b"\n")
    peer.buffer[:] = rest
    return line + b"\n"


def has_ipv6_loopback() -> bool:
    """Whether this machine can bind ::1."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# -- the pure layers ----------------------------------------------------------------

class Feeds(Protocol[T]):
    """A pure layer fed one message at a time (BatchAssembler, Correlator)."""

    def feed(self, message: Message) -> T | None: ...


def feed_lines(layer: Feeds[T], lines: Iterable[str]) -> list[T]:
    """Parse each line, feed it to ``layer``, and return what the layer
    finished, in order (the Nones it returned for the other lines left out)."""
    finished = []
    for line in lines:
        done = layer.feed(Message.parse(line))
        if done is not None:
            finished.append(done)
    return finished
