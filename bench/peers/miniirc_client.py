"""``miniirc``: threads, not asyncio; an ``IRC`` with one PRIVMSG handler.

miniirc reads the socket in its own thread and, by default, starts a new
thread per handler call, which is what is measured (``sync``; it has no
coroutine handlers).  ``handler(irc, hostmask, args)`` is its only
handler shape (``native`` for every form).  ``parse``: ``miniirc.ircv3_message_parser``.
"""

from __future__ import annotations

import threading
from importlib.metadata import version
from typing import Any

import harness
import miniirc
from harness import HOST, Counter, Options


def _irc(port: int, nick: str) -> Any:
    return miniirc.IRC(HOST, port, nick, ssl=False, persist=False, auto_connect=False,
                       ping_interval=600)


def sync(port: int, counter: Counter, options: Options) -> None:
    irc = _irc(port, "bench")
    lock = threading.Lock()  # handlers run in many threads at once

    @irc.Handler("PRIVMSG", colon=False)
    def on_privmsg(irc: Any, hostmask: Any, args: list[str]) -> None:
        with lock:
            counter.hit()

    counter.start()  # connect() sends CAP LS, USER and NICK, which start the blast
    irc.connect()
    harness.wait_thread(counter)
    irc.disconnect()


def parse(lines: list[str]) -> None:
    for line in lines:
        miniirc.ircv3_message_parser(line)


def memory(port: int, clients: int) -> list[Any]:
    held = []
    for first in range(0, clients, 100):
        welcomed = []
        for i in range(first, min(first + 100, clients)):
            irc = _irc(port, harness.memory_nick(i))
            ready = threading.Event()
            irc.Handler("001", colon=False)(lambda irc, hostmask, args, ready=ready: ready.set())
            irc.connect()
            held.append(irc)
            welcomed.append(ready)
        for ready in welcomed:
            if not ready.wait(60):
                raise TimeoutError("a miniirc client got no 001 within 60 s")
    return held


if __name__ == "__main__":
    harness.main("miniirc", version("miniirc"), sync=sync, parse=parse, memory=memory,
                 notes="threaded (not asyncio): a thread per handler call")
