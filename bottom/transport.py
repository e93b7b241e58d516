"""Opening the byte stream under a connection: TCP, TLS, proxies, WebSocket.

:func:`open_transport` is the one call the client makes: whatever the
route (direct or through a proxy, plaintext or TLS, raw IRC or IRC over
WebSocket), it ends with the given protocol attached to a transport that
carries IRC lines, or with a :class:`~bottom.errors.ConnectionFailed` that
says what went wrong and what to change.

A plaintext TCP connection ends on bottom's own small
:class:`~bottom.sockettransport.SocketTransport` where the loop allows
(:func:`_take_over`): asyncio's transport, and the objects it keeps per
connection, serves only the connecting and the proxy handshake.

Mistakes people make get their own words: TLS against a plaintext port
(the server answers with IRC text, or says nothing: a plaintext probe then
tells which), plaintext against a TLS port (the first bytes are a TLS
record), and certificates that do not verify.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import ssl as _ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from .errors import ConnectionFailed
from .proxy import Handshake, Proxy, _join_host_port, negotiate
from .sockettransport import SocketTransport

__all__ = ["TRANSPORTS", "TRANSPORT_KEYWORDS", "Route", "check_keyword", "check_route",
           "open_transport", "parse_websocket_url"]

TRANSPORTS = ("tcp", "websocket")

#: Plaintext TCP connections get bottom's small
#: :class:`~bottom.sockettransport.SocketTransport` on loops with
#: ``add_reader`` (about 0.7 KiB less resident memory per idle client than
#: asyncio's own).  False: asyncio's transport everywhere.
USE_SOCKET_TRANSPORT = True

#: A TLS server answers a ClientHello within a round trip; after this long
#: without an answer a second, plaintext connection asks whether the port
#: speaks IRC instead (a plaintext server waits silently for a line).
PROBE_AFTER_SECONDS = 1.0

_Route = Callable[[], Awaitable[tuple[asyncio.Transport, Handshake]]]
_TLS_RECORD_TYPES = (0x15, 0x16)  # alert, handshake
_PROBE_LINE = b"QUIT\r\n"  # answered with ERROR by every IRC server, even unregistered


@dataclass(frozen=True)
class Route:
    """How a client reaches its server: the checked transport keywords."""

    proxy: Proxy | None = None
    local_addr: tuple[str, int] | None = None
    happy_eyeballs_delay: float | None = None
    transport: str = "tcp"
    url: str | None = None

    def options(self) -> dict[str, Any]:
        """The keywords of :func:`open_transport`."""
        return {"proxy": self.proxy, "local_addr": self.local_addr,
                "happy_eyeballs_delay": self.happy_eyeballs_delay,
                "transport": self.transport, "url": self.url}


def check_route(*, ssl: object, proxy: object = None, local_addr: object = None,
                happy_eyeballs_delay: object = None, transport: object = "tcp",
                url: object = None) -> Route:
    """The Client's transport keywords, checked; a clear error naming the bad one.

    :raises ValueError, TypeError: for a bad value;
    :raises ImportError: for ``transport="websocket"`` without ``bottom[websocket]``.
    """
    if transport not in TRANSPORTS:
        raise ValueError(f"transport={transport!r} must be 'tcp' or 'websocket'")
    if url is not None:
        _check_url(url)
        if transport != "websocket":
            raise ValueError(f"url={url!r} is for transport='websocket'; for TCP give "
                             "host and port")
        if parse_websocket_url(str(url))[2] and ssl is False:
            raise ValueError(f"url={url!r} is TLS (wss://) but ssl=False: use a ws:// URL "
                             "or leave ssl at True (or an ssl.SSLContext)")
    if transport == "websocket":
        from .websocket import require_websockets
        require_websockets()
    if isinstance(proxy, str):
        proxy = Proxy.parse(proxy)
    elif isinstance(proxy, Proxy):
        proxy.check()
    elif proxy is not None:
        raise TypeError("proxy= must be a URL like 'socks5://host:1080' or a "
                        f"bottom.proxy.Proxy, not {type(proxy).__name__}")
    if local_addr is not None and not _is_address(local_addr):
        raise ValueError(f"local_addr={local_addr!r} must be a (host, port) tuple with "
                         "a port in 0-65535, like ('192.0.2.1', 0)")
    if happy_eyeballs_delay is not None and (
            not isinstance(happy_eyeballs_delay, (int, float))
            or isinstance(happy_eyeballs_delay, bool)
            or not 0 <= happy_eyeballs_delay < math.inf):
        raise ValueError(f"happy_eyeballs_delay={happy_eyeballs_delay!r} must be None or "
                         "seconds >= 0 (RFC 8305 suggests 0.25)")
    route = Route(proxy, cast("tuple[str, int] | None", local_addr), happy_eyeballs_delay,
                  str(transport), cast("str | None", url))
    return _DIRECT if route == _DIRECT else route  # one copy of the usual route


_DIRECT = Route()


TRANSPORT_KEYWORDS = ("proxy", "local_addr", "happy_eyeballs_delay", "transport", "url")


def check_keyword(name: str, value: object) -> None:
    """One of :data:`TRANSPORT_KEYWORDS` on its own (``check_route`` adds the
    checks between them); ValueError or TypeError naming it."""
    if name == "url":
        if value is not None:
            _check_url(value)
    elif name == "transport":
        # The value alone: whether bottom[websocket] is installed is the
        # Client's question (check_route), not this one's.
        check_route(ssl=True, transport=value if value != "websocket" else "tcp")
    else:
        check_route(ssl=True, **{name: value})


def _check_url(url: object) -> None:
    if not isinstance(url, str):
        raise TypeError(f"url= must be a ws:// or wss:// string, not {type(url).__name__}")
    parse_websocket_url(url)


def _is_address(value: object) -> bool:
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int) and 0 <= value[1] <= 65535)


async def open_transport(
    protocol: asyncio.Protocol,
    host: str,
    port: int,
    *,
    ssl: _ssl.SSLContext | None,
    timeout: float,
    proxy: Proxy | None = None,
    local_addr: tuple[str, int] | None = None,
    happy_eyeballs_delay: float | None = None,
    transport: str = "tcp",
    url: str | None = None,
) -> asyncio.BaseTransport:
    """Connect ``protocol`` to the IRC server; return its transport.

    ``ssl`` is the context for TLS to the server (None: plaintext).  With
    ``transport="websocket"`` the server is ``url`` (``ws://`` or
    ``wss://``; ``ssl`` is then the context for ``wss://``, the default one
    if None) and ``host``/``port`` only name it in errors.  ``proxy``,
    ``local_addr`` and ``happy_eyeballs_delay`` apply to the first TCP hop.
    The whole opening is bounded by ``timeout`` seconds.

    On return ``protocol.connection_made`` was called; if the server spoke
    already, its bytes have reached ``protocol.data_received``.

    :raises ConnectionFailed: anything that kept the connection from
        opening, with a message that says what to change.
    """
    where = _join_host_port(host, port)
    stage = [""]  # what it was waiting for, to say when time runs out
    try:
        return await asyncio.wait_for(
            _open(protocol, host, port, ssl=ssl, proxy=proxy, local_addr=local_addr,
                  happy_eyeballs_delay=happy_eyeballs_delay, transport=transport, url=url,
                  stage=stage),
            timeout)
    except (asyncio.TimeoutError, TimeoutError) as exc:
        via = f" through proxy {proxy}" if proxy is not None else ""
        raise ConnectionFailed(f"connecting to {where}{via} timed out after {timeout} s"
                               f"{stage[0]}", host=host, port=port) from exc


def parse_websocket_url(url: str) -> tuple[str, int, bool]:
    """``(host, port, tls)`` of a ``ws://`` or ``wss://`` URL (ValueError otherwise)."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"url={url!r} must be a ws:// or wss:// URL with a host, "
                         "like wss://irc.example.org/webirc")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"url={url!r} has a port outside 0-65535") from None
    tls = parts.scheme == "wss"
    return parts.hostname, port if port is not None else (443 if tls else 80), tls


