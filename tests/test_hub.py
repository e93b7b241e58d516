"""bottom.Hub: shared handlers, throttled connects, jittered reconnects."""

from __future__ import annotations

import asyncio
import random
import socket
from typing import Any

import pytest

import bottom
from bottom.hub import Hub
from bottom.testing import Server
from bottom.throttle import ConnectThrottle

TIMEOUT = 30.0  # generous: the machine's load must never decide a test


class FakeClock:
    """Time that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """An injected ``sleep`` that records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def client_for(server: Server, nick: str) -> bottom.Client:
    return bottom.Client(server.host, server.port, ssl=False, nick=nick,
                         flood_control=False, ping_interval=None)


# -- the throttle, pure ----------------------------------------------------------


def test_throttle_lets_a_burst_through_then_spaces_connects_by_the_rate() -> None:
    clock = FakeClock()
    throttle = ConnectThrottle(2.0, 3, clock=clock)
    assert [throttle.reserve("irc.test") for _ in range(6)] == [0, 0, 0, 0.5, 1.0, 1.5]


def test_throttle_keeps_one_schedule_per_host() -> None:
    throttle = ConnectThrottle(1.0, 1, clock=FakeClock())
    assert [throttle.reserve("a"), throttle.reserve("b"), throttle.reserve("a")] == [0, 0, 1.0]


def test_throttle_refills_as_the_clock_moves() -> None:
    clock = FakeClock()
    throttle = ConnectThrottle(1.0, 2, clock=clock)
    assert [throttle.reserve("h") for _ in range(3)] == [0, 0, 1.0]
    clock.now += 10
    assert [throttle.reserve("h") for _ in range(3)] == [0, 0, 1.0]


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1.0, 1), (1.0, 0), (1.0, 1.5)])
def test_throttle_refuses_a_rate_or_burst_out_of_range(rate: float, burst: Any) -> None:
    with pytest.raises(ValueError, match="connect"):
        ConnectThrottle(rate, burst)


def test_throttle_memory_stays_bounded_over_many_hosts() -> None:
    clock = FakeClock()
    throttle = ConnectThrottle(10.0, 1, clock=clock)
    for index in range(5000):
        throttle.reserve(f"host{index}")
        clock.now += 0.2
    assert len(throttle._next) <= 1025


# -- the Hub ----------------------------------------------------------------------


async def test_hub_spaces_connects_to_one_host_by_its_throttle(irc_server: Server) -> None:
    sleep = RecordingSleep()
    hub = Hub(connect_rate=2.0, connect_burst=2, clock=FakeClock(), sleep=sleep,
              reconnect=False)
    for index in range(6):
        hub.add(client_for(irc_server, f"bot{index}"), name=f"n{index}")
    async with hub:
        assert sorted(sleep.delays) == [0.5, 1.0, 1.5, 2.0]
        assert all(not client.is_closing() for client in hub.clients.values())
        assert {conn.registered for conn in irc_server.connections} == {True}


async def test_hub_handlers_see_every_client_with_client_and_network(
        irc_server: Server) -> None:
    hub = Hub(connect_rate=None, reconnect=False)
    first = hub.add(client_for(irc_server, "first"), name="one")
    second = hub.create(irc_server.host, irc_server.port, ssl=False, nick="second",
                        ping_interval=None)
    seen: list[tuple[str, Any, str]] = []

    @hub.on("privmsg")
    def relay(client: bottom.Client, network: str, message: str) -> None:
        seen.append((network, client, message))

    async with hub:
        assert hub.clients == {"one": first, f"127.0.0.1:{irc_server.port}": second}
        for conn in irc_server.connections:
            await conn.wait_registered()
        waited = asyncio.ensure_future(hub.wait("privmsg"))
        irc_server.connections[1].send_line(":alice!a@h PRIVMSG second :to two")
        kwargs = await asyncio.wait_for(waited, TIMEOUT)
        irc_server.connections[0].send_line(":alice!a@h PRIVMSG first :to one")
        await asyncio.wait_for(hub.wait("privmsg"), TIMEOUT)
    assert kwargs["network"] == f"127.0.0.1:{irc_server.port}"
    assert kwargs["client"] is second and kwargs["message"] == "to two"
    assert seen == [(f"127.0.0.1:{irc_server.port}", second, "to two"),
                    ("one", first, "to one")]


async def test_one_client_failing_to_connect_does_not_stop_the_others(
        irc_server: Server) -> None:
    hub = Hub(connect_rate=None, reconnect=False)
    hub.add(bottom.Client("127.0.0.1", closed_port(), ssl=False, nick="lost"), name="dead")
    for index in range(3):
        hub.add(client_for(irc_server, f"ok{index}"), name=f"ok{index}")
    failed = await hub.connect()
    try:
        assert list(failed) == ["dead"]
        assert isinstance(failed["dead"], bottom.ConnectionFailed)
        assert [name for name, c in hub.clients.items() if not c.is_closing()] == \
            ["ok0", "ok1", "ok2"]
    finally:
        await hub.disconnect()


