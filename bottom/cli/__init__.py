"""``python -m bottom``: a demo, a terminal IRC client and a one-shot sender.

``python -m bottom``
    The demo, all in this process and on 127.0.0.1 only: bottom's
    test-double server (:mod:`bottom.testing`), an echo bot written with
    the public API, and you (``you``) in ``#bottom``.  From a terminal you
    chat; with stdin piped (``echo hi | python -m bottom``) each line is
    said, the bot's answer is awaited, and the program exits 0 at the end
    of the input.
``python -m bottom irc://host[:port]/#channel --nick NAME``
    The same line-mode client against a real server; ``ircs://`` for TLS
    (certificate verified), ``ws://`` and ``wss://`` for IRC over
    WebSocket, ``--proxy`` and ``--bind`` for the way there.  ``/help``
    lists the commands.
``python -m bottom send URL TEXT``
    Connect, register, join the URL's channel (or message the URL's
    nick), send TEXT, quit.  Exit 0 once the server accepted it.

Exit status: 0 ok, 1 error (said on stderr), 2 usage error, 130 interrupted.

The modules, in the order data flows: :mod:`~bottom.cli.urls` and
:mod:`~bottom.cli.endpoints` (arguments to ``Client`` keywords, pure),
:mod:`~bottom.cli.display` (lines to chat text, pure),
:mod:`~bottom.cli.session` (a registered ``Client(nick=...)``),
:mod:`~bottom.cli.terminal` and :mod:`~bottom.cli.lines` (typing),
:mod:`~bottom.cli.debug` (``--debug``), :mod:`~bottom.cli.modes` and
:mod:`~bottom.cli.demo` (what runs), :mod:`~bottom.cli.parser` and
:mod:`~bottom.cli.command` (``main``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .display import describe
from .endpoints import client_kwargs, parse_bind, parse_proxy
from .urls import IrcUrl, parse_url

__all__ = ["IrcUrl", "client_kwargs", "describe", "main", "parse_bind", "parse_proxy",
           "parse_url"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``python -m bottom``) on ``argv`` (default:
    ``sys.argv[1:]``); return the exit status.

    The client and asyncio are imported only here, so the pure modules
    above (URLs, ``Client`` keywords, chat text) load without them.
    """
    from .command import main as run
    return run(argv)
