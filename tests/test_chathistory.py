"""client.chathistory (IRCv3 draft/chathistory): the query lines, and the answers
of bottom.testing's history buffer and of a scripted server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from helpers import sync, until
from test_requests import registered
from test_requests_testing import ready_client

import bottom
from bottom.chathistory import history_of, query_line, reference
from bottom.testing import DEFAULT_CAPS, Server, ServerConnection

TIMEOUT = 10.0
T0 = datetime(2026, 12, 2, 14, 0, 0, 123000, tzinfo=timezone.utc)


# -- the line sent ---------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "line"), [
    ({}, "CHATHISTORY LATEST #c * 50"),
    ({"latest": "abc"}, "CHATHISTORY LATEST #c msgid=abc 50"),
    ({"before": T0}, "CHATHISTORY BEFORE #c timestamp=2026-12-02T14:00:00.123Z 50"),
    ({"after": "msgid=x1"}, "CHATHISTORY AFTER #c msgid=x1 50"),
    ({"around": "timestamp=2026-12-02T14:00:00.123Z"},
     "CHATHISTORY AROUND #c timestamp=2026-12-02T14:00:00.123Z 50"),
    ({"between": ("a", T0 + timedelta(hours=1))},
     "CHATHISTORY BETWEEN #c msgid=a timestamp=2026-12-02T15:00:00.123Z 50"),
])
def test_each_subcommand_makes_its_line(kwargs: dict[str, Any], line: str) -> None:
    assert query_line("#c", limit=50, **kwargs) == line


def test_a_message_refers_by_msgid_or_by_time_when_the_server_takes_only_time() -> None:
    msg = bottom.Message.parse("@msgid=m7;time=2026-12-02T14:00:00.123Z :a!u@h PRIVMSG #c :x")
    assert reference(msg) == "msgid=m7"
    assert reference(msg, ("timestamp",)) == "timestamp=2026-12-02T14:00:00.123Z"
    untagged = bottom.Message.parse(":a!u@h PRIVMSG #c :x")
    with pytest.raises(ValueError, match="no msgid or time tag"):
        reference(untagged)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"before": datetime(2026, 1, 1)}, "naive"),
    ({"before": "a", "after": "b"}, "not before and after"),
    ({"between": ("a",)}, "pair"),
    ({"before": "has space"}, "cannot be sent"),
    ({"before": "timestamp=yesterday"}, "invalid server-time"),
    ({"limit": 0}, "positive int"),
])
def test_bad_queries_are_refused_with_the_reason(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        query_line("#c", **{"limit": 10, **kwargs})


@pytest.mark.parametrize("target", ["", "#a,#b", "two words", ":x"])
def test_one_target_only(target: str) -> None:
    with pytest.raises(ValueError, match="one channel or nick"):
        query_line(target, limit=1)


# -- against the test server's history ------------------------------------------------

async def ready(server: Server, nick: str, **options: Any) -> bottom.Client:
    return await ready_client(server, nick, **options)


@pytest.fixture
async def room() -> AsyncIterator[tuple[Server, bottom.Client, bottom.Client]]:
    """alice said m0..m5 in #room, bob is there too."""
    async with Server() as server:
        alice, bob = await ready(server, "alice"), await ready(server, "bob")
        await alice.join("#room", timeout=TIMEOUT)
        await bob.join("#room", timeout=TIMEOUT)
        heard = []
        bob.on("privmsg", lambda message, **kw: heard.append(message))
        for i in range(6):
            alice.send("privmsg", target="#room", message=f"m{i}")
        await until(lambda: len(heard) == 6)
        yield server, alice, bob
        await alice.disconnect()
        await bob.disconnect()


def texts(messages: list[bottom.Message]) -> list[str]:
    return [m.params[-1] for m in messages]


async def test_latest_returns_what_the_server_relayed_with_msgid_and_time(
        room: tuple[Server, bottom.Client, bottom.Client]) -> None:
    _, _, bob = room
    assert "draft/chathistory" in bob.caps and bob.isupport["CHATHISTORY"] == "100"
    batches = []
    bob.on("batch", lambda **kw: batches.append(kw))
    history = await bob.chathistory("#ROOM", timeout=TIMEOUT)
    assert texts(history) == [f"m{i}" for i in range(6)]
    assert {m.command for m in history} == {"PRIVMSG"} and history[0].nick == "alice"
    assert len({m.tags["msgid"] for m in history}) == 6
    assert all(m.tags["time"] for m in history)
    # The lines fired BATCH as usual: the typed result is that batch's lines.
    assert [b["type"] for b in batches if not b.get("starting")] == ["chathistory"]
    assert texts(await bob.chathistory("#room", limit=2, timeout=TIMEOUT)) == ["m4", "m5"]


