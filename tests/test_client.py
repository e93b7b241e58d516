"""The Client against the in-process test server (bottom.testing)."""

from __future__ import annotations

import asyncio
import gc
import logging
import shutil
import socket
import ssl
import subprocess
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import TIMEOUT, connect, loop_clock, until

import bottom
from bottom.testing import Server, ServerConnection


@pytest.fixture
async def client(irc_server: Server) -> AsyncIterator[bottom.Client]:
    """A client for ``irc_server``, without flood control."""
    c = bottom.Client(irc_server.host, irc_server.port, ssl=False, flood_control=False)
    yield c
    await c.disconnect()


async def register(client: bottom.Client, server: Server, nick: str = "bot") -> ServerConnection:
    welcome = asyncio.ensure_future(client.wait("rpl_welcome"))
    conn = await connect(client, server)
    client.send("nick", nick=nick)
    client.send("user", nick=nick, realname="a bot")
    await asyncio.wait_for(welcome, TIMEOUT)
    return conn


# -- connect / disconnect -----------------------------------------------------

async def test_connect_triggers_client_connect_with_host_and_port(
        client: bottom.Client, irc_server: Server) -> None:
    seen: list[dict[str, Any]] = []
    client.on("client_connect", lambda **kw: seen.append(kw))
    await client.connect()
    assert seen == [{"host": irc_server.host, "port": irc_server.port}]
    assert not client.is_closing()


async def test_disconnect_triggers_client_disconnect_once_and_is_idempotent(
        client: bottom.Client, irc_server: Server) -> None:
    seen: list[dict[str, Any]] = []
    client.on("client_disconnect", lambda **kw: seen.append(kw))
    await connect(client, irc_server)
    await client.disconnect()
    assert len(seen) == 1
    assert seen[0]["host"] == irc_server.host and seen[0]["port"] == irc_server.port
    assert "disconnect()" in seen[0]["reason"]
    await client.disconnect()
    assert len(seen) == 1
    assert client.is_closing()


async def test_a_server_close_triggers_client_disconnect_with_the_error_text(
        client: bottom.Client, irc_server: Server) -> None:
    disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
    conn = await connect(client, irc_server)
    conn.close(reason="RecvQ exceeded")
    kwargs = await asyncio.wait_for(disconnected, TIMEOUT)
    assert "RecvQ exceeded" in kwargs["reason"]
    assert client.is_closing()


async def test_connect_when_refused_raises_connection_failed_and_triggers_nothing(
        irc_server: Server) -> None:
    port = irc_server.port
    await irc_server.close()
    client = bottom.Client("127.0.0.1", port, ssl=False)
    seen: list[str] = []
    client.on("client_connect", lambda: seen.append("connect"))
    client.on("client_disconnect", lambda: seen.append("disconnect"))
    with pytest.raises(bottom.ConnectionFailed, match=f"127.0.0.1:{port}") as info:
        await client.connect()
    assert isinstance(info.value, OSError)
    assert seen == []


async def test_connect_twice_keeps_one_connection(client: bottom.Client,
                                                  irc_server: Server) -> None:
    await asyncio.gather(client.connect(), client.connect())
    await client.connect()
    await irc_server.wait_for_connection(timeout=TIMEOUT)
    assert len(irc_server.connections) == 1


async def test_a_reset_mid_line_disconnects_without_delivering_the_partial_line(
        sclient: bottom.Client, scripted: Server) -> None:
    seen: list[str] = []
    sclient.on("privmsg", lambda message: seen.append(message))
    disconnected = asyncio.ensure_future(sclient.wait("client_disconnect"))
    conn = await connect(sclient, scripted)
    conn.push(b":a!b@c PRIVMSG #c :whole\r\n:a!b@c PRIVMSG #c :part")
    await asyncio.wait_for(sclient.wait("privmsg"), TIMEOUT)
    conn.reset()
    kwargs = await asyncio.wait_for(disconnected, TIMEOUT)
    assert seen == ["whole"]
    assert kwargs["reason"]


