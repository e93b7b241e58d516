"""bottom: an asyncio IRC client library.

The public names live here; everything else is an implementation detail
of the module that defines it.
"""

from .commands import register_pattern
from .errors import BottomError, ConnectionFailed, InvalidMessage, NotConnected
from .message import Message

__version__ = "4.0.0.dev0"

__all__ = [
    "BottomError",
    "ConnectionFailed",
    "InvalidMessage",
    "Message",
    "NotConnected",
    "register_pattern",
]
