"""open_transport(): TLS mistakes in words, local_addr, IPv6, WebSocket.

Peers are asyncio servers inside the test (a TLS server with a throwaway
certificate, silent or chatty plaintext servers, a websockets server), so
every message a user can get is asserted word for word.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import TIMEOUT, Script, has_ipv6_loopback, read_line, serving

import bottom
import bottom.transport
import bottom.websocket
from bottom import ConnectionFailed
from bottom.proxy import Handshake, Proxy
from bottom.transport import open_transport


def socks5_to(port: int) -> Script:
    """A SOCKS5 proxy (no auth) that tunnels to 127.0.0.1:port, for a target
    named localhost."""
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(3)
        writer.write(b"\x05\x00")
        request = await reader.readexactly(4 + 1 + len(b"localhost") + 2)
        assert request[5:14] == b"localhost", request
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x05\x00\x00\x01" + bytes(6))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                dst.write(data)
            dst.close()
        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            up_writer.close()
    return proxy


async def wait_lost(peer: Handshake) -> Exception | None:
    """The error the connection ended with."""
    while not peer.lost:
        await asyncio.wait_for(peer.wait_for_data(), TIMEOUT)
        if peer.eof:
            await asyncio.sleep(0)  # let connection_lost follow the EOF
    return peer.error


async def failure(host: str, port: int, **kwargs: Any) -> str:
    with pytest.raises(ConnectionFailed) as info:
        await open_transport(Handshake(), host, port, timeout=TIMEOUT, **kwargs)
    return str(info.value)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for DNS name localhost only; the key beside it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    return folder / "cert.pem"


@pytest.fixture
def server_context(certificate: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, certificate.parent / "key.pem")
    return context


@pytest.fixture
def trusting(certificate: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate))


async def irc_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Silent until QUIT, which it answers with ERROR.

    (A TLS hello that happens to hold a newline gets no answer either, so the
    test does not depend on random bytes.)"""
    while line := await reader.readline():
        if line.startswith(b"QUIT"):
            writer.write(b"ERROR :Closing connection\r\n")
            await writer.drain()
            return


async def greeter(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b":irc.test NOTICE * :hello\r\n")
    await reader.read()


# -- TLS against plaintext, plaintext against TLS ----------------------------------

async def test_tls_on_a_silent_plaintext_port_is_found_by_a_plaintext_probe(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bottom.transport, "PROBE_AFTER_SECONDS", 0.05)
    async with serving(irc_server) as port:
        assert await failure("127.0.0.1", port, ssl=ssl.create_default_context()) == (
            f"127.0.0.1:{port} speaks plaintext, not TLS: it answered "
            "b'ERROR :Closing connection\\r\\n'; pass ssl=False, or use the server's TLS "
            "port (often 6697)")


async def test_tls_on_a_port_that_answers_the_hello_with_text() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(5)
        writer.write(b":irc.test NOTICE * :*** Looking up your hostname\r\n")
        await reader.read()

    async with serving(answer) as port:
        message = await failure("127.0.0.1", port, ssl=ssl.create_default_context())
    assert message.startswith(f"TLS handshake with 127.0.0.1:{port} failed ([SSL: ")
    assert message.endswith("): it answered with bytes that are not TLS, so it probably "
                            "speaks plaintext on this port; pass ssl=False")


async def test_tls_on_a_port_that_closes_on_the_hello() -> None:
    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(5)

    async with serving(close) as port:
        message = await failure("127.0.0.1", port, ssl=ssl.create_default_context())
    assert message.startswith(f"127.0.0.1:{port} closed the connection during the TLS "
                              "handshake (")
    assert message.endswith("); if it speaks plaintext IRC on this port, pass ssl=False")


async def test_a_slow_tls_server_is_not_taken_for_plaintext(
        monkeypatch: pytest.MonkeyPatch, server_context: ssl.SSLContext,
        trusting: ssl.SSLContext) -> None:
    # The probe runs at once and meets a TLS port: the handshake goes on.
    monkeypatch.setattr(bottom.transport, "PROBE_AFTER_SECONDS", 0.0)
    async with serving(greeter, context=server_context) as port:
        peer = Handshake()
        await open_transport(peer, "localhost", port, ssl=trusting, timeout=TIMEOUT)
        assert await read_line(peer) == b":irc.test NOTICE * :hello\r\n"
        assert peer.transport is not None
        peer.transport.close()


