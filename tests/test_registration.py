"""Opt-in registration (nick=): CAP, SASL, nick fallback, CTCP, session state."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import bottom
from bottom.tags import server_time
from bottom.testing import Server, ServerConnection

TIMEOUT = 10


def make_client(server: Server, nick: str = "bot", **options: Any) -> bottom.Client:
    options.setdefault("flood_control", False)
    return bottom.Client(server.host, server.port, ssl=False, nick=nick, **options)


async def until_ready(client: bottom.Client) -> dict[str, Any]:
    ready = asyncio.ensure_future(client.wait("client_ready"))
    await client.connect()
    return await asyncio.wait_for(ready, TIMEOUT)


async def test_a_bot_with_a_nick_registers_and_becomes_ready(irc_server: Server) -> None:
    client = make_client(irc_server)
    kwargs = await until_ready(client)
    assert kwargs == {"host": irc_server.host, "port": irc_server.port, "nick": "bot"}
    conn = irc_server.connections[0]
    sent = [line.split(" ")[0] for line in conn.received]
    assert sent[:4] == ["CAP", "NICK", "USER", "CAP"]
    assert conn.received[0] == "CAP LS 302"
    assert "CAP END" in conn.received
    assert client.nick == "bot"
    assert {"message-tags", "server-time", "multi-prefix"} <= client.caps
    assert "echo-message" not in client.caps, "echo-message only when asked for"
    assert client.isupport["NETWORK"] == "TestNet"
    await client.disconnect()


async def test_only_offered_caps_are_requested(irc_server: Server) -> None:
    client = make_client(irc_server, caps=("server-time", "not-a-real-cap"))
    await until_ready(client)
    requests = [line for line in irc_server.connections[0].received
                if line.startswith("CAP REQ")]
    assert requests == ["CAP REQ :server-time"]
    assert client.caps == {"server-time"}
    await client.disconnect()


async def test_the_done_when_bot_sees_tags_and_server_time(irc_server: Server) -> None:
    first = make_client(irc_server, nick="bot")
    await until_ready(first)
    bot = make_client(irc_server, nick="bot")  # the nick is taken: a collision
    heard: list[dict[str, Any]] = []

    @bot.on("privmsg")
    def on_message(nick: str, message: str, tags: dict[str, str]) -> None:
        heard.append({"nick": nick, "message": message, "tags": tags})

    await until_ready(bot)
    assert bot.nick == "bot_"
    got = asyncio.ensure_future(bot.wait("privmsg"))
    first.send("privmsg", target="bot_", message="hi", tags={"+example/x": "a b"})
    await asyncio.wait_for(got, TIMEOUT)
    assert heard[0]["nick"] == "bot" and heard[0]["message"] == "hi"
    assert heard[0]["tags"]["+example/x"] == "a b"
    assert server_time(heard[0]["tags"]) is not None
    await first.disconnect()
    await bot.disconnect()


async def test_alt_nicks_are_tried_in_order_before_generated_ones(irc_server: Server) -> None:
    holders = [make_client(irc_server, nick=n) for n in ("bot", "bot2")]
    for holder in holders:
        await until_ready(holder)
    client = make_client(irc_server, nick="bot", alt_nicks=("bot2", "bot3"))
    kwargs = await until_ready(client)
    assert kwargs["nick"] == client.nick == "bot3"
    for c in (*holders, client):
        await c.disconnect()


async def test_generated_nicks_fit_nicklen(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False, nick="averylongnick")
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    await conn.wait_for_line("USER", timeout=TIMEOUT)
    conn.send_line(":irc.test 432 * averylongnick :Erroneous Nickname")
    retry = await conn.wait_for_line("NICK", timeout=TIMEOUT)
    assert len(retry.params[0]) <= 9
    assert retry.params[0].startswith("averylon")
    await client.disconnect()


async def test_sasl_plain_logs_in_before_registration_ends(
        caplog: pytest.LogCaptureFixture) -> None:
    async with Server(accounts={"acct": "s3cret-pass"}) as server:
        client = make_client(server, sasl=("acct", "s3cret-pass"))
        with caplog.at_level(logging.DEBUG, logger="bottom"):
            await until_ready(client)
        conn = server.connections[0]
        assert conn.account == "acct"
        assert "sasl" in client.caps
        auth = [line for line in conn.received if line.startswith("AUTHENTICATE")]
        assert auth[0] == "AUTHENTICATE PLAIN"
        assert conn.received.index("CAP END") > conn.received.index(auth[-1])
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "s3cret-pass" not in logged
        assert auth[1].split(" ")[1] not in logged, "the SASL payload must not be logged"
        await client.disconnect()


@pytest.mark.parametrize("accounts, expected", [
    ({"acct": "other"}, "SASL PLAIN failed"),
    (None, "does not offer the sasl capability"),
])
async def test_a_sasl_failure_ends_the_connection_with_a_reason_naming_sasl(
        accounts: dict[str, str] | None, expected: str) -> None:
    async with Server(accounts=accounts) as server:
        client = make_client(server, sasl=("acct", "wrong"))
        failed = asyncio.ensure_future(client.wait("client_registration_failed"))
        disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
        await client.connect()
        failure = await asyncio.wait_for(failed, TIMEOUT)
        gone = await asyncio.wait_for(disconnected, TIMEOUT)
        assert expected in failure["reason"]
        assert gone["reason"] == failure["reason"]
        assert client.is_closing()


async def test_a_wrong_server_password_is_a_registration_failure() -> None:
    async with Server(password="right") as server:
        client = make_client(server, password="wrong")
        failed = asyncio.ensure_future(client.wait("client_registration_failed"))
        await client.connect()
        assert "password" in (await asyncio.wait_for(failed, TIMEOUT))["reason"]


async def test_a_server_without_cap_still_registers(scripted: Server) -> None:
    client = make_client(scripted)
    ready = asyncio.ensure_future(client.wait("client_ready"))
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    await conn.wait_for_line("USER", timeout=TIMEOUT)
    # Like inspircd without its cap module: CAP LS goes unanswered.
    conn.send_line(":irc.test 001 bot :Welcome bot!bot@127.0.0.1")
    conn.send_line(":irc.test 422 bot :MOTD File is missing")
    assert (await asyncio.wait_for(ready, TIMEOUT))["nick"] == "bot"
    assert client.prefix_reserve == len(":bot!bot@127.0.0.1 ")
    await client.disconnect()


async def test_a_multi_line_ls_with_a_poison_cap_requests_only_wanted_caps(
        scripted: Server) -> None:
    client = make_client(scripted)
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    await conn.wait_for_line("USER", timeout=TIMEOUT)
    conn.send_line(":irc.test CAP * LS * :account-tag inspircd.org/poison message-tags")
    conn.send_line(":irc.test CAP * LS :server-time invite-notify ")
    request = await conn.wait_for_line("CAP", timeout=TIMEOUT)
    assert request.params == ("REQ", "message-tags server-time")
    conn.send_line(":irc.test CAP bot NAK :message-tags server-time")
    retries = {(await conn.wait_for_line("CAP", timeout=TIMEOUT)).params[1] for _ in range(2)}
    assert retries == {"message-tags", "server-time"}
    conn.send_line(":irc.test CAP bot ACK :message-tags")
    conn.send_line(":irc.test CAP bot NAK :server-time")
    end = await conn.wait_for_line("CAP", timeout=TIMEOUT)
    assert end.params == ("END",)
    assert client.caps == {"message-tags"}
    await client.disconnect()


async def test_no_welcome_in_time_is_a_registration_failure(scripted: Server) -> None:
    client = make_client(scripted, register_timeout=0.2)
    failed = asyncio.ensure_future(client.wait("client_registration_failed"))
    await client.connect()
    assert "timed out" in (await asyncio.wait_for(failed, TIMEOUT))["reason"]


async def test_an_error_during_registration_is_reported(scripted: Server) -> None:
    client = make_client(scripted)
    failed = asyncio.ensure_future(client.wait("client_registration_failed"))
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    conn.send_line("ERROR :Closing link: (bot@127.0.0.1) [Banned]")
    assert "Banned" in (await asyncio.wait_for(failed, TIMEOUT))["reason"]


async def test_without_nick_nothing_is_sent_on_connect(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False)
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    client.send_raw("PING :marker")
    await conn.wait_for_line("PING", timeout=TIMEOUT)
    assert conn.received == ["PING :marker"]
    await client.disconnect()


async def test_session_state_follows_the_server(irc_server: Server) -> None:
    client = make_client(irc_server)
    await until_ready(client)
    assert client.isupport.nicklen == 30
    renamed = asyncio.ensure_future(client.wait("nick"))
    client.send("nick", nick="newbot")
    await asyncio.wait_for(renamed, TIMEOUT)
    assert client.nick == "newbot"
    conn = irc_server.connections[0]
    dropped = asyncio.ensure_future(client.wait("cap"))
    conn.send_line(":irc.test CAP newbot DEL :server-time")
    await asyncio.wait_for(dropped, TIMEOUT)
    assert "server-time" not in client.caps
    await client.disconnect()


async def test_state_is_fresh_on_every_connection(irc_server: Server) -> None:
    client = make_client(irc_server)
    await until_ready(client)
    client.send("nick", nick="renamed")
    await asyncio.wait_for(client.wait("nick"), TIMEOUT)
    await client.disconnect()
    assert (await until_ready(client))["nick"] == "bot"
    await client.disconnect()


# -- CTCP ---------------------------------------------------------------------

async def ctcp_pair(server: Server) -> tuple[bottom.Client, bottom.Client]:
    bot = make_client(server, nick="bot")
    asker = make_client(server, nick="asker", ctcp_replies=False)
    await until_ready(bot)
    await until_ready(asker)
    return bot, asker


async def test_ctcp_version_is_answered_by_notice(irc_server: Server) -> None:
    bot, asker = await ctcp_pair(irc_server)
    reply = asyncio.ensure_future(asker.wait("ctcp_reply"))
    asker.send("privmsg", target="bot", message="\x01VERSION\x01")
    kwargs = await asyncio.wait_for(reply, TIMEOUT)
    assert kwargs["command"] == "VERSION" and kwargs["args"].startswith("bottom ")
    assert kwargs["nick"] == "bot"
    await bot.disconnect()
    await asker.disconnect()


async def test_the_ctcp_version_answer_is_configurable(irc_server: Server) -> None:
    bot = make_client(irc_server, nick="bot", ctcp_version="relaybot 2.1")
    asker = make_client(irc_server, nick="asker", ctcp_replies=False)
    await until_ready(bot)
    await until_ready(asker)
    reply = asyncio.ensure_future(asker.wait("ctcp_reply"))
    asker.send("privmsg", target="bot", message="\x01VERSION\x01")
    assert (await asyncio.wait_for(reply, TIMEOUT))["args"] == "relaybot 2.1"
    await bot.disconnect()
    await asker.disconnect()


def test_a_ctcp_version_that_would_break_the_reply_is_refused() -> None:
    with pytest.raises(ValueError, match="ctcp_version"):
        bottom.Client("127.0.0.1", 6667, ctcp_version="evil\x01 \r\nQUIT")


async def test_a_ctcp_request_triggers_its_events_and_action_stays_a_message(
        irc_server: Server) -> None:
    bot, asker = await ctcp_pair(irc_server)
    seen: list[str] = []
    bot.on("ctcp_action", lambda args: seen.append(f"CTCP_ACTION {args}"))
    bot.on("ctcp", lambda command: seen.append(f"CTCP {command}"))
    bot.on("privmsg", lambda message: seen.append(f"PRIVMSG {message}"))
    done = asyncio.ensure_future(bot.wait("privmsg"))
    asker.send("privmsg", target="bot", message="\x01ACTION waves\x01")
    await asyncio.wait_for(done, TIMEOUT)
    assert seen == ["CTCP_ACTION waves", "CTCP ACTION", "PRIVMSG \x01ACTION waves\x01"]
    await bot.disconnect()
    await asker.disconnect()


async def test_a_ctcp_flood_gets_only_a_few_replies(irc_server: Server) -> None:
    bot, asker = await ctcp_pair(irc_server)
    bot_conn = _conn_for(irc_server, "bot")
    for n in range(20):
        asker.send("privmsg", target="bot", message=f"\x01PING {n}\x01")
    asker.send("privmsg", target="bot", message="end")
    await asyncio.wait_for(bot.wait("privmsg"), TIMEOUT)
    marker = asyncio.ensure_future(bot.wait("pong"))
    bot.send("ping", message="flushed")
    await asyncio.wait_for(marker, TIMEOUT)
    replies = [line for line in bot_conn.received if line.startswith("NOTICE asker")]
    assert 1 <= len(replies) <= 4
    await bot.disconnect()
    await asker.disconnect()


def _conn_for(server: Server, nick: str) -> ServerConnection:
    return next(c for c in server.connections if c.nick == nick)


async def test_registration_works_under_default_flood_control(irc_server: Server) -> None:
    client = make_client(irc_server, flood_control=True)
    assert (await until_ready(client))["nick"] == "bot"
    await client.disconnect()


async def test_built_in_reconnect_gives_up_after_a_permanent_failure() -> None:
    async with Server(accounts={"acct": "right"}) as server:
        policy = bottom.ReconnectPolicy(initial=0.05, minimum=0.01, maximum=0.1)
        client = make_client(server, sasl=("acct", "wrong"), reconnect=policy)
        failed = asyncio.ensure_future(client.wait("client_registration_failed"))
        disconnected = asyncio.ensure_future(client.wait("client_disconnect"))
        await client.connect()
        assert (await asyncio.wait_for(failed, TIMEOUT))["permanent"] is True
        await asyncio.wait_for(disconnected, TIMEOUT)
        assert client._reconnect_task is None
        assert len(server.connections) == 1


async def test_a_ban_without_nick_is_not_a_registration_failure(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False)
    failures: list[object] = []
    client.on("client_registration_failed", lambda **kw: failures.append(kw))
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    banned = asyncio.ensure_future(client.wait("err_yourebannedcreep"))
    conn.send_line(":irc.test 465 * :You are banned")
    await asyncio.wait_for(banned, TIMEOUT)
    assert failures == [] and not client.is_closing()
    await client.disconnect()


async def test_sasl_external_sends_an_empty_response_and_ends_negotiation(
        scripted: Server) -> None:
    client = make_client(scripted, sasl="EXTERNAL")
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    await conn.wait_for_line("USER", timeout=TIMEOUT)
    conn.send_line(":irc.test CAP * LS :sasl=EXTERNAL server-time")
    assert (await conn.wait_for_line("CAP", timeout=TIMEOUT)).params == (
        "REQ", "sasl server-time")
    conn.send_line(":irc.test CAP bot ACK :sasl server-time")
    assert (await conn.wait_for_line("AUTHENTICATE", timeout=TIMEOUT)).params == ("EXTERNAL",)
    conn.send_line("AUTHENTICATE +")
    assert (await conn.wait_for_line("AUTHENTICATE", timeout=TIMEOUT)).params == ("+",)
    conn.send_line(":irc.test 900 bot bot!bot@127.0.0.1 certuser :You are now logged in")
    conn.send_line(":irc.test 903 bot :SASL authentication successful")
    assert (await conn.wait_for_line("CAP", timeout=TIMEOUT)).params == ("END",)
    await client.disconnect()


async def test_sasl_scram_sha_256_completes_against_a_scripted_server(
        scripted: Server) -> None:
    import base64

    from bottom.sasl import ScramSha256

    nonce = "rOprNGfwEbeRWgbNEkqO"
    client = make_client(scripted, sasl=ScramSha256("user", "pencil", nonce=nonce))
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    conn.send_line(":irc.test CAP * LS :sasl=SCRAM-SHA-256")
    await conn.wait_for_line(lambda m: m.params[:1] == ("REQ",), timeout=TIMEOUT)
    conn.send_line(":irc.test CAP bot ACK :sasl")
    assert (await conn.wait_for_line("AUTHENTICATE", timeout=TIMEOUT)).params == (
        "SCRAM-SHA-256",)

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    conn.send_line("AUTHENTICATE +")
    first = await conn.wait_for_line("AUTHENTICATE", timeout=TIMEOUT)
    assert base64.b64decode(first.params[0]) == f"n,,n=user,r={nonce}".encode()
    server_first = (f"r={nonce}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    conn.send_line(f"AUTHENTICATE {b64(server_first)}")
    final = await conn.wait_for_line("AUTHENTICATE", timeout=TIMEOUT)
    assert base64.b64decode(final.params[0]).endswith(
        b",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    conn.send_line(f"AUTHENTICATE {b64('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')}")
    assert (await conn.wait_for_line("AUTHENTICATE", timeout=TIMEOUT)).params == ("+",)
    conn.send_line(":irc.test 903 bot :SASL authentication successful")
    assert (await conn.wait_for_line("CAP", timeout=TIMEOUT)).params == ("END",)
    await client.disconnect()


async def test_tags_are_left_off_when_the_server_did_not_enable_message_tags(
        caplog: pytest.LogCaptureFixture) -> None:
    async with Server(caps=("server-time",)) as server:  # like ngircd: no message-tags
        client = make_client(server)
        await until_ready(client)
        conn = server.connections[0]
        with caplog.at_level(logging.WARNING, logger="bottom"):
            client.send("privmsg", target="#c", message="still delivered",
                        tags={"+draft/reply": "abc"})
            client.send("privmsg", target="#c", message="again", tags={"+x": "y"})
        sent = await conn.wait_for_line("PRIVMSG", timeout=TIMEOUT)
        assert sent.params[-1] == "still delivered" and sent.tags == {}
        assert len([r for r in caplog.records if "message-tags" in r.getMessage()]) == 1
        with pytest.raises(ValueError, match="TAGMSG"):
            client.send("tagmsg", target="#c", tags={"+typing": "active"})
        await client.disconnect()


async def test_a_client_without_nick_also_answers_ctcp(scripted: Server) -> None:
    client = bottom.Client(scripted.host, scripted.port, ssl=False)
    await client.connect()
    conn = await scripted.wait_for_connection(timeout=TIMEOUT)
    conn.send_line(":asker!a@h PRIVMSG me :\x01PING 12345\x01")
    reply = await conn.wait_for_line("NOTICE", timeout=TIMEOUT)
    assert reply.params == ("asker", "\x01PING 12345\x01")
    await client.disconnect()
