"""Many clients in one loop: a bridge that relays between two channels.

usage: python examples/bridge.py [HOST PORT [HOST2 PORT2]]    (default 127.0.0.1 6667)

A real bridge joins two networks; give a second HOST2 PORT2 for that.  By
default both sides are on the same server, and two more clients (alice
on the left, bob on the right) show a message crossing over.
"""

import asyncio
import sys

import bottom


# [start bridge]
def relay(source: bottom.Client, channel: str, dest: bottom.Client, dest_channel: str):
    """Repeat what people say in ``channel`` (on source) in ``dest_channel`` (on dest)."""
    @source.on("privmsg")
    def forward(nick, target, message):
        if target == channel and nick != source.nick and not dest.is_closing():
            dest.send("privmsg", target=dest_channel, message=f"<{nick}> {message}")


async def join(client: bottom.Client, channel: str) -> None:
    await client.connect()
    await client.wait("client_ready")
    client.send("join", channel=channel)
    await client.wait("rpl_endofnames")


async def main(left_addr, right_addr):
    left = bottom.Client(*left_addr, ssl=False, nick="bridge-l")
    right = bottom.Client(*right_addr, ssl=False, nick="bridge-r")
    relay(left, "#left", right, "#right")
    relay(right, "#right", left, "#left")
    await asyncio.wait_for(asyncio.gather(join(left, "#left"), join(right, "#right")), 20)
    # [end bridge]

    alice = bottom.Client(*left_addr, ssl=False, nick="alice")
    bob = bottom.Client(*right_addr, ssl=False, nick="bob")
    await asyncio.wait_for(asyncio.gather(join(alice, "#left"), join(bob, "#right")), 20)
    heard = asyncio.ensure_future(bob.wait("privmsg"))
    alice.send("privmsg", target="#left", message="hello from the left")
    said = await asyncio.wait_for(heard, 10)
    print(f"bob read in {said['target']}: {said['message']}")
    await asyncio.gather(*(c.disconnect() for c in (alice, bob, left, right)))


if __name__ == "__main__":
    args = sys.argv[1:] or ["127.0.0.1", "6667"]
    left_addr = (args[0], int(args[1]))
    right_addr = (args[2], int(args[3])) if len(args) >= 4 else left_addr
    asyncio.run(main(left_addr, right_addr))
