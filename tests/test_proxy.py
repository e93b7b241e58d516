"""Proxies: SOCKS5, SOCKS4a and HTTP CONNECT against scripted peers in the test.

Each scripted proxy checks the exact bytes bottom sends and answers the way
a real proxy would (or would not), so every failure mode has its message
asserted word for word.
"""

from __future__ import annotations

import asyncio
import base64

import pytest
from helpers import TIMEOUT, Script, read_line, serving

from bottom import ConnectionFailed
from bottom.proxy import Handshake, Proxy
from bottom.transport import open_transport


async def connect_through(proxy: str, host: str = "irc.example", port: int = 6667) -> Handshake:
    """Open a plaintext connection through ``proxy``; the protocol that got it."""
    peer = Handshake()
    await open_transport(peer, host, port, ssl=None, timeout=TIMEOUT, proxy=Proxy.parse(proxy))
    return peer


async def speak_irc(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The IRC server behind the tunnel: answers PING."""
    line = await reader.readline()
    assert line == b"PING :through\r\n"
    writer.write(b"PONG :through\r\n")
    await writer.drain()


async def exchange(peer: Handshake) -> None:
    assert peer.transport is not None
    peer.transport.write(b"PING :through\r\n")
    assert await read_line(peer) == b"PONG :through\r\n"
    peer.transport.close()


def replying(*steps: int | bytes, hold: bool = True) -> Script:
    """A proxy that, in order, reads exactly ``n`` bytes for each int and
    writes each bytes value; then (``hold``) waits for the client to close,
    or closes at once."""
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for step in steps:
            if isinstance(step, int):
                await reader.readexactly(step)
            else:
                writer.write(step)
        if hold:
            await reader.read()
    return proxy


async def refused(proxy: str, host: str = "irc.example", port: int = 6667) -> str:
    with pytest.raises(ConnectionFailed) as info:
        await connect_through(proxy, host, port)
    assert (info.value.host, info.value.port) == (host, port)
    return str(info.value)


# -- parsing -------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("socks5://127.0.0.1:1080", Proxy("socks5", "127.0.0.1", 1080)),
    ("socks5h://tor:9050", Proxy("socks5", "tor", 9050)),
    ("SOCKS5://u%40x:p%3Aw@h:1", Proxy("socks5", "h", 1, "u@x", "p:w")),
    ("socks4a://me@h:1080", Proxy("socks4a", "h", 1080, "me")),
    ("http://user:pw@[::1]:3128", Proxy("http", "::1", 3128, "user", "pw")),
    ("http://h:8080/", Proxy("http", "h", 8080)),
])
def test_parse_reads_scheme_host_port_and_credentials(url: str, expected: Proxy) -> None:
    assert Proxy.parse(url) == expected


def test_str_of_a_proxy_hides_its_password() -> None:
    proxy = Proxy.parse("socks5://alice:secret@127.0.0.1:1080")
    assert str(proxy) == "socks5://alice:***@127.0.0.1:1080"
    assert "secret" not in repr(proxy)


@pytest.mark.parametrize("url, message", [
    ("ftp://h:1", "proxy='ftp://h:1': the scheme must be one of socks5://, socks5h://, "
                  "socks4a://, http://"),
    ("socks5://h", "proxy='socks5://h' needs a host and a port, like "
                   "socks5://127.0.0.1:1080"),
    ("socks5://u:secret@h", "proxy='socks5://u:***@h' needs a host and a port, like "
                            "socks5://127.0.0.1:1080"),
    ("http://h:1/path", "proxy='http://h:1/path': a proxy URL has no path or query"),
    ("socks4a://u:p@h:1", "proxy='socks4a://u:***@h:1': SOCKS4a carries a user id but no "
                          "password; use socks5:// for a password"),
    ("socks5://" + "u" * 256 + ":p@h:1", "SOCKS5 needs a user name of 1 to 255 bytes"),
    ("socks5://u:@h:1", "SOCKS5 needs a password of 1 to 255 bytes (RFC 1929)"),
])
def test_parse_refuses_a_bad_url_and_says_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Proxy.parse(url)
    assert message in str(info.value)


def test_parse_refuses_what_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="proxy= must be a URL string or a Proxy, not int"):
        Proxy.parse(1080)  # type: ignore[arg-type]


# -- SOCKS5 --------------------------------------------------------------------

def socks5_request(host: bytes, port: int = 6667) -> bytes:
    return b"\x05\x01\x00\x03" + bytes([len(host)]) + host + port.to_bytes(2, "big")


SOCKS5_OK = b"\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38"


async def test_socks5_tunnel_without_auth_resolves_the_name_at_the_proxy() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readexactly(3) == b"\x05\x01\x00"
        writer.write(b"\x05\x00")
        request = socks5_request(b"irc.example")
        assert await reader.readexactly(len(request)) == request
        # The server's first line arrives in the same segment as the reply.
        writer.write(SOCKS5_OK + b":irc.example NOTICE * :hello\r\n")
        await speak_irc(reader, writer)

    async with serving(proxy) as port:
        peer = await connect_through(f"socks5://127.0.0.1:{port}")
        assert await read_line(peer) == b":irc.example NOTICE * :hello\r\n"
        await exchange(peer)


async def test_socks5_tunnel_with_user_and_password() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readexactly(4) == b"\x05\x02\x00\x02"
        writer.write(b"\x05\x02")
        assert await reader.readexactly(11) == b"\x01\x05alice\x03p:w"
        writer.write(b"\x01\x00")
        request = socks5_request(b"irc.example")
        assert await reader.readexactly(len(request)) == request
        writer.write(b"\x05\x00\x00\x03\x09localhost\x04\x38")  # a domain-name bound address
        await speak_irc(reader, writer)

    async with serving(proxy) as port:
        await exchange(await connect_through(f"socks5://alice:p%3Aw@127.0.0.1:{port}"))


@pytest.mark.parametrize("host, address", [
    ("192.0.2.7", b"\x01\xc0\x00\x02\x07"),
    ("2001:db8::1", b"\x04" + bytes.fromhex("20010db8000000000000000000000001")),
])
async def test_socks5_sends_ip_literals_as_addresses(host: str, address: bytes) -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(3)
        writer.write(b"\x05\x00")
        request = b"\x05\x01\x00" + address + b"\x1a\x0b"
        assert await reader.readexactly(len(request)) == request
        writer.write(b"\x05\x00\x00\x04" + bytes(16) + b"\x00\x00")
        await speak_irc(reader, writer)

    async with serving(proxy) as port:
        await exchange(await connect_through(f"socks5://127.0.0.1:{port}", host, 6667))


@pytest.mark.parametrize("code, words", [
    (1, "general SOCKS server failure"),
    (2, "connection not allowed by ruleset"),
    (3, "network unreachable"),
    (4, "host unreachable"),
    (5, "connection refused"),
    (6, "TTL expired"),
    (9, "unassigned reply code"),
])
async def test_socks5_failure_replies_are_said_in_words(code: int, words: str) -> None:
    proxy = replying(3, b"\x05\x00", len(socks5_request(b"irc.example")),
                     bytes([5, code, 0, 1]) + bytes(6))
    async with serving(proxy) as port:
        assert await refused(f"socks5://127.0.0.1:{port}") == (
            f"proxy socks5://127.0.0.1:{port} could not open a tunnel to irc.example:6667: "
            f"{words} (SOCKS5 reply {code})")


async def test_socks5_wrong_password_is_reported_without_the_password() -> None:
    async with serving(replying(4, b"\x05\x02", 2 + 5 + 1 + 5, b"\x01\x01")) as port:
        assert await refused(f"socks5://alice:wrong@127.0.0.1:{port}") == (
            f"proxy socks5://alice:***@127.0.0.1:{port} could not open a tunnel to "
            "irc.example:6667: the proxy rejected the user name and password "
            "(RFC 1929 status 1)")


async def test_socks5_that_wants_a_password_says_so() -> None:
    async with serving(replying(3, b"\x05\xff")) as port:
        assert await refused(f"socks5://127.0.0.1:{port}") == (
            f"proxy socks5://127.0.0.1:{port} could not open a tunnel to irc.example:6667: "
            "the proxy requires a user name and password (socks5://user:pass@host:port)")


async def test_socks5_accepting_none_of_our_methods() -> None:
    async with serving(replying(4, b"\x05\xff")) as port:
        assert (await refused(f"socks5://a:b@127.0.0.1:{port}")).endswith(
            "the proxy accepts neither no authentication nor a user name and password "
            "(reply 255, no acceptable methods)")


async def test_an_http_server_given_as_socks5_proxy() -> None:
    async with serving(replying(3, b"HTTP/1.1 400 Bad Request\r\n\r\n", hold=False)) as port:
        assert (await refused(f"socks5://127.0.0.1:{port}")).endswith(
            "it is not a SOCKS5 proxy: it answered b'HTTP/1.1 400 Bad Request\\r\\n\\r\\n'")


async def test_a_proxy_that_closes_during_the_greeting() -> None:
    async with serving(replying(3, hold=False)) as port:
        assert (await refused(f"socks5://127.0.0.1:{port}")).endswith(
            "the proxy closed the connection during the SOCKS5 greeting")


async def test_a_proxy_that_is_not_listening() -> None:
    async with serving(speak_irc) as port:
        pass  # closed again: nothing listens on port now
    message = await refused(f"socks5://u:secret@127.0.0.1:{port}")
    assert message.startswith(f"could not connect to proxy socks5://u:***@127.0.0.1:{port}: ")
    assert "secret" not in message


# -- SOCKS4a -------------------------------------------------------------------

async def test_socks4a_sends_the_name_for_the_proxy_to_resolve() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = b"\x04\x01\x1a\x0b\x00\x00\x00\x01me\x00irc.example\x00"
        assert await reader.readexactly(len(request)) == request
        writer.write(b"\x00\x5a" + bytes(6))
        await speak_irc(reader, writer)

    async with serving(proxy) as port:
        await exchange(await connect_through(f"socks4a://me@127.0.0.1:{port}"))


async def test_socks4a_sends_an_ipv4_literal_as_the_address() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = b"\x04\x01\x1a\x0b\xc0\x00\x02\x07\x00"
        assert await reader.readexactly(len(request)) == request
        writer.write(b"\x00\x5a" + bytes(6))
        await speak_irc(reader, writer)

    async with serving(proxy) as port:
        await exchange(await connect_through(f"socks4a://127.0.0.1:{port}", "192.0.2.7"))


@pytest.mark.parametrize("code, words", [
    (91, "request rejected or failed"),
    (92, "request rejected: the proxy cannot reach identd on this host"),
    (93, "request rejected: identd reports a different user id"),
])
async def test_socks4a_rejections_are_said_in_words(code: int, words: str) -> None:
    async with serving(replying(8 + 1 + 12, bytes([0, code]) + bytes(6))) as port:
        assert await refused(f"socks4a://127.0.0.1:{port}") == (
            f"proxy socks4a://127.0.0.1:{port} could not open a tunnel to irc.example:6667: "
            f"{words} (SOCKS4 reply {code})")


async def test_socks4a_cannot_reach_an_ipv6_literal() -> None:
    async with serving(lambda reader, writer: reader.read()) as port:
        assert (await refused(f"socks4a://127.0.0.1:{port}", "::1")).endswith(
            "SOCKS4a cannot carry an IPv6 address; use a socks5:// proxy")


# -- HTTP CONNECT --------------------------------------------------------------

class ConnectProxy:
    """A small real HTTP CONNECT proxy: tunnels to 127.0.0.1 ports only."""

    def __init__(self, credentials: str | None = None) -> None:
        self.credentials = credentials
        self.requests: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> ConnectProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(head)
            target = head.split(b" ")[1].decode()
            host, _, port = target.rpartition(":")
            wanted = f"Proxy-Authorization: Basic {self.credentials}\r\n".encode()
            if self.credentials is not None and wanted not in head:
                writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b"Proxy-Authenticate: Basic realm=\"test\"\r\n\r\n")
                return
            try:
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
            except OSError:
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()


async def test_http_connect_tunnels_to_the_server() -> None:
    async with serving(speak_irc) as irc_port, ConnectProxy() as proxy:
        await exchange(await connect_through(f"http://127.0.0.1:{proxy.port}",
                                             "127.0.0.1", irc_port))
    assert proxy.requests == [f"CONNECT 127.0.0.1:{irc_port} HTTP/1.1\r\n"
                              f"Host: 127.0.0.1:{irc_port}\r\n\r\n".encode()]


async def test_http_connect_with_basic_auth() -> None:
    secret = base64.b64encode(b"alice:s3cret").decode()
    async with serving(speak_irc) as irc_port, ConnectProxy(secret) as proxy:
        await exchange(await connect_through(f"http://alice:s3cret@127.0.0.1:{proxy.port}",
                                             "127.0.0.1", irc_port))


async def test_http_connect_without_credentials_where_they_are_needed() -> None:
    async with ConnectProxy("x") as proxy:
        assert await refused(f"http://127.0.0.1:{proxy.port}", "127.0.0.1", 1) == (
            f"proxy http://127.0.0.1:{proxy.port} could not open a tunnel to 127.0.0.1:1: "
            "the proxy requires a user name and password (http://user:pass@host:port) "
            "(HTTP 407 Proxy Authentication Required)")


async def test_http_connect_with_wrong_credentials() -> None:
    async with ConnectProxy("x") as proxy:
        assert (await refused(f"http://alice:bad@127.0.0.1:{proxy.port}", "127.0.0.1",
                              1)).endswith(
            "the proxy rejected the user name and password "
            "(HTTP 407 Proxy Authentication Required)")


async def test_http_connect_to_an_unreachable_server() -> None:
    async with serving(speak_irc) as irc_port:
        pass  # nothing listens there now
    async with ConnectProxy() as proxy:
        assert await refused(f"http://127.0.0.1:{proxy.port}", "127.0.0.1", irc_port) == (
            f"proxy http://127.0.0.1:{proxy.port} could not open a tunnel to "
            f"127.0.0.1:{irc_port}: the proxy refused CONNECT (HTTP 502 Bad Gateway)")


async def test_a_socks_proxy_given_as_http_proxy() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"\x05\xff\r\n\r\n")

    async with serving(proxy) as port:
        assert (await refused(f"http://127.0.0.1:{port}")).endswith(
            "it is not an HTTP proxy: it answered b'\\x05\\xff\\r\\n\\r\\n'")


async def test_http_proxy_reply_headers_are_bounded() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 5000)
        await reader.read()

    async with serving(proxy) as port:
        assert (await refused(f"http://127.0.0.1:{port}")).endswith(
            "the proxy's reply headers are longer than 16384 bytes")


async def test_a_silent_proxy_runs_into_the_connect_timeout() -> None:
    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with serving(proxy) as port:
        peer = Handshake()
        with pytest.raises(ConnectionFailed) as info:
            await open_transport(peer, "irc.example", 6667, ssl=None, timeout=0.2,
                                 proxy=Proxy.parse(f"socks5://127.0.0.1:{port}"))
        assert str(info.value) == (f"connecting to irc.example:6667 through proxy "
                                   f"socks5://127.0.0.1:{port} timed out after 0.2 s")
