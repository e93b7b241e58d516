"""How many PRIVMSG lines a second bottom sends, relative to raw writes.

A sink process on 127.0.0.1 counts the lines it receives and, after the
N-th, answers ``PONG`` once.  A client process (fresh per run) sends N
PRIVMSG lines (channels and 40-80 character texts, as bench/dispatch.py
receives) and stops its clock when that answer arrives, so every line was
built, written and read by the sink.

Variants:

* ``floor``: ``transport.write()`` of each line, encoded before timing
  starts (the least a sender does: one write per line);
* ``bottom: send()``: ``client.send("privmsg", target=..., message=...)``
  with ``flood_control=False``, the returned Futures never awaited;
* ``bottom: send(), await each 1000th``: the same, awaiting every
  1000th Future, so a sender that respects backpressure is measured too.

The ratio is the variant's rate over the floor's in the same repeat:
**higher is better**.  There is no target; the figure shows what
``send()`` costs (validation, serialisation, a Future per call, the write
queue) on top of a write.

Run ``python bench/send.py`` from the checkout (``--lines``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

if not __package__:
    # Run as a script: make `bench` and the checkout's `bottom` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bottom
from bench.blast import HOST, ROOT, privmsgs
from bench.options import positive_int
from bench.processes import ListeningProcess

__all__ = ["AWAITED", "FLOOR", "NOT_AWAITED", "Row", "main", "measure"]

FLOOR = "floor: transport.write"
NOT_AWAITED = "bottom: send()"
AWAITED = "bottom: send(), await each 1000th"
_VARIANTS = (FLOOR, NOT_AWAITED, AWAITED)
_DONE = b":sink PONG sink :done\r\n"
_TIMEOUT = 600.0


class Row(TypedDict):
    """One variant's lines per second, over repeats."""

    name: str
    median: float
    min: float
    max: float
    ratio: float
    """Median over repeats of variant rate / floor rate in that repeat."""


# --- the sink (its own process) ----------------------------------------------

def _sink(n: int) -> None:
    with socket.create_server((HOST, 0)) as listener:
        print(f"listening on {HOST}:{listener.getsockname()[1]}", flush=True)
        while True:
            conn, _ = listener.accept()
            with conn:
                try:
                    _count(conn, n)
                except OSError:
                    pass  # the client went away early; it reports that itself


def _count(conn: socket.socket, n: int) -> None:
    lines = 0
    while chunk := conn.recv(1 << 20):
        if lines < n:
            lines += chunk.count(b"\n")
            if lines >= n:
                conn.sendall(_DONE)
    # The client closed: nothing left to read, so no RST can lose anything.


class _Sink(ListeningProcess):
    """The sink as a child process: ``with _Sink(n) as sink: sink.port``."""

    def __init__(self, lines: int) -> None:
        super().__init__(["-m", "bench.send", "sink", "--lines", str(lines)], "the sink")


class _Answer(asyncio.Protocol):
    """The floor's protocol: resolves ``done`` when the sink answers."""

    def __init__(self, done: asyncio.Future[float]) -> None:
        self.done = done

    def data_received(self, data: bytes) -> None:
        if not self.done.done():
            self.done.set_result(time.perf_counter())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(ConnectionError("the sink closed the connection"))


async def _floor(port: int, pairs: list[tuple[str, str]]) -> float:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[float] = loop.create_future()
    transport, _ = await loop.create_connection(lambda: _Answer(done), HOST, port)
    payloads = [f"PRIVMSG {target} :{text}\r\n".encode() for target, text in pairs]
    start = time.perf_counter()
    for payload in payloads:
        transport.write(payload)
    end = await asyncio.wait_for(done, _TIMEOUT)
    transport.close()
    return end - start


async def _bottom(port: int, pairs: list[tuple[str, str]], await_every: int | None) -> float:
    client = bottom.Client(HOST, port, ssl=False, flood_control=False, ping_interval=None)
    answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @client.on("pong")
    def sink_is_done() -> None:
        if not answered.done():
            answered.set_result(None)

    await client.connect()
    send = client.send
    start = time.perf_counter()
    for index, (target, text) in enumerate(pairs, 1):
        sent = send("privmsg", target=target, message=text)
        if await_every is not None and index % await_every == 0:
            await sent
    await asyncio.wait_for(answered, _TIMEOUT)
    end = time.perf_counter()
    await client.disconnect()
    return end - start


