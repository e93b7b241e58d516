"""The sending rules: errors raised at once, newlines and long text split, tags.

usage: python examples/sending.py [HOST [PORT]]    (default 127.0.0.1 6667)

The bot messages itself, so it reads back exactly what the server relayed.
"""

import asyncio
import sys

import bottom

NICK = "sender"


async def main(host: str, port: int) -> None:
    client = bottom.Client(host, port, ssl=False, nick=NICK)

    # [start errors]
    try:
        client.send("privmsg", target=NICK, message="too early")
    except bottom.NotConnected as exc:
        print(f"NotConnected: {exc}")
    try:
        client.send("join", channel="#ok\r\nQUIT :injected")
    except ValueError as exc:  # bottom.InvalidMessage, raised before anything is sent
        print(f"refused: {type(exc).__name__}")
    # [end errors]

    received = asyncio.Queue()

    @client.on("privmsg")
    def got(nick, message, tags):
        if nick == NICK:
            received.put_nowait((message, tags))

    await client.connect()
    await asyncio.wait_for(client.wait("client_ready"), 10)

    # [start split]
    client.send("privmsg", target=NICK, message="first line\nsecond line")
    long_text = " ".join(f"word{i}" for i in range(150))  # about 1000 bytes
    written = client.send("privmsg", target=NICK, message=long_text)
    await written  # done once the last of its lines reached the socket
    # [end split]
    lines = [(await asyncio.wait_for(received.get(), 10))[0] for _ in range(2)]
    print(f"newline split: {lines}")
    pieces = []
    while " ".join(pieces) != long_text:
        pieces.append((await asyncio.wait_for(received.get(), 10))[0])
    fits = all(len(piece.encode()) < 512 for piece in pieces)
    print(f"long text arrived in {len(pieces)} lines (each fits: {fits}); "
          "joined with spaces they are the original text")

    # [start tags]
    client.send("privmsg", target=NICK, message="tagged", tags={"+example.org/mood": "happy"})
    # [end tags]
    message, tags = await asyncio.wait_for(received.get(), 10)
    print(f"{message!r} arrived with tag +example.org/mood={tags.get('+example.org/mood')}")
    await client.disconnect()


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
