"""Every exception bottom raises on purpose.

Each class also derives from the builtin a caller would naturally catch
(``ValueError`` for bad input, ``RuntimeError`` for a call made at the
wrong time), so ``except ValueError`` keeps working for code that never
heard of bottom.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BottomError", "InvalidMessage", "NotConnected", "AlreadyConnected", "ConnectionFailed",
    "SaslError", "CommandError", "RequestTimeout", "CapabilityNotEnabled",
]


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


class StateNotTracked(BottomError, RuntimeError):
    """``client.channels`` or ``client.users`` on a client that does not
    track state (``track_state=False``, or no ``nick=`` given)."""


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


class CommandError(BottomError):
    """The server answered a request with an error (an ``ERR_*`` numeric that
    answers the command, or an IRCv3 ``FAIL``).

    ``code`` is the numeric (``"401"``) or ``"FAIL"``; ``name`` the event
    name (``"ERR_NOSUCHNICK"``; for FAIL the standard-reply code such as
    ``"NEED_MORE_PARAMS"``); ``params`` the line's parameters (our own nick
    first for a numeric); ``text`` its human-readable last parameter.
    """

    def __init__(self, code: str, name: str, params: tuple[str, ...] | list[str],
                 text: str, *, command: str = "") -> None:
        self.code = code
        self.name = name
        self.params = tuple(params)
        self.text = text
        self.command = command
        #: the whole answer (a :class:`bottom.replies.Reply`) when raised by a request
        self.reply: Any = None
        asked = f"{command} failed: " if command else ""
        detail = " ".join(self.params[1:-1]) if code != "FAIL" else " ".join(self.params[2:-1])
        shown = f"{detail}: {text}" if detail else text
        super().__init__(f"{asked}{code} {name}: {shown}".rstrip(": "))


class RequestTimeout(BottomError, TimeoutError):
    """``client.request()`` (or a helper built on it) got no complete answer in time.

    ``command`` is the command asked, ``timeout`` the seconds waited.
    """

    def __init__(self, message: str, *, command: str = "", timeout: float = 0.0) -> None:
        super().__init__(message)
        self.command = command
        self.timeout = timeout


class CapabilityNotEnabled(BottomError, RuntimeError):
    """A call that needs an IRCv3 capability the connection has not enabled
    (``client.chathistory`` without ``draft/chathistory``).

    ``capability`` names it; the message says whether the server lacks it,
    the client left it out of ``caps=``, or registration has not finished.
    """

    def __init__(self, capability: str, message: str) -> None:
        super().__init__(message)
        self.capability = capability
