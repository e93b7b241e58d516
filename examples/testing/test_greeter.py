"""Testing a bot with bottom.testing: run with ``python -m pytest`` in this folder."""

import asyncio

from greeter import make_bot

import bottom
from bottom.testing import Server

# Tests talk to a local test double: pacing would only slow them down.
FAST = {"flood_control": False}


# [start auto]
async def test_the_bot_joins_and_answers_ping(irc_server):
    bot = make_bot(irc_server.host, irc_server.port, **FAST)
    await bot.connect()
    conn = await irc_server.wait_for_connection()  # the bot, seen from the server
    await conn.wait_registered()
    assert (await conn.wait_for_line("JOIN")).params == ("#lobby",)

    # Say something as "alice" by writing the line the server would relay.
    conn.send_line(":alice!a@127.0.0.1 PRIVMSG #lobby :!ping")
    reply = await conn.wait_for_line("PRIVMSG")
    assert reply.params == ("#lobby", "alice: pong")
    await bot.disconnect()
# [end auto]


# [start two-clients]
async def test_the_bot_greets_a_real_second_client(irc_server):
    bot = make_bot(irc_server.host, irc_server.port, **FAST)
    alice = bottom.Client(irc_server.host, irc_server.port, ssl=False, nick="alice", **FAST)
    await bot.connect()
    await (await irc_server.wait_for_connection()).wait_for_line("JOIN")
    await alice.connect()
    await asyncio.wait_for(alice.wait("client_ready"), 10)
    greeted = asyncio.ensure_future(alice.wait("privmsg"))
    alice.send("join", channel="#lobby")
    said = await asyncio.wait_for(greeted, 10)
    assert (said["nick"], said["message"]) == ("greeter", "welcome, alice!")
    await asyncio.gather(bot.disconnect(), alice.disconnect())
# [end two-clients]


# [start scripted]
async def test_the_bot_survives_a_scripted_server():
    async with Server(auto_respond=False) as server:  # records lines, answers nothing
        bot = make_bot(server.host, server.port, **FAST)
        await bot.connect()
        conn = await server.wait_for_connection()
        await conn.wait_for_line("USER")
        conn.send_line(":irc.test 001 greeter :Welcome")
        conn.send_line(":irc.test 422 greeter :MOTD File is missing")
        assert (await conn.wait_for_line("JOIN")).params == ("#lobby",)

        conn.push(b":alice!a@h PRIVMSG #lobby :!pi")  # half a line...
        conn.push(b"ng\r\n\xff\xfe not utf-8\r\n")     # ...the rest, then junk
        assert (await conn.wait_for_line("PRIVMSG")).params == ("#lobby", "alice: pong")

        gone = asyncio.ensure_future(bot.wait("client_disconnect"))
        conn.close("test over")  # sends ERROR :Closing link: ... [test over]
        assert "test over" in (await asyncio.wait_for(gone, 10))["reason"]
# [end scripted]