async def test_plaintext_on_a_tls_port_says_to_pass_ssl() -> None:
    async def tls_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"\x15\x03\x03\x00\x02\x02\x32")  # alert: decode_error
        await writer.drain()

    async with serving(tls_server) as port:
        peer = Handshake()
        transport = await open_transport(peer, "127.0.0.1", port, ssl=None, timeout=TIMEOUT)
        transport.write(b"NICK bot\r\n")  # type: ignore[attr-defined]
        error = await wait_lost(peer)
    assert str(error) == (f"127.0.0.1:{port} speaks TLS on this port: it answered with a TLS "
                          "record (b'\\x15\\x03\\x03\\x00\\x02\\x022'); pass ssl=True or an "
                          "ssl.SSLContext")
    assert not peer.buffer


async def test_plaintext_against_a_real_tls_server(server_context: ssl.SSLContext) -> None:
    async with serving(greeter, context=server_context) as port:
        peer = Handshake()
        transport = await open_transport(peer, "127.0.0.1", port, ssl=None, timeout=TIMEOUT)
        transport.write(b"CAP LS 302\r\nNICK bot\r\nUSER bot 0 * :bot\r\n")  # type: ignore
        error = await wait_lost(peer)
    assert "pass ssl=True or an ssl.SSLContext" in str(error)


async def test_plaintext_lines_pass_the_sniffer_untouched() -> None:
    async with serving(greeter) as port:
        peer = Handshake()
        transport = await open_transport(peer, "127.0.0.1", port, ssl=None, timeout=TIMEOUT)
        assert await read_line(peer) == b":irc.test NOTICE * :hello\r\n"
        assert transport.get_protocol() is peer  # type: ignore[attr-defined]
        transport.close()


# -- certificates ----------------------------------------------------------------------

async def test_a_self_signed_certificate_names_the_host_reason_and_fix(
        server_context: ssl.SSLContext) -> None:
    async with serving(greeter, context=server_context) as port:
        message = await failure("localhost", port, ssl=ssl.create_default_context())
    assert message.startswith(f"TLS handshake with localhost:{port} failed: its certificate "
                              "was not accepted (self")
    assert message.endswith("); for a self-signed server pass "
                            "ssl=ssl.create_default_context(cafile='its-cert.pem')")


async def test_a_certificate_for_another_name(server_context: ssl.SSLContext,
                                              trusting: ssl.SSLContext) -> None:
    async with serving(greeter, context=server_context) as port:
        message = await failure("127.0.0.1", port, ssl=trusting)
    assert message.startswith(f"TLS handshake with 127.0.0.1:{port} failed: its certificate "
                              "was not accepted (IP address mismatch, certificate is not "
                              "valid for '127.0.0.1'.)")


async def test_tls_through_a_socks5_tunnel(server_context: ssl.SSLContext,
                                           trusting: ssl.SSLContext) -> None:
    async with (serving(greeter, context=server_context) as tls_port,
                serving(socks5_to(tls_port)) as proxy_port):
        peer = Handshake()
        transport = await open_transport(
            peer, "localhost", tls_port, ssl=trusting, timeout=TIMEOUT,
            proxy=Proxy.parse(f"socks5://127.0.0.1:{proxy_port}"))
        assert await read_line(peer) == b":irc.test NOTICE * :hello\r\n"
        assert transport.get_extra_info("ssl_object") is not None
        transport.close()


# -- addresses -----------------------------------------------------------------------

async def test_nothing_listening_names_the_address() -> None:
    async with serving(greeter) as port:
        pass
    assert (await failure("127.0.0.1", port, ssl=None)).startswith(
        f"could not connect to 127.0.0.1:{port}: ")


async def test_local_addr_chooses_the_source_address() -> None:
    peers: list[tuple[str, int]] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer.get_extra_info("peername")[:2])
        writer.write(b"hi\r\n")
        await reader.read()

    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        source = spare.getsockname()
    async with serving(record) as port:
        peer = Handshake()
        transport = await open_transport(peer, "127.0.0.1", port, ssl=None, timeout=TIMEOUT,
                                         local_addr=source)
        await read_line(peer)
        transport.close()
    assert peers == [source]


@pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no ::1 (IPv6 loopback)")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
async def test_ipv6_literal_hosts(host: str) -> None:
    async with serving(greeter, "::1") as port:
        peer = Handshake()
        transport = await open_transport(peer, host, port, ssl=None, timeout=TIMEOUT)
        assert await read_line(peer) == b":irc.test NOTICE * :hello\r\n"
        assert transport.get_extra_info("peername")[0] == "::1"
        transport.close()


async def test_happy_eyeballs_delay_and_local_addr_reach_create_connection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    seen: dict[str, Any] = {}
    real = loop.create_connection

    async def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return await real(*args, **kwargs)

    monkeypatch.setattr(loop, "create_connection", spy)
    async with serving(greeter) as port:
        transport = await open_transport(Handshake(), "localhost", port, ssl=None,
                                         timeout=TIMEOUT, happy_eyeballs_delay=0.25,
                                         local_addr=("127.0.0.1", 0))
        transport.close()
    assert seen["happy_eyeballs_delay"] == 0.25
    assert seen["local_addr"] == ("127.0.0.1", 0)


# -- WebSocket ---------------------------------------------------------------------

try:
    from websockets.asyncio import server as websockets_server
except ImportError:  # the websocket extra is not installed
    websockets_server = None
needs_websockets = pytest.mark.skipif(
    websockets_server is None, reason='websockets not installed: pip install "bottom[websocket]"')


@contextlib.asynccontextmanager
async def ws_serving(handler: Any, **kwargs: Any) -> AsyncIterator[str]:
    async with websockets_server.serve(handler, "127.0.0.1", 0, **kwargs) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        scheme = "wss" if kwargs.get("ssl") else "ws"
        yield f"{scheme}://{'localhost' if scheme == 'wss' else '127.0.0.1'}:{port}/webirc"


@needs_websockets
@pytest.mark.parametrize("subprotocol", ["text.ircv3.net", "binary.ircv3.net"])
async def test_websocket_carries_one_line_per_message(subprotocol: str) -> None:
    received: list[str | bytes] = []
    done = asyncio.get_running_loop().create_future()

    async def handler(ws: Any) -> None:
        assert ws.subprotocol == subprotocol
        await ws.send("PING :one")
        await ws.send(["PING ", ":frag", "mented"])  # one message in three frames
        await ws.send(b"PING :caf\xc3\xa9\r\n")  # a server that keeps the CRLF
        async for message in ws:
            received.append(message)
            if len(received) == 3:
                done.set_result(None)

    async with ws_serving(handler, subprotocols=[subprotocol]) as url:
        peer = Handshake()
        transport = await open_transport(peer, "irc.example", 6667, ssl=None,
                                         timeout=TIMEOUT, transport="websocket", url=url)
        assert transport.get_extra_info("subprotocol") == subprotocol
        lines = [await read_line(peer) for _ in range(3)]
        assert lines == [b"PING :one\r\n", b"PING :fragmented\r\n", b"PING :caf\xc3\xa9\r\n"]
        transport.write(b"PONG :one\r\nPONG :frag")  # type: ignore[attr-defined]
        transport.write(b"mented\r\nPONG :caf\xc3\xa9\r\n")  # type: ignore[attr-defined]
        await asyncio.wait_for(done, TIMEOUT)
        transport.close()
        assert await wait_lost(peer) is None
    if subprotocol == "text.ircv3.net":
        assert received == ["PONG :one", "PONG :fragmented", "PONG :café"]
    else:
        assert received == [b"PONG :one", b"PONG :fragmented", b"PONG :caf\xc3\xa9"]


