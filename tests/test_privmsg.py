"""bottom.privmsg: the plain PRIVMSG shortcut agrees with the general path."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom import privmsg
from bottom.events import CACHE_LIMIT, EVENT_KWARGS, MAX_CACHED_KEY, message_to_event
from bottom.message import Message
from bottom.privmsg import PRIVMSG_KWARGS, decode_tags, privmsg_event, privmsg_parts

SRC = ":nick!~user@host.example"


def event(line: str) -> tuple[str, dict[str, Any]]:
    return message_to_event(Message.parse(line))


# Lines built near the one shape privmsg_event takes: every piece may be
# off by a space, a colon, a case or a \x01, so both answers are exercised.
_NEAR_PRIVMSG = st.builds(
    lambda tags, source, gap, command, target, colon, text: (
        f"{tags}{source}{gap}{command} {target}{colon}{text}"),
    st.sampled_from(["", "@a=1 ", "@a=b\\sc;d ", "@ ", "@a=1  ", "@a=1"]),
    st.sampled_from([":n!u@h", ":n", ":irc.test", ":", "", ":!@", ":n!u@2001:db8::1"]),
    st.sampled_from([" ", "  "]),
    st.sampled_from(["PRIVMSG", "privmsg", "NOTICE", "PRIVMSG\r"]),
    st.sampled_from(["#c", "", "#c extra", "me", "#c:x", ":#c", ":"]),
    st.sampled_from([" :", " ", "  :", ""]),
    st.text(st.sampled_from("ab :\x01\r"), max_size=8),
)


@settings(max_examples=examples(1000), deadline=None)
@given(st.one_of(_NEAR_PRIVMSG, st.text(max_size=60)))
def test_privmsg_event_agrees_with_the_general_path(line: str) -> None:
    kwargs = privmsg_event(line)
    if kwargs is None:
        return
    assert message_to_event(Message.parse(line)) == ("PRIVMSG", kwargs)


@pytest.mark.parametrize("line", [
    f"{SRC} PRIVMSG #c :hi",
    f"@time=2026-11-23T17:00:00.000Z;msgid=x {SRC} PRIVMSG #c :hi there",
    f"{SRC} PRIVMSG #c :",
    ":irc.test PRIVMSG me :server says",
])
def test_privmsg_event_maps_the_plain_shapes(line: str) -> None:
    assert privmsg_event(line) == event(line)[1]


@pytest.mark.parametrize("line", [
    f"{SRC} PRIVMSG #c hi",  # no colon before the text
    f"{SRC}  PRIVMSG #c :hi",  # a run of spaces
    f"{SRC} privmsg #c :hi",  # not the usual spelling
    f"{SRC} PRIVMSG #c :\x01ACTION waves\x01",  # a CTCP
    f"{SRC} NOTICE #c :hi",
    "PRIVMSG #c :no source",
    ": PRIVMSG #c :empty source",
    ":n PRIVMSG :#c :the trailing starts at the first ' :'",
])
def test_privmsg_event_leaves_other_shapes_to_the_general_path(line: str) -> None:
    assert privmsg_event(line) is None


def test_privmsg_parts_keep_the_tag_section_as_sent_and_the_event_decodes_it() -> None:
    line = f"@time=2026-11-23T17:00:00.000Z;a=x\\sy {SRC} PRIVMSG #c :hi there"
    parts = privmsg_parts(line)
    assert parts == ("@time=2026-11-23T17:00:00.000Z;a=x\\sy",
                     ("nick", "~user", "host.example", "#c"), "hi there")
    assert decode_tags(parts[0]) == {"time": "2026-11-23T17:00:00.000Z", "a": "x y"}
    kwargs = privmsg_event(line)
    assert kwargs is not None and list(kwargs) == list(PRIVMSG_KWARGS)
    assert kwargs == event(line)[1]
    assert decode_tags("") == {}


def test_the_table_maps_privmsg_to_the_same_kwargs_in_the_same_order() -> None:
    # One PRIVMSG mapping: the general path and the values agree on names
    # and order (the dispatcher indexes the values by these names).
    name, kwargs = event(f"@a=1 {SRC} PRIVMSG #c :hi")
    assert (name, tuple(kwargs)) == ("PRIVMSG", PRIVMSG_KWARGS)
    assert EVENT_KWARGS["PRIVMSG"] == PRIVMSG_KWARGS[1:]
    assert privmsg_parts(f"{SRC} PRIVMSG #c :hi") == (
        "", ("nick", "~user", "host.example", "#c"), "hi")


@pytest.mark.parametrize("line", ["", "@", "@a=1", "@a=1 ", ":n!u@h", "PRIVMSG"])
def test_a_fragment_has_no_parts(line: str) -> None:
    assert privmsg_parts(line) is None
    assert privmsg_event(line) is None


def test_the_privmsg_head_cache_is_bounded_and_keeps_no_long_head() -> None:
    privmsg._HEADS.clear()
    for n in range(CACHE_LIMIT + 50):
        line = f":n{n}!u@h PRIVMSG #c :hi"
        assert privmsg_event(line) == event(line)[1]
    assert 0 < len(privmsg._HEADS) <= CACHE_LIMIT
    # A hostile server's 60 KiB sources and targets are mapped, never kept.
    for line in (":" + "n" * 60_000 + "!u@h PRIVMSG #c :hi",
                 ":n!u@h PRIVMSG #" + "c" * 60_000 + " :hi"):
        assert privmsg_event(line) == event(line)[1]
        assert privmsg_event(line) == event(line)[1]  # the second time, not from a cache
    assert max(map(len, privmsg._HEADS)) <= MAX_CACHED_KEY
