"""Keepalive timing, driven by a clock the test moves (no sleeping)."""

from __future__ import annotations

import itertools

import pytest

from bottom.keepalive import PING, TIMEOUT, Keepalive


def _until_timeout(keepalive: Keepalive, give_up: float) -> tuple[float, list[str | None]]:
    """Check at each next_check time, from a server silent since 0, until
    TIMEOUT or ``give_up``: (the time of the last check, every verdict)."""
    now, verdicts = 0.0, []
    while now <= give_up:
        verdict = keepalive.check(now, last_received=0)
        verdicts.append(verdict)
        if verdict is TIMEOUT:
            break
        now = keepalive.next_check(now, last_received=0)
    return now, verdicts


def test_a_silent_server_is_pinged_after_the_interval_and_dropped_after_the_timeout() -> None:
    keepalive = Keepalive(interval=90, timeout=60)
    assert keepalive.check(now=89.9, last_received=0) is None
    assert keepalive.check(now=90, last_received=0) is PING
    assert keepalive.check(now=149.9, last_received=0) is None
    assert keepalive.check(now=150, last_received=0) is TIMEOUT


def test_any_bytes_after_the_ping_count_as_the_answer() -> None:
    keepalive = Keepalive(interval=90, timeout=60)
    assert keepalive.check(now=90, last_received=0) is PING
    # A NOTICE (not the PONG) arrived at 100: the link lives, and the next
    # PING is due 90 s after it.
    assert keepalive.check(now=150, last_received=100) is None
    assert keepalive.ping_sent_at is None
    assert keepalive.check(now=190, last_received=100) is PING


def test_a_dead_server_is_found_within_interval_plus_timeout_whatever_we_send() -> None:
    # Nothing about our own backlog is an input: only what the server sent.
    keepalive = Keepalive(interval=10, timeout=5)
    now, verdicts = _until_timeout(keepalive, give_up=15)
    assert verdicts[-1] is TIMEOUT and now == 15
    assert verdicts.count(PING) == 1


def test_next_check_is_when_the_verdict_can_change_and_never_in_the_past() -> None:
    keepalive = Keepalive(interval=90, timeout=60)
    assert keepalive.next_check(now=10, last_received=5) == 95
    keepalive.check(now=95, last_received=5)
    assert keepalive.next_check(now=95, last_received=5) == 155
    # A timer that fires a little early must not spin.
    assert keepalive.next_check(now=200, last_received=5) > 200


@pytest.mark.parametrize(("interval", "timeout"), [(0, 60), (90, 0), (-1, 60), (90, -5),
                                                   (float("nan"), 60)])
def test_zero_negative_or_nan_times_are_refused(interval: float, timeout: float) -> None:
    with pytest.raises(ValueError, match="keepalive needs interval > 0 and timeout > 0"):
        Keepalive(interval, timeout)


def test_an_interval_shorter_than_the_timeout_keeps_its_pace_when_answered() -> None:
    # Drive the checks the way the ticker does: only at next_check times.
    keepalive = Keepalive(interval=2, timeout=30)
    now, last_received, pings = 0.0, 0.0, []
    while now < 20:
        if keepalive.check(now, last_received) is PING:
            pings.append(now)
            last_received = now + 0.1  # the PONG comes at once
        now = keepalive.next_check(now, last_received)
    # A PING about every 2 s, not one per 30 s timeout.
    assert len(pings) >= 8
    assert all(b - a < 2.5 for a, b in itertools.pairwise(pings))


def test_an_unanswered_ping_still_times_out_with_a_short_interval() -> None:
    keepalive = Keepalive(interval=2, timeout=30)
    now, verdicts = _until_timeout(keepalive, give_up=40)
    assert verdicts[-1] is TIMEOUT and now == 32
    assert verdicts.count(PING) == 1