@needs_websockets
async def test_websocket_over_tls_through_a_socks5_proxy(
        server_context: ssl.SSLContext, trusting: ssl.SSLContext) -> None:
    async def handler(ws: Any) -> None:
        await ws.send("PING :secure")
        await ws.wait_closed()

    async with ws_serving(handler, ssl=server_context) as url:
        ws_port = int(url.split(":")[2].split("/")[0])
        async with serving(socks5_to(ws_port)) as proxy_port:
            peer = Handshake()
            transport = await open_transport(
                peer, "irc.example", 6697, ssl=trusting, timeout=TIMEOUT, transport="websocket",
                url=url, proxy=Proxy.parse(f"socks5://127.0.0.1:{proxy_port}"))
            assert await read_line(peer) == b"PING :secure\r\n"
            assert transport.get_extra_info("ssl_object") is not None
            transport.close()


@needs_websockets
async def test_websocket_refused_upgrade() -> None:
    def refuse(connection: Any, request: Any) -> Any:
        return connection.respond(403, "no bots\n")

    async with ws_serving(lambda ws: ws.wait_closed(), process_request=refuse) as url:
        assert await failure("irc.example", 6667, ssl=None, transport="websocket",
                             url=url) == f"WebSocket upgrade at {url} refused: HTTP 403 Forbidden"


@needs_websockets
async def test_websocket_to_a_plain_irc_port() -> None:
    async def unknown(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            command = line.split(b" ")[0].strip()
            writer.write(b":irc.test 421 * " + command + b" :Unknown command\r\n")

    async with serving(unknown) as port:
        url = f"ws://127.0.0.1:{port}/"
        message = await failure("127.0.0.1", port, ssl=None, transport="websocket", url=url)
    assert message == (f"WebSocket upgrade at {url} failed: the answer is not HTTP, so "
                       "this is not a WebSocket endpoint")


@needs_websockets
async def test_websocket_closed_with_an_error_code_says_so() -> None:
    async def handler(ws: Any) -> None:
        await ws.close(4000, "K-lined")

    async with ws_serving(handler) as url:
        peer = Handshake()
        await open_transport(peer, "irc.example", 6667, ssl=None, timeout=TIMEOUT,
                             transport="websocket", url=url)
        assert str(await wait_lost(peer)) == "WebSocket closed by the server: code 4000 K-lined"


async def test_websocket_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "websockets.client", None)
    with pytest.raises(ImportError, match=r'pip install "bottom\[websocket\]"'):
        bottom.websocket.require_websockets()


@pytest.mark.parametrize("url, message", [
    ("http://h/", "url='http://h/' must be a ws:// or wss:// URL with a host"),
    ("ws:///path", "url='ws:///path' must be a ws:// or wss:// URL with a host"),
    ("ws://h:99999/", "url='ws://h:99999/' has a port outside 0-65535"),
])
def test_websocket_url_is_checked(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("?", r"\?")):
        bottom.transport.parse_websocket_url(url)


@pytest.mark.parametrize("url, expected", [
    ("ws://h/", ("h", 80, False)),
    ("wss://h/irc", ("h", 443, True)),
    ("wss://[::1]:8097/", ("::1", 8097, True)),
])
def test_websocket_url_defaults(url: str, expected: tuple[str, int, bool]) -> None:
    assert bottom.transport.parse_websocket_url(url) == expected


# -- the Client's keywords -------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    ({"transport": "udp"}, ValueError, "transport='udp' must be 'tcp' or 'websocket'"),
    ({"url": "ws://h/"}, ValueError, "url='ws://h/' is for transport='websocket'; for TCP "
                                     "give host and port"),
    ({"transport": "websocket", "url": "wss://h/", "ssl": False}, ValueError,
     "url='wss://h/' is TLS (wss://) but ssl=False: use a ws:// URL or leave ssl at True "
     "(or an ssl.SSLContext)"),
    ({"transport": "websocket", "url": "irc://h/"}, ValueError,
     "url='irc://h/' must be a ws:// or wss:// URL with a host, like "
     "wss://irc.example.org/webirc"),
    ({"proxy": "socks5://h"}, ValueError, "proxy='socks5://h' needs a host and a port, like "
                                          "socks5://127.0.0.1:1080"),
    ({"proxy": 1080}, TypeError, "proxy= must be a URL like 'socks5://host:1080' or a "
                                 "bottom.proxy.Proxy, not int"),
    ({"local_addr": "127.0.0.1"}, ValueError, "local_addr='127.0.0.1' must be a (host, port) "
                                              "tuple with a port in 0-65535, like "
                                              "('192.0.2.1', 0)"),
    ({"local_addr": ("::", 70000)}, ValueError, "local_addr=('::', 70000) must be a"),
    ({"happy_eyeballs_delay": -1}, ValueError, "happy_eyeballs_delay=-1 must be None or "
                                               "seconds >= 0 (RFC 8305 suggests 0.25)"),
])
def test_client_checks_its_transport_keywords(kwargs: dict[str, Any], error: type[Exception],
                                              message: str) -> None:
    with pytest.raises(error) as info:
        bottom.Client("irc.example", 6667, **kwargs)
    assert str(info.value).startswith(message)


