"""client.request and its helpers against real ngircd and inspircd.

ngircd has no labeled-response, so its answers are matched by the numeric
table; inspircd enables labeled-response, so its answers come labeled.
Each test runs once per server (the ``ircd`` fixture).
"""

from __future__ import annotations

import asyncio

import pytest

import bottom

from .helpers import EVENT_TIMEOUT_SECONDS, ClientPool, register, unique_channel
from .servers import RealServer

pytestmark = pytest.mark.realserver

FAST = {"flood_control": False}
TIMEOUT = EVENT_TIMEOUT_SECONDS


async def test_whois_who_and_names_answer_with_typed_results(
        ircd: RealServer, pool: ClientPool) -> None:
    alice = pool.make(ircd, "alice", **FAST)
    bob = pool.make(ircd, "bob", **FAST)
    await register(alice, bob)
    assert ("labeled-response" in alice.client.caps) == (ircd.name == "inspircd")
    channel = unique_channel("ask")
    await alice.client.join(channel, timeout=TIMEOUT)
    await bob.client.join(channel, timeout=TIMEOUT)

    info = await bob.client.whois(alice.nick, timeout=TIMEOUT)
    assert info.nick == alice.nick and info.host == "127.0.0.1"
    assert info.username
    assert info.channels.get(channel) == "@"
    assert info.server is not None and info.idle is not None

    names = await bob.client.names(channel, timeout=TIMEOUT)
    assert names == {alice.nick: {"o"}, bob.nick: set()}
    users = await bob.client.who(channel, timeout=TIMEOUT)
    assert sorted(user.nick for user in users) == sorted([alice.nick, bob.nick])
    assert all(user.host and user.username for user in users)

    with pytest.raises(bottom.CommandError) as error:
        await bob.client.whois("nobody42", timeout=TIMEOUT)
    assert error.value.code == "401"
    # Both at once: answers never mix.
    first, second = await asyncio.gather(bob.client.whois(alice.nick, timeout=TIMEOUT),
                                         bob.client.whois(bob.nick, timeout=TIMEOUT))
    assert (first.nick, second.nick) == (alice.nick, bob.nick)
    await bob.client.part(channel, timeout=TIMEOUT)


@pytest.mark.parametrize(("mode", "code"), [("+l 1", "471"), ("+i", "473"),
                                            ("+k sesame", "475"), ("+b *!*@*", "474")])
async def test_join_errors_raise_command_error(
        ircd: RealServer, pool: ClientPool, mode: str, code: str) -> None:
    op = pool.make(ircd, "op", **FAST)
    guest = pool.make(ircd, "guest", **FAST)
    await register(op, guest)
    channel = unique_channel("shut")
    await op.client.join(channel, timeout=TIMEOUT)
    modes, *params = mode.split()
    if params:
        op.send("channelmode", channel=channel, modes=modes, params=params)
    else:
        op.send("channelmode", channel=channel, modes=modes)
    await op.events.wait("CHANNELMODE", channel=channel)
    with pytest.raises(bottom.CommandError) as error:
        await guest.client.join(channel, timeout=TIMEOUT)
    assert error.value.code == code and channel in str(error.value)


async def test_joining_an_invalid_channel_raises_403_or_476(
        ircd: RealServer, pool: ClientPool) -> None:
    bot = pool.make(ircd, "bad", **FAST)
    await register(bot)
    with pytest.raises(bottom.CommandError) as error:
        await bot.client.join("nohash", timeout=TIMEOUT)
    assert error.value.code in ("403", "476")
