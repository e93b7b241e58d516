"""SocketTransport against real loopback TCP sockets, side by side with asyncio's.

Most tests run twice: once on :class:`bottom.sockettransport.SocketTransport`
and once on asyncio's own socket transport over the same kind of socket
pair, and assert the same protocol calls in the same order: the small
transport must behave as the one it replaces.  The peer is the other end
of the TCP connection, a plain non-blocking socket the test drives with
``loop.sock_recv``/``loop.sock_sendall``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import select
import socket
import struct
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from helpers import TIMEOUT, until

import bottom.transport
from bottom.proxy import Handshake
from bottom.sockettransport import DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER, SocketTransport
from bottom.transport import open_transport

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="selector loop sockets")

KINDS = ("bottom", "asyncio")


class Recorder(asyncio.Protocol):
    """Records every call in order; ``lost`` is done at connection_lost."""

    def __init__(self, *, keep_open: bool = False,
                 on_data: Callable[[bytes], None] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.data = bytearray()
        self.keep_open = keep_open
        self.on_data = on_data
        self.lost: asyncio.Future[Exception | None] = \
            asyncio.get_running_loop().create_future()
        self.paused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.resumed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.got = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.calls.append(("made", None))

    def data_received(self, data: bytes) -> None:
        if not self.calls or self.calls[-1][0] != "data":
            self.calls.append(("data", None))
        self.data += data
        self.got.set()
        if self.on_data is not None:
            self.on_data(data)

    def eof_received(self) -> bool:
        self.calls.append(("eof", None))
        return self.keep_open

    def connection_lost(self, exc: Exception | None) -> None:
        self.calls.append(("lost", exc))
        if not self.lost.done():
            self.lost.set_result(exc)

    def pause_writing(self) -> None:
        self.calls.append(("pause", None))
        if not self.paused.done():
            self.paused.set_result(None)

    def resume_writing(self) -> None:
        self.calls.append(("resume", None))
        if not self.resumed.done():
            self.resumed.set_result(None)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    async def wait_for(self, size: int) -> None:
        async def more() -> None:
            while len(self.data) < size:
                self.got.clear()
                await self.got.wait()
        await asyncio.wait_for(more(), TIMEOUT)


def tcp_pair(small_buffers: bool = False) -> tuple[socket.socket, socket.socket]:
    """(ours, peer): a connected loopback TCP pair, both non-blocking."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        ours = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        if small_buffers:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
        ours.connect(listener.getsockname())
        peer, _ = listener.accept()
    if small_buffers:
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    ours.setblocking(False)
    peer.setblocking(False)
    return ours, peer


async def make(kind: str, sock: socket.socket, protocol: asyncio.Protocol) -> asyncio.Transport:
    loop = asyncio.get_running_loop()
    if kind == "asyncio":
        transport, _ = await loop.connect_accepted_socket(lambda: protocol, sock)
        return transport
    own = SocketTransport(loop, sock, protocol)
    protocol.connection_made(own)
    return own


async def read_all(peer: socket.socket) -> bytes:
    """What the peer receives until EOF."""
    loop = asyncio.get_running_loop()
    chunks = []

    async def drain() -> None:
        while chunk := await loop.sock_recv(peer, 65536):
            chunks.append(chunk)
    await asyncio.wait_for(drain(), TIMEOUT)
    return b"".join(chunks)


async def read_exactly(peer: socket.socket, size: int) -> bytes:
    loop = asyncio.get_running_loop()
    got = bytearray()

    async def drain() -> None:
        while len(got) < size:
            chunk = await loop.sock_recv(peer, size - len(got))
            assert chunk, f"EOF after {len(got)} of {size} bytes"
            got.extend(chunk)
    await asyncio.wait_for(drain(), TIMEOUT)
    return bytes(got)


async def turns(count: int = 5) -> None:
    """Let the loop run ``count`` iterations (callbacks scheduled now run)."""
    for _ in range(count):
        await asyncio.sleep(0)


