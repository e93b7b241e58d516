"""Waiting for events and replies: wait, wait_for, timeouts.

usage: python examples/waiting.py [HOST [PORT]]    (default 127.0.0.1 6667)
"""

import asyncio
import sys

import bottom


async def main(host: str, port: int) -> None:
    client = bottom.Client(host, port, ssl=False, nick="waiter")
    await client.connect()

    # [start wait]
    ready = await asyncio.wait_for(client.wait("client_ready"), 10)
    print(f"registered as {ready['nick']}")
    # [end wait]

    # [start wait-for-all]
    client.send("join", channel="#waiting")
    joined, end_of_names = await asyncio.wait_for(
        bottom.wait_for(client, ["join", "rpl_endofnames"], mode="all"), 10)
    print(f"{joined['nick']} joined {joined['channel']}; NAMES ended for "
          f"{end_of_names['channel']}")
    # [end wait-for-all]

    # [start early]
    reply = asyncio.ensure_future(client.wait("rpl_namreply"))  # registered now
    await asyncio.sleep(0.1)  # anything that suspends: the reply cannot slip past
    client.send("names", channel="#waiting")
    names = await asyncio.wait_for(reply, 10)
    print(f"in {names['channel']}: {' '.join(names['users'])}")
    # [end early]

    # [start wait-for-first]
    client.send("whois", mask="waiter")
    first = await asyncio.wait_for(
        bottom.wait_for(client, ["rpl_endofwhois", "err_unknowncommand"]), 10)
    reply = first[0]
    if reply["event"] == "ERR_UNKNOWNCOMMAND":
        print(f"the server does not know {reply['command']}")
    else:
        print(f"WHOIS ended for {reply['nick']}")
    # [end wait-for-first]

    # [start timeout]
    try:
        await asyncio.wait_for(client.wait("rpl_youreoper"), 0.5)
    except asyncio.TimeoutError:
        print("no RPL_YOUREOPER within 0.5 s")
    # The cancelled wait took nothing away: the next wait works as usual.
    client.send("part", channel="#waiting")
    parted = await asyncio.wait_for(client.wait("part"), 10)
    print(f"left {parted['channel']}")
    # [end timeout]

    await client.disconnect()


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
