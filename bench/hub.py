"""10,000 registered idle clients in one Hub: memory, idle CPU, connect time.

``python bench/hub.py [--clients 10000] [--idle 10]`` starts bottom's test
server (``python -m bottom.testing``) in one process and runs two programs
against it, each in a fresh process:

* the floor: ``--clients`` bare sockets (``socket.create_connection``),
  kept open;
* the Hub: ``--clients`` registered Clients (``flood_control=False``) in
  one :class:`bottom.Hub` with throttling off (``connect_rate=None``; at
  most ``--in-flight`` connects at once, default 100: asyncio's listen
  backlog is 100, and a Python server busy registering drops the SYNs
  beyond it, which costs the clients TCP retransmit timeouts).

Each reads its own ``VmRSS`` before and after and reports KiB per
connection; the Hub program also reports the seconds until every client
triggered ``CLIENT_READY`` and the CPU it used over ``--idle`` seconds of
doing nothing (percent of one core).  Printed: KiB per client beyond a
bare socket, idle CPU, clients registered per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not __package__:
    sys.path.insert(0, str(ROOT))

from bench.processes import ListeningProcess  # noqa: E402


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def floor(port: int, clients: int) -> dict[str, float]:
    before = _rss_kib()
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(clients)]
    after = _rss_kib()
    for sock in sockets:
        sock.close()
    return {"kib_per_client": (after - before) / clients}


async def hub(port: int, clients: int, idle: float, in_flight: int) -> dict[str, float]:
    import bottom

    before = _rss_kib()
    hub = bottom.Hub(connect_rate=None, max_connecting=in_flight, reconnect=False)
    for index in range(clients):
        hub.create("127.0.0.1", port, ssl=False, nick=f"c{index}", name=f"c{index}",
                   flood_control=False, connect_timeout=120.0)
    started = time.monotonic()
    failed = await hub.connect()
    took = time.monotonic() - started
    if failed:
        raise RuntimeError(f"{len(failed)} clients failed, e.g. {next(iter(failed.values()))}")
    after = _rss_kib()
    cpu = time.process_time()
    await asyncio.sleep(idle)
    cpu = time.process_time() - cpu
    result = {"kib_per_client": (after - before) / clients, "connect_seconds": took,
              "idle_cpu_percent": 100 * cpu / idle}
    await hub.disconnect()
    return result


def _child(kind: str, port: int, args: argparse.Namespace) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), kind, "--port", str(port),
         "--clients", str(args.clients), "--idle", str(args.idle),
         "--in-flight", str(args.in_flight)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("kind", nargs="?", choices=("floor", "hub"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--in-flight", type=int, default=100)
    args = parser.parse_args()
    _raise_nofile()
    if args.kind == "floor":
        print(json.dumps(floor(args.port, args.clients)))
        return
    if args.kind == "hub":
        print(json.dumps(asyncio.run(hub(args.port, args.clients, args.idle,
                                         args.in_flight))))
        return
    with ListeningProcess(["-m", "bottom.testing"], "bottom.testing") as server:
        bare = _child("floor", server.port, args)
        many = _child("hub", server.port, args)
    extra = many["kib_per_client"] - bare["kib_per_client"]
    print(f"{args.clients} registered idle clients in one Hub (server in another process)")
    print(f"  memory: {many['kib_per_client']:.2f} KiB per client, bare socket "
          f"{bare['kib_per_client']:.2f} KiB: {extra:.2f} KiB per client beyond a socket "
          f"({many['kib_per_client'] / bare['kib_per_client']:.1f}x the socket)")
    print(f"  connect + register all: {many['connect_seconds']:.1f} s "
          f"({args.clients / many['connect_seconds']:.0f} clients/s, "
          f"{1000 * many['connect_seconds'] / args.clients:.2f} ms per client; "
          f"throttling off, {args.in_flight} in flight)")
    print(f"  idle CPU over {args.idle:g} s: {many['idle_cpu_percent']:.2f}% of one core")


if __name__ == "__main__":
    main()
