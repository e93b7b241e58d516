"""Resident memory of 1,000 idle registered bottom clients, relative to a floor.

One process connects ``--clients`` bottom clients (``nick=f"c{i}"``,
``flood_control=False``, 100 at a time) to ``python -m bottom.testing``
running in another process, waits until every one triggered
``CLIENT_READY``, and reads its own ``VmRSS`` from ``/proc/self/status``
before and after: KiB per client = (after - before) / clients.  The floor
is the same count of bare sockets (``socket.create_connection``, kept
open) in a process measured the same way.  The ratio is the client's KiB
over the floor's: **lower is better**; it says how much a client holds
beyond the socket every IRC client needs (buffers, parser and handler
state, timers, the registration session).

Both programs live in bench/peers/ (``bottom_client.py`` and ``floor.py``,
subcommand ``memory``).  The open-files limit is raised to the hard limit
first, for this process and so for the server and clients it starts.

Run ``python bench/memory.py`` from the checkout (``--clients``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

if not __package__:
    # Run as a script: make `bench` importable, as it is for bench/run.py.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dispatch import run_program
from bench.options import positive_int
from bench.processes import ListeningProcess

__all__ = ["BOTTOM", "FLOOR", "Row", "TestServer", "main", "measure", "raise_nofile"]

FLOOR = "floor: bare sockets"
BOTTOM = "bottom: registered Client"
_PROGRAMS = ((FLOOR, "floor.py"), (BOTTOM, "bottom_client.py"))


class Row(TypedDict):
    """One variant's KiB of RSS per connection, over repeats."""

    name: str
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


def measure(clients: int = 1000, repeats: int = 3) -> list[Row]:
    """KiB of RSS per connection for the floor and bottom, ``repeats`` times
    each (alternating), against one test server.

    :raises ValueError: if ``clients`` or ``repeats`` is below 1.
    :raises RuntimeError: if a program fails (its error is in the message).
    """
    if clients < 1 or repeats < 1:
        raise ValueError(f"clients and repeats must be at least 1, not {clients} and {repeats}")
    raise_nofile()
    kib: dict[str, list[float]] = {name: [] for name, _ in _PROGRAMS}
    with TestServer() as server:
        for repeat in range(repeats):
            order = _PROGRAMS if repeat % 2 == 0 else _PROGRAMS[::-1]
            for name, program in order:
                result = run_program(sys.executable, program, [
                    "memory", "--port", str(server.port), "--clients", str(clients)])
                if "error" in result:
                    raise RuntimeError(f"{name}: {result['error']}")
                kib[name].append(result["kib_per_client"])
    floor = statistics.median(kib[FLOOR])
    return [Row(name=name, median=statistics.median(kib[name]), min=min(kib[name]),
                max=max(kib[name]), ratio=statistics.median(kib[name]) / floor)
            for name, _ in _PROGRAMS]


def _format_table(rows: list[Row]) -> str:
    header = f"{'variant':<26} {'median KiB/client':>17} {'min':>8} {'max':>8}  {'x floor':>8}"
    out = [header, "-" * len(header)]
    for row in rows:
        ratio = "(floor)" if row["name"] == FLOOR else f"{row['ratio']:.1f}x"
        out.append(f"{row['name']:<26} {row['median']:>17.1f} {row['min']:>8.1f} "
                   f"{row['max']:>8.1f}  {ratio:>8}")
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
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.platform()}")
    print(f"{args.clients:,} connections per process to python -m bottom.testing, "
          f"{args.repeats} repeats; KiB/client = VmRSS growth / clients")
    print()
    print(_format_table(measure(args.clients, args.repeats)))


if __name__ == "__main__":
    main()
