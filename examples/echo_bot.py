"""The echo bot from the README, runnable against any server.

usage: python examples/echo_bot.py [HOST [PORT]]    (default 127.0.0.1 6667)

Try it against bottom's test server: in one terminal
``python -m bottom.testing --port 6667``, in another this script.  It
registers, joins #bottom, answers every message there with
"<nick> said: <text>", and exits when the connection closes.
"""

import asyncio
import sys

import bottom


async def main(host: str, port: int) -> None:
    client = bottom.Client(host, port, ssl=False)

    @client.on("client_connect")
    def register(**kwargs):
        client.send("nick", nick="echo-bot")
        client.send("user", nick="echo-bot", realname="bottom echo bot")

    @client.on("rpl_welcome")
    def join(**kwargs):
        client.send("join", channel="#bottom")

    @client.on("join")
    def joined(nick, channel):
        if nick == "echo-bot":
            print(f"joined {channel}", flush=True)

    @client.on("privmsg")
    def echo(nick, target, message):
        if nick != "echo-bot" and target == "#bottom":
            client.send("privmsg", target=target, message=f"{nick} said: {message}")

    @client.on("client_disconnect")
    def gone(reason):
        print(f"disconnected: {reason}", flush=True)

    await client.connect()
    await client.wait("client_disconnect")


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
