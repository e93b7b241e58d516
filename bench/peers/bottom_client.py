"""This checkout's bottom, in the same harness as the peers and the floors.

``dispatch``: ``bottom.Client(..., ssl=False, flood_control=False)``
without ``nick=`` (the blasting server needs no registration) and one
PRIVMSG handler, ``def h(message)`` or ``async def h(message)`` that never
awaits.  ``memory``: registered clients (``nick=f"c{i}"``), connected 100
at a time, each waited for until ``CLIENT_READY``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

# This program is run as a script, with bench/peers/ first on sys.path; put
# the checkout ahead of any installed bottom.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import harness
from harness import HOST, Counter

import bottom

_BATCH = 100


def _client(port: int, nick: str | None = None) -> bottom.Client:
    return bottom.Client(HOST, port, ssl=False, flood_control=False, nick=nick)


async def _blast(client: bottom.Client, counter: Counter) -> None:
    client.on("client_disconnect", lambda: counter.fail("connection closed"))
    await client.connect()
    counter.start()
    client.send_raw(harness.BLAST)
    await counter.wait()
    await client.disconnect()


async def sync(port: int, counter: Counter) -> None:
    client = _client(port)

    @client.on("privmsg")
    def handler(message: str) -> None:
        counter.hit()

    await _blast(client, counter)


async def async_(port: int, counter: Counter) -> None:
    client = _client(port)

    @client.on("privmsg")
    async def handler(message: str) -> None:
        counter.hit()

    await _blast(client, counter)


async def memory(port: int, clients: int) -> list[bottom.Client]:
    held = [_client(port, f"c{i}") for i in range(clients)]

    async def ready(client: bottom.Client) -> None:
        await client.connect()
        # connect() delivers the first line only after this wait is set up.
        await asyncio.wait_for(client.wait("client_ready"), 60)

    for first in range(0, clients, _BATCH):
        await asyncio.gather(*(ready(client) for client in held[first:first + _BATCH]))
    return held


if __name__ == "__main__":
    harness.main("bottom (this checkout)", bottom.__version__, sync=sync, async_=async_,
                 memory=memory)
