"""The two modes that talk to a real server: the terminal client and ``send``.

Both drive a :class:`bottom.Client` made by :func:`make_client` from the
keywords :func:`bottom.cli.endpoints.client_kwargs` mapped the URL,
``--proxy`` and ``--bind`` to.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping
from typing import Any

from ..client import Client
from ..errors import InvalidMessage
from .debug import trace
from .display import wants_colour
from .lines import converse, stdin_reader
from .session import Fatal, Session, within
from .terminal import Terminal
from .urls import IrcUrl

__all__ = ["REALNAME", "Unsupported", "make_client", "run_client", "run_send"]

REALNAME = "bottom command line"
# What the user wrote that needs each keyword, for "this bottom cannot" errors.
_ASKED_BY = {"proxy": "--proxy", "local_addr": "--bind",
             "transport": "a ws:// or wss:// URL", "url": "a ws:// or wss:// URL"}


class Unsupported(Exception):
    """The installed :class:`bottom.Client` lacks a keyword the command line needs."""


def make_client(where: Mapping[str, Any], *, nick: str, password: str | None = None,
                client_class: type[Client] | None = None, **options: Any) -> Client:
    """A client that registers as ``nick``, connecting as ``where`` says
    (``host``, ``port``, ``ssl``, maybe ``proxy``, ``local_addr``, ``transport``).

    :raises Unsupported: naming the option, when ``client_class`` has no
        keyword for it (a bottom older than that feature).
    :raises ValueError: (:class:`~bottom.InvalidMessage`) for a nick or
        password that cannot be sent; the message names the keyword.
    """
    if client_class is None:
        client_class = Client  # looked up now: a test may stand in an older one
    parameters = inspect.signature(client_class).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for keyword in where:
        if keyword not in parameters and not takes_any:
            raise Unsupported(
                f"{_ASKED_BY.get(keyword, keyword)} needs Client({keyword}=...), which this "
                f"bottom ({client_class.__module__}) does not have yet")
    try:
        return client_class(**where, nick=nick, password=password, realname=REALNAME,
                            **options)
    except TypeError as exc:  # a keyword refused although the signature has it
        raise Unsupported(f"this bottom cannot connect that way: {exc}") from None
    except InvalidMessage as exc:
        # The client's message names the keyword ("nick=", "password=<hidden>").
        option = "--password" if "password=" in str(exc) else "--nick"
        raise ValueError(f"{option}: {exc}") from None


async def run_client(client: Client, url: IrcUrl, *, timeout: float, debug: bool) -> None:
    """The terminal client against ``url``'s server, until the end of input or ``/quit``."""
    out = sys.stdout
    session = Session(client)
    terminal = Terminal(session, out, colour=wants_colour(out))
    if debug:
        trace(client, sys.stderr)
    where = url.websocket or f"{session.where}{' (TLS)' if url.tls else ''}"
    terminal.show("info", f"-- connecting to {where}; /help lists the commands")
    try:
        await within(session.start(), timeout, session)
        if url.target is not None and url.is_channel:
            try:
                await within(session.join(url.target), timeout, session)
            except Fatal as exc:
                terminal.show("error", f"!! {exc}")
        elif url.target is not None:
            terminal.current = url.target
            terminal.show("info", f"-- talking to {url.target}")
        await converse(terminal, stdin_reader())
    finally:
        # Every line typed (or piped) goes out, however long flood control takes.
        await session.quit(terminal.quit_message, flush_timeout=None)


async def run_send(client: Client, url: IrcUrl, text: str, *, timeout: float, debug: bool,
                   notice: bool = False) -> None:
    """Register, join ``url``'s channel (if it names one), deliver ``text`` and quit.

    :raises Fatal: unless the server accepted the message.
    """
    target = url.target
    if target is None:
        raise Fatal(f"no channel or nick to send to in {url}")
    session = Session(client)
    if debug:
        trace(client, sys.stderr)

    async def steps() -> None:
        await session.start()
        if url.is_channel:
            await session.join(target)
        await session.deliver(target, text, notice=notice)

    try:
        await within(steps(), timeout, session)
    finally:
        await session.quit()
