"""Tunnels through a proxy: SOCKS5 (RFC 1928/1929), SOCKS4a and HTTP CONNECT.

Each is a short exchange on a freshly opened TCP connection to the proxy;
once the proxy says the tunnel is up, the same connection carries IRC (and
TLS, started on top of it by :mod:`bottom.transport`).  The exchange runs
on :class:`Handshake`, a buffering :class:`asyncio.Protocol`, so that the
bytes the IRC server sends right behind the proxy's reply are kept and
handed on, never lost.

Names are always resolved by the proxy (SOCKS5 "domain name" address,
SOCKS4a's trailing host name, the CONNECT line), so nothing leaks to the
local resolver: the behaviour Tor users need.  Every failure is a
:class:`~bottom.errors.ConnectionFailed` that names the proxy (without its
password) and says its reply in words.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .errors import ConnectionFailed

__all__ = ["Handshake", "Proxy", "negotiate"]

SCHEMES = ("socks5", "socks5h", "socks4a", "http")
MAX_HTTP_REPLY_BYTES = 16384

_SOCKS5_REPLIES = {
    1: "general SOCKS server failure",
    2: "connection not allowed by ruleset",
    3: "network unreachable",
    4: "host unreachable",
    5: "connection refused",
    6: "TTL expired",
    7: "command not supported",
    8: "address type not supported",
}
_SOCKS4_REPLIES = {
    91: "request rejected or failed",
    92: "request rejected: the proxy cannot reach identd on this host",
    93: "request rejected: identd reports a different user id",
}


@dataclass(frozen=True)
class Proxy:
    """Where the proxy is and how to talk to it; ``str()`` hides the password."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """``socks5://[user:pass@]host:port``, ``socks4a://[user@]host:port`` or
        ``http://[user:pass@]host:port``; ``socks5h`` is an alias of ``socks5``.

        :raises ValueError: naming the part of ``proxy=`` that is wrong.
        """
        if not isinstance(url, str):
            raise TypeError(f"proxy= must be a URL string or a Proxy, not {type(url).__name__}")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise ValueError(f"proxy={_hide_password(url)!r}: the scheme must be one of "
                             f"{', '.join(s + '://' for s in SCHEMES)}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None:
            raise ValueError(f"proxy={_hide_password(url)!r} needs a host and a port, "
                             f"like {scheme}://127.0.0.1:1080")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"proxy={_hide_password(url)!r}: a proxy URL has no path or query")
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        proxy = cls("socks5" if scheme == "socks5h" else scheme, parts.hostname, port,
                     username, password)
        proxy.check()
        return proxy

    def check(self) -> None:
        """Refuse credentials the protocol cannot carry (ValueError)."""
        if self.scheme == "socks5" and (self.username is not None or self.password is not None):
            for name, value in (("user name", self.username), ("password", self.password)):
                if not 1 <= len((value or "").encode()) <= 255:
                    raise ValueError(f"proxy={str(self)!r}: SOCKS5 needs a {name} of 1 to "
                                     "255 bytes (RFC 1929)")
        if self.scheme == "socks4a" and self.password is not None:
            raise ValueError(f"proxy={str(self)!r}: SOCKS4a carries a user id but no "
                             "password; use socks5:// for a password")

    def __str__(self) -> str:
        auth = ""
        if self.username is not None:
            auth = self.username + (":***" if self.password is not None else "") + "@"
        return f"{self.scheme}://{auth}{_join_host_port(self.host, self.port)}"


class Handshake(asyncio.Protocol):
    """Holds what a peer sends until someone reads it; the protocol of a
    connection whose first bytes are a handshake (proxy, TLS, WebSocket)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.lost = False
        self.error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close: connection_lost follows, and is handed over too

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = self.lost = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_for_data(self) -> None:
        """Return once more bytes, EOF or a close arrived."""
        if self.eof:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter

    async def read_exactly(self, count: int) -> bytes | None:
        """The next ``count`` bytes, or None if the peer closed first."""
        while len(self.buffer) < count:
            if self.eof:
                return None
            await self.wait_for_data()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)


async def negotiate(proxy: Proxy, peer: Handshake, host: str, port: int) -> None:
    """Ask the proxy on ``peer`` for a tunnel to ``host:port``.

    :raises ConnectionFailed: the proxy refused, failed or is not a proxy
        of that kind; the message names the proxy and its reply.
    """
    talk = {"socks5": _socks5, "socks4a": _socks4a, "http": _http_connect}[proxy.scheme]
    await talk(proxy, peer, host, port)


def _failed(proxy: Proxy, host: str, port: int, what: str) -> ConnectionFailed:
    return ConnectionFailed(f"proxy {proxy} could not open a tunnel to "
                            f"{_join_host_port(host, port)}: {what}", host=host, port=port)


async def _read(proxy: Proxy, peer: Handshake, count: int, host: str, port: int,
                stage: str) -> bytes:
    data = await peer.read_exactly(count)
    if data is None:
        raise _failed(proxy, host, port, f"the proxy closed the connection during {stage}"
                      + _got(bytes(peer.buffer)))
    return data


