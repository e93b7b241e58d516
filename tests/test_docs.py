"""The documentation's code runs and says what the code does.

* every ``examples/*.py`` runs as a subprocess against its own in-process
  test server, exits as documented and prints what the docs show;
* the example test suite in ``examples/testing/`` passes;
* README.rst's python blocks run: the echo bot joins #bottom and echoes;
* the ``>>>`` snippets of every page pass as doctests;
* the facts the docs extension keeps by hand match a live client;
* ``sphinx-build -W -b html`` succeeds (when Sphinx is installed), and the
  generated references name every event and command.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import bottom
from bottom.commands import known_commands
from bottom.events import EVENT_KWARGS, NUMERICS
from bottom.testing import Server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
TIMEOUT = 60.0  # subprocesses on a loaded 2-core machine start slowly


def _load_docs_extension() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("bottom_docs", DOCS / "_ext" / "bottom_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bottom_docs = _load_docs_extension()


def _env() -> dict[str, str]:
    """The subprocess environment: this checkout's bottom first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def _run(*args: str, cwd: Path = ROOT, timeout: float = TIMEOUT) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=cwd, env=_env(), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        process.kill()
        out, err = await process.communicate()
        return -9, out.decode(), err.decode() + f"\n[killed after {timeout} s]"
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _missing_in_order(out: str, expected: list[str]) -> str | None:
    """The first expected fragment not found (each after the previous), or None."""
    position = 0
    for fragment in expected:
        found = out.find(fragment, position)
        if found == -1:
            return fragment
        position = found + len(fragment)
    return None


# -- examples/*.py ---------------------------------------------------------------


@dataclass
class Run:
    """One run of an example: its arguments, and what it must print."""

    script: str
    args: tuple[str, ...] = ()
    expect: list[str] = field(default_factory=list)
    returncode: int = 0
    server: dict[str, Any] | None = field(default_factory=dict)  # Server(**server); None: none


SASL = {"accounts": {"bot-account": "hunter2"}}
REGISTERED = "caps enabled: account-notify away-notify batch cap-notify chghost"
RUNS = [
    Run("handlers.py", server=None, expect=[
        "plain handler: hello world",
        "coroutine handler: started for world, extra kwargs ['source']",
        "logged on 'bottom': error in GREET handler",
        "a handler after the broken one still runs",
        "trigger() returned", "coroutine handler: finished", "all handlers finished"]),
    Run("blocking_work.py", expect=["hash of 'bottom': ", "found: BOTTOM"]),
    Run("waiting.py", expect=[
        "registered as waiter", "waiter joined #waiting; NAMES ended for #waiting",
        "in #waiting: @waiter", "WHOIS ended for waiter",
        "no RPL_YOUREOPER within 0.5 s", "left #waiting"]),
    Run("requests.py", expect=[
        "in #asking: {'asker': {'o'}}", "WHO: asker is asker@127.0.0.1",
        "MOTD: 3 lines, the last is RPL_ENDOFMOTD", "JOIN refused: 403 ERR_NOSUCHCHANNEL",
        "WHOIS: asker is asker@127.0.0.1 (asker)"]),
    Run("bottom2_style.py", expect=["registered as classic", "loop stopped"]),
    Run("loop_in_thread.py", expect=[
        "registered as threaded", "got my own message back: hi from a thread"]),
    Run("bridge.py", expect=["bob read in #right: <alice> hello from the left"]),
    Run("channels.py", expect=[
        "guest joined #lobby: 2 users, ops ['greeter']",
        "guest was told: welcome guest! ops here: ['greeter']",
        "guest is now visitor in ['#lobby']",
        "member 'visitor' prefix '', host 127.0.0.1",
        "visitor quit from ['#lobby']; still tracked: False", "after disconnect: {}"]),
    Run("relay.py", expect=["relay joined ['left', 'right']",
                            "bob read in #right: <alice@left> hello from the left"]),
    *(Run("reconnect.py", (form,), expect=[
        "ready #1 as phoenix",
        "disconnected: server closed the connection: ERROR :Closing link: "
        "(phoenix@127.0.0.1) [Quit: back soon]",
        *extra, "ready #2 as phoenix", "disconnected: disconnect() was called"])
      for form, extra in [("await", ["reconnected (connect() returned)"]),
                          ("task", ["reconnect scheduled"]),
                          ("wait", ["reconnected (client_connect fired)"]),
                          ("retry", ["reconnected"]),
                          ("policy", [])]),
    Run("flood_control.py", expect=[
        "3 of 8 lines written at once (the burst)",
        "the other 5 followed at 5 lines/s: took at least 0.9 s: True",
        "PONG went out ahead of the queued PINGs: True",
        "without flood control: 8 of 8 written at once"]),
    Run("sending.py", expect=[
        "NotConnected: PRIVMSG not sent: not connected", "refused: InvalidMessage",
        "newline split: ['first line', 'second line']",
        "long text arrived in 3 lines (each fits: True)",
        "'tagged' arrived with tag +example.org/mood=happy"]),
    Run("middleware.py", expect=[
        "<< PRIVMSG from filter: 'hello'", "handler got: HELLO",
        "<< PRIVMSG from filter: 'spam spam spam'", "<< PRIVMSG from filter: 'bye'",
        "handler got: BYE"]),
    Run("ircv3.py", expect=[
        "ready as ircv3-alt (client.nick is ircv3-alt)", REGISTERED,
        "network TestNet, NICKLEN 30, CASEMAPPING rfc1459, PREFIX {'o': '@', 'v': '+'}",
        "split_prefixes('@+alice') = ('@+', 'alice')",
        "'IRCv3[Bot]' is 'ircv3{bot}' here: True; under ascii: False",
        "<ircv3-bot> hello (server-time tag present: True)",
        "CTCP VERSION reply from ircv3-alt: bottom"]),
    Run("transports.py", expect=[
        "ConnectionFailed: ", "plaintext", "pass ssl=False", "ready as router over plaintext"]),
    Run("ircv3.py", ("bot-account", "hunter2"), server=SASL, expect=[
        "logged in to account bot-account", "ready as ircv3-alt", " sasl server-time "]),
    Run("ircv3.py", ("bot-account", "wrong"), server=SASL, returncode=1, expect=[
        "registration failed: SASL PLAIN failed: authentication failed (904"]),
]
INTERACTIVE = {"echo_bot.py"}  # driven by its own test below
NEEDS_REDIS = {"gateway_worker.py"}  # run by tests/test_redis.py


