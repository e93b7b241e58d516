"""Where an idle registered client's memory goes, line by line (tracemalloc).

Starts ``python -m bottom.testing`` in its own process, connects a few
warm-up clients (imports, shared tables), snapshots tracemalloc, connects
``--clients`` registered clients (``nick=`` given, so state tracking is on;
100 at a time, each waited for until ``CLIENT_READY``), lets the loop settle
and snapshots again.  Prints the total bytes per client and the source lines
that allocated them (``Snapshot.compare_to(..., "lineno")``), biggest first;
``--where TEXT`` also prints the full tracebacks of the allocations whose
stack mentions TEXT (``--where state.py``).

Complements bench/memory.py (RSS, which counts allocator overhead and
what tracemalloc cannot see) when looking for what to slim.  Run
``python bench/allocations.py`` from the checkout (``--clients``, ``--top``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bottom  # noqa: E402

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


async def _connect(port: int, count: int, prefix: str) -> list[bottom.Client]:
    clients = [bottom.Client(HOST, port, ssl=False, flood_control=False, nick=f"{prefix}{i}")
               for i in range(count)]
    for start in range(0, count, 100):
        batch = clients[start:start + 100]
        ready = [asyncio.ensure_future(client.wait("client_ready")) for client in batch]
        await asyncio.gather(*(client.connect() for client in batch))
        await asyncio.wait_for(asyncio.gather(*ready), 60)
    await asyncio.sleep(0.5)
    return clients


def _where(filename: str, lineno: int) -> str:
    if "/bottom/" in filename:
        filename = "bottom/" + filename.rsplit("/bottom/", 1)[1]
    else:
        filename = "/".join(filename.split("/")[-2:])
    return f"{filename}:{lineno}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--top", type=int, default=40, help="lines to list")
    parser.add_argument("--where", default="", help="print the tracebacks mentioning this")
    args = parser.parse_args()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bottom.testing", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, port)).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        loop = asyncio.new_event_loop()
        warm = loop.run_until_complete(_connect(port, 5, "warm"))
        gc.collect()
        tracemalloc.start(12 if args.where else 1)
        before = tracemalloc.take_snapshot()
        clients = loop.run_until_complete(_connect(port, args.clients, "idle"))
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        stats = after.compare_to(before, "lineno")
        total = sum(stat.size_diff for stat in stats)
        print(f"{total / args.clients:.0f} B per idle registered client "
              f"({args.clients} clients; Python {sys.version.split()[0]})")
        for stat in stats[:args.top]:
            if stat.size_diff > 0:
                frame = stat.traceback[0]
                print(f"{stat.size_diff / args.clients:8.1f} B "
                      f"{stat.count_diff / args.clients:6.2f} blocks  "
                      f"{_where(frame.filename, frame.lineno)}")
        if args.where:
            for stat in after.compare_to(before, "traceback"):
                if stat.size_diff > 0 and any(
                        args.where in f"{f.filename}:{f.lineno}" for f in stat.traceback):
                    print(f"--- {stat.size_diff / args.clients:.1f} B per client")
                    print("\n".join(stat.traceback.format()[-16:]))
        for client in [*warm, *clients]:
            loop.run_until_complete(client.disconnect())
        loop.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
