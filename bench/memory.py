"""Resident memory of 1,000 idle registered bottom clients, relative to a floor.

One process connects ``--clients`` bottom clients (nicks unique to the program,
``flood_control=False``, 100 at a time) to ``python -m bottom.testing``
running in another process, waits until every one triggered
``CLIENT_READY``, and reads its own ``VmRSS`` from ``/proc/self/status``
before and after: KiB per client = (after - before) / clients.  It reads
it again after a quiet period (``--quiet``, 60 s by default) in which the
clients only idle: what timers, pings and buffers made after
registration hold counts there, as it does in a bot that runs for days.
The floor
is the same count of bare sockets (``socket.create_connection``, kept
open) in a process measured the same way.  The ratio is the client's KiB
over the floor's: **lower is better**; it says how much a client holds
beyond the socket every IRC client needs (buffers, parser and handler
state, timers, the registration session).

Both programs live in bench/peers/ (``bottom_client.py`` and ``floor.py``,
subcommand ``memory``).  The open-files limit is raised to the hard limit
first, for this process and so for the server and clients it starts.

Run ``python bench/memory.py`` from the checkout (``--clients``, ``--repeats``,
``--quiet``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, TypedDict

if not __package__:
    # Run as a script: make `bench` importable, as it is for bench/run.py.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.blast import PEERS, ROOT
from bench.options import positive_int, seconds
from bench.processes import ListeningProcess

__all__ = ["BOTTOM", "FLOOR", "Row", "TestServer", "format_table", "main", "measure",
           "memory_args", "raise_nofile", "run_overlapped"]

FLOOR = "floor: bare sockets"
BOTTOM = "bottom: registered Client"
_PROGRAMS = ((FLOOR, "floor.py"), (BOTTOM, "bottom_client.py"))


class Row(TypedDict):
    """One variant's KiB of RSS per connection, at one moment, over repeats."""

    name: str
    when: str
    """"registered": right after the last client registered; "quiet": after
    ``quiet`` seconds more of idling."""
    quiet: float
    median: float
    min: float
    max: float
    ratio: float
    """Median KiB per client / median KiB per bare socket (1.0 for the floor)."""


def raise_nofile() -> None:
    """Lift the open-files soft limit to the hard limit (children inherit it):
    a thousand clients and the server's end of each need two thousand."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class TestServer(ListeningProcess):
    """``python -m bottom.testing --port 0`` as a child process."""

    def __init__(self) -> None:
        super().__init__(["-m", "bottom.testing", "--port", "0"], "python -m bottom.testing",
                         stop_timeout=30.0)


def measure(clients: int = 1000, repeats: int = 3, quiet: float = 60.0) -> list[Row]:
    """KiB of RSS per connection for the floor and bottom, ``repeats`` times
    each (alternating), against one test server: right after the last
    registration, and again after ``quiet`` seconds of idling.

    The programs run overlapped (:func:`run_overlapped`): each starts once
    the previous one has registered every client, so the quiet periods
    pass together and a run takes about one quiet period, not one each.

    :raises ValueError: if ``clients`` or ``repeats`` is below 1 or ``quiet`` below 0.
    :raises RuntimeError: if a program fails (its error is in the message).
    """
    if clients < 1 or repeats < 1 or quiet < 0:
        raise ValueError(f"clients and repeats must be at least 1 and quiet at least 0, "
                         f"not {clients}, {repeats} and {quiet}")
    raise_nofile()
    order = [pair for repeat in range(repeats)
             for pair in (_PROGRAMS if repeat % 2 == 0 else _PROGRAMS[::-1])]
    with TestServer() as server:
        results = run_overlapped([(sys.executable, program, memory_args(
            server.port, clients, quiet)) for _, program in order])
    after: dict[str, list[float]] = {name: [] for name, _ in _PROGRAMS}
    idle: dict[str, list[float]] = {name: [] for name, _ in _PROGRAMS}
    for (name, _), result in zip(order, results, strict=True):
        if "error" in result:
            raise RuntimeError(f"{name}: {result['error']}")
        after[name].append(result["kib_per_client"])
        idle[name].append(result["kib_per_client_quiet"])
    rows = []
    for figures, when in ((after, "registered"), (idle, "quiet")):
        floor = statistics.median(figures[FLOOR])
        rows += [Row(name=name, when=when, quiet=quiet if when == "quiet" else 0.0,
                     median=statistics.median(figures[name]), min=min(figures[name]),
                     max=max(figures[name]), ratio=statistics.median(figures[name]) / floor)
                 for name, _ in _PROGRAMS]
    return rows


def memory_args(port: int, clients: int, quiet: float) -> list[str]:
    """A bench/peers/ program's command line for one memory run."""
    return ["memory", "--port", str(port), "--clients", str(clients), "--quiet", f"{quiet:g}"]


