"""The asyncio side of one connection: framing in, paced writes out.

:class:`Connection` is an :class:`asyncio.Protocol`.  Bytes in go through
the pure :class:`~bottom.framing.LineDecoder` and each line is handed to a
callback; lines out go through one write path with a token-bucket flood
control (:class:`TokenBucket`), so a bot that sends as fast as it can is
paced instead of killed.  ``pause_writing``/``resume_writing`` stop the
queue from pushing into a peer that does not read, so memory stays bounded
as long as the sender awaits what ``send`` returns.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable

from .errors import NotConnected
from .framing import DEFAULT_MAX_LINE_BYTES, LineDecoder

__all__ = ["Connection", "TokenBucket"]

log = logging.getLogger("bottom.connection")


class TokenBucket:
    """Flood control: ``burst`` lines at once, then ``rate`` lines a second.

    Pure arithmetic over a clock (``time.monotonic`` unless given), so it is
    tested without sleeping.  Defaults are the fastest pacing that neither
    ngircd nor inspircd (default settings) slows or kills: a burst of 5,
    then 1 line per second.
    """

    __slots__ = ("burst", "rate", "_tokens", "_stamp", "_clock")

    def __init__(self, burst: int = 5, rate: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or rate <= 0:
            raise ValueError(f"flood control needs burst >= 1 and rate > 0, "
                             f"not burst={burst!r}, rate={rate!r}")
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return now

    def take(self) -> float:
        """Spend one token if there is one: return 0.0.  Else return the
        seconds until one is due (nothing is spent)."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


class Connection(asyncio.Protocol):
    """One IRC connection's protocol: decode lines in, pace lines out.

    ``on_line(line)`` is called for every complete line, in order, straight
    from ``data_received`` (no Task per line), but only once
    :meth:`start_delivery` was called: bytes that arrive earlier are held,
    so the client can announce the connection before its first event.
    ``on_lost(connection, exc)`` is called exactly once when the transport
    is gone.
    """

    # One per connection, and bridges hold thousands: slots keep it small.
    __slots__ = ("loop", "encoding", "_decoder", "_on_line", "_on_lost", "_flood",
                 "transport", "_queue", "_drain_timer", "_paused", "_lost", "_held",
                 "last_received", "last_sent")

    def __init__(self, loop: asyncio.AbstractEventLoop, *,
                 on_line: Callable[[str], None],
                 on_lost: Callable[[Connection, Exception | None], None],
                 encoding: str = "utf-8",
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
                 flood: TokenBucket | None = None) -> None:
        self.loop = loop
        self.encoding = encoding
        self._decoder = LineDecoder(encoding, max_line_bytes)
        self._on_line = on_line
        self._on_lost = on_lost
        self._flood = flood
        self.transport: asyncio.Transport | None = None
        # Made when a line must wait and dropped once empty: an empty deque
        # costs over 600 bytes, and most connections are idle.
        self._queue: collections.deque[tuple[bytes, asyncio.Future[None] | None]] | None = None
        self._drain_timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._lost = False
        self._held: list[bytes] | None = []
        #: loop time of the last bytes from the server (keepalive reads it)
        self.last_received = loop.time()
        #: loop time of the last line handed to the transport
        self.last_sent = self.last_received

    # -- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.last_received = self.loop.time()
        if self._held is not None:
            self._held.append(data)
            return
        on_line = self._on_line
        for line in self._decoder.feed(data):
            on_line(line)
            if self._lost:
                return

    def start_delivery(self) -> None:
        """Deliver the lines held so far, and every later one as it arrives."""
        held, self._held = self._held, None
        if self._lost:
            # Closed before delivery began: what the server sent before it
            # closed (often an ERROR saying why) is still delivered.
            for data in held or ():
                for line in self._decoder.feed(data):
                    self._on_line(line)
            return
        for data in held or ():
            if self._lost:
                return
            self.data_received(data)

    @property
    def lost(self) -> bool:
        """True once ``connection_lost`` ran."""
        return self._lost

    def eof_received(self) -> bool | None:
        return None  # let the transport close itself; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost:
            return
        self._lost = True
        if self._drain_timer is not None:
            self._drain_timer.cancel()
            self._drain_timer = None
        queue, self._queue = self._queue, None
        if queue:
            log.warning("connection closed with %d line(s) not sent; dropped them",
                        len(queue))
            error = NotConnected("line not sent: the connection closed first")
            while queue:
                _, future = queue.popleft()
                if future is not None and not future.done():
                    future.set_exception(error)
                    future.exception()  # retrieved: nobody has to await it
        self._on_lost(self, exc)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._drain()

    # -- writing ------------------------------------------------------------

    @property
    def backlog(self) -> int:
        """Lines queued by flood control or a paused transport."""
        return len(self._queue) if self._queue is not None else 0

    def is_closing(self) -> bool:
        return self._lost or self.transport is None or self.transport.is_closing()

    def write_lines(self, lines: list[str], *, priority: bool = False) -> asyncio.Future[None]:
        """Queue lines; the Future is done once the last reached the transport.

        ``priority`` lines (PONG, QUIT) skip flood control and the queue.
        """
        if self.is_closing():
            raise NotConnected(f"{lines[0].split(' ', 1)[0]!r} not sent: the connection is closing")
        future = self.loop.create_future()
        encoding = self.encoding
        payloads = [(line + "\r\n").encode(encoding) for line in lines]
        if priority or (self._queue is None and self._flood is None and not self._paused):
            # Nothing waits ahead of these lines and nothing paces them.
            self._write_now(b"".join(payloads))
            future.set_result(None)
            return future
        last = len(payloads) - 1
        queue = self._queue
        if queue is None:
            queue = self._queue = collections.deque()
        for index, payload in enumerate(payloads):
            queue.append((payload, future if index == last else None))
        self._drain()
        return future

    def _write_now(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)
        self.last_sent = self.loop.time()

    def _drain(self) -> None:
        queue = self._queue
        if queue is None:
            return
        flood = self._flood
        while queue and not self._paused and not self._lost:
            if flood is not None:
                delay = flood.take()
                if delay:
                    if self._drain_timer is None:
                        self._drain_timer = self.loop.call_later(delay, self._on_drain_timer)
                    return
            payload, future = queue.popleft()
            self._write_now(payload)
            if future is not None and not future.done():
                future.set_result(None)
        if not queue and self._queue is queue:
            self._queue = None

    def _on_drain_timer(self) -> None:
        self._drain_timer = None
        self._drain()

    async def drain(self, timeout: float) -> int:
        """Wait until every queued line reached the transport (paced as
        usual) or ``timeout`` seconds passed; return how many lines are
        still queued."""
        queue = self._queue
        if queue:
            last = next((future for _, future in reversed(queue) if future is not None), None)
            if last is not None:
                with contextlib.suppress(asyncio.TimeoutError, NotConnected):
                    await asyncio.wait_for(asyncio.shield(last), timeout)
        return self.backlog

    def close(self) -> None:
        """Close gracefully: the transport flushes what it holds, then closes."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        """Close at once, dropping unsent data (a stuck peer, a timeout)."""
        if self.transport is not None:
            self.transport.abort()
