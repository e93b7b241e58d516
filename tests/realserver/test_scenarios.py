"""bottom clients against real ngircd and inspircd: the everyday IRC conversation.

Each test runs once per server (the `ircd` fixture) with two bottom clients at
most, registered concurrently (inspircd registers on a once-a-second tick).
The clients here send only a handful of commands each, far below what either
server throttles, so they run without flood control to keep the suite fast;
`test_flood.py` covers the default flood control against the servers' limits.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bottom
from bottom.tags import server_time

from .conftest import SERVER_NAMES
from .helpers import Bot, ClientPool, register, unique_channel
from .servers import (
    SERVER_NAME,
    TLS_SERVER_HOSTNAME,
    RealServer,
    find_binary,
    start_inspircd,
    start_ngircd,
)

FAST = {"flood_control": False}
"""Options for clients that send a few commands only (see the module docstring)."""

QUIT_AS_RELAYED = {"ngircd": '"{}"', "inspircd": "{}"}
"""How each server relays `QUIT :<text>` to the other members (measured: ngircd
adds double quotes, inspircd without `<options prefixquit>` relays it as sent)."""

WHO_REPLY_KEYS = (
    "target",
    "channel",
    "user",
    "host",
    "server",
    "nick",
    "hg_code",
    "hopcount",
    "real_name",
)
"""The RPL_WHOREPLY kwargs of DESIGN.md, in its order."""

RECONNECT = {"initial": 0.2, "minimum": 0.1, "maximum": 1.0}
"""A quick backoff: the tests wait for the reconnect, so keep it short."""


@pytest.fixture(params=SERVER_NAMES)
def private_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RealServer]:
    """A server of each kind for this test alone, so restarting it disturbs no other test."""
    name = request.param
    if find_binary(name) is None:
        pytest.skip(f"{name} not installed (apt-get install {name})")
    start = {"ngircd": start_ngircd, "inspircd": start_inspircd}[name]
    server = start(tmp_path / name)
    try:
        yield server
    finally:
        server.stop()


async def two_members(pool: ClientPool, server: RealServer) -> tuple[Bot, Bot, str, dict[str, Any]]:
    """alice and bob, registered and in a fresh channel; alice joined first (chanop).

    Returns both bots, the channel and alice's own JOIN echo (her user and host
    as the server shows them to others).
    """
    alice = pool.make(server, "alice", **FAST)
    bob = pool.make(server, "bob", **FAST)
    await register(alice, bob)
    channel = unique_channel("chat")
    alice_echo = await alice.join(channel)
    await bob.join(channel)
    await alice.events.wait("JOIN", nick=bob.nick, channel=channel)
    return alice, bob, channel, alice_echo


# -- registration ------------------------------------------------------------

EXPECTED_CAPS = {
    # ngircd offers only multi-prefix; inspircd's IRCv3 modules offer the rest
    # (and inspircd.org/poison, which must never be requested).
    "ngircd": {"multi-prefix"},
    "inspircd": {"message-tags", "server-time", "multi-prefix", "cap-notify",
                 "away-notify", "account-notify", "extended-join", "chghost",
                 "setname", "batch", "labeled-response", "userhost-in-names"},
}


async def test_registration_negotiates_the_caps_each_server_offers(
    ircd: RealServer, pool: ClientPool
) -> None:
    alice, bob, channel, _ = await two_members(pool, ircd)
    assert alice.client.caps == EXPECTED_CAPS[ircd.name]
    assert alice.client.isupport.network == "TestNet"
    alice.send("privmsg", target=channel, message="stamped?")
    received = await bob.events.wait("PRIVMSG", message="stamped?")
    if "server-time" in bob.client.caps:
        assert server_time(received["tags"]) is not None
    else:
        assert received["tags"] == {}


# -- messages ----------------------------------------------------------------


async def test_privmsg_and_notice_arrive_with_sender_target_and_text(
    ircd: RealServer, pool: ClientPool
) -> None:
    alice, bob, channel, alice_echo = await two_members(pool, ircd)
    sender = {"nick": alice.nick, "user": alice_echo["user"], "host": alice_echo["host"]}
    assert sender["host"] == "127.0.0.1"

    alice.send("privmsg", target=channel, message="hello channel")
    alice.send("notice", target=channel, message="notice to channel")
    alice.send("privmsg", target=bob.nick, message="hello bob")
    alice.send("notice", target=bob.nick, message="notice to bob")

    expected = [
        ("PRIVMSG", channel, "hello channel"),
        ("NOTICE", channel, "notice to channel"),
        ("PRIVMSG", bob.nick, "hello bob"),
        ("NOTICE", bob.nick, "notice to bob"),
    ]
    for event, target, message in expected:
        received = await bob.events.wait(event, nick=alice.nick, message=message)
        assert received["target"] == target
        assert {key: received[key] for key in sender} == sender
        assert isinstance(received["tags"], dict)


async def test_long_utf8_message_arrives_whole_split_over_several_privmsgs(
    ircd: RealServer, pool: ClientPool
) -> None:
    alice, bob, channel, _ = await two_members(pool, ircd)
    words = ["alpha", "é漢🙂", "beta", "żółć", "漢字テスト", "🙂🙃", "gamma-δ", "x"]
    text_words: list[str] = []
    while len(" ".join(text_words).encode()) < 1500:
        text_words.append(words[len(text_words) % len(words)])
    text = " ".join(text_words)

    alice.send("privmsg", target=channel, message=text)
    alice.send("privmsg", target=channel, message="end-of-long-text")
    await bob.events.wait("PRIVMSG", nick=alice.nick, message="end-of-long-text")

    pieces = [
        received["message"]
        for received in bob.events.all("PRIVMSG", nick=alice.nick, target=channel)
    ][:-1]
    # Servers cut relayed lines at 512 bytes without a word (REALSERVERS.md (d)):
    # only a split that leaves room for alice's prefix gets every byte through.
    assert " ".join(pieces) == text, f"piece sizes: {[len(p.encode()) for p in pieces]}"
    assert len(pieces) >= 3


# -- membership ----------------------------------------------------------------


async def test_part_with_a_message_is_seen_by_the_other_member(
    ircd: RealServer, pool: ClientPool
) -> None:
    alice, bob, channel, _ = await two_members(pool, ircd)

    bob.send("part", channel=channel, message="bye now")

    seen = await alice.events.wait("PART", nick=bob.nick)
    assert (seen["channel"], seen["message"]) == (channel, "bye now")
    echo = await bob.events.wait("PART", nick=bob.nick)
    assert (echo["channel"], echo["message"]) == (channel, "bye now")


async def test_kick_by_the_chanop_is_seen_by_both_sides(ircd: RealServer, pool: ClientPool) -> None:
    alice, bob, channel, _ = await two_members(pool, ircd)

    alice.send("kick", channel=channel, nick=bob.nick, message="out you go")

    expected = {"nick": alice.nick, "channel": channel, "target": bob.nick}
    for bot in (bob, alice):
        kick = await bot.events.wait("KICK", **expected)
        assert kick["message"] == "out you go"


async def test_quit_is_seen_by_the_other_member(ircd: RealServer, pool: ClientPool) -> None:
    alice, bob, _, _ = await two_members(pool, ircd)

    bob.send("quit", message="gone fishing")

    seen = await alice.events.wait("QUIT", nick=bob.nick)
    assert seen["message"] == QUIT_AS_RELAYED[ircd.name].format("gone fishing")
    await bob.events.wait("CLIENT_DISCONNECT")
    assert bob.client.is_closing()


# -- channel information ---------------------------------------------------------


async def test_names_and_who_describe_the_members(ircd: RealServer, pool: ClientPool) -> None:
    alice, bob, channel, alice_echo = await two_members(pool, ircd)
    bob_echo = bob.events.all("JOIN", nick=bob.nick, channel=channel)[0]
    since = alice.events.mark()

    alice.send("names", channel=channel)
    alice.send("who", mask=channel)

    names = await alice.events.wait("RPL_NAMREPLY", since=since)
    assert (names["target"], names["channel"], names["channel_type"]) == (
        alice.nick,
        channel,
        "=",
    )
    assert sorted(names["users"]) == sorted([f"@{alice.nick}", bob.nick])
    end_of_names = await alice.events.wait("RPL_ENDOFNAMES", since=since)
    assert end_of_names["channel"] == channel

    end_of_who = await alice.events.wait("RPL_ENDOFWHO", since=since)
    assert (end_of_who["target"], end_of_who["name"]) == (alice.nick, channel)
    replies = {reply["nick"]: reply for reply in alice.events.all("RPL_WHOREPLY", since=since)}
    assert sorted(replies) == sorted([alice.nick, bob.nick])
    for bot, echo, status in ((alice, alice_echo, "H@"), (bob, bob_echo, "H")):
        reply = replies[bot.nick]
        assert {key: reply[key] for key in WHO_REPLY_KEYS} == {
            "target": alice.nick,
            "channel": channel,
            "user": echo["user"],
            "host": "127.0.0.1",
            "server": SERVER_NAME,
            "nick": bot.nick,
            "hg_code": status,
            "hopcount": 0,
            "real_name": bot.nick,  # bottom's default realname is the nick
        }


async def test_mode_changes_arrive_as_channelmode_and_usermode(
    ircd: RealServer, pool: ClientPool
) -> None:
    alice, bob, channel, _ = await two_members(pool, ircd)
    since = alice.events.mark()

    alice.send("channelmode", channel=channel, modes="+vo", params=[bob.nick, bob.nick])
    alice.send("usermode", nick=alice.nick, modes="+w")

    for bot in (bob, alice):
        change = await bot.events.wait("CHANNELMODE", channel=channel)
        assert (change["nick"], change["modes"], change["params"]) == (
            alice.nick,
            "+vo",
            [bob.nick, bob.nick],
        )
    own = await alice.events.wait("USERMODE", since=since)
    assert (own["nick"], own["modes"]) == (alice.nick, "+w")
    assert not bob.events.all("USERMODE", nick=alice.nick)


# -- TLS ---------------------------------------------------------------------------


async def test_registers_over_tls_with_a_context_trusting_the_test_certificate(
    ircd: RealServer, pool: ClientPool
) -> None:
    context = ssl.create_default_context(cafile=str(ircd.cafile))
    bot = pool.make(ircd, "tls", host=TLS_SERVER_HOSTNAME, port=ircd.tls_port, ssl=context)

    (ready,) = await register(bot)

    assert (ready["host"], ready["port"], ready["nick"]) == (
        TLS_SERVER_HOSTNAME,
        ircd.tls_port,
        bot.nick,
    )


async def test_default_tls_refuses_the_self_signed_test_certificate(
    ircd: RealServer, pool: ClientPool
) -> None:
    bot = pool.make(ircd, "tls", host=TLS_SERVER_HOSTNAME, port=ircd.tls_port, ssl=True)

    with pytest.raises(bottom.ConnectionFailed, match="TLS"):
        await bot.client.connect()

    assert not bot.events.all("CLIENT_CONNECT")


# -- keepalive and reconnect ---------------------------------------------------------


async def test_keepalive_pings_are_answered_and_never_misfire(
    ircd: RealServer, pool: ClientPool
) -> None:
    # Seven answered PINGs take over 3 s, twice ping_timeout: a timeout that
    # the PONGs did not reset would fire before the seventh.
    bot = pool.make(ircd, "alive", ping_interval=0.5, ping_timeout=1.5, **FAST)
    await register(bot)
    since = bot.events.mark()

    # Servers send PONG only in answer to a PING, and the test sends none.
    await bot.events.wait_count("PONG", 7, since=since)

    assert not bot.events.all("CLIENT_DISCONNECT")
    assert not bot.client.is_closing()


async def test_reconnects_and_rejoins_after_an_operator_kill(
    ircd: RealServer, pool: ClientPool
) -> None:
    channel = unique_channel("kill")
    oper = pool.make(ircd, "oper", **FAST)
    victim = pool.make(ircd, "vict", reconnect=bottom.ReconnectPolicy(**RECONNECT), **FAST)
    victim_nick = victim.nick
    victim.client.on("client_ready", lambda: victim.send("join", channel=channel))

    await register(oper, victim)
    await victim.events.wait("JOIN", nick=victim_nick, channel=channel)
    await oper.join(channel)
    oper.send("oper", user=ircd.oper_name, password=ircd.oper_password)
    await oper.events.wait("RPL_YOUREOPER")
    since_oper, since_victim = oper.events.mark(), victim.events.mark()

    oper.send("kill", nick=victim_nick, message="testing reconnect")

    lost = await victim.events.wait("CLIENT_DISCONNECT", since=since_victim)
    # ngircd: ERROR :KILLed by <oper>: <reason>; inspircd: KILL, then
    # ERROR :Closing link: (...) [Killed (<oper> (<reason>))].
    assert "testing reconnect" in lost["reason"]
    quit_seen = await oper.events.wait("QUIT", since=since_oper, nick=victim_nick)
    assert "testing reconnect" in quit_seen["message"]
    if ircd.name == "inspircd":
        kill = await victim.events.wait("KILL", since=since_victim)
        assert (kill["nick"], kill["target"]) == (oper.nick, victim_nick)

    await victim.events.wait("CLIENT_READY", since=since_victim)
    assert victim.nick == victim_nick
    await victim.events.wait("JOIN", since=since_victim, nick=victim_nick, channel=channel)
    await oper.events.wait("JOIN", since=since_oper, nick=victim_nick, channel=channel)
    assert len(victim.events.all("CLIENT_CONNECT", since=since_victim)) == 1


async def test_reconnects_and_rejoins_after_the_server_restarts(
    private_server: RealServer, pool: ClientPool
) -> None:
    channel = unique_channel("boot")
    bot = pool.make(private_server, "boot", reconnect=bottom.ReconnectPolicy(**RECONNECT), **FAST)
    bot.client.on("client_ready", lambda: bot.send("join", channel=channel))
    await register(bot)
    await bot.events.wait("JOIN", nick=bot.nick, channel=channel)
    since = bot.events.mark()

    await asyncio.to_thread(private_server.restart)

    await bot.events.wait("CLIENT_DISCONNECT", since=since)
    ready = await bot.events.wait("CLIENT_READY", since=since)
    assert ready["nick"] == bot.nick
    await bot.events.wait("JOIN", since=since, nick=bot.nick, channel=channel)
    assert not bot.client.is_closing()
    assert not bot.events.all("CLIENT_REGISTRATION_FAILED")
