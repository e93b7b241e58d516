"""10,000 registered idle clients in one Hub: memory, idle CPU, connect time.

``python bench/hub.py [--clients 10000] [--idle 100]`` starts bottom's test
server (``python -m bottom.testing``) in one process and runs two programs
against it, each in a fresh process:

* the floor: ``--clients`` bare sockets (``socket.create_connection``),
  kept open;
* the Hub: ``--clients`` Clients as a user makes them (every default but
  ``ssl=False``, the test server being plain) in one :class:`bottom.Hub`
  with its defaults but throttling off (``connect_rate=None``): at most
  100 connects in flight, reconnecting on.

Each reads its own ``VmRSS`` before and after and reports KiB per
connection; the Hub program connects one client first, not counted, and
reports apart what it cost (the modules and caches a process loads once).
The Hub program also reports the seconds (and its own CPU seconds) until
every client triggered ``CLIENT_READY``, and the CPU it used over
``--idle`` seconds of doing nothing, in percent of one core.
The default of 100 s is longer than ``ping_interval=90``, so the window
holds every client's keepalive PING and the server's PONG: a shorter
window right after connecting would miss them and read low.

Printed: KiB per client beyond a bare socket, idle CPU, the connect time
with the CPU each side spent on it, the load average (other work on the
machine slows both sides) and how many connects the kernel refused for a
full listen backlog meanwhile (each costs its client 1 s or more).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _listen_overflows() -> int:
    """Connects refused for a full listen backlog, machine-wide (Linux)."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=True):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(row.get("ListenOverflows", 0))
    return 0


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


async def hub(port: int, clients: int, idle: float) -> dict[str, float]:
    import bottom

    start = _rss_kib()
    # One client first, in a Hub of its own, not counted: the modules and
    # caches it loads are paid once per process, not per client.
    first = bottom.Hub(connect_rate=None)
    first.create("127.0.0.1", port, ssl=False, nick="first")
    await first.connect()
    before = _rss_kib()
    hub = bottom.Hub(connect_rate=None)
    pongs = 0

    @hub.on("PONG")
    def pong(**kwargs: object) -> None:
        nonlocal pongs
        pongs += 1

    for index in range(clients):
        hub.create("127.0.0.1", port, ssl=False, nick=f"c{index}", name=f"c{index}")
    started, cpu = time.monotonic(), time.process_time()
    failed = await hub.connect()
    took, cpu = time.monotonic() - started, time.process_time() - cpu
    if failed:
        raise RuntimeError(f"{len(failed)} clients failed, e.g. {next(iter(failed.values()))}")
    after = _rss_kib()
    idle_cpu = time.process_time()
    await asyncio.sleep(idle)
    idle_cpu = time.process_time() - idle_cpu
    result = {"kib_per_client": (after - before) / clients, "first_kib": before - start,
              "connect_seconds": took,
              "connect_cpu": cpu, "idle_cpu_percent": 100 * idle_cpu / idle,
              "idle_pongs": pongs}
    await hub.disconnect()
    await first.disconnect()
    return result


def _child(kind: str, port: int, args: argparse.Namespace) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), kind, "--port", str(port),
         "--clients", str(args.clients), "--idle", str(args.idle)],
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
    parser.add_argument("--idle", type=float, default=100.0)
    args = parser.parse_args()
    _raise_nofile()
    if args.kind == "floor":
        print(json.dumps(floor(args.port, args.clients)))
        return
    if args.kind == "hub":
        print(json.dumps(asyncio.run(hub(args.port, args.clients, args.idle))))
        return
    load = os.getloadavg()[0]
    with ListeningProcess(["-m", "bottom.testing"], "bottom.testing") as server:
        bare = _child("floor", server.port, args)
        server_cpu, overflows = _cpu_seconds(server.pid), _listen_overflows()
        many = _child("hub", server.port, args)
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        overflows = _listen_overflows() - overflows
    extra = many["kib_per_client"] - bare["kib_per_client"]
    took = many["connect_seconds"]
    print(f"{args.clients} registered idle clients in one Hub (server in another process; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"{os.cpu_count()} cores)")
    print(f"  memory: {many['kib_per_client']:.2f} KiB per client, bare socket "
          f"{bare['kib_per_client']:.2f} KiB: {extra:.2f} KiB per client beyond a socket "
          f"(and {many['first_kib'] / 1024:.1f} MiB once, with the first client: "
          "modules and caches)")
    print(f"  connect + register all: {took:.1f} s ({args.clients / took:.0f} clients/s; "
          f"throttling off); CPU: Hub {many['connect_cpu']:.1f} s "
          f"({1000 * many['connect_cpu'] / args.clients:.2f} ms per client), test server "
          f"{server_cpu:.1f} s (the whole run); {overflows} connects refused for a full "
          "listen backlog, machine-wide")
    print(f"  idle CPU over {args.idle:g} s: {many['idle_cpu_percent']:.2f}% of one core "
          f"({many['idle_pongs']:.0f} keepalive PONGs in the window)")


if __name__ == "__main__":
    main()
