"""Reconnecting after a lost connection, five ways.

usage: python examples/reconnect.py FORM [HOST [PORT]]    (default 127.0.0.1 6667)

FORM is one of:
  await   await client.connect() inside the CLIENT_DISCONNECT handler
  task    schedule client.connect() as a task and return at once
  wait    schedule it, then await client.wait("client_connect")
  retry   like await, but retry with a growing delay while the server is down
  policy  let the client reconnect by itself (reconnect=ReconnectPolicy(...))

The bot registers, QUITs (the server then closes the connection), comes
back, and exits after its second welcome.
"""

import asyncio
import sys

import bottom


async def main(form: str, host: str, port: int) -> None:
    policy = bottom.ReconnectPolicy(initial=0.5, minimum=0.1) if form == "policy" else False
    client = bottom.Client(host, port, ssl=False, nick="phoenix", reconnect=policy)
    welcomes = 0
    finished = asyncio.Event()
    stopping = False  # set before a disconnect we want to keep

    @client.on("client_ready")
    def ready(nick):
        nonlocal welcomes
        welcomes += 1
        print(f"ready #{welcomes} as {nick}")
        if welcomes == 1:
            client.send("quit", message="back soon")
        else:
            finished.set()

    @client.on("client_disconnect")
    def show(reason):
        print(f"disconnected: {reason}")

    if form == "await":
        # [start await]
        @client.on("client_disconnect")
        async def reconnect(**kwargs):
            if stopping:
                return
            await asyncio.sleep(0.2)  # never hammer a server that just dropped us
            await client.connect()    # raises ConnectionFailed if the server is down
            print("reconnected (connect() returned)")
        # [end await]
    elif form == "task":
        # [start task]
        background = set()  # the loop keeps only weak references to tasks

        @client.on("client_disconnect")
        async def reconnect(**kwargs):
            if stopping:
                return
            await asyncio.sleep(0.2)
            task = client.loop.create_task(client.connect())
            background.add(task)
            task.add_done_callback(background.discard)
            print("reconnect scheduled")
        # [end task]
    elif form == "wait":
        # [start wait]
        @client.on("client_disconnect")
        async def reconnect(**kwargs):
            if stopping:
                return
            await asyncio.sleep(0.2)
            client.loop.create_task(client.connect())
            await client.wait("client_connect")
            print("reconnected (client_connect fired)")
        # [end wait]

    elif form == "retry":
        # [start retry]
        @client.on("client_disconnect")
        async def reconnect(**kwargs):
            delay = 0.2
            while not stopping:
                await asyncio.sleep(delay)
                try:
                    await client.connect()
                    print("reconnected")
                    return
                except bottom.ConnectionFailed as exc:
                    print(f"still down ({exc}); next try in {delay * 2:g} s")
                    delay = min(delay * 2, 300)
        # [end retry]

    await client.connect()
    await asyncio.wait_for(finished.wait(), 20)
    stopping = True
    await client.disconnect()  # also stops a ReconnectPolicy


if __name__ == "__main__":
    form = sys.argv[1]
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 6667
    asyncio.run(main(form, host, port))
