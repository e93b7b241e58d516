"""Tests for bottom.testing, the test-double IRC server, driven by raw asyncio streams."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bottom.message import Message
from bottom.pytest_plugin import irc_server  # noqa: F401  (the fixture under test)
from bottom.testing import Server, ServerConnection

TIMEOUT = 10.0
ROOT = Path(__file__).resolve().parent.parent
TIME_TAG = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Peer:
    """A raw IRC client: writes lines, reads and parses what the server sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def send(self, *lines: str) -> None:
        self.writer.write("".join(f"{line}\r\n" for line in lines).encode())

    async def line(self) -> str:
        raw = await asyncio.wait_for(self.reader.readline(), TIMEOUT)
        if not raw.endswith(b"\n"):
            raise EOFError(f"connection closed; partial line {raw!r}")
        return raw.decode().removesuffix("\n").removesuffix("\r")

    async def read(self) -> Message:
        return Message.parse(await self.line())

    async def until(self, *commands: str) -> list[Message]:
        """Every message up to and including the first with one of ``commands``."""
        seen = [await self.read()]
        while seen[-1].command not in commands:
            seen.append(await self.read())
        return seen

    async def expect(self, *commands: str) -> Message:
        return (await self.until(*commands))[-1]

    async def sync(self) -> list[Message]:
        """Everything the server sent before it answered a PING sent now."""
        self.send("PING :sync")
        return (await self.until("PONG"))[:-1]

    async def register(self, nick: str, *caps: str) -> list[Message]:
        if caps:
            self.send("CAP LS 302", f"CAP REQ :{' '.join(caps)}")
        self.send(f"NICK {nick}", f"USER {nick[0].lower()} 0 * :{nick} Real")
        if caps:
            self.send("CAP END")
        return await self.until("376", "422")

    async def eof(self) -> bytes:
        return await asyncio.wait_for(self.reader.read(), TIMEOUT)


Connect = Callable[..., Awaitable[Peer]]


@pytest.fixture
async def connect(irc_server: Server) -> AsyncIterator[Connect]:  # noqa: F811
    """``await connect()`` opens a Peer to irc_server (or ``connect(other)``)."""
    peers: list[Peer] = []

    async def open_peer(server: Server = irc_server) -> Peer:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        peers.append(Peer(reader, writer))
        return peers[-1]

    yield open_peer
    for peer in peers:
        peer.writer.close()
        with contextlib.suppress(OSError):
            await peer.writer.wait_closed()


async def two_in_channel(connect: Connect, alice_caps: tuple[str, ...] = (),
                         bob_caps: tuple[str, ...] = ()) -> tuple[Peer, Peer]:
    alice, bob = await connect(), await connect()
    await alice.register("alice", *alice_caps)
    await bob.register("bob", *bob_caps)
    alice.send("JOIN #chan")
    await alice.expect("366")
    bob.send("JOIN #chan")
    await bob.expect("366")
    await alice.expect("JOIN")
    return alice, bob


# -- construction, registration ---------------------------------------------

@pytest.mark.parametrize("host", ["0.0.0.0", "localhost", "::1", ""])
def test_server_refuses_any_host_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        Server(host)


async def test_fixture_yields_a_started_server(irc_server: Server) -> None:  # noqa: F811
    assert irc_server.host == "127.0.0.1"
    assert irc_server.port > 0


