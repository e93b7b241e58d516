"""bottom.redis: records, gateway and workers against a real redis-server."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from redisserver import (  # noqa: F401  (fixtures)
    RedisServer,
    _redis_session,
    redis_server,
)

import bottom
from bottom.redis import Gateway, RecordError, RedisUnavailable, Worker
from bottom.redis.records import VERSION, Keys, decode_channel, decode_event, encode_event
from bottom.testing import Server

TIMEOUT = 60.0  # generous: the machine's load must never decide a test
realserver = pytest.mark.realserver


# -- records, pure ------------------------------------------------------------------


def test_an_event_record_round_trips_without_the_client_object() -> None:
    fields = encode_event("net", "PRIVMSG", {"client": object(), "nick": "a",
                                             "message": "hi", "tags": {"time": "x"}})
    event = decode_event(fields, key="k", entry="1-0")
    assert (event.network, event.name) == ("net", "PRIVMSG")
    assert event.kwargs == {"nick": "a", "message": "hi", "tags": {"time": "x"},
                            "network": "net"}


def test_a_record_of_another_version_is_an_error_naming_the_key() -> None:
    fields = {**encode_event("net", "PRIVMSG", {}), "v": "0"}
    with pytest.raises(RecordError, match=r"bottom:events:net entry 5-0: .*version '0'") \
            as caught:
        decode_event(fields, key="bottom:events:net", entry="5-0")
    assert caught.value.key == "bottom:events:net" and caught.value.entry == "5-0"
    with pytest.raises(RecordError, match="chan-key"):
        decode_channel({b"v": b"99", b"data": b"{}"}, key="chan-key")


def test_import_bottom_does_not_import_redis() -> None:
    code = "import sys, bottom; sys.exit('redis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_bottom_redis_without_redis_py_names_the_extra_to_install() -> None:
    code = ("import sys; sys.modules['redis'] = None\n"
            "try:\n    import bottom.redis\n"
            "except ImportError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(_root()), check=True).stdout
    assert out.strip() == 'bottom.redis needs redis-py: pip install "bottom[redis]"'


async def test_unreachable_redis_is_an_error_naming_the_key() -> None:
    worker = Worker("redis://127.0.0.1:1/0")
    with pytest.raises(RedisUnavailable, match=r"bottom:networks: Redis at redis://127\.0\.0\.1:1"):
        await worker.run()


# -- against redis-server ------------------------------------------------------------


class Deployment:
    """A test IRC server, a Hub with one client, and a Gateway."""

    def __init__(self, irc: Server, redis: RedisServer) -> None:
        self.irc = irc
        self.redis = redis
        self.hub = bottom.Hub(connect_rate=None, reconnect=False)
        self.client = self.hub.add(bottom.Client(irc.host, irc.port, ssl=False, nick="gw",
                                                 flood_control=False, ping_interval=None),
                                   name="net")
        self.gateway = Gateway(self.hub, redis.url, name="gw1")

    def worker(self, **kwargs: Any) -> Worker:
        kwargs.setdefault("networks", ["net"])
        return Worker(self.redis.url, **kwargs)


@pytest_asyncio.fixture
async def deployment(irc_server: Server,
                     redis_server: RedisServer) -> AsyncIterator[Deployment]:  # noqa: F811
    setup = Deployment(irc_server, redis_server)
    async with setup.hub:
        await setup.gateway.start()
        try:
            yield setup
        finally:
            await setup.gateway.stop()


def say(irc: Server, text: str) -> None:
    irc.connections[0].send_line(f":alice!a@h PRIVMSG #c :{text}")


@realserver
async def test_a_worker_handles_events_and_its_sends_reach_irc(
        deployment: Deployment) -> None:
    worker = deployment.worker(name="w1")
    got: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    @worker.on("privmsg")
    def echo(network: str, target: str, message: str, **kw: Any) -> None:
        worker.send(network, "privmsg", target=target, message=f"echo {message}")
        if not got.done():
            got.set_result({"network": network, "message": message, **kw})

    async with worker:
        conn = await deployment.irc.wait_for_connection()
        await conn.wait_registered()
        say(deployment.irc, "hello")
        kwargs = await asyncio.wait_for(got, TIMEOUT)
        line = await conn.wait_for_line(lambda m: m.command == "PRIVMSG", timeout=TIMEOUT)
    assert kwargs["network"] == "net" and kwargs["message"] == "hello"
    assert kwargs["nick"] == "alice" and "client" not in kwargs
    assert line.params == ("#c", "echo hello")


@realserver
async def test_a_worker_skips_and_names_a_record_of_another_version(
        deployment: Deployment, caplog: pytest.LogCaptureFixture) -> None:
    worker = deployment.worker(name="w1")
    seen: list[str] = []
    worker.on("privmsg", lambda message: seen.append(message))
    async with worker:
        raw = worker._redis
        await raw.xadd(Keys().events("net"), {"v": "0", "event": "PRIVMSG", "kw": "{}"})
        await raw.xadd(Keys().events("net"),
                       encode_event("net", "PRIVMSG", {"message": "good"}))
        await asyncio.wait_for(_poll(lambda: seen), TIMEOUT)
    assert seen == ["good"]
    assert "bottom:events:net entry" in caplog.text and f"reads version {VERSION!r}" \
        in caplog.text


WORKER_CHILD = """
import asyncio, sys
from bottom.redis import Worker
worker = Worker(sys.argv[1], networks=["net"], name="doomed", claim_after=1.0)
@worker.on("privmsg")
async def hang(message):
    print("started", message, flush=True)
    await asyncio.Event().wait()
