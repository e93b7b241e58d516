"""Tests for bottom/__main__.py, the ``python -m bottom`` command line.

The modes run as real subprocesses (``python -m bottom``), against the
embedded demo server or a :class:`bottom.testing.Server` in this test's
loop.  URL parsing and message formatting are pure and tested directly.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import bottom
from bottom.cli import IrcUrl, describe, main, parse_url
from bottom.cli.debug import masked
from bottom.testing import Server

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0
STAMP = r"\d\d:\d\d:\d\d"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def chat(self) -> list[str]:
        """stdout's lines without their timestamps."""
        return [re.sub(rf"^{STAMP} ", "", line) for line in self.stdout.splitlines()]


async def run_cli(*args: str, stdin: str = "") -> Result:
    """``python -m bottom ARGS`` with ``stdin`` piped in, as a subprocess."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bottom", *args, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), TIMEOUT)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


async def settled(server: Server) -> None:
    """Wait until every connection to ``server`` is closed: all its lines are in."""
    for conn in server.connections:
        await conn.wait_closed(TIMEOUT)


@pytest.fixture
async def holder(irc_server: Server) -> AsyncIterator[asyncio.StreamWriter]:
    """A raw client registered as ``ci-bot`` on ``irc_server``."""
    _, writer = await asyncio.open_connection(irc_server.host, irc_server.port)
    writer.write(b"NICK ci-bot\r\nUSER ci-bot 0 * :holder\r\n")
    conn = await irc_server.wait_for_connection()
    await conn.wait_registered(TIMEOUT)
    yield writer
    writer.close()


# -- the demo ---------------------------------------------------------------------------


async def test_demo_says_a_piped_line_prints_the_bots_echo_and_exits_0() -> None:
    result = await run_cli(stdin="hello\n")

    assert result.returncode == 0, result.stderr
    assert re.search(rf"^{STAMP} <you> hello$", result.stdout, re.M), result.stdout
    assert re.search(rf"^{STAMP} <echo-bot> you said: hello$", result.stdout, re.M), result.stdout
    assert result.stderr == ""


async def test_demo_answers_several_piped_lines_in_order() -> None:
    result = await run_cli(stdin="one\ntwo\n\nthree")

    assert result.returncode == 0, result.stderr
    said = [line for line in result.chat() if line.startswith("<")]
    assert said == ["<you> one", "<echo-bot> you said: one", "<you> two",
                    "<echo-bot> you said: two", "<you> three", "<echo-bot> you said: three"]


async def test_demo_stops_reading_at_quit() -> None:
    result = await run_cli(stdin="hi\n/quit\nafter\n")

    assert result.returncode == 0, result.stderr
    assert "<echo-bot> you said: hi" in result.chat()
    assert "after" not in result.stdout


async def test_demo_exits_0_at_once_on_empty_input() -> None:
    result = await run_cli()

    assert result.returncode == 0, result.stderr
    assert "--> you joined #bottom" in result.chat()


async def test_demo_carries_text_that_is_not_ascii() -> None:
    result = await run_cli(stdin="héllo wörld ✓\n")

    assert result.returncode == 0, result.stderr
    assert "<echo-bot> you said: héllo wörld ✓" in result.chat()


async def test_demo_shows_terminal_escape_sequences_escaped() -> None:
    result = await run_cli(stdin="\x1b[2Jboom\n")

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "<echo-bot> you said: \\x1b[2Jboom" in result.chat()


async def test_demo_uses_the_nick_given() -> None:
    result = await run_cli("--nick", "alice", stdin="hi\n")

    assert result.returncode == 0, result.stderr
    assert "<echo-bot> alice said: hi" in result.chat()


async def test_demo_debug_shows_lines_in_both_directions() -> None:
    result = await run_cli("--debug", stdin="hi\n")

    assert result.returncode == 0, result.stderr
    assert ">> PRIVMSG #bottom :hi" in result.stderr.splitlines()
    assert any(line.startswith("<< :echo-bot!") for line in result.stderr.splitlines())


# -- help and usage errors ------------------------------------------------------------------


async def test_help_exits_0_and_mentions_send() -> None:
    result = await run_cli("--help")

    assert result.returncode == 0
    assert "send URL TEXT" in result.stdout


async def test_send_help_exits_0_and_describes_the_url() -> None:
    result = await run_cli("send", "--help")

    assert result.returncode == 0
    assert "irc://host[:port]/#channel" in result.stdout


@pytest.mark.parametrize("argv", [
    ["http://example.org/#chan"],
    ["--no-such-option"],
    ["--timeout", "0"],
    ["irc://example.org", "extra"],
    ["send", "irc://example.org/#chan"],
    ["send", "irc://example.org", "no target in the URL"],
    ["send", "irc://example.org/#chan", "  "],
    ["--password", "secret"],
])
def test_main_returns_2_for_a_usage_error(argv: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "error:" in capsys.readouterr().err


def test_the_module_and_the_console_script_run_bottom_cli_main() -> None:
    import bottom.__main__
    import bottom.cli

    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert '"bottom=bottom.__main__:main"' in setup
    assert bottom.__main__.main is bottom.cli.main


async def test_demo_refuses_a_nick_it_cannot_send() -> None:
    result = await run_cli("--nick", "two words")

    assert result.returncode == 1
    assert "error: --nick: NICK not sent: nick='two words'" in result.stderr
    assert "Traceback" not in result.stderr


def test_main_returns_0_for_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert bottom.__version__ in capsys.readouterr().out


# -- send ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "command"), [((), "PRIVMSG"), (("--notice",), "NOTICE")])
async def test_send_delivers_to_a_channel_and_exits_0(
        irc_server: Server, options: tuple[str, ...], command: str) -> None:
    url = f"irc://127.0.0.1:{irc_server.port}/#ci"

    result = await run_cli("send", url, "build 42 passed", "--nick", "notifier", *options)
    await settled(irc_server)

    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    lines = irc_server.lines_received
    assert lines.index("JOIN #ci") < lines.index(f"{command} #ci :build 42 passed")
    assert lines[-1].startswith("QUIT")


async def test_send_delivers_to_a_nick(irc_server: Server, holder: asyncio.StreamWriter) -> None:
    result = await run_cli("send", f"irc://127.0.0.1:{irc_server.port}/ci-bot", "psst")
    await asyncio.wait_for(irc_server.connections[1].wait_closed(), TIMEOUT)

    assert result.returncode == 0, result.stderr
    assert "PRIVMSG ci-bot :psst" in irc_server.lines_received
    assert not any(line.startswith("JOIN") for line in irc_server.lines_received)


async def test_send_reads_text_from_stdin_for_a_dash(irc_server: Server) -> None:
    url = f"irc://127.0.0.1:{irc_server.port}/#ci"

    result = await run_cli("send", url, "-", stdin="line one\nline two\n")
    await settled(irc_server)

    assert result.returncode == 0, result.stderr
    assert "PRIVMSG #ci :line one" in irc_server.lines_received
    assert "PRIVMSG #ci :line two" in irc_server.lines_received


async def test_send_appends_an_underscore_while_the_nick_is_taken(
        irc_server: Server, holder: asyncio.StreamWriter) -> None:
    url = f"irc://127.0.0.1:{irc_server.port}/#ci"

    result = await run_cli("send", url, "hi", "--nick", "ci-bot")
    await asyncio.wait_for(irc_server.connections[1].wait_closed(), TIMEOUT)

    assert result.returncode == 0, result.stderr
    received = irc_server.connections[1].received
    assert received.index("NICK ci-bot") < received.index("NICK ci-bot_")


async def test_send_fails_for_a_nick_nobody_has(irc_server: Server) -> None:
    result = await run_cli("send", f"irc://127.0.0.1:{irc_server.port}/nobody", "hi")

    assert result.returncode == 1
    assert "401" in result.stderr
    assert "nobody" in result.stderr


async def test_send_to_a_closed_port_fails_with_a_clear_error() -> None:
    with socket.socket() as bound:  # bound but not listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]

        result = await run_cli("send", f"irc://127.0.0.1:{port}/#ci", "hi", "--timeout", "10")

    assert result.returncode == 1
    assert f"could not connect to 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


async def test_send_times_out_naming_what_it_waited_for() -> None:
    async with Server(auto_respond=False) as silent:  # records lines, never answers
        result = await run_cli("send", f"irc://127.0.0.1:{silent.port}/#ci", "hi",
                               "--timeout", "1")

    assert result.returncode == 1
    assert f"timed out after 1 s registering with 127.0.0.1:{silent.port}" in result.stderr


async def test_send_reports_a_wrong_password() -> None:
    async with Server(password="right") as server:
        result = await run_cli("send", f"irc://127.0.0.1:{server.port}/#ci", "hi",
                               "--password", "wrong")

    assert result.returncode == 1
    assert "464" in result.stderr
    assert "Password incorrect" in result.stderr


async def test_send_debug_shows_both_directions_and_masks_the_password(
        irc_server: Server) -> None:
    url = f"irc://127.0.0.1:{irc_server.port}/#ci"

    result = await run_cli("send", url, "hi", "--password", "s3cret", "--debug")
    await settled(irc_server)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert ">> PASS ****" in lines
    assert ">> PRIVMSG #ci :hi" in lines
    # The client enables server-time, so the server's lines may carry tags.
    assert any(re.match(r"<< (@\S+ )?:irc\.test 001 ", line) for line in lines), lines
    assert "s3cret" not in result.stdout + result.stderr
    received = irc_server.lines_received  # after CAP LS, before NICK and USER
    assert received.index("PASS s3cret") < received.index("NICK bottom") < received.index(
        "USER bottom 0 * :bottom command line")


# -- the client, with a URL -----------------------------------------------------------------


async def test_client_says_and_runs_commands_from_piped_input(irc_server: Server) -> None:
    url = f"irc://127.0.0.1:{irc_server.port}/%23room"

    result = await run_cli(url, "--nick", "bob", stdin="hi all\n/me waves\n/quit bye\nnot sent\n")
    await settled(irc_server)

    assert result.returncode == 0, result.stderr
    assert "<bob> hi all" in result.chat()
    assert "* bob waves" in result.chat()
    assert irc_server.lines_received[-4:] == [
        "JOIN #room", "PRIVMSG #room :hi all", "PRIVMSG #room :\x01ACTION waves\x01", "QUIT :bye"]


# -- pure parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("irc://irc.example.org", IrcUrl("irc.example.org", 6667, False)),
    ("ircs://irc.example.org", IrcUrl("irc.example.org", 6697, True)),
    ("irc://irc.example.org:7000/#chan", IrcUrl("irc.example.org", 7000, False, "#chan")),
    ("ircs://irc.example.org:6697/##python", IrcUrl("irc.example.org", 6697, True, "##python")),
    ("irc://irc.example.org/%23chan", IrcUrl("irc.example.org", 6667, False, "#chan")),
    ("irc://irc.example.org/&local", IrcUrl("irc.example.org", 6667, False, "&local")),
    ("irc://irc.example.org/alice", IrcUrl("irc.example.org", 6667, False, "alice")),
    ("IRC://IRC.Example.org/#Chan", IrcUrl("irc.example.org", 6667, False, "#Chan")),
    ("irc://[::1]:6668/#v6", IrcUrl("::1", 6668, False, "#v6")),
    ("irc://127.0.0.1/", IrcUrl("127.0.0.1", 6667, False)),
])
def test_parse_url_reads_host_port_tls_and_target(url: str, expected: IrcUrl) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize("url", [
    "http://irc.example.org/#chan",
    "irc.example.org:6667",
    "irc://",
    "irc://irc.example.org:notaport/#chan",
    "irc://irc.example.org:70000",
    "irc://nick:pw@irc.example.org/#chan",
    "irc://irc.example.org/#chan?key=x&y",
    "irc://irc.example.org/alice#chan",
    "irc://irc.example.org/#a,#b",
    "irc://irc.example.org/two%20words",
])
def test_parse_url_refuses_what_it_cannot_use(url: str) -> None:
    with pytest.raises(ValueError, match="irc://"):
        parse_url(url)


def test_irc_url_knows_a_channel_from_a_nick() -> None:
    assert parse_url("irc://h/#c").is_channel
    assert not parse_url("irc://h/alice").is_channel
    assert not parse_url("irc://h").is_channel


@pytest.mark.parametrize(("line", "expected"), [
    (":al!a@h PRIVMSG #c :hi", ("say", "<al> hi")),
    (":al!a@h PRIVMSG #other :hi", ("say", "#other <al> hi")),
    (":al!a@h PRIVMSG me :psst", ("say", "*al* psst")),
    (":al!a@h PRIVMSG #c :\x01ACTION waves\x01", ("action", "* al waves")),
    (":al!a@h PRIVMSG me :\x01VERSION\x01", ("info", "-- al sent CTCP VERSION to me")),
    (":al!a@h NOTICE me :note", ("notice", "-al- note")),
    (":irc.test NOTICE * :*** Looking up", ("notice", "-irc.test- *** Looking up")),
    (":al!a@h JOIN #c", ("event", "--> al joined #c")),
    (":al!a@h PART #c :bye", ("event", "<-- al left #c (bye)")),
    (":al!a@h PART #c", ("event", "<-- al left #c")),
    (":al!a@h QUIT :Ping timeout", ("event", "<-- al quit (Ping timeout)")),
    (":op!o@h KICK #c al :spam", ("event", "<-- al was kicked from #c by op (spam)")),
    (":al!a@h NICK :alice", ("event", "-- al is now known as alice")),
    (":al!a@h TOPIC #c :new topic", ("info", "-- al set the topic of #c: new topic")),
    (":irc.test 001 me :Welcome to TestNet", ("info", "-- Welcome to TestNet")),
    (":irc.test 353 me = #c :@op al", ("info", "-- names #c: @op al")),
    (":irc.test 401 me bob :No such nick/channel", ("error", "!! 401 bob: No such nick/channel")),
    ("ERROR :Closing link", ("error", "!! Closing link")),
    ("PING :token", None),
    (":irc.test 366 me #c :End of /NAMES list.", None),
])
def test_describe_shows_a_line_as_a_chat_line(line: str,
                                              expected: tuple[str, str] | None) -> None:
    assert describe(bottom.Message.parse(line), "#c") == expected


@pytest.mark.parametrize(("line", "shown"), [
    ("AUTHENTICATE c2VjcmV0", "AUTHENTICATE ****"),
    ("AUTHENTICATE +", "AUTHENTICATE +"),
    ("@time=2026-01-01T00:00:00Z :irc.test PASS :hunter2", "@time=2026-01-01T00:00:00Z "
                                                          ":irc.test PASS ****"),
    ("OPER admin s3cret", "OPER admin ****"),
    (":al!a@h PRIVMSG NickServ :IDENTIFY s3cret", ":al!a@h PRIVMSG NickServ :IDENTIFY ****"),
    (":al!a@h PRIVMSG #c :\x1b[2Jboom", ":al!a@h PRIVMSG #c \\x1b[2Jboom"),
])
def test_debug_shows_a_received_line_with_secrets_masked(line: str, shown: str) -> None:
    assert masked(bottom.Message.parse(line)) == shown
