"""State tracking in the Client, against bottom.testing's server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import until

import bottom
from bottom.testing import Server

TIMEOUT = 30.0


def make(server: Server, nick: str, **kwargs: Any) -> bottom.Client:
    # A burst that holds registration, joins and WHO: flood control stays
    # on, but its 1 line/s pacing (tested elsewhere) is not what these test.
    kwargs.setdefault("flood_burst", 50)
    return bottom.Client(server.host, server.port, ssl=False, nick=nick, **kwargs)


async def ready(client: bottom.Client) -> None:
    waiting = asyncio.ensure_future(client.wait("client_ready"))
    await client.connect()
    await asyncio.wait_for(waiting, TIMEOUT)


async def test_join_names_and_who_fill_the_state_before_handlers_run(irc_server: Server) -> None:
    bot, alice = make(irc_server, "bot"), make(irc_server, "Alice", realname="Alice A")
    seen: list[Any] = []

    @bot.on("join")
    def on_join(nick: str, channel: str, **kwargs: Any) -> None:
        seen.append(nick in bot.channels[channel].users)

    await ready(alice)
    alice.send("join", channel="#Room")
    await until(lambda: "#room" in alice.channels)
    await ready(bot)
    bot.send("join", channel="#room")
    await until(lambda: "#room" in bot.channels and bot.users.get("alice") is not None
                and bot.users["alice"].realname == "Alice A")
    channel = bot.channels["#ROOM"]
    assert channel.name == "#Room"
    assert channel.users["alice"].prefix == "@" and channel.users["bot"].prefix == ""
    assert bot.users["alice"].host == "127.0.0.1"
    assert seen == [True]
    conn = next(c for c in irc_server.connections if c.nick == "bot")
    assert any(line.startswith("WHO #Room %tcuhnfar,") for line in conn.received)
    await bot.disconnect()
    await alice.disconnect()


async def test_quit_and_nick_events_carry_channels(irc_server: Server) -> None:
    bot, alice = make(irc_server, "bot"), make(irc_server, "alice")
    events: list[tuple[str, dict[str, Any]]] = []
    bot.on("quit", lambda **kw: events.append(("quit", kw)))
    bot.on("nick", lambda **kw: events.append(("nick", kw)))
    await ready(bot)
    await ready(alice)
    for client in (bot, alice):
        client.send("join", channel="#a")
        client.send("join", channel="#b")
    await until(lambda: "alice" in bot.channels.get("#b", {"": 0}).users
                if "#b" in bot.channels else False)
    alice.send("nick", nick="carol")
    await until(lambda: "carol" in bot.users)
    alice.send("quit", message="bye")
    await until(lambda: "carol" not in bot.users)
    assert [(name, kw["channels"]) for name, kw in events] == [
        ("nick", ["#a", "#b"]), ("quit", ["#a", "#b"])]
    assert "carol" not in bot.channels["#a"].users
    await bot.disconnect()


async def test_rejoin_after_a_server_restart_with_key(irc_server: Server) -> None:
    port = irc_server.port
    bot = make(irc_server, "bot",
               reconnect=bottom.ReconnectPolicy(minimum=0.05, initial=0.1, maximum=0.2))
    await ready(bot)
    bot.send("join", channel="#keyed")
    bot.send("join", channel="#open")
    await until(lambda: "#open" in bot.channels)
    bot.send("channelmode", channel="#keyed", modes="+k", params=["sesame"])
    await until(lambda: bot.channels["#keyed"].modes.get("k") == "sesame")
    rejoined = asyncio.ensure_future(bot.wait("client_ready"))
    await irc_server.close()
    await until(lambda: not bot.channels)
    async with Server(port=port) as again:
        await asyncio.wait_for(rejoined, TIMEOUT)
        await until(lambda: set(bot.channels) == {"#keyed", "#open"})
        conn = next(c for c in again.connections if c.nick == "bot")
        assert "JOIN #keyed,#open sesame" in conn.received
        await bot.disconnect()


async def test_rejoin_failure_is_an_event(irc_server: Server) -> None:
    bot, op = make(irc_server, "bot"), make(irc_server, "op")
    await ready(op)
    op.send("join", channel="#closed")
    await until(lambda: "#closed" in op.channels)
    await ready(bot)
    bot.send("join", channel="#closed")
    await until(lambda: "bot" in op.channels["#closed"].users)
    op.send("channelmode", channel="#closed", modes="+b", params=["bot!*@*"])
    await until(lambda: "bot!*@*" in bot.channels["#closed"].list_modes.get("b", ()))
    failed = asyncio.ensure_future(bot.wait("client_rejoin_failed"))
    conn = next(c for c in irc_server.connections if c.nick == "bot")
    conn.reset()
    await until(lambda: not bot.channels)
    await bot.connect()
    kwargs = await asyncio.wait_for(failed, TIMEOUT)
    assert kwargs["channel"] == "#closed" and kwargs["code"] == "474"
    assert "+b" in kwargs["reason"]
    await bot.disconnect()
    await op.disconnect()


async def test_tracking_off(irc_server: Server) -> None:
    bot = make(irc_server, "bot", track_state=False)
    assert bot.state is None
    with pytest.raises(RuntimeError, match="track_state=True"):
        bot.channels  # noqa: B018
    with pytest.raises(RuntimeError, match="track_state=True"):
        bot.users  # noqa: B018
    anonymous = bottom.Client(irc_server.host, irc_server.port, ssl=False)
    assert anonymous.state is None
    tracked = bottom.Client(irc_server.host, irc_server.port, ssl=False, track_state=True,
                            max_tracked_users=5, max_tracked_channels=2)
    assert tracked.state is not None and tracked.state.max_tracked_users == 5
    with pytest.raises(ValueError, match="max_tracked_channels"):
        make(irc_server, "bot", max_tracked_channels=0)


async def test_account_away_and_chghost_notifications_update_users(irc_server: Server) -> None:
    bot, alice = make(irc_server, "bot"), make(irc_server, "alice")
    await ready(bot)
    await ready(alice)
    for client in (bot, alice):
        client.send("join", channel="#acct")
    await until(lambda: "alice" in bot.users)
    conn = next(c for c in irc_server.connections if c.nick == "alice")
    conn.set_account("alice-acct")
    await until(lambda: bot.users["alice"].account == "alice-acct")
    alice.send("away", message="lunch")
    await until(lambda: bot.users["alice"].away)
    assert bot.users["alice"].away_message == "lunch"
    conn.set_host("alice.example", "al")
    await until(lambda: bot.users["alice"].host == "alice.example")
    assert bot.users["alice"].username == "al"
    await bot.disconnect()
    await alice.disconnect()


async def test_idle_clients_share_what_they_can_and_hold_no_empty_tables(
        irc_server: Server) -> None:
    # Issue 19 (memory per idle client), by identity rather than bytes: what
    # every registered client of one server holds alike is one object.
    first, second = make(irc_server, "first"), make(irc_server, "second")
    await ready(first)
    await ready(second)
    for client in (first, second):
        state = client.state
        assert state is not None and client._tracker is not None
        assert state.isupport is client.isupport  # one ISUPPORT per client
        assert state._names is None and state._lists is None and state._ckeys is None
        tracker = client._tracker
        assert tracker._remembered is None and tracker._waiting is None
        assert tracker._keys is None
        assert client._session._actions is None and client._session.cap._pending == ()
        assert client._closed is None
    a, b = first.state, second.state
    assert a is not None and b is not None
    assert a._folder is b._folder and a._classes is b._classes
    assert a._channels._data is b._channels._data  # the shared empty table
    assert first.isupport._state is second.isupport._state
    assert first._session.cap is second._session.cap  # the settled negotiation
    assert first.caps is second.caps
    assert list(first.users) == ["first"]
    await first.disconnect()
    await second.disconnect()


async def test_a_reconnected_client_registers_again_and_folds_by_the_new_server(
        irc_server: Server) -> None:
    port = irc_server.port
    await irc_server.close()
    async with Server(port=port, isupport={"CASEMAPPING": "ascii"}) as ascii_server:
        bot = make(ascii_server, "bot")
        isupport = bot.isupport
        await ready(bot)
        assert bot.state is not None and bot.state._folder.casemapping == "ascii"
        bot.send("join", channel="#A[1]")
        await until(lambda: "#a[1]" in bot.channels)
        await bot.disconnect()
        assert not bot.channels
    async with Server(port=port) as rfc_server:
        assert rfc_server.isupport["CASEMAPPING"] == "rfc1459"
        await ready(bot)
        assert bot.isupport is isupport and bot.state is not None
        assert bot.state.isupport is isupport and isupport.casemapping == "rfc1459"
        assert bot.state._folder.casemapping == "rfc1459"
        bot.send("join", channel="#B[1]")
        await until(lambda: "#b{1}" in bot.channels)
        assert bot.channels["#B[1]"].name == "#B[1]" and list(bot.users) == ["bot"]
        await bot.disconnect()
