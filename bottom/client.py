"""The :class:`Client` facade: construction, what it knows, and sending.

The client is assembled from parts a newcomer finds by name:
``lifecycle`` (connect, disconnect, reconnect, keepalive), ``incoming``
(lines to events: the hot path), ``middleware`` (raw handlers),
``registration`` (the sans-I/O session), ``ctcp`` and ``connection``
(framing and paced writes).  This module holds the public constructor,
the properties and ``send``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
from collections.abc import Iterable, Mapping
from typing import Any

from ._version import __version__
from .cap import DEFAULT_CAPS
from .channel import Channel, User
from .clientbase import log_lines
from .commands import check_raw_line, serialize
from .connection import TokenBucket
from .ctcp import format_ctcp
from .errors import InvalidMessage, NotConnected, StateNotTracked
from .framing import DEFAULT_MAX_LINE_BYTES
from .incoming import Incoming
from .isupport import ISupport
from .lifecycle import Lifecycle
from .message import Message
from .middleware import RawHandler
from .options import check_client_options, check_command
from .proxy import Proxy
from .reconnect import ReconnectPolicy
from .registration import Session
from .requests import RequestsMixin
from .sasl import DEFAULT_ORDER, External, Mechanism, MechanismChoice
from .state import DEFAULT_MAX_CHANNELS, DEFAULT_MAX_USERS, State
from .sts import FileStsStore, StsStore
from .tracking import Tracker
from .transport import check_route

__all__ = ["Client", "RawHandler"]

log = logging.getLogger("bottom")

VERSION_REPLY = f"bottom {__version__} (Python asyncio IRC client)"


class Client(Lifecycle, Incoming, RequestsMixin):
    """An IRC connection that turns every server line into an event.

    ``ssl=True`` verifies the server certificate and host name; pass an
    :class:`ssl.SSLContext` for your own trust store or a client
    certificate, or ``ssl=False`` for plaintext.  ``proxy``
    (``socks5://``, ``socks4a://``, ``http://`` URL), ``local_addr``,
    ``happy_eyeballs_delay``, ``transport="websocket"`` and ``url`` choose
    the route (see :doc:`transports`).  See the docs for every keyword;
    all have defaults that work against common servers.

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

    ``track_state`` (on by default when ``nick`` is given) keeps
    :attr:`state`, :attr:`channels` and :attr:`users` current, fed before
    the handlers of each line run; ``who_on_join`` sends WHO (WHOX when
    offered) after our own JOIN; ``rejoin`` joins the channels we were in,
    with their keys, after the next ``CLIENT_READY`` and triggers
    ``CLIENT_REJOIN_FAILED`` (``channel, code, reason``) for each refused;
    ``max_tracked_users``/``max_tracked_channels`` bound the state.
    """

    __slots__ = ()

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
        disconnect_timeout: float = 10.0,
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
        track_state: bool | None = None,
        who_on_join: bool = True,
        rejoin: bool = True,
        max_tracked_users: int = DEFAULT_MAX_USERS,
        max_tracked_channels: int = DEFAULT_MAX_CHANNELS,
        sasl_mechanisms: Iterable[str] = DEFAULT_ORDER,
        proxy: str | Proxy | None = None,
        local_addr: tuple[str, int] | None = None,
        happy_eyeballs_delay: float | None = None,
        transport: str = "tcp",
        url: str | None = None,
        sts: bool = False,
        sts_store: StsStore | None = None,
    ) -> None:
        # Every keyword is checked before anything is kept (options.py).
        checked = check_client_options(**{name: value for name, value in locals().items()
                                          if name not in ("self", "__class__")})
        caps, alt_nicks = checked["caps"], checked["alt_nicks"]
        sasl_mechanisms = checked["sasl_mechanisms"]
        super().__init__()
        self._route = check_route(ssl=ssl, proxy=proxy, local_addr=local_addr,
                                  happy_eyeballs_delay=happy_eyeballs_delay,
                                  transport=transport, url=url)
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
        #: seconds disconnect() spends sending what is queued before closing
        self.disconnect_timeout = disconnect_timeout
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
            _validate_registration(nick, username, realname, alt_nicks)
        self._session = Session(
            nick=nick, username=username, realname=realname, password=password,
            sasl=_mechanism(sasl, check_client_options(
                sasl_mechanisms=sasl_mechanisms)["sasl_mechanisms"]),
            caps=caps, alt_nicks=alt_nicks)
        self._register_timer = None
        self._give_up_reconnecting = False
        self._warned_tags = False
        self._loop = loop
        self._conn = None
        self._connecting = None
        self._opening = None
        self._closed = None
        self._disconnect_reason = None
        self._server_error = None
        self._user_closed = False
        self._connected_at = 0.0
        self._keepalive = None
        self._keepalive_timer = None
        self._reconnect_task = None
        self._middleware = None  # made by the first line that meets raw_handlers
        self._early_loss = None
        if track_state is None:
            track_state = nick is not None
        self._tracker = None
        if track_state:
            state = State(max_tracked_users=max_tracked_users,
                          max_tracked_channels=max_tracked_channels)
            # One ISUPPORT per client: the session feeds it, the state folds by it.
            state._borrow_isupport(self._session.isupport)
            self._tracker = Tracker(state, who_on_join=who_on_join, rejoin=rejoin)
        self._requests = None
        self._batches = None
        #: with sts=True, IRCv3 STS policies (a FileStsStore unless given)
        check_client_options(sts=sts, sts_store=sts_store)
        self._sts = (sts_store if sts_store is not None else FileStsStore()) if sts else None

    # -- session state -----------------------------------------------------------

    @property
    def state(self) -> State | None:
        """The network state (:class:`bottom.State`), or None with ``track_state=False``."""
        return None if self._tracker is None else self._tracker.state

    @property
    def channels(self) -> Mapping[str, Channel]:
        """``client.state.channels``: the channels we are in, folded lookups.

        :raises StateNotTracked: (a ``RuntimeError``) when state tracking is off.
        """
        return self._tracked_state("channels").channels

    @property
    def users(self) -> Mapping[str, User]:
        """``client.state.users``: users we share a channel with, and us.

        :raises StateNotTracked: (a ``RuntimeError``) when state tracking is off.
        """
        return self._tracked_state("users").users

    def _tracked_state(self, what: str) -> State:
        if self._tracker is None:
            raise StateNotTracked(f"client.{what} needs state tracking, which is off for this "
                               "client: pass track_state=True (it is on by default when "
                               "nick= is given)")
        return self._tracker.state

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
        name = check_command(command).strip().upper()
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
        if name == "JOIN" and self._tracker is not None:
            for line in lines:  # keys are remembered for a rejoin
                self._tracker.sent(Message.parse(line))
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

    def _write(self, lines: list[str], command: str) -> asyncio.Future[None]:
        conn = self._conn
        if conn is None or conn.is_closing():
            raise NotConnected(
                f"{command} not sent: not connected; await client.connect() first, "
                "or send from a CLIENT_CONNECT handler")
        log_lines(lines)
        return conn.write(lines, urgent=command in _URGENT_COMMANDS)


def _mechanism(sasl: tuple[str, str] | str | Mechanism | None,
               order: tuple[str, ...] = DEFAULT_ORDER) -> Mechanism | None:
    if sasl is None or isinstance(sasl, Mechanism):
        return sasl
    if isinstance(sasl, str) and sasl.upper() == "EXTERNAL":
        return External()
    if isinstance(sasl, tuple) and len(sasl) == 2 and all(isinstance(x, str) for x in sasl):
        return MechanismChoice(*sasl, order=order)
    raise TypeError('sasl must be ("account", "password"), "EXTERNAL" or a '
                    f"bottom.sasl.Mechanism, not {type(sasl).__name__}")


def _validate_registration(nick: str, username: str | None, realname: str | None,
                           alt_nicks: Iterable[str]) -> None:
    """Refuse, at construction, values that could never be sent."""
    for candidate in (nick, *alt_nicks):
        serialize("NICK", {"nick": candidate})
    serialize("USER", {"user": username or nick, "realname": realname or nick})
    # password: options.py refuses CR, LF and NUL; registration sends any
    # other password, spaces included, as PASS's trailing parameter.



#: Lines that go ahead of the flood queue.  QUIT keeps its place in line:
#: a "bye" sent just before it must not be lost.
_URGENT_COMMANDS = frozenset({"PONG"})