# -- receiving ------------------------------------------------------------------

async def test_every_line_triggers_an_event_with_tags(sclient: bottom.Client,
                                                      scripted: Server) -> None:
    events = ["PRIVMSG", "FOO", "999", "RPL_WELCOME"]
    waits = [asyncio.ensure_future(sclient.wait(e)) for e in events]
    conn = await connect(sclient, scripted)
    conn.send_line("@time=2026-01-01T00:00:00.000Z :n!u@h PRIVMSG #c :hi")
    conn.send_line(":irc.test FOO a :b c")
    conn.send_line(":irc.test 999 me :vendor numeric")
    conn.send_line(":irc.test 001 me :Welcome")
    privmsg, foo, vendor, welcome = await asyncio.wait_for(asyncio.gather(*waits), TIMEOUT)
    assert privmsg == {"tags": {"time": "2026-01-01T00:00:00.000Z"}, "nick": "n", "user": "u",
                       "host": "h", "target": "#c", "message": "hi"}
    assert foo["params"] == ["a", "b c"] and foo["tags"] == {}
    assert vendor["params"] == ["me", "vendor numeric"]
    assert welcome["message"] == "Welcome"


async def test_kwargs_handlers_of_a_privmsg_each_get_their_own_dict(
        sclient: bottom.Client, scripted: Server) -> None:
    # The plain-PRIVMSG fast path builds the kwargs once for every handler.
    seen: list[Any] = []

    def rewriter(**kwargs: Any) -> None:
        kwargs["message"] = "rewritten"
        del kwargs["tags"]

    sclient.on("privmsg", rewriter)
    sclient.on("privmsg", lambda **kwargs: seen.append(dict(kwargs)))
    sclient.on("privmsg", lambda message, **rest: seen.append((message, sorted(rest))))
    sclient.on("privmsg", rewriter)
    waiting = asyncio.ensure_future(sclient.wait("privmsg"))
    conn = await connect(sclient, scripted)
    conn.send_line("@msgid=1 :n!u@h PRIVMSG #c :hi")
    got = await asyncio.wait_for(waiting, TIMEOUT)
    sent = {"tags": {"msgid": "1"}, "nick": "n", "user": "u", "host": "h", "target": "#c",
            "message": "hi"}
    assert got == sent
    assert seen == [sent, ("hi", ["host", "nick", "tags", "target", "user"])]
    assert list(got) == list(seen[0]) == list(sent)  # the order of the keys too


async def test_events_fire_in_line_order(sclient: bottom.Client, scripted: Server) -> None:
    seen: list[str] = []
    sclient.on("privmsg", lambda message: seen.append(message))
    conn = await connect(sclient, scripted)
    conn.push(b"".join(b":a!b@c PRIVMSG #c :%d\r\n" % n for n in range(1000)))
    conn.send_line("PING :end")
    await asyncio.wait_for(sclient.wait("ping"), TIMEOUT)
    assert seen == [str(n) for n in range(1000)]


async def test_a_line_that_is_not_irc_is_logged_and_skipped(
        sclient: bottom.Client, scripted: Server, caplog: pytest.LogCaptureFixture) -> None:
    conn = await connect(sclient, scripted)
    with caplog.at_level(logging.WARNING, logger="bottom"):
        conn.push(b"   \r\n:only-a-source\r\nPING :after\r\n")
        await asyncio.wait_for(sclient.wait("ping"), TIMEOUT)
    assert any("not IRC" in r.getMessage() for r in caplog.records)
    assert not sclient.is_closing()


async def test_four_mib_without_a_newline_is_dropped_and_the_link_survives(
        sclient: bottom.Client, scripted: Server, caplog: pytest.LogCaptureFixture) -> None:
    conn = await connect(sclient, scripted)
    with caplog.at_level(logging.WARNING, logger="bottom"):
        conn.push(b"x" * (4 * 1024 * 1024))
        conn.push(b"\r\nPING :after\r\n")
        kwargs = await asyncio.wait_for(sclient.wait("ping"), TIMEOUT)
    assert kwargs["message"] == "after"
    assert sclient._conn is not None and len(sclient._conn._decoder._pending) == 0
    assert any("dropped an incoming line" in r.getMessage() for r in caplog.records)
    assert not sclient.is_closing()


