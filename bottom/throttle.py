"""When the next connection to a server may start: a per-host connect throttle.

Pure: no asyncio.  Real servers refuse or ban an address that opens too
many connections too fast (inspircd's ``connectban``, ngircd's per-IP
limit), so a :class:`~bottom.Hub` asks :meth:`ConnectThrottle.reserve` for
a slot before each connect and sleeps for the delay it returns.  The
schedule is the generic cell rate algorithm (a token bucket kept as one
timestamp per host): ``burst`` connects at once, then one every
``1 / rate`` seconds.  Time is a parameter (``clock``), so tests move it
instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["ConnectThrottle"]


class ConnectThrottle:
    """Spaces connects to each host: ``burst`` at once, then ``rate`` per second.

    :raises ValueError: ``rate`` not positive or ``burst`` below 1.
    """

    __slots__ = ("rate", "burst", "clock", "_next")

    def __init__(self, rate: float, burst: int = 1, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0:
            raise ValueError(f"connect rate must be > 0 connects per second, not {rate!r}")
        if not isinstance(burst, int) or burst < 1:
            raise ValueError(f"connect burst must be an int >= 1, not {burst!r}")
        self.rate = float(rate)
        self.burst = burst
        self.clock = clock
        #: host -> theoretical arrival time of the next connect (GCRA's TAT)
        self._next: dict[str, float] = {}

    def reserve(self, host: str) -> float:
        """Book the next slot for ``host``; return the seconds to wait for it.

        Every call books a slot, so concurrent callers get successive ones:
        call once per connect attempt, then sleep the returned delay.
        """
        now = self.clock()
        interval = 1.0 / self.rate
        tolerance = (self.burst - 1) * interval
        due = max(self._next.get(host, now), now)
        self._next[host] = due + interval
        if len(self._next) > 1024:
            self._forget(now)
        return max(0.0, due - tolerance - now)

    def _forget(self, now: float) -> None:
        """Drop hosts whose bucket is full again, so memory stays bounded."""
        for host, due in list(self._next.items()):
            if due <= now:
                del self._next[host]
