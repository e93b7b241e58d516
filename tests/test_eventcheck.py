"""bottom/eventcheck.py: misspelled handler parameters and event names are WARNINGs."""

from __future__ import annotations

import functools
import logging
from typing import Any

import pytest

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


def test_lookups_are_computed_once_per_name() -> None:
    close_events.cache_clear()
    event_kwargs.cache_clear()
    for _ in range(3):
        check_event_name("privmesg")
        check_handler("privmsg", lambda nick: None)
    # Once for "privmesg", once for "privmsg", whatever the number of calls.
    assert close_events.cache_info().misses == 2
    assert event_kwargs.cache_info().misses == 2
