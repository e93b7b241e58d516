"""Transports against real peers: microsocks, inspircd's WebSocket, ::1, TLS mistakes.

SOCKS5 runs through Debian's microsocks (with and without user/password);
WebSocket through inspircd's own websocket module (text and binary frames);
IPv6 against ngircd and inspircd listening on ::1.  Every failure a user can
meet here (wrong password, no credentials, target refused, TLS on the
plaintext port and the reverse) has its message asserted.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import has_ipv6_loopback

import bottom

from .helpers import ClientPool, register, unique_channel
from .servers import (
    HOST,
    RealServer,
    SocksProxy,
    find_binary,
    start_inspircd,
    start_microsocks,
    start_ngircd,
)

FAST = {"flood_control": False}


def _proxy(*credentials: str) -> Iterator[SocksProxy]:
    if find_binary("microsocks") is None:
        pytest.skip("microsocks not installed (apt-get install microsocks)")
    proxy = start_microsocks(*credentials)
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def socks() -> Iterator[SocksProxy]:
    """microsocks without authentication."""
    yield from _proxy()


@pytest.fixture(scope="module")
def socks_auth() -> Iterator[SocksProxy]:
    """microsocks that wants user "bottom", password "s3cret"."""
    yield from _proxy("bottom", "s3cret")


def _context(server: RealServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.cafile))


# -- SOCKS5 ----------------------------------------------------------------------------

async def test_registers_through_socks5(ircd: RealServer, socks: SocksProxy,
                                        pool: ClientPool) -> None:
    bot = pool.make(ircd, "socks", proxy=socks.url, **FAST)
    (ready,) = await register(bot)
    assert ready["host"] == HOST


async def test_tls_through_socks5_with_a_password(ircd: RealServer, socks_auth: SocksProxy,
                                                  pool: ClientPool) -> None:
    bot = pool.make(ircd, "stls", port=ircd.tls_port, ssl=_context(ircd),
                    proxy=socks_auth.url, **FAST)
    await register(bot)
    channel = unique_channel("socks")
    joined = await bot.join(channel)
    assert joined["host"] == HOST  # the proxy's address, seen by the server


async def test_socks5_wrong_password(ngircd: RealServer, socks_auth: SocksProxy) -> None:
    client = bottom.Client(HOST, ngircd.port, ssl=False,
                           proxy=f"socks5://bottom:wrong@{HOST}:{socks_auth.port}")
    with pytest.raises(bottom.ConnectionFailed) as info:
        await client.connect()
    assert str(info.value) == (
        f"proxy socks5://bottom:***@{HOST}:{socks_auth.port} could not open a tunnel to "
        f"{HOST}:{ngircd.port}: the proxy rejected the user name and password "
        "(RFC 1929 status 2)")


async def test_socks5_without_the_password_it_wants(ngircd: RealServer,
                                                    socks_auth: SocksProxy) -> None:
    client = bottom.Client(HOST, ngircd.port, ssl=False,
                           proxy=f"socks5://{HOST}:{socks_auth.port}")
    with pytest.raises(bottom.ConnectionFailed) as info:
        await client.connect()
    assert str(info.value) == (
        f"proxy socks5://{HOST}:{socks_auth.port} could not open a tunnel to "
        f"{HOST}:{ngircd.port}: the proxy requires a user name and password "
        "(socks5://user:pass@host:port)")


async def test_socks5_target_unreachable(socks: SocksProxy) -> None:
    with socket.socket() as spare:
        spare.bind((HOST, 0))
        closed_port = spare.getsockname()[1]
    client = bottom.Client(HOST, closed_port, ssl=False, proxy=socks.url)
    with pytest.raises(bottom.ConnectionFailed) as info:
        await client.connect()
    assert str(info.value) == (
        f"proxy {socks.url} could not open a tunnel to {HOST}:{closed_port}: connection "
        "refused (SOCKS5 reply 5)")


# -- TLS mistakes ------------------------------------------------------------------------

async def test_tls_on_the_plaintext_port(ircd: RealServer) -> None:
    client = bottom.Client(HOST, ircd.port, ssl=_context(ircd))
    with pytest.raises(bottom.ConnectionFailed) as info:
        await client.connect()
    message = str(info.value)
    assert "pass ssl=False" in message, message
    assert f"{HOST}:{ircd.port}" in message


async def test_plaintext_on_the_tls_port(ircd: RealServer, pool: ClientPool) -> None:
    bot = pool.make(ircd, "plain", port=ircd.tls_port, ssl=False, **FAST)
    since = bot.events.mark()
    await bot.client.connect()
    gone = await bot.events.wait("CLIENT_DISCONNECT", since=since)
    reason = gone["reason"]
    # Measured: both answer NICK with a TLS alert (gnutls: b'\x15\x03\x03\x00\x02\x01\x00').
    assert reason.startswith(f"connection lost: {HOST}:{ircd.tls_port} speaks TLS on this "
                             "port: it answered with a TLS record (b'\\x15\\x03"), reason
    assert reason.endswith("); pass ssl=True or an ssl.SSLContext"), reason


# -- WebSocket (inspircd) -------------------------------------------------------------------

@pytest.fixture(scope="module", params=["text", "binary"])
def inspircd_ws(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """inspircd with a WebSocket listener sending text or binary frames."""
    if find_binary("inspircd") is None:
        pytest.skip("inspircd not installed (apt-get install inspircd)")
    server = start_inspircd(tmp_path_factory.mktemp(f"inspircd-ws-{request.param}"),
                            websocket=request.param)
    try:
        yield server
    finally:
        server.stop()


async def test_websocket_and_tcp_clients_talk(inspircd_ws: RealServer,
                                              pool: ClientPool) -> None:
    url = f"ws://{HOST}:{inspircd_ws.websocket_port}/"
    web = pool.make(inspircd_ws, "web", transport="websocket", url=url, **FAST)
    tcp = pool.make(inspircd_ws, "tcp", **FAST)
    await register(web, tcp)
    channel = unique_channel("ws")
    await web.join(channel)
    await tcp.join(channel)
    since = tcp.events.mark()
    web.send("privmsg", target=channel, message="héllo from a WebSocket")
    got = await tcp.events.wait("PRIVMSG", since=since, nick=web.nick)
    assert got["message"] == "héllo from a WebSocket"
    since = web.events.mark()
    tcp.send("privmsg", target=channel, message="and back ✓")
    got = await web.events.wait("PRIVMSG", since=since, nick=tcp.nick)
    assert got["message"] == "and back ✓"


async def test_websocket_to_a_port_without_websocket(inspircd: RealServer) -> None:
    url = f"ws://{HOST}:{inspircd.port}/"
    # inspircd reads the HTTP request as IRC lines and says nothing.
    client = bottom.Client(HOST, inspircd.port, transport="websocket", url=url,
                           connect_timeout=2.0)
    with pytest.raises(bottom.ConnectionFailed) as info:
        await client.connect()
    assert str(info.value) == (f"connecting to {HOST}:{inspircd.port} timed out after 2.0 s "
                               "waiting for the answer to the WebSocket upgrade (is "
                               f"{url} a WebSocket endpoint?)")


# -- IPv6 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["ngircd", "inspircd"])
def ircd_v6(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """Each server, listening on ::1 as well."""
    if not has_ipv6_loopback():
        pytest.skip("this machine has no ::1 (IPv6 loopback): IPv6 not tested")
    if find_binary(request.param) is None:
        pytest.skip(f"{request.param} not installed (apt-get install {request.param})")
    start: Any = {"ngircd": start_ngircd, "inspircd": start_inspircd}[request.param]
    server: RealServer = start(Path(tmp_path_factory.mktemp(f"{request.param}-v6")), ipv6=True)
    try:
        yield server
    finally:
        server.stop()


async def test_registers_over_ipv6_loopback(ircd_v6: RealServer, pool: ClientPool) -> None:
    bot = pool.make(ircd_v6, "six", host="::1", **FAST)
    (ready,) = await register(bot)
    assert ready["host"] == "::1"
    joined = await bot.join(unique_channel("six"))
    assert joined["host"] in ("[0::1]", "0::1")  # as ngircd and inspircd show ::1