async def test_before_after_around_between_and_latest_page_from_a_message(
        room: tuple[Server, bottom.Client, bottom.Client]) -> None:
    _, _, bob = room
    every = await bob.chathistory("#room", timeout=TIMEOUT)
    ask = bob.chathistory
    assert texts(await ask("#room", before=every[3], timeout=TIMEOUT)) == ["m0", "m1", "m2"]
    assert texts(await ask("#room", before=every[3], limit=1, timeout=TIMEOUT)) == ["m2"]
    assert texts(await ask("#room", after=every[3], timeout=TIMEOUT)) == ["m4", "m5"]
    assert texts(await ask("#room", after=every[0], limit=2, timeout=TIMEOUT)) == ["m1", "m2"]
    assert texts(await ask("#room", latest=every[1], limit=2, timeout=TIMEOUT)) == ["m4", "m5"]
    assert texts(await ask("#room", around=every[3], limit=3, timeout=TIMEOUT)) == [
        "m2", "m3", "m4"]
    forwards = await ask("#room", between=(every[0], every[5]), limit=2, timeout=TIMEOUT)
    backwards = await ask("#room", between=(every[5], every[0]), limit=2, timeout=TIMEOUT)
    assert (texts(forwards), texts(backwards)) == (["m1", "m2"], ["m3", "m4"])


async def test_timestamps_refer_as_well_as_msgids(
        room: tuple[Server, bottom.Client, bottom.Client]) -> None:
    _, _, bob = room
    every = await bob.chathistory("#room", timeout=TIMEOUT)
    after_all = bottom.tags.server_time(every[-1].tags)
    assert after_all is not None
    later = after_all + timedelta(seconds=1)
    assert await bob.chathistory("#room", after=later, timeout=TIMEOUT) == []
    assert texts(await bob.chathistory("#room", before=later, limit=1,
                                       timeout=TIMEOUT)) == ["m5"]


async def test_a_conversation_with_a_nick_is_kept_for_both_ends(
        room: tuple[Server, bottom.Client, bottom.Client]) -> None:
    server, alice, bob = room
    carol = await ready(server, "carol")
    got = asyncio.ensure_future(bob.wait("privmsg"))
    alice.send("privmsg", target="bob", message="psst")
    await asyncio.wait_for(got, TIMEOUT)
    got = asyncio.ensure_future(alice.wait("privmsg"))
    bob.send("privmsg", target="alice", message="yes?")
    await asyncio.wait_for(got, TIMEOUT)
    assert texts(await bob.chathistory("alice", timeout=TIMEOUT)) == ["psst", "yes?"]
    assert texts(await alice.chathistory("BOB", timeout=TIMEOUT)) == ["psst", "yes?"]
    assert await carol.chathistory("alice", timeout=TIMEOUT) == []  # not carol's talk
    start, end = T0 - timedelta(days=1), datetime.now(timezone.utc) + timedelta(minutes=1)
    found = await bob.chathistory_targets(start, end, timeout=TIMEOUT)
    assert [name for name, _ in found] == ["#room", "alice"]
    assert all(start < when < end for _, when in found)
    await carol.disconnect()


async def test_refusals_are_command_errors_naming_the_fail_code(
        room: tuple[Server, bottom.Client, bottom.Client]) -> None:
    server, _, bob = room
    outsider = await ready(server, "outsider")
    for client, target in ((bob, "#nowhere"), (outsider, "#room"), (bob, "nobody")):
        with pytest.raises(bottom.CommandError) as error:
            await client.chathistory(target, timeout=TIMEOUT)
        assert (error.value.code, error.value.name) == ("FAIL", "INVALID_TARGET")
        assert target in str(error.value) and "CHATHISTORY" in str(error.value)
    with pytest.raises(bottom.CommandError) as error:
        await bob.chathistory("#room", before="no-such-id", timeout=TIMEOUT)
    assert error.value.name == "INVALID_PARAMS" and "Unknown msgid" in str(error.value)
    with pytest.raises(ValueError, match="maximum of 100"):
        await bob.chathistory("#room", limit=101, timeout=TIMEOUT)
    await outsider.disconnect()


async def test_with_labeled_response_the_answer_is_found_by_label() -> None:
    async with Server(caps=(*DEFAULT_CAPS, "labeled-response")) as server:
        alice = await ready(server, "alice")
        await alice.join("#l", timeout=TIMEOUT)
        got = asyncio.ensure_future(alice.wait("privmsg"))
        other = await ready(server, "other")
        await other.join("#l", timeout=TIMEOUT)
        other.send("privmsg", target="#l", message="labeled")
        await asyncio.wait_for(got, TIMEOUT)
        assert "labeled-response" in alice.caps
        assert texts(await alice.chathistory("#l", timeout=TIMEOUT)) == ["labeled"]
        conn = server.connections[0]
        asked = next(bottom.Message.parse(x) for x in reversed(conn.received)
                     if "CHATHISTORY" in x)
        assert asked.tags.get("label")
        with pytest.raises(bottom.CommandError, match="INVALID_TARGET"):
            await alice.chathistory("#gone", timeout=TIMEOUT)
        await alice.disconnect()
        await other.disconnect()