async def test_invalid_utf8_arrives_as_latin1_without_losing_bytes(
        sclient: bottom.Client, scripted: Server) -> None:
    conn = await connect(sclient, scripted)
    conn.push(b":a!b@c PRIVMSG #c :caf\xe9\r\n")
    kwargs = await asyncio.wait_for(sclient.wait("privmsg"), TIMEOUT)
    assert kwargs["message"].encode("latin-1") == b"caf\xe9"


# -- PING / keepalive -------------------------------------------------------------

async def test_server_pings_are_answered_and_user_handlers_still_run(
        sclient: bottom.Client, scripted: Server) -> None:
    seen: list[str] = []
    sclient.on("ping", lambda message: seen.append(message))
    conn = await connect(sclient, scripted)
    conn.send_line("PING :irc.test")
    pong = await conn.wait_for_line("PONG", timeout=TIMEOUT)
    assert pong.params == ("irc.test",)
    assert seen == ["irc.test"]


async def test_auto_pong_off_leaves_pings_to_the_user(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False, auto_pong=False)
    conn = await connect(client, scripted)
    conn.send_line("PING :one")
    await asyncio.wait_for(client.wait("ping"), TIMEOUT)
    conn.send_line("PRIVMSG x :marker")
    await asyncio.wait_for(client.wait("privmsg"), TIMEOUT)
    client.send_raw("PRIVMSG x :after")
    await conn.wait_for_line("PRIVMSG", timeout=TIMEOUT)
    assert not any(line.startswith("PONG") for line in conn.received)
    await client.disconnect()


async def test_a_quiet_server_is_pinged_and_dropped_when_it_never_answers(
        scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False,
                           ping_interval=30, ping_timeout=60)
    disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
    conn = await connect(client, scripted)
    # Checked by the loop's ticker; a Keepalive object only while a PING is
    # unanswered (an idle client whose server talks holds none).
    assert client._keepalive is None and client._keepalive_timer is not None
    with loop_clock() as advance:
        advance(31)
        ping = await conn.wait_for_line("PING", timeout=TIMEOUT)
        assert ping.params and not client.is_closing()
        assert client._keepalive is not None
        advance(61)
        kwargs = await asyncio.wait_for(disconnected, TIMEOUT)
    assert "ping timeout" in kwargs["reason"]


async def test_an_answered_ping_leaves_no_keepalive_object(scripted: Server) -> None:
    # The timeout is shorter than the interval: the check after the answer
    # comes before the next PING is due, and finds nothing outstanding.
    client = bottom.Client(scripted.host, scripted.port, ssl=False,
                           ping_interval=30, ping_timeout=10)
    conn = await connect(client, scripted)
    with loop_clock() as advance:
        advance(31)
        await conn.wait_for_line("PING", timeout=TIMEOUT)
        assert client._keepalive is not None
        noticed = asyncio.ensure_future(client.wait("notice"))
        conn.send_line(":irc.test NOTICE * :still here")
        await asyncio.wait_for(noticed, TIMEOUT)
        checks = client._keepalive_timer
        advance(11)
        await until(lambda: client._keepalive_timer != checks)
        assert client._keepalive is None and not client.is_closing()
        advance(31)  # silence again: the next PING, a new Keepalive
        await until(lambda: sum(line.startswith("PING") for line in conn.received) == 2)
        assert client._keepalive is not None
    await client.disconnect()


