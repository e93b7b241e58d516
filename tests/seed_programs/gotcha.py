"""The seed's "Event Loop Gotchas" program: a client on a loop made with
new_event_loop(), and a handler that awaits asyncio.sleep() without loop=.
With bottom 2 on old Python it hung; it must now print both lines."""

import asyncio
import sys

import bottom

host, port = sys.argv[1], int(sys.argv[2])

client = bottom.Client(host=host, port=port, ssl=False, loop=asyncio.new_event_loop())


@client.on("client_connect")
async def handle(**kwargs):
    print("Before await")
    await asyncio.sleep(0.1)
    print("After await")
    await client.disconnect()
    client.loop.stop()


client.loop.run_until_complete(client.connect())
client.loop.run_forever()
print("done")