def run_overlapped(jobs: Sequence[tuple[str | Path, str, list[str]]],
                   timeout: float = 900.0) -> list[dict[str, Any]]:
    """Run bench/peers/ memory programs ``(python, program, args)``, each
    started once the one before printed its ``"phase": "registered"`` line
    (or ended); returns each one's final JSON result, in order.

    Never raises for a failing program: its result is ``{"error": ...}``.
    """
    started: list[tuple[subprocess.Popen[str], IO[str]]] = []
    firsts: list[str] = []
    with contextlib.ExitStack() as files:
        try:
            for python, program, args in jobs:
                # stderr to a file: a pipe nobody reads while the next program
                # registers could fill and stall this one.
                errors = files.enter_context(tempfile.TemporaryFile("w+"))
                process = subprocess.Popen([str(python), str(PEERS / program), *args],
                                           cwd=ROOT, stdout=subprocess.PIPE, stderr=errors,
                                           text=True)
                started.append((process, errors))
                assert process.stdout is not None
                # Until its first JSON line: registered, or an early result.
                first = ""
                while not first.startswith("{"):
                    first = process.stdout.readline()
                    if not first:
                        break
                firsts.append(first)
            return [_final(process, errors, first, program, timeout) for (process, errors), first,
                    (_, program, _) in zip(started, firsts, jobs, strict=True)]
        finally:
            for process, _ in started:
                if process.poll() is None:
                    process.kill()
                    process.wait()


def _final(process: subprocess.Popen[str], errors: IO[str], first: str, program: str,
           timeout: float) -> dict[str, Any]:
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"{program} memory did not finish within {timeout:g} s"}
    out = first + out
    errors.seek(0)
    err = errors.read()
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            if result.get("phase") != "registered":
                return result
    tail = (err.strip().splitlines() or [f"exit status {process.returncode}"])[-1]
    return {"error": f"{program} memory printed no result: {tail}"}


def _when(row: Row) -> str:
    return "registered" if row["when"] == "registered" else f"+{row['quiet']:g} s idle"


def format_table(rows: list[Row]) -> str:
    """The rows as a text table."""
    header = (f"{'variant':<26} {'when':<12} {'median KiB/client':>17} {'min':>8} {'max':>8}"
              f"  {'x floor':>8}")
    out = [header, "-" * len(header)]
    for row in rows:
        ratio = "(floor)" if row["name"] == FLOOR else f"{row['ratio']:.1f}x"
        out.append(f"{row['name']:<26} {_when(row):<12} {row['median']:>17.2f} "
                   f"{row['min']:>8.2f} {row['max']:>8.2f}  {ratio:>8}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(
        description="RSS per idle registered bottom client vs per bare socket "
                    "(x floor: lower is better).")
    parser.add_argument("--clients", type=positive_int, default=1000,
                        help="connections per process (default 1000)")
    parser.add_argument("--repeats", type=positive_int, default=3,
                        help="processes per variant, alternating (default 3)")
    parser.add_argument("--quiet", type=seconds, default=60.0,
                        help="seconds of idling before the second reading (default 60)")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.platform()}")
    print(f"{args.clients:,} connections per process to python -m bottom.testing, "
          f"{args.repeats} repeats; KiB/client = VmRSS growth / clients, right after the "
          f"last registration and after {args.quiet:g} s more of idling")
    print()
    print(format_table(measure(args.clients, args.repeats, args.quiet)))


if __name__ == "__main__":
    main()
