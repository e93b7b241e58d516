"""The test server: listener, nicks and channels shared by its connections; ``main``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import shutil
import signal
import ssl
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from .connection import ServerConnection
from .tls import make_certificate, server_context
from .waiting import _Signal
from .wire import _HOST, DEFAULT_CAPS, DEFAULT_ISUPPORT, DEFAULT_MOTD, _fold

if TYPE_CHECKING:
    from .history import Entry

__all__ = ["DEFAULT_CAPS", "DEFAULT_ISUPPORT", "DEFAULT_MOTD", "Server", "main"]

# Connects the kernel holds until the loop accepts them (Linux caps it at
# net.core.somaxconn, 4096 by default).  asyncio's 100 overflowed when
# thousands of clients connected (bench/hub.py), and each SYN dropped cost
# its client a TCP retransmit timeout of 1 s or more.
_BACKLOG = 4096


class _Channel:
    __slots__ = ("name", "members", "topic", "topic_setter", "topic_time", "modes", "key",
                 "limit", "bans", "created")

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: dict[ServerConnection, str] = {}  # member -> its "o"/"v" modes
        self.topic = ""
        self.topic_setter = ""
        self.topic_time = 0
        self.modes = set("nt")
        self.key: str | None = None  # +k
        self.limit: int | None = None  # +l
        self.bans: list[str] = []  # +b masks, matched against nick!user@host
        self.created = int(time.time())



class Server:
    """A small IRC server on 127.0.0.1 for tests: a TEST DOUBLE, not a production server.

    ``await start()`` binds (``port=0`` picks a free port; read
    :attr:`port` afterwards) and ``await close()`` closes the listener and
    every connection; ``async with Server() as server:`` does both.

    ``caps`` are offered in ``CAP LS`` (``"name=value"`` gives a value);
    ``sasl`` is offered, as ``sasl=PLAIN``, only when ``accounts`` (a
    ``{"account": "password"}`` mapping) is given.  With ``password`` set,
    registration needs a matching ``PASS`` (else 464 and ``ERROR``).  An
    empty ``motd`` sends 422.  ``isupport`` adds or overrides 005 tokens
    (``""`` for a token without value, ``None`` to remove one).
    ``auto_respond=False`` makes a scripted peer that only records lines.

    With ``draft/chathistory`` among ``caps`` (the default) the server keeps
    the last ``history_limit`` PRIVMSG/NOTICE lines it relayed per channel
    and per conversation (:attr:`history`) and answers ``CHATHISTORY`` from
    them, advertising ``CHATHISTORY=<history_max>`` (the most one query
    returns) and ``MSGREFTYPES``.  Every relayed message carries a
    ``msgid`` tag for clients with ``message-tags``.

    ``tls=True`` also listens with TLS on :attr:`tls_port`, with a
    self-signed certificate made at start (:attr:`certfile`; needs the
    ``openssl`` command); ``tls=`` an :class:`ssl.SSLContext` serves that
    instead.  ``sts_duration=N`` (implies ``tls=True``) offers IRCv3 STS:
    ``sts=port=<tls_port>`` on the plain port, ``sts=duration=N`` over TLS.

    :raises ValueError: for any ``host`` but ``"127.0.0.1"``.
    """

    def __init__(self, host: str = _HOST, port: int = 0, *, name: str = "irc.test",
                 network: str = "TestNet", motd: Iterable[str] = DEFAULT_MOTD,
                 caps: Iterable[str] = DEFAULT_CAPS, accounts: Mapping[str, str] | None = None,
                 password: str | None = None, auto_respond: bool = True,
                 isupport: Mapping[str, str | None] | None = None,
                 history_limit: int = 1000, history_max: int = 100,
                 tls: bool | ssl.SSLContext = False, sts_duration: int | None = None) -> None:
        if host != _HOST:
            raise ValueError(f"the bottom test server listens on {_HOST} only, not {host!r}: "
                             "it is a test double, not a server to expose")
        self.host = host
        self.port = port
        self.name = name
        self.network = network
        self.motd = tuple(motd)
        self.caps = tuple(caps)
        self.accounts = dict(accounts) if accounts is not None else None
        self.password = password
        self.auto_respond = auto_respond
        self.isupport: dict[str, str] = {**DEFAULT_ISUPPORT, "NETWORK": network}
        if "draft/chathistory" in self.caps:
            self.isupport.update(CHATHISTORY=str(history_max), MSGREFTYPES="msgid,timestamp")
        for key, value in (isupport or {}).items():
            if value is None:
                self.isupport.pop(key, None)
            else:
                self.isupport[key] = value
        if sts_duration is not None and (isinstance(sts_duration, bool) or not isinstance(
                sts_duration, int) or sts_duration < 0):
            raise ValueError(f"sts_duration must be seconds (an int >= 0), not {sts_duration!r}")
        #: offer STS with this duration (plain port: sts=port=..., TLS: sts=duration=...)
        self.sts_duration = sts_duration
        self.tls = tls if tls is not False else sts_duration is not None
        #: the TLS port once started (with tls= or sts_duration=), else None
        self.tls_port: int | None = None
        #: the self-signed certificate served (``tls=True``), once started
        self.certfile: Path | None = None
        self._tls_dir: str | None = None
        self._tls_listener: asyncio.Server | None = None
        #: every accepted connection, in accept order; closed ones stay
        self.connections: list[ServerConnection] = []
        #: every line from every client, in arrival order
        self.lines_received: list[str] = []
        #: chat history kept for CHATHISTORY: ("#chan",) or the two folded
        #: nicks of a conversation -> the messages relayed there, oldest first
        self.history: dict[tuple[str, ...], deque[Entry]] = {}
        self.history_limit = history_limit
        self._history_seq = itertools.count(1)
        self._msgids = itertools.count(1)
        self._channels: dict[str, _Channel] = {}
        self._nicks: dict[str, ServerConnection] = {}
        self._users: set[ServerConnection] = set()  # registered and open (LUSERS)
        self._listener: asyncio.Server | None = None
        self._returned: set[int] = set()
        self._signal = _Signal()

    def __repr__(self) -> str:
        return f"<Server {self.host}:{self.port} connections={len(self.connections)}>"

    @property
    def nicklen(self) -> int:
        """NICKLEN from :attr:`isupport` (30 by default)."""
        value = self.isupport.get("NICKLEN", "")
        return int(value) if value.isdigit() else 30

    def offered_caps(self, conn: ServerConnection | None = None) -> dict[str, str]:
        """The caps ``CAP LS`` lists (to ``conn``), as ``{name: value}`` (``""`` for
        no value).  With ``sts_duration`` the ``sts`` value depends on
        whether ``conn`` came over TLS."""
        offered = {}
        if self.sts_duration is not None and self.tls_port is not None:
            secure = conn is not None and conn.secure
            offered["sts"] = (f"duration={self.sts_duration}" if secure
                              else f"port={self.tls_port}")
        for cap in self.caps:
            name, _, value = cap.partition("=")
            if name == "sasl":
                if self.accounts is None:
                    continue
                value = value or "PLAIN"
            offered[name] = value
        return offered

    async def start(self) -> None:
        """Listen on :attr:`host`; afterwards :attr:`port` is the bound port."""
        if self._listener is not None:
            raise RuntimeError("Server.start() called twice; close() it first")
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            lambda: ServerConnection(self), self.host, self.port, backlog=_BACKLOG)
        self.port = self._listener.sockets[0].getsockname()[1]
        if self.tls is not False:
            try:
                context = self.tls if isinstance(self.tls, ssl.SSLContext) else self._context()
                self._tls_listener = await loop.create_server(
                    lambda: ServerConnection(self), self.host, 0, ssl=context)
            except BaseException:
                await self.close()
                raise
            self.tls_port = self._tls_listener.sockets[0].getsockname()[1]

    def _context(self) -> ssl.SSLContext:
        self._tls_dir = tempfile.mkdtemp(prefix="bottom-testing-tls-")
        certfile, keyfile = make_certificate(Path(self._tls_dir))
        self.certfile = certfile
        return server_context(certfile, keyfile)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts :attr:`certfile` (``ssl=`` for a Client
        that connects to :attr:`tls_port`).

        :raises RuntimeError: before start, or when ``tls=`` was a context of yours.
        """
        if self.certfile is None:
            raise RuntimeError("no certificate of the test server's own: start() a "
                               "Server(tls=True) first (with tls=<context>, trust your own)")
        return ssl.create_default_context(cafile=str(self.certfile))

    async def close(self) -> None:
        """Stop listening and close every connection.  Idempotent."""
        listener, self._listener = self._listener, None
        tls_listener, self._tls_listener = self._tls_listener, None
        for each in (listener, tls_listener):
            if each is not None:
                each.close()
        await asyncio.sleep(0)  # let a just-accepted connection join self.connections
        while still_open := [conn for conn in self.connections if not conn.closed]:
            for conn in still_open:
                conn._shutdown()
            for conn in still_open:
                await conn.wait_closed()
        for each in (listener, tls_listener):
            if each is not None:
                await each.wait_closed()
        tls_dir, self._tls_dir = self._tls_dir, None
        if tls_dir is not None:
            shutil.rmtree(tls_dir, ignore_errors=True)

    async def __aenter__(self) -> Server:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def wait_for_connection(self, index: int | None = None,
                                  timeout: float | None = 10.0) -> ServerConnection:
        """Return an accepted connection, waiting for it if needed.

        ``index=None``: the oldest connection no call has returned yet
        (so the next new one when all were returned).  ``index=k``: the
        k-th accepted connection, 0-based.

        :raises TimeoutError: (also an ``asyncio.TimeoutError``) after ``timeout``.
        """
        def probe() -> ServerConnection | None:
            if index is None:
                fresh = (i for i in range(len(self.connections)) if i not in self._returned)
                found = next(fresh, None)
            else:
                found = index if index < len(self.connections) else None
            if found is None:
                return None
            self._returned.add(found)
            return self.connections[found]

        def what() -> str:
            return f"connection #{index if index is not None else len(self._returned)}"
        return await self._signal.wait_until(probe, timeout, what)

    def send_all(self, line: str) -> None:
        """:meth:`ServerConnection.send_line` to every open connection."""
        for conn in self.connections:
            if not conn.closed:
                conn.send_line(line)

    def _accepted(self, conn: ServerConnection) -> None:
        self.connections.append(conn)
        self._signal.fire()

    def _valid_channel(self, name: str) -> bool:
        chantypes = self.isupport.get("CHANTYPES", "#")
        length = self.isupport.get("CHANNELLEN", "")
        maxlen = int(length) if length.isdigit() else 64
        return (1 < len(name) <= maxlen and name[0] in chantypes
                and not any(c in name for c in " ,\x07"))

    def _part(self, channel: _Channel, conn: ServerConnection) -> None:
        channel.members.pop(conn, None)
        if not channel.members:
            self._channels.pop(_fold(channel.name), None)

    def _forget(self, conn: ServerConnection) -> None:
        self._users.discard(conn)
        for channel in list(self._channels.values()):
            self._part(channel, conn)
        if conn.nick and self._nicks.get(_fold(conn.nick)) is conn:
            del self._nicks[_fold(conn.nick)]


async def _serve(port: int, sts_duration: int | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
            loop.add_signal_handler(signum, stop.set)
    async with Server(port=port, sts_duration=sts_duration) as server:
        print(f"listening on {server.host}:{server.port}", flush=True)
        if server.tls_port is not None:
            print(f"TLS on {server.host}:{server.tls_port}, offering STS; certificate "
                  f"{server.certfile}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Run a test server on 127.0.0.1 until Ctrl-C or SIGTERM (``python -m bottom.testing``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bottom.testing",
        description="Run bottom's test-double IRC server on 127.0.0.1 (for tests and "
                    "demos; not a production server). Prints 'listening on HOST:PORT'.")
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port to listen on (default: 0, any free port)")
    parser.add_argument("--sts", type=int, default=None, metavar="SECONDS",
                        help="also serve TLS on a free port and offer IRCv3 STS with this "
                             "duration (needs the openssl command)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.sts))