async def test_without_the_capability_the_error_says_why() -> None:
    plain_caps = tuple(c for c in DEFAULT_CAPS if c != "draft/chathistory")
    async with Server(caps=plain_caps) as server:
        client = await ready(server, "nohist")
        with pytest.raises(bottom.CapabilityNotEnabled, match="does not offer") as error:
            await client.chathistory("#c", timeout=TIMEOUT)
        assert error.value.capability == "draft/chathistory"
        await client.disconnect()
    async with Server() as server:
        caps = [c for c in bottom.cap.DEFAULT_CAPS if c != "draft/chathistory"]
        client = await ready(server, "optout", caps=caps)
        with pytest.raises(bottom.CapabilityNotEnabled, match="did not ask for it"):
            await client.chathistory("#c", timeout=TIMEOUT)
        await client.disconnect()
    client = bottom.Client("127.0.0.1", 1, ssl=False, nick="never")
    with pytest.raises(bottom.CapabilityNotEnabled, match="not registered yet"):
        await client.chathistory("#c", timeout=TIMEOUT)


# -- a scripted server: interleaved lines, other batches ------------------------------

async def scripted_client(server: Server) -> tuple[bottom.Client, ServerConnection]:
    return await registered(server, "batch server-time message-tags draft/chathistory")


async def test_only_the_batch_for_the_asked_target_answers() -> None:
    async with Server(auto_respond=False) as server:
        client, conn = await scripted_client(server)
        task = asyncio.ensure_future(client.chathistory("#c", timeout=TIMEOUT))
        asked = await conn.wait_for_line("CHATHISTORY", timeout=TIMEOUT)
        assert asked.params == ("LATEST", "#c", "*", "100")  # no CHATHISTORY token
        for line in [
            ":x!u@h PRIVMSG #c :live, not history",
            ":irc.test BATCH +o chathistory #other",
            "@batch=o :x!u@h PRIVMSG #other :other target",
            ":irc.test BATCH +n netsplit a.test b.test",
            ":irc.test BATCH +h chathistory #C",
            "@batch=h;msgid=1 :x!u@h PRIVMSG #c :one",
            "@batch=n :gone!u@h QUIT :a.test b.test",
            "@batch=h;msgid=2 :x!u@h NOTICE #c :two",
            ":irc.test BATCH -o",
            ":irc.test BATCH -n",
        ]:
            conn.send_line(line)
        await sync(conn)  # the client handled them all: still waiting for BATCH -h
        assert not task.done()
        conn.send_line(":irc.test BATCH -h")
        history = await asyncio.wait_for(task, TIMEOUT)
        assert [(m.command, m.params[-1]) for m in history] == [
            ("PRIVMSG", "one"), ("NOTICE", "two")]
        # An empty batch is an empty history, and FAIL ends a request.
        task = asyncio.ensure_future(client.chathistory("#e", timeout=TIMEOUT))
        await conn.wait_for_line("CHATHISTORY", timeout=TIMEOUT)
        conn.send_line(":irc.test BATCH +e chathistory #e")
        conn.send_line(":irc.test BATCH -e")
        assert await asyncio.wait_for(task, TIMEOUT) == []
        task = asyncio.ensure_future(client.chathistory("#f", timeout=TIMEOUT))
        await conn.wait_for_line("CHATHISTORY", timeout=TIMEOUT)
        conn.send_line(":irc.test FAIL CHATHISTORY MESSAGE_ERROR LATEST #f :try later")
        with pytest.raises(bottom.CommandError, match="MESSAGE_ERROR"):
            await asyncio.wait_for(task, TIMEOUT)
        await client.disconnect()


async def test_a_disconnect_during_the_query_raises() -> None:
    async with Server(auto_respond=False) as server:
        client, conn = await scripted_client(server)
        task = asyncio.ensure_future(client.chathistory("#c", timeout=TIMEOUT))
        await conn.wait_for_line("CHATHISTORY", timeout=TIMEOUT)
        conn.send_line(":irc.test BATCH +h chathistory #c")
        conn.close()
        with pytest.raises(bottom.NotConnected):
            await asyncio.wait_for(task, TIMEOUT)
        assert not client._request_tracker().correlator.active


def test_history_of_reads_a_labeled_answer_with_the_batch_nested() -> None:
    lines = ["@label=b1 :s BATCH +L labeled-response", "@batch=L :s BATCH +h chathistory #c",
             "@batch=h :a!u@h PRIVMSG #c :x", "@batch=L :s BATCH -h", ":s BATCH -L"]
    assert texts(history_of([bottom.Message.parse(x) for x in lines])) == ["x"]
