"""The Redis path: events per second from a gateway to 1, 2 and 4 workers,
and the latency it adds over an in-process handler.

``python bench/redis_bench.py [--events 20000]`` starts a private
``redis-server`` (Debian's; no persistence) on a free port.  For each
worker count it starts that many worker processes (one consumer group),
then a gateway in this process publishes ``--events`` PRIVMSG events as
fast as the Hub triggers them; events/s is counted from the first
publish until the group has no lag and nothing pending.  Latency is
measured separately at a modest pace (``--paced`` events at 500/s, so
queues stay empty): a worker's handler receives ``sent`` (a
``time.monotonic()`` stamp, comparable across processes on one machine)
and records ``now - sent``.  The floor is the same handler called in
process by the Hub.  Printed: events/s per worker count, p50/p99 latency
added over the in-process handler.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not __package__:
    sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def worker_main(url: str, name: str) -> None:
    from bottom.redis import Worker

    latencies: list[float] = []
    worker = Worker(url, group="bench", name=name, networks=["net"])

    @worker.on("privmsg")
    def handle(sent: float, paced: bool) -> None:
        if paced:
            latencies.append(time.monotonic() - sent)

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with worker:
        print("ready", flush=True)
        await stop.wait()
    print(json.dumps(latencies), flush=True)


async def _drained(redis: object, key: str) -> None:
    while True:
        groups = await redis.xinfo_groups(key)  # type: ignore[attr-defined]
        group = next(g for g in groups if g["name"] in (b"bench", "bench"))
        if group["lag"] == 0 and group["pending"] == 0:
            return
        await asyncio.sleep(0.005)


async def gateway_run(url: str, workers: int, events: int, paced: int) -> dict[str, float]:
    import bottom
    from bottom.redis import Gateway

    procs = [subprocess.Popen([sys.executable, str(Path(__file__)), "worker", url, f"w{i}"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for i in range(workers)]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a worker did not start")
        hub = bottom.Hub(reconnect=False)
        client = hub.add(bottom.Client("127.0.0.1", 1, ssl=False), name="net")
        async with Gateway(hub, url, maxlen=events * 2, buffer=events * 2) as gateway:
            redis = gateway._redis
            key = gateway.keys.events("net")
            started = time.monotonic()
            for index in range(events):
                client.trigger("privmsg", nick="a", target="#c", message=str(index),
                               sent=time.monotonic(), paced=False)
                if index % 1000 == 999:
                    await asyncio.sleep(0)
            await _drained(redis, key)
            rate = events / (time.monotonic() - started)
            for index in range(paced):
                client.trigger("privmsg", nick="a", target="#c", message=str(index),
                               sent=time.monotonic(), paced=True)
                await asyncio.sleep(1 / 500)
            await _drained(redis, key)
    finally:
        latencies: list[float] = []
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
            lines = out.strip().splitlines()
            if lines and lines[-1].startswith("["):
                latencies.extend(json.loads(lines[-1]))
    return {"rate": rate, "p50": _percentile(latencies, 0.5),
            "p99": _percentile(latencies, 0.99), "count": len(latencies)}


def in_process(paced: int) -> dict[str, float]:
    import bottom

    latencies: list[float] = []
    hub = bottom.Hub(reconnect=False)
    client = hub.add(bottom.Client("127.0.0.1", 1, ssl=False), name="net")

    @hub.on("privmsg")
    def handle(sent: float) -> None:
        latencies.append(time.monotonic() - sent)

    for index in range(paced):
        client.trigger("privmsg", nick="a", target="#c", message=str(index),
                       sent=time.monotonic())
    return {"p50": _percentile(latencies, 0.5), "p99": _percentile(latencies, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--paced", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (Debian: apt-get install redis-server)")
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            url = f"redis://127.0.0.1:{port}/0"
            for _ in range(500):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.01)
            floor = in_process(args.paced)
            print(f"in-process handler latency: p50 {floor['p50'] * 1e6:.1f} us, "
                  f"p99 {floor['p99'] * 1e6:.1f} us")
            print(f"{'workers':>7} {'events/s':>10} {'per worker':>11} "
                  f"{'added p50 ms':>13} {'added p99 ms':>13}")
            for count in (int(n) for n in args.workers.split(",")):
                subprocess.run([sys.executable, "-c", "import redis; r=redis.Redis(port="
                                f"{port}); r.flushall()"], check=True)
                result = asyncio.run(gateway_run(url, count, args.events, args.paced))
                print(f"{count:>7} {result['rate']:>10.0f} {result['rate'] / count:>11.0f} "
                      f"{(result['p50'] - floor['p50']) * 1e3:>13.2f} "
                      f"{(result['p99'] - floor['p99']) * 1e3:>13.2f}", flush=True)
        finally:
            server.terminate()
            server.wait(10)
    print(f"(load average now {os.getloadavg()[0]:.1f}; figures from a busy machine "
          "are not comparable)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        asyncio.run(worker_main(sys.argv[2], sys.argv[3]))
    else:
        main()