def _got(data: bytes) -> str:
    return f" (after sending {data[:40]!r})" if data else ""


async def _socks5(proxy: Proxy, peer: Handshake, host: str, port: int) -> None:
    with_auth = proxy.username is not None or proxy.password is not None
    peer.write(b"\x05\x02\x00\x02" if with_auth else b"\x05\x01\x00")
    version, method = await _read(proxy, peer, 2, host, port, "the SOCKS5 greeting")
    if version != 5:
        raise _failed(proxy, host, port, "it is not a SOCKS5 proxy: it answered "
                      f"{bytes([version, method]) + bytes(peer.buffer[:38])!r}")
    if method == 0xFF:
        raise _failed(proxy, host, port, "the proxy requires a user name and password "
                      "(socks5://user:pass@host:port)" if not with_auth else
                      "the proxy accepts neither no authentication nor a user name and "
                      "password (reply 255, no acceptable methods)")
    if method == 2 and with_auth:
        user, password = (proxy.username or "").encode(), (proxy.password or "").encode()
        peer.write(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
        _, status = await _read(proxy, peer, 2, host, port, "authentication")
        if status != 0:
            raise _failed(proxy, host, port, "the proxy rejected the user name and "
                          f"password (RFC 1929 status {status})")
    elif method != 0:
        raise _failed(proxy, host, port, f"the proxy chose authentication method {method}, "
                      "which was not offered")
    peer.write(b"\x05\x01\x00" + _socks5_address(host) + port.to_bytes(2, "big"))
    version, reply, _, kind = await _read(proxy, peer, 4, host, port, "the CONNECT request")
    if reply != 0:
        words = _SOCKS5_REPLIES.get(reply, "unassigned reply code")
        raise _failed(proxy, host, port, f"{words} (SOCKS5 reply {reply})")
    if kind == 3:
        (length,) = await _read(proxy, peer, 1, host, port, "the CONNECT reply")
        rest = length + 2
    else:
        rest = {1: 4, 4: 16}.get(kind, 0) + 2
    await _read(proxy, peer, rest, host, port, "the CONNECT reply")


def _socks5_address(host: str) -> bytes:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")
        return b"\x03" + bytes([len(name)]) + name
    return (b"\x01" if address.version == 4 else b"\x04") + address.packed


async def _socks4a(proxy: Proxy, peer: Handshake, host: str, port: int) -> None:
    user = (proxy.username or "").encode()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        request = b"\x00\x00\x00\x01" + user + b"\x00" + host.encode("idna") + b"\x00"
    else:
        if address.version != 4:
            raise _failed(proxy, host, port, "SOCKS4a cannot carry an IPv6 address; "
                          "use a socks5:// proxy")
        request = address.packed + user + b"\x00"
    peer.write(b"\x04\x01" + port.to_bytes(2, "big") + request)
    reply = await _read(proxy, peer, 8, host, port, "the SOCKS4a request")
    if reply[0] != 0:
        raise _failed(proxy, host, port, f"it is not a SOCKS4 proxy: it answered {reply!r}")
    if reply[1] != 90:
        words = _SOCKS4_REPLIES.get(reply[1], "unknown reply code")
        raise _failed(proxy, host, port, f"{words} (SOCKS4 reply {reply[1]})")


_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})(?: ([^\r\n]*))?\r?\n")


async def _http_connect(proxy: Proxy, peer: Handshake, host: str, port: int) -> None:
    target = _join_host_port(host, port)
    request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if proxy.username is not None:
        secret = f"{proxy.username}:{proxy.password or ''}".encode()
        request += f"Proxy-Authorization: Basic {base64.b64encode(secret).decode()}\r\n"
    peer.write((request + "\r\n").encode())
    while True:
        end = peer.buffer.find(b"\r\n\r\n")
        if end >= 0:
            break
        if len(peer.buffer) > MAX_HTTP_REPLY_BYTES:
            raise _failed(proxy, host, port, "the proxy's reply headers are longer than "
                          f"{MAX_HTTP_REPLY_BYTES} bytes")
        if peer.eof:
            raise _failed(proxy, host, port, "the proxy closed the connection during the "
                          "CONNECT request" + _got(bytes(peer.buffer)))
        await peer.wait_for_data()
    head = bytes(peer.buffer[:end + 4])
    del peer.buffer[:end + 4]
    status = _STATUS_LINE.match(head)
    if status is None:
        raise _failed(proxy, host, port, f"it is not an HTTP proxy: it answered {head[:40]!r}")
    code = int(status.group(1))
    words = (status.group(2) or b"").decode("latin-1").strip()
    if code == 407:
        hint = ("the proxy rejected the user name and password" if proxy.username is not None
                else "the proxy requires a user name and password (http://user:pass@host:port)")
        raise _failed(proxy, host, port, f"{hint} (HTTP 407 {words})")
    if not 200 <= code < 300:
        raise _failed(proxy, host, port, f"the proxy refused CONNECT (HTTP {code} {words})")


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _hide_password(url: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)
