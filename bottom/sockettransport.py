"""A small socket transport for plaintext TCP connections on selector loops.

asyncio's own socket transport keeps, per connection, an instance
``__dict__``, an ``_extra`` dict with a wrapped socket and the sockname and
peername tuples, an empty write buffer, a bound read callback and a
weak reference in the loop's transport table: about 1.4 KiB of Python
objects for every idle connection (tracemalloc, its selector registration
included), where this one keeps about 0.6 KiB.  A bot or a bridge holds thousands of
idle connections, so :class:`SocketTransport` does the same work with
slots only: the write buffer exists only while bytes wait, and the
socket's addresses are asked of the socket when someone wants them.

The behaviour is asyncio's ``_SelectorSocketTransport`` (for a plain
:class:`asyncio.Protocol`, not a ``BufferedProtocol``):

* :meth:`~SocketTransport.write` sends at once what the socket takes and
  buffers the rest, writing it when the socket is writable; the protocol's
  ``pause_writing()`` is called when the buffer grows past the high-water
  mark and ``resume_writing()`` when it drains to the low-water mark
  (64 KiB and 16 KiB by default).
* :meth:`~SocketTransport.close` stops reading, flushes the buffer, then
  closes the socket and calls ``connection_lost(None)``;
  :meth:`~SocketTransport.abort` drops the buffer and does the same.
* the peer's EOF calls ``eof_received()``; unless it returns true the
  transport closes (flushing first) and ``connection_lost(None)`` follows.
  A read or write error (a reset) calls ``connection_lost(exc)`` without
  ``eof_received()``.  ``connection_lost`` is called exactly once, always
  from its own loop callback.
* an exception from the protocol's ``data_received()`` or
  ``eof_received()`` goes to the loop's exception handler and aborts the
  connection (``connection_lost(exc)``); an ``OSError`` from the socket is
  logged only in the loop's debug mode.
* writes after the connection was lost are dropped; from the fifth on,
  each logs a warning ("socket.send() raised exception.").

It needs :meth:`asyncio.AbstractEventLoop.add_reader`, which the
Proactor loop on Windows lacks: :func:`bottom.transport.open_transport`
then keeps asyncio's transport.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from asyncio import trsock
from collections.abc import Iterable
from typing import Any, cast

__all__ = ["SocketTransport"]

log = logging.getLogger("bottom")

#: asyncio's default write-buffer limits (``_FlowControlMixin``).
DEFAULT_HIGH_WATER = 64 * 1024
DEFAULT_LOW_WATER = DEFAULT_HIGH_WATER // 4

#: Bytes asked of one ``recv``: asyncio's size.  ``recv`` makes a bytes
#: object of what arrived, so nothing of this size is held between reads.
MAX_READ = 256 * 1024

#: Writes after the loss before each one logs a warning (asyncio's
#: ``LOG_THRESHOLD_FOR_CONNLOST_WRITES``).
WARN_AFTER_LOST_WRITES = 5

_Bytes = bytes | bytearray | memoryview


class SocketTransport(asyncio.Transport):
    """An :class:`asyncio.Transport` over a connected non-blocking TCP socket.

    ``SocketTransport(loop, sock, protocol)`` starts reading at once
    (with :meth:`~asyncio.AbstractEventLoop.add_reader`, which raises
    ``NotImplementedError`` on a loop without it; the socket is then left
    open for the caller) and takes ownership of ``sock``.  It does not call
    ``protocol.connection_made``: the caller does, before the loop runs
    again, and hands over whatever bytes an earlier transport read.
    """

    __slots__ = ("_loop", "_sock", "_fd", "_protocol", "_buffer", "_closing", "_conn_lost",
                 "_paused", "_eof", "_protocol_paused", "_high_water", "_low_water")

    max_size = MAX_READ

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket,
                 protocol: asyncio.Protocol) -> None:
        # No super().__init__(): BaseTransport would make an ``_extra`` dict.
        if isinstance(protocol, asyncio.BufferedProtocol):
            raise TypeError("SocketTransport serves an asyncio.Protocol, "
                            "not a BufferedProtocol")
        self._loop = loop
        self._sock: socket.socket | None = sock
        self._fd = sock.fileno()
        self._protocol: asyncio.Protocol | None = protocol
        #: bytes waiting for the socket; None while there are none
        self._buffer: bytearray | None = None
        self._closing = False
        #: writes since the loss was scheduled (0: not lost)
        self._conn_lost = 0
        self._paused = False
        self._eof = False
        self._protocol_paused = False
        self._high_water = DEFAULT_HIGH_WATER
        self._low_water = DEFAULT_LOW_WATER
        if sock.family in (socket.AF_INET, socket.AF_INET6) \
                and sock.proto == socket.IPPROTO_TCP:
            # As asyncio does: a line goes out now, not after the last ACK.
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        loop.add_reader(self._fd, self._read_ready)

    def __repr__(self) -> str:
        state = "closed" if self._sock is None else "closing" if self._closing else "open"
        return (f"<SocketTransport fd={self._fd} {state} "
                f"bufsize={self.get_write_buffer_size()}>")

    # -- BaseTransport ------------------------------------------------------

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """``socket``, ``sockname`` and ``peername``, asked of the socket now
        (None for the addresses once it is closed); ``default`` otherwise."""
        sock = self._sock
        if name == "socket":
            if sock is None:
                return default
            return trsock.TransportSocket(sock)
        if name in ("sockname", "peername"):
            if sock is None:
                return None
            try:
                return sock.getsockname() if name == "sockname" else sock.getpeername()
            except OSError:
                return None
        return default

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Stop reading; once the buffer is flushed, close and report the loss."""
        if self._closing:
            return
        self._closing = True
        self._loop.remove_reader(self._fd)
        if not self._buffer:
            self._conn_lost += 1
            self._loop.remove_writer(self._fd)
            self._loop.call_soon(self._call_connection_lost, None)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        if isinstance(protocol, asyncio.BufferedProtocol):
            raise TypeError("SocketTransport serves an asyncio.Protocol, "
                            "not a BufferedProtocol")
        self._protocol = cast("asyncio.Protocol", protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        """The protocol; None once ``connection_lost`` was called, as in asyncio."""
        return cast("asyncio.BaseProtocol", self._protocol)

    # -- ReadTransport ------------------------------------------------------

    def is_reading(self) -> bool:
        return not self._closing and not self._paused

    def pause_reading(self) -> None:
        if not self.is_reading():
            return
        self._paused = True
        self._loop.remove_reader(self._fd)

    def resume_reading(self) -> None:
        if self._closing or not self._paused:
            return
        self._paused = False
        self._loop.add_reader(self._fd, self._read_ready)

    def _read_ready(self) -> None:
        if self._conn_lost:
            return
        assert self._sock is not None and self._protocol is not None
        try:
            data = self._sock.recv(self.max_size)
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal read error on socket transport")
            return
        if not data:
            self._on_eof()
            return
        try:
            self._protocol.data_received(data)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal error: protocol.data_received() call failed.")

    def _on_eof(self) -> None:
        assert self._protocol is not None
        try:
            keep_open = self._protocol.eof_received()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal error: protocol.eof_received() call failed.")
            return
        if keep_open:
            # It may still write, but nothing more will come: stop polling.
            self._loop.remove_reader(self._fd)
        else:
            self.close()

    # -- WriteTransport -----------------------------------------------------

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if high is None:
            high = DEFAULT_HIGH_WATER if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high_water = high
        self._low_water = low
        self._maybe_pause_protocol()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (self._low_water, self._high_water)

    def get_write_buffer_size(self) -> int:
        buffer = self._buffer
        return len(buffer) if buffer is not None else 0

    def write(self, data: _Bytes) -> None:
        """Send ``data`` now, or as much of it as the socket takes and the
        rest when it is writable (in order); pause the protocol past the
        high-water mark."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be a bytes-like object, "
                            f"not {type(data).__name__!r}")
        if self._eof:
            raise RuntimeError("Cannot call write() after write_eof()")
        if not data:
            return
        if self._conn_lost:
            if self._conn_lost >= WARN_AFTER_LOST_WRITES:
                log.warning("socket.send() raised exception.")
            self._conn_lost += 1
            return
        buffer = self._buffer
        if not buffer:
            assert self._sock is not None
            try:
                sent = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                pass
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._fatal_error(exc, "Fatal write error on socket transport")
                return
            else:
                if sent == len(data):
                    return
                data = data[sent:]
            self._loop.add_writer(self._fd, self._write_ready)
            buffer = self._buffer = bytearray(data)
        else:
            buffer.extend(data)
        self._maybe_pause_protocol()

    def writelines(self, list_of_data: Iterable[_Bytes]) -> None:
        self.write(b"".join(list_of_data))

    def _write_ready(self) -> None:
        buffer = self._buffer
        if self._conn_lost or not buffer:
            return
        assert self._sock is not None
        try:
            sent = self._sock.send(buffer)
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._loop.remove_writer(self._fd)
            self._buffer = None
            self._fatal_error(exc, "Fatal write error on socket transport")
            return
        if sent:
            del buffer[:sent]
        self._maybe_resume_protocol()  # may write more
        if self._buffer:
            return
        self._buffer = None
        self._loop.remove_writer(self._fd)
        if self._closing:
            if not self._conn_lost:
                self._conn_lost += 1
                self._loop.call_soon(self._call_connection_lost, None)
        elif self._eof:
            self._sock.shutdown(socket.SHUT_WR)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        """Shut the sending side once the buffer is flushed."""
        if self._closing or self._eof:
            return
        self._eof = True
        if not self._buffer:
            assert self._sock is not None
            self._sock.shutdown(socket.SHUT_WR)

    def abort(self) -> None:
        """Close now, dropping the buffer; ``connection_lost(None)`` follows."""
        self._force_close(None)

    # -- flow control and the end -------------------------------------------

    def _maybe_pause_protocol(self) -> None:
        if self.get_write_buffer_size() <= self._high_water or self._protocol_paused:
            return
        self._protocol_paused = True
        self._tell_protocol("pause_writing")

    def _maybe_resume_protocol(self) -> None:
        if not self._protocol_paused or self.get_write_buffer_size() > self._low_water:
            return
        self._protocol_paused = False
        self._tell_protocol("resume_writing")

    def _tell_protocol(self, method: str) -> None:
        """Call the protocol's ``pause_writing``/``resume_writing``; what it
        raises goes to the loop's exception handler, as asyncio's does."""
        assert self._protocol is not None
        try:
            getattr(self._protocol, method)()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._loop.call_exception_handler({
                "message": f"protocol.{method}() failed", "exception": exc,
                "transport": self, "protocol": self._protocol})

    def _fatal_error(self, exc: BaseException, message: str) -> None:
        if isinstance(exc, OSError):
            if self._loop.get_debug():
                log.debug("%r: %s", self, message, exc_info=True)
        else:
            self._loop.call_exception_handler({
                "message": message, "exception": exc, "transport": self,
                "protocol": self._protocol})
        self._force_close(exc)

    def _force_close(self, exc: BaseException | None) -> None:
        if self._conn_lost:
            return
        if self._buffer:
            self._loop.remove_writer(self._fd)
        self._buffer = None
        if not self._closing:
            self._closing = True
            self._loop.remove_reader(self._fd)
        self._conn_lost += 1
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc: BaseException | None) -> None:
        protocol, self._protocol = self._protocol, None
        try:
            if protocol is not None:
                protocol.connection_lost(exc)  # type: ignore[arg-type]
        finally:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