def test_every_example_script_is_run_by_these_tests() -> None:
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    assert scripts == {run.script for run in RUNS} | INTERACTIVE | NEEDS_REDIS


async def test_examples_run_and_print_what_the_docs_show() -> None:
    async def one(run: Run) -> str | None:
        async with contextlib.AsyncExitStack() as stack:
            address: tuple[str, ...] = ()
            if run.server is not None:
                server = await stack.enter_async_context(Server(**run.server))
                address = (server.host, str(server.port))
            args = (*run.args[:1], *address, *run.args[1:]) if run.script == "reconnect.py" \
                else (*address, *run.args)
            code, out, err = await _run("-W", "error::DeprecationWarning",
                                        str(EXAMPLES / run.script), *args)
        name = " ".join([run.script, *run.args])
        if code != run.returncode:
            return f"{name}: exit {code}, expected {run.returncode}\n{out}\n{err}"
        missing = _missing_in_order(out, run.expect)
        if missing is not None:
            return f"{name}: no {missing!r} (in order) in its output:\n{out}\n{err}"
        if "Traceback" in err and run.returncode == 0:
            return f"{name}: a traceback on stderr:\n{err}"
        return None

    # All at once: each waits on flood control and sockets, not on the CPU.
    failures = [f for f in await asyncio.gather(*(one(run) for run in RUNS)) if f]
    assert not failures, "\n\n".join(failures)


async def test_the_echo_bot_example_joins_echoes_and_exits_when_closed(
        irc_server: Server) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "echo_bot.py"), irc_server.host, str(irc_server.port),
        cwd=ROOT, env=_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
        assert line.decode().strip() == "joined #bottom"
        conn = await irc_server.wait_for_connection()
        conn.send_line(":alice!a@127.0.0.1 PRIVMSG #bottom :hello bot")
        echo = await conn.wait_for_line("PRIVMSG")
        assert echo.params == ("#bottom", "alice said: hello bot")
        conn.close("test over")
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "disconnected: server closed the connection: ERROR :Closing link" in out.decode()
    assert "[test over]" in out.decode()


async def test_the_example_test_suite_passes() -> None:
    # A whole pytest run in a subprocess: generous, for a loaded machine.
    code, out, err = await _run("-m", "pytest", "-q", "-p", "no:cacheprovider",
                                cwd=EXAMPLES / "testing", timeout=TIMEOUT * 6)
    assert code == 0, out + err
    assert "3 passed" in out, out


# -- README.rst -----------------------------------------------------------------------


def readme_python_blocks() -> list[str]:
    """The bodies of README.rst's ``.. code-block:: python`` directives, dedented."""
    lines = (ROOT / "README.rst").read_text(encoding="utf-8").splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        body = []
        for following in lines[index + 1:]:
            if following.strip() and not following.startswith((" ", "\t")):
                break
            body.append(following)
        blocks.append(textwrap.dedent("\n".join(body)).strip() + "\n")
    return blocks


