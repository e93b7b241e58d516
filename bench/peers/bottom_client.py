"""This checkout's bottom, in the same harness as the peers and the floors.

``dispatch``: ``bottom.Client(..., ssl=False, flood_control=False)``
without ``nick=`` (the blasting server needs no registration) and one
PRIVMSG handler in the form asked: ``def h(message)``, ``def h(nick,
target, message)`` or ``def h(**kwargs)``, or the ``async def`` of each
(a coroutine that never awaits).  The client asks for the stream with
``BLAST JOIN``: the server first sends 001, 005 and, for every channel of
the stream, our JOIN and a NAMES reply listing every sender, so that with
``--state on`` (``track_state=True``) the tracker holds the channels and
users the lines come from, as a bot's would.  Both states get the same
stream.  ``memory``: registered clients (``harness.memory_nick(i)``), connected 100
at a time, each waited for until ``CLIENT_READY``.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path
from typing import Any

# This program is run as a script, with bench/peers/ first on sys.path; put
# the checkout ahead of any installed bottom.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import harness
from harness import HOST, Counter, Options

import bottom

_BATCH = 100
#: What the client sends to start the stream (see bench/dispatch.py).
BLAST_JOIN = f"{harness.BLAST} JOIN"


def _client(port: int, nick: str | None = None, state: bool = False) -> bottom.Client:
    extra: dict[str, Any] = {"track_state": True} if state else {}
    return bottom.Client(HOST, port, ssl=False, flood_control=False, nick=nick, **extra)


def _sync_handler(form: str, counter: Counter) -> Any:
    if form == "message":
        def by_message(message: str) -> None:
            counter.hit()
        return by_message
    if form == "named":
        def by_names(nick: str, target: str, message: str) -> None:
            counter.hit()
        return by_names

    def by_kwargs(**kwargs: Any) -> None:
        counter.hit()
    return by_kwargs


def _async_handler(form: str, counter: Counter) -> Any:
    if form == "message":
        async def by_message(message: str) -> None:
            counter.hit()
        return by_message
    if form == "named":
        async def by_names(nick: str, target: str, message: str) -> None:
            counter.hit()
        return by_names

    async def by_kwargs(**kwargs: Any) -> None:
        counter.hit()
    return by_kwargs


async def _blast(port: int, counter: Counter, options: Options, handler: Any) -> None:
    client = _client(port, state=options.state)
    client.on("privmsg", handler)
    client.on("client_disconnect", lambda: counter.fail("connection closed"))
    await client.connect()
    counter.start()
    client.send_raw(BLAST_JOIN)
    await counter.wait()
    await client.disconnect()


async def sync(port: int, counter: Counter, options: Options) -> None:
    await _blast(port, counter, options, _sync_handler(options.form, counter))


async def async_(port: int, counter: Counter, options: Options) -> None:
    await _blast(port, counter, options, _async_handler(options.form, counter))


async def memory(port: int, clients: int) -> list[bottom.Client]:
    held = [_client(port, harness.memory_nick(i)) for i in range(clients)]

    async def ready(client: bottom.Client) -> None:
        await client.connect()
        # connect() delivers the first line only after this wait is set up.
        await asyncio.wait_for(client.wait("client_ready"), 60)

    for first in range(0, clients, _BATCH):
        await asyncio.gather(*(ready(client) for client in held[first:first + _BATCH]))
    return held


def has_state() -> bool:
    """Whether this checkout's ``Client`` takes ``track_state=``."""
    return "track_state" in inspect.signature(bottom.Client).parameters


if __name__ == "__main__":
    harness.main("bottom (this checkout)", bottom.__version__, sync=sync, async_=async_,
                 forms=harness.FORMS, state=has_state(), memory=memory)