async def _open(protocol: asyncio.Protocol, host: str, port: int, *,
                ssl: _ssl.SSLContext | None, proxy: Proxy | None,
                local_addr: tuple[str, int] | None, happy_eyeballs_delay: float | None,
                transport: str, url: str | None, stage: list[str]) -> asyncio.BaseTransport:
    loop = asyncio.get_running_loop()
    host = host.strip("[]")
    if transport == "websocket":
        if url is None:
            url = f"{'wss' if ssl is not None else 'ws'}://{_join_host_port(host, port)}/"
        host, port, tls = parse_websocket_url(url)
        if tls and ssl is None:
            ssl = _ssl.create_default_context()
        elif not tls:
            ssl = None

    async def route() -> tuple[asyncio.Transport, Handshake]:
        return await _connect(loop, host, port, proxy, local_addr, happy_eyeballs_delay)

    raw, peer = await route()
    try:
        if ssl is not None:
            stage[0] = " in the TLS handshake"
            raw, peer = await _start_tls(loop, raw, peer, ssl, host, port, route)
        if transport == "websocket":
            assert url is not None
            from .websocket import open_websocket
            stage[0] = (" waiting for the answer to the WebSocket upgrade (is "
                        f"{url} a WebSocket endpoint?)")
            return await open_websocket(raw, peer, protocol, url, host=host, port=port)
        if ssl is None:
            protocol = _PlainSniffer(protocol, host, port)
            own = _take_over(loop, raw, peer, protocol) if USE_SOCKET_TRANSPORT else None
            if own is not None:
                try:
                    _hand_over(own, peer, protocol)
                except BaseException:
                    own.abort()
                    raise
                return own
        _hand_over(raw, peer, protocol)
        return raw
    except BaseException:
        raw.abort()
        raise


