"""The attributes every part of the :class:`~bottom.Client` shares.

The client is split by concern into mixins (``lifecycle``: connecting,
reconnecting, keepalive; ``incoming``: lines to events); each declares
``__slots__ = ()`` and reads the slots declared once here, so a client
stays one small object (bridges hold thousands).  Nothing here acts.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .dispatch import Dispatcher
from .errors import AlreadyConnected
from .masking import mask_secrets

if TYPE_CHECKING:
    from .batch import BatchAssembler
    from .connection import Connection, TokenBucket
    from .keepalive import Keepalive
    from .middleware import MiddlewareChain, RawHandler
    from .reconnect import ReconnectPolicy
    from .registration import Actions, Session
    from .requests import RequestTracker
    from .sts import StsStore
    from .tracking import Tracker
    from .transport import Route

__all__ = ["ClientBase", "log_lines"]

wire_log = logging.getLogger("bottom.wire")


class ClientBase(Dispatcher):
    """Slots and loop binding shared by the client's parts."""

    # "__dict__" is kept so users can hang their own attributes on a
    # client, as with bottom 3.
    __slots__ = (
        "host", "port", "ssl", "encoding", "auto_pong", "flood_control", "flood_burst",
        "flood_rate", "ping_interval", "ping_timeout", "connect_timeout", "max_line_bytes",
        "disconnect_timeout", "reconnect", "raw_handlers", "register_timeout",
        "ctcp_replies", "ctcp_version", "_ctcp_bucket", "_session", "_register_timer",
        "_give_up_reconnecting", "_warned_tags", "_loop", "_conn", "_connecting", "_closed",
        "_disconnect_reason", "_server_error", "_user_closed", "_connected_at", "_keepalive",
        "_keepalive_timer", "_reconnect_task", "_middleware", "_opening", "_early_loss",
        "_tracker", "_requests", "_batches", "_route", "_sts", "__dict__", "__weakref__",
    )

    host: str
    port: int
    ssl: bool | _ssl.SSLContext
    encoding: str
    auto_pong: bool
    flood_control: bool
    flood_burst: int
    flood_rate: float
    ping_interval: float | None
    ping_timeout: float
    connect_timeout: float
    disconnect_timeout: float
    max_line_bytes: int
    reconnect: ReconnectPolicy | None
    raw_handlers: list[RawHandler]
    register_timeout: float
    ctcp_replies: bool
    ctcp_version: str
    _ctcp_bucket: TokenBucket | None
    _session: Session
    _register_timer: asyncio.TimerHandle | None
    _give_up_reconnecting: bool
    _warned_tags: bool
    _loop: asyncio.AbstractEventLoop | None
    _conn: Connection | None
    _connecting: asyncio.Future[None] | None
    _opening: asyncio.Task[Any] | None
    _route: Route
    # Done once the current connection is gone (a Future: an Event costs a
    # deque per connection); made by the first wait (Lifecycle._gone), so an
    # idle client holds none.
    _closed: asyncio.Future[None] | None
    _disconnect_reason: str | None
    _server_error: str | None
    _user_closed: bool
    _connected_at: float
    _keepalive: Keepalive | None
    # the keepalive ticker's bucket this client waits in (see ticker.py)
    _keepalive_timer: float | None
    _reconnect_task: asyncio.Task[None] | None
    _middleware: MiddlewareChain | None
    # A connection the server closed before connect() adopted it, and why.
    _early_loss: tuple[Connection, Exception | None] | None
    # State tracking (None with track_state=False: then it costs nothing per line)
    _tracker: Tracker | None
    # Made on first use: most clients never ask the server or see a batch.
    _requests: RequestTracker | None
    _batches: BatchAssembler | None
    _sts: StsStore | None  # with sts=True: where STS policies are kept

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
            raise AlreadyConnected("cannot change client.loop while connected: "
                                   "await client.disconnect() first")
        self._loop = loop

    def is_closing(self) -> bool:
        """True unless a connection is open (or opening) and not closing."""
        return self._conn is None or self._conn.is_closing()

    if TYPE_CHECKING:
        # Defined by the other parts; declared here for the type checker.
        def _on_line(self, line: str) -> None: ...  # incoming
        def _act(self, actions: Actions) -> None: ...  # lifecycle
        def _check_sts(self) -> None: ...  # lifecycle
        def send(self, command: str, *, tags: Mapping[str, str | None] | None = None,
                 **kwargs: Any) -> asyncio.Future[None]: ...  # client

    # -- what bottom.Hub uses (package-internal, not public API) -----------

    def _attach(self, tap: Callable[[str, dict[str, Any]], list[asyncio.Task[None]] | None],
                ) -> None:
        """Hand every event, after the client's own handlers and waiters,
        to ``tap(event, kwargs)`` (a Hub's forwarder); the Tasks it returns
        count for ``trigger``'s awaitable.  :meth:`_detach` undoes it.

        :raises ValueError: a tap is attached already: a client belongs to
            one Hub.
        """
        if self._tap is not None:
            raise ValueError(f"{self!r} is in a Hub already; a client belongs to one")
        self._tap = tap

    def _detach(self) -> None:
        """Stop handing events to the tap :meth:`_attach` set."""
        self._tap = None

    @property
    def _closed_on_purpose(self) -> bool:
        """True from ``disconnect()`` until the next ``connect()``: the
        connection's loss was asked for, and reconnecting would undo that."""
        return self._user_closed

    def _send_internal(self, lines: list[str]) -> None:
        """Lines the client sends on its own (registration, WHO, rejoin):
        dropped when the connection is gone; never raises."""
        conn = self._conn
        if conn is None or conn.is_closing() or not lines:
            return
        log_lines(lines)
        conn.write(lines)


def log_lines(lines: list[str]) -> None:
    """Every line we send, at DEBUG on ``bottom.wire``, secrets masked."""
    if wire_log.isEnabledFor(logging.DEBUG):
        for line in lines:
            wire_log.debug(">> %s", mask_secrets(line))
