"""An in-process IRC server for tests: a TEST DOUBLE, not a production server.

:class:`Server` speaks enough IRC for a client library's or a bot's own
tests: registration (PASS/NICK/USER), ``CAP LS 302`` negotiation, SASL
PLAIN, channels (JOIN, PART, TOPIC, NAMES, WHO, KICK, MODE), PRIVMSG,
NOTICE and TAGMSG with IRCv3 ``message-tags``, ``server-time``,
``echo-message`` and ``extended-join``, PING/PONG, AWAY and QUIT.  Reply
shapes follow what inspircd sends (``:irc.test 001 nick :Welcome ...``,
a ``:`` before every last parameter, ``PONG irc.test :token``).

It is not a server to expose or to run for people: it listens on
127.0.0.1 only, has no operators, bans, flood control or limits beyond
the line length, and trusts every client.

Two ways to use it:

* ``auto_respond=True`` (the default): it answers like a small ircd, and
  a test asserts on what the client sent (:attr:`ServerConnection.received`,
  :meth:`ServerConnection.wait_for_line`) and on what it got back.
* ``auto_respond=False``: a scripted peer.  It only records lines; the
  test writes every reply with :meth:`ServerConnection.send_line` or
  :meth:`ServerConnection.push` (raw bytes: partial lines, bad UTF-8).

Example::

    async with Server() as server:
        await client.connect()                    # to server.host, server.port
        conn = await server.wait_for_connection()
        await conn.wait_registered()
        msg = await conn.wait_for_line("PRIVMSG")

Lines arrive through :class:`bottom.framing.LineDecoder` (a line that is
not UTF-8 is read as latin-1) and leave encoded as UTF-8.

``python -m bottom.testing [--port N]`` runs one in the foreground until
Ctrl-C or SIGTERM; its first line on stdout is ``listening on 127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import logging
import signal
import socket
import struct
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import TypeVar, cast

from .framing import LineDecoder
from .message import Message, format_tags

__all__ = ["DEFAULT_CAPS", "DEFAULT_ISUPPORT", "DEFAULT_MOTD", "Server", "ServerConnection", "main"]

log = logging.getLogger("bottom.testing")
_T = TypeVar("_T")

_HOST = "127.0.0.1"
_VERSION = "bottom-testing"
DEFAULT_MOTD = ("Welcome to the bottom test server",)
DEFAULT_CAPS = ("message-tags", "server-time", "multi-prefix", "cap-notify", "echo-message",
                "sasl", "away-notify", "account-notify", "extended-join", "chghost",
                "setname", "batch")
#: 005 tokens before ``isupport=`` overrides; NETWORK comes from ``network=``.
DEFAULT_ISUPPORT: Mapping[str, str] = {
    "AWAYLEN": "200", "CASEMAPPING": "rfc1459", "CHANLIMIT": "#:20", "CHANMODES": ",,,imnpst",
    "CHANNELLEN": "64", "CHANTYPES": "#", "KICKLEN": "255", "LINELEN": "512", "MODES": "20",
    "NETWORK": "TestNet", "NICKLEN": "30", "PREFIX": "(ov)@+", "TOPICLEN": "307",
}
_NICK_SPECIAL = "[]\\`^{}|_"
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~", "abcdefghijklmnopqrstuvwxyz{}|^")
_CHANNEL_FLAGS = "imnpst"
_USER_FLAGS = "iw"
_PRE_REGISTRATION = frozenset({"CAP", "AUTHENTICATE", "PASS", "NICK", "USER", "PING", "PONG",
                               "QUIT"})
_SASL_CHUNK = 400
_LS_BYTES = 400


def _fold(name: str) -> str:
    """The rfc1459 casemapping key: ``Nick[`` and ``nick{`` are the same nick."""
    return name.translate(_FOLD)


def _valid_nick(nick: str, nicklen: int) -> bool:
    def ok(char: str) -> bool:
        return char.isascii() and (char.isalpha() or char in _NICK_SPECIAL)
    return (0 < len(nick) <= nicklen and ok(nick[0])
            and all(ok(c) or c.isdigit() or c == "-" for c in nick))


def _now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _format(tags: Mapping[str, str], source: str | None, command: str,
            params: tuple[str, ...], colon: bool = True) -> str:
    # inspircd puts ":" before every last parameter ("JOIN :#c", "MODE #c +o :n");
    # clients must read both forms, so the double sends the one that is harder.
    parts = ["@" + format_tags(tags)] if tags else []
    if source:
        parts.append(":" + source)
    parts.append(command)
    if params:
        last = params[-1]
        parts.extend(params[:-1])
        parts.append(":" + last if colon or not last or " " in last or last[0] == ":" else last)
    return " ".join(parts)


def _chunks(words: Iterable[str], limit: int) -> list[str]:
    """Join words with spaces into strings of at most ``limit`` bytes (at least one)."""
    chunks = [""]
    for word in words:
        if chunks[-1] and len(f"{chunks[-1]} {word}".encode()) > limit:
            chunks.append(word)
        else:
            chunks[-1] = f"{chunks[-1]} {word}" if chunks[-1] else word
    return chunks


def _mode_string(changes: list[str]) -> str:
    """``["+o", "+v", "-m"]`` -> ``"+ov-m"``."""
    out, sign = "", ""
    for change in changes:
        if change[0] != sign:
            sign = change[0]
            out += sign
        out += change[1]
    return out


def _prefix(modes: str, multi: bool) -> str:
    prefix = ("@" if "o" in modes else "") + ("+" if "v" in modes else "")
    return prefix if multi else prefix[:1]


if sys.version_info >= (3, 11):
    _Timeout = TimeoutError
else:
    class _Timeout(asyncio.TimeoutError, TimeoutError):
        """Before 3.11 the two are different classes: be both."""


class _Signal:
    """Wakes every waiter when something changed; each waiter re-checks its probe."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, probe: Callable[[], _T | None], timeout: float | None,
                         what: Callable[[], str]) -> _T:
        async def until() -> _T:
            while (result := probe()) is None:
                await self._event.wait()
            return result
        try:
            return await asyncio.wait_for(until(), timeout)
        except asyncio.TimeoutError:
            raise _Timeout(f"timed out after {timeout} s waiting for {what()}") from None


class _Channel:
    __slots__ = ("name", "members", "topic", "modes")

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: dict[ServerConnection, str] = {}  # member -> its "o"/"v" modes
        self.topic = ""
        self.modes = set("nt")


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

    def __repr__(self) -> str:
        return (f"<ServerConnection nick={self.nick!r} registered={self.registered} "
                f"closed={self.closed}>")

    @property
    def source(self) -> str:
        """``nick!user@127.0.0.1``, as this server shows the client to others."""
        return f"{self._name}!{self.user or '*'}@{_HOST}"

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
        if not self.registered and " 001 " in f" {line} ":
            with contextlib.suppress(ValueError):
                if Message.parse(line).command == "001":
                    self.registered = True
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
              client_tags: Mapping[str, str] | None = None, colon: bool = True) -> None:
        tags: dict[str, str] = {}
        if client_tags and "message-tags" in self.caps:
            tags.update(client_tags)
        if "server-time" in self.caps:
            tags["time"] = _now()
        self.send_line(_format(tags, source, command, tuple(params), colon))

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
        entry = _COMMANDS.get(command)
        if entry is None:
            self._numeric("421", msg.command, "Unknown command")
        elif len(msg.params) < entry[0]:
            self._numeric("461", command, "Not enough parameters")
        else:
            try:
                entry[1](self, msg)
            except Exception:
                log.exception("test server failed on %r", line)

    def _try_register(self) -> None:
        if self.registered or not self.nick or not self.user or self._cap_negotiating:
            return
        server = self.server
        if server.password is not None and self._password != server.password:
            self._numeric("464", "Password incorrect")
            self.close("Bad password")
            return
        self.registered = True
        self._numeric("001", f"Welcome to the {server.network} IRC Network {self.source}")
        self._numeric("002", f"Your host is {server.name}, running version {_VERSION}")
        self._numeric("003", "This server was created for a test")
        self._numeric("004", server.name, _VERSION, _USER_FLAGS, _CHANNEL_FLAGS + "ov")
        tokens = [f"{k}={v}" if v else k for k, v in server.isupport.items()]
        for start in range(0, len(tokens), 13):
            self._numeric("005", *tokens[start:start + 13], "are supported by this server")
        users = str(sum(conn.registered and not conn.closed for conn in server.connections))
        self._numeric("251", f"There are {users} users and 0 invisible on 1 servers")
        self._numeric("252", "0", "operator(s) online")
        self._numeric("253", "0", "unknown connection(s)")
        self._numeric("254", str(len(server._channels)), "channels formed")
        self._numeric("255", f"I have {users} clients and 0 servers")
        self._cmd_motd(Message("MOTD"))

    def _cmd_motd(self, msg: Message) -> None:
        if not self.server.motd:
            self._numeric("422", "MOTD File is missing")
            return
        self._numeric("375", f"- {self.server.name} Message of the Day -")
        for text in self.server.motd:
            self._numeric("372", f"- {text}")
        self._numeric("376", "End of /MOTD command.")

    def _cmd_pass(self, msg: Message) -> None:
        if self.registered:
            self._numeric("462", "You may not reregister")
        else:
            self._password = msg.params[0]

    def _cmd_user(self, msg: Message) -> None:
        if self.registered:
            self._numeric("462", "You may not reregister")
            return
        self.user, self.realname = msg.params[0], msg.params[3]
        self._try_register()

    def _cmd_nick(self, msg: Message) -> None:
        new = msg.params[0] if msg.params else ""
        holder = self.server._nicks.get(_fold(new))
        if not new:
            self._numeric("431", "No nickname given")
        elif not _valid_nick(new, self.server.nicklen):
            self._numeric("432", new, "Erroneous nickname")
        elif holder is not None and holder is not self:
            self._numeric("433", new, "Nickname is already in use")
        elif new != self.nick:
            old_source = self.source
            if self.nick:
                self.server._nicks.pop(_fold(self.nick), None)
            self.server._nicks[_fold(new)] = self
            self.nick = new
            if self.registered:
                for peer in self._peers(include_self=True):
                    peer._send(old_source, "NICK", (new,))
            self._try_register()

    def _cmd_cap(self, msg: Message) -> None:
        sub = msg.params[0].upper()
        arg = msg.params[1] if len(msg.params) > 1 else ""
        if sub in ("LS", "REQ") and not self.registered:
            self._cap_negotiating = True
        if sub == "LS":
            offered = self.server.offered_caps()
            v302 = arg.isdigit() and int(arg) >= 302
            chunks = _chunks((f"{k}={v}" if v and v302 else k for k, v in offered.items()),
                             _LS_BYTES)
            for chunk in chunks[:-1]:
                self._cap("LS", "*", chunk)
            self._cap("LS", chunks[-1])
        elif sub == "LIST":
            self._cap("LIST", " ".join(sorted(self.caps)))
        elif sub == "REQ":
            names = arg.split()
            offered = self.server.offered_caps()
            if not names or any(name.removeprefix("-") not in offered for name in names):
                self._cap("NAK", arg)
                return
            for name in names:
                if name.startswith("-"):
                    self.caps.discard(name[1:])
                else:
                    self.caps.add(name)
            self._cap("ACK", " ".join(names))
        elif sub == "END":
            self._cap_negotiating = False
            self._try_register()
        else:
            self._numeric("410", msg.params[0], "Invalid CAP command")

    def _cap(self, *params: str) -> None:
        self._send(self.server.name, "CAP", (self._name, *params))

    def _cmd_authenticate(self, msg: Message) -> None:
        arg = msg.params[0]
        if "sasl" not in self.caps:
            self._numeric("904", "SASL authentication failed")
        elif arg == "*":
            self._sasl = None
            self._numeric("906", "SASL authentication aborted")
        elif self._sasl is None:
            if arg.upper() == "PLAIN":
                self._sasl = ""
                self._send(None, "AUTHENTICATE", ("+",), colon=False)
            else:
                self._numeric("908", "PLAIN", "are available SASL mechanisms")
                self._numeric("904", "SASL authentication failed")
        elif len(arg) > _SASL_CHUNK:
            self._sasl = None
            self._numeric("905", "SASL message too long")
        else:
            self._sasl += "" if arg == "+" else arg
            if len(arg) < _SASL_CHUNK:  # a full chunk means more follows
                payload, self._sasl = self._sasl, None
                self._sasl_plain(payload)

    def _sasl_plain(self, payload: str) -> None:
        accounts = self.server.accounts or {}
        try:
            authzid, authcid, password = (
                base64.b64decode(payload, validate=True).decode().split("\0"))
        except ValueError:  # bad base64, bad UTF-8, not three fields
            authzid = authcid = password = ""
        if authcid and accounts.get(authcid) == password and authzid in ("", authcid):
            self.account = authcid
            self._numeric("900", self.source, authcid, f"You are now logged in as {authcid}")
            self._numeric("903", "SASL authentication successful")
        else:
            self._numeric("904", "SASL authentication failed")

    def _cmd_ping(self, msg: Message) -> None:
        if msg.params:
            self._send(self.server.name, "PONG", (self.server.name, msg.params[0]))
        else:
            self._numeric("409", "No origin specified")

    def _cmd_pong(self, msg: Message) -> None:
        """Recorded in :attr:`received` like every line; nothing to answer."""

    def _cmd_quit(self, msg: Message) -> None:
        text = msg.params[0] if msg.params else ""
        self.close(f"Quit: {text}" if text else "Client Quit")

    def _channel(self, name: str) -> _Channel | None:
        """The channel this client is in, or None after sending 403/442."""
        channel = self.server._channels.get(_fold(name))
        if channel is None:
            self._numeric("403", name, "No such channel")
        elif self not in channel.members:
            self._numeric("442", channel.name, "You're not on that channel")
        else:
            return channel
        return None

    def _cmd_join(self, msg: Message) -> None:
        for name in msg.params[0].split(","):
            if not self.server._valid_channel(name):
                self._numeric("403", name, "No such channel")
                continue
            channel = self.server._channels.setdefault(_fold(name), _Channel(name))
            if self in channel.members:
                continue
            channel.members[self] = "" if channel.members else "o"
            for member in channel.members:
                if "extended-join" in member.caps:
                    params = (channel.name, self.account or "*", self.realname or "")
                    member._send(self.source, "JOIN", params)
                else:
                    member._send(self.source, "JOIN", (channel.name,))
            self._topic_reply(channel)
            self._names_reply(channel)

    def _cmd_part(self, msg: Message) -> None:
        for name in msg.params[0].split(","):
            channel = self._channel(name)
            if channel is not None:
                for member in channel.members:
                    member._send(self.source, "PART", (channel.name, *msg.params[1:2]))
                self.server._part(channel, self)

    def _topic_reply(self, channel: _Channel) -> None:
        if channel.topic:
            self._numeric("332", channel.name, channel.topic)
        else:
            self._numeric("331", channel.name, "No topic is set")

    def _names_reply(self, channel: _Channel) -> None:
        multi = "multi-prefix" in self.caps
        names = [_prefix(modes, multi) + member._name for member, modes in channel.members.items()]
        kind = "@" if "s" in channel.modes else "="
        for chunk in _chunks(names, 400):
            self._numeric("353", kind, channel.name, chunk)
        self._numeric("366", channel.name, "End of /NAMES list.")

    def _cmd_privmsg(self, msg: Message) -> None:
        command = msg.command.upper()
        if not msg.params or not msg.params[0]:
            self._numeric("411", f"No recipient given ({command})")
            return
        text = msg.params[1:2] if command != "TAGMSG" else ()
        if command != "TAGMSG" and not "".join(text):
            self._numeric("412", "No text to send")
            return
        client_tags = {k: v for k, v in msg.tags.items() if k.startswith("+")}
        for target in msg.params[0].split(","):
            found = self._recipients(target, command)
            if found is None:
                continue
            name, recipients = found
            if "echo-message" in self.caps and self not in recipients:
                recipients.append(self)
            for recipient in recipients:
                if command != "TAGMSG" or "message-tags" in recipient.caps:
                    recipient._send(self.source, command, (name, *text), client_tags)

    def _recipients(self, target: str, command: str
                    ) -> tuple[str, list[ServerConnection]] | None:
        """(target's name, who gets the message), or None after an error reply."""
        if target.startswith("#"):
            channel = self.server._channels.get(_fold(target))
            modes = channel.members.get(self) if channel else None
            if channel is None:
                self._numeric("401", target, "No such nick/channel")
            elif (modes is None and "n" in channel.modes) or (
                    "m" in channel.modes and not modes):
                self._numeric("404", channel.name, "Cannot send to channel")
            else:
                return channel.name, [m for m in channel.members if m is not self]
            return None
        peer = self.server._nicks.get(_fold(target))
        if peer is None or not peer.registered:
            self._numeric("401", target, "No such nick/channel")
            return None
        if peer.away is not None and command == "PRIVMSG":
            self._numeric("301", peer._name, peer.away)
        return peer._name, [peer]

    def _cmd_topic(self, msg: Message) -> None:
        channel = self._channel(msg.params[0])
        if channel is None:
            return
        if len(msg.params) < 2:
            self._topic_reply(channel)
        elif "t" in channel.modes and "o" not in channel.members[self]:
            self._numeric("482", channel.name, "You're not channel operator")
        else:
            channel.topic = msg.params[1]
            for member in channel.members:
                member._send(self.source, "TOPIC", (channel.name, channel.topic))

    def _cmd_names(self, msg: Message) -> None:
        for name in (msg.params[0] if msg.params else "*").split(","):
            channel = self.server._channels.get(_fold(name))
            if channel is not None:
                self._names_reply(channel)
            else:
                self._numeric("366", name, "End of /NAMES list.")

    def _cmd_who(self, msg: Message) -> None:
        mask = msg.params[0] if msg.params else "*"
        channel = self.server._channels.get(_fold(mask))
        peer = self.server._nicks.get(_fold(mask))
        if channel is not None:
            rows = [(channel.name, member, modes) for member, modes in channel.members.items()]
        else:
            rows = [("*", peer, "")] if peer is not None and peer.registered else []
        multi = "multi-prefix" in self.caps
        for name, member, modes in rows:
            flags = ("G" if member.away is not None else "H") + _prefix(modes, multi)
            self._numeric("352", name, member.user or "*", _HOST, self.server.name,
                          member._name, flags, f"0 {member.realname or ''}")
        self._numeric("315", mask, "End of /WHO list.")

    def _cmd_kick(self, msg: Message) -> None:
        channel = self._channel(msg.params[0])
        if channel is None:
            return
        if "o" not in channel.members[self]:
            self._numeric("482", channel.name, "You're not channel operator")
            return
        reason = msg.params[2] if len(msg.params) > 2 and msg.params[2] else self._name
        for target in msg.params[1].split(","):
            victim = self.server._nicks.get(_fold(target))
            if victim is None or victim not in channel.members:
                self._numeric("441", target, channel.name, "They aren't on that channel")
                continue
            for member in channel.members:
                member._send(self.source, "KICK", (channel.name, victim._name, reason))
            self.server._part(channel, victim)

    def _cmd_mode(self, msg: Message) -> None:
        target, args = msg.params[0], msg.params[1:]
        if target.startswith("#"):
            self._channel_mode(target, args)
        elif _fold(target) != _fold(self._name):
            if self.server._nicks.get(_fold(target)) is None:
                self._numeric("401", target, "No such nick/channel")
            else:
                self._numeric("502", "Can't change mode for other users")
        elif not args:
            self._numeric("221", "+" + "".join(sorted(self.modes)))
        else:
            changes, sign = [], "+"
            for letter in args[0]:
                if letter in "+-":
                    sign = letter
                elif letter not in _USER_FLAGS:
                    self._numeric("501", "Unknown MODE flag")
                elif (letter in self.modes) != (sign == "+"):
                    (self.modes.add if sign == "+" else self.modes.discard)(letter)
                    changes.append(sign + letter)
            if changes:
                self._send(self._name, "MODE", (self._name, _mode_string(changes)))

    def _channel_mode(self, name: str, args: tuple[str, ...]) -> None:
        channel = self.server._channels.get(_fold(name))
        if channel is None:
            self._numeric("403", name, "No such channel")
            return
        if not args:
            self._numeric("324", channel.name, "+" + "".join(sorted(channel.modes)))
            return
        if args[0].lstrip("+") == "b" and len(args) == 1:
            self._numeric("368", channel.name, "End of channel ban list")
            return
        if "o" not in channel.members.get(self, ""):
            self._numeric("482", channel.name, "You're not channel operator")
            return
        changes: list[str] = []
        nicks: list[str] = []
        params, sign = list(args[1:]), "+"
        for letter in args[0]:
            if letter in "+-":
                sign = letter
            elif letter in "ov" and params:
                nick = params.pop(0)
                member = self.server._nicks.get(_fold(nick))
                if member is None or member not in channel.members:
                    self._numeric("441", nick, channel.name, "They aren't on that channel")
                    continue
                modes = channel.members[member]
                if (letter in modes) != (sign == "+"):
                    channel.members[member] = (modes + letter if sign == "+"
                                               else modes.replace(letter, ""))
                    changes.append(sign + letter)
                    nicks.append(member._name)
            elif letter in _CHANNEL_FLAGS:
                if (letter in channel.modes) != (sign == "+"):
                    (channel.modes.add if sign == "+" else channel.modes.discard)(letter)
                    changes.append(sign + letter)
            elif letter not in "ov":
                self._numeric("472", letter, "is unknown mode char to me")
        if changes:
            for member in channel.members:
                member._send(self.source, "MODE", (channel.name, _mode_string(changes), *nicks))

    def _cmd_away(self, msg: Message) -> None:
        text = msg.params[0] if msg.params else ""
        self.away = text or None
        if text:
            self._numeric("306", "You have been marked as being away")
        else:
            self._numeric("305", "You are no longer marked as being away")
        for peer in self._peers():
            if "away-notify" in peer.caps:
                peer._send(self.source, "AWAY", (text,) if text else ())

    def _cmd_setname(self, msg: Message) -> None:
        self.realname = msg.params[0]
        for peer in self._peers(include_self=True):
            if "setname" in peer.caps:
                peer._send(self.source, "SETNAME", (self.realname,))