async def test_a_netsplit_reconnects_clients_spread_over_the_window(
        irc_server: Server) -> None:
    sleep = RecordingSleep()
    hub = Hub(connect_rate=None, reconnect_window=20.0, sleep=sleep,
              rng=random.Random(18))
    count = 8
    for index in range(count):
        hub.add(client_for(irc_server, f"split{index}"), name=f"s{index}")
    async with hub:
        back: set[str] = set()
        all_back = asyncio.Event()

        @hub.on("client_ready")
        def ready(network: str) -> None:
            back.add(network)
            if len(back) == count:
                all_back.set()

        for conn in list(irc_server.connections):
            conn.close("netsplit")
        await asyncio.wait_for(all_back.wait(), TIMEOUT)
    assert len(sleep.delays) == count
    assert all(0.5 <= delay <= 20.0 for delay in sleep.delays)
    assert len({round(delay, 3) for delay in sleep.delays}) == count
    assert max(sleep.delays) - min(sleep.delays) > 5.0


async def test_a_client_the_user_disconnected_is_not_reconnected(irc_server: Server) -> None:
    sleep = RecordingSleep()
    hub = Hub(connect_rate=None, sleep=sleep)
    client = hub.add(client_for(irc_server, "quitter"))
    async with hub:
        await client.disconnect()
        assert not hub._tasks and sleep.delays == []


async def test_hub_add_refuses_a_taken_name_or_a_client_with_its_own_reconnect() -> None:
    hub = Hub()
    hub.add(bottom.Client("127.0.0.1", 6667, ssl=False), name="net")
    with pytest.raises(ValueError, match="'net' is in the Hub already"):
        hub.add(bottom.Client("127.0.0.1", 6668, ssl=False), name="net")
    with pytest.raises(ValueError, match="reconnect=False"):
        hub.add(bottom.Client("127.0.0.1", 6669, ssl=False, reconnect=True))
    with pytest.raises(ValueError, match="max_connecting"):
        Hub(max_connecting=0)


async def test_a_client_added_to_a_running_hub_is_connected(irc_server: Server) -> None:
    hub = Hub(connect_rate=None, reconnect=False)
    async with hub:
        late = hub.add(client_for(irc_server, "late"))
        ready = await asyncio.wait_for(hub.wait("client_ready"), TIMEOUT)
        assert ready["client"] is late
        removed = await hub.remove(f"127.0.0.1:{irc_server.port}")
        assert removed is late and late.is_closing() and hub.clients == {}


async def test_a_client_the_server_refused_for_good_is_not_reconnected() -> None:
    sleep = RecordingSleep()
    hub = Hub(connect_rate=None, sleep=sleep)
    async with Server(accounts={"bot": "right"}) as server:
        client = hub.add(bottom.Client(server.host, server.port, ssl=False, nick="bot",
                                       sasl=("bot", "wrong"), ping_interval=None,
                                       flood_control=False))  # 8 lines: no 1 s pacing
        gone = client.waiter("client_disconnect")
        async with hub:
            reason = (await asyncio.wait_for(gone, TIMEOUT))["reason"]
            assert "SASL" in reason
            assert not hub._tasks and sleep.delays == []


async def test_a_client_belongs_to_one_hub_until_removed(irc_server: Server) -> None:
    first, second = Hub(connect_rate=None), Hub(connect_rate=None)
    client = first.add(client_for(irc_server, "shared"), name="a")
    with pytest.raises(ValueError, match="in a Hub already"):
        second.add(client, name="b")
    assert await first.remove("a") is client
    assert second.add(client, name="b") is client
    assert not client._closed_on_purpose  # never connected: nothing was closed


async def test_connect_waits_in_at_most_max_connecting_workers(irc_server: Server) -> None:
    """Clients waiting their turn cost no Task each: for 10,000 clients a
    Task each cost more memory at the peak than the clients themselves."""
    count, cap = 12, 2
    hub = Hub(connect_rate=None, max_connecting=cap, reconnect=False)
    for index in range(count):
        hub.add(client_for(irc_server, f"w{index}"), name=f"w{index}")
    tasks: list[int] = []
    in_flight: list[int] = []

    @hub.on("client_connect")
    def connected(**kwargs: Any) -> None:
        tasks.append(len(asyncio.all_tasks()))
        in_flight.append(sum(1 for c in hub.clients.values()
                             if not c.is_closing() and c.state is not None
                             and c.state.nick is None))

    async with hub:
        assert len(tasks) == count
        assert max(in_flight) <= cap
        assert max(tasks) < count  # the old gather held a Task per client
