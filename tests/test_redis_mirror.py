"""The state mirror: a gateway client's tracked state, read by workers."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from redisserver import (  # noqa: F401  (fixtures)
    RedisServer,
    _redis_session,
    redis_server,
)

import bottom
from bottom.redis import Gateway, MirroredChannel, MirroredUser, RecordError, Worker

pytestmark = pytest.mark.realserver


class TrackingClient(bottom.Client):
    """A Client with a stand-in for the ``state`` the state tracker provides."""

    state: Any = None


def stand_in_state() -> SimpleNamespace:
    alice = SimpleNamespace(nick="alice", username="al", host="h", realname="Alice",
                            account="alice", away=False, away_message=None,
                            channels={"#Chan"})
    channel = SimpleNamespace(name="#Chan", topic="hello", topic_setter="op",
                              modes={"n": None, "k": "key"},
                              users={"alice": SimpleNamespace(modes={"o"}, user=alice)})
    return SimpleNamespace(nick="gw", channels={"#Chan": channel}, users={"alice": alice})


async def wait_until(probe: Any) -> Any:
    for _ in range(2400):  # 60 s: generous under load
        value = await probe()
        if value is not None:
            return value
        await asyncio.sleep(0.025)
    raise AssertionError("the mirror was not written")


async def test_a_worker_reads_channels_and_users_the_gateway_tracks(
        redis_server: RedisServer) -> None:  # noqa: F811
    hub = bottom.Hub(reconnect=False)
    client = hub.add(TrackingClient("127.0.0.1", 1, ssl=False), name="net")
    client.state = stand_in_state()
    async with Gateway(hub, redis_server.url), Worker(redis_server.url,
                                                      networks=["net"]) as worker:
        await client.trigger("join", nick="alice", user="al", host="h", channel="#Chan")
        # Folded like the server folds (rfc1459 by default): "#CHAN" is "#chan".
        channel = await wait_until(lambda: worker.channel("net", "#CHAN"))
        user = await worker.user("net", "ALICE")
        assert channel == MirroredChannel("#Chan", "hello", "op", {"n": None, "k": "key"},
                                          {"alice": {"o"}})
        assert user == MirroredUser("alice", "al", "h", "Alice", "alice", False, None,
                                    {"#Chan"})
        client.state.channels.clear()
        client.state.users.clear()
        await client.trigger("part", nick="gw", user="g", host="h", channel="#Chan",
                             message="bye")

        async def gone() -> bool | None:
            return True if await worker.channel("net", "#chan") is None else None
        await wait_until(gone)
        assert await worker.user("net", "alice") is None


async def test_a_mirrored_hash_of_another_version_is_an_error_naming_the_key(
        redis_server: RedisServer) -> None:  # noqa: F811
    async with Worker(redis_server.url, networks=["net"]) as worker:
        await worker._redis.hset("bottom:state:net:channel:#old", mapping={"v": "0"})
        with pytest.raises(RecordError, match="bottom:state:net:channel:#old"):
            await worker.channel("net", "#old")