def test_readme_has_python_blocks_that_compile() -> None:
    blocks = readme_python_blocks()
    assert blocks, "README.rst has no '.. code-block:: python'"
    for number, block in enumerate(blocks):
        compile(block, f"README.rst block {number}", "exec")


async def test_readme_echo_bot_joins_bottom_and_echoes(irc_server: Server) -> None:
    module = types.ModuleType("readme_echo_bot")
    for block in readme_python_blocks():
        exec(compile(block, "README.rst", "exec"), module.__dict__)
    assert callable(getattr(module, "main", None)), "no main(host, port) in README.rst"
    bot = asyncio.ensure_future(module.main(irc_server.host, irc_server.port))
    try:
        conn = await irc_server.wait_for_connection()
        joined = await conn.wait_for_line("JOIN")
        assert joined.params == ("#bottom",)
        conn.send_line(":alice!a@127.0.0.1 PRIVMSG #bottom :is anyone there?")
        echo = await conn.wait_for_line("PRIVMSG")
        assert echo.params == ("#bottom", "alice said: is anyone there?")
        conn.close("done")
        await asyncio.wait_for(bot, TIMEOUT)  # main returns once disconnected
    finally:
        if not bot.done():
            bot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot


# -- doctests and the facts the docs extension keeps -----------------------------------


async def test_the_doctests_in_the_docs_pass() -> None:
    pages = sorted(str(page) for page in DOCS.glob("*.rst") if ">>>" in page.read_text())
    assert len(pages) >= 8, pages
    # A subprocess: commands.rst registers a pattern, which must not leak here.
    code, out, err = await _run("-m", "doctest", *pages)
    assert code == 0, out + err


def test_every_note_in_the_events_reference_names_a_real_event() -> None:
    assert set(bottom_docs.NOTES) <= set(EVENT_KWARGS)


async def test_local_events_carry_the_kwargs_the_reference_lists(irc_server: Server) -> None:
    seen: dict[str, set[str]] = {}
    client = bottom.Client(irc_server.host, irc_server.port, ssl=False, nick="docs",
                           flood_control=False)
    for name in bottom_docs.LOCAL_EVENTS:
        client.on(name, lambda name=name, **kwargs: seen.setdefault(name, set(kwargs)))
    await client.connect()
    await asyncio.wait_for(client.wait("client_ready"), TIMEOUT)
    await client.disconnect()

    async with Server(password="secret") as locked:
        refused = bottom.Client(locked.host, locked.port, ssl=False, nick="docs",
                                flood_control=False)
        refused.on("client_registration_failed",
                   lambda **kwargs: seen.setdefault("CLIENT_REGISTRATION_FAILED", set(kwargs)))
        await refused.connect()
        await asyncio.wait_for(refused.wait("client_disconnect"), TIMEOUT)

    documented = {name: set(kwargs) for name, (kwargs, _) in bottom_docs.LOCAL_EVENTS.items()}
    # A refused rejoin needs a reconnect and a ban: tests/test_state_client.py
    # checks its kwargs against this same table.
    rejoin_failed = documented.pop("CLIENT_REJOIN_FAILED")
    assert rejoin_failed == {"channel", "code", "reason"}
    assert seen == documented


def test_the_generated_tables_cover_every_event_and_command() -> None:
    for name in EVENT_KWARGS:  # a sample line reaches each, so its types are shown
        assert bottom_docs.kwarg_types(name) is not None, name
    events = "\n".join(bottom_docs.events_rst())
    for name in {*NUMERICS.values(), *EVENT_KWARGS}:
        if not name.startswith("CTCP_"):
            assert f"``{name}``" in events, name
    commands = "\n".join(bottom_docs.commands_rst())
    for command in known_commands():
        assert f"``{command}``" in commands, command


# -- the Sphinx build ---------------------------------------------------------------------


def test_the_docs_build_without_warnings(tmp_path: Path) -> None:
    # Run here, not from a module fixture: under xdist each worker that
    # ran any test of this module started its own build.
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip("Sphinx is not installed: pip install -e '.[docs]' to build the docs")
    with open(tmp_path / "output.txt", "w") as output:
        code = subprocess.run(
            [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS),
             str(tmp_path / "html")],
            cwd=ROOT, env=_env(), stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, timeout=TIMEOUT * 3).returncode
    assert code == 0, (tmp_path / "output.txt").read_text()
    html = (tmp_path / "html" / "events.html").read_text(encoding="utf-8")
    for name in ("RPL_WELCOME", "RPL_ISUPPORT", "RPL_BOUNCE", "CTCP_REPLY", "INVALID_COMMAND",
                 "CLIENT_READY", "CLIENT_REGISTRATION_FAILED"):
        assert name in html, name
    assert re.search(r"\bKNOCK\b", (tmp_path / "html" / "commands.html").read_text()), \
        "commands.html lacks the generated table"
