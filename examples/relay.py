"""Many networks in one process: a Hub relays a channel between two networks.

usage: python examples/relay.py [HOST PORT [HOST2 PORT2]]    (default 127.0.0.1 6667)

One handler serves both clients: the Hub adds ``client=`` and
``network=`` (the name each client has in the Hub) to every event.  By
default both "networks" are the same server; alice on the left shows a
message crossing over to bob on the right.
"""

import asyncio
import sys

import bottom

# [start relay]
CHANNELS = {"left": "#left", "right": "#right"}
OTHER = {"left": "right", "right": "left"}

hub = bottom.Hub()  # connects are throttled per server host
JOINED = set()
ALL_JOINED = asyncio.Event()


@hub.on("client_ready")
def join(client, network):
    client.send("join", channel=CHANNELS[network])


@hub.on("rpl_endofnames")
def joined(network, channel):
    JOINED.add(network)
    if len(JOINED) == len(CHANNELS):
        ALL_JOINED.set()


@hub.on("privmsg")
def relay(client, network, nick, target, message):
    if target != CHANNELS[network] or nick == client.nick:
        return
    other = OTHER[network]
    hub.clients[other].send("privmsg", target=CHANNELS[other],
                            message=f"<{nick}@{network}> {message}")


async def main(left_addr, right_addr):
    hub.create(*left_addr, ssl=False, nick="relay-l", name="left")
    hub.create(*right_addr, ssl=False, nick="relay-r", name="right")
    async with hub:  # connects both; disconnects both at the end
        await asyncio.wait_for(ALL_JOINED.wait(), 20)
        print("relay joined", sorted(JOINED))
        # [end relay]
        alice = bottom.Client(*left_addr, ssl=False, nick="alice")
        bob = bottom.Client(*right_addr, ssl=False, nick="bob")
        for person, channel in ((alice, "#left"), (bob, "#right")):
            await person.connect()
            await person.wait("client_ready")
            person.send("join", channel=channel)
            await person.wait("rpl_endofnames")
        alice.send("privmsg", target="#left", message="hello from the left")
        heard = await asyncio.wait_for(bob.wait("privmsg"), 10)
        print(f"bob read in {heard['target']}: {heard['message']}")
        await asyncio.gather(alice.disconnect(), bob.disconnect())


if __name__ == "__main__":
    args = sys.argv[1:]
    left = (args[0], int(args[1])) if len(args) >= 2 else ("127.0.0.1", 6667)
    right = (args[2], int(args[3])) if len(args) >= 4 else left
    asyncio.run(main(left, right))
