"""Helpers for driving bottom clients against the real servers in this folder.

Every test here works the same way: make a few registered clients with
:class:`ClientPool`, act, and await what the other side receives through
:class:`EventLog`.  The log records every event from the moment the client is
made, so a test never races an event that arrived before it started waiting,
and a timeout reports what *did* arrive, which is usually the whole story.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import bottom
from bottom.events import EVENT_KWARGS, NUMERICS, canonical_event

from .servers import RealServer

__all__ = [
    "EVENT_TIMEOUT_SECONDS",
    "Bot",
    "ClientPool",
    "EventLog",
    "Record",
    "register",
    "unique_channel",
    "unique_nick",
]

EVENT_TIMEOUT_SECONDS = 30.0
"""Safety net for every wait: inspircd takes ~1 s per registration and fake-lags
a client that sent more than ~10 commands, so anything shorter risks flakiness."""

NICKLEN = 9
"""ngircd's NICKLEN; inspircd allows 30, so nicks this short work on both."""

LOCAL_EVENTS = (
    "CLIENT_CONNECT",
    "CLIENT_DISCONNECT",
    "CLIENT_READY",
    "CLIENT_REGISTRATION_FAILED",
    "CTCP",
)

_serial = itertools.count(1)

T = TypeVar("T")


def unique_nick(role: str) -> str:
    """A nick no other client of this test run uses, at most 9 characters.

    Unique per process: a nick still held by an earlier test's session (or a
    server slow to notice a close) would send the client to a fallback nick
    and make the test's expectations wrong.
    """
    nick = f"{role[:5]}{next(_serial):04d}"
    assert len(nick) <= NICKLEN, nick
    return nick


def unique_channel(role: str) -> str:
    """A fresh channel name: its first joiner becomes channel operator."""
    return f"#bt-{role}-{next(_serial)}"


@dataclass(frozen=True)
class Record:
    """One event as a handler received it."""

    event: str
    kwargs: dict[str, Any]
    at: float
    """`time.monotonic()` when the handler ran."""

    def matches(self, event: str, expected: dict[str, Any]) -> bool:
        """True for `event` whose kwargs include every `expected` item.

        An expected value that is callable is a predicate on the actual value.
        """
        return self.event == event and all(
            key in self.kwargs
            and (value(self.kwargs[key]) if callable(value) else self.kwargs[key] == value)
            for key, value in expected.items()
        )


