"""Flood control against the real servers' default flood limits (slow: minutes).

A bot sends lines as fast as the API lets it (`send` without awaiting) and
bottom's default flood control (a burst of 5, then 1 line per second) must get
every line through: not killed (inspircd drops a client whose unprocessed input
passes 8 KiB: "RecvQ exceeded"), nothing lost, order kept, and the keepalive must
not take the servers' fake lag for a dead link while the queue drains. See
REALSERVERS.md (b) for the measurements behind the default.

Each test prints how long the lines took, for the docs:
`pytest tests/realserver/test_flood.py -s`.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from .helpers import Bot, ClientPool, register, unique_channel
from .servers import RealServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DELIVERY_TIMEOUT_SECONDS = 400.0
"""200 lines at 1 line/s take ~200 s; twice that before calling it lost."""

SENDER_KEEPALIVE = {"ping_interval": 10.0, "ping_timeout": 20.0}
"""Much shorter than the drain, so the keepalive runs many times during it."""


async def sender_and_receiver(pool: ClientPool, server: RealServer) -> tuple[Bot, Bot, str]:
    """Two registered bots in a fresh channel, both with default flood control."""
    sender = pool.make(server, "flood", **SENDER_KEEPALIVE)
    receiver = pool.make(server, "count")
    await register(sender, receiver)
    channel = unique_channel("flood")
    await sender.join(channel)
    await receiver.join(channel)
    return sender, receiver, channel


async def send_all_and_measure(
    server: RealServer, sender: Bot, receiver: Bot, channel: str, messages: list[str]
) -> None:
    """Send every message at once (not awaited), then check all arrive in order."""
    sender_since, receiver_since = sender.events.mark(), receiver.events.mark()
    started = time.monotonic()

    sent = [sender.send("privmsg", target=channel, message=message) for message in messages]

    arrived = await receiver.events.wait_count(
        "PRIVMSG",
        len(messages),
        since=receiver_since,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        nick=sender.nick,
        target=channel,
    )
    finished = time.monotonic()
    await asyncio.gather(*sent)  # every line reached the transport, none failed

    assert [message["message"] for message in arrived] == messages
    for bot in (sender, receiver):
        assert not bot.events.all("CLIENT_DISCONNECT"), bot.events.transcript()
        assert not bot.client.is_closing()
    assert not sender.events.all("ERROR"), sender.events.transcript()

    times = receiver.events.times("PRIVMSG", since=receiver_since, nick=sender.nick)
    pongs = sender.events.all("PONG", since=sender_since)  # answers to keepalive PINGs
    size = len(messages[0].encode())
    print(
        f"\n[flood] {server.name}: {len(messages)} PRIVMSGs of {size} bytes took "
        f"{finished - started:.1f} s to arrive (first after {times[0] - started:.2f} s, "
        f"{sum(1 for at in times if at - started < 1.0)} within the first second); "
        f"keepalive PINGs answered meanwhile: {len(pongs)}"
    )


async def test_200_lines_sent_at_once_all_arrive_in_order_without_a_disconnect(
    ircd: RealServer, pool: ClientPool
) -> None:
    sender, receiver, channel = await sender_and_receiver(pool, ircd)

    await send_all_and_measure(
        ircd, sender, receiver, channel, [f"line {index:03d}" for index in range(200)]
    )


async def test_50_lines_of_400_bytes_do_not_overrun_the_server_receive_queue(
    ircd: RealServer, pool: ClientPool
) -> None:
    # 5 such lines in a burst are 2 KB, far below inspircd's 8 KiB RecvQ; a
    # client without flood control would pass it after ~20 lines and be killed.
    sender, receiver, channel = await sender_and_receiver(pool, ircd)
    messages = [f"long {index:02d} ".ljust(400, "abcdefghij"[index % 10]) for index in range(50)]

    await send_all_and_measure(ircd, sender, receiver, channel, messages)
