"""``python -m bottom``: a demo, a terminal IRC client and a one-shot sender.

``python -m bottom``
    The demo, all in this process and on 127.0.0.1 only: bottom's
    test-double server (:mod:`bottom.testing`), an echo bot written with
    the public API, and you (``you``) in ``#bottom``.  From a terminal you
    chat; with stdin piped (``echo hi | python -m bottom``) each line is
    said, the bot's answer is awaited, and the program exits 0 at the end
    of the input.
``python -m bottom irc://host[:port]/#channel --nick NAME``
    The same line-mode client against a real server; ``ircs://`` for TLS
    (certificate verified).  ``/help`` lists the commands.
``python -m bottom send URL TEXT``
    Connect, register, join the URL's channel (or message the URL's
    nick), send TEXT, quit.  Exit 0 once the server accepted it.

Exit status: 0 ok, 1 error (said on stderr), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import io
import logging
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TextIO, TypeVar

import bottom

__all__ = ["IrcUrl", "parse_url", "describe", "echo_bot", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DEMO_CHANNEL = "#bottom"
DEMO_NICK = "you"
BOT_NICK = "echo-bot"
DEFAULT_NICK = "bottom"
DEFAULT_TIMEOUT = 30.0

_T = TypeVar("_T")
_CHANNEL_PREFIXES = "#&!+"
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~", "abcdefghijklmnopqrstuvwxyz{}|^")
# After the message was written, how long the PING/PONG fence may take
# before "no error numeric so far" is taken as delivered.
_GRACE = 5.0
_MAX_NICK_TRIES = 5
# Registration ends at one of these (433/437 only once the retries ran out).
_FATAL_REGISTRATION = frozenset({"431", "432", "433", "436", "437", "463", "464", "465"})
# Numerics the demo does not show: the welcome burst says nothing new there.
_DEMO_HIDDEN = frozenset({"001", "002", "003", "004", "005", "250", "251", "252", "253",
                          "254", "255", "265", "266", "331", "372", "375", "376"})
_NEVER_SHOWN = frozenset({"PING", "PONG", "CAP", "AUTHENTICATE", "366"})
_FORMATTING = re.compile(r"\x03(?:\d{1,2}(?:,\d{1,2})?)?"
                         r"|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
                         r"|[\x02\x0f\x11\x16\x1d\x1e\x1f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_STYLES = {"action": "35", "notice": "33", "event": "32", "info": "36", "error": "1;31"}
_NICK_COLOURS = ("31", "32", "33", "34", "35", "36", "91", "92", "93", "94", "95", "96")

_HELP = """\
/join #channel [key]    join a channel; plain text goes there
/part [#channel] [why]  leave the current (or the named) channel
/msg target text        a private message to a nick or a channel
/me action              an action in the current channel
/nick newnick           change your nick
/raw LINE               send one raw IRC line
/quit [message]         leave (so does the end of input)
//text                  say "/text\""""

#: the rest of a raw middleware chain (see ``Client.raw_handlers``)
_Next = Callable[[bottom.Message], Awaitable[None]]


class _Fatal(Exception):
    """A failure the command line reports on stderr, exiting 1."""


# -- URLs ------------------------------------------------------------------------


@dataclass(frozen=True)
class IrcUrl:
    """Where to connect and whom to talk to, read from an ``irc://`` URL."""

    host: str
    port: int
    tls: bool
    #: a channel (``#chan``) or a nick; None when the URL names neither
    target: str | None = None

    @property
    def is_channel(self) -> bool:
        """True when :attr:`target` is a channel name."""
        return self.target is not None and self.target[0] in _CHANNEL_PREFIXES


def parse_url(text: str) -> IrcUrl:
    """Read ``irc://host[:port][/#channel | /nick]``; ``ircs://`` means TLS.

    The port defaults to 6667 (``irc``) or 6697 (``ircs``).  ``#channel``
    is the URL's fragment; ``%23channel`` in the path works too.

    :raises ValueError: naming what is wrong and the form to use.
    """
    form = "use irc://host[:port]/#channel, irc://host[:port]/nick or ircs://... for TLS"
    parts = urllib.parse.urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("irc", "ircs"):
        raise ValueError(f"{text!r} is not an IRC URL: {form}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{text!r} has a user or password: give them as --nick and "
                         "--password instead")
    if parts.query or "?" in parts.fragment:  # "#chan?key=x": the query hides in the fragment
        raise ValueError(f"{text!r} has a query (?...), which bottom does not read: {form}")
    host = parts.hostname
    if not host:
        raise ValueError(f"{text!r} has no host: {form}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} has an invalid port: {form}") from None
    tls = scheme == "ircs"
    path = urllib.parse.unquote(parts.path).lstrip("/")
    fragment = urllib.parse.unquote(parts.fragment)
    if path and fragment:
        raise ValueError(f"{text!r} names two targets ({path!r} and '#{fragment}'): {form}")
    target = path or (f"#{fragment}" if fragment else None)
    if target is not None and (
            _CONTROL.search(target) or any(char in target for char in " ,/")):
        raise ValueError(f"{target!r} in {text!r} is not a channel or nick: {form}")
    return IrcUrl(host, port or (6697 if tls else 6667), tls, target)


# -- showing messages ---------------------------------------------------------------


def _fold(name: str) -> str:
    """rfc1459 casemapping: ``Nick[`` and ``nick{`` are one name."""
    return name.translate(_FOLD)


def _is_error(msg: bottom.Message) -> bool:
    return len(msg.command) == 3 and msg.command.isdigit() and "400" <= msg.command < "600"


def _numeric_text(msg: bottom.Message) -> str:
    """A numeric's words after our own nick: ``"401 bob: No such nick/channel"``."""
    middle, last = msg.params[1:-1], msg.params[-1:]
    if not _is_error(msg):
        return " ".join(msg.params[1:])
    return f"{msg.command} {' '.join(middle)}{': ' if middle and last else ''}{''.join(last)}"


def describe(msg: bottom.Message, current: str | None = None) -> tuple[str, str] | None:
    """A line from the server as a chat line: ``(kind, text)``, or None to hide it.

    ``current`` is the channel plain text goes to: its messages are shown
    without the channel name.  ``kind`` is one of
    ``say action notice event info error`` (the colour it gets).
    Pure: the text may still hold IRC formatting and control characters.
    """
    command = msg.command.upper()
    params = msg.params
    who = msg.nick or msg.source or "?"
    if command in _NEVER_SHOWN:
        return None
    if command in ("PRIVMSG", "NOTICE") and len(params) >= 2:
        return _describe_text(command, who, params[0], params[1], current)
    if command == "JOIN" and params:
        return "event", f"--> {who} joined {params[0]}"
    if command == "PART" and params:
        return "event", f"<-- {who} left {params[0]}{_reason(params, 1)}"
    if command == "QUIT":
        return "event", f"<-- {who} quit{_reason(params, 0)}"
    if command == "KICK" and len(params) >= 2:
        return "event", (f"<-- {params[1]} was kicked from {params[0]} by {who}"
                         f"{_reason(params, 2)}")
    if command == "NICK" and params:
        return "event", f"-- {who} is now known as {params[0]}"
    if command == "TOPIC" and len(params) >= 2:
        return "info", f"-- {who} set the topic of {params[0]}: {params[1]}"
    if command == "MODE" and len(params) >= 2:
        return "info", f"-- {who} sets mode {' '.join(params[1:])} on {params[0]}"
    if command == "INVITE" and len(params) >= 2:
        return "info", f"-- {who} invites {params[0]} to {params[1]}"
    if command == "ERROR":
        return "error", f"!! {' '.join(params)}"
    if command == "353" and len(params) >= 3:
        return "info", f"-- names {params[-2]}: {params[-1]}"
    if command == "332" and len(params) >= 3:
        return "info", f"-- topic of {params[1]}: {params[2]}"
    if command == "333" and len(params) >= 3:
        return "info", f"-- topic of {params[1]} set by {params[2]}"
    if len(command) == 3 and command.isdigit():
        if _is_error(msg):
            return "error", f"!! {_numeric_text(msg)}"
        return "info", f"-- {_numeric_text(msg)}"
    return "info", f"-- {who} {command} {' '.join(params)}"


def _describe_text(command: str, who: str, target: str, text: str,
                   current: str | None) -> tuple[str, str]:
    """PRIVMSG and NOTICE, CTCP ACTION included."""
    in_channel = target[:1] in _CHANNEL_PREFIXES
    elsewhere = "" if not in_channel or (
        current is not None and _fold(target) == _fold(current)) else f"{target} "
    if text.startswith("\x01"):
        ctcp, _, argument = text.strip("\x01").partition(" ")
        if ctcp.upper() == "ACTION":
            return "action", f"{elsewhere}* {who} {argument}"
        return "info", f"-- {who} sent CTCP {ctcp.upper()} to {target}"
    if command == "NOTICE":
        return "notice", f"{elsewhere}-{who}- {text}"
    if not in_channel:
        return "say", f"*{who}* {text}"
    return "say", f"{elsewhere}<{who}> {text}"


def _reason(params: tuple[str, ...], index: int) -> str:
    return f" ({params[index]})" if len(params) > index and params[index] else ""


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _printable(text: str) -> str:
    """Text safe for a terminal: IRC formatting dropped, control codes escaped.

    A server or another user could otherwise send escape sequences that
    rewrite the terminal.
    """
    return _CONTROL.sub(_escape, _FORMATTING.sub("", text))


def _paint(kind: str, text: str) -> str:
    if kind == "say" and text.startswith("<"):
        nick, _, rest = text.partition("> ")
        colour = _NICK_COLOURS[sum(nick.encode()) % len(_NICK_COLOURS)]
        return f"<\x1b[{colour}m{nick[1:]}\x1b[0m> {rest}"
    style = _STYLES.get(kind)
    return f"\x1b[{style}m{text}\x1b[0m" if style else text


def _wants_colour(stream: TextIO) -> bool:
    return (stream.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


# -- a registered connection -------------------------------------------------------


class _Expectation:
    """A line some coroutine waits for, unless an error line comes first."""

    __slots__ = ("matches", "fails", "future")

    def __init__(self, matches: Callable[[bottom.Message], bool],
                 fails: Callable[[bottom.Message], bool],
                 future: asyncio.Future[bottom.Message]) -> None:
        self.matches = matches
        self.fails = fails
        self.future = future

    def check(self, msg: bottom.Message) -> None:
        if self.future.done():
            return
        if self.matches(msg):
            self.future.set_result(msg)
        elif self.fails(msg):
            self.future.set_exception(_Fatal(_numeric_text(msg) if msg.params else msg.command))


def _never(msg: bottom.Message) -> bool:
    return False


class _Session:
    """A :class:`bottom.Client` registered by hand, and what the CLI tracks of it.

    Sends PASS/NICK/USER from ``CLIENT_CONNECT`` (the CLI needs no CAP),
    retries a nick in use with ``_`` appended, follows our nick, and lets
    a coroutine :meth:`expect` a line that must come before an error.
    Made inside a running loop; serves one connection.
    """

    def __init__(self, client: bottom.Client, nick: str, *, password: str | None = None,
                 realname: str = "bottom command line") -> None:
        self.client = client
        self.nick = nick
        self.password = password
        self.realname = realname
        self.registered = False
        #: what the session is doing, for a timeout's message
        self.stage = f"connecting to {self.where}"
        #: the disconnect reason, once the connection closed
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._expectations: list[_Expectation] = []
        self._nick_tries = 0
        self._last_send: asyncio.Future[None] | None = None
        client.on("client_connect", self._register)
        client.on("client_disconnect", self._disconnected)
        client.raw_handlers.append(self._observe)

    @property
    def where(self) -> str:
        return f"{self.client.host}:{self.client.port}"

    def is_me(self, nick: str | None) -> bool:
        return nick is not None and _fold(nick) == _fold(self.nick)

    def _register(self) -> None:
        if self.password is not None:
            # A password with a space can only be a trailing parameter.
            if " " in self.password or self.password.startswith(":") or not self.password:
                self.client.send_raw(f"PASS :{self.password}")
            else:
                self.client.send("pass", password=self.password)
        self.client.send("nick", nick=self.nick)
        self.client.send("user", nick=self.nick, realname=self.realname)

    def _disconnected(self, reason: str) -> None:
        if not self.closed.done():
            self.closed.set_result(reason)
        for expectation in list(self._expectations):
            if not expectation.future.done():
                expectation.future.set_exception(_Fatal(f"connection closed: {reason}"))

    async def _observe(self, next_handler: _Next, msg: bottom.Message) -> None:
        if self._track(msg):
            for expectation in list(self._expectations):
                expectation.check(msg)
        await next_handler(msg)

    def _track(self, msg: bottom.Message) -> bool:
        """Follow registration and our nick; False for a line handled here."""
        command = msg.command.upper()
        if command == "001":
            self.registered = True
            if msg.params:
                self.nick = msg.params[0]
        elif command == "NICK" and msg.params and self.is_me(msg.nick):
            self.nick = msg.params[0]
        elif command in ("433", "437") and not self.registered \
                and self._nick_tries < _MAX_NICK_TRIES:
            self._nick_tries += 1
            self.nick = (msg.params[1] if len(msg.params) > 2 else self.nick) + "_"
            self.client.send("nick", nick=self.nick)
            return False
        return True

    def expect(self, matches: Callable[[bottom.Message], bool],
               fails: Callable[[bottom.Message], bool] = _never
               ) -> asyncio.Future[bottom.Message]:
        """A Future for the next line that ``matches``.

        It fails with :class:`_Fatal` when a line that ``fails`` comes
        first, or when the connection closes.  Register it before sending
        what it answers.
        """
        future: asyncio.Future[bottom.Message] = asyncio.get_running_loop().create_future()
        if self.closed.done():
            future.set_exception(_Fatal(f"connection closed: {self.closed.result()}"))
        else:
            expectation = _Expectation(matches, fails, future)
            self._expectations.append(expectation)
            future.add_done_callback(lambda _: self._expectations.remove(expectation))
        # Retrieved here: whoever stops waiting must not make asyncio log it.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        return future

    def send(self, command: str, **kwargs: Any) -> None:
        """``client.send``, remembering the Future so :meth:`quit` can flush."""
        self._last_send = self.client.send(command, **kwargs)

    def send_raw(self, line: str) -> None:
        self._last_send = self.client.send_raw(line)

    async def start(self) -> None:
        """Connect and register; :class:`_Fatal` says why either failed."""
        self.stage = f"connecting to {self.where}"
        welcome = self.expect(lambda msg: msg.command == "001",
                              lambda msg: msg.command.upper() in _FATAL_REGISTRATION)
        try:
            await self.client.connect()
        except bottom.ConnectionFailed as exc:
            welcome.cancel()
            raise _Fatal(str(exc)) from None
        self.stage = f"registering with {self.where}"
        try:
            await welcome
        except _Fatal as exc:
            raise _Fatal(f"registration with {self.where} failed: {exc}") from None

    async def join(self, channel: str) -> None:
        """JOIN ``channel``; return once the server says we are in it."""
        self.stage = f"joining {channel}"
        joined = self.expect(
            lambda msg: msg.command.upper() == "JOIN" and self.is_me(msg.nick)
            and msg.params[:1] != () and _fold(msg.params[0]) == _fold(channel),
            _is_error)
        try:
            self.send("join", channel=channel)
            await joined
        except (ValueError, _Fatal) as exc:
            joined.cancel()
            raise _Fatal(f"could not join {channel}: {exc}") from None

    async def deliver(self, target: str, text: str, *, notice: bool = False) -> None:
        """Send ``text`` to ``target``; return once the server accepted it.

        A PING after the message is the fence: the server answers lines in
        order, so an error numeric about the message (401, 404...) comes
        before the PONG.  Without a PONG within a grace period, no error
        so far counts as accepted.
        """
        self.stage = f"sending to {target}"
        token = f"bottom-{secrets.token_hex(4)}"
        fence = self.expect(lambda msg: msg.command.upper() == "PONG"
                            and msg.params[-1:] == (token,), _is_error)
        try:
            self.send("notice" if notice else "privmsg", target=target, message=text)
            await self.client.send("ping", message=token)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(fence), _GRACE)
        except (ValueError, bottom.NotConnected, _Fatal) as exc:
            raise _Fatal(f"message to {target} not delivered: {exc}") from None
        finally:
            fence.cancel()

    async def quit(self, message: str | None = None, *,
                   flush_timeout: float | None = _GRACE) -> None:
        """Wait (up to ``flush_timeout``) until what was sent left flood
        control, then QUIT and close.  Never raises."""
        if not self.client.is_closing():
            if self._last_send is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._last_send), flush_timeout)
            with contextlib.suppress(ValueError, bottom.NotConnected):
                if message:
                    self.client.send("quit", message=message)
                else:
                    self.client.send("quit")
        await self.client.disconnect()


