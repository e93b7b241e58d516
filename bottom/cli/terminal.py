"""The terminal client: server lines shown as a chat, typed lines as IRC commands.

``/help`` lists the commands (:data:`HELP`); plain text goes to the
current channel (or the nick the URL named).
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable
from typing import TextIO

from ..errors import NotConnected
from ..message import Message
from .display import describe, paint, printable
from .session import Next, Session
from .urls import is_channel

__all__ = ["HELP", "Terminal"]

HELP = """\
/join #channel [key]    join a channel; plain text goes there
/part [#channel] [why]  leave the current (or the named) channel
/msg target text        a private message to a nick or a channel
/me action              an action in the current channel
/nick newnick           change your nick
/raw LINE               send one raw IRC line
/quit [message]         leave (so does the end of input)
//text                  say "/text\""""


class Terminal:
    """Shows a session's lines as a chat; turns typed lines into IRC commands."""

    def __init__(self, session: Session, out: TextIO, *, colour: bool,
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
        text = printable(text)
        if self.colour:
            stamp, text = f"\x1b[2m{stamp}\x1b[0m", paint(kind, text)
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

    async def _display(self, next_handler: Next, msg: Message) -> None:
        line = describe(msg, self.current,
                        casemapping=self.session.client.isupport.casemapping)
        if line is not None and msg.command.upper() not in self.hidden:
            self.show(*line)
        self._track(msg)
        await next_handler(msg)

    def _track(self, msg: Message) -> None:
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
            if self.current is not None and self.session.same(self.current, channel):
                self.current = self.channels[-1] if self.channels else None

    def _forget(self, channel: str) -> None:
        self.channels = [c for c in self.channels if not self.session.same(c, channel)]

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
        except (ValueError, NotConnected) as exc:
            self.show("error", f"!! not sent: {exc}")
        return True

    def _say(self, text: str) -> None:
        if self.current is None:
            self.show("error", "!! not in a channel: /join #channel first")
            return
        self.session.send("privmsg", target=self.current, message=text)
        self.said = text
        if is_channel(self.current):
            self.show("say", f"<{self.session.nick}> {text}")
        else:
            self.show("say", f"-> *{self.current}* {text}")

    def _join(self, rest: str) -> bool:
        words = rest.split()
        if not words:
            self.show("error", "!! usage: /join #channel [key]")
            return True
        channel = words[0] if is_channel(words[0]) else f"#{words[0]}"
        known = [c for c in self.channels if self.session.same(c, channel)]
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
        if is_channel(rest):
            channel, _, message = rest.partition(" ")
        if channel is None or not is_channel(channel):
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
        for line in HELP.splitlines():
            self.show("info", line)
        return True
