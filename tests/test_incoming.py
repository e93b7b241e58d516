"""bottom.incoming: the client's PRIVMSG shortcut agrees with the general path.

``Incoming._on_line`` maps plain PRIVMSG lines inline, without a Message
(``events.privmsg_parts``, written out for speed).  These tests hold the
inline copy to the function and both to ``message_to_event(Message.parse(line))``.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_events import _NEAR_PRIVMSG

import bottom
from bottom.events import message_to_event, privmsg_parts
from bottom.message import Message


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