async def _within(awaitable: Awaitable[_T], timeout: float, what: str | _Session) -> _T:
    """``await`` with a timeout that becomes a :class:`_Fatal` naming ``what``
    (for a session: what it was doing when time ran out)."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except asyncio.TimeoutError:
        doing = what.stage if isinstance(what, _Session) else what
        raise _Fatal(f"timed out after {timeout:g} s {doing}") from None


# -- the terminal -------------------------------------------------------------------


class _Terminal:
    """Shows a session's lines as a chat; turns typed lines into IRC commands."""

    def __init__(self, session: _Session, out: TextIO, *, colour: bool,
                 hidden: frozenset[str] = frozenset()) -> None:
        self.session = session
        self.out = out
        self.colour = colour
        self.hidden = hidden
        #: channels we are in, in join order
        self.channels: list[str] = []
        #: where plain text goes: a channel, or a nick from the URL
        self.current: str | None = None
        #: the text of the last plain line said, for the demo to await its echo
        self.said: str | None = None
        self.quit_message: str | None = None
        self._commands: dict[str, Callable[[str], bool]] = {
            "join": self._join, "j": self._join, "part": self._part, "leave": self._part,
            "msg": self._msg, "me": self._me, "nick": self._nick, "raw": self._raw,
            "quote": self._raw, "quit": self._quit, "exit": self._quit, "help": self._help,
        }
        session.client.raw_handlers.append(self._display)

    def show(self, kind: str, text: str) -> None:
        """Print one chat line with a timestamp (colours only on a terminal)."""
        stamp = time.strftime("%H:%M:%S")
        text = _printable(text)
        if self.colour:
            stamp, text = f"\x1b[2m{stamp}\x1b[0m", _paint(kind, text)
        try:
            print(f"{stamp} {text}", file=self.out, flush=True)
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        """Stdout's reader left (``| head``): keep going, print nowhere.

        Pointing the descriptor at devnull also spares the interpreter a
        second BrokenPipeError when it flushes stdout at exit.
        """
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.out.fileno())
            os.close(devnull)

    async def _display(self, next_handler: _Next, msg: bottom.Message) -> None:
        line = describe(msg, self.current)
        if line is not None and msg.command.upper() not in self.hidden:
            self.show(*line)
        self._track(msg)
        await next_handler(msg)

    def _track(self, msg: bottom.Message) -> None:
        command = msg.command.upper()
        if not msg.params:
            return
        channel = msg.params[0]
        if command == "JOIN" and self.session.is_me(msg.nick):
            self._forget(channel)
            self.channels.append(channel)
            self.current = channel
        elif (command == "PART" and self.session.is_me(msg.nick)) or (
                command == "KICK" and len(msg.params) > 1 and self.session.is_me(msg.params[1])):
            self._forget(channel)
            if self.current is not None and _fold(self.current) == _fold(channel):
                self.current = self.channels[-1] if self.channels else None

    def _forget(self, channel: str) -> None:
        self.channels = [c for c in self.channels if _fold(c) != _fold(channel)]

    def handle(self, line: str) -> bool:
        """Act on one typed line; False once it asked to quit."""
        self.said = None
        line = line.rstrip("\r\n")
        if not line.strip():
            return True
        try:
            if line.startswith("/") and not line.startswith("//"):
                name, _, rest = line[1:].partition(" ")
                command = self._commands.get(name.lower())
                if command is None:
                    self.show("error", f"!! unknown command /{name}; /help lists them")
                    return True
                return command(rest.strip())
            self._say(line.removeprefix("/"))
        except (ValueError, bottom.NotConnected) as exc:
            self.show("error", f"!! not sent: {exc}")
        return True

    def _say(self, text: str) -> None:
        if self.current is None:
            self.show("error", "!! not in a channel: /join #channel first")
            return
        self.session.send("privmsg", target=self.current, message=text)
        self.said = text
        if self.current[0] in _CHANNEL_PREFIXES:
            self.show("say", f"<{self.session.nick}> {text}")
        else:
            self.show("say", f"-> *{self.current}* {text}")

    def _join(self, rest: str) -> bool:
        words = rest.split()
        if not words:
            self.show("error", "!! usage: /join #channel [key]")
            return True
        channel = words[0] if words[0][0] in _CHANNEL_PREFIXES else f"#{words[0]}"
        known = [c for c in self.channels if _fold(c) == _fold(channel)]
        if known:
            self.current = known[0]
            self.show("info", f"-- talking in {known[0]}")
        elif len(words) > 1:
            self.session.send("join", channel=channel, key=words[1])
        else:
            self.session.send("join", channel=channel)
        return True

    def _part(self, rest: str) -> bool:
        channel, message = self.current, rest
        if rest[:1] and rest[0] in _CHANNEL_PREFIXES:
            channel, _, message = rest.partition(" ")
        if channel is None or channel[0] not in _CHANNEL_PREFIXES:
            self.show("error", "!! usage: /part [#channel] [message]")
        elif message:
            self.session.send("part", channel=channel, message=message)
        else:
            self.session.send("part", channel=channel)
        return True

    def _msg(self, rest: str) -> bool:
        target, _, text = rest.partition(" ")
        if not target or not text:
            self.show("error", "!! usage: /msg target text")
            return True
        self.session.send("privmsg", target=target, message=text)
        self.show("say", f"-> *{target}* {text}")
        return True

    def _me(self, rest: str) -> bool:
        if self.current is None or not rest:
            self.show("error", "!! usage: /me action, in a channel")
            return True
        self.session.send("privmsg", target=self.current, message=f"\x01ACTION {rest}\x01")
        self.show("action", f"* {self.session.nick} {rest}")
        return True

    def _nick(self, rest: str) -> bool:
        if not rest or " " in rest:
            self.show("error", "!! usage: /nick newnick")
        else:
            self.session.send("nick", nick=rest)
        return True

    def _raw(self, rest: str) -> bool:
        if not rest:
            self.show("error", "!! usage: /raw LINE")
        else:
            self.session.send_raw(rest)
        return True

    def _quit(self, rest: str) -> bool:
        self.quit_message = rest or None
        return False

    def _help(self, rest: str) -> bool:
        for line in _HELP.splitlines():
            self.show("info", line)
        return True


