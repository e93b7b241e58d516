"""Asking the server and awaiting the answer: request, join, names, who, whois.

usage: python examples/requests.py [HOST [PORT]]    (default 127.0.0.1 6667)
"""

import asyncio
import sys

import bottom


async def main(host: str, port: int) -> None:
    client = bottom.Client(host, port, ssl=False, nick="asker")
    await client.connect()
    await asyncio.wait_for(client.wait("client_ready"), 10)

    # [start join]
    await client.join("#asking")
    names = await client.names("#asking")
    print(f"in #asking: {names}")
    for user in await client.who("#asking"):
        print(f"WHO: {user.nick} is {user.username}@{user.host}")
    # [end join]

    # [start request]
    reply = await client.request("motd", timeout=10)
    print(f"MOTD: {len(reply.messages)} lines, the last is {reply.events[-1][0]}")
    # [end request]

    # [start errors]
    try:
        await client.join("no-hash")
    except bottom.CommandError as error:
        print(f"JOIN refused: {error.code} {error.name}")
    try:
        info = await client.whois("asker", timeout=5)
        print(f"WHOIS: {info.nick} is {info.username}@{info.host} ({info.realname})")
    except bottom.CommandError as error:
        print(f"WHOIS refused: {error}")
    except bottom.RequestTimeout:
        print("no WHOIS answer within 5 s")
    # [end errors]

    await client.part("#asking")
    await client.disconnect()


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6667
    asyncio.run(main(host, port))