async def test_any_line_from_the_server_keeps_the_link_alive(scripted: Server) -> None:
    # Time is driven: each round, the interval's silence brings a PING, the
    # server answers with a NOTICE (not a PONG), then the whole ping_timeout
    # passes; the NOTICE alone must keep the link (without it, the same jump
    # is a ping timeout: test_a_quiet_server_is_pinged...).  Each jump is a
    # second longer than the rule: keepalive checks are rounded up to a
    # quarter second (bottom.ticker).
    client = bottom.Client(scripted.host, scripted.port, ssl=False,
                           ping_interval=30, ping_timeout=60)
    conn = await connect(client, scripted)
    with loop_clock() as advance:
        for _ in range(3):
            advance(31)
            await conn.wait_for_line("PING", timeout=TIMEOUT)
            noticed = asyncio.ensure_future(client.wait("notice"))
            conn.send_line(":irc.test NOTICE * :still here")
            await asyncio.wait_for(noticed, TIMEOUT)
            advance(61)
        await conn.wait_for_line("PING", timeout=TIMEOUT)
        assert not client.is_closing()
    await client.disconnect()


# -- sending ----------------------------------------------------------------------

def test_send_before_connect_raises_not_connected_at_once() -> None:
    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    with pytest.raises(bottom.NotConnected, match="PRIVMSG not sent: not connected"):
        client.send("privmsg", target="#c", message="hi")
    with pytest.raises(RuntimeError):
        client.send_raw("PRIVMSG #c :hi")


async def test_invalid_sends_raise_value_error_from_the_call(client: bottom.Client,
                                                             irc_server: Server) -> None:
    await connect(client, irc_server)
    with pytest.raises(ValueError, match="would end the line"):
        client.send("privmsg", target="#c\r\nQUIT", message="x")
    with pytest.raises(ValueError):
        client.send_raw("PRIVMSG #c :a\nQUIT")
    with pytest.raises(ValueError, match="register_pattern"):
        client.send("frobnicate")


async def test_send_returns_a_future_done_once_written(client: bottom.Client,
                                                       irc_server: Server) -> None:
    conn = await connect(client, irc_server)
    future = client.send("privmsg", target="#c", message="hi", tags={"+draft/reply": "a b"})
    assert isinstance(future, asyncio.Future)
    await asyncio.wait_for(future, TIMEOUT)
    msg = await conn.wait_for_line("PRIVMSG", timeout=TIMEOUT)
    assert msg.tags == {"+draft/reply": "a b"} and msg.params == ("#c", "hi")
    client.send_message("PRIVMSG #c :raw")
    assert (await conn.wait_for_line("PRIVMSG", timeout=TIMEOUT)).params == ("#c", "raw")


async def test_flood_control_paces_lines_past_the_burst(irc_server: Server) -> None:
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False,
                           flood_burst=2, flood_rate=20.0)
    conn = await connect(client, irc_server)
    futures = [client.send("privmsg", target="#c", message=str(n)) for n in range(4)]
    assert [f.done() for f in futures] == [True, True, False, False]
    await asyncio.wait_for(asyncio.gather(*futures), TIMEOUT)
    for n in range(4):
        assert (await conn.wait_for_line("PRIVMSG", timeout=TIMEOUT)).params[1] == str(n)
    await client.disconnect()


async def test_a_peer_that_stops_reading_bounds_memory_and_loses_nothing(
        client: bottom.Client, irc_server: Server) -> None:
    conn = await connect(client, irc_server)
    # Loopback would soak up megabytes first; small socket buffers make the
    # back-pressure show after a few dozen lines.
    for transport_ in (conn.transport, client._conn.transport if client._conn else None):
        assert transport_ is not None
        sock = transport_.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    conn.pause_reading()
    total = 10_000
    sender = asyncio.ensure_future(_send_many(client, total))
    transport = client._conn.transport if client._conn else None
    assert transport is not None
    high_water = transport.get_write_buffer_limits()[1]
    peak = 0
    # The kernel buffers fill, then the transport pauses us: the sender
    # blocks on its futures instead of growing the buffer.
    while not sender.done():
        peak = max(peak, transport.get_write_buffer_size())
        if client._conn is not None and client._conn._paused:
            break
        await asyncio.sleep(0)
    assert client._conn is not None and client._conn._paused
    assert not sender.done()
    assert peak <= high_water + 512
    conn.resume_reading()
    await asyncio.wait_for(sender, 60)
    last = await conn.wait_for_line(lambda m: m.params[-1].endswith(f" {total - 1}"),
                                    timeout=60)
    assert last.command == "PRIVMSG"
    bodies = [line.rsplit(" ", 1)[1] for line in conn.received if line.startswith("PRIVMSG")]
    assert bodies == [str(n) for n in range(total)]


