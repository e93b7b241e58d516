"""One connection's life: the connect race, registration lost, draining on
disconnect, QUIT's place in line, and the keepalive PING's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import TIMEOUT

import bottom
from bottom.testing import Server


async def test_a_close_before_connect_resumes_is_an_ordinary_disconnect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that closes right after accepting.  The window in which the
    # close lands before connect() resumes is widened deterministically:
    # the loop's create_connection returns only once the close was seen.
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"ERROR :Closing link (go away)\r\n")
        writer.close()

    server = await asyncio.start_server(close_at_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    real = loop.create_connection

    async def late_create_connection(factory: Any, *args: Any, **kwargs: Any) -> Any:
        transport, protocol = await real(factory, *args, **kwargs)
        while not protocol.lost:
            await asyncio.sleep(0)  # polls a condition; no timing is asserted
        return transport, protocol

    monkeypatch.setattr(loop, "create_connection", late_create_connection)
    client = bottom.Client("127.0.0.1", port, ssl=False)
    events: list[tuple[str, dict[str, Any]]] = []
    client.on("client_connect", lambda **kw: events.append(("connect", kw)))
    client.on("error", lambda **kw: events.append(("error", kw)))
    disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
    try:
        await asyncio.wait_for(client.connect(), TIMEOUT)  # does not raise
        kwargs = await asyncio.wait_for(disconnected, TIMEOUT)
    finally:
        server.close()
    assert [name for name, _ in events] == ["connect", "error"]
    assert "go away" in kwargs["reason"]


async def test_a_connection_lost_while_registering_fails_the_registration_first(
        scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False, nick="bot")
    order: list[str] = []
    client.on("client_registration_failed", lambda reason: order.append(f"failed: {reason}"))
    client.on("client_disconnect", lambda reason: order.append(f"disconnect: {reason}"))
    disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    await conn.wait_for_line("USER", timeout=TIMEOUT)
    conn.close()
    await asyncio.wait_for(disconnected, TIMEOUT)
    assert len(order) == 2
    assert order[0].startswith("failed: ") and order[1].startswith("disconnect: ")
    assert order[0][len("failed: "):] == order[1][len("disconnect: "):]


async def test_disconnect_sends_what_is_queued_then_closes(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False,
                           flood_burst=1, flood_rate=50.0)
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    sent = [client.send("privmsg", target="#c", message=str(n)) for n in range(10)]
    await asyncio.wait_for(client.disconnect(), TIMEOUT)
    await asyncio.wait_for(asyncio.gather(*sent), TIMEOUT)
    await conn.wait_for_line(lambda m: m.params[-1:] == ("9",), timeout=TIMEOUT)
    texts = [m.params[-1] for m in map(bottom.Message.parse, conn.received)
             if m.command == "PRIVMSG"]
    assert texts == [str(n) for n in range(10)]


async def test_lines_disconnect_could_not_send_fail_with_not_connected(
        scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False,
                           flood_burst=1, flood_rate=0.01, disconnect_timeout=0.05)
    await client.connect()
    await scripted.wait_for_connection(timeout=TIMEOUT)
    sent = [client.send("privmsg", target="#c", message=str(n)) for n in range(3)]
    await asyncio.wait_for(client.disconnect(), TIMEOUT)
    results = await asyncio.gather(*sent, return_exceptions=True)
    assert results[0] is None
    assert all(isinstance(r, bottom.NotConnected) for r in results[1:])


async def test_quit_keeps_its_place_behind_a_queued_goodbye(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False,
                           flood_burst=1, flood_rate=50.0)
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    client.send("privmsg", target="#c", message="first")
    client.send("privmsg", target="#c", message="bye")
    client.send("quit", message="done")
    await conn.wait_for_line("QUIT", timeout=TIMEOUT)
    commands = [(m.command, m.params[-1]) for m in map(bottom.Message.parse, conn.received)]
    assert commands[-3:] == [("PRIVMSG", "first"), ("PRIVMSG", "bye"), ("QUIT", "done")]
    await client.disconnect()


async def test_the_keepalive_ping_goes_ahead_of_queued_lines(scripted: Server) -> None:
    # 40 lines at 4 a second: the backlog lasts 10 s, the PING is due
    # after 0.25 s (and goes out at the next token).
    client = bottom.Client(scripted.host, scripted.port, ssl=False, flood_burst=1,
                           flood_rate=4, ping_interval=0.2, ping_timeout=30.0,
                           disconnect_timeout=0.1)  # the backlog is not the point here
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    for n in range(40):
        client.send("privmsg", target="#c", message=str(n))
    await conn.wait_for_line("PING", timeout=TIMEOUT)
    privmsgs_before_ping = [m for m in map(bottom.Message.parse, conn.received)
                            if m.command == "PRIVMSG"]
    assert len(privmsgs_before_ping) < 40
    await client.disconnect()
