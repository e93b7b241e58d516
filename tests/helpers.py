"""What many test files share: a timeout, connecting to a test server,
syncing with the client, and waiting for a condition."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Iterator

import bottom
from bottom.testing import Server, ServerConnection

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