async def test_registration_sends_welcome_isupport_lusers_and_motd(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peer = await connect()
    lines = await peer.register("alice")
    commands = [msg.command for msg in lines]
    assert commands[:4] == ["001", "002", "003", "004"]
    assert commands[-8:] == ["251", "252", "253", "254", "255", "375", "372", "376"]
    assert set(commands[4:-8]) == {"005"}
    welcome = lines[0]
    assert welcome.source == "irc.test"
    assert welcome.params[0] == "alice"
    assert welcome.params[-1].endswith("alice!a@127.0.0.1")
    assert lines[-2].params == ("alice", "- Welcome to the bottom test server")
    conn = await irc_server.wait_for_connection()
    await conn.wait_registered()
    assert (conn.nick, conn.user, conn.realname, conn.registered) == (
        "alice", "a", "alice Real", True)


async def test_registration_takes_user_before_nick_and_checks_pass(connect: Connect) -> None:
    async with Server(password="sesame") as server:
        peer = await connect(server)
        peer.send("USER u 0 * :U", "PASS sesame", "NICK alice")
        assert (await peer.read()).command == "001"


async def test_a_wrong_password_gets_464_then_error_and_close(connect: Connect) -> None:
    async with Server(password="sesame") as server:
        peer = await connect(server)
        peer.send("PASS wrong", "NICK alice", "USER u 0 * :U")
        assert (await peer.read()).command == "464"
        error = await peer.read()
        assert error.command == "ERROR"
        assert error.params[0].startswith("Closing link:")
        assert await peer.eof() == b""
        await server.connections[0].wait_closed()


async def test_an_empty_motd_sends_422(connect: Connect) -> None:
    async with Server(motd=()) as server:
        lines = await (await connect(server)).register("alice")
        assert lines[-1].command == "422"


async def test_lusers_counts_the_registered_clients_still_connected(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    def users(lines: list[Message]) -> str:
        return next(msg for msg in lines if msg.command == "251").params[-1]

    alice, bob = await connect(), await connect()
    assert users(await alice.register("alice")).startswith("There are 1 users")
    await connect()  # connected but never registered: not a user
    assert users(await bob.register("bob")).startswith("There are 2 users")
    alice.send("QUIT :bye")
    await alice.eof()
    await irc_server.connections[0].wait_closed()
    carol = await connect()
    assert users(await carol.register("carol")).startswith("There are 2 users")


async def test_isupport_has_defaults_and_takes_overrides(connect: Connect) -> None:
    async with Server(isupport={"NICKLEN": "9", "CHANTYPES": None, "WHOX": ""}) as server:
        peer = await connect(server)
        lines = await peer.register("alice")
        tokens = [tok for msg in lines if msg.command == "005" for tok in msg.params[1:-1]]
        assert {"CASEMAPPING=rfc1459", "PREFIX=(ov)@+", "NETWORK=TestNet", "NICKLEN=9",
                "LINELEN=512", "CHANNELLEN=64", "WHOX"} <= set(tokens)
        assert not any(tok.startswith("CHANTYPES") for tok in tokens)
        assert all(msg.params[-1] == "are supported by this server"
                   for msg in lines if msg.command == "005")
        peer.send("NICK abcdefghij")
        assert (await peer.read()).params[:2] == ("alice", "abcdefghij")


async def test_commands_before_registration_get_451(connect: Connect) -> None:
    peer = await connect()
    peer.send("JOIN #chan")
    msg = await peer.read()
    assert (msg.command, msg.params[0]) == ("451", "*")


async def test_an_unknown_command_gets_421(connect: Connect) -> None:
    peer = await connect()
    await peer.register("alice")
    peer.send("FROBNICATE x")
    msg = await peer.read()
    assert (msg.command, msg.params[:2]) == ("421", ("alice", "FROBNICATE"))


async def test_ping_is_answered_with_the_same_token(connect: Connect) -> None:
    peer = await connect()
    peer.send("PING :tok en")  # answered even before registration
    assert await peer.line() == ":irc.test PONG irc.test :tok en"


@pytest.mark.parametrize("line", [":", "@", "@a=b", ":src", "NICK", "USER a", "CAP",
                                  "AUTHENTICATE", "PRIVMSG", "MODE", "caf\xe9 \xff"])
async def test_malformed_lines_never_break_the_server(connect: Connect, line: str) -> None:
    peer = await connect()
    peer.writer.write(line.encode("latin-1") + b"\r\n")
    await peer.sync()
    assert (await peer.register("alice"))[0].command == "001"


# -- CAP and SASL ----------------------------------------------------------

async def test_cap_ls_before_nick_and_user_holds_registration_until_cap_end(
        connect: Connect) -> None:
    peer = await connect()
    peer.send("CAP LS 302", "NICK alice", "USER u 0 * :U")
    assert (await peer.read()).params[:2] == ("*", "LS")
    assert await peer.sync() == []  # no 001 yet
    peer.send("CAP END")
    assert (await peer.read()).command == "001"


async def test_cap_ls_302_gives_values_and_offers_sasl_only_with_accounts(
        connect: Connect) -> None:
    peer = await connect()
    peer.send("CAP LS 302")
    offered = (await peer.read()).params[-1].split()
    assert "message-tags" in offered
    assert not any(cap.startswith("sasl") for cap in offered)
    async with Server(accounts={"acct": "pw"}) as server:
        peer = await connect(server)
        peer.send("CAP LS 302", "CAP LS")
        assert "sasl=PLAIN" in (await peer.read()).params[-1].split()
        assert "sasl" in (await peer.read()).params[-1].split()


async def test_a_long_cap_ls_is_split_over_continuation_lines(connect: Connect) -> None:
    caps = tuple(f"vendor.example.org/capability-{i:03d}" for i in range(40))
    async with Server(caps=caps) as server:
        peer = await connect(server)
        peer.send("CAP LS 302")
        raw = [await peer.line() for _ in range(4)]
        lines = [Message.parse(line) for line in raw]
        assert all(len(line.encode()) <= 510 for line in raw)
        assert [msg.params[2] for msg in lines[:-1]] == ["*"] * 3
        assert len(lines[-1].params) == 3
        assert [cap for msg in lines for cap in msg.params[-1].split()] == list(caps)


async def test_cap_req_is_all_or_nothing_and_minus_disables(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peer = await connect()
    peer.send("CAP REQ :server-time inspircd.org/poison")
    assert (await peer.read()).params == ("*", "NAK", "server-time inspircd.org/poison")
    peer.send("CAP LIST")
    assert (await peer.read()).params == ("*", "LIST", "")
    peer.send("CAP REQ :server-time echo-message ")
    assert (await peer.read()).params == ("*", "ACK", "server-time echo-message")
    peer.send("CAP REQ :-echo-message", "CAP LIST")
    assert (await peer.read()).params[1:] == ("ACK", "-echo-message")
    assert (await peer.read()).params[1:] == ("LIST", "server-time")
    conn = await irc_server.wait_for_connection()
    assert conn.caps == {"server-time"}


def _plain(account: str, password: str) -> str:
    return base64.b64encode(f"\0{account}\0{password}".encode()).decode()


async def _sasl_peer(connect: Connect, server: Server) -> Peer:
    peer = await connect(server)
    peer.send("CAP LS 302", "CAP REQ :sasl")
    await peer.expect("CAP")
    assert (await peer.read()).params[1] == "ACK"
    return peer


async def test_sasl_plain_logs_in_with_a_known_account(connect: Connect) -> None:
    async with Server(accounts={"acct": "secret"}) as server:
        peer = await _sasl_peer(connect, server)
        peer.send("AUTHENTICATE PLAIN")
        assert await peer.line() == "AUTHENTICATE +"
        peer.send(f"AUTHENTICATE {_plain('acct', 'secret')}")
        logged_in = await peer.read()
        assert (logged_in.command, logged_in.params[2]) == ("900", "acct")
        assert (await peer.read()).command == "903"
        peer.send("CAP END", "NICK alice", "USER u 0 * :U")
        assert (await peer.read()).command == "001"
        assert server.connections[0].account == "acct"


@pytest.mark.parametrize(("steps", "replies"), [
    (["AUTHENTICATE PLAIN", f"AUTHENTICATE {_plain('acct', 'wrong')}"], ["904"]),
    (["AUTHENTICATE PLAIN", f"AUTHENTICATE {_plain('nobody', 'secret')}"], ["904"]),
    (["AUTHENTICATE PLAIN", "AUTHENTICATE !!notbase64"], ["904"]),
    (["AUTHENTICATE PLAIN", "AUTHENTICATE *"], ["906"]),
    (["AUTHENTICATE EXTERNAL"], ["908", "904"]),
])
async def test_sasl_failures(connect: Connect, steps: list[str], replies: list[str]) -> None:
    async with Server(accounts={"acct": "secret"}) as server:
        peer = await _sasl_peer(connect, server)
        peer.send(*steps)
        seen = [msg.command for msg in await peer.sync()]
        assert [c for c in seen if c != "AUTHENTICATE"] == replies
        assert server.connections[0].account is None


@pytest.mark.parametrize("payload_length", [400, 800, 500])
async def test_sasl_plain_takes_a_payload_in_400_byte_chunks(
        connect: Connect, payload_length: int) -> None:
    password = "p" * (payload_length * 3 // 4 - len("\0acct\0"))
    payload = _plain("acct", password)
    assert len(payload) == payload_length
    async with Server(accounts={"acct": password}) as server:
        peer = await _sasl_peer(connect, server)
        peer.send("AUTHENTICATE PLAIN")
        await peer.expect("AUTHENTICATE")
        chunks = [payload[i:i + 400] for i in range(0, len(payload), 400)]
        if len(chunks[-1]) == 400:
            chunks.append("+")
        peer.send(*(f"AUTHENTICATE {chunk}" for chunk in chunks))
        assert [msg.command for msg in await peer.sync()] == ["900", "903"]


# -- channels and messages ---------------------------------------------------

async def test_join_echoes_and_names_the_first_joiner_as_op(connect: Connect) -> None:
    alice, bob = await connect(), await connect()
    await alice.register("alice")
    await bob.register("bob")
    alice.send("JOIN #chan")
    lines = await alice.until("366")
    assert [msg.command for msg in lines] == ["JOIN", "331", "353", "366"]
    assert (lines[0].source, lines[0].params) == ("alice!a@127.0.0.1", ("#chan",))
    assert lines[2].params == ("alice", "=", "#chan", "@alice")
    bob.send("JOIN #Chan,#other")
    lines = await bob.until("366")
    assert lines[2].params[-1] == "@alice bob"
    assert (await alice.read()).params == ("#chan",)
    assert [msg.command for msg in await bob.until("366")] == ["JOIN", "331", "353", "366"]


async def test_extended_join_adds_account_and_realname(connect: Connect) -> None:
    alice, bob = await connect(), await connect()
    await alice.register("alice", "extended-join")
    await bob.register("bob")
    alice.send("JOIN #chan")
    assert (await alice.read()).params == ("#chan", "*", "alice Real")
    bob.send("JOIN #chan")
    assert (await alice.expect("JOIN")).params == ("#chan", "*", "bob Real")
    assert (await bob.read()).params == ("#chan",)


async def test_privmsg_and_notice_reach_the_other_members_only(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    alice.send("PRIVMSG #chan :hello there", "NOTICE #chan :note")
    assert await bob.line() == ":alice!a@127.0.0.1 PRIVMSG #chan :hello there"
    assert await bob.line() == ":alice!a@127.0.0.1 NOTICE #chan :note"
    assert await alice.sync() == []


async def test_echo_message_sends_the_senders_message_back(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect, alice_caps=("echo-message",))
    alice.send("PRIVMSG #chan :hi")
    assert (await alice.read()).params == ("#chan", "hi")
    assert (await bob.read()).params == ("#chan", "hi")


async def test_client_tags_and_time_go_only_to_clients_with_the_caps(
        connect: Connect) -> None:
    alice, bob = await two_in_channel(connect, bob_caps=("message-tags", "server-time"))
    carol = await connect()
    await carol.register("carol")
    carol.send("JOIN #chan")
    await carol.expect("366")
    await alice.expect("JOIN")
    await bob.expect("JOIN")
    alice.send("@+draft/react=a\\sb;vendor/x=1 PRIVMSG #chan :hi", "@+typing=active TAGMSG #chan")
    tagged = await bob.read()
    assert tagged.tags.pop("+draft/react") == "a b"
    assert TIME_TAG.match(tagged.tags.pop("time"))
    assert tagged.tags.pop("msgid") == "irc.test-1"  # message-ids: with message-tags
    assert tagged.tags == {}
    assert (await bob.read()).command == "TAGMSG"
    assert await carol.line() == ":alice!a@127.0.0.1 PRIVMSG #chan :hi"
    assert await carol.sync() == []


async def test_private_messages_and_their_errors(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    alice.send("PRIVMSG BOB :psst")
    assert await bob.line() == ":alice!a@127.0.0.1 PRIVMSG bob :psst"
    bob.send("PART #chan :gone")
    await bob.expect("PART")
    assert (await alice.read()).params == ("#chan", "gone")
    bob.send("PRIVMSG nobody :x", "PRIVMSG #chan :x", "PRIVMSG #void :x", "PRIVMSG bob")
    replies = await bob.sync()
    assert [(msg.command, msg.params[1]) for msg in replies[:3]] == [
        ("401", "nobody"), ("404", "#chan"), ("401", "#void")]
    assert replies[3].command == "412"


async def test_away_is_set_and_shown_to_senders(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    bob.send("AWAY :lunch")
    assert (await bob.read()).command == "306"
    alice.send("PRIVMSG bob :hi")
    assert (await alice.read()).params == ("alice", "bob", "lunch")
    bob.send("AWAY")
    assert (await bob.expect("305")).command == "305"


async def test_nick_in_use_compares_by_rfc1459_casemapping(connect: Connect) -> None:
    first, second = await connect(), await connect()
    await first.register("Nick[")
    second.send("NICK nick{")
    assert (await second.read()).params == ("*", "nick{", "Nickname is already in use")
    second.send("NICK 1bad", "NICK")
    assert [(m.command, m.params[:2]) for m in await second.sync()] == [
        ("432", ("*", "1bad")), ("431", ("*", "No nickname given"))]


async def test_a_nick_change_is_relayed_to_self_and_channel_peers(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    alice.send("NICK alicia")
    assert await alice.line() == ":alice!a@127.0.0.1 NICK :alicia"
    assert await bob.line() == ":alice!a@127.0.0.1 NICK :alicia"
    bob.send("PRIVMSG alicia :found you")
    assert (await alice.read()).params == ("alicia", "found you")


async def test_topic_set_get_and_op_only_with_t(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    bob.send("TOPIC #chan :mine")
    assert (await bob.read()).command == "482"
    alice.send("TOPIC #chan :new topic")
    assert await bob.line() == ":alice!a@127.0.0.1 TOPIC #chan :new topic"
    bob.send("TOPIC #chan")
    assert (await bob.read()).params == ("bob", "#chan", "new topic")


async def test_channel_modes_are_op_only_and_relayed(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    bob.send("MODE #chan +m")
    assert (await bob.read()).command == "482"
    alice.send("MODE #chan +vm bob")
    assert await bob.line() == ":alice!a@127.0.0.1 MODE #chan +vm :bob"
    alice.send("MODE #chan -v+o bob bob")
    assert (await bob.read()).params == ("#chan", "-v+o", "bob", "bob")
    alice.send("MODE #chan")
    assert (await alice.expect("324")).params == ("alice", "#chan", "+mnt")
    assert (await alice.read()).command == "329"  # creation time follows, as inspircd sends
    alice.send("MODE #chan +Z")
    assert (await alice.read()).params[:2] == ("alice", "Z")


async def test_moderated_channel_needs_voice(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    alice.send("MODE #chan +m")
    await bob.expect("MODE")
    bob.send("PRIVMSG #chan :x")
    assert (await bob.read()).command == "404"


async def test_user_mode_is_echoed_from_the_nick(connect: Connect) -> None:
    peer = await connect()
    await peer.register("alice")
    peer.send("MODE alice +i", "MODE alice", "MODE bob +i")
    assert await peer.line() == ":alice MODE alice :+i"
    assert (await peer.read()).params == ("alice", "+i")
    assert (await peer.read()).command == "401"


async def test_kick_is_op_only_relayed_and_removes_the_member(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    bob.send("KICK #chan alice")
    assert (await bob.read()).command == "482"
    alice.send("KICK #chan bob :bye")
    assert await bob.line() == ":alice!a@127.0.0.1 KICK #chan bob :bye"
    assert (await alice.read()).params == ("#chan", "bob", "bye")
    bob.send("PRIVMSG #chan :still here?")
    assert (await bob.read()).command == "404"


async def test_who_and_names_reply_shapes(connect: Connect) -> None:
    alice, bob = await two_in_channel(connect)
    alice.send("MODE #chan +v bob")
    await bob.expect("MODE")
    bob.send("WHO #chan")
    lines = await bob.until("315")
    assert [msg.params for msg in lines] == [
        ("bob", "#chan", "a", "127.0.0.1", "irc.test", "alice", "H@", "0 alice Real"),
        ("bob", "#chan", "b", "127.0.0.1", "irc.test", "bob", "H+", "0 bob Real"),
        ("bob", "#chan", "End of /WHO list."),
    ]
    assert lines[0].command == "352"
    bob.send("NAMES #chan")
    names = await bob.until("366")
    assert [msg.params for msg in names] == [
        ("bob", "=", "#chan", "@alice +bob"), ("bob", "#chan", "End of /NAMES list.")]


async def test_multi_prefix_shows_every_prefix(connect: Connect) -> None:
    alice, _ = await two_in_channel(connect, alice_caps=("multi-prefix",))
    alice.send("MODE #chan +v alice", "NAMES #chan")
    assert (await alice.expect("353")).params[-1] == "@+alice bob"


async def test_quit_is_relayed_then_error_and_close(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    alice, bob = await two_in_channel(connect)
    bob.send("QUIT :see you")
    assert await alice.line() == ":bob!b@127.0.0.1 QUIT :Quit: see you"
    error = await bob.read()
    assert error.command == "ERROR"
    assert error.params[0].startswith("Closing link:")
    assert await bob.eof() == b""
    await irc_server.connections[1].wait_closed()
    alice.send("NICK bob")  # the nick is free again
    assert (await alice.read()).command == "NICK"


# -- hooks for tests ---------------------------------------------------------

async def test_wait_for_line_moves_a_cursor_past_each_match(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peer = await connect()
    conn = await irc_server.wait_for_connection()
    peer.send("PRIVMSG a :1", "NOTICE a :2", "PRIVMSG a :3")
    assert (await conn.wait_for_line("privmsg")).params[1] == "1"
    assert (await conn.wait_for_line("PRIVMSG")).params[1] == "3"
    with pytest.raises(TimeoutError, match=r"'NOTICE'.*PRIVMSG a :3"):
        await conn.wait_for_line("NOTICE", timeout=0.05)  # it came before the cursor
    waiter = asyncio.ensure_future(conn.wait_for_line(lambda m: m.params[-1:] == ("4",)))
    peer.send("PRIVMSG a :x", "PRIVMSG a :4")
    assert (await waiter).params == ("a", "4")
    assert conn.received == ["PRIVMSG a :1", "NOTICE a :2", "PRIVMSG a :3",
                             "PRIVMSG a :x", "PRIVMSG a :4"]
    assert irc_server.lines_received == conn.received


async def test_wait_for_connection_returns_each_connection_once_or_by_index(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    waiter = asyncio.ensure_future(irc_server.wait_for_connection())
    first = await connect()
    await connect()
    conn0 = await waiter
    conn1 = await irc_server.wait_for_connection()
    assert irc_server.connections == [conn0, conn1]
    assert await irc_server.wait_for_connection(index=0) is conn0
    later = asyncio.ensure_future(irc_server.wait_for_connection(index=2))
    await connect()
    assert await later is irc_server.connections[2]
    with pytest.raises(asyncio.TimeoutError):
        await irc_server.wait_for_connection(timeout=0.05)
    first.send("PING :x")
    await first.expect("PONG")
    assert conn0.received == ["PING :x"]


async def test_push_writes_raw_bytes(irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peer = await connect()
    conn = await irc_server.wait_for_connection()
    conn.push(b"PING :a\r\nPRIVMSG x :caf\xe9")
    conn.push(b"\n")
    assert await peer.line() == "PING :a"
    assert await asyncio.wait_for(peer.reader.readline(), TIMEOUT) == b"PRIVMSG x :caf\xe9\n"


async def test_send_line_refuses_line_breaks(irc_server: Server, connect: Connect) -> None:  # noqa: F811
    await connect()
    conn = await irc_server.wait_for_connection()
    with pytest.raises(ValueError, match="push"):
        conn.send_line("PING :a\r\nQUIT")


async def test_close_with_a_reason_sends_error_then_closes(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peer = await connect()
    conn = await irc_server.wait_for_connection()
    conn.close("Killed")
    assert await peer.line() == "ERROR :Closing link: (*@127.0.0.1) [Killed]"
    assert await peer.eof() == b""
    await conn.wait_closed()
    assert conn.closed


async def test_reset_aborts_the_connection(irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peer = await connect()
    conn = await irc_server.wait_for_connection()
    conn.reset()
    with contextlib.suppress(ConnectionResetError):
        assert await peer.eof() == b""
    await conn.wait_closed()


async def test_pause_reading_stops_reading_until_resumed(connect: Connect) -> None:
    async with Server(auto_respond=False) as server:
        peer = await connect(server)
        # A small send buffer: loopback would otherwise absorb megabytes first.
        peer.writer.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        conn = await server.wait_for_connection()
        conn.pause_reading()
        peer.send(*(f"PRIVMSG #c :{i:05d} " + "x" * 400 for i in range(2_500)), "PING :end")
        with pytest.raises(asyncio.TimeoutError):  # the kernel buffers fill; drain blocks
            await asyncio.wait_for(peer.writer.drain(), 0.1)
        assert len(conn.received) < 2_500
        conn.resume_reading()
        await asyncio.wait_for(peer.writer.drain(), TIMEOUT)
        assert (await conn.wait_for_line("PING")).params == ("end",)
        assert len(conn.received) == 2_501


async def test_auto_respond_false_only_records(connect: Connect) -> None:
    async with Server(auto_respond=False) as server:
        peer = await connect(server)
        conn = await server.wait_for_connection()
        peer.send("NICK alice", "USER u 0 * :U", "PING :x")
        await conn.wait_for_line("PING")
        assert conn.received == ["NICK alice", "USER u 0 * :U", "PING :x"]
        assert not conn.registered
        conn.send_line(":irc.test 001 alice :scripted")
        await conn.wait_registered()
        assert await peer.line() == ":irc.test 001 alice :scripted"


async def test_send_all_reaches_every_open_connection(
        irc_server: Server, connect: Connect) -> None:  # noqa: F811
    peers = [await connect(), await connect()]
    await irc_server.wait_for_connection(index=1)
    irc_server.send_all("NOTICE * :hello all")
    for peer in peers:
        assert await peer.line() == "NOTICE * :hello all"


async def test_close_closes_every_connection_and_is_idempotent(connect: Connect) -> None:
    server = Server()
    await server.start()
    peer = await connect(server)
    conn = await server.wait_for_connection()
    await server.close()
    await server.close()
    assert conn.closed
    assert await peer.eof() == b""
    with pytest.raises(OSError):
        await asyncio.open_connection(server.host, server.port)


async def test_close_does_not_wait_for_a_client_that_stopped_reading(
        connect: Connect) -> None:
    server = Server()
    await server.start()
    peer = await connect(server)
    conn = await server.wait_for_connection()
    conn.push((b"NOTICE * :" + b"x" * 1000 + b"\r\n") * 20_000)  # more than buffers hold
    assert conn.transport is not None and conn.transport.get_write_buffer_size() > 0
    await asyncio.wait_for(server.close(), TIMEOUT)
    assert conn.closed
    with contextlib.suppress(ConnectionResetError):
        while await peer.reader.read(1 << 20):
            pass


async def test_python_m_bottom_testing_prints_its_port_and_serves() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bottom.testing", "--port", "0", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        # A new interpreter on a loaded machine: be generous.
        first = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT * 6)
        match = re.fullmatch(rb"listening on 127\.0\.0\.1:(\d+)\n", first)
        assert match, first
        reader, writer = await asyncio.open_connection("127.0.0.1", int(match[1]))
        peer = Peer(reader, writer)
        assert (await peer.register("alice"))[0].command == "001"
        writer.close()
        await writer.wait_closed()
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_server_connection_is_exported() -> None:
    assert issubclass(ServerConnection, asyncio.Protocol)
