"""A greeter that knows who is in its channel and who is op (client.channels / client.users).

usage: python examples/channels.py [HOST [PORT]]    (default 127.0.0.1 6667)

The greeter joins #lobby first (so bottom's test server makes it op), then a
guest joins, is greeted with the list of ops, renames and quits; the greeter
prints what its tracked state says at each step.
"""

import asyncio
import sys

import bottom


async def main(host: str, port: int) -> None:
    # [start greeter]
    greeter = bottom.Client(host, port, ssl=False, nick="greeter")  # nick=: tracking is on

    @greeter.on("join")
    def welcome(nick, channel, **kwargs):
        if nick == greeter.nick:
            return
        room = greeter.channels[channel]  # the state already has the newcomer
        ops = sorted(n for n, member in room.users.items() if "o" in member.modes)
        greeter.send("privmsg", target=channel, message=f"welcome {nick}! ops here: {ops}")
        print(f"{nick} joined {room.name}: {len(room.users)} users, ops {ops}")

    @greeter.on("nick")
    def renamed(nick, new_nick, channels, **kwargs):
        print(f"{nick} is now {new_nick} in {channels}")

    @greeter.on("quit")
    def left(nick, channels, **kwargs):
        print(f"{nick} quit from {channels}; still tracked: {nick in greeter.users}")
    # [end greeter]

    guest = bottom.Client(host, port, ssl=False, nick="guest")
    greeted = asyncio.ensure_future(guest.wait("privmsg"))
    for client in (greeter, guest):
        ready = asyncio.ensure_future(client.wait("client_ready"))
        await client.connect()
        await asyncio.wait_for(ready, 10)
        joined = asyncio.ensure_future(client.wait("rpl_endofnames"))
        client.send("join", channel="#lobby")
        await asyncio.wait_for(joined, 10)
    print(f"guest was told: {(await asyncio.wait_for(greeted, 10))['message']}")

    renamed_done = asyncio.ensure_future(greeter.wait("nick"))
    guest.send("nick", nick="visitor")
    await asyncio.wait_for(renamed_done, 10)
    member = greeter.channels["#LOBBY"].users["VISITOR"]  # lookups fold case
    print(f"member {member.user.nick!r} prefix {member.prefix!r}, host {member.user.host}")

    quit_done = asyncio.ensure_future(greeter.wait("quit"))
    await guest.disconnect()
    await asyncio.wait_for(quit_done, 10)
    await greeter.disconnect()
    print(f"after disconnect: {dict(greeter.channels)}")


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0] if args else "127.0.0.1", int(args[1]) if len(args) > 1 else 6667))