#: command -> (minimum number of parameters, handler)
_COMMANDS: dict[str, tuple[int, Callable[[ServerConnection, Message], None]]] = {
    "AUTHENTICATE": (1, ServerConnection._cmd_authenticate),
    "AWAY": (0, ServerConnection._cmd_away),
    "CAP": (1, ServerConnection._cmd_cap),
    "JOIN": (1, ServerConnection._cmd_join),
    "KICK": (2, ServerConnection._cmd_kick),
    "MODE": (1, ServerConnection._cmd_mode),
    "MOTD": (0, ServerConnection._cmd_motd),
    "NAMES": (0, ServerConnection._cmd_names),
    "NICK": (0, ServerConnection._cmd_nick),
    "NOTICE": (0, ServerConnection._cmd_privmsg),
    "PART": (1, ServerConnection._cmd_part),
    "PASS": (1, ServerConnection._cmd_pass),
    "PING": (0, ServerConnection._cmd_ping),
    "PONG": (0, ServerConnection._cmd_pong),
    "PRIVMSG": (0, ServerConnection._cmd_privmsg),
    "QUIT": (0, ServerConnection._cmd_quit),
    "SETNAME": (1, ServerConnection._cmd_setname),
    "TAGMSG": (0, ServerConnection._cmd_privmsg),
    "TOPIC": (1, ServerConnection._cmd_topic),
    "USER": (4, ServerConnection._cmd_user),
    "WHO": (0, ServerConnection._cmd_who),
}


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
            lambda: ServerConnection(self), self.host, self.port)
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


if __name__ == "__main__":
    main()
