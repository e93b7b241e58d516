"""The connection process: publish a Hub's events to Redis, send what workers ask.

A :class:`Gateway` taps every event of every client of a
:class:`~bottom.Hub` and appends it to the stream of its network
(``XADD ... MAXLEN ~ maxlen``, so streams stay bounded), and executes the
``send`` requests workers put on each network's command stream.  Redis
may go away: the IRC connections stay up, events wait in a bounded
buffer (the oldest are dropped first, counted and logged), and
publishing resumes, in order, when Redis answers again.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import os
import socket
from typing import Any

from ..hub import Hub
from ._connect import open_redis, redis_errors, retry_errors
from .mirror import StateMirror
from .records import Keys, RecordError, decode_command, encode_event

__all__ = ["Gateway"]

log = logging.getLogger("bottom.redis")

_BATCH = 500
_RETRY_MAX = 2.0


class Gateway:
    """Publishes ``hub``'s events to Redis and runs workers' sends.

    ``name``: this gateway's consumer name in the ``gateways`` group of the
    command streams (default host-pid).  ``maxlen``: approximate length
    bound of each event stream.  ``buffer``: events kept while Redis is
    unreachable.  ``mirror``: write each network's tracked state (from
    ``client.state`` when the client tracks state) into Redis hashes.

    Use ``async with Gateway(hub, url):``; the Hub is connected and
    disconnected by its own ``async with``.
    """

    def __init__(self, hub: Hub, url: str = "redis://127.0.0.1:6379/0", *,
                 name: str | None = None, maxlen: int = 100_000, buffer: int = 100_000,
                 prefix: str = "bottom", mirror: bool = True) -> None:
        if maxlen < 1 or buffer < 1:
            raise ValueError(f"maxlen and buffer must be >= 1, not {maxlen!r}, {buffer!r}")
        self.hub = hub
        self.url = url
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.maxlen = maxlen
        self.keys = Keys(prefix)
        #: events not yet in Redis: (number, stream key, fields)
        self._pending: collections.deque[tuple[int, str, dict[str, str]]] = \
            collections.deque(maxlen=buffer)
        self._numbers = itertools.count()
        #: events dropped because the buffer was full, in all
        self.dropped = 0
        self._dropped_reported = 0
        # (network, event) -> how many of them were dropped since the last report
        self._lost: collections.Counter[tuple[str, str]] = collections.Counter()
        self._wake = asyncio.Event()
        self._redis: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._mirror = StateMirror(self.keys) if mirror else None
        self._networks: set[str] = set()
        self._stopping = False

    async def __aenter__(self) -> Gateway:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Connect to Redis and start publishing and executing.

        :raises RedisUnavailable: when Redis does not answer now.
        """
        self._redis = await open_redis(self.url, key=self.keys.networks)
        if self.hub.clients:
            # Announce the networks now: workers started after this find them.
            self._networks.update(self.hub.clients)
            await self._redis.sadd(self.keys.networks, *self._networks)
        self.hub._add_listener(self._on_event)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._publish_forever()),
                       loop.create_task(self._execute_forever())]

    async def stop(self) -> None:
        """Stop the tasks, publish what Redis takes within 5 s, close Redis."""
        if self._on_event in self.hub._listeners:
            self.hub._remove_listener(self._on_event)
        # Let a blocked XREADGROUP return rather than cancel it: redis-py
        # can hang cancelling a blocking read.
        self._stopping = True
        if self._tasks:
            await asyncio.wait(self._tasks[1:], timeout=6.0)
        self._stopping = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._pending:
            try:
                await asyncio.wait_for(self._flush(), 5.0)
            except (asyncio.TimeoutError, *redis_errors()) as exc:  # type: ignore[misc]
                log.warning("gateway %s stopped with %d events not published: %s",
                            self.name, len(self._pending), exc)
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    # -- events -> Redis ------------------------------------------------------------

    def _on_event(self, network: str, event: str, kwargs: dict[str, Any]) -> None:
        """The Hub listener: queue the event (and state changes) for Redis."""
        if len(self._pending) == self._pending.maxlen:
            oldest = self._pending[0][2]  # the deque drops it on append
            self._lost[oldest["network"], oldest["event"]] += 1
            self.dropped += 1
        self._pending.append((next(self._numbers), self.keys.events(network),
                              encode_event(network, event, kwargs)))
        if self._mirror is not None:
            client = self.hub.clients.get(network)
            if client is not None:
                self._mirror.changed(network, client, event, kwargs)
        if network not in self._networks:
            self._networks.add(network)
        self._wake.set()

    async def _publish_forever(self) -> None:
        delay = 0.05
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
                delay = 0.05
            except redis_errors() as exc:
                log.warning("gateway %s: Redis unreachable, %d events buffered "
                            "(retry in %.2f s): %s", self.name, len(self._pending), delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
                self._wake.set()
            self._report_dropped()

    async def _flush(self) -> None:
        """XADD everything pending, in order, a pipeline per batch, with the
        state writes; an entry leaves the buffer only once Redis took it."""
        while True:
            batch = list(itertools.islice(self._pending, _BATCH))
            writes = self._mirror.take() if self._mirror is not None else {}
            if not batch and not writes:
                return
            pipe = self._redis.pipeline(transaction=False)
            if self._networks:
                # Every time, in the same round trip: a Redis that restarted
                # empty learns the networks again for workers to find.
                pipe.sadd(self.keys.networks, *self._networks)
            for _, key, fields in batch:
                pipe.xadd(key, fields, maxlen=self.maxlen, approximate=True)
            StateMirror.add_to(pipe, writes)
            try:
                await pipe.execute()
            except BaseException:
                if self._mirror is not None:
                    self._mirror.restore(writes)
                raise
            # Popped by number: a full buffer may have dropped some meanwhile.
            last = batch[-1][0] if batch else -1
            while self._pending and self._pending[0][0] <= last:
                self._pending.popleft()

    def _report_dropped(self) -> None:
        if self.dropped != self._dropped_reported:
            what = ", ".join(f"{count} {event} on {network}"
                             for (network, event), count in self._lost.most_common(10))
            more = len(self._lost) - 10
            log.warning("gateway %s dropped %d events (oldest first) while Redis was "
                        "unreachable: %s%s; the buffer holds %d", self.name,
                        self.dropped - self._dropped_reported, what,
                        f" and {more} more kinds" if more > 0 else "", self._pending.maxlen)
            self._dropped_reported = self.dropped
            self._lost.clear()

    # -- Redis -> IRC ---------------------------------------------------------------

    async def _execute_forever(self) -> None:
        delay = 0.05
        groups: set[str] = set()
        backlog = True  # first read our own unacknowledged commands ("0")
        recovering = False
        while not self._stopping:
            streams = {self.keys.commands(n): ("0" if backlog else ">")
                       for n in self.hub.clients}
            if not streams:
                await asyncio.sleep(0.5)
                continue
            try:
                for key in streams.keys() - groups:
                    await self._ensure_group(key, "0" if recovering else "$")
                    groups.add(key)
                recovering = False
                replies = await self._redis.xreadgroup(
                    "gateways", self.name, streams, count=_BATCH, block=1000)
                delay = 0.05
            except retry_errors() as exc:
                log.warning("gateway %s: cannot read commands (retry in %.2f s): %s",
                            self.name, delay, exc)
                groups.clear()
                recovering = True  # Redis may be back empty: read new streams whole
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
                continue
            if backlog and not any(entries for _, entries in replies or ()):
                backlog = False
            for stream, entries in replies or ():
                key = stream.decode() if isinstance(stream, bytes) else stream
                await self._execute(key, entries)

    async def _ensure_group(self, key: str, start: str) -> None:
        import redis.exceptions
        try:
            await self._redis.xgroup_create(key, "gateways", id=start, mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _execute(self, key: str, entries: list[tuple[Any, Any]]) -> None:
        network = key[len(self.keys.commands("")):]
        client = self.hub.clients.get(network)
        ids = []
        for raw_id, fields in entries:
            entry = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
            ids.append(entry)
            if not fields:
                continue  # trimmed away while pending
            try:
                command = decode_command(fields, key=key, entry=entry)
                if client is None:
                    raise LookupError(f"no client named {network!r} in this gateway's Hub")
                if command.raw is not None:
                    client.send_raw(command.raw)
                else:
                    client.send(command.command, tags=command.tags, **command.kwargs)
            except (RecordError, LookupError, ValueError, RuntimeError) as exc:
                log.error("gateway %s: command %s %s not sent: %s", self.name, key, entry, exc)
        if ids:
            await self._redis.xack(key, "gateways", *ids)
