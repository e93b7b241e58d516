"""bottom: an asyncio IRC client library.

The public names live here; everything else is an implementation detail
of the module that defines it.
"""

__version__ = "4.0.0.dev0"

from .client import Client, RawHandler
from .commands import register_pattern
from .dispatch import wait_for
from .errors import BottomError, ConnectionFailed, InvalidMessage, NotConnected
from .hub import Hub
from .message import Message
from .reconnect import ReconnectPolicy

__all__ = [
    "BottomError",
    "Client",
    "ConnectionFailed",
    "Hub",
    "InvalidMessage",
    "Message",
    "NotConnected",
    "RawHandler",
    "ReconnectPolicy",
    "register_pattern",
    "wait_for",
]
