"""Routes to a server, and a TLS mistake that explains itself.

usage: python examples/transports.py [HOST [PORT]]    (default 127.0.0.1 6667)

The server is plaintext.  The first client forgets ``ssl=False`` (TLS is
the default), and the error says so; the second connects from a chosen
local address, as a bouncer with one address per user would.
"""

import asyncio
import sys

import bottom


async def main(host: str, port: int) -> None:
    # [start example]
    client = bottom.Client(host, port, nick="router")  # ssl=True is the default
    try:
        await client.connect()
    except bottom.ConnectionFailed as exc:
        print(f"ConnectionFailed: {exc}")

    client = bottom.Client(host, port, ssl=False, nick="router",
                           local_addr=("127.0.0.1", 0))  # port 0: any free port
    await client.connect()
    ready = await asyncio.wait_for(client.wait("client_ready"), 10)
    print(f"ready as {ready['nick']} over plaintext")
    # [end example]
    await client.disconnect()


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
