"""bottom/eventcheck.py: misspelled handler parameters and event names are WARNINGs."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import pytest

import bottom
from bottom import dispatch, eventcheck
from bottom.dispatch import Dispatcher
from bottom.eventcheck import check_event_name, check_handler, close_events, event_kwargs


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "bottom" and r.levelno == logging.WARNING]


def test_a_misspelled_parameter_is_a_warning_listing_the_kwargs_the_event_has(
        caplog: pytest.LogCaptureFixture) -> None:
    def echo(nick: str, targt: str) -> None: ...

    check_handler("privmsg", echo)
    [message] = _warnings(caplog)
    assert message.startswith("PRIVMSG handler ")
    assert "echo (" in message and __file__ in message
    assert message.endswith("names 'targt', which PRIVMSG never has; its kwargs are: "
                            "nick, user, host, target, message, tags")


def test_a_misspelled_parameter_with_a_default_is_a_warning_too(
        caplog: pytest.LogCaptureFixture) -> None:
    check_handler("JOIN", lambda nick, acount=None: None)
    [message] = _warnings(caplog)
    assert "names 'acount', which JOIN never has" in message


@pytest.mark.parametrize("event, handler", [
    ("privmsg", lambda nick, target, message: None),
    ("PRIVMSG", lambda nick, tags: None),
    ("privmsg", lambda nick, targt, **kwargs: None),  # **kwargs takes anything
    ("001", lambda target, message: None),
    ("rpl_bounce", lambda info: None),
    ("ctcp_version", lambda nick, command, args: None),
    ("CTCP", lambda args: None),
    ("client_ready", lambda host, port, nick: None),
    ("client_disconnect", lambda reason: None),
    ("my_custom_event", lambda anything, at_all: None),  # unknown: not checked
    ("999", lambda whatever: None),
    ("privmsg", min),  # no signature to read
    ("privmsg", lambda: None),
])
def test_handlers_that_fit_their_event_are_silent(
        caplog: pytest.LogCaptureFixture, event: str, handler: Any) -> None:
    check_handler(event, handler)
    assert _warnings(caplog) == []


def test_local_events_have_no_tags(caplog: pytest.LogCaptureFixture) -> None:
    check_handler("client_connect", lambda host, tags: None)
    [message] = _warnings(caplog)
    assert message.endswith("names 'tags', which CLIENT_CONNECT never has; "
                            "its kwargs are: host, port")


def test_methods_and_partials_are_checked_by_the_names_left_to_fill(
        caplog: pytest.LogCaptureFixture) -> None:
    class Bot:
        def on_kick(self, channel: str, victim: str) -> None: ...

    def relay(prefix: str, nick: str, message: str) -> None: ...

    check_handler("kick", Bot().on_kick)
    check_handler("privmsg", functools.partial(relay, "> "))
    [message] = _warnings(caplog)
    assert ".Bot.on_kick (" in message
    assert "names 'victim', which KICK never has" in message


@pytest.mark.parametrize("misspelled, meant", [
    ("privmesg", "PRIVMSG"), ("rpl_welcom", "RPL_WELCOME"), (" Client_Read ", "CLIENT_READY"),
    ("WALLOP", "WALLOPS"),
])
def test_a_name_close_to_a_known_event_asks_did_you_mean(
        caplog: pytest.LogCaptureFixture, misspelled: str, meant: str) -> None:
    check_event_name(misspelled)
    [message] = _warnings(caplog)
    assert message.startswith(f"{misspelled!r} is not an event bottom triggers; "
                              f"did you mean {meant}?")


@pytest.mark.parametrize("name", ["PRIVMSG", "privmsg", "001", "RPL_BOUNCE", "CTCP_FOO",
                                  "client_connect", "my_event", "TICK", "relay", "999"])
def test_known_and_custom_names_are_silent(caplog: pytest.LogCaptureFixture,
                                           name: str) -> None:
    check_event_name(name)
    check_handler(name, lambda **kwargs: None)
    assert _warnings(caplog) == []


def test_a_handler_for_a_misspelled_event_gets_the_did_you_mean(
        caplog: pytest.LogCaptureFixture) -> None:
    check_handler("privmesg", lambda nick, targt: None)
    assert _warnings(caplog) == [
        "'privmesg' is not an event bottom triggers; did you mean PRIVMSG? (a custom event "
        "is fine, but only your own trigger() calls fire it)"]


def test_lookups_are_computed_once_per_event_whatever_the_spelling() -> None:
    eventcheck._close_to.cache_clear()
    eventcheck._kwargs_of.cache_clear()
    for spelling in ("privmesg", "PRIVMESG", "privmsg", " PrivMsg "):
        check_event_name(spelling)
        check_handler(spelling, lambda nick: None)
    # Once for PRIVMESG, once for PRIVMSG.
    assert eventcheck._close_to.cache_info().misses == 2
    assert eventcheck._kwargs_of.cache_info().misses == 2


@pytest.mark.parametrize("check", [check_event_name, close_events, event_kwargs,
                                   lambda event: check_handler(event, print)])
def test_an_event_name_that_is_not_a_string_is_a_type_error(check: Any) -> None:
    with pytest.raises(TypeError, match="event names are strings"):
        check(["PRIVMSG"])


# -- wired into on() and wait() -----------------------------------------------------------


def test_on_checks_the_handler_in_both_forms(caplog: pytest.LogCaptureFixture) -> None:
    hub = Dispatcher()

    @hub.on("privmsg")
    def echo(nick: str, targt: str) -> None: ...

    hub.on("privmesg", lambda **kwargs: None)
    first, second = _warnings(caplog)
    assert "names 'targt', which PRIVMSG never has" in first
    assert second.startswith("'PRIVMESG' is not an event bottom triggers; did you mean PRIVMSG?")


async def test_wait_and_wait_for_check_the_event_name(caplog: pytest.LogCaptureFixture) -> None:
    hub = Dispatcher()
    waiting = asyncio.ensure_future(hub.wait("rpl_welcom"))
    both = asyncio.ensure_future(bottom.wait_for(hub, ["rpl_endofmotd", "err_nomtod"]))
    await asyncio.sleep(0)  # both registered
    hub.trigger("RPL_WELCOM")
    hub.trigger("RPL_ENDOFMOTD")
    assert await waiting == {}
    assert await both == [{"event": "RPL_ENDOFMOTD"}]
    assert [m.split(";")[0] for m in _warnings(caplog)] == [
        "'rpl_welcom' is not an event bottom triggers", "'err_nomtod' is not an event bottom "
        "triggers"]


def test_trigger_never_runs_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    hub = Dispatcher()
    seen = []
    hub.on("privmsg", lambda nick, message: seen.append((nick, message)))

    def fail(*args: Any) -> None:
        raise AssertionError("checked on the hot path")

    monkeypatch.setattr(dispatch, "check_handler", fail)
    monkeypatch.setattr(dispatch, "check_event_name", fail)
    for index in range(3):
        hub.trigger("PRIVMSG", nick="alice", message=str(index))
    assert seen == [("alice", "0"), ("alice", "1"), ("alice", "2")]