async def _send_many(client: bottom.Client, total: int) -> None:
    padding = "x" * 300
    for n in range(total):
        await client.send("privmsg", target="#c", message=f"{padding} {n}")


# -- middleware -------------------------------------------------------------------

async def test_raw_handlers_can_drop_rewrite_and_inject(sclient: bottom.Client,
                                                        scripted: Server) -> None:
    async def middleware(next_handler: Any, message: bottom.Message) -> None:
        if message.params[-1:] == ("drop me",):
            return
        if message.params[-1:] == ("rewrite me",):
            message = message.replace(params=(message.params[0], "rewritten"))
        if message.params[-1:] == ("inject",):
            await next_handler(bottom.Message("PRIVMSG", ("#c", "injected"), source="x!y@z"))
        await next_handler(message)

    sclient.raw_handlers.append(middleware)
    seen: list[str] = []
    sclient.on("privmsg", lambda message: seen.append(message))
    conn = await connect(sclient, scripted)
    for text in ("drop me", "rewrite me", "inject", "plain"):
        conn.send_line(f":a!b@c PRIVMSG #c :{text}")
    conn.send_line("PING :end")
    await asyncio.wait_for(sclient.wait("ping"), TIMEOUT)
    assert seen == ["rewritten", "injected", "inject", "plain"]


async def test_a_suspended_middleware_keeps_line_order(sclient: bottom.Client,
                                                       scripted: Server) -> None:
    gate = asyncio.Event()

    async def slow_first(next_handler: Any, message: bottom.Message) -> None:
        if message.params[-1:] == ("1",):
            await gate.wait()
        await next_handler(message)

    sclient.raw_handlers.append(slow_first)
    seen: list[str] = []
    sclient.on("privmsg", lambda message: seen.append(message))
    conn = await connect(sclient, scripted)
    for n in range(1, 4):
        conn.send_line(f":a!b@c PRIVMSG #c :{n}")
    def held() -> int:
        chain = sclient._middleware
        return len(chain._backlog or ()) if chain is not None else 0

    await until(lambda: held() == 2)
    assert seen == []
    gate.set()
    for _ in range(3):
        if len(seen) == 3:
            break
        await asyncio.wait_for(sclient.wait("privmsg"), TIMEOUT)
    assert seen == ["1", "2", "3"]


# -- many clients, loops ------------------------------------------------------------

async def test_two_clients_in_one_loop_talk_to_each_other(irc_server: Server) -> None:
    alice = bottom.Client(irc_server.host, irc_server.port, ssl=False, flood_control=False)
    bob = bottom.Client(irc_server.host, irc_server.port, ssl=False, flood_control=False)
    await register(alice, irc_server, "alice")
    await register(bob, irc_server, "bob")
    heard = asyncio.ensure_future(bob.wait("privmsg"))
    alice.send("privmsg", target="bob", message="hello bob")
    kwargs = await asyncio.wait_for(heard, TIMEOUT)
    assert (kwargs["nick"], kwargs["target"], kwargs["message"]) == ("alice", "bob", "hello bob")
    await alice.disconnect()
    await bob.disconnect()


def test_client_loop_outside_a_running_loop_makes_and_binds_one() -> None:
    client = bottom.Client("127.0.0.1", 6667)
    loop = client.loop
    assert client.loop is loop
    assert not loop.is_closed()
    loop.close()