async def _connect(loop: asyncio.AbstractEventLoop, host: str, port: int,
                   proxy: Proxy | None, local_addr: tuple[str, int] | None,
                   happy_eyeballs_delay: float | None) -> tuple[asyncio.Transport, Handshake]:
    """A TCP connection to the server, or to the proxy and through it."""
    first = (proxy.host, proxy.port) if proxy is not None else (host, port)
    try:
        raw, peer = await loop.create_connection(
            Handshake, *first, local_addr=local_addr,
            happy_eyeballs_delay=happy_eyeballs_delay)
    except OSError as exc:
        what = f"proxy {proxy}" if proxy is not None else _join_host_port(host, port)
        raise ConnectionFailed(f"could not connect to {what}: {exc}",
                               host=host, port=port) from exc
    assert isinstance(raw, asyncio.Transport)
    if proxy is not None:
        try:
            await negotiate(proxy, peer, host, port)
        except BaseException:
            raw.abort()
            raise
    return raw, peer


def _looks_like_tls(data: bytes) -> bool:
    return bool(data) and data[0] in _TLS_RECORD_TYPES and data[1:2] in (b"", b"\x03")


def _plaintext_port(host: str, port: int, data: bytes) -> ConnectionFailed:
    return ConnectionFailed(
        f"{_join_host_port(host, port)} speaks plaintext, not TLS: it answered "
        f"{data[:60]!r}; pass ssl=False, or use the server's TLS port (often 6697)",
        host=host, port=port)


async def _start_tls(loop: asyncio.AbstractEventLoop, raw: asyncio.Transport, peer: Handshake,
                     context: _ssl.SSLContext, host: str, port: int,
                     route: _Route) -> tuple[asyncio.Transport, Handshake]:
    """TLS on ``raw``; the mistakes a TLS handshake reveals, in words."""
    if peer.buffer:  # a TLS server never speaks first
        raise _plaintext_port(host, port, bytes(peer.buffer))
    if peer.eof:
        raise ConnectionFailed(f"{_join_host_port(host, port)} closed the connection before "
                               "the TLS handshake", host=host, port=port)
    relay = Handshake()
    handshake = loop.create_task(loop.start_tls(
        raw, relay, context, server_hostname=host, ssl_handshake_timeout=3600))
    probe: asyncio.Task[bytes | None] | None = None
    try:
        done, _ = await asyncio.wait({handshake}, timeout=PROBE_AFTER_SECONDS)
        if not done:
            probe = loop.create_task(_probe_plaintext(route))
            await asyncio.wait({handshake, probe}, return_when=asyncio.FIRST_COMPLETED)
            if not handshake.done() and not probe.cancelled() and probe.exception() is None:
                answer = probe.result()
                if answer is not None:
                    raise _plaintext_port(host, port, answer)
        tls = await handshake
    except _ssl.SSLCertVerificationError as exc:
        raise ConnectionFailed(
            f"TLS handshake with {_join_host_port(host, port)} failed: its certificate was "
            f"not accepted ({exc.verify_message}); for a self-signed server pass "
            "ssl=ssl.create_default_context(cafile='its-cert.pem')",
            host=host, port=port) from exc
    except (_ssl.SSLEOFError, ConnectionResetError, ConnectionAbortedError,
            BrokenPipeError) as exc:
        raise ConnectionFailed(
            f"{_join_host_port(host, port)} closed the connection during the TLS handshake "
            f"({exc}); if it speaks plaintext IRC on this port, pass ssl=False",
            host=host, port=port) from exc
    except _ssl.SSLError as exc:
        hint = ""
        if exc.reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE",
                          "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL", "HTTP_REQUEST"):
            hint = ": it answered with bytes that are not TLS, so it probably speaks " \
                   "plaintext on this port; pass ssl=False"
        raise ConnectionFailed(f"TLS handshake with {_join_host_port(host, port)} failed "
                               f"({exc}){hint}", host=host, port=port) from exc
    finally:
        for task in (handshake, probe):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
    assert isinstance(tls, asyncio.Transport)
    return tls, relay


