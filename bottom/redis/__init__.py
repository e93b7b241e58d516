"""Scaling out with Redis Streams: a :class:`Gateway` holds the IRC
connections, :class:`Worker` processes run the handlers.

Needs the optional extra: ``pip install "bottom[redis]"``.  ``import
bottom`` never imports this package or redis-py.  Delivery is
at-least-once: see ``docs/redis.rst``.
"""

from __future__ import annotations

from ._connect import _module

_module()  # fail here, with the install hint, when redis-py is missing

from .gateway import Gateway  # noqa: E402
from .records import MirroredChannel, MirroredUser, RecordError, RedisUnavailable  # noqa: E402
from .worker import Worker  # noqa: E402

__all__ = ["Gateway", "Worker", "RecordError", "RedisUnavailable", "MirroredChannel",
           "MirroredUser"]
