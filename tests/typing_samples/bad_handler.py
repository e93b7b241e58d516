"""Handlers whose parameters their events never pass."""

from __future__ import annotations

import bottom

client = bottom.Client("irc.example.net", 6697)


@client.on("privmsg")
def echo(nick: str, targt: str) -> None: ...


def joined(nick: str, chanel: str, account: str | None = None) -> None: ...


client.on("JOIN", joined)
client.on("client_connect", lambda host, tags: None)


async def main() -> None:
    message = await client.wait("privmsg")
    count: int = message["message"]
    message["mesage"]
    print(count)


class Bot(bottom.Client):
    def setup(self) -> None:
        self.on("privmsg", self.relay)

    def relay(self, nick: str, mesage: str) -> None: ...


async def who() -> None:
    hops: int = (await client.waiter("rpl_endofwho"))["name"]
    print(hops)
