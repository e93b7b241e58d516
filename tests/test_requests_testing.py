"""bottom.testing answers requests: WHOIS, labeled-response (against a real Client)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import bottom
from bottom.testing import DEFAULT_CAPS, Server

TIMEOUT = 10.0


async def ready_client(server: Server, nick: str, **options: Any) -> bottom.Client:
    client = bottom.Client(server.host, server.port, ssl=False, nick=nick,
                           flood_control=False, **options)
    ready = asyncio.ensure_future(client.wait("client_ready"))
    await client.connect()
    await asyncio.wait_for(ready, TIMEOUT)
    return client


@pytest.fixture
async def labeled_server() -> AsyncIterator[Server]:
    async with Server(caps=(*DEFAULT_CAPS, "labeled-response")) as server:
        yield server


async def test_whois_of_a_present_user_fills_a_whois(irc_server: Server) -> None:
    alice = await ready_client(irc_server, "alice")
    bob = await ready_client(irc_server, "bob")
    await alice.join("#room", timeout=TIMEOUT)
    info = await bob.whois("ALICE", timeout=TIMEOUT)
    assert (info.nick, info.username, info.host) == ("alice", "alice", "127.0.0.1")
    assert info.channels == {"#room": "@"} and info.server == "irc.test"
    assert info.idle == 0 and info.signon is not None
    with pytest.raises(bottom.CommandError) as error:
        await bob.whois("nobody", timeout=TIMEOUT)
    assert error.value.code == "401"
    await alice.disconnect()
    await bob.disconnect()


async def test_labeled_requests_get_labeled_answers(labeled_server: Server) -> None:
    client = await ready_client(labeled_server, "asker")
    assert "labeled-response" in client.caps
    results = await asyncio.wait_for(asyncio.gather(
        client.whois("asker", timeout=TIMEOUT), client.whois("asker", timeout=TIMEOUT),
        client.request("motd", timeout=TIMEOUT)), TIMEOUT)
    assert results[0].nick == results[1].nick == "asker"
    assert results[2].messages[0].command == "BATCH"
    conn = await labeled_server.wait_for_connection()
    labels = [bottom.Message.parse(x).tags.get("label") for x in conn.received[-3:]]
    assert len(set(labels)) == 3 and None not in labels
    await client.disconnect()


async def test_a_labeled_command_with_no_answer_gets_ack(labeled_server: Server) -> None:
    client = await ready_client(labeled_server, "quiet")
    await client.join("#room", timeout=TIMEOUT)
    reply = await client.request("privmsg", target="#room", message="hi", timeout=TIMEOUT)
    assert [m.command for m in reply.messages] == ["ACK"]
    with pytest.raises(bottom.CommandError) as error:
        await client.request("privmsg", target="#nowhere", message="hi", timeout=TIMEOUT)
    assert error.value.code in ("401", "403", "404")
    await client.disconnect()


async def test_a_refused_setname_is_a_fail_and_a_labeled_request_raises_it(
        labeled_server: Server) -> None:
    client = await ready_client(labeled_server, "renamer")
    with pytest.raises(bottom.CommandError) as error:
        await client.request("setname", realname="x" * 200, timeout=TIMEOUT)
    assert (error.value.code, error.value.name) == ("FAIL", "INVALID_REALNAME")
    assert str(error.value) == "SETNAME failed: FAIL INVALID_REALNAME: Realname is not valid"
    conn = await labeled_server.wait_for_connection()
    assert conn.realname != "x" * 200
    await client.request("setname", realname="New Name", timeout=TIMEOUT)
    assert conn.realname == "New Name"
    await client.disconnect()


async def test_standard_replies_sent_by_a_test_reach_the_client_as_events(
        irc_server: Server) -> None:
    client = await ready_client(irc_server, "told")
    conn = await irc_server.wait_for_connection()
    got = asyncio.ensure_future(client.wait("warn"))
    conn.standard_reply("WARN", "REHASH", "CERTS_EXPIRED", "Certificate expires soon")
    kwargs = await asyncio.wait_for(got, TIMEOUT)
    assert (kwargs["command"], kwargs["code"], kwargs["description"]) == (
        "REHASH", "CERTS_EXPIRED", "Certificate expires soon")
    with pytest.raises(ValueError, match="FAIL, WARN or NOTE"):
        conn.standard_reply("OOPS", "X", "Y", "z")
    with pytest.raises(ValueError, match="description"):
        conn.standard_reply("NOTE", "X", "Y")
    await client.disconnect()
