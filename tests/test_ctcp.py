"""bottom.ctcp: parsing, framing and the automatic replies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.ctcp import CLIENTINFO_COMMANDS, auto_reply, format_ctcp, parse_ctcp
from bottom.errors import InvalidMessage

PARSED = [
    ("\x01VERSION\x01", ("VERSION", "")),
    ("\x01ACTION waves hello\x01", ("ACTION", "waves hello")),
    ("\x01PING 1700000000 123\x01", ("PING", "1700000000 123")),
    ("\x01version\x01", ("VERSION", "")),
    ("\x01ACTION waves", ("ACTION", "waves")),
    ("\x01VERSION", ("VERSION", "")),
    ("\x01PING \x01", ("PING", "")),
    ("\x01ACTION  two  spaces \x01", ("ACTION", " two  spaces ")),
    ("\x01ACTION x\x01 trailing", ("ACTION", "x")),
    ("\x01ACTION \x02bold\x02\x01", ("ACTION", "\x02bold\x02")),
]


@pytest.mark.parametrize(("text", "parsed"), PARSED)
def test_parse_ctcp_splits_command_and_args(text, parsed):
    assert parse_ctcp(text) == parsed


@pytest.mark.parametrize("text", ["", "hello", " \x01VERSION\x01", "x\x01VERSION\x01"])
def test_parse_ctcp_ignores_text_not_starting_with_the_delimiter(text):
    assert parse_ctcp(text) is None


@pytest.mark.parametrize("text", ["\x01", "\x01\x01", "\x01 VERSION\x01", "\x01 \x01"])
def test_parse_ctcp_refuses_an_empty_command(text):
    assert parse_ctcp(text) is None


FORMATTED = [
    (("VERSION",), "\x01VERSION\x01"),
    (("ACTION", "waves hello"), "\x01ACTION waves hello\x01"),
    (("action", "waves"), "\x01ACTION waves\x01"),
    (("PING", ""), "\x01PING\x01"),
]


@pytest.mark.parametrize(("args", "text"), FORMATTED)
def test_format_ctcp_frames_command_and_args(args, text):
    assert format_ctcp(*args) == text


@pytest.mark.parametrize(("command", "args"), [
    ("", ""),
    ("TWO WORDS", ""),
    ("A\x01B", ""),
    ("PING", "a\x01b"),
    ("PING", "a\rb"),
    ("PING", "a\nb"),
    ("PING", "a\0b"),
    ("VER\nSION", ""),
])
def test_format_ctcp_refuses_what_ctcp_cannot_carry(command, args):
    with pytest.raises(InvalidMessage):
        format_ctcp(command, args)


def test_format_ctcp_errors_are_value_errors():
    with pytest.raises(ValueError, match="CR, LF"):
        format_ctcp("PING", "\n")


_WORD = st.text(st.characters(blacklist_categories=("Cs",),
                              blacklist_characters="\x01\r\n\0 "), min_size=1)
_ARGS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x01\r\n\0"))


@settings(deadline=None)
@given(_WORD, _ARGS)
def test_format_then_parse_gives_the_command_and_args_back(command, args):
    assert parse_ctcp(format_ctcp(command, args)) == (command.upper(), args)


@settings(deadline=None)
@given(st.text())
def test_parse_ctcp_never_raises(text):
    result = parse_ctcp(text)
    assert result is None or (result[0] and " " not in result[0])


# --- automatic replies -------------------------------------------------------------

def test_version_is_answered_with_the_given_version():
    assert auto_reply("VERSION", "", version="bottom 4.0") == "\x01VERSION bottom 4.0\x01"


@pytest.mark.parametrize("args", ["1700000000 123", "", " odd  spacing ", "\x02x"])
def test_ping_echoes_its_args_exactly(args):
    reply = auto_reply("PING", args, version="v")
    assert parse_ctcp(reply) == ("PING", args)


def test_ping_with_a_nul_in_its_args_gets_no_reply():
    assert auto_reply("PING", "a\0b", version="v") is None


def test_time_is_answered_in_rfc_2822_form():
    now = datetime(2026, 11, 23, 17, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    reply = auto_reply("TIME", "", version="v", now=now)
    assert reply == "\x01TIME Mon, 23 Nov 2026 17:00:00 +0100\x01"


def test_time_defaults_to_the_current_local_time():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    reply = auto_reply("TIME", "", version="v")
    parsed = parse_ctcp(reply)
    assert parsed is not None
    when = parsedate_to_datetime(parsed[1])
    assert when.tzinfo is not None
    assert before <= when <= datetime.now(timezone.utc)


def test_clientinfo_lists_the_understood_commands():
    reply = auto_reply("CLIENTINFO", "", version="v")
    assert reply == "\x01CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\x01"


def test_clientinfo_commands_are_sorted_upper_case_words():
    assert list(CLIENTINFO_COMMANDS) == sorted(c.upper() for c in CLIENTINFO_COMMANDS)


@pytest.mark.parametrize("command", ["ACTION", "DCC", "FINGER", "SOURCE", "USERINFO", ""])
def test_other_commands_get_no_reply(command):
    assert auto_reply(command, "x", version="v") is None


def test_auto_reply_matches_commands_case_insensitively():
    assert auto_reply("version", "", version="v") == "\x01VERSION v\x01"


def test_a_version_with_a_newline_is_refused():
    with pytest.raises(InvalidMessage):
        auto_reply("VERSION", "", version="v1\nQUIT")


@settings(deadline=None)
@given(st.text(), st.text())
def test_auto_reply_never_raises_for_anything_the_server_sends(command, args):
    reply = auto_reply(command, args, version="bottom")
    assert reply is None or (reply.startswith("\x01") and reply.endswith("\x01"))
