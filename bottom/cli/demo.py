"""The demo: bottom's test server, the README's echo bot and you, in one process.

Everything stays on 127.0.0.1.  From a terminal you chat; with stdin
piped, each line is said and the bot's answer awaited before the next.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from ..casemap import equal
from ..client import Client
from .debug import trace
from .display import wants_colour
from .lines import converse, stdin_reader
from .modes import make_client
from .session import Fatal, Session, within
from .terminal import Terminal

__all__ = ["BOT_NICK", "DEMO_CHANNEL", "DEMO_NICK", "echo_bot", "run_demo"]

DEMO_CHANNEL = "#bottom"
DEMO_NICK = "you"
BOT_NICK = "echo-bot"
# Numerics the demo does not show: the welcome burst says nothing new there.
_DEMO_HIDDEN = frozenset({"001", "002", "003", "004", "005", "250", "251", "252", "253",
                          "254", "255", "265", "266", "331", "372", "375", "376"})


def echo_bot(host: str, port: int, *, name: str = BOT_NICK,
             channel: str = DEMO_CHANNEL) -> Client:
    """The README's echo bot: answers each PRIVMSG in ``channel`` with ``<nick> said: <text>``.

    Registers from a ``CLIENT_CONNECT`` handler and joins on
    ``RPL_WELCOME``, as the README shows; connect it with ``await
    bot.connect()``.  Flood control is off: it only ever talks to the
    embedded test server.
    """
    bot = Client(host, port, ssl=False, flood_control=False)

    @bot.on("client_connect")
    def register() -> None:
        bot.send("nick", nick=name)
        bot.send("user", nick=name, realname="bottom echo bot")

    @bot.on("rpl_welcome")
    def join() -> None:
        bot.send("join", channel=channel)

    @bot.on("privmsg")
    def echo(nick: str, target: str, message: str) -> None:
        if nick != name and equal(target, channel, bot.isupport.casemapping) \
                and not message.startswith("\x01"):
            bot.send("privmsg", target=target, message=f"{nick} said: {message}")

    return bot


async def _start_echo_bot(host: str, port: int, timeout: float,
                          debug: TextIO | None = None) -> Client:
    """An :func:`echo_bot`, connected and in its channel; ``debug``: trace it there."""
    bot = echo_bot(host, port)
    if debug is not None:
        trace(bot, debug)
    joined: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_join(nick: str) -> None:
        if nick == BOT_NICK and not joined.done():
            joined.set_result(None)

    bot.on("join", on_join)
    try:
        await bot.connect()
        await within(joined, timeout, f"waiting for {BOT_NICK} to join {DEMO_CHANNEL}")
    except BaseException:
        await bot.disconnect()
        raise
    return bot


async def run_demo(nick: str | None, timeout: float, debug: bool) -> None:
    """The demo, until the end of input or ``/quit``.

    :raises Fatal: when something fails or times out (said in words).
    """
    from ..testing import Server  # only the demo needs it: keep the other modes quick

    out, interactive = sys.stdout, sys.stdin is not None and sys.stdin.isatty()
    async with Server() as server:
        stream = sys.stderr if debug else None
        bot = await _start_echo_bot(server.host, server.port, timeout, stream)
        try:
            try:
                client = make_client({"host": server.host, "port": server.port, "ssl": False},
                                     nick=nick or DEMO_NICK, flood_control=False)
            except ValueError as exc:  # a --nick that cannot be sent
                raise Fatal(str(exc)) from None
            session = Session(client)
            terminal = Terminal(session, out, colour=wants_colour(out), hidden=_DEMO_HIDDEN)
            if stream is not None:
                trace(client, stream)
        except BaseException:
            await bot.disconnect()
            raise
        try:
            terminal.show("info", f"-- bottom demo: a test server on {server.host}:"
                                  f"{server.port}, {BOT_NICK} in {DEMO_CHANNEL}")
            if interactive:
                terminal.show("info", "-- type to talk; /help lists the commands, "
                                      "/quit leaves")
            await within(session.start(), timeout, session)
            await within(session.join(DEMO_CHANNEL), timeout, session)
            await converse(terminal, stdin_reader(),
                           answered_by=None if interactive else BOT_NICK, timeout=timeout)
        finally:
            await session.quit(terminal.quit_message)
            await bot.disconnect()