def test_client_websocket_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "websockets.client", None)
    with pytest.raises(ImportError, match=r'needs the websockets package: pip install '
                                          r'"bottom\[websocket\]"'):
        bottom.Client("irc.example", 6667, transport="websocket")


async def test_client_through_a_socks5_proxy_gets_events() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(3)
        writer.write(b"\x05\x00")
        await reader.readexactly(4 + 1 + len(b"irc.example") + 2)
        writer.write(b"\x05\x00\x00\x01" + bytes(6) + b":irc.example NOTICE * :via socks\r\n")
        await reader.read()

    async with serving(proxy) as port:
        client = bottom.Client("irc.example", 6667, ssl=False,
                               proxy=f"socks5://127.0.0.1:{port}")
        notice = asyncio.ensure_future(client.wait("notice"))
        await client.connect()
        assert (await asyncio.wait_for(notice, TIMEOUT))["message"] == "via socks"
        await client.disconnect()


async def test_client_refused_by_its_proxy_raises_connection_failed() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(3)
        writer.write(b"\x05\x00")
        await reader.readexactly(4 + 1 + len(b"irc.example") + 2)
        writer.write(b"\x05\x05\x00\x01" + bytes(6))
        await reader.read()

    async with serving(proxy) as port:
        client = bottom.Client("irc.example", 6667, ssl=False,
                               proxy=f"socks5://127.0.0.1:{port}")
        with pytest.raises(ConnectionFailed, match=r"connection refused \(SOCKS5 reply 5\)$"):
            await client.connect()
        assert client.is_closing()


async def test_client_on_a_tls_port_without_ssl_gets_the_reason() -> None:
    async def tls_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"\x15\x03\x01\x00\x02\x02\x16")
        await reader.read()

    async with serving(tls_server) as port:
        client = bottom.Client("127.0.0.1", port, ssl=False, nick="bot")
        gone = asyncio.ensure_future(client.wait("client_disconnect"))
        await client.connect()
        reason = (await asyncio.wait_for(gone, TIMEOUT))["reason"]
    assert reason == (f"connection lost: 127.0.0.1:{port} speaks TLS on this port: it "
                      "answered with a TLS record (b'\\x15\\x03\\x01\\x00\\x02\\x02\\x16'); "
                      "pass ssl=True or an ssl.SSLContext")


async def test_client_with_tls_on_a_plaintext_port_raises_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bottom.transport, "PROBE_AFTER_SECONDS", 0.05)
    async with serving(irc_server) as port:
        client = bottom.Client("127.0.0.1", port)
        with pytest.raises(ConnectionFailed, match="speaks plaintext, not TLS"):
            await client.connect()


@needs_websockets
async def test_client_over_websocket_sends_and_receives_lines() -> None:
    got = asyncio.get_running_loop().create_future()

    async def handler(ws: Any) -> None:
        await ws.send(":irc.example 001 bot :Welcome")
        got.set_result(await ws.recv())
        await ws.wait_closed()

    async with ws_serving(handler, subprotocols=["text.ircv3.net"]) as url:
        client = bottom.Client("irc.example", 6667, transport="websocket", url=url,
                               flood_control=False)
        welcome = asyncio.ensure_future(client.wait("rpl_welcome"))
        await client.connect()
        assert (await asyncio.wait_for(welcome, TIMEOUT))["message"] == "Welcome"
        client.send("privmsg", target="#c", message="hi")
        assert await asyncio.wait_for(got, TIMEOUT) == "PRIVMSG #c :hi"
        await client.disconnect()
