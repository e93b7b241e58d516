"""One client's connection to the test server: the hooks tests use, the line loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, cast

from ..framing import LineDecoder
from ..message import Message
from .commands import COMMANDS
from .requests import run_labeled
from .waiting import _Signal
from .wire import _HOST, _PRE_REGISTRATION, _format, _now

if TYPE_CHECKING:
    from .server import Server

__all__ = ["ServerConnection"]

log = logging.getLogger("bottom.testing")

class ServerConnection(asyncio.Protocol):
    """One client's connection to a test-double :class:`Server`, seen from the server.

    Made by the server for each accepted client; find it with
    :meth:`Server.wait_for_connection` or :attr:`Server.connections`.
    Everything the client sent is in :attr:`received`; the methods below
    let a test answer, stall, cut or break the connection.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        #: every line this client sent, decoded, without CRLF, in order
        self.received: list[str] = []
        self.nick: str | None = None
        self.user: str | None = None
        self.realname: str | None = None
        #: the host others see (127.0.0.1 until :meth:`set_host`)
        self.host = _HOST
        self.registered = False
        #: capabilities this client enabled with CAP REQ
        self.caps: set[str] = set()
        #: account name after a successful SASL login
        self.account: str | None = None
        self.away: str | None = None
        self.modes: set[str] = set()
        #: True once the transport is closed (by either side)
        self.closed = False
        self._decoder = LineDecoder()
        self._signal = _Signal()
        self._cursor = 0
        self._password: str | None = None
        self._cap_negotiating = False
        self._sasl: str | None = None  # base64 collected so far while PLAIN runs
        self._gone = False
        # While a labeled command runs: the lines it sends this client.
        self._capture: list[str] | None = None

    def __repr__(self) -> str:
        return (f"<ServerConnection nick={self.nick!r} registered={self.registered} "
                f"closed={self.closed}>")

    @property
    def source(self) -> str:
        """``nick!user@127.0.0.1``, as this server shows the client to others."""
        return f"{self._name}!{self.user or '*'}@{self.host}"

    @property
    def secure(self) -> bool:
        """True when this client came in over TLS (the server's :attr:`~Server.tls_port`)."""
        return (self.transport is not None
                and self.transport.get_extra_info("sslcontext") is not None)

    @property
    def _name(self) -> str:
        return self.nick or "*"

    # -- hooks for tests --------------------------------------------------

    def send_line(self, line: str) -> None:
        """Write ``line`` + CRLF to the client (UTF-8); nothing once closing.

        :raises ValueError: if ``line`` has a CR or LF; use :meth:`push`
            to send raw bytes.
        """
        if "\r" in line or "\n" in line:
            raise ValueError(f"send_line() sends one line; {line!r} has CR or LF: "
                             "use push() for raw bytes")
        if self._capture is not None:
            self._capture.append(line)
            return
        if not self.registered and " 001 " in f" {line} ":
            with contextlib.suppress(ValueError):
                if Message.parse(line).command == "001":
                    self.registered = True
                    if not self._gone:
                        self.server._users.add(self)
                    self._signal.fire()
        self.push(line.encode("utf-8") + b"\r\n")

    def push(self, data: bytes) -> None:
        """Write raw bytes as they are (partial lines, bad UTF-8, huge lines)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self, reason: str | None = None) -> None:
        """Close gracefully: with a reason, send ``ERROR :Closing link: ...`` first.

        Channel peers see the client QUIT with ``reason``.  Idempotent.
        """
        if self.transport is None or self.transport.is_closing():
            return
        self._quit(reason or "Connection closed")
        if reason is not None:
            link = f"({self.user or '*'}@{_HOST})"
            self._send(None, "ERROR", (f"Closing link: {link} [{reason}]",))
        self.transport.close()

    def _shutdown(self) -> None:
        """Close for Server.close(): no QUIT relays, no wait for a stalled reader."""
        self._gone = True
        if self.transport is not None and not self.transport.is_closing():
            if self.transport.get_write_buffer_size():
                self.transport.abort()  # close() would wait forever to flush to it
            else:
                self.transport.close()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (``transport.abort()``)."""
        if self.transport is None or self.transport.is_closing():
            return
        self._quit("Connection reset by peer")
        sock = self.transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def set_account(self, account: str | None) -> None:
        """Log the client in to ``account`` (None: out), as services would.

        Peers (and the client) with ``account-notify`` see ``ACCOUNT``.
        """
        self.account = account
        for peer in self._peers(include_self=True):
            if "account-notify" in peer.caps:
                peer._send(self.source, "ACCOUNT", (account or "*",))

    def set_host(self, host: str, username: str | None = None) -> None:
        """Change the client's shown host (and username), as a vhost or cloak would.

        Peers (and the client) with ``chghost`` see ``CHGHOST``.
        """
        old = self.source
        self.host, self.user = host, username or self.user
        for peer in self._peers(include_self=True):
            if "chghost" in peer.caps:
                peer._send(old, "CHGHOST", (self.user or "*", host))

    def pause_reading(self) -> None:
        """Stop reading from the client: its writes back up (TCP back-pressure)."""
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Read from the client again after :meth:`pause_reading`."""
        if self.transport is not None:
            self.transport.resume_reading()

    async def wait_closed(self, timeout: float | None = 10.0) -> None:
        """Return once the connection is closed; ``TimeoutError`` after ``timeout``."""
        await self._signal.wait_until(lambda: True if self.closed else None, timeout,
                                      lambda: f"the close of {self!r}")

    async def wait_registered(self, timeout: float | None = 10.0) -> None:
        """Return once 001 was sent to this client; ``TimeoutError`` after ``timeout``."""
        await self._signal.wait_until(lambda: True if self.registered else None, timeout,
                                      lambda: f"001 to be sent to {self!r}")

    async def wait_for_line(self, match: str | Callable[[Message], bool],
                            timeout: float | None = 10.0) -> Message:
        """Return the next line from the client that matches, waiting if needed.

        ``match`` is a command (``"PRIVMSG"``, any case) or a predicate on
        :class:`~bottom.message.Message`.  The search starts at a cursor
        that moves past each line returned, so two waits for ``"PRIVMSG"``
        return two different PRIVMSGs.  Lines that do not parse never match.

        :raises TimeoutError: (also an ``asyncio.TimeoutError``) after
            ``timeout``, naming the last lines received.
        """
        command = match.strip().upper() if isinstance(match, str) else ""
        matches = match if callable(match) else lambda msg: msg.command.upper() == command

        def probe() -> Message | None:
            for index in range(self._cursor, len(self.received)):
                try:
                    msg = Message.parse(self.received[index])
                except ValueError:
                    continue
                if matches(msg):
                    self._cursor = index + 1
                    return msg
            return None

        def what() -> str:
            return (f"a line matching {match!r} from {self!r} after line {self._cursor}; "
                    f"received: {self.received[-10:]!r}")
        return await self._signal.wait_until(probe, timeout, what)

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.server._accepted(self)

    def data_received(self, data: bytes) -> None:
        for line in self._decoder.feed(data):
            self.received.append(line)
            self.server.lines_received.append(line)
            if self.server.auto_respond and self.transport and not self.transport.is_closing():
                self._handle(line)
        self._signal.fire()

    def connection_lost(self, exc: Exception | None) -> None:
        self._quit(f"Read error: {exc}" if exc else "Connection closed")
        self.closed = True
        self._signal.fire()

    # -- replies ----------------------------------------------------------

    def _send(self, source: str | None, command: str, params: Iterable[str],
              client_tags: Mapping[str, str] | None = None, colon: bool = True,
              time: str | None = None) -> None:
        """``client_tags`` (and a msgid) go to clients with message-tags only;
        ``time`` (now, unless given) to clients with server-time."""
        tags: dict[str, str] = {}
        if client_tags and "message-tags" in self.caps:
            tags.update(client_tags)
        if "server-time" in self.caps:
            tags["time"] = time or _now()
        self.send_line(_format(tags, source, command, tuple(params), colon))

    def standard_reply(self, kind: str, command: str, code: str, *context: str) -> None:
        """Send an IRCv3 standard reply: ``FAIL``, ``WARN`` or ``NOTE``.

        ``standard_reply("FAIL", "CHATHISTORY", "INVALID_TARGET", "LATEST",
        "#c", "Messages could not be retrieved")``: the last of ``context``
        is the human-readable description.
        """
        if kind not in ("FAIL", "WARN", "NOTE"):
            raise ValueError(f"a standard reply is FAIL, WARN or NOTE, not {kind!r}")
        if not context:
            raise ValueError("a standard reply needs a description (the last argument)")
        self._send(self.server.name, kind, (command or "*", code, *context))

    def _numeric(self, code: str, *params: str) -> None:
        self._send(self.server.name, code, (self._name, *params))

    def _peers(self, include_self: bool = False) -> list[ServerConnection]:
        """Everyone sharing a channel with this client, each once."""
        peers = dict.fromkeys(member for channel in self.server._channels.values()
                              if self in channel.members for member in channel.members)
        peers.pop(self, None)
        return [self, *peers] if include_self else list(peers)

    def _quit(self, reason: str) -> None:
        if self._gone:
            return
        self._gone = True
        if self.registered:
            for peer in self._peers():
                peer._send(self.source, "QUIT", (reason,))
        self.server._forget(self)

    # -- commands ---------------------------------------------------------

    def _handle(self, line: str) -> None:
        try:
            msg = Message.parse(line)
        except ValueError:
            return
        command = msg.command.upper()
        if not self.registered and command not in _PRE_REGISTRATION:
            self._numeric("451", "You have not registered")
            return
        entry = COMMANDS.get(command)
        if entry is None:
            self._numeric("421", msg.command, "Unknown command")
        elif len(msg.params) < entry[0]:
            self._numeric("461", command, "Not enough parameters")
        else:
            try:
                run_labeled(self, msg, lambda: entry[1](self, msg))
            except Exception:
                log.exception("test server failed on %r", line)