async def _probe_plaintext(route: _Route) -> bytes | None:
    """Bytes a plaintext IRC server sends on a second connection, or None
    if the port looks like TLS (silence, close, a TLS record)."""
    try:
        raw, peer = await route()
    except ConnectionFailed:
        return None
    try:
        peer.write(_PROBE_LINE)
        while not peer.buffer and not peer.eof:
            await peer.wait_for_data()
        data = bytes(peer.buffer)
        return None if not data or _looks_like_tls(data) else data
    finally:
        raw.abort()


def _take_over(loop: asyncio.AbstractEventLoop, raw: asyncio.Transport, holder: Handshake,
               protocol: asyncio.Protocol) -> SocketTransport | None:
    """A :class:`~bottom.sockettransport.SocketTransport` on a duplicate of
    ``raw``'s socket, ``raw`` aborted quietly; None (``raw`` untouched) when
    the loop has no ``add_reader`` (Windows' Proactor), the socket cannot be
    had, or ``raw`` is not in a state to give up (closing, bytes unsent,
    the peer's EOF already seen: the asyncio transport then stays).

    The duplicate keeps the TCP connection open: closing ``raw``'s socket
    closes one descriptor of two, and no ``shutdown()`` is called.  Bytes
    ``raw`` read already stay in ``holder`` for :func:`_hand_over`.
    """
    if raw.is_closing() or raw.get_write_buffer_size() or holder.eof or holder.lost:
        return None
    sock = raw.get_extra_info("socket")
    if sock is None or sock.type != socket.SOCK_STREAM:
        return None
    try:
        dup = sock.dup()
    except (AttributeError, NotImplementedError, OSError, TypeError):  # uvloop: TypeError
        return None
    try:
        dup.setblocking(False)
        own = SocketTransport(loop, dup, protocol)
    except (NotImplementedError, OSError, RuntimeError, ValueError):
        dup.close()
        return None
    # raw's protocol is the Handshake: its connection_lost(None), a loop
    # callback from now, only marks it lost, and nobody reads it after this.
    raw.abort()
    return own


def _hand_over(transport: asyncio.Transport, holder: Handshake,
               protocol: asyncio.Protocol) -> None:
    """Give ``protocol`` the transport, then what ``holder`` kept of it."""
    transport.set_protocol(protocol)
    protocol.connection_made(transport)
    if holder.buffer:
        protocol.data_received(bytes(holder.buffer))
        holder.buffer.clear()
    if holder.lost:
        protocol.connection_lost(holder.error)
    elif holder.eof and not protocol.eof_received():
        transport.close()


class _PlainSniffer(asyncio.Protocol):
    """In front of a plaintext connection until its first bytes: a TLS record
    there means the port wants TLS, which becomes the disconnect reason."""

    def __init__(self, protocol: asyncio.Protocol, host: str, port: int) -> None:
        self._protocol = protocol
        self._host = host
        self._port = port
        self._transport: asyncio.Transport | None = None
        self._failed = False
        self._seen = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._protocol.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        assert self._transport is not None
        if _looks_like_tls(data):
            self._failed = True
            self._transport.abort()
            self._protocol.connection_lost(ConnectionFailed(
                f"{_join_host_port(self._host, self._port)} speaks TLS on this port: it "
                f"answered with a TLS record ({data[:16]!r}); pass ssl=True or an "
                "ssl.SSLContext", host=self._host, port=self._port))
            return
        self._seen = True
        self._transport.set_protocol(self._protocol)  # the hot path goes direct
        self._protocol.data_received(data)

    def eof_received(self) -> bool | None:
        return self._protocol.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._failed:
            return
        if not self._seen and (exc is None or isinstance(exc, ConnectionResetError)):
            exc = ConnectionFailed(
                f"{_join_host_port(self._host, self._port)} closed the connection before "
                "sending anything; if this port expects TLS, pass ssl=True or an "
                "ssl.SSLContext", host=self._host, port=self._port)
        self._protocol.connection_lost(exc)

    def pause_writing(self) -> None:
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._protocol.resume_writing()
