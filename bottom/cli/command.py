"""``main()``: arguments in, one of the three modes run, an exit status out."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
from collections.abc import Coroutine, Sequence
from typing import Any, TextIO

from ..client import Client
from .debug import log_outgoing
from .demo import run_demo
from .endpoints import client_kwargs
from .modes import Unsupported, make_client, run_client, run_send
from .parser import DEFAULT_NICK, main_parser, prog, send_parser
from .session import Fatal
from .urls import IrcUrl, parse_url

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "FLOOD_BURST", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: Lines that may go at once before flood control paces one a second.
#: Registration takes five (CAP LS, NICK, USER, CAP REQ, CAP END), and a
#: one-shot ``send`` needs four more (JOIN, the message, the PING fence,
#: QUIT), so it never waits a second for a token: still far below what
#: servers count as flooding (RFC 1459 8.10 lets ~5 lines through unpaced,
#: then queues, it does not disconnect).
FLOOD_BURST = 9


class _UsageError(Exception):
    """Arguments that cannot work together: exit 2 with the message."""


def _tolerate_unencodable(*streams: TextIO) -> None:
    """Never crash on a nick or message the terminal's encoding cannot show."""
    for stream in streams:
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, io.UnsupportedOperation):
                stream.reconfigure(errors="replace")


def _read_text(text: str) -> str:
    """``send``'s TEXT, from stdin for ``-``, without the final line end."""
    if text == "-":
        if sys.stdin is None:
            raise _UsageError("TEXT is '-' but there is no stdin to read")
        text = sys.stdin.read()
    text = text.rstrip("\r\n")
    if not text.strip():
        raise _UsageError("nothing to send: TEXT is empty")
    return text


def _server_client(args: argparse.Namespace, url: IrcUrl) -> Client:
    """The client for a URL mode; :class:`_UsageError` for a bad option value."""
    try:
        where = client_kwargs(url, proxy=args.proxy, bind=args.bind)
        return make_client(where, nick=args.nick or DEFAULT_NICK, password=args.password,
                           connect_timeout=args.timeout, flood_burst=FLOOD_BURST)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None


def _job(args: argparse.Namespace, sending: bool) -> Coroutine[Any, Any, None]:
    """The mode the arguments ask for, ready to run."""
    if args.url is None:
        for option in ("password", "proxy", "bind"):
            if getattr(args, option) is not None:
                raise _UsageError(f"--{option} needs a URL: the demo's server runs in this "
                                  "process")
        return run_demo(args.nick, args.timeout, args.debug)
    url = parse_url(args.url)
    if not sending:
        return run_client(_server_client(args, url), url, timeout=args.timeout,
                          debug=args.debug)
    if url.target is None:
        raise _UsageError(f"{args.url!r} names no channel or nick to send to; use "
                          "irc://host[:port]/#channel or irc://host[:port]/nick")
    text = _read_text(args.text)
    return run_send(_server_client(args, url), url, text, timeout=args.timeout,
                    debug=args.debug, notice=args.notice)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``python -m bottom``); return the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    name = prog()
    sending = words[:1] == ["send"]
    parser = send_parser(name) if sending else main_parser(name)
    try:
        args = parser.parse_args(words[1:] if sending else words)
    except SystemExit as exc:  # --help, --version, or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None \
            else EXIT_USAGE
    try:
        job = _job(args, sending)
    except (_UsageError, ValueError) as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (Unsupported, ImportError) as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    _tolerate_unencodable(sys.stdout, sys.stderr)
    if args.debug:
        log_outgoing(sys.stderr)
    try:
        asyncio.run(job)
    except (Fatal, Unsupported, OSError, ImportError) as exc:  # ImportError: an extra
        # such as bottom[websocket] is not installed; the message says which
        print(f"{name}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_OK
