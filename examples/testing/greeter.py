"""The bot under test: greets people who join, answers "!ping" with "pong"."""

import bottom


def make_bot(host: str, port: int, **options) -> bottom.Client:
    """A connected-on-demand greeter bot; ``options`` go to bottom.Client."""
    bot = bottom.Client(host, port, ssl=False, nick="greeter", **options)

    @bot.on("client_ready")
    def join():
        bot.send("join", channel="#lobby")

    @bot.on("join")
    def greet(nick, channel):
        if nick != bot.nick:
            bot.send("privmsg", target=channel, message=f"welcome, {nick}!")

    @bot.on("privmsg")
    def ping(nick, target, message):
        if message == "!ping":
            reply_to = target if target.startswith("#") else nick
            bot.send("privmsg", target=reply_to, message=f"{nick}: pong")

    return bot
