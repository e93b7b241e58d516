"""bottom.tracking.Tracker: WHO after our JOIN, rejoin after a reconnect (sans-I/O)."""

from __future__ import annotations

from bottom.message import Message
from bottom.state import State
from bottom.tracking import REJOIN_FAILED, Tracker

WELCOME = [":irc.test 001 me :Welcome", ":irc.test 005 me CHANMODES=b,k,l,imnpst :are"]


def feed(tracker: Tracker, *lines: str) -> tuple[list[str], list[tuple[str, dict[str, object]]]]:
    sent: list[str] = []
    events: list[tuple[str, dict[str, object]]] = []
    for line in lines:
        out, fired = tracker.apply(Message.parse(line))
        sent.extend(str(msg) for msg in out)
        events.extend(fired)
    return sent, events


def test_who_after_our_join_only() -> None:
    tracker = Tracker(State())
    sent, _ = feed(tracker, *WELCOME, ":me!u@h JOIN #a", ":bob!b@h JOIN #a", ":me!u@h JOIN #a")
    assert sent == ["WHO #a"]


def test_whox_when_the_server_has_it() -> None:
    tracker = Tracker(State())
    sent, _ = feed(tracker, *WELCOME, ":irc.test 005 me WHOX :are", ":me!u@h JOIN #a")
    assert sent == ["WHO #a %tcuhnfar,152"]


def test_no_who_when_off() -> None:
    tracker = Tracker(State(), who_on_join=False)
    assert feed(tracker, *WELCOME, ":me!u@h JOIN #a") == ([], [])


def test_rejoin_with_keys_after_ready_and_failures_reported() -> None:
    state = State()
    tracker = Tracker(state)
    tracker.sent(Message("JOIN", ("#keyed,#plain", "sesame")))
    feed(tracker, *WELCOME, ":me!u@h JOIN #keyed", ":me!u@h JOIN #plain", ":me!u@h JOIN #Moded",
         ":x!y@z MODE #moded +k modekey", ":me!u@h JOIN #gone", ":me!u@h PART #gone")
    tracker.disconnected()
    assert not state.channels and not state.users and state.nick is None
    assert tracker.ready() != ()  # the first ready after the disconnect
    tracker.disconnected()  # lost again before any answer: still remembered
    feed(tracker, *WELCOME)
    lines = [str(line) for line in tracker.ready()]
    assert lines == ["JOIN #keyed,#Moded,#plain sesame,modekey"]
    assert tracker.ready() == ()
    _, events = feed(tracker, ":me!u@h JOIN #keyed",
                     ":irc.test 474 me #moded :Cannot join channel (+b)",
                     ":irc.test 474 me #elsewhere :not ours")
    assert events == [(REJOIN_FAILED, {"channel": "#Moded", "code": "474",
                                       "reason": "Cannot join channel (+b)"})]
    assert tracker.rejoining == ["#plain"]


def test_error_line_remembers_before_the_state_empties() -> None:
    tracker = Tracker(State())
    feed(tracker, *WELCOME, ":me!u@h JOIN #a", "ERROR :Closing link")
    tracker.disconnected()
    feed(tracker, *WELCOME)
    assert [str(line) for line in tracker.ready()] == ["JOIN #a"]


def test_no_rejoin_when_off_and_long_lists_split() -> None:
    tracker = Tracker(State(), rejoin=False)
    feed(tracker, *WELCOME, ":me!u@h JOIN #a")
    tracker.disconnected()
    assert tracker.ready() == ()
    tracker = Tracker(State())
    names = [f"#channel-with-a-long-name-{i:03d}" for i in range(40)]
    feed(tracker, *WELCOME, *(f":me!u@h JOIN {name}" for name in names))
    tracker.disconnected()
    lines = tracker.ready()
    assert len(lines) > 1 and all(len(str(line)) < 510 for line in lines)
    assert [n for line in lines for n in line.params[0].split(",")] == names


def test_an_idle_tracker_holds_no_tables() -> None:
    # Bridges hold thousands of idle trackers: their tables exist only
    # while they hold something.
    tracker = Tracker(State())
    feed(tracker, *WELCOME, ":me!u@h JOIN #a")
    assert tracker._remembered is None and tracker._waiting is None and tracker._keys is None
    assert tracker.rejoining == []
    tracker.disconnected()
    feed(tracker, *WELCOME)
    assert [str(line) for line in tracker.ready()] == ["JOIN #a"]
    assert tracker._remembered is None and tracker.rejoining == ["#a"]
    feed(tracker, ":me!u@h JOIN #a")
    assert tracker._waiting is None and tracker.rejoining == []
    tracker.disconnected()
    assert tracker._remembered == {"#a": ("#a", None)}
    tracker = Tracker(State())  # nothing to remember: no table
    tracker.disconnected()
    assert tracker._remembered is None and tracker.ready() == ()