class EventLog:
    """Every event one client triggers, in order, with awaitable queries.

    Handlers are registered for every named event bottom knows (commands,
    numerics, local events) plus `extra_events`, so a failure message can show
    the whole conversation.  Waits look at the past too: a reply that arrived
    before the wait began still counts, unless `since` excludes it.
    """

    def __init__(self, client: bottom.Client, extra_events: Iterable[str] = ()) -> None:
        self.client = client
        self.records: list[Record] = []
        self._changed = asyncio.Event()
        names = {*EVENT_KWARGS, *NUMERICS.values(), *LOCAL_EVENTS, *extra_events}
        for name in sorted({canonical_event(name) for name in names}):
            client.on(name, functools.partial(self._record, name))

    def _record(self, event_name: str, /, **kwargs: Any) -> None:
        self.records.append(Record(event_name, kwargs, time.monotonic()))
        self._changed.set()

    def mark(self) -> int:
        """A position to pass as `since`: later waits ignore what came before."""
        return len(self.records)

    def all(self, event: str, *, since: int = 0, **expected: Any) -> list[dict[str, Any]]:
        """The kwargs of every recorded `event` (after `since`) that match `expected`."""
        name = canonical_event(event)
        return [record.kwargs for record in self.records[since:] if record.matches(name, expected)]

    def times(self, event: str, *, since: int = 0, **expected: Any) -> list[float]:
        """When each matching `event` (after `since`) arrived, in `time.monotonic()`."""
        name = canonical_event(event)
        return [record.at for record in self.records[since:] if record.matches(name, expected)]

    async def wait(
        self,
        event: str,
        *,
        since: int = 0,
        timeout: float = EVENT_TIMEOUT_SECONDS,
        **expected: Any,
    ) -> dict[str, Any]:
        """The first `event` after `since` whose kwargs include `expected`."""
        return (await self.wait_count(event, 1, since=since, timeout=timeout, **expected))[0]

    async def wait_count(
        self,
        event: str,
        count: int,
        *,
        since: int = 0,
        timeout: float = EVENT_TIMEOUT_SECONDS,
        **expected: Any,
    ) -> list[dict[str, Any]]:
        """The first `count` matching `event`s after `since`, once that many arrived."""

        def enough() -> list[dict[str, Any]] | None:
            found = self.all(event, since=since, **expected)
            return found[:count] if len(found) >= count else None

        described = f"{count} x {canonical_event(event)} with {expected or 'any kwargs'}"
        return await self.wait_until(enough, described, timeout)

    async def wait_until(
        self,
        condition: Callable[[], T | None],
        described: str,
        timeout: float = EVENT_TIMEOUT_SECONDS,
    ) -> T:
        """Await the first truthy `condition()`, re-checked after every event."""

        async def poll() -> T:
            while True:
                result = condition()
                if result:
                    return result
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(poll(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(
                f"{self.client.nick}: no {described} within {timeout:g} s; "
                f"events so far:\n{self.transcript()}"
            ) from None

    def transcript(self, last: int = 60) -> str:
        """The last `last` events, one a line, for failure messages."""
        lines = [
            f"  {record.event} {_without_tags(record.kwargs)}" for record in self.records[-last:]
        ]
        skipped = len(self.records) - len(lines)
        if skipped > 0:
            lines.insert(0, f"  ... {skipped} earlier events")
        return "\n".join(lines) or "  (none)"


def _without_tags(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Tags (server-time, msgid) are noise in a transcript."""
    return {key: value for key, value in kwargs.items() if key != "tags"}


@dataclass
class Bot:
    """A client and its event log."""

    client: bottom.Client
    events: EventLog

    @property
    def nick(self) -> str:
        """The client's current nick (always set: every bot here registers)."""
        nick = self.client.nick
        assert nick is not None
        return nick

    def send(self, command: str, **kwargs: Any) -> asyncio.Future[None]:
        """`client.send`, not awaited by most callers: flood control paces it."""
        return self.client.send(command, **kwargs)

    async def join(self, channel: str) -> dict[str, Any]:
        """Join and return our own JOIN echo (which carries our user and host)."""
        since = self.events.mark()
        self.send("join", channel=channel)
        return await self.events.wait("JOIN", since=since, nick=self.nick, channel=channel)


class ClientPool:
    """Makes bots and disconnects every one of them at the end of the test."""

    def __init__(self) -> None:
        self.bots: list[Bot] = []

    def make(
        self,
        server: RealServer,
        role: str,
        *,
        host: str | None = None,
        port: int | None = None,
        **options: Any,
    ) -> Bot:
        """A registering client (unique nick, plain TCP unless `ssl=` says otherwise)."""
        options.setdefault("ssl", False)
        options.setdefault("nick", unique_nick(role))
        client = bottom.Client(host or server.host, port or server.port, **options)
        bot = Bot(client, EventLog(client))
        self.bots.append(bot)
        return bot

    async def close(self) -> None:
        """Disconnect every bot (idempotent in bottom), even if one fails."""
        results = await asyncio.gather(
            *(bot.client.disconnect() for bot in self.bots), return_exceptions=True
        )
        errors = [result for result in results if isinstance(result, BaseException)]
        if errors:
            raise errors[0]


async def register(*bots: Bot) -> list[dict[str, Any]]:
    """Connect the bots concurrently and return their CLIENT_READY kwargs.

    Concurrent on purpose: inspircd registers clients on a once-a-second tick,
    so two clients connected together cost one second, not two.  A client
    whose registration ends in CLIENT_DISCONNECT fails the test at once.
    """
    marks = [bot.events.mark() for bot in bots]
    await asyncio.gather(*(bot.client.connect() for bot in bots))

    async def ready(bot: Bot, since: int) -> dict[str, Any]:
        def outcome() -> dict[str, Any] | None:
            for record in bot.events.records[since:]:
                if record.event in ("CLIENT_READY", "CLIENT_DISCONNECT"):
                    return {"event": record.event, **record.kwargs}
            return None

        result = await bot.events.wait_until(outcome, "CLIENT_READY")
        assert result.pop("event") == "CLIENT_READY", (
            f"{bot.nick} did not register: {result}\n{bot.events.transcript()}"
        )
        return result

    waits = (ready(bot, mark) for bot, mark in zip(bots, marks, strict=True))
    return list(await asyncio.gather(*waits))
