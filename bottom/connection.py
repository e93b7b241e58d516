"""The asyncio side of one connection: framing in, paced writes out.

:class:`Connection` is an :class:`asyncio.Protocol`.  Bytes in go through
the pure :class:`~bottom.framing.LineDecoder` and each line is handed to a
callback; lines out go through ONE write path (:meth:`Connection.write`)
with a token-bucket flood control (:class:`TokenBucket`), so a bot that
sends as fast as it can is paced instead of killed.

Every line honours back-pressure: while the transport has paused writing
nothing is written, urgent lines (PONG, the keepalive PING) included.
Urgent lines go ahead of the queue and are still charged to the flood
bucket; what they may hold is bounded (:data:`MAX_URGENT_BYTES`), and a
peer that reads nothing for ``stall_timeout`` seconds is disconnected
with a reason that says so.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable

from .errors import NotConnected
from .framing import DEFAULT_MAX_LINE_BYTES, LineDecoder

__all__ = ["Connection", "TokenBucket", "MAX_URGENT_BYTES", "LINE_BUDGET"]

#: Most bytes of urgent lines (PONG, keepalive PING) held for a peer that
#: does not read; more urgent lines are dropped (a PONG repeats anyway).
MAX_URGENT_BYTES = 64 * 1024

#: Seconds of line handling one loop callback may take before the rest of
#: a chunk is left for the next one (reading pauses meanwhile).
LINE_BUDGET = 0.01
# How many lines are handled between looks at the clock.
_CHECK_EVERY = 16

# Lines waiting to be written: the bytes, and the Future of the write()
# call whose last line it is (None for the others).
_Queue = collections.deque[tuple[bytes, "asyncio.Future[None] | None"]]

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
    is gone; ``exc`` says why (for a stalled peer: a ``TimeoutError``
    naming the stall).  ``stall_timeout`` (seconds, None for never): how
    long the transport may stay paused, the peer reading nothing, before
    the connection is aborted.
    """

    # One per connection, and bridges hold thousands: slots keep it small.
    __slots__ = ("_loss", "loop", "encoding", "_decoder", "_on_line", "_on_lost", "_flood",
                 "transport", "_queue", "_urgent", "_urgent_bytes", "_drain_timer", "_paused",
                 "_lost", "_held", "last_received", "last_sent", "stall_timeout",
                 "_stall_timer", "_error", "_drained", "_dropped", "_warned_urgent", "_rest",
                 "_rest_at")

    def __init__(self, loop: asyncio.AbstractEventLoop, *,
                 on_line: Callable[[str], None],
                 on_lost: Callable[[Connection, Exception | None], None],
                 encoding: str = "utf-8",
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
                 flood: TokenBucket | None = None,
                 stall_timeout: float | None = None) -> None:
        self.loop = loop
        self.encoding = encoding
        self._decoder = LineDecoder(encoding, max_line_bytes)
        self._on_line = on_line
        self._on_lost = on_lost
        self._flood = flood
        self.stall_timeout = stall_timeout
        self.transport: asyncio.Transport | None = None
        # Made when a line must wait and dropped once empty: an empty deque
        # costs over 600 bytes, and most connections are idle.
        self._queue: _Queue | None = None
        self._urgent: _Queue | None = None
        self._urgent_bytes = 0
        self._drain_timer: asyncio.TimerHandle | None = None
        self._stall_timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._lost = False
        self._error: Exception | None = None
        self._drained: asyncio.Future[None] | None = None
        self._dropped = 0
        self._warned_urgent = False
        self._held: list[bytes] | None = []
        # Lines of a big chunk still to deliver, from _rest_at on.
        self._rest: list[str] | None = None
        self._rest_at = 0
        # The transport is gone but lines still wait their turn: (exc,).
        self._loss: tuple[Exception | None] | None = None
        #: loop time of the last bytes from the server (keepalive reads it)
        self.last_received = loop.time()
        #: loop time of the last line handed to the transport
        self.last_sent = self.last_received

    # -- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        began = time.perf_counter()  # decoding a big read is part of the budget
        self.last_received = self.loop.time()
        if self._held is not None:
            self._held.append(data)
            return
        lines = self._decoder.feed(data)
        if self._rest is not None:
            self._rest.extend(lines)  # after the lines still waiting their turn
            return
        self._deliver(lines, 0, began)

    def _deliver(self, lines: list[str], start: int, began: float | None = None) -> None:
        """Hand ``lines[start:]`` to ``on_line``, but for no longer than
        :data:`LINE_BUDGET` per loop callback (counted from ``began``, the
        callback's start, when given): past it, reading pauses and the rest
        follows in the next callback, so a chunk of thousands of lines never
        blocks the loop."""
        on_line = self._on_line
        if len(lines) - start <= _CHECK_EVERY:  # the usual case: a few lines
            for index in range(start, len(lines)):
                on_line(lines[index])
                if self._lost:
                    return
            return
        deadline = (time.perf_counter() if began is None else began) + LINE_BUDGET
        for index in range(start, len(lines)):
            on_line(lines[index])
            if self._lost:
                return
            # The clock after every line: one hostile line can be costly.
            if time.perf_counter() > deadline and index + 1 < len(lines):
                self._rest, self._rest_at = lines, index + 1
                if self.transport is not None:
                    self.transport.pause_reading()
                self.loop.call_soon(self._deliver_rest)
                return

    def _deliver_rest(self) -> None:
        rest, self._rest = self._rest, None
        if rest is None or self._lost:
            return
        self._deliver(rest, self._rest_at)
        if self._rest is None and self._loss is not None and not self._lost:
            self._finish_lost(self._loss[0])  # the connection closed meanwhile
            return
        transport = self.transport
        if self._rest is None and not self._lost and transport is not None \
                and not transport.is_closing():
            transport.resume_reading()

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
        if held:
            # One read for all of it: one time budget for this callback.
            self.data_received(b"".join(held))

    @property
    def lost(self) -> bool:
        """True once ``connection_lost`` ran."""
        return self._lost

    def eof_received(self) -> bool | None:
        return None  # let the transport close itself; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost or self._loss is not None:
            return
        if self._rest is not None:
            # Lines still wait their turn (often the server's ERROR saying
            # why): they are delivered first, under the same time budget,
            # and the loss is reported after them (by _deliver_rest).
            self._loss = (exc,)
            return
        self._finish_lost(exc)

    def _finish_lost(self, exc: Exception | None) -> None:
        self._rest = None
        self._loss = None
        self._lost = True
        for timer in (self._drain_timer, self._stall_timer):
            if timer is not None:
                timer.cancel()
        self._drain_timer = self._stall_timer = None
        dropped = 0
        error = NotConnected("line not sent: the connection closed first")
        for queue in (self._urgent, self._queue):
            for _, future in queue or ():
                dropped += 1
                if future is not None and not future.done():
                    future.set_exception(error)
                    future.exception()  # retrieved: nobody has to await it
        self._urgent = self._queue = None
        self._urgent_bytes = 0
        self._dropped = dropped
        if dropped:
            log.warning("connection closed with %d line(s) not sent; dropped them", dropped)
        self._wake_drained()
        self._on_lost(self, exc or self._error)

    def pause_writing(self) -> None:
        self._paused = True
        if self.stall_timeout is not None and self._stall_timer is None:
            self._stall_timer = self.loop.call_later(self.stall_timeout, self._on_stall)

    def resume_writing(self) -> None:
        self._paused = False
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        self._drain()

    def _on_stall(self) -> None:
        self._stall_timer = None
        if not self._paused or self._lost:
            return
        held = self.transport.get_write_buffer_size() if self.transport is not None else 0
        self._error = TimeoutError(
            f"the server stopped reading: nothing could be written for "
            f"{self.stall_timeout:g} s (stall_timeout), {held} bytes waiting")
        log.warning("aborting the connection: %s", self._error)
        self.abort()

    # -- writing ------------------------------------------------------------

    @property
    def backlog(self) -> int:
        """Lines waiting for flood control or a paused transport."""
        return len(self._queue or ()) + len(self._urgent or ())

    def is_closing(self) -> bool:
        return self._lost or self.transport is None or self.transport.is_closing()

    def write(self, lines: list[str], *, urgent: bool = False) -> asyncio.Future[None]:
        """Queue lines; the Future is done once the last reached the transport.

        Lines go out in the order written, paced by flood control and held
        while the transport has paused writing.  ``urgent`` lines (PONG,
        the keepalive PING) go ahead of every queued line that is not
        urgent, but are still paced and still held; at most
        :data:`MAX_URGENT_BYTES` of them are held, later ones fail with
        :class:`~bottom.NotConnected` (one WARNING).  If the connection
        closes first, the Future fails with :class:`~bottom.NotConnected`.

        :raises NotConnected: when the connection is closing.
        """
        if self.is_closing():
            raise NotConnected(f"{lines[0].split(' ', 1)[0]!r} not sent: the connection is closing")
        future = self.loop.create_future()
        encoding = self.encoding
        payloads = [(line + "\r\n").encode(encoding) for line in lines]
        if self._flood is None and not self._paused and self._urgent is None \
                and (urgent or self._queue is None):
            # Nothing waits ahead of these lines and nothing paces them.
            self._write_now(b"".join(payloads))
            future.set_result(None)
            return future
        if urgent:
            size = sum(map(len, payloads))
            if self._urgent_bytes + size > MAX_URGENT_BYTES:
                return self._refuse_urgent(future, lines[0])
            self._urgent_bytes += size
            queue = self._urgent
            if queue is None:
                queue = self._urgent = collections.deque()
        else:
            queue = self._queue
            if queue is None:
                queue = self._queue = collections.deque()
        last = len(payloads) - 1
        for index, payload in enumerate(payloads):
            queue.append((payload, future if index == last else None))
        self._drain()
        return future

    def write_lines(self, lines: list[str], *, priority: bool = False) -> asyncio.Future[None]:
        """:meth:`write`, under its older name (``priority`` is ``urgent``)."""
        return self.write(lines, urgent=priority)

    def _refuse_urgent(self, future: asyncio.Future[None], line: str) -> asyncio.Future[None]:
        if not self._warned_urgent:
            self._warned_urgent = True
            log.warning("the server reads nothing and %d bytes of PONG/PING are held "
                        "already: dropping more of them", self._urgent_bytes)
        future.set_exception(NotConnected(
            f"{line.split(' ', 1)[0]!r} not sent: the server is not reading"))
        future.exception()  # retrieved: nobody has to await it
        return future

    def _write_now(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)
        self.last_sent = self.loop.time()

    def _drain(self) -> None:
        flood = self._flood
        while not self._paused and not self._lost:
            queue = self._urgent or self._queue
            if not queue:
                break
            if flood is not None:
                delay = flood.take()
                if delay:
                    if self._drain_timer is None:
                        self._drain_timer = self.loop.call_later(delay, self._on_drain_timer)
                    return
            payload, future = queue.popleft()
            if queue is self._urgent:
                self._urgent_bytes -= len(payload)
                if not queue:
                    self._urgent = None
            elif not queue:
                self._queue = None
            self._write_now(payload)
            if future is not None and not future.done():
                future.set_result(None)
        if self._queue is None and self._urgent is None:
            self._wake_drained()

    def _on_drain_timer(self) -> None:
        self._drain_timer = None
        self._drain()

    def _wake_drained(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    async def drain(self, timeout: float | None) -> int:
        """Wait until every queued line was written (paced as usual), the
        connection closed, or ``timeout`` seconds passed.

        Returns how many lines were left unsent (those the close dropped,
        when it closed).  Cancelling the caller leaves the lines queued.
        """
        if self.backlog and not self._lost:
            if self._drained is None:
                self._drained = self.loop.create_future()
            try:
                await asyncio.wait_for(asyncio.shield(self._drained), timeout)
            except (asyncio.TimeoutError, TimeoutError):
                pass
        return self._dropped if self._lost else self.backlog

    def close(self) -> None:
        """Close gracefully: the transport flushes what it holds, then closes."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        """Close at once, dropping unsent data (a stuck peer, a timeout)."""
        if self.transport is not None:
            self.transport.abort()

