"""bottom.incoming: the client's PRIVMSG shortcut agrees with the general path.

``Incoming._on_line`` maps plain PRIVMSG lines inline, without a Message
(``privmsg.privmsg_parts``, written out for speed).  These tests hold the
inline copy to the function and both to ``message_to_event(Message.parse(line))``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_privmsg import _NEAR_PRIVMSG

import bottom
from bottom.events import message_to_event
from bottom.message import Message
from bottom.privmsg import privmsg_parts


class Recorder:
    """A client with a ``**kwargs`` PRIVMSG handler; notes which path each line took."""

    def __init__(self) -> None:
        self.client = bottom.Client("127.0.0.1", 6667, ssl=False)
        self.privmsgs: list[dict[str, Any]] = []
        self.general: list[str] = []
        self.client.on("privmsg", lambda **kwargs: self.privmsgs.append(kwargs))
        handle = self.client._handle_message

        def general(msg: Message) -> None:
            self.general.append(str(msg.command))
            handle(msg)
        self.client._handle_message = general  # type: ignore[method-assign]

    def feed(self, line: str) -> None:
        self.privmsgs.clear()
        self.general.clear()
        self.client._on_line(line)


@settings(max_examples=examples(1000), deadline=None)
@given(st.one_of(_NEAR_PRIVMSG, st.text(max_size=60)))
@example("@batch=1 :n!u@h PRIVMSG #c :in a batch")
@example("@label=x :n!u@h PRIVMSG #c :an answer")
@example("@a=1;+batchy=2 :n!u@h PRIVMSG #c :a near miss takes the general path")
@example(":n!u@h PRIVMSG #c :\x01ACTION waves\x01")
def test_the_inline_shortcut_is_privmsg_parts_and_agrees_with_the_general_path(
        line: str) -> None:
    recorder = Recorder()
    recorder.feed(line)
    shortcut = bool(recorder.privmsgs) and not recorder.general
    assert shortcut is (privmsg_parts(line) is not None)
    if shortcut:
        assert recorder.privmsgs == [message_to_event(Message.parse(line))[1]]


@pytest.mark.parametrize("line", [
    ":n!u@h PRIVMSG #c :hi",
    "@time=2026-11-23T17:00:00.000Z;msgid=x\\sy :n!u@h PRIVMSG #c :hi there",
])
def test_a_repeated_head_gives_the_same_kwargs_from_the_cache(line: str) -> None:
    recorder = Recorder()
    recorder.feed(line)
    first = recorder.privmsgs[:]
    recorder.feed(line)
    assert recorder.privmsgs == first == [message_to_event(Message.parse(line))[1]]
    assert not recorder.general
    assert first[0]["tags"] is not recorder.privmsgs[0]["tags"]  # a dict of its own per line


PLAIN = "@time=2026-11-23T17:00:00.000Z;msgid=a\\sb :n!u@h PRIVMSG #c :hi there"


def test_kwargs_handlers_are_called_in_order_and_one_that_raises_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    seen: list[tuple[str, dict[str, Any]]] = []

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    client.on("privmsg", lambda **kwargs: seen.append(("first", kwargs)))
    client.on("privmsg", broken)
    client.on("privmsg", lambda **kwargs: seen.append(("third", kwargs)))
    assert client._privmsg_funcs is not None  # the client calls them itself
    client._on_line(PLAIN)
    expected = message_to_event(Message.parse(PLAIN))[1]
    assert seen == [("first", expected), ("third", expected)]
    assert seen[0][1] is not seen[1][1]  # each call, a dict of its own
    assert "error in PRIVMSG handler" in caplog.text


def test_a_handler_of_another_form_sends_privmsgs_the_general_way() -> None:
    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    seen: list[Any] = []
    client.on("privmsg", lambda **kwargs: seen.append(kwargs))
    client.on("privmsg", lambda nick, message: seen.append((nick, message)))
    assert client._privmsg_funcs is None
    client._on_line(PLAIN)
    assert seen == [message_to_event(Message.parse(PLAIN))[1], ("n", "hi there")]
    client.off("privmsg", client.handlers("privmsg")[1])
    assert client._privmsg_funcs is not None


async def test_a_kwargs_coroutine_handler_runs_and_a_waiter_it_starts_gets_this_line() -> None:
    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    seen: list[dict[str, Any]] = []
    waiters: list[Any] = []

    async def handler(**kwargs: Any) -> None:
        seen.append(kwargs)
        if not waiters:
            waiters.append(client.waiter("privmsg"))  # registered while the line is handled

    client.on("privmsg", handler)
    client._on_line(PLAIN)
    await asyncio.sleep(0)  # on 3.10/3.11 with a non-asyncio loop the handler starts here
    expected = message_to_event(Message.parse(PLAIN))[1]
    assert seen == [expected]
    assert waiters and await asyncio.wait_for(waiters[0], 5) == expected


async def test_a_waiter_or_tap_sees_a_plain_privmsg_with_decoded_tags() -> None:
    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    client.on("privmsg", lambda **kwargs: None)
    waiting = client.waiter("privmsg")
    client._on_line(PLAIN)
    assert await asyncio.wait_for(waiting, 5) == message_to_event(Message.parse(PLAIN))[1]


def test_without_privmsg_handlers_the_tags_of_a_plain_privmsg_are_never_decoded(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    client = bottom.Client("127.0.0.1", 6667, ssl=False)
    assert client._privmsg_funcs is None

    def refuse(text: str) -> dict[str, str]:
        raise AssertionError(f"decoded {text!r}")
    monkeypatch.setattr("bottom.incoming.parse_tags", refuse)
    monkeypatch.setattr("bottom.privmsg.parse_tags", refuse)
    client._on_line(PLAIN)
    assert "decoded" not in caplog.text  # (_on_line logs what a line raised)
