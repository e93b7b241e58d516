"""``--debug``: every raw IRC line on stderr, ``>>`` sent and ``<<`` received.

Secrets never reach the output: PASS, OPER and AUTHENTICATE payloads are
shown as ``****`` in both directions.
"""

from __future__ import annotations

import logging
from typing import TextIO

from ..client import Client
from ..message import Message
from .display import escape_controls
from .session import Next

__all__ = ["log_outgoing", "masked", "trace"]

def masked(msg: Message) -> str:
    """``str(msg)`` for the debug output: passwords and SASL payloads hidden,
    control characters escaped."""
    command = msg.command.upper()
    if command in ("PASS", "AUTHENTICATE") and msg.params:
        msg = msg.replace(params=("****",))
    elif command == "OPER" and len(msg.params) > 1:
        msg = msg.replace(params=(msg.params[0], "****"))
    try:
        return escape_controls(str(msg))
    except ValueError:
        return repr(msg)


def trace(client: Client, stream: TextIO) -> None:
    """Print every line ``client`` receives as ``<< line`` (before anything else sees it)."""
    async def show_incoming(next_handler: Next, msg: Message) -> None:
        print("<<", masked(msg), file=stream, flush=True)
        await next_handler(msg)
    client.raw_handlers.insert(0, show_incoming)


class _VisibleFormatter(logging.Formatter):
    """Control characters (CTCP's \\x01, colours) shown escaped, as in ``<<`` lines."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


def log_outgoing(stream: TextIO) -> None:
    """Show ``>> line`` for every line sent: the client logs them on ``bottom.wire``
    at DEBUG, with PASS/OPER/AUTHENTICATE payloads already masked."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_VisibleFormatter("%(message)s"))
    wire = logging.getLogger("bottom.wire")
    wire.setLevel(logging.DEBUG)
    wire.addHandler(handler)
    wire.propagate = False
