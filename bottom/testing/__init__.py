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

The package: :mod:`.server` (the listener and its channels), :mod:`.connection`
(one client: hooks for tests, the line loop), :mod:`.wire` (reply formatting),
and one module per area of commands (:mod:`.registration`, :mod:`.channels`,
:mod:`.modes`, :mod:`.messages`, :mod:`.users`, :mod:`.who`, :mod:`.history`,
:mod:`.requests`), each registering its handlers
with :func:`.commands.handles`.  To teach the server a new command, add a
function decorated with ``@handles("NAME", min_params)`` to the module of its
area (or a new module imported below).
"""

from __future__ import annotations

# Importing an area module registers its command handlers.
from . import channels, history, messages, modes, registration, requests, users, who  # noqa: F401
from .connection import ServerConnection
from .server import DEFAULT_CAPS, DEFAULT_ISUPPORT, DEFAULT_MOTD, Server, main

__all__ = ["DEFAULT_CAPS", "DEFAULT_ISUPPORT", "DEFAULT_MOTD", "Server", "ServerConnection", "main"]
