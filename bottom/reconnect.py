"""When to try again after a lost connection: exponential backoff, full jitter.

Pure: no asyncio.  The Client asks :meth:`ReconnectPolicy.next_delay` before
each attempt and calls :meth:`ReconnectPolicy.connected` once a connection
is up; a connection that stayed up for ``stable_after`` seconds resets the
backoff.  Full jitter (a uniform delay between ``minimum`` and the current
cap) spreads many bots that lost the same server, and the ``minimum`` means
a server that refuses every connection is never hammered in a tight loop.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["ReconnectPolicy"]


@dataclass
class ReconnectPolicy:
    """Backoff settings, and the attempt counter they apply to.

    ``initial``: the cap on the first delay (seconds); each failed attempt
    multiplies the cap by ``multiplier`` up to ``maximum``.  The delay is
    drawn uniformly from ``[minimum, cap]``.
    """

    initial: float = 1.0
    maximum: float = 300.0
    multiplier: float = 2.0
    minimum: float = 0.5
    stable_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False)
    attempts: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.minimum <= self.initial <= self.maximum or self.multiplier < 1:
            raise ValueError(
                "ReconnectPolicy needs 0 < minimum <= initial <= maximum and "
                f"multiplier >= 1; got minimum={self.minimum}, initial={self.initial}, "
                f"maximum={self.maximum}, multiplier={self.multiplier}")

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; counts the attempt."""
        cap = min(self.maximum, self.initial * self.multiplier ** min(self.attempts, 64))
        self.attempts += 1
        return self.rng.uniform(self.minimum, max(self.minimum, cap))

    def connected(self, lasted: float) -> None:
        """A connection ended after ``lasted`` seconds; long ones reset the backoff."""
        if lasted >= self.stable_after:
            self.attempts = 0
