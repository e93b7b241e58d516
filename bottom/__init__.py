"""bottom: an asyncio IRC client library.

The public names live here; everything else is an implementation detail
of the module that defines it.  They are imported on first use (PEP 562),
so ``import bottom.message`` or ``from bottom import Message`` loads only
the pure codec, never asyncio: a log parser or a bouncer can use the core
without the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:  # what the lazy lookup below gives, for type checkers
    from .client import Client as Client
    from .client import RawHandler as RawHandler
    from .commands import register_pattern as register_pattern
    from .dispatch import wait_for as wait_for
    from .errors import AlreadyConnected as AlreadyConnected
    from .errors import BottomError as BottomError
    from .errors import ConnectionFailed as ConnectionFailed
    from .errors import InvalidMessage as InvalidMessage
    from .errors import NotConnected as NotConnected
    from .message import Message as Message
    from .reconnect import ReconnectPolicy as ReconnectPolicy

#: public name -> the module that defines it
_EXPORTS = {
    "AlreadyConnected": "errors",
    "BottomError": "errors",
    "Client": "client",
    "ConnectionFailed": "errors",
    "InvalidMessage": "errors",
    "Message": "message",
    "NotConnected": "errors",
    "RawHandler": "client",
    "ReconnectPolicy": "reconnect",
    "register_pattern": "commands",
    "wait_for": "dispatch",
}

__all__ = [
    "AlreadyConnected",
    "BottomError",
    "Client",
    "ConnectionFailed",
    "InvalidMessage",
    "Message",
    "NotConnected",
    "RawHandler",
    "ReconnectPolicy",
    "register_pattern",
    "wait_for",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bottom' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
