"""The seed's "Existing Event Loops": loop= at construction, then
client.loop = another loop while disconnected, then connect on it."""

import asyncio
import sys

import bottom

host, port = sys.argv[1], int(sys.argv[2])

my_existing_event_loop = asyncio.new_event_loop()
client = bottom.Client(host=host, port=port, ssl=False, loop=my_existing_event_loop)
assert client.loop is my_existing_event_loop

some_other_event_loop = asyncio.new_event_loop()
client.loop = some_other_event_loop
assert client.loop is some_other_event_loop

client.loop.run_until_complete(client.connect())
try:
    client.loop = my_existing_event_loop
except RuntimeError as error:
    print(f"refused while connected: {error}")
client.loop.run_until_complete(client.disconnect())
client.loop = my_existing_event_loop
client.loop.run_until_complete(client.connect())
client.loop.run_until_complete(client.disconnect())
print("done")
