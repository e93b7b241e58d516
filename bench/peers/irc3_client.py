"""``irc3``: an ``IrcBot`` with the core plugin and one PRIVMSG event.

irc3 matches each line against the regular expressions of the events
registered; a plain handler is run through ``loop.call_soon``, a
coroutine handler as one Task per line.  irc3 passes every group of the
event's expression by name, so a handler takes them all: ``named`` is
``def h(mask, event, target, data, tags=None)``, ``kwargs`` is ``def
h(**kwargs)``, and there is no ``message`` form (``def h(data)`` would
fail on the other names).  No public line parser: irc3
parses by matching those expressions, so ``parse`` reports that.
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from typing import Any

import harness
import irc3
from harness import HOST, Counter, Options


def _bot(port: int, nick: str) -> Any:
    return irc3.IrcBot(nick=nick, host=HOST, port=port, ssl=False, level="ERROR",
                       includes=["irc3.plugins.core"], loop=asyncio.get_running_loop())


async def _blast(port: int, counter: Counter, handler: Any) -> None:
    bot = _bot(port, "bench")
    bot.attach_events(irc3.event(irc3.rfc.PRIVMSG, handler))
    counter.start()  # the connection sends USER and NICK, which start the blast
    bot.create_connection()
    await counter.wait()
    bot.protocol.closed = True  # a closed protocol does not reconnect
    bot.protocol.transport.close()


async def sync(port: int, counter: Counter, options: Options) -> None:
    def by_names(mask: Any, event: Any, target: Any, data: Any, tags: Any = None) -> None:
        counter.hit()

    def by_kwargs(**kwargs: Any) -> None:
        counter.hit()

    await _blast(port, counter, by_names if options.form == "named" else by_kwargs)


async def async_(port: int, counter: Counter, options: Options) -> None:
    async def by_names(mask: Any, event: Any, target: Any, data: Any, tags: Any = None) -> None:
        counter.hit()

    async def by_kwargs(**kwargs: Any) -> None:
        counter.hit()

    await _blast(port, counter, by_names if options.form == "named" else by_kwargs)


async def memory(port: int, clients: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    held = []
    for first in range(0, clients, 100):
        batch = []
        for i in range(first, min(first + 100, clients)):
            bot = _bot(port, harness.memory_nick(i))
            welcomed = loop.create_future()
            bot.attach_events(irc3.event(
                irc3.rfc.CONNECTED,
                lambda welcomed=welcomed, **kwargs: welcomed.done() or welcomed.set_result(None)))
            bot.create_connection()
            batch.append((bot, welcomed))
        await asyncio.wait_for(asyncio.gather(*(welcomed for _, welcomed in batch)), 60)
        held += [bot for bot, _ in batch]
    return held


if __name__ == "__main__":
    harness.main("irc3", version("irc3"), sync=sync, async_=async_,
                 forms=("named", "kwargs"), memory=memory,
                 notes="IrcBot + irc3.plugins.core; sync handlers via call_soon")
