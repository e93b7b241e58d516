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
    from .channel import Channel as Channel
    from .channel import Member as Member
    from .channel import User as User
    from .client import Client as Client
    from .client import RawHandler as RawHandler
    from .commands import register_pattern as register_pattern
    from .dispatch import wait_for as wait_for
    from .errors import AlreadyConnected as AlreadyConnected
    from .errors import BottomError as BottomError
    from .errors import CapabilityNotEnabled as CapabilityNotEnabled
    from .errors import CommandError as CommandError
    from .errors import ConnectionFailed as ConnectionFailed
    from .errors import InvalidMessage as InvalidMessage
    from .errors import NotConnected as NotConnected
    from .errors import RequestTimeout as RequestTimeout
    from .errors import StateNotTracked as StateNotTracked
    from .hub import Hub as Hub
    from .masking import mask_secrets as mask_secrets
    from .message import Message as Message
    from .reconnect import ReconnectPolicy as ReconnectPolicy
    from .replies import Reply as Reply
    from .replies import Whois as Whois
    from .state import State as State

#: public name -> the module that defines it
_EXPORTS = {
    "AlreadyConnected": "errors",
    "BottomError": "errors",
    "CapabilityNotEnabled": "errors",
    "Channel": "channel",
    "Client": "client",
    "CommandError": "errors",
    "ConnectionFailed": "errors",
    "Hub": "hub",
    "InvalidMessage": "errors",
    "Member": "channel",
    "Message": "message",
    "NotConnected": "errors",
    "StateNotTracked": "errors",
    "RawHandler": "client",
    "ReconnectPolicy": "reconnect",
    "mask_secrets": "masking",
    "State": "state",
    "User": "channel",
    "Reply": "replies",
    "RequestTimeout": "errors",
    "Whois": "replies",
    "register_pattern": "commands",
    "wait_for": "dispatch",
}

__all__ = [
    "AlreadyConnected",
    "BottomError",
    "CapabilityNotEnabled",
    "Channel",
    "Client",
    "CommandError",
    "ConnectionFailed",
    "Hub",
    "InvalidMessage",
    "Member",
    "Message",
    "NotConnected",
    "StateNotTracked",
    "RawHandler",
    "ReconnectPolicy",
    "mask_secrets",
    "State",
    "User",
    "Reply",
    "RequestTimeout",
    "Whois",
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