async def test_a_client_made_outside_any_loop_binds_to_the_loop_that_connects(
        irc_server: Server) -> None:
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False)
    await client.connect()
    assert client.loop is asyncio.get_running_loop()
    other = asyncio.new_event_loop()
    with pytest.raises(bottom.AlreadyConnected, match="disconnect") as raised:
        client.loop = other
    other.close()
    assert isinstance(raised.value, RuntimeError)  # DESIGN: a RuntimeError
    await client.disconnect()


async def test_reconnecting_from_a_disconnect_handler_while_the_old_transport_closes(
        irc_server: Server) -> None:
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False)
    reconnected = asyncio.Event()

    @client.on("client_disconnect")
    async def again() -> None:
        if not reconnected.is_set():
            await client.connect()
            reconnected.set()

    conn = await connect(client, irc_server)
    conn.reset()
    await asyncio.wait_for(reconnected.wait(), TIMEOUT)
    assert not client.is_closing()
    assert len(irc_server.connections) == 2
    reconnected.set()
    await client.disconnect()


async def test_built_in_reconnect_comes_back_and_stops_on_disconnect(
        irc_server: Server) -> None:
    policy = bottom.ReconnectPolicy(initial=0.05, minimum=0.01, maximum=0.1)
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False, reconnect=policy)
    connects: list[int] = []
    client.on("client_connect", lambda: connects.append(1))
    conn = await connect(client, irc_server)
    back = asyncio.ensure_future(client.wait("client_connect"))
    conn.reset()
    await asyncio.wait_for(back, TIMEOUT)
    assert len(connects) == 2
    await client.disconnect()
    assert client._reconnect_task is None
    assert client.is_closing()


async def test_built_in_reconnect_backs_off_while_the_server_refuses(
        irc_server: Server) -> None:
    delays: list[float] = []
    third_attempt = asyncio.Event()

    class Recording(bottom.ReconnectPolicy):
        def next_delay(self) -> float:
            delays.append(super().next_delay())
            if len(delays) == 3:
                third_attempt.set()
            return delays[-1]

    policy = Recording(initial=0.05, minimum=0.02, maximum=0.2)
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False, reconnect=policy)
    await connect(client, irc_server)
    disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
    await irc_server.close()
    await asyncio.wait_for(disconnected, TIMEOUT)
    await asyncio.wait_for(third_attempt.wait(), TIMEOUT)
    assert all(0.02 <= d <= 0.2 for d in delays)
    assert client.is_closing()
    await client.disconnect()
    assert client._reconnect_task is None


# -- TLS --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[int]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b":irc.test NOTICE * :hello over TLS\r\n")
        await writer.drain()
        await reader.read(1024)
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0, ssl=context)
    yield server.sockets[0].getsockname()[1]
    server.close()


async def test_tls_with_a_context_that_trusts_the_server(
        tls_server: int, certificate: tuple[Path, Path]) -> None:
    context = ssl.create_default_context(cafile=str(certificate[0]))
    client = bottom.Client("localhost", tls_server, ssl=context)
    notice = asyncio.ensure_future(client.wait("notice"))
    await client.connect()
    assert (await asyncio.wait_for(notice, TIMEOUT))["message"] == "hello over TLS"
    await client.disconnect()


async def test_tls_verifies_certificates_by_default(tls_server: int) -> None:
    client = bottom.Client("localhost", tls_server)  # ssl=True: system trust store
    with pytest.raises(bottom.ConnectionFailed, match="TLS handshake"):
        await client.connect()
    assert client.is_closing()


# -- hostile lines ------------------------------------------------------------------

