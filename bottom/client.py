"""The :class:`Client` facade: loop binding, connect/disconnect, send, keepalive.

The hot path is ``Connection.data_received`` -> :meth:`Client._on_line`
-> ``Message.parse`` -> :func:`~bottom.events.message_to_event` ->
``Dispatcher._dispatch``: plain calls, no Task per line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as _ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from . import __version__ as _version
from .cap import DEFAULT_CAPS
from .commands import check_raw_line, serialize
from .connection import Connection, TokenBucket
from .ctcp import auto_reply, format_ctcp
from .dispatch import Dispatcher, _start
from .errors import ConnectionFailed, InvalidMessage, NotConnected
from .events import CLIENT_CONNECT, CLIENT_DISCONNECT, CTCP, message_to_event, privmsg_event
from .framing import DEFAULT_MAX_LINE_BYTES
from .isupport import ISupport
from .message import Message
from .reconnect import ReconnectPolicy
from .registration import (
    CLIENT_READY,
    CLIENT_REGISTRATION_FAILED,
    WATCHED_COMMANDS,
    Session,
)
from .sasl import External, Mechanism, Plain

__all__ = ["Client", "RawHandler"]

log = logging.getLogger("bottom")
wire_log = logging.getLogger("bottom.wire")

#: ``async def middleware(next_handler, message)``; call ``await
#: next_handler(message)`` to pass a (maybe changed) message on, or don't
#: to drop it.
RawHandler = Callable[[Callable[[Message], Awaitable[None]], Message], Awaitable[None]]

_PRIORITY_COMMANDS = frozenset({"PONG", "QUIT"})
VERSION_REPLY = f"bottom {_version} (Python asyncio IRC client)"
_OBSERVED = WATCHED_COMMANDS | {"PING"}
_PRIVMSG = "PRIVMSG"
_parse = Message.parse


class Client(Dispatcher):
    """An IRC connection that turns every server line into an event.

    ``ssl=True`` verifies the server certificate and host name; pass an
    :class:`ssl.SSLContext` for your own trust store or a client
    certificate, or ``ssl=False`` for plaintext.  See the docs for every
    keyword; all have defaults that work against common servers.

    Give ``nick`` and the client registers itself on every connect (CAP
    LS 302, the wanted ``caps`` the server offers, SASL when ``sasl`` is
    ``("account", "password")``, ``"EXTERNAL"`` or a
    :class:`bottom.sasl.Mechanism`, then PASS/NICK/USER), falls back to
    ``alt_nicks`` and generated nicks when its nick is taken, and triggers
    ``CLIENT_READY`` once per connection.  Every client answers CTCP
    VERSION/PING/TIME/CLIENTINFO (rate limited) unless
    ``ctcp_replies=False``; ``ctcp_version`` is the VERSION answer.  A
    failed registration triggers ``CLIENT_REGISTRATION_FAILED`` (``host,
    port, reason``) and then
    ``CLIENT_DISCONNECT`` with the same reason.  Without ``nick`` nothing
    is sent on connect.
    """

    # Slots keep a client small (bridges hold thousands); "__dict__" is kept
    # so users can still hang their own attributes on it, as with bottom 3.
    __slots__ = (
        "host", "port", "ssl", "encoding", "auto_pong", "flood_control", "flood_burst",
        "flood_rate", "ping_interval", "ping_timeout", "connect_timeout", "max_line_bytes",
        "reconnect", "raw_handlers", "register_timeout", "ctcp_replies", "ctcp_version",
        "_ctcp_bucket",
        "_session", "_register_timer", "_give_up_reconnecting", "_warned_tags", "_loop",
        "_conn", "_connecting", "_closed", "_disconnect_reason", "_server_error",
        "_user_closed", "_connected_at", "_keepalive", "_ping_sent_at", "_reconnect_task",
        "_raw_backlog", "_opening", "__dict__", "__weakref__",
    )

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl: bool | _ssl.SSLContext = True,
        encoding: str = "utf-8",
        loop: asyncio.AbstractEventLoop | None = None,
        auto_pong: bool = True,
        flood_control: bool = True,
        flood_burst: int = 5,
        flood_rate: float = 1.0,
        ping_interval: float | None = 90.0,
        ping_timeout: float = 60.0,
        connect_timeout: float = 30.0,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        reconnect: bool | ReconnectPolicy = False,
        nick: str | None = None,
        username: str | None = None,
        realname: str | None = None,
        password: str | None = None,
        sasl: tuple[str, str] | str | Mechanism | None = None,
        caps: Iterable[str] = DEFAULT_CAPS,
        alt_nicks: Iterable[str] = (),
        register_timeout: float = 60.0,
        ctcp_replies: bool = True,
        ctcp_version: str = VERSION_REPLY,
    ) -> None:
        super().__init__()
        "x".encode(encoding)  # an unknown encoding fails here, not mid-connection
        self.host = host
        self.port = port
        self.ssl = ssl
        self.encoding = encoding
        self.auto_pong = auto_pong
        self.flood_control = flood_control
        self.flood_burst = flood_burst
        self.flood_rate = flood_rate
        if flood_control:
            TokenBucket(flood_burst, flood_rate)  # validate now
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.connect_timeout = connect_timeout
        self.max_line_bytes = max_line_bytes
        self.reconnect: ReconnectPolicy | None = (
            ReconnectPolicy() if reconnect is True else reconnect or None)
        #: middleware that sees every parsed Message before its event fires
        self.raw_handlers: list[RawHandler] = []
        #: seconds from connect to 001 before registration counts as failed
        self.register_timeout = register_timeout
        #: answer CTCP VERSION/PING/TIME/CLIENTINFO, rate limited
        self.ctcp_replies = ctcp_replies
        try:
            format_ctcp("VERSION", ctcp_version)  # the reply's own check, now
        except InvalidMessage as exc:
            raise ValueError(f"ctcp_version={ctcp_version!r} cannot be a CTCP reply: "
                             f"{exc}") from None
        #: the text of the automatic CTCP VERSION reply
        self.ctcp_version = ctcp_version
        # Made by the first CTCP query: most clients never get one.
        self._ctcp_bucket: TokenBucket | None = None
        if nick is not None:
            alt_nicks = tuple(alt_nicks)
            _validate_registration(nick, username, realname, password, alt_nicks)
        self._session = Session(
            send=self._send_internal, emit=self._dispatch, fail=self._registration_failed,
            nick=nick, username=username, realname=realname, password=password,
            sasl=_mechanism(sasl), caps=caps, alt_nicks=alt_nicks)
        self._register_timer: asyncio.TimerHandle | None = None
        self._give_up_reconnecting = False
        self._warned_tags = False
        self._loop = loop
        self._conn: Connection | None = None
        self._connecting: asyncio.Future[None] | None = None
        self._opening: asyncio.Task[Any] | None = None
        # Done once the current connection is gone (a Future: an Event
        # costs a deque per connection).
        self._closed: asyncio.Future[None] | None = None
        self._disconnect_reason: str | None = None
        self._server_error: str | None = None
        self._user_closed = False
        self._connected_at = 0.0
        self._keepalive: asyncio.TimerHandle | None = None
        self._ping_sent_at: float | None = None
        self._reconnect_task: asyncio.Task[None] | None = None
        # Lines held while an earlier line's middleware is suspended, so
        # events still fire in line order.
        self._raw_backlog: list[Message] | None = None

    # -- loop binding ---------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop this client runs on.

        Bound by ``loop=``, else by the first ``connect()``, else on first
        access here: to the running loop, or (with none running) to a new
        loop, so ``client.loop.run_until_complete(client.connect())`` works.
        """
        if self._loop is None:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop = asyncio.new_event_loop()
        return self._loop

    @loop.setter
    def loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._conn is not None and not self._conn.is_closing():
            raise RuntimeError("cannot change client.loop while connected: "
                               "await client.disconnect() first")
        self._loop = loop

    # -- session state -----------------------------------------------------------

    @property
    def nick(self) -> str | None:
        """The current nick: the one asked for until the server says otherwise
        (001, NICK echoes, nick-in-use fallbacks); None if never known."""
        return self._session.nick

    @property
    def caps(self) -> frozenset[str]:
        """Capabilities enabled on this connection (kept current by ACK/NAK/NEW/DEL).

        A frozenset, shared with other clients that enabled the same caps."""
        return self._session.caps

    @property
    def isupport(self) -> ISupport:
        """The server's ISUPPORT (005) tokens, with typed helpers."""
        return self._session.isupport

    @property
    def prefix_reserve(self) -> int:
        """Bytes kept free in PRIVMSG/NOTICE lines for the ``:nick!user@host``
        prefix (and its space) that a server puts in front when relaying
        them: exact once the server showed us our own user and host,
        generous before."""
        return self._session.prefix_reserve()

    # -- connecting -----------------------------------------------------------

    def is_closing(self) -> bool:
        """True unless a connection is open (or opening) and not closing."""
        return self._conn is None or self._conn.is_closing()

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
        if self._conn is not None and self._closed is not None:
            # The old connection is closing but not gone yet: let it finish,
            # so its CLIENT_DISCONNECT fires before this one connects.
            await asyncio.shield(self._closed)
            return await self.connect()
        if self._loop is not running:
            self._loop = running  # disconnected, so rebinding is safe
        if asyncio.current_task() is not self._reconnect_task:
            self._give_up_reconnecting = False  # the user tries again
        self._connecting = running.create_future()
        try:
            await self._open()
        except BaseException as exc:
            self._connecting.set_exception(exc)
            self._connecting.exception()  # retrieved: the caller gets it raised
            raise
        else:
            self._connecting.set_result(None)
        finally:
            self._connecting = None
        conn = self._conn
        self._session.start()
        if self._session.registering and self.register_timeout:
            self._register_timer = running.call_later(
                self.register_timeout, self._registration_timed_out)
        self._dispatch(CLIENT_CONNECT, {"host": self.host, "port": self.port})
        if conn is not None:
            # Soon, not now: the caller of connect() gets to register its
            # waits before the first line is dispatched.
            running.call_soon(conn.start_delivery)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        context = self._ssl_context()
        flood = TokenBucket(self.flood_burst, self.flood_rate) if self.flood_control else None
        conn = Connection(loop, on_line=self._on_line, on_lost=self._on_lost,
                          encoding=self.encoding, max_line_bytes=self.max_line_bytes,
                          flood=flood)
        where = f"{self.host}:{self.port}"

        async def open_transport() -> object:
            # Made inside the Task: cancelled before it starts, the Task
            # then leaves no create_connection() coroutine unawaited.
            return await asyncio.wait_for(
                loop.create_connection(lambda: conn, self.host, self.port, ssl=context,
                                       server_hostname=self.host if context else None),
                self.connect_timeout)

        # Its own Task, so that disconnect() can abandon it without
        # cancelling whoever awaits connect().
        opening = loop.create_task(open_transport())
        self._opening = opening
        try:
            await opening
        except asyncio.CancelledError:
            if opening.cancelled() and self._opening is None:
                raise ConnectionFailed(f"connecting to {where} was abandoned: disconnect() "
                                       "was called", host=self.host, port=self.port) from None
            raise
        except _ssl.SSLError as exc:
            raise ConnectionFailed(f"TLS handshake with {where} failed: {exc}",
                                   host=self.host, port=self.port) from exc
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise ConnectionFailed(f"connecting to {where} timed out after "
                                   f"{self.connect_timeout} s", host=self.host,
                                   port=self.port) from exc
        except OSError as exc:
            raise ConnectionFailed(f"could not connect to {where}: {exc}",
                                   host=self.host, port=self.port) from exc
        finally:
            self._opening = None
        if conn.lost:
            raise ConnectionFailed(f"{where} closed the connection at once",
                                   host=self.host, port=self.port)
        self._conn = conn
        self._closed = loop.create_future()
        self._disconnect_reason = None
        self._server_error = None
        self._user_closed = False
        self._raw_backlog = None
        self._connected_at = loop.time()
        self._ping_sent_at = None
        self._schedule_keepalive()
        log.info("connected to %s", where)

    def _ssl_context(self) -> _ssl.SSLContext | None:
        if isinstance(self.ssl, _ssl.SSLContext):
            return self.ssl
        if self.ssl:
            return _ssl.create_default_context()
        return None

    async def disconnect(self) -> None:
        """Close the connection; return once ``CLIENT_DISCONNECT`` was triggered.

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
        conn, closed = self._conn, self._closed
        if conn is None or closed is None:
            return
        if not self._user_closed:
            self._user_closed = True
            self._disconnect_reason = self._disconnect_reason or "disconnect() was called"
            conn.close()
        # A peer that stopped reading would hold a graceful close open.
        deadline = asyncio.get_running_loop().call_later(5.0, conn.abort)
        try:
            await asyncio.shield(closed)
        finally:
            deadline.cancel()

    def _close(self, reason: str) -> None:
        """Close from inside (keepalive, a fatal error) with ``reason``."""
        if self._conn is not None and not self._conn.is_closing():
            self._disconnect_reason = reason
            log.warning("closing connection to %s:%s: %s", self.host, self.port, reason)
            self._conn.abort()

    def _registration_timed_out(self) -> None:
        self._register_timer = None
        if not self._session.registered:
            self._session.failed(f"registration timed out: no welcome (001) within "
                                 f"{self.register_timeout:g} s")

    def _registration_failed(self, reason: str, permanent: bool) -> None:
        if permanent and self.reconnect is not None:
            # Reconnecting cannot fix credentials or a ban: don't hammer.
            self._give_up_reconnecting = True
            log.warning("not reconnecting to %s:%s: %s", self.host, self.port, reason)
        self._dispatch(CLIENT_REGISTRATION_FAILED, {"host": self.host, "port": self.port,
                                                    "reason": reason, "permanent": permanent})
        self._close(reason)

    def _on_lost(self, conn: Connection, exc: Exception | None) -> None:
        if conn is not self._conn:
            return  # lost before connect() adopted it: connect() raises instead
        self._conn = None
        for timer in (self._keepalive, self._register_timer):
            if timer is not None:
                timer.cancel()
        self._keepalive = self._register_timer = None
        reason = self._disconnect_reason
        if reason is None:
            if self._server_error is not None:
                # The server said why before it went; a reset after ERROR
                # must not hide that.
                reason = f"server closed the connection: ERROR :{self._server_error}"
            elif exc is not None:
                reason = f"connection lost: {exc}"
            else:
                reason = "server closed the connection"
        lasted = self.loop.time() - self._connected_at
        log.info("disconnected from %s:%s: %s", self.host, self.port, reason)
        closed = self._closed
        self._closed = None
        user_closed = self._user_closed
        if closed is not None and not closed.done():
            closed.set_result(None)
        self._dispatch(CLIENT_DISCONNECT,
                       {"host": self.host, "port": self.port, "reason": reason})
        if self.reconnect is not None and not user_closed and not self._give_up_reconnecting \
                and self._conn is None and self._connecting is None:
            self.reconnect.connected(lasted)
            self._reconnect_task = self.loop.create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        policy = self.reconnect
        assert policy is not None
        while self._conn is None:
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

    # -- keepalive ------------------------------------------------------------

    def _schedule_keepalive(self) -> None:
        if self.ping_interval:
            self._keepalive = self.loop.call_later(
                min(self.ping_interval, self.ping_timeout) / 2, self._check_keepalive)

    def _check_keepalive(self) -> None:
        self._keepalive = None
        conn = self._conn
        if conn is None or conn.is_closing() or not self.ping_interval:
            return
        now = self.loop.time()
        if self._ping_sent_at is not None:
            if conn.last_received > self._ping_sent_at:
                self._ping_sent_at = None  # any line proves the link alive
            elif conn.backlog:
                # Our own queue is still draining: a server that fake-lags
                # us answers late, which is not a dead link.
                self._ping_sent_at = now
            elif now - self._ping_sent_at >= self.ping_timeout:
                self._close(f"ping timeout: no reply from the server in "
                            f"{self.ping_timeout:g} s")
                return
        if self._ping_sent_at is None and now - conn.last_received >= self.ping_interval:
            self._ping_sent_at = now
            # Through the flood queue: a PING on top of a draining backlog
            # would break the pace the server allows (inspircd counts it).
            conn.write_lines([f"PING :keepalive-{int(now)}"])
        self._schedule_keepalive()

    # -- incoming ---------------------------------------------------------------

    def _on_line(self, line: str) -> None:
        """Called for every line: parse, run middleware, trigger the event.

        Nothing raised for one line may reach the transport (asyncio would
        close the connection): a line that breaks anything is logged and
        skipped.
        """
        try:
            if not self.raw_handlers:
                # Most lines of a busy channel are plain PRIVMSGs; they need
                # no Message (no middleware sees it) and no watching by the
                # session.
                kwargs = privmsg_event(line)
                if kwargs is not None:
                    self._dispatch(_PRIVMSG, kwargs)
                else:
                    self._handle_message(_parse(line))
            else:
                self._run_middleware(_parse(line))
        except ValueError as exc:
            log.warning("skipped a line the server sent that is not IRC: %s", exc)
        except Exception:
            log.exception("skipped a line that could not be handled: %r", line)

    def _handle_message(self, msg: Message) -> None:
        ready = self._observe(msg) if msg.command in _OBSERVED else False
        name, kwargs = message_to_event(msg)
        self._dispatch(name, kwargs)
        if name is not _PRIVMSG and name.startswith("CTCP_") and name != "CTCP_REPLY":
            self._on_ctcp(name, kwargs)
        if ready:
            self._dispatch(CLIENT_READY, {"host": self.host, "port": self.port,
                                          "nick": self._session.nick})

    def _observe(self, msg: Message) -> bool:
        """The few lines the client acts on itself; True once the session is ready."""
        command = msg.command
        if command == "PING":
            conn = self._conn
            if self.auto_pong and conn is not None and not conn.is_closing():
                conn.write_lines([_pong_line(msg.params)], priority=True)
            return False
        if command == "ERROR":
            self._server_error = msg.params[-1] if msg.params else ""
        elif command == "001" and self._register_timer is not None:
            self._register_timer.cancel()
            self._register_timer = None
        return self._session.observe(msg)

    def _on_ctcp(self, name: str, kwargs: dict[str, Any]) -> None:
        """The events a CTCP request adds, and the automatic reply."""
        self._dispatch(CTCP, kwargs)
        if name == "CTCP_ACTION":
            # An action is also a message: loggers and relays see it as one.
            self._dispatch("PRIVMSG", kwargs)
        nick = kwargs.get("nick")
        if not self.ctcp_replies or not nick or self.is_closing():
            return
        reply = auto_reply(kwargs["command"], kwargs["args"], version=self.ctcp_version)
        if reply is None or len(reply.encode(self.encoding, "replace")) > 400:
            return
        if self._ctcp_bucket is None:
            self._ctcp_bucket = TokenBucket(burst=3, rate=0.5)
        if self._ctcp_bucket.take():
            log.debug("CTCP %s from %s not answered: reply rate limit", kwargs["command"], nick)
            return
        try:
            self.send("notice", target=nick, message=reply)
        except ValueError:
            pass  # a nick we cannot address (a hostile source): no reply

    def _run_middleware(self, msg: Message) -> None:
        if self._raw_backlog is not None:
            self._raw_backlog.append(msg)
            return
        task = self._start_chain(msg)
        if task is not None:
            self._raw_backlog = []
            task.add_done_callback(self._resume_backlog)

    def _start_chain(self, msg: Message) -> asyncio.Task[None] | None:
        # Middleware runs on the same eager driver as coroutine handlers.
        chain = self._chain(0)
        return _start(chain(msg), "raw middleware", chain)  # type: ignore[arg-type]

    def _chain(self, index: int) -> Callable[[Message], Awaitable[None]]:
        handlers = self.raw_handlers
        if index >= len(handlers):
            async def last(msg: Message) -> None:
                self._handle_message(msg)
            return last
        middleware = handlers[index]

        async def step(msg: Message) -> None:
            await middleware(self._chain(index + 1), msg)
        return step

    def _resume_backlog(self, _: object) -> None:
        backlog, self._raw_backlog = self._raw_backlog or [], None
        for position, msg in enumerate(backlog):
            task = self._start_chain(msg)
            if task is not None:
                self._raw_backlog = backlog[position + 1:]
                task.add_done_callback(self._resume_backlog)
                return

    # -- sending ----------------------------------------------------------------

    def send(self, command: str, *, tags: Mapping[str, str | None] | None = None,
             **kwargs: Any) -> asyncio.Future[None]:
        """Send an IRC command built from keyword arguments.

        ``send("privmsg", target="#chan", message="hi")``.  Returns a Future
        done once the line(s) reached the transport (after flood control);
        not awaiting it is fine.  ``tags={...}`` adds IRCv3 client tags.

        Once registered on a server that did not enable ``message-tags``,
        ``tags`` are left off (with one warning): a server without it
        reads ``@tags`` as an unknown command and drops the whole line
        (ngircd does), and the message matters more than its tags.

        :raises ValueError: (:class:`~bottom.InvalidMessage`) for an
            unknown command, missing kwargs, or a value that would inject
            a line; raised here, never only through the Future.  Also for
            TAGMSG without ``message-tags``: it would carry nothing.
        :raises NotConnected: when there is no open connection.
        """
        name = command.strip().upper()
        if tags and self._session.registered and "message-tags" not in self.caps:
            if name == "TAGMSG":
                raise InvalidMessage("TAGMSG not sent: the server did not enable the "
                                     "message-tags capability, so it would carry nothing")
            if not self._warned_tags:
                self._warned_tags = True
                log.warning("%s:%s did not enable message-tags: sending without tags",
                            self.host, self.port)
            tags = None
        lines = serialize(command, kwargs, tags=tags, encoding=self.encoding,
                          prefix_reserve=self.prefix_reserve)
        return self._write(lines, name)

    def send_raw(self, line: str) -> asyncio.Future[None]:
        """Send one raw line (without CRLF; the client adds it).

        :raises ValueError: for CR, LF or NUL in the line, an empty line,
            or one over 512 bytes.
        :raises NotConnected: when there is no open connection.
        """
        line = check_raw_line(line, self.encoding)
        command = line.partition(" ")[2] if line.startswith("@") else line
        return self._write([line], command.lstrip(" ").split(" ", 1)[0].upper())

    send_message = send_raw

    def _send_internal(self, lines: list[str]) -> None:
        """Lines the client sends on its own (registration); never raises."""
        conn = self._conn
        if conn is None or conn.is_closing():
            return
        if wire_log.isEnabledFor(logging.DEBUG):
            for line in lines:
                wire_log.debug(">> %s", _masked(line))
        conn.write_lines(lines)

    def _write(self, lines: list[str], command: str) -> asyncio.Future[None]:
        conn = self._conn
        if conn is None or conn.is_closing():
            raise NotConnected(
                f"{command} not sent: not connected; await client.connect() first, "
                "or send from a CLIENT_CONNECT handler")
        if wire_log.isEnabledFor(logging.DEBUG):
            for line in lines:
                wire_log.debug(">> %s", _masked(line))
        return conn.write_lines(lines, priority=command in _PRIORITY_COMMANDS)


def _mechanism(sasl: tuple[str, str] | str | Mechanism | None) -> Mechanism | None:
    if sasl is None or isinstance(sasl, Mechanism):
        return sasl
    if isinstance(sasl, str) and sasl.upper() == "EXTERNAL":
        return External()
    if isinstance(sasl, tuple) and len(sasl) == 2 and all(isinstance(x, str) for x in sasl):
        return Plain(*sasl)
    raise TypeError('sasl must be ("account", "password"), "EXTERNAL" or a '
                    f"bottom.sasl.Mechanism, not {type(sasl).__name__}")


def _validate_registration(nick: str, username: str | None, realname: str | None,
                           password: str | None, alt_nicks: Iterable[str]) -> None:
    """Refuse, at construction, values that could never be sent."""
    for candidate in (nick, *alt_nicks):
        serialize("NICK", {"nick": candidate})
    serialize("USER", {"user": username or nick, "realname": realname or nick})
    if password is not None:
        serialize("PASS", {"password": password})


def _pong_line(params: tuple[str, ...]) -> str:
    """PONG echoing a PING's parameters, minus bytes that cannot be sent
    (a CR left by a ``\\r\\r\\n`` ending, a NUL from a hostile server)."""
    clean = [param.translate(_UNSENDABLE) for param in params] or [""]
    middles = [p for p in clean[:-1] if p and " " not in p and p[0] != ":"]
    return " ".join(["PONG", *middles, ":" + clean[-1]])


_UNSENDABLE = str.maketrans("", "", "\r\n\0")


def _masked(line: str) -> str:
    """The line for a debug log, with passwords and SASL payloads hidden."""
    words = line.split(" ")
    command = words[0].upper()
    if command in ("PASS", "AUTHENTICATE") and len(words) > 1:
        return f"{words[0]} ****"
    if command == "OPER" and len(words) > 2:
        return f"{words[0]} {words[1]} ****"
    return line
