"""Keepalive: notice a dead server, whatever the client itself is sending.

Pure timing logic over a clock the caller passes in, so it is tested by
driving time instead of sleeping.  The rule (DESIGN, "Robustness
defaults"): any bytes from the server prove the link alive.  After
``interval`` seconds of silence the client sends a PING (ahead of queued
lines); if the server then stays silent for ``timeout`` more seconds the
link is dead.  Our own backlog never postpones that verdict: a server
that fake-lags a busy client still sends *something* (it answers the PING
once it reaches it, and the PING goes ahead of the queue), while a dead
one sends nothing at all.  So a dead server is found within
``interval + timeout`` seconds.
"""

from __future__ import annotations

__all__ = ["Keepalive", "PING", "TIMEOUT"]

#: :meth:`Keepalive.check` results besides None (nothing to do)
PING = "ping"
TIMEOUT = "timeout"
_MIN_STEP = 0.005


class Keepalive:
    """When to PING and when to give up, for one connection.

    ``check(now, last_received)`` says what to do at time ``now``;
    ``next_check(now)`` says when to look again.
    """

    __slots__ = ("interval", "timeout", "ping_sent_at")

    def __init__(self, interval: float, timeout: float) -> None:
        if not interval > 0 or not timeout > 0:
            raise ValueError(f"keepalive needs interval > 0 and timeout > 0, not "
                             f"interval={interval!r}, timeout={timeout!r}")
        self.interval = interval
        self.timeout = timeout
        #: when our unanswered PING went out, or None
        self.ping_sent_at: float | None = None

    def check(self, now: float, last_received: float) -> str | None:
        """:data:`PING` (send one now), :data:`TIMEOUT` (the link is dead)
        or None."""
        sent = self.ping_sent_at
        if sent is not None:
            if last_received >= sent:
                self.ping_sent_at = sent = None  # the server spoke since
            elif now - sent >= self.timeout:
                return TIMEOUT
            else:
                return None
        if now - last_received >= self.interval:
            self.ping_sent_at = now
            return PING
        return None

    def next_check(self, now: float, last_received: float) -> float:
        """When :meth:`check` could next answer differently (never sooner
        than a few milliseconds from ``now``: a timer that fires a little
        early must not spin)."""
        sent = self.ping_sent_at
        if sent is None or last_received >= sent:
            due = last_received + self.interval
        else:
            due = sent + self.timeout
            # With an interval shorter than the timeout, an answer that
            # comes early must not hold the next PING back until the
            # timeout: look again one interval after our PING.
            if sent + self.interval > now:
                due = min(due, sent + self.interval)
        return max(now + _MIN_STEP, due)
