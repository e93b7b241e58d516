"""client.request and its helpers, against bottom.testing (scripted and auto)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import bottom
from bottom.testing import Server, ServerConnection

TIMEOUT = 10.0


async def registered(server: Server, caps: str = "",
                     **options: Any) -> tuple[bottom.Client, ServerConnection]:
    """A client registered as "bot" on the scripted server, with ``caps`` ACKed."""
    client = bottom.Client(server.host, server.port, ssl=False, nick="bot",
                           flood_control=False, **options)
    ready = asyncio.ensure_future(client.wait("client_ready"))
    await client.connect()
    conn = await server.wait_for_connection(timeout=TIMEOUT)
    await conn.wait_for_line("USER", timeout=TIMEOUT)
    conn.send_line(f":irc.test CAP * LS :{caps}")
    if caps:
        req = await conn.wait_for_line(lambda m: m.params[:1] == ("REQ",), timeout=TIMEOUT)
        conn.send_line(f":irc.test CAP bot ACK :{req.params[-1]}")
    conn.send_line(":irc.test 001 bot :Welcome bot!u@127.0.0.1")
    conn.send_line(":irc.test 005 bot PREFIX=(ov)@+ WHOX :are supported")
    conn.send_line(":irc.test 376 bot :End of MOTD")
    await asyncio.wait_for(ready, TIMEOUT)
    return client, conn


async def next_line(conn: ServerConnection, command: str) -> bottom.Message:
    return await conn.wait_for_line(command, timeout=TIMEOUT)


async def test_whois_collects_its_answer_among_unrelated_lines(scripted: Server) -> None:
    client, conn = await registered(scripted)
    heard = []
    client.on("rpl_whoisserver", lambda nick, server: heard.append((nick, server)))
    task = asyncio.ensure_future(client.whois("alice", timeout=TIMEOUT))
    await next_line(conn, "WHOIS")
    for line in [
        ":irc.test 311 bot alice al host * :Alice",
        ":x!u@h PRIVMSG #c :unrelated",
        ":irc.test 311 bot bob bo host * :not asked",
        ":irc.test 312 bot alice irc.test :Test server",
        ":irc.test 319 bot alice :@#ops #chat",
        ":irc.test 330 bot alice acct :is logged in as",
        ":irc.test 317 bot alice 7 1700000000 :seconds idle, signon",
        ":irc.test 318 bot alice :End of WHOIS",
    ]:
        conn.send_line(line)
    info = await asyncio.wait_for(task, TIMEOUT)
    assert (info.nick, info.username, info.account, info.idle) == ("alice", "al", "acct", 7)
    assert info.channels == {"#ops": "@", "#chat": ""}
    assert heard == [("alice", "irc.test")]  # answer lines still fire their events
    await client.disconnect()


async def test_request_returns_the_lines_and_their_events(scripted: Server) -> None:
    client, conn = await registered(scripted)
    task = asyncio.ensure_future(client.request("names", channel="#c", timeout=TIMEOUT))
    await next_line(conn, "NAMES")
    conn.send_line(":irc.test 353 bot = #c :@alice bob")
    conn.send_line(":irc.test 366 bot #c :End of NAMES")
    reply = await asyncio.wait_for(task, TIMEOUT)
    assert [m.command for m in reply.messages] == ["353", "366"]
    assert [name for name, _ in reply.events] == ["RPL_NAMREPLY", "RPL_ENDOFNAMES"]
    await client.disconnect()


async def test_an_error_numeric_raises_command_error(scripted: Server) -> None:
    client, conn = await registered(scripted)
    task = asyncio.ensure_future(client.whois("ghost", timeout=TIMEOUT))
    await next_line(conn, "WHOIS")
    conn.send_line(":irc.test 401 bot ghost :No such nick/channel")
    conn.send_line(":irc.test 318 bot ghost :End of WHOIS")
    with pytest.raises(bottom.CommandError) as info:
        await asyncio.wait_for(task, TIMEOUT)
    error = info.value
    assert (error.code, error.name, error.text) == ("401", "ERR_NOSUCHNICK",
                                                    "No such nick/channel")
    assert "ghost" in str(error) and isinstance(error, bottom.BottomError)
    await client.disconnect()


async def test_two_whois_at_once_go_one_after_the_other(scripted: Server) -> None:
    client, conn = await registered(scripted)
    first = asyncio.ensure_future(client.whois("a", timeout=TIMEOUT))
    second = asyncio.ensure_future(client.whois("b", timeout=TIMEOUT))
    await next_line(conn, "WHOIS")
    assert [bottom.Message.parse(x).command for x in conn.received].count("WHOIS") == 1
    conn.send_line(":irc.test 311 bot a ua h * :A")
    conn.send_line(":irc.test 318 bot a :End")
    assert (await asyncio.wait_for(first, TIMEOUT)).username == "ua"
    await conn.wait_for_line(lambda m: m.command == "WHOIS" and m.params[-1] == "b",
                             timeout=TIMEOUT)
    conn.send_line(":irc.test 311 bot b ub h * :B")
    conn.send_line(":irc.test 318 bot b :End")
    assert (await asyncio.wait_for(second, TIMEOUT)).username == "ub"
    await client.disconnect()


async def test_requests_of_different_kinds_run_concurrently(scripted: Server) -> None:
    client, conn = await registered(scripted)
    motd = asyncio.ensure_future(client.request("motd", timeout=TIMEOUT))
    names = asyncio.ensure_future(client.names("#c", timeout=TIMEOUT))
    await next_line(conn, "MOTD")
    await next_line(conn, "NAMES")
    conn.send_line(":irc.test 353 bot = #c :+v")
    conn.send_line(":irc.test 375 bot :- MOTD -")
    conn.send_line(":irc.test 366 bot #c :End of NAMES")
    conn.send_line(":irc.test 376 bot :End of MOTD")
    assert await asyncio.wait_for(names, TIMEOUT) == {"v": {"v"}}
    assert len((await asyncio.wait_for(motd, TIMEOUT)).messages) == 2
    await client.disconnect()


async def test_a_timeout_then_a_late_answer_is_dropped_and_logged(
        scripted: Server, caplog: pytest.LogCaptureFixture) -> None:
    client, conn = await registered(scripted)
    with pytest.raises(bottom.RequestTimeout) as info:
        await client.request("whois", mask="slow", timeout=0.05)
    assert isinstance(info.value, TimeoutError) and info.value.command == "WHOIS"
    late = asyncio.ensure_future(client.wait("rpl_endofwhois"))
    with caplog.at_level(logging.INFO, logger="bottom"):
        conn.send_line(":irc.test 318 bot slow :End of WHOIS")
        await asyncio.wait_for(late, TIMEOUT)
    assert "late answer to WHOIS" in caplog.text
    tracker = client._requests
    assert tracker is not None and not tracker.correlator.active
    assert not tracker._futures and not tracker._timers
    await client.disconnect()


async def test_a_disconnect_during_a_request_raises_and_nothing_hangs(
        scripted: Server) -> None:
    client, conn = await registered(scripted)
    task = asyncio.ensure_future(client.whois("alice", timeout=60))
    await next_line(conn, "WHOIS")
    conn.close("bye")
    with pytest.raises(bottom.NotConnected, match="WHOIS"):
        await asyncio.wait_for(task, TIMEOUT)
    assert client._requests is not None and not client._requests.correlator.active


async def test_request_while_disconnected_raises_not_connected() -> None:
    client = bottom.Client("127.0.0.1", 1, ssl=False)
    with pytest.raises(bottom.NotConnected):
        await client.request("whois", mask="a")
    assert client._requests is not None and not client._requests.correlator.active


async def test_a_command_without_a_recognisable_answer_is_refused(scripted: Server) -> None:
    client, _ = await registered(scripted)
    with pytest.raises(ValueError, match="labeled-response"):
        await client.request("privmsg", target="#c", message="hi")
    with pytest.raises(ValueError, match="timeout"):
        await client.request("motd", timeout=0)
    await client.disconnect()


async def test_labeled_requests_run_together_and_take_only_their_label(
        scripted: Server) -> None:
    client, conn = await registered(scripted, caps="batch labeled-response")
    assert "labeled-response" in client.caps
    first = asyncio.ensure_future(client.whois("a", timeout=TIMEOUT))
    second = asyncio.ensure_future(client.whois("b", timeout=TIMEOUT))
    await conn.wait_for_line(lambda m: m.command == "WHOIS" and m.params[-1] == "b",
                             timeout=TIMEOUT)
    sent = [bottom.Message.parse(x) for x in conn.received]
    label = {m.params[-1]: m.tags["label"] for m in sent if m.command == "WHOIS"}
    conn.send_line(f"@label={label['b']} :irc.test BATCH +x labeled-response")
    conn.send_line(f"@label={label['a']} :irc.test 401 bot a :No such nick")
    conn.send_line("@batch=x :irc.test 311 bot b ub h * :B")
    conn.send_line(":x!u@h PRIVMSG bot :unrelated")
    conn.send_line("@batch=x :irc.test 318 bot b :End")
    conn.send_line(":irc.test BATCH -x")
    with pytest.raises(bottom.CommandError):
        await asyncio.wait_for(first, TIMEOUT)
    assert (await asyncio.wait_for(second, TIMEOUT)).username == "ub"
    await client.disconnect()


async def test_a_batch_fires_batch_with_its_messages_when_it_ends(scripted: Server) -> None:
    client, conn = await registered(scripted)
    seen: list[str] = []
    client.on("privmsg", lambda message: seen.append(message))
    started = asyncio.ensure_future(client.wait("batch"))
    conn.send_line(":irc.test BATCH +h chathistory #c")
    assert (await asyncio.wait_for(started, TIMEOUT))["starting"]
    ended = asyncio.ensure_future(client.wait("batch"))
    conn.send_line("@batch=h :a!u@h PRIVMSG #c :one")
    conn.send_line("@batch=h :a!u@h PRIVMSG #c :two")
    conn.send_line(":irc.test BATCH -h")
    kwargs = await asyncio.wait_for(ended, TIMEOUT)
    assert (kwargs["type"], kwargs["params"]) == ("chathistory", ["#c"])
    assert [m.params[-1] for m in kwargs["messages"]] == ["one", "two"]
    assert seen == ["one", "two"]  # each line fired its own event as it came
    await client.disconnect()


async def test_join_part_who_and_names_against_the_auto_server(irc_server: Server) -> None:
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False, nick="bot",
                           flood_control=False)
    ready = asyncio.ensure_future(client.wait("client_ready"))
    await client.connect()
    await asyncio.wait_for(ready, TIMEOUT)
    channel = await client.join("#Bottom", timeout=TIMEOUT)
    # Tracking is on (nick= given): join returns the tracked channel, members in.
    assert isinstance(channel, bottom.Channel) and channel is client.channels["#bottom"]
    assert channel.users["BOT"].modes == {"o"}
    assert await client.names("#bottom", timeout=TIMEOUT) == {"bot": {"o"}}
    users = await client.who("#bottom", timeout=TIMEOUT)
    assert [(type(u), u.nick, u.channels) for u in users] == [(bottom.User, "bot", {"#Bottom"})]
    assert users[0].username and users[0].host and users[0].realname
    await client.part("#bottom", timeout=TIMEOUT)
    with pytest.raises(bottom.CommandError) as info:
        await client.part("#bottom", timeout=TIMEOUT)
    assert info.value.code in ("403", "442")  # the channel went when we left it
    await client.disconnect()
