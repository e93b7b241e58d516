"""A pytest fixture for bottom's test-double IRC server (:mod:`bottom.testing`).

Enable it in your ``conftest.py``::

    pytest_plugins = ["bottom.pytest_plugin"]

Then ask for ``irc_server`` in an async test (needs pytest-asyncio)::

    async def test_bot_says_hello(irc_server):
        bot = bottom.Client(irc_server.host, irc_server.port, ssl=False, nick="bot")
        await bot.connect()
        conn = await irc_server.wait_for_connection()
        await conn.wait_registered()
        conn.send_line(":alice!a@127.0.0.1 PRIVMSG bot :hi")
        reply = await conn.wait_for_line("PRIVMSG")

Each test gets a fresh, started :class:`~bottom.testing.Server` on
127.0.0.1 with a free port; it is closed (with every connection) after
the test.  For other settings (``accounts=``, ``auto_respond=False``...)
make your own: ``async with Server(...) as server:``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .testing import Server

__all__ = ["irc_server"]


@pytest_asyncio.fixture
async def irc_server() -> AsyncIterator[Server]:
    """A started :class:`~bottom.testing.Server`, closed after the test."""
    async with Server() as server:
        yield server
