"""Event names one letter away from the ones bottom triggers."""

from __future__ import annotations

import bottom

client = bottom.Client("irc.example.net", 6697)


@client.on("privmesg")
def echo(nick: str, target: str) -> None: ...


async def main() -> None:
    await client.wait("rpl_welcom")
    await bottom.wait_for(client, ["RPL_ENDOFMOTD", "ERR_NOMTOD"])


def later() -> None:
    client.waiter("rpl_endofnmaes")
