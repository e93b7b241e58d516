"""Ask the server and await the answer: ``client.request`` and its helpers.

:class:`RequestTracker` joins the pure :class:`~bottom.correlator.Correlator`
to futures and timers; :class:`RequestsMixin` gives the Client
``request``, ``whois``, ``who``, ``names``, ``join``, ``part`` and
``chathistory``.  The Client feeds the tracker every server line while a
request waits (one truth test per line otherwise) and calls
:meth:`RequestTracker.connection_lost` when the connection goes.

Answer lines still fire their ordinary events first; the request's future
is resolved after them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import chathistory as _history
from .channel import User
from .commands import check_raw_line, serialize
from .correlator import Correlator, Pending, spec_for
from .errors import NotConnected, RequestTimeout
from .message import Message
from .replies import WHOX_FIELDS, WHOX_TOKEN, Reply, Whois, names_from, who_users, whois_from

if TYPE_CHECKING:
    from .isupport import ISupport

__all__ = ["RequestTracker", "RequestsMixin", "DEFAULT_TIMEOUT"]

log = logging.getLogger("bottom.requests")

#: Seconds a request waits for its answer unless ``timeout=`` says otherwise.
DEFAULT_TIMEOUT = 30.0
_LABELS = itertools.count(1)


class RequestTracker:
    """The requests in flight on one client, across its connections."""

    __slots__ = ("correlator", "_futures", "_locks", "_timers")

    def __init__(self, fold: Callable[[str], str], me: Callable[[], str | None]) -> None:
        self.correlator = Correlator(fold, me)
        self._futures: dict[Pending, asyncio.Future[Reply]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Timed-out requests whose late answer is still swallowed, until this fires.
        self._timers: dict[Pending, asyncio.TimerHandle] = {}

    def lock(self, family: str) -> asyncio.Lock:
        lock = self._locks.get(family)
        if lock is None:
            lock = self._locks[family] = asyncio.Lock()
        return lock

    def start(self, msg: Message, label: str | None, chantypes: str) -> tuple[
            Pending, asyncio.Future[Reply]]:
        pending = self.correlator.start(msg, label, chantypes)
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._futures[pending] = future
        return pending, future

    def feed(self, msg: Message) -> None:
        """One server line (only needed while ``correlator.active``)."""
        done = self.correlator.feed(msg)
        if done is None:
            return
        future = self._futures.pop(done, None)
        timer = self._timers.pop(done, None)
        if timer is not None:
            timer.cancel()
        if done.expired:
            log.info("late answer to %s %s dropped (%d lines): it had timed out",
                     done.command, done.key or "", len(done.messages))
            return
        if future is None or future.done():
            return
        if done.error is not None:
            done.error.reply = Reply.of(done.messages)
            future.set_exception(done.error)
        else:
            future.set_result(Reply.of(done.messages))

    def expire(self, pending: Pending, grace: float) -> None:
        """``pending`` timed out: swallow its late answer for ``grace`` seconds."""
        self._futures.pop(pending, None)
        pending.expired = True
        loop = asyncio.get_running_loop()
        self._timers[pending] = loop.call_later(grace, self.forget, pending)

    def forget(self, pending: Pending) -> None:
        self.correlator.discard(pending)
        self._futures.pop(pending, None)
        timer = self._timers.pop(pending, None)
        if timer is not None:
            timer.cancel()

    def connection_lost(self, reason: str) -> None:
        """Fail every waiting request: its answer can no longer come."""
        self.correlator.clear()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        futures, self._futures = self._futures, {}
        for pending, future in futures.items():
            if not future.done():
                future.set_exception(NotConnected(
                    f"{pending.command} got no answer: the connection closed ({reason})"))
                future.exception()  # retrieved: the awaiting request raises it


class RequestsMixin:
    """``request`` and the typed helpers; mixed into :class:`bottom.Client`."""

    __slots__ = ()

    if TYPE_CHECKING:  # provided by the Client
        encoding: str
        host: str
        port: int
        _requests: RequestTracker | None

        @property
        def caps(self) -> frozenset[str]: ...
        @property
        def isupport(self) -> ISupport: ...
        @property
        def nick(self) -> str | None: ...
        @property
        def prefix_reserve(self) -> int: ...
        def _write(self, lines: list[str], command: str) -> asyncio.Future[None]: ...

    def _request_tracker(self) -> RequestTracker:
        tracker = self._requests
        if tracker is None:
            tracker = self._requests = RequestTracker(  # type: ignore[misc]
                lambda name: self.isupport.fold(name), lambda: self.nick)
        return tracker

    async def request(self, command: str, *, timeout: float = DEFAULT_TIMEOUT,
                      tags: Mapping[str, str | None] | None = None, **kwargs: Any) -> Reply:
        """Send ``command`` (kwargs as for ``send``) and return its whole answer.

        With ``labeled-response`` enabled the answer is the lines carrying
        our label; otherwise a table of reply/end numerics decides, and
        requests of the same kind (two WHOIS) go one after the other.

        :raises CommandError: the server answered with an error numeric or FAIL.
        :raises RequestTimeout: no complete answer within ``timeout`` seconds.
        :raises NotConnected: not connected, or the connection closed first.
        :raises ValueError: bad kwargs; or a command whose answer cannot be
            recognised without ``labeled-response`` (``PRIVMSG``).
        """
        if not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        label = f"b{next(_LABELS)}" if "labeled-response" in self.caps else None
        all_tags = {**(tags or {}), "label": label} if label is not None else tags
        lines = serialize(command, kwargs, tags=all_tags, encoding=self.encoding,
                          prefix_reserve=self.prefix_reserve)
        if len(lines) != 1:
            raise ValueError(f"{command.upper()} would be sent as {len(lines)} lines; "
                             "a request must be one line")
        return await self._request_line(lines[0], label, timeout)

    async def _request_raw(self, line: str, timeout: float) -> Reply:
        """Request with a line built by hand (checked by the caller): for
        commands ``send()`` has no form for (WHOX, CHATHISTORY)."""
        label = f"b{next(_LABELS)}" if "labeled-response" in self.caps else None
        if label is not None:
            line = f"@label={label} {line}"
        return await self._request_line(line, label, timeout)

    async def _request_line(self, line: str, label: str | None, timeout: float) -> Reply:
        lines = [line]
        msg = Message.parse(line)
        name = msg.command
        chantypes = self.isupport.chantypes
        spec = spec_for(msg, chantypes)
        if label is None and spec is None:
            raise ValueError(
                f"{name} has no answer bottom can recognise without the labeled-response "
                "capability; use send() and wait() for it")
        tracker = self._request_tracker()
        if label is not None:
            return await self._ask(tracker, msg, lines, label, timeout, chantypes)
        assert spec is not None
        async with tracker.lock(spec.family):
            return await self._ask(tracker, msg, lines, None, timeout, chantypes)

    async def _ask(self, tracker: RequestTracker, msg: Message, lines: list[str],
                   label: str | None, timeout: float, chantypes: str) -> Reply:
        pending, future = tracker.start(msg, label, chantypes)
        try:
            self._write(lines, msg.command)
        except BaseException:
            tracker.forget(pending)
            raise
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            if pending.error is not None:  # e.g. 401 whose 318 never came
                tracker.forget(pending)
                raise pending.error from None
            tracker.expire(pending, timeout)
            raise RequestTimeout(
                f"{msg.command} got no complete answer within {timeout:g} s "
                f"({len(pending.messages)} line(s) so far)",
                command=msg.command, timeout=timeout) from None
        except asyncio.CancelledError:
            tracker.forget(pending)
            raise

    async def whois(self, nick: str, *, timeout: float = DEFAULT_TIMEOUT) -> Whois:
        """WHOIS ``nick`` -> :class:`bottom.Whois`.

        :raises CommandError: ``ERR_NOSUCHNICK`` (401) and the like.
        """
        reply = await self.request("WHOIS", mask=nick, timeout=timeout)
        return whois_from(nick, reply.events, "".join(self.isupport.prefix.values()))

    async def who(self, mask: str, *, timeout: float = DEFAULT_TIMEOUT) -> list[User]:
        """WHO ``mask`` (WHOX when the server has it) -> one :class:`bottom.User`
        per user, with ``username``, ``host``, ``realname``, ``away`` and,
        with WHOX, ``account``.  For the raw rows (server, flags), read
        ``reply.events`` of ``client.request("who", ...)``."""
        if "WHOX" in self.isupport:
            # send() has no form for WHOX's second parameter: build the line.
            line = check_raw_line(f"WHO {mask} {WHOX_FIELDS},{WHOX_TOKEN}", self.encoding)
            if " " in mask or not mask:
                raise ValueError(f"WHO mask must be one word, not {mask!r}")
            reply = await self._request_raw(line, timeout)
        else:
            reply = await self.request("WHO", mask=mask, timeout=timeout)
        return who_users(reply.events)

    async def names(self, channel: str, *,
                    timeout: float = DEFAULT_TIMEOUT) -> dict[str, set[str]]:
        """NAMES ``channel`` -> nick -> prefix modes (``{"alice": {"o"}}``)."""
        reply = await self.request("NAMES", channel=channel, timeout=timeout)
        modes = {symbol: mode for mode, symbol in self.isupport.prefix.items()}
        return names_from(reply.events, modes)

    async def join(self, channel: str, key: str | None = None, *,
                   timeout: float = DEFAULT_TIMEOUT) -> Any:
        """JOIN ``channel``; returns once the server sent the member list.

        Returns the tracked ``bottom.Channel`` when state tracking is on,
        else None.

        :raises CommandError: 471/473/474/475 (full, invite only, banned,
            bad key), 403 and the other join errors.
        """
        if "," in channel:
            raise ValueError(f"join() takes one channel, not {channel!r}; use "
                             "send('join', channel=[...]) for several")
        kwargs: dict[str, Any] = {"channel": channel}
        if key is not None:
            kwargs["key"] = key
        await self.request("JOIN", timeout=timeout, **kwargs)
        state = getattr(self, "state", None)  # None when tracking is off
        return state.channels.get(channel) if state is not None else None

    async def part(self, channel: str, message: str | None = None, *,
                   timeout: float = DEFAULT_TIMEOUT) -> None:
        """PART ``channel``; returns once the server echoed it.

        :raises CommandError: 403 or 442 (not on that channel).
        """
        kwargs: dict[str, Any] = {"channel": channel}
        if message is not None:
            kwargs["message"] = message
        await self.request("PART", timeout=timeout, **kwargs)


    async def chathistory(self, target: str, *, before: _history.Reference | None = None,
                          after: _history.Reference | None = None,
                          around: _history.Reference | None = None,
                          between: tuple[_history.Reference, _history.Reference] | None = None,
                          latest: _history.Reference | None = None, limit: int | None = None,
                          timeout: float = DEFAULT_TIMEOUT) -> list[Message]:
        """IRCv3 ``draft/chathistory`` of ``target`` -> its lines, oldest first.

        One of ``before``/``after``/``around``/``latest`` (a datetime, a
        Message or a msgid) or ``between`` (a pair); none: the latest
        messages.  ``limit`` defaults to the server's maximum.  See
        :mod:`bottom.chathistory`.

        :raises CapabilityNotEnabled: the connection has no ``draft/chathistory``
            (or ``batch``); the message says why.
        :raises CommandError: ``FAIL CHATHISTORY <code>`` (``.name`` is the code).
        """
        return await _history.fetch(self, target, before=before, after=after, around=around,
                                    between=between, latest=latest, limit=limit,
                                    timeout=timeout)

    async def chathistory_targets(self, start: datetime, end: datetime, *,
                                  limit: int | None = None,
                                  timeout: float = DEFAULT_TIMEOUT
                                  ) -> list[tuple[str, datetime]]:
        """``CHATHISTORY TARGETS``: the channels and nicks with history
        between ``start`` and ``end`` (aware datetimes), as ``(name, time of
        the latest message)``, in the server's order."""
        return await _history.fetch_targets(self, start, end, limit=limit, timeout=timeout)