@pytest.mark.parametrize("raw, token", [
    (b"PING :tok\r\r\n", "tok"),
    (b"PING irc.test\r\n", "irc.test"),
    (b"PING :a\x00b\r\n", "ab"),
    (b"PING :\r\n", ""),
    (b"PING\r\n", ""),
])
async def test_odd_pings_are_answered_and_never_break_the_connection(
        sclient: bottom.Client, scripted: Server, raw: bytes, token: str) -> None:
    conn = await connect(sclient, scripted)
    conn.push(raw)
    pong = await conn.wait_for_line("PONG", timeout=TIMEOUT)
    assert pong.params[-1] == token
    conn.send_line("PING :still-up")
    assert (await conn.wait_for_line("PONG", timeout=TIMEOUT)).params == ("still-up",)
    assert not sclient.is_closing()


@pytest.mark.parametrize("command", ["CLIENT_DISCONNECT", "CLIENT_CONNECT", "RPL_WELCOME"])
async def test_a_server_cannot_fake_a_local_or_named_event(
        sclient: bottom.Client, scripted: Server, command: str) -> None:
    faked: list[dict[str, Any]] = []
    invalid = asyncio.ensure_future(sclient.wait("invalid_command"))
    conn = await connect(sclient, scripted)
    sclient.on(command, lambda **kw: faked.append(kw))
    conn.send_line(f":evil.server {command} 127.0.0.1 6667 :gotcha")
    kwargs = await asyncio.wait_for(invalid, TIMEOUT)
    assert kwargs["command"] == command
    assert faked == []
    assert not sclient.is_closing()


async def test_a_handler_error_on_a_hostile_line_leaves_the_link_up(
        sclient: bottom.Client, scripted: Server) -> None:
    @sclient.on("privmsg")
    def fragile(message: str) -> None:
        raise RuntimeError("handler bug")

    conn = await connect(sclient, scripted)
    conn.push(b":a!b@c PRIVMSG #c :\x00\xff\r\n")
    conn.send_line("PING :after")
    assert (await conn.wait_for_line("PONG", timeout=TIMEOUT)).params == ("after",)
    assert not sclient.is_closing()


async def test_connect_while_the_old_connection_closes_reports_its_disconnect_first(
        irc_server: Server) -> None:
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False)
    order: list[str] = []
    client.on("client_connect", lambda: order.append("connect"))
    client.on("client_disconnect", lambda: order.append("disconnect"))
    await client.connect()
    assert client._conn is not None
    client._conn.close()  # closing, not yet lost
    await asyncio.wait_for(client.connect(), TIMEOUT)
    assert order == ["connect", "disconnect", "connect"]
    assert not client.is_closing()
    await client.disconnect()


def test_users_can_still_hang_their_own_attributes_on_a_client() -> None:
    import weakref

    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    # (not client.state: that name is the tracked network state, DESIGN "Network state")
    client.counts = {"seen": 0}  # type: ignore[attr-defined]
    assert client.counts == {"seen": 0}  # type: ignore[attr-defined]
    assert weakref.ref(client)() is client


class _MyBot(bottom.Client):
    def __init__(self) -> None:
        super().__init__("127.0.0.1", 6667, ssl=False)
        self.greeting = "hello"


def test_a_subclass_of_client_keeps_its_own_attributes() -> None:
    assert _MyBot().greeting == "hello"


async def test_disconnect_abandons_a_connect_still_in_progress() -> None:
    # A listener that never accepts: the TCP handshake completes in the
    # kernel backlog, so use a TLS client against it, which waits forever
    # for the server's handshake.
    import socket as socket_module

    listener = socket_module.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        client = bottom.Client("127.0.0.1", port, ssl=True, connect_timeout=60)
        seen: list[str] = []
        client.on("client_connect", lambda: seen.append("connect"))
        connecting = asyncio.ensure_future(client.connect())
        await until(lambda: client._opening is not None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await asyncio.wait_for(client.disconnect(), TIMEOUT)
            with pytest.raises(bottom.ConnectionFailed, match="abandoned"):
                await asyncio.wait_for(connecting, TIMEOUT)
            gc.collect()
        assert seen == [] and client.is_closing()
        assert not [w for w in caught if "never awaited" in str(w.message)]
    finally:
        listener.close()