async def main():
    async with worker:
        print("ready", flush=True)
        await asyncio.Event().wait()
asyncio.run(main())
"""


@realserver
async def test_an_event_of_a_worker_killed_mid_handler_goes_to_another_worker(
        deployment: Deployment) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER_CHILD, deployment.redis.url,
        stdout=asyncio.subprocess.PIPE, cwd=str(_root()))
    assert child.stdout is not None
    try:
        ready = await asyncio.wait_for(child.stdout.readline(), TIMEOUT)
        assert ready == b"ready\n"
        await (await deployment.irc.wait_for_connection()).wait_registered()
        say(deployment.irc, "one")
        started = await asyncio.wait_for(child.stdout.readline(), TIMEOUT)
        assert started == b"started one\n"
    finally:
        child.kill()  # SIGKILL: no cleanup, the event stays pending
        await child.wait()
    handled: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    survivor = deployment.worker(name="survivor", claim_after=1.0)
    survivor.on("privmsg", lambda message: handled.done() or handled.set_result(message))
    async with survivor:
        assert await asyncio.wait_for(handled, TIMEOUT) == "one"

        async def acknowledged() -> None:
            key = Keys().events("net")
            while (await survivor._redis.xpending(key, "bots"))["pending"]:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(acknowledged(), TIMEOUT)


async def _poll(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.05)


def _root() -> Any:
    from pathlib import Path
    return Path(__file__).resolve().parent.parent


@realserver
async def test_workers_keep_working_across_a_gateway_restart(
        deployment: Deployment) -> None:
    worker = deployment.worker(name="w1")
    seen: list[str] = []
    arrived = asyncio.Event()

    @worker.on("privmsg")
    def record(message: str) -> None:
        seen.append(message)
        arrived.set()

    async with worker:
        conn = await deployment.irc.wait_for_connection()
        await conn.wait_registered()
        say(deployment.irc, "before")
        await asyncio.wait_for(arrived.wait(), TIMEOUT)
        await deployment.gateway.stop()
        # Sent while no gateway runs: the command stream keeps it.
        await worker.send("net", "privmsg", target="#c", message="while down")
        deployment.gateway = Gateway(deployment.hub, deployment.redis.url, name="gw1")
        await deployment.gateway.start()
        line = await conn.wait_for_line(lambda m: m.command == "PRIVMSG", timeout=TIMEOUT)
        arrived.clear()
        say(deployment.irc, "after")
        await asyncio.wait_for(arrived.wait(), TIMEOUT)
    assert line.params == ("#c", "while down")
    assert seen == ["before", "after"]


@realserver
async def test_redis_restarted_under_the_gateway_buffers_and_reports_drops(
        deployment: Deployment, caplog: pytest.LogCaptureFixture) -> None:
    await deployment.gateway.stop()
    deployment.gateway = Gateway(deployment.hub, deployment.redis.url, name="gw1",
                                 buffer=50)
    await deployment.gateway.start()
    # networks=None: the worker must find the network again in a Redis
    # that came back empty.
    worker = deployment.worker(name="w1", claim_after=1.0, networks=None)
    seen: list[str] = []
    done = asyncio.Event()

    @worker.on("privmsg")
    def record(message: str) -> None:
        seen.append(message)
        if message == "79":
            done.set()

    caplog.set_level(logging.WARNING, "bottom.redis")
    async with worker:
        deployment.redis.stop()
        for index in range(80):
            await deployment.client.trigger("privmsg", nick="a", target="#c",
                                             message=str(index))
        assert not deployment.client.is_closing()  # IRC stays up
        deployment.redis.start()
        await asyncio.wait_for(done.wait(), TIMEOUT)
    assert deployment.gateway.dropped == 30
    assert seen == [str(index) for index in range(30, 80)]
    assert "dropped 30 events (oldest first) while Redis was unreachable: " \
        "30 PRIVMSG on net;" in caplog.text


@realserver
async def test_ten_thousand_events_through_three_workers(
        deployment: Deployment) -> None:
    total = 10_000
    counts: dict[str, int] = {}
    seen: dict[str, int] = {}
    all_seen = asyncio.Event()
    workers = [deployment.worker(name=f"w{index}") for index in range(3)]
    for worker in workers:
        def count(message: str, name: str = worker.name) -> None:
            counts[name] = counts.get(name, 0) + 1
            seen[message] = seen.get(message, 0) + 1
            if len(seen) == total:
                all_seen.set()
        worker.on("privmsg", count)
    async with workers[0], workers[1], workers[2]:
        for index in range(total):
            deployment.client.trigger("privmsg", nick="a", target="#c", message=str(index))
            if index % 500 == 0:
                await asyncio.sleep(0)
        await asyncio.wait_for(all_seen.wait(), 60)
    duplicates = sum(seen.values()) - total
    print(f"\n10,000 events: per worker {sorted(counts.values())}, duplicates {duplicates}")
    assert len(seen) == total
    assert duplicates == 0  # no worker died: at-least-once delivered exactly once here
    assert all(counts.get(w.name, 0) > 0 for w in workers)


@realserver
async def test_the_gateway_worker_example_answers_a_ping(
        irc_server: Server, redis_server: RedisServer) -> None:  # noqa: F811
    root = _root()
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(root / "examples" / "gateway_worker.py"), "demo",
        irc_server.host, str(irc_server.port), redis_server.url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(root),
        env={**os.environ, "PYTHONPATH": str(root)})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert out.decode() == "alice read: alice: pong from <a worker>\n"
