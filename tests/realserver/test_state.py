"""State tracking against real ngircd and inspircd: a tracked client watches two others.

Alice and bob join the watcher's channel, the watcher ops alice, alice voices
bob, bob renames and alice quits; at the end the watcher's state must say
what the server says when asked (NAMES and WHO).
"""

from __future__ import annotations

from typing import Any

import bottom

from .helpers import Bot, ClientPool, register, unique_channel, unique_nick
from .servers import RealServer

FAST = {"flood_control": False}


def _names(reply_users: list[str], isupport: Any) -> dict[str, frozenset[str]]:
    """NAMES entries as folded nick -> prefix modes (multi-prefix shows them all)."""
    modes = {symbol: mode for mode, symbol in isupport.prefix.items()}
    out = {}
    for entry in reply_users:
        symbols, nick = isupport.split_prefixes(entry)
        out[isupport.fold(nick.partition("!")[0])] = frozenset(modes[s] for s in symbols)
    return out


def _tracked(state: bottom.State, channel: str) -> dict[str, frozenset[str]]:
    return {state.fold(nick): frozenset(member.modes)
            for nick, member in state.channels[channel].users.items()}


async def test_tracked_state_matches_names_and_who(ircd: RealServer, pool: ClientPool) -> None:
    watcher = pool.make(ircd, "watcher", **FAST)
    alice = pool.make(ircd, "alice", **FAST)
    bob = pool.make(ircd, "bob", **FAST, realname="Bob the Builder")
    await register(watcher, alice, bob)
    state = watcher.client.state
    assert state is not None
    channel = unique_channel("state")
    await watcher.join(channel)
    for bot in (alice, bob):
        await bot.join(channel)
    await watcher.events.wait_until(
        lambda: {alice.nick, bob.nick} <= set(watcher.client.channels[channel].users),
        "alice and bob in the tracked channel")

    watcher.send("channelmode", channel=channel, modes="+o", params=[alice.nick])
    await alice.events.wait("CHANNELMODE", channel=channel)
    alice.send("channelmode", channel=channel, modes="+v", params=[bob.nick])
    await watcher.events.wait_until(
        lambda: watcher.client.channels[channel].users[bob.nick].prefix == "+",
        "bob voiced in the tracked state")
    assert watcher.client.channels[channel].users[alice.nick].modes == {"o"}

    old, new = bob.nick, unique_nick("bob2")
    bob.send("nick", nick=new)
    renamed = await watcher.events.wait("NICK", nick=old)
    assert renamed["channels"] == [channel] and new in watcher.client.users
    alice_nick = alice.nick
    alice.send("quit", message="bye")
    quit_event = await watcher.events.wait("QUIT", nick=alice_nick)
    assert quit_event["channels"] == [channel]
    assert alice_nick not in watcher.client.users
    assert alice_nick not in watcher.client.channels[channel].users

    since = watcher.events.mark()
    watcher.send("names", channel=channel)
    watcher.send("who", mask=channel)
    await watcher.events.wait("RPL_ENDOFNAMES", since=since)
    await watcher.events.wait("RPL_ENDOFWHO", since=since)
    users: list[str] = []
    for reply in watcher.events.all("RPL_NAMREPLY", since=since):
        users.extend(reply["users"])
    assert _tracked(state, channel) == _names(users, state.isupport)
    for reply in watcher.events.all("RPL_WHOREPLY", since=since):
        user = watcher.client.users[reply["nick"]]
        assert (user.username, user.host) == (reply["user"], reply["host"])
        assert user.realname == reply["real_name"]
    assert watcher.client.users[new].realname == "Bob the Builder"
    assert set(watcher.client.users) == {watcher.nick, new}


async def test_rejoin_after_reconnect(ircd: RealServer, pool: ClientPool) -> None:
    bot: Bot = pool.make(ircd, "rejoin", **FAST)
    await register(bot)
    channel = unique_channel("rejoin")
    await bot.join(channel)
    since = bot.events.mark()
    assert bot.client._conn is not None
    bot.client._conn.abort()  # as if the network dropped us
    await bot.events.wait("CLIENT_DISCONNECT", since=since)
    assert not bot.client.channels
    await bot.client.connect()
    await bot.events.wait("CLIENT_READY", since=since)
    await bot.events.wait("JOIN", since=since, nick=bot.nick, channel=channel)
    assert list(bot.client.channels) == [channel]
