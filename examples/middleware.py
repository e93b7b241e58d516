"""Raw middleware: see, drop or rewrite every Message before its event fires.

usage: python examples/middleware.py [HOST [PORT]]    (default 127.0.0.1 6667)
"""

import asyncio
import sys

import bottom

NICK = "filter"


async def main(host: str, port: int) -> None:
    client = bottom.Client(host, port, ssl=False, nick=NICK)

    # [start middleware]
    async def log_lines(next_handler, message: bottom.Message) -> None:
        if message.command == "PRIVMSG":
            print(f"<< PRIVMSG from {message.nick}: {message.params[-1]!r}")
        await next_handler(message)  # pass it on, or don't to drop it

    async def drop_spam(next_handler, message: bottom.Message) -> None:
        if message.command == "PRIVMSG" and "spam" in message.params[-1]:
            return  # dropped: no PRIVMSG event for this line
        if message.command == "PRIVMSG":
            # Messages are immutable: replace() makes a changed copy.
            message = message.replace(params=(*message.params[:-1],
                                              message.params[-1].upper()))
        await next_handler(message)

    client.raw_handlers.append(log_lines)  # first in the list runs first
    client.raw_handlers.append(drop_spam)
    # [end middleware]

    heard = asyncio.Queue()

    @client.on("privmsg")
    def on_message(message):
        heard.put_nowait(message)

    await client.connect()
    await asyncio.wait_for(client.wait("client_ready"), 10)
    for text in ("hello", "spam spam spam", "bye"):
        client.send("privmsg", target=NICK, message=text)
    for _ in range(2):
        print(f"handler got: {await asyncio.wait_for(heard.get(), 10)}")
    await client.disconnect()


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