def pattern(size: int) -> bytes:
    """Bytes whose order shows: a count, 4 bytes per step."""
    return b"".join(struct.pack(">I", index) for index in range(size // 4))


@pytest.fixture
async def pair() -> AsyncIterator[tuple[socket.socket, socket.socket]]:
    ours, peer = tcp_pair()
    try:
        yield ours, peer
    finally:
        peer.close()
        ours.close()  # no-op once a transport closed it


@pytest.fixture
async def tight() -> AsyncIterator[tuple[socket.socket, socket.socket]]:
    """A pair with small kernel buffers: writes back up quickly."""
    ours, peer = tcp_pair(small_buffers=True)
    try:
        yield ours, peer
    finally:
        peer.close()
        ours.close()


# -- data in and out ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_data_both_ways(kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    await loop.sock_sendall(peer, b"PING :a\r\n")
    await protocol.wait_for(9)
    assert bytes(protocol.data) == b"PING :a\r\n"
    transport.write(b"PONG :a\r\n")
    transport.writelines([b"PRIVMSG #c ", bytearray(b":x\r\n"), memoryview(b"QUIT\r\n")])
    assert await read_exactly(peer, 30) == b"PONG :a\r\nPRIVMSG #c :x\r\nQUIT\r\n"
    assert transport.get_write_buffer_size() == 0
    assert protocol.names() == ["made", "data"]
    transport.close()
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None


async def test_a_big_read_arrives_whole_and_in_order(
        pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    protocol = Recorder()
    transport = await make("bottom", ours, protocol)
    data = pattern(1 << 20)
    await loop.sock_sendall(peer, data)
    await protocol.wait_for(len(data))
    assert bytes(protocol.data) == data
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


@pytest.mark.parametrize("kind", KINDS)
async def test_write_rejects_what_is_not_bytes(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    protocol = Recorder()
    transport = await make(kind, pair[0], protocol)
    with pytest.raises(TypeError, match="bytes-like"):
        transport.write("QUIT\r\n")  # type: ignore[arg-type]
    transport.write(b"")  # nothing to do
    assert transport.get_write_buffer_size() == 0
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


# -- back-pressure ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_peer_that_stops_reading_pauses_then_resumes_writing(
        kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    assert transport.get_write_buffer_limits() == (DEFAULT_LOW_WATER, DEFAULT_HIGH_WATER)
    data = pattern(1 << 20)
    transport.write(data[:1000])
    transport.write(data[1000:300_000])  # the kernel cannot take all of it
    assert protocol.paused.done()  # past the high-water mark, at once
    assert transport.get_write_buffer_size() > DEFAULT_HIGH_WATER
    transport.write(data[300_000:])  # buffered behind, in order
    assert not protocol.resumed.done()
    got = await read_exactly(peer, len(data))
    assert got == data  # nothing lost, nothing reordered
    await asyncio.wait_for(protocol.resumed, TIMEOUT)
    assert protocol.names() == ["made", "pause", "resume"]
    assert transport.get_write_buffer_size() == 0
    transport.close()
    assert await read_all(peer) == b""
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None


@pytest.mark.parametrize("kind", KINDS)
async def test_writes_from_resume_writing_keep_their_order(
        kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    data = pattern(600_000)
    rest = [data[400_000:500_000], data[500_000:]]

    class Refill(Recorder):
        def resume_writing(self) -> None:
            super().resume_writing()
            if rest:
                transport.write(rest.pop(0))

    protocol = Refill()
    transport = await make(kind, ours, protocol)
    transport.write(data[:400_000])
    assert protocol.paused.done()
    assert await read_exactly(peer, len(data)) == data
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_protocol_failing_to_pause_or_resume_goes_to_the_loop_handler(
        kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    reported: list[str] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: reported.append(context["message"]))

    class Failing(Recorder):
        def pause_writing(self) -> None:
            super().pause_writing()
            raise RuntimeError("pause")

        def resume_writing(self) -> None:
            super().resume_writing()
            raise RuntimeError("resume")

    protocol = Failing()
    transport = await make(kind, ours, protocol)
    data = pattern(400_000)
    transport.write(data)
    assert reported == ["protocol.pause_writing() failed"]
    assert await read_exactly(peer, len(data)) == data
    await asyncio.wait_for(protocol.resumed, TIMEOUT)
    assert reported == ["protocol.pause_writing() failed", "protocol.resume_writing() failed"]
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)
    loop.set_exception_handler(None)


@pytest.mark.parametrize("kind", KINDS)
async def test_write_buffer_limits(kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    with pytest.raises(ValueError, match="must be >="):
        transport.set_write_buffer_limits(high=10, low=20)
    transport.set_write_buffer_limits(low=1000)
    assert transport.get_write_buffer_limits() == (1000, 4000)
    transport.set_write_buffer_limits(high=8000)
    assert transport.get_write_buffer_limits() == (2000, 8000)
    transport.set_write_buffer_limits(high=10 ** 9)
    transport.write(pattern(400_000))  # backs up, under the high mark
    assert transport.get_write_buffer_size() > 0
    assert not protocol.paused.done()
    transport.set_write_buffer_limits(high=100)  # now past it: pauses at once
    assert protocol.paused.done()
    await read_exactly(peer, 400_000)
    await asyncio.wait_for(protocol.resumed, TIMEOUT)
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


# -- closing --------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_close_flushes_then_reports_the_loss_once(
        kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    data = pattern(400_000)
    transport.write(data)
    transport.write(b"QUIT :bye\r\n")
    assert transport.get_write_buffer_size() > 0
    transport.close()
    transport.close()  # twice is once
    assert transport.is_closing()
    assert not transport.is_reading()
    await turns()
    assert not protocol.lost.done()  # still flushing: the peer reads nothing yet
    assert await read_all(peer) == data + b"QUIT :bye\r\n"  # then EOF
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
    await turns()
    assert protocol.names() == ["made", "pause", "resume", "lost"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_line_written_just_before_close_reaches_the_peer(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    transport.write(b"QUIT :bye\r\n")
    transport.close()
    assert await read_all(peer) == b"QUIT :bye\r\n"
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
    await turns()
    assert protocol.names() == ["made", "lost"]
    assert ours.fileno() == -1 or kind == "asyncio"  # the transport closed it


@pytest.mark.parametrize("kind", KINDS)
async def test_abort_drops_the_buffer(
        kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    data = pattern(1 << 20)
    transport.write(data)
    held = transport.get_write_buffer_size()
    assert held > 0
    transport.abort()
    assert transport.is_closing()
    assert transport.get_write_buffer_size() == 0
    transport.close()  # a no-op now
    transport.abort()
    got = await read_all(peer)
    assert got == data[:len(got)] and len(got) <= len(data) - held
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
    await turns()
    assert protocol.names() == ["made", "pause", "lost"]


@pytest.mark.parametrize("kind", KINDS)
async def test_writes_after_the_loss_are_dropped_and_warned_about_from_the_fifth(
        kind: str, pair: tuple[socket.socket, socket.socket],
        caplog: pytest.LogCaptureFixture) -> None:
    ours, peer = pair
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    transport.close()
    await asyncio.wait_for(protocol.lost, TIMEOUT)
    with caplog.at_level(logging.WARNING):
        for count in range(1, 8):
            transport.write(b"PRIVMSG #c :late\r\n")
            warned = [r for r in caplog.records
                      if r.getMessage() == "socket.send() raised exception."]
            assert len(warned) == max(0, count - 4), count
    assert await read_all(peer) == b""


# -- the peer ends it -------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_the_peers_eof_then_the_loss(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    protocol = Recorder()
    await make(kind, ours, protocol)
    await loop.sock_sendall(peer, b"ERROR :Closing link\r\n")
    peer.shutdown(socket.SHUT_WR)
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
    await turns()
    assert protocol.names() == ["made", "data", "eof", "lost"]
    assert bytes(protocol.data) == b"ERROR :Closing link\r\n"
    assert await read_all(peer) == b""  # closed in turn


@pytest.mark.parametrize("kind", KINDS)
async def test_eof_received_true_keeps_writing_open(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    protocol = Recorder(keep_open=True)
    transport = await make(kind, ours, protocol)
    peer.shutdown(socket.SHUT_WR)

    await until(lambda: "eof" in protocol.names())
    await turns()
    assert not transport.is_closing()
    transport.write(b"still here\r\n")
    assert await read_exactly(peer, 12) == b"still here\r\n"
    transport.close()
    assert await read_all(peer) == b""
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
    assert protocol.names() == ["made", "eof", "lost"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_reset_reports_the_error_without_eof(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    protocol = Recorder()
    await make(kind, ours, protocol)
    # SO_LINGER 0: close() sends RST instead of FIN.
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()
    exc = await asyncio.wait_for(protocol.lost, TIMEOUT)
    assert isinstance(exc, ConnectionResetError)
    await turns()
    assert protocol.names() == ["made", "lost"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_write_to_a_reset_connection_reports_the_error_once(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    transport.pause_reading()  # the reset is seen by the write, not a read
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()
    await turns()
    transport.write(b"PRIVMSG #c :into the void\r\n")
    transport.write(b"PRIVMSG #c :again\r\n")
    exc = await asyncio.wait_for(protocol.lost, TIMEOUT)
    assert isinstance(exc, (ConnectionResetError, BrokenPipeError))
    await turns()
    assert protocol.names() == ["made", "lost"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["data_received", "eof_received"])
async def test_a_protocol_error_goes_to_the_loop_handler_and_aborts(
        kind: str, where: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    boom = ValueError("handler bug")

    class Failing(Recorder):
        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if where == "data_received":
                raise boom

        def eof_received(self) -> bool:
            super().eof_received()
            raise boom

    try:
        protocol = Failing()
        transport = await make(kind, ours, protocol)
        await loop.sock_sendall(peer, b"PING :x\r\n")
        if where == "eof_received":
            await protocol.wait_for(9)
            peer.shutdown(socket.SHUT_WR)
        assert await asyncio.wait_for(protocol.lost, TIMEOUT) is boom
        await turns()
    finally:
        loop.set_exception_handler(None)
    assert [c["message"] for c in reported] == \
        [f"Fatal error: protocol.{where}() call failed."]
    assert reported[0]["exception"] is boom and reported[0]["transport"] is transport
    assert protocol.names()[-1] == "lost" and protocol.names().count("lost") == 1
    assert await read_all(peer) == b""


# -- reading paused -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_pause_and_resume_reading(
        kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    assert transport.is_reading()
    transport.pause_reading()
    transport.pause_reading()
    assert not transport.is_reading()
    await loop.sock_sendall(peer, b"PING :held\r\n")
    # The bytes are there to read (a polling reader would get them at the
    # loop's next turn), yet nothing is delivered.
    assert select.select([ours], [], [], TIMEOUT)[0] == [ours]
    await turns(10)
    assert protocol.data == b""
    transport.resume_reading()
    transport.resume_reading()
    assert transport.is_reading()
    await protocol.wait_for(12)
    assert bytes(protocol.data) == b"PING :held\r\n"
    transport.close()
    assert not transport.is_reading()
    transport.resume_reading()  # closing: stays off
    assert not transport.is_reading()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


# -- the rest of the interface ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_extra_info(kind: str, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    assert transport.get_extra_info("peername") == peer.getsockname()
    assert transport.get_extra_info("sockname") == peer.getpeername()
    sock = transport.get_extra_info("socket")
    assert sock.fileno() == ours.fileno()
    assert sock.getpeername() == peer.getsockname()
    assert transport.get_extra_info("sslcontext") is None
    assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # small lines leave at once
    assert transport.get_extra_info("no such thing", "default") == "default"
    assert transport.get_protocol() is protocol
    other = Recorder()
    transport.set_protocol(other)
    assert transport.get_protocol() is other
    assert transport.can_write_eof()
    transport.abort()
    await asyncio.wait_for(other.lost, TIMEOUT)
    assert not protocol.lost.done()


async def test_extra_info_is_asked_of_the_socket_and_none_once_closed(
        pair: tuple[socket.socket, socket.socket]) -> None:
    protocol = Recorder()
    transport = await make("bottom", pair[0], protocol)
    assert "SocketTransport" in repr(transport) and "open" in repr(transport)
    transport.close()
    await asyncio.wait_for(protocol.lost, TIMEOUT)
    assert transport.get_extra_info("peername") is None
    assert transport.get_extra_info("socket") is None
    assert "closed" in repr(transport)


async def test_no_per_connection_dict(pair: tuple[socket.socket, socket.socket]) -> None:
    protocol = Recorder()
    transport = await make("bottom", pair[0], protocol)
    assert not hasattr(transport, "__dict__")
    assert transport.get_write_buffer_size() == 0
    assert transport._buffer is None  # an idle connection holds no buffer
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


@pytest.mark.parametrize("kind", KINDS)
async def test_write_eof(kind: str, tight: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = tight
    loop = asyncio.get_running_loop()
    protocol = Recorder()
    transport = await make(kind, ours, protocol)
    data = pattern(300_000)
    transport.write(data)
    transport.write_eof()  # after the buffer is flushed
    transport.write_eof()
    with pytest.raises(RuntimeError, match="write_eof"):
        transport.write(b"more")
    assert await read_all(peer) == data
    await loop.sock_sendall(peer, b"still reading\r\n")
    await protocol.wait_for(15)
    peer.shutdown(socket.SHUT_WR)
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None


async def test_buffered_protocols_are_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    loop = asyncio.get_running_loop()
    with pytest.raises(TypeError, match="BufferedProtocol"):
        SocketTransport(loop, pair[0], asyncio.BufferedProtocol())
    protocol = Recorder()
    transport = SocketTransport(loop, pair[0], protocol)
    with pytest.raises(TypeError, match="BufferedProtocol"):
        transport.set_protocol(asyncio.BufferedProtocol())
    transport.abort()
    await asyncio.wait_for(protocol.lost, TIMEOUT)


# -- open_transport: taking the socket over, and the fallback -------------------------


async def greeter(greeting: bytes) -> tuple[asyncio.Server, asyncio.Queue[bytes]]:
    """A server that sends ``greeting`` at once and queues each line it reads
    (b"" at EOF)."""
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        while line := await reader.readline():
            await received.put(line)
        await received.put(b"")  # EOF
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, received


async def test_open_transport_takes_a_plaintext_socket_over() -> None:
    server, received = await greeter(b":irc NOTICE * :hello\r\n")
    port = server.sockets[0].getsockname()[1]
    async with server:
        protocol = Recorder()
        transport = await open_transport(protocol, "127.0.0.1", port, ssl=None, timeout=TIMEOUT)
        assert isinstance(transport, SocketTransport)
        await protocol.wait_for(22)
        await turns()  # asyncio's transport is gone: its descriptor closed
        gc.collect()
        transport.write(b"NICK a\r\n")
        assert await asyncio.wait_for(received.get(), TIMEOUT) == b"NICK a\r\n"
        transport.write(b"QUIT\r\n")
        transport.close()
        assert await asyncio.wait_for(received.get(), TIMEOUT) == b"QUIT\r\n"
        assert await asyncio.wait_for(received.get(), TIMEOUT) == b""
        assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
        assert protocol.names() == ["made", "data", "lost"]


async def test_bytes_the_handshake_read_come_first_and_the_duplicate_keeps_the_line_open(
        pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    raw, holder = await loop.connect_accepted_socket(Handshake, ours)
    await loop.sock_sendall(peer, b":irc NOTICE * :first\r\n")
    while len(holder.buffer) < 22:
        await asyncio.wait_for(holder.wait_for_data(), TIMEOUT)
    protocol = Recorder()
    own = bottom.transport._take_over(loop, raw, holder, protocol)
    assert isinstance(own, SocketTransport)
    assert raw.is_closing()
    bottom.transport._hand_over(own, holder, protocol)
    assert bytes(protocol.data) == b":irc NOTICE * :first\r\n"
    await turns()
    assert holder.lost and holder.error is None  # the aborted original said nothing more
    assert ours.fileno() == -1  # the original descriptor is closed...
    await loop.sock_sendall(peer, b":irc NOTICE * :second\r\n")  # ...the connection is not
    await protocol.wait_for(45)
    assert bytes(protocol.data) == b":irc NOTICE * :first\r\n:irc NOTICE * :second\r\n"
    own.write(b"QUIT\r\n")
    own.close()
    assert await read_all(peer) == b"QUIT\r\n"
    assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None
    assert protocol.names() == ["made", "data", "lost"]


async def test_the_asyncio_transport_stays_when_it_cannot_give_up(
        pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    raw, holder = await loop.connect_accepted_socket(Handshake, ours)
    peer.shutdown(socket.SHUT_WR)
    await asyncio.wait_for(holder.wait_for_data(), TIMEOUT)
    assert holder.eof
    # The peer's EOF was seen already: the asyncio transport reports it.
    assert bottom.transport._take_over(loop, raw, holder, Recorder()) is None
    raw.abort()


async def test_without_add_reader_the_asyncio_transport_stays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()

    def no_add_reader(*args: object) -> None:
        raise NotImplementedError  # as on Windows' Proactor loop

    monkeypatch.setattr(loop, "add_reader", no_add_reader)
    server, received = await greeter(b":irc NOTICE * :hello\r\n")
    port = server.sockets[0].getsockname()[1]
    async with server:
        protocol = Recorder()
        transport = await open_transport(protocol, "127.0.0.1", port, ssl=None, timeout=TIMEOUT)
        assert not isinstance(transport, SocketTransport)
        assert isinstance(transport, asyncio.Transport)
        await protocol.wait_for(22)
        transport.write(b"QUIT\r\n")
        transport.close()
        assert await asyncio.wait_for(received.get(), TIMEOUT) == b"QUIT\r\n"
        assert await asyncio.wait_for(protocol.lost, TIMEOUT) is None


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
async def test_a_failed_take_over_closes_its_duplicate(
        pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch) -> None:
    ours, peer = pair
    loop = asyncio.get_running_loop()
    raw, holder = await loop.connect_accepted_socket(Handshake, ours)

    def no_add_reader(*args: object) -> None:
        raise NotImplementedError

    monkeypatch.setattr(loop, "add_reader", no_add_reader)
    before = open_descriptors()
    assert bottom.transport._take_over(loop, raw, holder, Recorder()) is None
    assert open_descriptors() == before
    assert not raw.is_closing()  # untouched, still serving
    await loop.sock_sendall(peer, b"PING :x\r\n")
    await asyncio.wait_for(holder.read_exactly(9), TIMEOUT)
    raw.abort()


async def test_switched_off_the_asyncio_transport_is_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bottom.transport, "USE_SOCKET_TRANSPORT", False)
    server, _ = await greeter(b"")
    port = server.sockets[0].getsockname()[1]
    async with server:
        protocol = Recorder()
        transport = await open_transport(protocol, "127.0.0.1", port, ssl=None, timeout=TIMEOUT)
        assert not isinstance(transport, SocketTransport)
        transport.close()
        await asyncio.wait_for(protocol.lost, TIMEOUT)
