"""The seed's async-model programs (004), run as real subprocesses.

Each runs with ``-W error::DeprecationWarning`` against the in-process test
server, so a deprecated asyncio call anywhere in bottom fails the test.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bottom.testing import Server

PROGRAMS = Path(__file__).parent / "seed_programs"


async def run_program(server: Server, name: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-W", "error::DeprecationWarning", str(PROGRAMS / name),
        server.host, str(server.port), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode()
    assert "Warning" not in err.decode(), err.decode()
    return out.decode()


async def test_a_handler_awaiting_sleep_without_loop_does_not_hang(irc_server: Server) -> None:
    out = await run_program(irc_server, "gotcha.py")
    assert out.splitlines() == ["Before await", "After await", "done"]


@pytest.mark.parametrize("form", ["await", "task", "task_then_wait"])
async def test_each_seed_reconnect_form_comes_back(irc_server: Server, form: str) -> None:
    out = await run_program(irc_server, "reconnect.py", form)
    assert "welcome 1" in out and "welcome 2" in out and out.endswith("done\n")
    if form != "task":
        # The program may exit before this loop has read its last line.
        second = await irc_server.wait_for_connection(index=1, timeout=30)
        back = await second.wait_for_line("PRIVMSG", timeout=30)
        assert back.params == ("#bottom-dev", "I'm baaack!")


async def test_the_loop_can_be_set_while_disconnected_and_not_while_connected(
        irc_server: Server) -> None:
    out = await run_program(irc_server, "existing_loop.py")
    assert "refused while connected: cannot change client.loop while connected" in out
    assert out.endswith("done\n")
