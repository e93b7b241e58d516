"""Registration by the client (nick=), capabilities, SASL, ISUPPORT, tags, CTCP.

usage: python examples/ircv3.py [HOST [PORT [ACCOUNT PASSWORD]]]    (default 127.0.0.1 6667)

With ACCOUNT and PASSWORD the client logs in with SASL PLAIN; bottom's test
server offers SASL when started with accounts, e.g. from Python:
``bottom.testing.Server(accounts={"ACCOUNT": "PASSWORD"})``.

A first client takes the nick "ircv3-bot", so the second one falls back to
its alt_nicks; then the first sends it a message and a CTCP VERSION query.
"""

import asyncio
import sys

import bottom
from bottom import casemap
from bottom.ctcp import format_ctcp
from bottom.tags import server_time


async def main(host: str, port: int, account: str | None, password: str | None) -> None:
    squatter = bottom.Client(host, port, ssl=False, nick="ircv3-bot")
    await squatter.connect()
    await asyncio.wait_for(squatter.wait("client_ready"), 10)

    # [start register]
    client = bottom.Client(
        host, port, ssl=False,
        nick="ircv3-bot", alt_nicks=["ircv3-alt"], realname="bottom IRCv3 example",
        sasl=(account, password) if account else None,  # ("account", "password"): PLAIN
    )

    @client.on("client_registration_failed")
    def failed(reason):
        print(f"registration failed: {reason}")

    @client.on("rpl_loggedin")
    def logged_in(account):
        print(f"logged in to account {account}")

    await client.connect()
    # Ready, or registration failed (CLIENT_DISCONNECT then says why).
    first = await asyncio.wait_for(
        bottom.wait_for(client, ["client_ready", "client_disconnect"]), 70)
    if "reason" in first[0]:
        await squatter.disconnect()
        sys.exit(1)
    print(f"ready as {first[0]['nick']} (client.nick is {client.nick})")
    print(f"caps enabled: {' '.join(sorted(client.caps))}")
    # [end register]

    # [start isupport]
    isupport = client.isupport
    print(f"network {isupport.network}, NICKLEN {isupport.nicklen}, "
          f"CASEMAPPING {isupport.casemapping}, PREFIX {isupport.prefix}")
    print(f"split_prefixes('@+alice') = {isupport.split_prefixes('@+alice')}")
    print(f"'IRCv3[Bot]' is 'ircv3{{bot}}' here: "
          f"{isupport.nick_equal('IRCv3[Bot]', 'ircv3{bot}')}; "
          f"under ascii: {casemap.equal('IRCv3[Bot]', 'ircv3{bot}', 'ascii')}")
    # [end isupport]

    # [start tags]
    @client.on("privmsg")
    def on_message(nick, message, tags):
        when = server_time(tags)  # an aware UTC datetime, or None
        print(f"<{nick}> {message} (server-time tag present: {when is not None})")
    # [end tags]

    # [start ctcp]
    @squatter.on("ctcp_reply")
    def on_reply(nick, command, args):
        print(f"CTCP {command} reply from {nick}: {args.split(' ')[0]} ...")

    squatter.send("privmsg", target=client.nick, message="hello")
    squatter.send("privmsg", target=client.nick, message=format_ctcp("VERSION"))
    await asyncio.wait_for(squatter.wait("ctcp_reply"), 10)
    # [end ctcp]
    await asyncio.gather(client.disconnect(), squatter.disconnect())


if __name__ == "__main__":
    args = sys.argv[1:]
    host = args[0] if args else "127.0.0.1"
    port = int(args[1]) if len(args) > 1 else 6667
    account, password = (args[2], args[3]) if len(args) > 3 else (None, None)
    asyncio.run(main(host, port, account, password))
