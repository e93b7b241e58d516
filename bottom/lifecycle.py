"""Connecting, disconnecting, reconnecting and keepalive: one connection's life.

The rules (DESIGN, "Robustness defaults" and "Loops"): once TCP (and TLS)
is up, ``connect()`` returns and ``CLIENT_CONNECT`` fires, even when the
server closed again before ``connect()`` resumed; only failing to
establish the connection raises :class:`~bottom.ConnectionFailed`.  A
connection lost while registering fires ``CLIENT_REGISTRATION_FAILED``
before ``CLIENT_DISCONNECT``.  No outcome depends on load.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as _ssl
import time

from .clientbase import ClientBase
from .connection import Connection, TokenBucket
from .errors import ConnectionFailed
from .events import CLIENT_CONNECT, CLIENT_DISCONNECT
from .keepalive import _MIN_STEP as _MIN_KEEPALIVE_STEP
from .keepalive import PING, TIMEOUT, Keepalive
from .registration import CLIENT_REGISTRATION_FAILED, Actions
from .sts import decide, policy_port
from .ticker import ticker_for
from .transport import open_transport

__all__ = ["Lifecycle"]

log = logging.getLogger("bottom")


class Lifecycle(ClientBase):
    """``connect``/``disconnect`` and what keeps a connection honest."""

    __slots__ = ()

    async def connect(self) -> None:
        """Open the connection, then trigger ``CLIENT_CONNECT``.

        Returns once the connection is open; ``CLIENT_CONNECT`` handlers
        have started (plain ones have finished).  A no-op when already
        connected; concurrent calls share one attempt.

        :raises ConnectionFailed: (an ``OSError``) when the connection or
            the TLS handshake fails or times out; nothing is triggered.
        """
        running = asyncio.get_running_loop()
        if self._conn is not None and not self._conn.is_closing():
            return
        if self._connecting is not None:
            await asyncio.shield(self._connecting)
            return
        if self._conn is not None:
            # The old connection is closing but not gone yet: let it finish,
            # so its CLIENT_DISCONNECT fires before this one connects.
            await asyncio.shield(self._gone())
            return await self.connect()
        if self._loop is not running:
            self._loop = running  # disconnected, so rebinding is safe
        if asyncio.current_task() is not self._reconnect_task:
            self._give_up_reconnecting = False  # the user tries again
        self._connecting = running.create_future()
        try:
            conn = await self._open()
        except BaseException as exc:
            self._connecting.set_exception(exc)
            self._connecting.exception()  # retrieved: the caller gets it raised
            raise
        else:
            self._connecting.set_result(None)
        finally:
            self._connecting = None
        self._act(self._session.start())
        if self._tracker is not None:
            # The session cleared the ISUPPORT the state folds by: follow it.
            self._tracker.state.clear()
        if self._session.registering and self.register_timeout:
            self._register_timer = running.call_later(
                self.register_timeout, self._registration_timed_out)
        self._dispatch(CLIENT_CONNECT, {"host": self.host, "port": self.port})
        # Soon, not now: the caller of connect() gets to register its waits
        # before the first line is dispatched.  A close that came before we
        # got here follows the lines that came before it.
        running.call_soon(conn.start_delivery)
        early, self._early_loss = self._early_loss, None
        if early is not None and early[0] is conn:
            running.call_soon(self._on_lost, conn, early[1])

    def _check_sts(self) -> None:
        """A CAP line: act on an ``sts`` value the server offers (sts=True).

        Plain connection with a port: leave and come back over TLS there,
        never plain again.  TLS connection: store (or drop) the policy."""
        store = self._sts
        value = self._session.cap.offered.get("sts")
        if store is None or value is None:
            return
        secure = bool(self.ssl)
        port = decide(value, self.host, self.port, secure=secure, now=time.time(), store=store)
        if port is not None and not self._user_closed:
            log.info("STS: %s offers TLS on port %d; reconnecting there", self.host, port)
            self.ssl, self.port = True, port
            self._disconnect_reason = f"STS: moving to TLS on port {port}"
            self.loop.create_task(self._sts_upgrade())

    async def _sts_upgrade(self) -> None:
        await self.disconnect()
        self._user_closed = False
        try:
            await self.connect()
        except ConnectionFailed as exc:
            log.warning("STS: TLS connection to %s:%s failed: %s", self.host, self.port, exc)

    async def _open(self) -> Connection:
        loop = asyncio.get_running_loop()
        if self._sts is not None and not self.ssl:
            port = policy_port(self._sts, self.host, time.time())
            if port is not None:
                log.info("STS: a stored policy requires TLS for %s; using port %d",
                         self.host, port)
                self.ssl, self.port = True, port
        context = self._ssl_context()
        flood = TokenBucket(self.flood_burst, self.flood_rate) if self.flood_control else None
        conn = Connection(loop, on_line=self._on_line, on_lost=self._on_lost,
                          encoding=self.encoding, max_line_bytes=self.max_line_bytes,
                          flood=flood, stall_timeout=self.ping_timeout)
        where = f"{self.host}:{self.port}"

        async def opening_task() -> object:
            # Made inside the Task: cancelled before it starts, the Task
            # then leaves no open_transport() coroutine unawaited.
            return await open_transport(conn, self.host, self.port, ssl=context,
                                        timeout=self.connect_timeout, **self._route.options())

        # Its own Task, so that disconnect() can abandon it without
        # cancelling whoever awaits connect().
        opening = loop.create_task(opening_task())
        self._opening = opening
        self._early_loss = None
        try:
            await opening
        except asyncio.CancelledError:
            if opening.cancelled() and self._opening is None:
                raise ConnectionFailed(f"connecting to {where} was abandoned: disconnect() "
                                       "was called", host=self.host, port=self.port) from None
            raise
        except ConnectionFailed:
            raise  # open_transport() says what happened and what to change
        except OSError as exc:
            raise ConnectionFailed(f"could not connect to {where}: {exc}",
                                   host=self.host, port=self.port) from exc
        finally:
            self._opening = None
        self._conn = conn
        self._closed = None  # made when someone waits for the close (_gone)
        self._disconnect_reason = None
        self._server_error = None
        self._user_closed = False
        if self._middleware is not None:
            self._middleware.reset()
        # Only a reconnect policy asks how long a connection lasted: without
        # one, no float per client.
        self._connected_at = loop.time() if self.reconnect is not None else 0.0
        self._start_keepalive(conn)
        log.info("connected to %s", where)
        return conn

    def _ssl_context(self) -> _ssl.SSLContext | None:
        if isinstance(self.ssl, _ssl.SSLContext):
            return self.ssl
        if self.ssl:
            return _ssl.create_default_context()
        return None

    async def disconnect(self) -> None:
        """Close the connection; return once ``CLIENT_DISCONNECT`` was triggered.

        Lines already queued are sent first (paced by flood control, for
        at most ``disconnect_timeout`` seconds); lines still queued then
        fail their awaitables with :class:`~bottom.NotConnected`.
        Idempotent: without a connection it returns at once.  Stops the
        built-in reconnect, if any.
        """
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
            self._reconnect_task = None
        opening, self._opening = self._opening, None
        if opening is not None:
            # A connect() still opening: abandon it (it raises ConnectionFailed).
            opening.cancel()
            connecting = self._connecting
            if connecting is not None:
                with contextlib.suppress(Exception):  # connect() reports it
                    await asyncio.shield(connecting)
        conn = self._conn
        if conn is None:
            return
        closed = self._gone()
        if not self._user_closed:
            self._user_closed = True
            self._disconnect_reason = self._disconnect_reason or "disconnect() was called"
            # What was already queued goes first (paced), then the close.
            left = await conn.drain(self.disconnect_timeout)
            if left:
                log.warning("disconnect: %d queued line(s) not sent within "
                            "disconnect_timeout=%g s", left, self.disconnect_timeout)
            conn.close()
        # A peer that stopped reading would hold a graceful close open.
        deadline = asyncio.get_running_loop().call_later(5.0, conn.abort)
        try:
            await asyncio.shield(closed)
        finally:
            deadline.cancel()

    def _gone(self) -> asyncio.Future[None]:
        """A Future done once the current connection is gone (``_on_lost``).

        Made on first call, not per connection: most clients never wait
        for their close.  Call only while ``_conn`` is set."""
        closed = self._closed
        if closed is None:
            closed = self._closed = self.loop.create_future()
        return closed

    def _close(self, reason: str) -> None:
        """Close from inside (keepalive, a fatal error) with ``reason``."""
        if self._conn is not None and not self._conn.is_closing():
            self._disconnect_reason = reason
            log.warning("closing connection to %s:%s: %s", self.host, self.port, reason)
            self._conn.abort()

    # -- registration outcomes --------------------------------------------

    def _act(self, actions: Actions) -> None:
        """Carry out what the sans-I/O session asked for."""
        if actions.lines:
            self._send_internal(actions.lines)
        if actions.failure is not None:
            self._registration_failed(*actions.failure)

    def _registration_timed_out(self) -> None:
        self._register_timer = None
        self._act(self._session.fail(f"registration timed out: no welcome (001) within "
                                     f"{self.register_timeout:g} s"))

    def _registration_failed(self, reason: str, permanent: bool) -> None:
        if permanent and self.reconnect is not None:
            # Reconnecting cannot fix credentials or a ban: don't hammer.
            self._give_up_reconnecting = True
            log.warning("not reconnecting to %s:%s: %s", self.host, self.port, reason)
        self._dispatch(CLIENT_REGISTRATION_FAILED, {"host": self.host, "port": self.port,
                                                    "reason": reason, "permanent": permanent})
        self._close(reason)

    # -- losing the connection --------------------------------------------

    def _on_lost(self, conn: Connection, exc: Exception | None) -> None:
        if conn is not self._conn:
            if self._opening is not None or self._connecting is not None:
                # Closed before connect() adopted it: connect() still
                # returns, then reports this as an ordinary disconnect.
                self._early_loss = (conn, exc)
            return
        self._conn = None
        self._stop_keepalive()
        if self._register_timer is not None:
            self._register_timer.cancel()
            self._register_timer = None
        reason = self._lost_reason(exc)
        lasted = self.loop.time() - self._connected_at if self.reconnect is not None else 0.0
        log.info("disconnected from %s:%s: %s", self.host, self.port, reason)
        closed, self._closed = self._closed, None
        user_closed = self._user_closed
        if closed is not None and not closed.done():
            closed.set_result(None)
        failed = self._session.fail(f"connection lost during registration: {reason}")
        if failed.failure is not None:
            self._dispatch(CLIENT_REGISTRATION_FAILED,
                           {"host": self.host, "port": self.port, "reason": reason,
                            "permanent": failed.failure[1]})
        if self._tracker is not None:
            self._tracker.disconnected()  # emptied before CLIENT_DISCONNECT handlers run
        if self._requests is not None:
            self._requests.connection_lost(reason)
        if self._batches is not None:
            self._batches.clear()
        self._dispatch(CLIENT_DISCONNECT,
                       {"host": self.host, "port": self.port, "reason": reason})
        if self.reconnect is not None and not user_closed and not self._give_up_reconnecting \
                and self._conn is None and self._connecting is None:
            self.reconnect.connected(lasted)
            self._reconnect_task = self.loop.create_task(self._reconnect_loop())

    def _lost_reason(self, exc: Exception | None) -> str:
        if self._disconnect_reason is not None:
            return self._disconnect_reason
        if self._server_error is not None:
            # The server said why before it went; a reset after ERROR must
            # not hide that.
            return f"server closed the connection: ERROR :{self._server_error}"
        if exc is not None:
            return f"connection lost: {exc}"
        return "server closed the connection"

    async def _reconnect_loop(self) -> None:
        policy = self.reconnect
        while policy is not None and self._conn is None:
            delay = policy.next_delay()
            log.info("reconnecting to %s:%s in %.1f s", self.host, self.port, delay)
            await asyncio.sleep(delay)
            if self._conn is not None:
                break
            try:
                await self.connect()
            except ConnectionFailed as exc:
                log.warning("reconnect failed: %s", exc)
        self._reconnect_task = None

    # -- keepalive ----------------------------------------------------------

    # The Keepalive object exists only while our PING is unanswered: with
    # none outstanding, the next check is simply one interval after the
    # server last spoke, and an idle client (whose server keeps talking)
    # holds no Keepalive at all.

    def _start_keepalive(self, conn: Connection) -> None:
        self._stop_keepalive()
        if self.ping_interval:
            # The same check Keepalive() makes, before the first timer.
            Keepalive(self.ping_interval, self.ping_timeout)
            self._schedule_keepalive(conn, conn.last_received + self.ping_interval)

    def _stop_keepalive(self) -> None:
        bucket, self._keepalive_timer = self._keepalive_timer, None
        if bucket is not None and self._loop is not None:
            ticker_for(self._loop, _check_keepalive).cancel(bucket, self)
        self._keepalive = None

    def _schedule_keepalive(self, conn: Connection, when: float) -> None:
        # One timer per loop for every client's check (bridges hold
        # thousands of clients).
        self._keepalive_timer = ticker_for(conn.loop, _check_keepalive).call_at(
            max(when, conn.loop.time() + _MIN_KEEPALIVE_STEP), self)

    def _check_keepalive(self) -> None:
        self._keepalive_timer = None
        conn, keepalive = self._conn, self._keepalive
        if conn is None or conn.is_closing():
            return
        if keepalive is None:
            if not self.ping_interval or not self.ping_timeout:
                return  # turned off since the connection opened
            keepalive = Keepalive(self.ping_interval, self.ping_timeout)
        now = conn.loop.time()
        verdict = keepalive.check(now, conn.last_received)
        if verdict is TIMEOUT:
            self._keepalive = None
            self._close(f"ping timeout: no reply from the server in "
                        f"{keepalive.timeout:g} s")
            return
        if verdict is PING:
            # Ahead of queued lines: a long backlog must not hide a dead link.
            conn.write([f"PING :keepalive-{int(now)}"], urgent=True)
        # Kept only while our PING waits for an answer.
        self._keepalive = keepalive if keepalive.ping_sent_at is not None else None
        self._schedule_keepalive(conn, keepalive.next_check(now, conn.last_received))


def _check_keepalive(client: object) -> None:
    """What the loop's ticker calls for each client whose check is due."""
    if isinstance(client, Lifecycle):
        client._check_keepalive()
