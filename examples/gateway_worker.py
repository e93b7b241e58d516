"""Scaling out with Redis: a gateway holds the IRC connection, workers answer.

usage: python examples/gateway_worker.py gateway HOST PORT REDIS_URL
       python examples/gateway_worker.py worker REDIS_URL
       python examples/gateway_worker.py demo HOST PORT REDIS_URL

Needs ``pip install "bottom[redis]"`` and a Redis server.  Run one
gateway and any number of workers (each a process, on any machine that
reaches Redis); restart workers at will, the IRC connection stays.
``demo`` runs a gateway and two workers in one process and shows alice's
``!ping`` answered by one of them.
"""

import asyncio
import os
import sys

import bottom
from bottom.redis import Gateway, Worker


# [start gateway]
async def gateway(host, port, redis_url, ready=None):
    hub = bottom.Hub()
    hub.create(host, port, ssl=False, nick="pingbot", name="net")

    @hub.on("client_ready")
    def join(client):
        client.send("join", channel="#bots")

    async with hub, Gateway(hub, redis_url, name="gw1"):
        await hub.wait("rpl_endofnames")
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()  # until cancelled (SIGTERM under systemd)
# [end gateway]


# [start worker]
def make_worker(redis_url, name=None):
    worker = Worker(redis_url, group="pingbot", name=name)

    @worker.on("privmsg")
    def pong(network, nick, target, message):
        if message == "!ping":
            worker.send(network, "privmsg", target=target,
                        message=f"{nick}: pong from {worker.name}")

    return worker
# [end worker]


async def demo(host, port, redis_url):
    ready = asyncio.Event()
    gateway_task = asyncio.create_task(gateway(host, port, redis_url, ready))
    await asyncio.wait_for(ready.wait(), 20)
    async with make_worker(redis_url, "w1"), make_worker(redis_url, "w2"):
        alice = bottom.Client(host, port, ssl=False, nick="alice")
        await alice.connect()
        await alice.wait("client_ready")
        alice.send("join", channel="#bots")
        await alice.wait("rpl_endofnames")
        alice.send("privmsg", target="#bots", message="!ping")
        reply = await asyncio.wait_for(alice.wait("privmsg"), 20)
        print("alice read:", reply["message"].rsplit(" ", 1)[0], "<a worker>")
        await alice.disconnect()
    gateway_task.cancel()
    await asyncio.gather(gateway_task, return_exceptions=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:] or ["demo", "127.0.0.1", "6667", "redis://127.0.0.1:6379/0"]
    if mode == "gateway":
        asyncio.run(gateway(args[0], int(args[1]), args[2]))
    elif mode == "worker":
        asyncio.run(make_worker(args[0], f"{os.uname().nodename}-{os.getpid()}").run())
    else:
        asyncio.run(demo(args[0], int(args[1]), args[2]))