_CLIENTS: dict[str, Callable[[int, list[tuple[str, str]]], Any]] = {
    FLOOR: _floor,
    NOT_AWAITED: lambda port, pairs: _bottom(port, pairs, None),
    AWAITED: lambda port, pairs: _bottom(port, pairs, 1000),
}


def _client(variant: str, port: int, n: int) -> None:
    pairs = privmsgs(n)
    seconds = asyncio.run(_CLIENTS[variant](port, pairs))
    print(json.dumps({"rate": n / seconds, "seconds": seconds}), flush=True)


# --- orchestration -----------------------------------------------------------

def _run_client(variant: str, port: int, n: int) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.send", "client", variant, "--port", str(port),
         "--lines", str(n)], cwd=ROOT, capture_output=True, text=True, timeout=_TIMEOUT + 60,
        check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            rate: float = json.loads(line)["rate"]
            return rate
    tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    raise RuntimeError(f"{variant}: {tail}")


def measure(repeats: int = 5, n: int = 200_000) -> list[Row]:
    """Run every variant ``repeats`` times (order rotating) against one sink.

    :raises ValueError: if ``repeats`` or ``n`` is below 1.
    :raises RuntimeError: if a variant fails.
    """
    if repeats < 1 or n < 1:
        raise ValueError(f"repeats and n must be at least 1, not {repeats} and {n}")
    rates: dict[str, list[float]] = {name: [] for name in _VARIANTS}
    with _Sink(n) as sink:
        for repeat in range(repeats):
            start_at = repeat % len(_VARIANTS)
            for name in _VARIANTS[start_at:] + _VARIANTS[:start_at]:
                rates[name].append(_run_client(name, sink.port, n))
    rows = []
    for name in _VARIANTS:
        pairs = zip(rates[name], rates[FLOOR], strict=True)
        rows.append(Row(name=name, median=statistics.median(rates[name]), min=min(rates[name]),
                        max=max(rates[name]),
                        ratio=statistics.median(rate / floor for rate, floor in pairs)))
    return rows


def _format_table(rows: list[Row]) -> str:
    header = (f"{'variant':<34} {'median lines/s':>15} {'min':>11} {'max':>11}  "
              f"{'of floor':>8}")
    out = [header, "-" * len(header)]
    for row in rows:
        share = "(floor)" if row["name"] == FLOOR else f"{row['ratio']:.0%}"
        out.append(f"{row['name']:<34} {row['median']:>15,.0f} {row['min']:>11,.0f} "
                   f"{row['max']:>11,.0f}  {share:>8}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print the table; ``sink`` and ``client`` are the child processes."""
    parser = argparse.ArgumentParser(
        description="PRIVMSG lines per second through client.send() vs raw transport.write() "
                    "(share of the floor's rate: higher is better).")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="timed runs per variant, interleaved (default 5)")
    parser.add_argument("--lines", type=positive_int, default=200_000,
                        help="lines per run (default 200000)")
    commands = parser.add_subparsers(dest="command")
    sink = commands.add_parser("sink", help="run the counting sink (prints its port)")
    sink.add_argument("--lines", type=positive_int, required=True)
    client = commands.add_parser("client", help="run one variant once (prints JSON)")
    client.add_argument("variant", choices=_VARIANTS)
    client.add_argument("--port", type=int, required=True)
    client.add_argument("--lines", type=positive_int, required=True)
    args = parser.parse_args(argv)
    if args.command == "sink":
        try:
            _sink(args.lines)
        except KeyboardInterrupt:
            pass
        return
    if args.command == "client":
        _client(args.variant, args.port, args.lines)
        return

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.platform()}")
    print(f"{args.lines:,} PRIVMSG lines per run, {args.repeats} repeats, flood control off, "
          "client and sink in separate processes")
    rows = measure(args.repeats, args.lines)
    print("'of floor' = variant lines/s / floor lines/s in the same repeat, median: "
          "HIGHER IS BETTER")
    print()
    print(_format_table(rows))


if __name__ == "__main__":
    main()
