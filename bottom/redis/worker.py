"""A worker process: the bot's handlers, fed from Redis Streams.

A :class:`Worker` reads the event stream of every network through a
consumer group (``group``; every worker of a bot uses the same one, so
each event goes to one of them), runs the ``@worker.on(...)`` handlers
with the kwargs the in-process handlers get plus ``network=``, and
acknowledges an event only after all its handlers finished.  Events a
worker took but never acknowledged (it died, or lost Redis) are claimed
by another worker once they have been idle ``claim_after`` seconds
(XAUTOCLAIM).  So delivery is **at-least-once**: a handler may see an
event twice, never zero times while the event is in the stream.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import socket
import time
from collections.abc import Iterable
from typing import Any

from ..casemap import casefold
from ..commands import check_raw_line, serialize
from ..dispatch import Dispatcher
from ._connect import open_redis, redis_errors, retry_errors
from .records import (
    Command,
    Keys,
    MirroredChannel,
    MirroredUser,
    RecordError,
    RedisUnavailable,
    decode_channel,
    decode_event,
    decode_user,
    encode_command,
)

__all__ = ["Worker"]

log = logging.getLogger("bottom.redis")

_RETRY_MAX = 2.0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Worker(Dispatcher):
    """Runs handlers for events a :class:`~bottom.redis.Gateway` publishes.

    ``group``: the consumer group (one per bot).  ``name``: this worker in
    the group (default host-pid).  ``networks``: the networks to follow
    (default: every network a gateway announced, followed as they appear).
    ``claim_after``: seconds an unacknowledged event waits before another
    worker takes it over; keep it above your slowest handler.  A group
    gets the events published after it was created.

    ``await worker.run()`` runs until cancelled; ``async with worker:``
    runs it in the background.
    """

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, group: str = "bots",
                 name: str | None = None, networks: Iterable[str] | None = None,
                 claim_after: float = 30.0, batch: int = 100, prefix: str = "bottom") -> None:
        super().__init__()
        if not claim_after > 0 or batch < 1:
            raise ValueError(f"claim_after must be > 0 s and batch >= 1, not "
                             f"{claim_after!r}, {batch!r}")
        self.url = url
        self.group = group
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.claim_after = float(claim_after)
        self.batch = batch
        self.keys = Keys(prefix)
        self._fixed = None if networks is None else set(networks)
        self.networks: set[str] = set()
        self._groups: set[str] = set()
        self._recovering = False
        self._stopping = False
        self._block_ms = int(min(1.0, self.claim_after / 2) * 1000)
        self._redis: Any = None
        self._outbox: collections.deque[tuple[str, dict[str, str], asyncio.Future[None]]] = \
            collections.deque()
        self._outbox_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._seen_at = 0.0
        self._claimed_at = 0.0

    # -- lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> Worker:
        await self._open()
        self._tasks.append(asyncio.get_running_loop().create_task(
            self._serve(), name="bottom-worker-serve"))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._close()

    async def run(self) -> None:
        """Read and handle events until cancelled.

        :raises RedisUnavailable: when Redis does not answer at the start;
            later outages are logged and retried.
        """
        await self._open()
        try:
            await self._serve()
        finally:
            await self._close()

    async def _open(self) -> None:
        self._redis = await open_redis(self.url, key=self.keys.networks)
        await self._discover()
        self._tasks.append(asyncio.get_running_loop().create_task(self._send_forever()))

    async def _close(self) -> None:
        # Let a blocked XREADGROUP return rather than cancel it: redis-py
        # can hang cancelling a blocking read.
        self._stopping = True
        serving = [t for t in self._tasks if t.get_name() == "bottom-worker-serve"]
        if serving:
            await asyncio.wait(serving, timeout=self._block_ms / 1000 + 5.0)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._stopping = False
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def _discover(self) -> None:
        """Follow new networks; (re)create the group on each stream."""
        self._seen_at = time.monotonic()
        if self._fixed is not None:
            self.networks = set(self._fixed)
        else:
            names = await self._redis.smembers(self.keys.networks)
            self.networks = {_text(n) for n in names} - {""}
        import redis.exceptions
        # After a Redis restart without its data the streams are new: read
        # them from the start, or events published before we noticed are lost.
        start = "0" if self._recovering else "$"
        for network in self.networks:
            key = self.keys.events(network)
            if key in self._groups:
                continue
            try:
                await self._redis.xgroup_create(key, self.group, id=start, mkstream=True)
            except redis.exceptions.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
            self._groups.add(key)
        self._recovering = False

    # -- events ---------------------------------------------------------------------

    async def _serve(self) -> None:
        delay = 0.05
        while not self._stopping:
            try:
                if time.monotonic() - self._seen_at >= 1.0:
                    await self._discover()
                if time.monotonic() - self._claimed_at >= min(self.claim_after / 2, 5.0):
                    await self._claim()
                await self._read()
                delay = 0.05
            except retry_errors() as exc:
                # NOGROUP: Redis restarted without its data; make the groups again.
                self._groups.clear()
                self._recovering = True
                self._seen_at = 0.0
                log.warning("worker %s: Redis error (retry in %.2f s): %s",
                            self.name, delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)

    async def _read(self) -> None:
        streams = {key: ">" for key in sorted(self._groups)}
        if not streams:
            await asyncio.sleep(0.2)
            return
        replies = await self._redis.xreadgroup(self.group, self.name, streams,
                                               count=self.batch, block=self._block_ms)
        for stream, entries in replies or ():
            await self._handle(_text(stream), entries)

    async def _claim(self) -> None:
        """Take over events idle longer than ``claim_after`` (a dead worker's)."""
        self._claimed_at = time.monotonic()
        idle = int(self.claim_after * 1000)
        for key in sorted(self._groups):
            start = "0-0"
            for _ in range(100):  # bounded work per pass
                reply = await self._redis.xautoclaim(key, self.group, self.name, idle,
                                                     start_id=start, count=self.batch)
                start, entries = _text(reply[0]), reply[1]
                if entries:
                    log.info("worker %s claimed %d idle events of %s", self.name,
                             len(entries), key)
                    await self._handle(key, entries)
                if start == "0-0":
                    break

    async def _handle(self, key: str, entries: list[Any]) -> None:
        """Run the handlers of each entry; acknowledge once all finished."""
        tasks: list[asyncio.Task[None]] = []
        ids = []
        for raw_id, fields in entries:
            entry = _text(raw_id)
            ids.append(entry)
            if not fields:
                continue  # trimmed by MAXLEN while pending
            try:
                event = decode_event(fields, key=key, entry=entry)
            except RecordError as exc:
                log.error("worker %s skipped a record: %s", self.name, exc)
                continue
            started = self._dispatch(event.name, event.kwargs)
            if started:
                tasks.extend(started)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if ids:
            await self._redis.xack(key, self.group, *ids)

    # -- sending --------------------------------------------------------------------

    def send(self, network: str, command: str, *,
             tags: dict[str, str | None] | None = None, **kwargs: Any) -> asyncio.Future[None]:
        """Ask the gateway holding ``network`` to ``send(command, **kwargs)``.

        A plain call, like ``client.send``; the Future is done once the
        request is in Redis (the gateway sends it, paced by its flood
        control).  Requests of one worker keep their order.

        :raises ValueError: (``InvalidMessage``) for what ``client.send``
            would refuse: unknown command, missing kwargs, CR/LF.
        """
        serialize(command, kwargs, tags=tags)  # refuse here, not in the gateway
        return self._queue(network, Command(command, kwargs, tags))

    def send_raw(self, network: str, line: str) -> asyncio.Future[None]:
        """Ask the gateway to send one raw line on ``network``."""
        check_raw_line(line)
        return self._queue(network, Command("", {}, None, line))

    def _queue(self, network: str, command: Command) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.append((self.keys.commands(network), encode_command(command), future))
        self._outbox_ready.set()
        return future

    async def _send_forever(self) -> None:
        delay = 0.05
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            while self._outbox:
                key, fields, future = self._outbox[0]
                try:
                    await self._redis.xadd(key, fields, maxlen=100_000, approximate=True)
                except redis_errors() as exc:
                    log.warning("worker %s: send not in Redis yet (retry in %.2f s): %s",
                                self.name, delay, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _RETRY_MAX)
                    continue
                delay = 0.05
                self._outbox.popleft()
                if not future.done():
                    future.set_result(None)

    # -- state ------------------------------------------------------------------------

    async def channel(self, network: str, name: str) -> MirroredChannel | None:
        """The channel ``name`` as ``network``'s gateway tracks it, or None.

        :raises RedisUnavailable: Redis did not answer.
        :raises RecordError: the hash was written by another version.
        """
        key = self.keys.channel(network, await self._fold(network, name))
        fields = await self._get(key)
        return decode_channel(fields, key=key) if fields else None

    async def user(self, network: str, nick: str) -> MirroredUser | None:
        """The user ``nick`` as ``network``'s gateway tracks them, or None."""
        key = self.keys.user(network, await self._fold(network, nick))
        fields = await self._get(key)
        return decode_user(fields, key=key) if fields else None

    async def _fold(self, network: str, name: str) -> str:
        meta = await self._get(self.keys.state(network))
        mapping = meta.get(b"casemapping") or meta.get("casemapping") or "rfc1459"
        return casefold(name, _text(mapping))

    async def _get(self, key: str) -> dict[Any, Any]:
        if self._redis is None:
            raise RuntimeError("the worker is not running: use async with worker, "
                               "or read state from a handler while worker.run() runs")
        try:
            fields: dict[Any, Any] = await self._redis.hgetall(key)
        except redis_errors() as exc:
            raise RedisUnavailable(f"Redis did not answer: {exc}", key=key) from exc
        return fields
