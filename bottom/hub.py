"""Many clients in one process: one handler registry, throttled connects.

A :class:`Hub` holds named :class:`~bottom.Client` objects (one per
network, or thousands of puppets of a bridge).  ``@hub.on(event)``
handlers and ``await hub.wait(event)`` see the events of every client,
with two more kwargs: ``client`` (the Client) and ``network`` (its name in
the Hub).  Connecting is throttled per server host
(:class:`~bottom.throttle.ConnectThrottle`) and capped by a global number
of connects in flight, and the Hub reconnects lost clients itself with
full jitter, so a netsplit that drops 1,000 clients does not send 1,000
connects to the server in the same second.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .client import Client
from .dispatch import Dispatcher
from .events import CLIENT_DISCONNECT
from .reconnect import ReconnectPolicy
from .registration import CLIENT_READY
from .throttle import ConnectThrottle

__all__ = ["Hub", "DEFAULT_CONNECT_RATE", "DEFAULT_CONNECT_BURST", "DEFAULT_MAX_CONNECTING"]

log = logging.getLogger("bottom.hub")

Kwargs = dict[str, Any]
#: ``listener(network, event, kwargs)``: sees every event of every client
Listener = Callable[[str, str, Kwargs], None]

#: Connects per second to one host once the burst is spent.  Debian's
#: ngircd and inspircd registered 1,000 connects from one address at once
#: (per-IP caps lifted); real networks add rules (inspircd's connflood and
#: connectban) that these defaults stay polite to.  See docs/hub.rst.
DEFAULT_CONNECT_RATE = 5.0
#: Connects to one host that may start at once.
DEFAULT_CONNECT_BURST = 10
#: Connects (TCP, TLS and registration) in flight at once, over all hosts.
DEFAULT_MAX_CONNECTING = 100


class _Tap:
    """What a client hands each event to: its Hub's ``_forward`` with the
    client and its name (three slots: a bridge holds thousands, and a
    ``functools.partial`` costs four times the memory)."""

    __slots__ = ("hub", "client", "network")

    def __init__(self, hub: Hub, client: Client, network: str) -> None:
        self.hub = hub
        self.client = client
        self.network = network

    def __call__(self, name: str, kwargs: Kwargs) -> list[asyncio.Task[None]] | None:
        return self.hub._forward(self.client, self.network, name, kwargs)


class Hub(Dispatcher):
    """Named Clients sharing handlers, with throttled connects and reconnects.

    ``connect_rate`` / ``connect_burst``: per server host; ``connect_rate=None``
    turns throttling off.  ``max_connecting``: connects in flight at once
    (None: no cap); a connect holds its slot until ``CLIENT_READY`` when the
    client registers.  ``reconnect``: the Hub reconnects a client whose
    connection was lost (not one closed by ``disconnect()`` or refused for
    good), after a delay drawn uniformly up to ``reconnect_window`` seconds,
    doubling per failed attempt.  ``clock``, ``sleep`` and ``rng`` are for
    tests that move time.

    :raises ValueError: for a rate, burst, cap or window out of range.
    """

    def __init__(self, *, connect_rate: float | None = DEFAULT_CONNECT_RATE,
                 connect_burst: int = DEFAULT_CONNECT_BURST,
                 max_connecting: int | None = DEFAULT_MAX_CONNECTING,
                 reconnect: bool = True, reconnect_window: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        super().__init__()
        if max_connecting is not None and (not isinstance(max_connecting, int)
                                           or max_connecting < 1):
            raise ValueError(f"max_connecting must be an int >= 1 or None, "
                             f"not {max_connecting!r}")
        if not reconnect_window > 0:
            raise ValueError(f"reconnect_window must be > 0 seconds, not {reconnect_window!r}")
        self._throttle = (None if connect_rate is None else
                          ConnectThrottle(connect_rate, connect_burst, clock=clock))
        self.max_connecting = max_connecting
        self.reconnect = reconnect
        self.reconnect_window = float(reconnect_window)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        #: name -> Client, in the order they were added
        self.clients: dict[str, Client] = {}
        self._slots: asyncio.Semaphore | None = None
        self._listeners: list[Listener] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._policies: dict[str, ReconnectPolicy] = {}
        self._up_since: dict[str, float] = {}
        self._given_up: set[str] = set()
        self._running = False

    # -- clients ----------------------------------------------------------------

    def add(self, client: Client, name: str | None = None) -> Client:
        """Add ``client`` under ``name`` (default ``"host:port"``); return it.

        In a running Hub (inside ``async with``) it is connected at once,
        throttled like the others.

        :raises ValueError: the name is taken, the client is in a Hub
            already, or it has its own ``reconnect=`` while the Hub reconnects.
        """
        name = f"{client.host}:{client.port}" if name is None else name
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty str, not {name!r}")
        if name in self.clients:
            raise ValueError(f"a client named {name!r} is in the Hub already; "
                             "pass another name=")
        if self.reconnect and client.reconnect is not None:
            raise ValueError(
                f"client {name!r} has reconnect={client.reconnect!r}; the Hub reconnects "
                "its clients through its connect throttle: create the Client with "
                "reconnect=False, or the Hub with reconnect=False")
        client._attach(_Tap(self, client, name))
        self.clients[name] = client
        if self._running:
            self._start(name, 0.0)
        return client

    def create(self, host: str, port: int, *, name: str | None = None,
               **kwargs: Any) -> Client:
        """``Client(host, port, **kwargs)`` added under ``name``; returns it."""
        return self.add(Client(host, port, **kwargs), name)

    async def remove(self, name: str) -> Client:
        """Disconnect the client ``name`` and take it out of the Hub; return it.

        :raises KeyError: no client has that name.
        """
        client = self.clients.pop(name)
        self._forget(name)
        try:
            await client.disconnect()
        finally:
            client._detach()
        return client

    # -- events -----------------------------------------------------------------

    def _forward(self, client: Client, network: str, name: str,
                 kwargs: Kwargs) -> list[asyncio.Task[None]] | None:
        """A client's tap: Hub handlers and waiters, listeners, reconnects."""
        if name == CLIENT_DISCONNECT:
            self._lost(network, client)
        elif name == CLIENT_READY:
            self._up_since[network] = self._clock()
        elif name == "CLIENT_REGISTRATION_FAILED" and kwargs.get("permanent"):
            self._given_up.add(network)
        for listener in self._listeners:
            try:
                listener(network, name, kwargs)
            except Exception:
                log.exception("error in Hub listener %r for %s", listener, name)
        if name not in self._handlers and name not in self._waiters:
            return None
        return self._dispatch(name, {**kwargs, "client": client, "network": network})

    def _add_listener(self, listener: Listener) -> None:
        """See every event of every client, as ``listener(network, event, kwargs)``
        (the Redis gateway's way in); ``kwargs`` must not be changed."""
        self._listeners.append(listener)

    def _remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    # -- connecting -------------------------------------------------------------

    async def connect(self) -> dict[str, BaseException]:
        """Connect every client not yet connected, throttled; return the failures.

        One client failing never stops the others: its error is logged and
        returned as ``{name: exception}``, and with ``reconnect`` the Hub
        keeps trying it in the background.
        """
        self._running = True
        self._given_up.clear()
        names = [n for n, c in self.clients.items() if c.is_closing()
                 and n not in self._tasks]
        errors: dict[str, BaseException] = {}
        queue = iter(names)

        async def work() -> None:
            for name in queue:
                try:
                    await self._connect(name)
                except BaseException as exc:
                    errors[name] = exc
                    if not isinstance(exc, Exception):
                        raise  # cancelled: this worker stops, the others go on

        # As many workers as connects may be in flight, each taking the next
        # name: not a Task per client waiting its turn, which for 10,000
        # clients cost more memory at the peak than the clients themselves
        # and left the process that much bigger afterwards (bench/hub.py).
        workers = len(names) if self.max_connecting is None else self.max_connecting
        await asyncio.gather(*(work() for _ in range(min(workers, len(names)))),
                             return_exceptions=True)
        failed = {n: errors[n] for n in names if n in errors}
        for name, error in failed.items():
            log.warning("connecting %s failed: %s", name, error)
            client = self.clients.get(name)
            if client is not None and name not in self._tasks \
                    and self._should_retry(name, client):
                self._start(name, self._delay(name))
        return failed

    async def disconnect(self) -> None:
        """Stop reconnecting and disconnect every client (idempotent)."""
        self._running = False
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(c.disconnect() for c in self.clients.values()),
                             return_exceptions=True)

    async def __aenter__(self) -> Hub:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    async def _connect(self, name: str) -> None:
        """One throttled connect: a global slot, the host's slot, then connect
        and (when the client registers) wait for CLIENT_READY."""
        client = self.clients[name]
        if self.max_connecting is not None and self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connecting)
        if self._slots is not None:
            async with self._slots:
                await self._connect_now(client)
        else:
            await self._connect_now(client)

    async def _connect_now(self, client: Client) -> None:
        if self._throttle is not None:
            delay = self._throttle.reserve(client.host)
            if delay > 0:
                await self._sleep(delay)
        registers = client.nick is not None and self._slots is not None
        ready = client.waiter(CLIENT_READY) if registers else None
        gone = client.waiter(CLIENT_DISCONNECT) if registers else None
        try:
            await client.connect()
            if ready is not None and gone is not None:
                timeout = client.register_timeout or None
                await asyncio.wait([ready, gone], timeout=timeout,
                                   return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (ready, gone):
                if future is not None:
                    future.cancel()

    # -- reconnecting -----------------------------------------------------------

    def _lost(self, name: str, client: Client) -> None:
        """CLIENT_DISCONNECT: schedule a jittered reconnect unless one is
        under way, or the close was asked for or cannot be fixed by trying
        again."""
        lasted = self._clock() - self._up_since.pop(name, self._clock())
        if name in self._tasks or not self._should_retry(name, client):
            return
        self._policy(name).connected(lasted)
        self._start(name, self._delay(name))

    def _should_retry(self, name: str, client: Client) -> bool:
        if name in self._given_up:
            log.warning("not reconnecting %s: the server refused it for good", name)
            return False
        return (self._running and self.reconnect and self.clients.get(name) is client
                and not client._closed_on_purpose)

    def _policy(self, name: str) -> ReconnectPolicy:
        policy = self._policies.get(name)
        if policy is None:
            window = self.reconnect_window
            policy = self._policies[name] = ReconnectPolicy(
                initial=window, minimum=min(0.5, window), maximum=max(300.0, window),
                rng=self._rng)
        return policy

    def _delay(self, name: str) -> float:
        """Seconds before the next reconnect of ``name``: full jitter over a
        window that doubles with each failed attempt."""
        return self._policy(name).next_delay()

    def _start(self, name: str, delay: float) -> None:
        """Connect ``name`` in the background after ``delay``, retrying."""
        self._tasks[name] = asyncio.get_running_loop().create_task(
            self._keep_trying(name, delay))

    async def _keep_trying(self, name: str, delay: float) -> None:
        try:
            while self._running and name in self.clients:
                if delay > 0:
                    log.info("connecting %s in %.1f s", name, delay)
                    await self._sleep(delay)
                client = self.clients[name]
                try:
                    await self._connect(name)
                except Exception as exc:
                    why = str(exc)
                else:
                    if not client.is_closing():
                        return
                    why = "lost while registering"
                if not self._should_retry(name, client):
                    log.warning("connecting %s failed: %s", name, why)
                    return
                delay = self._delay(name)
                log.warning("connecting %s failed: %s; next try in %.1f s", name, why, delay)
        finally:
            if self._tasks.get(name) is asyncio.current_task():
                del self._tasks[name]

    def _forget(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()
        self._policies.pop(name, None)
        self._up_since.pop(name, None)
        self._given_up.discard(name)
