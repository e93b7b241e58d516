"""The table of commands the test server answers, filled by the area modules.

Each area module (registration, channels, modes, messages, users, ...)
decorates its handlers with :func:`handles`; :class:`.ServerConnection`
looks a command up here.  A handler gets the connection and the parsed
line and answers through the connection (``conn._numeric``, ``conn._send``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..message import Message

if TYPE_CHECKING:
    from .connection import ServerConnection

__all__ = ["COMMANDS", "Handler", "handles"]

Handler = Callable[["ServerConnection", Message], None]

#: command -> (minimum number of parameters, handler)
COMMANDS: dict[str, tuple[int, Handler]] = {}


def handles(command: str, min_params: int = 0) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``command``.

    With fewer than ``min_params`` parameters the connection answers 461
    without calling it.  A command registered twice is a bug: ValueError.
    """
    def register(handler: Handler) -> Handler:
        if command in COMMANDS:
            raise ValueError(f"test server command {command!r} is handled twice")
        COMMANDS[command] = (min_params, handler)
        return handler
    return register
