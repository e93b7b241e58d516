"""Flood control: a burst, then a steady rate; PONG goes ahead of the queue.

usage: python examples/flood_control.py [HOST [PORT]]    (default 127.0.0.1 6667)

The defaults are a burst of 5 lines, then 1 line per second.  This demo
uses burst 3 at 5 lines/s so it finishes quickly; the behaviour is the
same.  It sends PINGs, which a server answers even before registration.
"""

import asyncio
import sys

import bottom


async def main(host: str, port: int) -> None:
    # [start paced]
    client = bottom.Client(host, port, ssl=False, flood_burst=3, flood_rate=5.0)
    await client.connect()
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = [client.send("ping", message=f"n{i}") for i in range(8)]
    at_once = sum(future.done() for future in sent)
    print(f"{at_once} of {len(sent)} lines written at once (the burst)")
    await asyncio.gather(*sent)  # done when the last one reached the socket
    took = loop.time() - start
    print(f"the other {len(sent) - at_once} followed at 5 lines/s: "
          f"took at least 0.9 s: {took >= 0.9}")
    # [end paced]

    # [start priority]
    queued = [client.send("ping", message=f"q{i}") for i in range(6)]  # the bucket is empty
    pong = client.send("pong", message="keepalive")
    await pong  # it takes the next token, before any queued PING
    print(f"PONG went out ahead of the queued PINGs: {not queued[0].done()}")
    await asyncio.gather(*queued)
    await client.disconnect()
    # [end priority]

    # [start off]
    unpaced = bottom.Client(host, port, ssl=False, flood_control=False)
    await unpaced.connect()
    sent = [unpaced.send("ping", message=f"u{i}") for i in range(8)]
    print(f"without flood control: {sum(f.done() for f in sent)} of 8 written at once")
    await unpaced.disconnect()
    # [end off]


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
