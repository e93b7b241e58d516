"""bottom 2 style: a module-level client run with client.loop.

usage: python examples/bottom2_style.py [HOST [PORT]]    (default 127.0.0.1 6667)

No loop exists when the client is made.  ``client.loop`` makes one on first
use and binds the client to it, so run_until_complete / run_forever work as
they did in bottom 2, with no DeprecationWarning.
"""

import sys

import bottom

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667

# [start bottom2]
client = bottom.Client(host, port, ssl=False, nick="classic")


@client.on("client_ready")
def ready(nick):
    print(f"registered as {nick}")
    client.send("quit", message="that was all")


@client.on("client_disconnect")
def stop(**kwargs):
    client.loop.stop()


client.loop.run_until_complete(client.connect())
client.loop.run_forever()
client.loop.close()
# [end bottom2]
print("loop stopped")
