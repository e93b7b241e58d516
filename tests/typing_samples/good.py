"""A bot mypy passes with the plugin: every name is one bottom triggers."""

from __future__ import annotations

from typing import Any

import bottom

client = bottom.Client("irc.example.net", 6697, nick="sample")


@client.on("PRIVMSG")
def echo(nick: str | None, target: str, message: str) -> None:
    client.send("privmsg", target=target, message=message)


async def on_join(nick: str | None, channel: str, account: str | None = None) -> None:
    reply = await client.wait("rpl_endofnames")
    topic: str = reply["channel"]
    print(topic, nick, account)


client.on("join", on_join)
client.on("client_ready", lambda nick, **kwargs: print(nick))
client.on("my_own_event", lambda anything: None)  # custom events are not checked


async def main() -> None:
    ready = await client.wait("CLIENT_READY")
    port: int = ready["port"]
    welcome = await client.wait("001")
    text: str = welcome["message"]
    ctcp = await client.wait("ctcp_version")
    args: str = ctcp["args"]
    custom: dict[str, Any] = await client.wait("my_own_event")
    await bottom.wait_for(client, ["RPL_ENDOFMOTD", "ERR_NOMOTD"])
    pending = client.waiter("rpl_endofwho")
    client.send("who", mask="#bottom")
    mask: str = (await pending)["name"]
    print(port, text, args, custom, mask)