class _LineReader:
    """Lines from a file descriptor (stdin), read by a daemon thread.

    The thread blocks in ``os.read``, not in a Python file object, so the
    event loop never blocks, and exiting while the thread waits neither
    hangs nor trips over the stream's lock at interpreter shutdown.
    """

    def __init__(self, fd: int, encoding: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        threading.Thread(target=self._run, args=(fd,), name="bottom-stdin",
                         daemon=True).start()

    def _run(self, fd: int) -> None:
        pending = ""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            *lines, pending = (pending + self._decoder.decode(chunk, final=not chunk)).split("\n")
            for line in lines:
                if not self._put(line.removesuffix("\r")):
                    return
            if not chunk:
                if pending:
                    self._put(pending)
                self._put(None)
                return

    def _put(self, line: str | None) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except RuntimeError:
            return False  # the loop is closed: nobody reads any more
        return True

    async def readline(self) -> str | None:
        """The next line without its line end; None at the end of input."""
        return await self._queue.get()


def _stdin_reader() -> _LineReader:
    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return _LineReader(0, encoding)


async def _unless_closed(session: _Session, awaitable: Awaitable[_T]) -> _T:
    """``awaitable``'s result, or :class:`_Fatal` if the connection closes first."""
    task = asyncio.ensure_future(awaitable)
    try:
        waiting: set[asyncio.Future[Any]] = {task, session.closed}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        raise _Fatal(f"connection closed: {session.closed.result()}")
    finally:
        task.cancel()


async def _converse(terminal: _Terminal, reader: _LineReader, *,
                    answered_by: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Feed typed lines to ``terminal`` until the end of input or ``/quit``.

    With ``answered_by``, after each line said, wait (up to ``timeout``)
    for that nick's answer: the bot's echo, in the scripted demo.
    """
    session = terminal.session

    def is_answer(msg: bottom.Message) -> bool:
        said = terminal.said  # set by handle() below, before any answer can arrive
        return said is not None and _answers(msg, answered_by or "", session.nick, said)

    while (line := await _unless_closed(session, reader.readline())) is not None:
        answer = session.expect(is_answer, _is_error) if answered_by is not None else None
        keep_going = terminal.handle(line)
        if answer is not None:
            if terminal.said is None:
                answer.cancel()
            else:
                await _within(answer, timeout, f"waiting for {answered_by}'s answer")
        if not keep_going:
            return


def _answers(msg: bottom.Message, bot: str, me: str, said: str) -> bool:
    """Is ``msg`` the bot's echo of (the end of) what we said?

    A long line reaches the bot as several messages, and its answer may
    be split again, so the last piece of the answer ends our text.
    """
    if msg.command.upper() != "PRIVMSG" or msg.nick != bot or len(msg.params) < 2:
        return False
    text, prefix = msg.params[1], f"{me} said: "
    return said.rstrip().endswith(text.removeprefix(prefix).rstrip())


# -- the demo's echo bot ---------------------------------------------------------------


def echo_bot(host: str, port: int, *, name: str = BOT_NICK,
             channel: str = DEMO_CHANNEL) -> bottom.Client:
    """The README's echo bot: answers each PRIVMSG in ``channel`` with ``<nick> said: <text>``.

    Registers from a ``CLIENT_CONNECT`` handler and joins on
    ``RPL_WELCOME``; connect it with ``await bot.connect()``.  Flood
    control is off: it only ever talks to the embedded test server.
    """
    bot = bottom.Client(host, port, ssl=False, flood_control=False)

    @bot.on("client_connect")
    def register() -> None:
        bot.send("nick", nick=name)
        bot.send("user", nick=name, realname="bottom echo bot")

    @bot.on("rpl_welcome")
    def join() -> None:
        bot.send("join", channel=channel)

    @bot.on("privmsg")
    def echo(nick: str, target: str, message: str) -> None:
        if nick != name and _fold(target) == _fold(channel) and not message.startswith("\x01"):
            bot.send("privmsg", target=target, message=f"{nick} said: {message}")

    return bot


async def _start_echo_bot(host: str, port: int, timeout: float,
                          debug: TextIO | None = None) -> bottom.Client:
    """An :func:`echo_bot`, connected and in its channel; ``debug``: trace it there."""
    bot = echo_bot(host, port)
    if debug is not None:
        _trace(bot, debug)
    joined: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_join(nick: str) -> None:
        if nick == BOT_NICK and not joined.done():
            joined.set_result(None)

    bot.on("join", on_join)
    try:
        await bot.connect()
        await _within(joined, timeout, f"waiting for {BOT_NICK} to join {DEMO_CHANNEL}")
    except BaseException:
        await bot.disconnect()
        raise
    return bot


# -- debug output --------------------------------------------------------------------


def _masked(msg: bottom.Message) -> str:
    """``str(msg)`` for the debug output: passwords and SASL payloads hidden."""
    command = msg.command.upper()
    if command in ("PASS", "AUTHENTICATE") and msg.params:
        msg = msg.replace(params=("****",))
    elif command == "OPER" and len(msg.params) > 1:
        msg = msg.replace(params=(msg.params[0], "****"))
    try:
        return _CONTROL.sub(_escape, str(msg))
    except ValueError:
        return repr(msg)


def _trace(client: bottom.Client, stream: TextIO) -> None:
    """Print every line ``client`` receives as ``<< line`` (before anything else sees it)."""
    async def show_incoming(next_handler: _Next, msg: bottom.Message) -> None:
        print("<<", _masked(msg), file=stream, flush=True)
        await next_handler(msg)
    client.raw_handlers.insert(0, show_incoming)


class _VisibleFormatter(logging.Formatter):
    """Control characters (CTCP's \\x01, colours) shown escaped, as in ``<<`` lines."""

    def format(self, record: logging.LogRecord) -> str:
        return _CONTROL.sub(_escape, super().format(record))


def _log_outgoing(stream: TextIO) -> None:
    """Show ``>> line`` for every line sent: the client logs them on ``bottom.wire``
    at DEBUG, with PASS/OPER/AUTHENTICATE payloads already masked."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_VisibleFormatter("%(message)s"))
    wire = logging.getLogger("bottom.wire")
    wire.setLevel(logging.DEBUG)
    wire.addHandler(handler)
    wire.propagate = False


# -- the three modes ----------------------------------------------------------------------


async def _run_demo(args: argparse.Namespace) -> None:
    from bottom.testing import Server  # only the demo needs it: keep the other modes quick

    out, interactive = sys.stdout, sys.stdin is not None and sys.stdin.isatty()
    async with Server() as server:
        debug = sys.stderr if args.debug else None
        bot = await _start_echo_bot(server.host, server.port, args.timeout, debug)
        client = bottom.Client(server.host, server.port, ssl=False, flood_control=False)
        session = _Session(client, args.nick or DEMO_NICK)
        terminal = _Terminal(session, out, colour=_wants_colour(out), hidden=_DEMO_HIDDEN)
        if debug is not None:
            _trace(client, debug)
        try:
            terminal.show("info", f"-- bottom demo: a test server on {server.host}:"
                                  f"{server.port}, {BOT_NICK} in {DEMO_CHANNEL}")
            if interactive:
                terminal.show("info", "-- type to talk; /help lists the commands, "
                                      "/quit leaves")
            await _within(session.start(), args.timeout, session)
            await _within(session.join(DEMO_CHANNEL), args.timeout, session)
            await _converse(terminal, _stdin_reader(),
                            answered_by=None if interactive else BOT_NICK,
                            timeout=args.timeout)
        finally:
            await session.quit(terminal.quit_message)
            await bot.disconnect()


async def _run_client(args: argparse.Namespace, url: IrcUrl) -> None:
    out = sys.stdout
    client = bottom.Client(url.host, url.port, ssl=url.tls, connect_timeout=args.timeout)
    session = _Session(client, args.nick or DEFAULT_NICK, password=args.password)
    terminal = _Terminal(session, out, colour=_wants_colour(out))
    if args.debug:
        _trace(client, sys.stderr)
    terminal.show("info", f"-- connecting to {session.where}{' (TLS)' if url.tls else ''}; "
                          "/help lists the commands")
    try:
        await _within(session.start(), args.timeout, session)
        if url.target is not None and url.is_channel:
            try:
                await _within(session.join(url.target), args.timeout, session)
            except _Fatal as exc:
                terminal.show("error", f"!! {exc}")
        elif url.target is not None:
            terminal.current = url.target
            terminal.show("info", f"-- talking to {url.target}")
        await _converse(terminal, _stdin_reader())
    finally:
        # Every line typed (or piped) goes out, however long flood control takes.
        await session.quit(terminal.quit_message, flush_timeout=None)


async def _run_send(args: argparse.Namespace, url: IrcUrl, text: str) -> None:
    assert url.target is not None
    client = bottom.Client(url.host, url.port, ssl=url.tls, connect_timeout=args.timeout)
    session = _Session(client, args.nick or DEFAULT_NICK, password=args.password)
    if args.debug:
        _trace(client, sys.stderr)

    async def steps(target: str) -> None:
        await session.start()
        if url.is_channel:
            await session.join(target)
        await session.deliver(target, text, notice=args.notice)

    try:
        await _within(steps(url.target), args.timeout, session)
    finally:
        await session.quit()


# -- command line -------------------------------------------------------------------------


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m bottom" if name in ("", "__main__.py", "-c") else name


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, not {text!r}")
    return value


def _add_common(parser: argparse.ArgumentParser, *, default_nick: str) -> None:
    parser.add_argument("--nick", metavar="NAME",
                        help=f"nick to use ({default_nick}); '_' is appended while it is taken")
    parser.add_argument("--password", metavar="PASSWORD",
                        help="server password, sent as PASS (never shown by --debug)")
    parser.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT,
                        metavar="SECONDS",
                        help=f"give up connecting, registering or waiting after this "
                             f"(default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--debug", action="store_true",
                        help="show the raw IRC lines on stderr: '>>' sent, '<<' received; "
                             "PASS/OPER/AUTHENTICATE payloads as ****")


def _main_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=f"{prog} [options] [URL]\n       {prog} send URL TEXT [options]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="bottom's command line: a demo, a terminal IRC client, and 'send' to "
                    "deliver one message (for notifiers and CI).\n\n"
                    "Without URL: the demo. A test-double IRC server on 127.0.0.1, an echo "
                    f"bot and you in {DEMO_CHANNEL}, all in this process. Type to talk; "
                    "with stdin piped, each line is said and the bot's answer awaited.\n"
                    "With URL: the same client against a real server.",
        epilog="commands:\n"
               f"  send URL TEXT   deliver TEXT (\"-\": stdin) to the URL's channel or nick "
               "and quit;\n"
               "                  exit 0 once the server accepted it. See: "
               f"{prog} send --help\n\n"
               "in the client:\n" + "".join(f"  {line}\n" for line in _HELP.splitlines())
               + "\nexit status: 0 ok, 1 error, 2 usage error, 130 interrupted")
    parser.add_argument("url", nargs="?", metavar="URL",
                        help="irc://host[:port]/#channel, irc://host[:port]/nick, or ircs:// "
                             "for TLS (certificate verified); ports default to 6667 and 6697")
    _add_common(parser, default_nick=f"{DEMO_NICK} in the demo, else {DEFAULT_NICK}")
    parser.add_argument("--version", action="version", version=f"bottom {bottom.__version__}")
    return parser


def _send_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{prog} send",
        description="Connect, register, join the URL's channel (or address the URL's nick), "
                    "send TEXT as PRIVMSG, and QUIT. Exit 0 once the server accepted the "
                    "message (no error reply such as 401/403/404/442/477); 1 with the reason "
                    "on stderr otherwise; 2 for a usage error.",
        epilog=f"example: {prog} send ircs://irc.libera.chat/#mychan 'build 42 passed' "
               "--nick ci-bot")
    parser.add_argument("url", metavar="URL",
                        help="irc://host[:port]/#channel or irc://host[:port]/nick "
                             "(ircs:// for TLS)")
    parser.add_argument("text", metavar="TEXT",
                        help="the message; '-' reads it from stdin; newlines send several lines")
    parser.add_argument("--notice", action="store_true", help="send a NOTICE, not a PRIVMSG")
    _add_common(parser, default_nick=DEFAULT_NICK)
    return parser


def _usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _tolerate_unencodable(*streams: TextIO) -> None:
    """Never crash on a nick or message the terminal's encoding cannot show."""
    for stream in streams:
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, io.UnsupportedOperation):
                stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``python -m bottom``); return the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    prog = _prog()
    sending = words[:1] == ["send"]
    parser = _send_parser(prog) if sending else _main_parser(prog)
    try:
        args = parser.parse_args(words[1:] if sending else words)
    except SystemExit as exc:  # --help, --version, or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None \
            else EXIT_USAGE
    url = None
    if args.url is not None:
        try:
            url = parse_url(args.url)
        except ValueError as exc:
            return _usage_error(parser, str(exc))
    _tolerate_unencodable(sys.stdout, sys.stderr)
    if args.debug:
        _log_outgoing(sys.stderr)
    if sending:
        assert url is not None
        if url.target is None:
            return _usage_error(parser, f"{args.url!r} names no channel or nick to send to; "
                                        "use irc://host[:port]/#channel or irc://host[:port]/nick")
        if args.text == "-" and sys.stdin is None:
            return _usage_error(parser, "TEXT is '-' but there is no stdin to read")
        text = sys.stdin.read() if args.text == "-" else args.text
        text = text.rstrip("\r\n")
        if not text.strip():
            return _usage_error(parser, "nothing to send: TEXT is empty")
        job: Coroutine[Any, Any, None] = _run_send(args, url, text)
    elif url is not None:
        job = _run_client(args, url)
    else:
        if args.password is not None:
            return _usage_error(parser, "--password needs a URL: the demo server has none")
        job = _run_demo(args)
    try:
        asyncio.run(job)
    except (_Fatal, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
