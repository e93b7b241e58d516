"""The seed's three reconnect forms, from a CLIENT_DISCONNECT handler.

usage: reconnect.py HOST PORT {await,task,task_then_wait}
A module-level client (no loop given) is run bottom-2 style with
client.loop.run_until_complete / run_forever.  It registers, QUITs, and
reconnects in the chosen form; the loop stops at the second welcome.
"""

import asyncio
import sys

import bottom

host, port, form = sys.argv[1], int(sys.argv[2]), sys.argv[3]

client = bottom.Client(host=host, port=port, ssl=False)
connects = 0


@client.on("client_connect")
def register(**kwargs):
    global connects
    connects += 1
    client.send("nick", nick=f"seed{connects}")
    client.send("user", nick="seed", realname="seed program")


@client.on("rpl_welcome")
def welcomed(**kwargs):
    print(f"welcome {connects}")
    if connects == 1:
        client.send("quit", message="going away to come back")
    else:
        client.loop.stop()


@client.on("client_disconnect")
async def reconnect(**kwargs):
    if connects >= 2:
        return
    # Wait a moment so we don't flood
    await asyncio.sleep(0.1)
    if form == "await":
        # Wait until we've reconnected
        await client.connect()
        client.send("privmsg", target="#bottom-dev", message="I'm baaack!")
    elif form == "task":
        # Schedule a connection when the loop's next available
        client.loop.create_task(client.connect())
        print("Reconnect started")
    else:
        client.loop.create_task(client.connect())
        # Wait until client_connect has triggered
        await client.wait("client_connect")
        client.send("privmsg", target="#bottom-dev", message="I'm baaack!")


client.loop.run_until_complete(client.connect())
client.loop.run_forever()
print("done")
