"""Every exception bottom raises on purpose.

Each class also derives from the builtin a caller would naturally catch
(``ValueError`` for bad input, ``RuntimeError`` for a call made at the
wrong time), so ``except ValueError`` keeps working for code that never
heard of bottom.
"""

from __future__ import annotations

__all__ = ["BottomError", "InvalidMessage", "NotConnected", "AlreadyConnected",
           "ConnectionFailed", "SaslError"]


class BottomError(Exception):
    """Base of every error bottom raises on purpose."""


class InvalidMessage(BottomError, ValueError):
    """A line or parameter that IRC cannot carry.

    Raised for an empty line, a line with no command, a middle parameter
    with a space, a leading ``:`` or no text, CR/LF/NUL anywhere, a line
    over 512 bytes, or a command ``send()`` has no template for.
    """


class NotConnected(BottomError, RuntimeError):
    """``send()`` or ``send_raw()`` while the client has no open connection."""


class AlreadyConnected(BottomError, RuntimeError):
    """A change that needs the client disconnected (``client.loop = other``)
    was made while it is connected."""


class ConnectionFailed(BottomError, OSError):
    """``connect()`` could not open the connection (refused, TLS, timeout).

    ``host`` and ``port`` say where it tried; the original error is chained
    as ``__cause__``.
    """

    def __init__(self, message: str, *, host: str, port: int) -> None:
        super().__init__(message)
        self.host = host
        self.port = port


class SaslError(BottomError, ValueError):
    """A server's SASL challenge that the mechanism cannot accept (malformed,
    too long, or a SCRAM server that does not know the password)."""
