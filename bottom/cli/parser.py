"""The command line's arguments: the main parser and ``send``'s."""

from __future__ import annotations

import argparse
import os
import sys

from .._version import __version__
from .demo import DEMO_CHANNEL, DEMO_NICK
from .session import DEFAULT_TIMEOUT
from .terminal import HELP

__all__ = ["DEFAULT_NICK", "main_parser", "prog", "send_parser"]

DEFAULT_NICK = "bottom"
_URL_HELP = ("irc://host[:port]/#channel, irc://host[:port]/nick, ircs:// for TLS (certificate "
             "verified), or ws://host[:port]/path#channel and wss:// for IRC over WebSocket; "
             "IPv6 addresses in brackets (irc://[::1]/#chan); ports default to 6667, 6697, "
             "80 and 443")


def prog() -> str:
    """The name to show in usage lines: ``python -m bottom``, or the script's."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m bottom" if name in ("", "__main__.py", "-c") else name


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, not {text!r}")
    return value


def _add_common(parser: argparse.ArgumentParser, *, default_nick: str) -> None:
    parser.add_argument("--nick", metavar="NAME",
                        help=f"nick to use ({default_nick}); alternatives ending in '_' "
                             "or a number are tried while it is taken")
    parser.add_argument("--password", metavar="PASSWORD",
                        help="server password, sent as PASS (never shown by --debug)")
    parser.add_argument("--proxy", metavar="URL",
                        help="connect through a proxy: socks5://[user:password@]host[:port], "
                             "socks4a://[user@]host[:port] or http://[user:password@]host:port "
                             "(CONNECT); SOCKS ports default to 1080")
    parser.add_argument("--bind", metavar="HOST[:PORT]",
                        help="the local (source) address to connect from: HOST, HOST:PORT, "
                             "[IPV6] or [IPV6]:PORT")
    parser.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT,
                        metavar="SECONDS",
                        help=f"give up connecting, registering or waiting after this "
                             f"(default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--debug", action="store_true",
                        help="show the raw IRC lines on stderr: '>>' sent, '<<' received; "
                             "PASS/OPER/AUTHENTICATE payloads as ****")


def main_parser(name: str) -> argparse.ArgumentParser:
    """``python -m bottom [options] [URL]``: the demo, or the client with a URL."""
    parser = argparse.ArgumentParser(
        prog=name,
        usage=f"{name} [options] [URL]\n       {name} send URL TEXT [options]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="bottom's command line: a demo, a terminal IRC client, and 'send' to "
                    "deliver one message (for notifiers and CI).\n\n"
                    "Without URL: the demo. A test-double IRC server on 127.0.0.1, an echo "
                    f"bot and you in {DEMO_CHANNEL}, all in this process. Type to talk; "
                    "with stdin piped, each line is said and the bot's answer awaited.\n"
                    "With URL: the same client against a real server.",
        epilog="commands:\n"
               f"  send URL TEXT   deliver TEXT (\"-\": stdin) to the URL's channel or nick "
               "and quit;\n"
               "                  exit 0 once the server accepted it. See: "
               f"{name} send --help\n\n"
               "in the client:\n" + "".join(f"  {line}\n" for line in HELP.splitlines())
               + "\nexit status: 0 ok, 1 error, 2 usage error, 130 interrupted")
    parser.add_argument("url", nargs="?", metavar="URL", help=_URL_HELP)
    _add_common(parser, default_nick=f"{DEMO_NICK} in the demo, else {DEFAULT_NICK}")
    parser.add_argument("--version", action="version", version=f"bottom {__version__}")
    return parser


def send_parser(name: str) -> argparse.ArgumentParser:
    """``python -m bottom send URL TEXT [options]``."""
    parser = argparse.ArgumentParser(
        prog=f"{name} send",
        description="Connect, register, join the URL's channel (or address the URL's nick), "
                    "send TEXT as PRIVMSG, and QUIT. Exit 0 once the server accepted the "
                    "message (no error reply such as 401/403/404/442/477); 1 with the reason "
                    "on stderr otherwise; 2 for a usage error.",
        epilog=f"example: {name} send ircs://irc.libera.chat/#mychan 'build 42 passed' "
               "--nick ci-bot")
    parser.add_argument("url", metavar="URL", help=_URL_HELP)
    parser.add_argument("text", metavar="TEXT",
                        help="the message; '-' reads it from stdin; newlines send several lines")
    parser.add_argument("--notice", action="store_true", help="send a NOTICE, not a PRIVMSG")
    _add_common(parser, default_nick=DEFAULT_NICK)
    return parser
