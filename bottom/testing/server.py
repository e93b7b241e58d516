"""The test server: listener, nicks and channels shared by its connections; ``main``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Iterable, Mapping
from types import TracebackType

from .connection import ServerConnection
from .waiting import _Signal
from .wire import _HOST, DEFAULT_CAPS, DEFAULT_ISUPPORT, DEFAULT_MOTD, _fold

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

    :raises ValueError: for any ``host`` but ``"127.0.0.1"``.
    """

    def __init__(self, host: str = _HOST, port: int = 0, *, name: str = "irc.test",
                 network: str = "TestNet", motd: Iterable[str] = DEFAULT_MOTD,
                 caps: Iterable[str] = DEFAULT_CAPS, accounts: Mapping[str, str] | None = None,
                 password: str | None = None, auto_respond: bool = True,
                 isupport: Mapping[str, str | None] | None = None) -> None:
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
        for key, value in (isupport or {}).items():
            if value is None:
                self.isupport.pop(key, None)
            else:
                self.isupport[key] = value
        #: every accepted connection, in accept order; closed ones stay
        self.connections: list[ServerConnection] = []
        #: every line from every client, in arrival order
        self.lines_received: list[str] = []
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

    def offered_caps(self) -> dict[str, str]:
        """The caps ``CAP LS`` lists, as ``{name: value}`` (``""`` for no value)."""
        offered = {}
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

    async def close(self) -> None:
        """Stop listening and close every connection.  Idempotent."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        await asyncio.sleep(0)  # let a just-accepted connection join self.connections
        while still_open := [conn for conn in self.connections if not conn.closed]:
            for conn in still_open:
                conn._shutdown()
            for conn in still_open:
                await conn.wait_closed()
        if listener is not None:
            await listener.wait_closed()

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


async def _serve(port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
            loop.add_signal_handler(signum, stop.set)
    async with Server(port=port) as server:
        print(f"listening on {server.host}:{server.port}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Run a test server on 127.0.0.1 until Ctrl-C or SIGTERM (``python -m bottom.testing``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bottom.testing",
        description="Run bottom's test-double IRC server on 127.0.0.1 (for tests and "
                    "demos; not a production server). Prints 'listening on HOST:PORT'.")
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port to listen on (default: 0, any free port)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))

