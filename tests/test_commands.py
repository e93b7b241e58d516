"""bottom.commands: send() templates -> wire lines, validation, splitting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

import bottom
from bottom import commands
from bottom.commands import (
    DEFAULT_PREFIX_RESERVE,
    MAX_CLIENT_TAG_BYTES,
    MAX_LINE_BYTES,
    check_raw_line,
    known_commands,
    patterns,
    register_pattern,
    serialize,
    split_text,
)
from bottom.errors import InvalidMessage
from bottom.message import Message


def send(command: str, /, *, tags: dict[str, str | None] | None = None,
         **kwargs: Any) -> list[str]:
    return serialize(command, kwargs, tags=tags)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Patterns registered inside a test are gone after it."""
    saved = {command: list(forms) for command, forms in commands._PATTERNS.items()}
    monkeypatch.setattr(commands, "_PATTERNS", saved)
    yield


# --- one line per command ----------------------------------------------------

# (command, kwargs, the exact line).  Every command send() knows is here;
# test_every_known_command_has_its_line_pinned keeps it that way.
LINES: list[tuple[str, dict[str, Any], str]] = [
    ("PASS", {"password": "hunter2"}, "PASS hunter2"),
    ("NICK", {"nick": "WiZ"}, "NICK WiZ"),
    ("USER", {"nick": "guest", "realname": "Ronnie Reagan"}, "USER guest 0 * :Ronnie Reagan"),
    ("USER", {"nick": "guest", "mode": 8, "realname": "Ronnie Reagan"},
     "USER guest 8 * :Ronnie Reagan"),
    ("USER", {"user": "guest", "realname": "Ronnie"}, "USER guest 0 * :Ronnie"),
    ("USER", {"user": "guest", "mode": "+i", "realname": ""}, "USER guest +i * :"),
    ("OPER", {"nick": "AzureDiamond", "password": "hunter2"}, "OPER AzureDiamond hunter2"),
    ("OPER", {"user": "AzureDiamond", "password": "hunter2"}, "OPER AzureDiamond hunter2"),
    ("USERMODE", {"nick": "WiZ"}, "MODE WiZ"),
    ("USERMODE", {"nick": "WiZ", "modes": "-w"}, "MODE WiZ -w"),
    ("SERVICE", {"nick": "dict", "distribution": "*.fr", "type": 0, "info": "French"},
     "SERVICE dict * *.fr 0 0 :French"),
    ("QUIT", {}, "QUIT"),
    ("QUIT", {"message": "Gone to lunch"}, "QUIT :Gone to lunch"),
    ("QUIT", {"message": ""}, "QUIT :"),
    ("SQUIT", {"server": "tolsun.oulu.fi"}, "SQUIT tolsun.oulu.fi"),
    ("SQUIT", {"server": "tolsun.oulu.fi", "message": "Bad Link"},
     "SQUIT tolsun.oulu.fi :Bad Link"),
    ("JOIN", {"channel": "#foo"}, "JOIN #foo"),
    ("JOIN", {"channel": "#foo", "key": "fookey"}, "JOIN #foo fookey"),
    ("JOIN", {"channel": ["#a", "#b"], "key": ["k1", "k2"]}, "JOIN #a,#b k1,k2"),
    ("JOIN", {"channel": ("#a", "#b"), "key": "k1"}, "JOIN #a,#b k1"),
    ("JOIN", {"channel": "0"}, "JOIN 0"),
    ("PART", {"channel": "#foo"}, "PART #foo"),
    ("PART", {"channel": ["#a", "#b"], "message": "I lost"}, "PART #a,#b :I lost"),
    ("CHANNELMODE", {"channel": "#c"}, "MODE #c"),
    ("CHANNELMODE", {"channel": "#c", "modes": "+b"}, "MODE #c +b"),
    ("CHANNELMODE", {"channel": "#c", "modes": "+l", "params": "10"}, "MODE #c +l 10"),
    ("CHANNELMODE", {"channel": "#c", "modes": "+ov", "params": ["alice", "bob"]},
     "MODE #c +ov alice bob"),
    ("CHANNELMODE", {"channel": "#c", "modes": "+ov", "params": "alice bob"},
     "MODE #c +ov alice bob"),
    ("CHANNELMODE", {"channel": "#c", "params": ["+imI", "*!*@*.fi"]}, "MODE #c +imI *!*@*.fi"),
    ("CHANNELMODE", {"channel": "#c", "params": "+imI *!*@*.fi"}, "MODE #c +imI *!*@*.fi"),
    ("TOPIC", {"channel": "#test"}, "TOPIC #test"),
    ("TOPIC", {"channel": "#test", "message": ""}, "TOPIC #test :"),
    ("TOPIC", {"channel": "#test", "message": "New topic"}, "TOPIC #test :New topic"),
    ("NAMES", {}, "NAMES"),
    ("NAMES", {"channel": ["#a", "#b"]}, "NAMES #a,#b"),
    ("NAMES", {"channel": "#a", "target": "remote.*.edu"}, "NAMES #a remote.*.edu"),
    ("LIST", {}, "LIST"),
    ("LIST", {"channel": ["#a", "#b"]}, "LIST #a,#b"),
    ("LIST", {"channel": "#a", "target": "remote.*.edu"}, "LIST #a remote.*.edu"),
    ("INVITE", {"nick": "Wiz", "channel": "#Twilight_Zone"}, "INVITE Wiz #Twilight_Zone"),
    ("KICK", {"channel": "#Finnish", "nick": "WiZ"}, "KICK #Finnish WiZ"),
    ("KICK", {"channel": "#Finnish", "nick": ["WiZ", "Wiz-Bot"], "message": "Speaking English"},
     "KICK #Finnish WiZ,Wiz-Bot :Speaking English"),
    ("KICK", {"channel": ["#a", "#b"], "nick": ["x", "y"], "message": ""}, "KICK #a,#b x,y :"),
    ("PRIVMSG", {"target": "Angel", "message": "yes I'm receiving it !"},
     "PRIVMSG Angel :yes I'm receiving it !"),
    ("PRIVMSG", {"target": ["#a", "bob"], "message": "hi"}, "PRIVMSG #a,bob :hi"),
    ("PRIVMSG", {"target": "#c", "message": ":-) colon"}, "PRIVMSG #c ::-) colon"),
    ("NOTICE", {"target": "#Finnish", "message": "Maintenance in 5 mins"},
     "NOTICE #Finnish :Maintenance in 5 mins"),
    ("MOTD", {}, "MOTD"),
    ("MOTD", {"target": "remote.*.edu"}, "MOTD remote.*.edu"),
    ("LUSERS", {}, "LUSERS"),
    ("LUSERS", {"mask": "*.edu"}, "LUSERS *.edu"),
    ("LUSERS", {"mask": "*.edu", "target": "remote.*.edu"}, "LUSERS *.edu remote.*.edu"),
    ("VERSION", {}, "VERSION"),
    ("VERSION", {"target": "remote.*.edu"}, "VERSION remote.*.edu"),
    ("STATS", {}, "STATS"),
    ("STATS", {"query": "m"}, "STATS m"),
    ("STATS", {"query": "m", "target": "remote.*.edu"}, "STATS m remote.*.edu"),
    ("LINKS", {}, "LINKS"),
    ("LINKS", {"mask": "*.au"}, "LINKS *.au"),
    ("LINKS", {"remote": "*.edu", "mask": "*.bu.edu"}, "LINKS *.edu *.bu.edu"),
    ("TIME", {}, "TIME"),
    ("TIME", {"target": "remote.*.edu"}, "TIME remote.*.edu"),
    ("CONNECT", {"target": "tolsun.oulu.fi", "port": 6667}, "CONNECT tolsun.oulu.fi 6667"),
    ("CONNECT", {"target": "tolsun.oulu.fi", "port": 6667, "remote": "*.edu"},
     "CONNECT tolsun.oulu.fi 6667 *.edu"),
    ("TRACE", {}, "TRACE"),
    ("TRACE", {"target": "remote.*.edu"}, "TRACE remote.*.edu"),
    ("ADMIN", {}, "ADMIN"),
    ("ADMIN", {"target": "eff.org"}, "ADMIN eff.org"),
    ("INFO", {}, "INFO"),
    ("INFO", {"target": "eff.org"}, "INFO eff.org"),
    ("SERVLIST", {}, "SERVLIST"),
    ("SERVLIST", {"mask": "*SERV"}, "SERVLIST *SERV"),
    ("SERVLIST", {"mask": "*SERV", "type": 3}, "SERVLIST *SERV 3"),
    ("SQUERY", {"target": "irchelp", "message": "HELP privmsg"}, "SQUERY irchelp :HELP privmsg"),
    ("WHO", {}, "WHO"),
    ("WHO", {"mask": "*.fi"}, "WHO *.fi"),
    ("WHO", {"mask": "jto*", "o": True}, "WHO jto* o"),
    ("WHO", {"mask": "jto*", "o": False}, "WHO jto*"),
    ("WHOIS", {"mask": "WiZ"}, "WHOIS WiZ"),
    ("WHOIS", {"mask": ["a", "b"]}, "WHOIS a,b"),
    ("WHOIS", {"target": "eff.org", "mask": "trillian"}, "WHOIS eff.org trillian"),
    ("WHOWAS", {"nick": "Mermaid"}, "WHOWAS Mermaid"),
    ("WHOWAS", {"nick": ["Wiz", "Mermaid"], "count": 9}, "WHOWAS Wiz,Mermaid 9"),
    ("WHOWAS", {"nick": "Wiz", "count": 9, "target": "remote.*.edu"},
     "WHOWAS Wiz 9 remote.*.edu"),
    ("KILL", {"nick": "WiZ", "message": "Spamming joins"}, "KILL WiZ :Spamming joins"),
    ("PING", {}, "PING"),
    ("PING", {"message": "token"}, "PING :token"),
    ("PING", {"message": "I'm still here"}, "PING :I'm still here"),
    ("PING", {"message": "token", "target": "eff.org"}, "PING token eff.org"),
    ("PONG", {}, "PONG"),
    ("PONG", {"message": "token"}, "PONG :token"),
    ("PONG", {"server": "irc.test", "message": "token"}, "PONG irc.test :token"),
    ("AWAY", {}, "AWAY"),
    ("AWAY", {"message": "Gone to lunch."}, "AWAY :Gone to lunch."),
    ("REHASH", {}, "REHASH"),
    ("DIE", {}, "DIE"),
    ("RESTART", {}, "RESTART"),
    ("SUMMON", {"nick": "Wiz"}, "SUMMON Wiz"),
    ("SUMMON", {"nick": "Wiz", "target": "remote.*.edu"}, "SUMMON Wiz remote.*.edu"),
    ("SUMMON", {"nick": "Wiz", "target": "remote.*.edu", "channel": "#Finnish"},
     "SUMMON Wiz remote.*.edu #Finnish"),
    ("USERS", {}, "USERS"),
    ("USERS", {"target": "remote.*.edu"}, "USERS remote.*.edu"),
    ("WALLOPS", {"message": "Maintenance in 5 minutes"}, "WALLOPS :Maintenance in 5 minutes"),
    ("USERHOST", {"nick": "syrk"}, "USERHOST syrk"),
    ("USERHOST", {"nick": ["Wiz", "Michael", "syrk"]}, "USERHOST Wiz Michael syrk"),
    ("USERHOST", {"nick": "Wiz Michael"}, "USERHOST Wiz Michael"),
    ("ISON", {"nick": "syrk"}, "ISON syrk"),
    ("ISON", {"nick": ("Wiz", "Michael", "syrk")}, "ISON Wiz Michael syrk"),
    ("CAP", {"subcommand": "LS", "version": 302}, "CAP LS 302"),
    ("CAP", {"subcommand": "LS"}, "CAP LS"),
    ("CAP", {"subcommand": "REQ", "capabilities": ["sasl", "message-tags"]},
     "CAP REQ :sasl message-tags"),
    ("CAP", {"subcommand": "REQ", "capabilities": "server-time"}, "CAP REQ :server-time"),
    ("CAP", {"subcommand": "END"}, "CAP END"),
    ("CAP", {"subcommand": "req", "capabilities": ["sasl"]}, "CAP REQ :sasl"),
    ("AUTHENTICATE", {"message": "PLAIN"}, "AUTHENTICATE PLAIN"),
    ("AUTHENTICATE", {"message": "+"}, "AUTHENTICATE +"),
    ("TAGMSG", {"target": "#c"}, "TAGMSG #c"),
    ("MONITOR", {"subcommand": "+", "targets": ["alice", "bob"]}, "MONITOR + alice,bob"),
    ("MONITOR", {"subcommand": "C"}, "MONITOR C"),
    ("MONITOR", {"subcommand": "l"}, "MONITOR L"),
    ("SETNAME", {"realname": "New Real Name"}, "SETNAME :New Real Name"),
    ("KNOCK", {"channel": "#c"}, "KNOCK #c"),
    ("KNOCK", {"channel": "#c", "message": "let me in"}, "KNOCK #c :let me in"),
]


@pytest.mark.parametrize(("command", "kwargs", "line"), LINES,
                         ids=[f"{c}:{line}" for c, _, line in LINES])
def test_send_writes_the_exact_line(command: str, kwargs: dict[str, Any], line: str) -> None:
    assert serialize(command, kwargs) == [line]


def test_every_known_command_has_its_line_pinned() -> None:
    assert {command for command, _, _ in LINES} == set(known_commands())


def test_every_form_of_every_command_is_pinned() -> None:
    used = set()
    for command, kwargs, _ in LINES:
        used.add((command, commands._choose(command, kwargs).text))
    assert used == {(c, form) for c in known_commands() for form in patterns(c)}


@pytest.mark.parametrize("spelling", ["privmsg", " PRIVMSG ", "PrivMsg"])
def test_the_command_name_is_case_insensitive(spelling: str) -> None:
    assert send(spelling, target="#c", message="hi") == ["PRIVMSG #c :hi"]


def test_a_none_value_counts_as_not_given() -> None:
    assert send("QUIT", message=None) == ["QUIT"]
    assert send("NAMES", channel="#a", target=None) == ["NAMES #a"]


def test_numbers_are_written_in_decimal() -> None:
    assert send("WHOWAS", nick="n", count=10) == ["WHOWAS n 10"]


# --- choosing a form ---------------------------------------------------------

def test_a_later_optional_field_needs_the_one_before_it() -> None:
    with pytest.raises(InvalidMessage, match="target= needs channel="):
        send("NAMES", target="remote.*.edu")


def test_a_flag_after_a_missing_field_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="o= needs mask="):
        send("WHO", o=True)


@pytest.mark.parametrize(("command", "kwargs", "named"), [
    ("PRIVMSG", {"target": "#c"}, "message="),
    ("PRIVMSG", {"message": "hi"}, "target="),
    ("NICK", {}, "nick="),
    ("KICK", {"channel": "#c"}, "nick="),
    ("INVITE", {"nick": "a", "channel": "#c", "colour": "red"}, "colour"),
    ("USER", {"nick": "a", "user": "b", "realname": "c"}, "realname="),
])
def test_missing_or_unexpected_kwargs_are_refused_with_the_forms_listed(
        command: str, kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidMessage, match=f"{command} not sent.*{re.escape(named)}"):
        serialize(command, kwargs)


def test_the_error_for_wrong_kwargs_lists_every_form() -> None:
    with pytest.raises(InvalidMessage) as info:
        send("LINKS", remote="*.edu")
    assert "(remote=, mask=) or ([mask=])" in str(info.value)


def test_an_unknown_command_names_it_and_points_at_register_pattern() -> None:
    with pytest.raises(ValueError, match="unknown command 'FROB'") as info:
        send("frob", target="x")
    assert "register_pattern" in str(info.value)
    assert isinstance(info.value, InvalidMessage)


# --- lists -------------------------------------------------------------------

@pytest.mark.parametrize(("command", "kwargs", "line"), [
    ("JOIN", {"channel": ["#a", "#b", "#c"]}, "JOIN #a,#b,#c"),
    ("JOIN", {"channel": ["#a", "#b"], "key": ("x", "y")}, "JOIN #a,#b x,y"),
    ("KICK", {"channel": "#c", "nick": ["a", "b"]}, "KICK #c a,b"),
    ("PART", {"channel": iter(["#a", "#b"])}, "PART #a,#b"),
    ("USERHOST", {"nick": ["a", "b"]}, "USERHOST a b"),
    ("ISON", {"nick": ["a", "b", "c"]}, "ISON a b c"),
])
def test_list_values_are_joined_with_commas_or_spaces(
        command: str, kwargs: dict[str, Any], line: str) -> None:
    assert serialize(command, kwargs) == [line]


@pytest.mark.parametrize(("command", "kwargs"), [
    ("JOIN", {"channel": []}),
    ("USERHOST", {"nick": []}),
    ("JOIN", {"channel": ["#a", ""]}),
    ("JOIN", {"channel": ["#a", "#b c"]}),
    ("KICK", {"channel": "#c", "nick": ["a", ":b"]}),
    ("ISON", {"nick": ["a", "b c"]}),
    ("ISON", {"nick": "a  b"}),
    ("USERHOST", {"nick": "a :b"}),
])
def test_every_item_of_a_list_must_be_a_valid_middle_parameter(
        command: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage):
        serialize(command, kwargs)


@pytest.mark.parametrize("value", [["#a"], b"#a", {"a": 1}, object()])
def test_a_value_that_is_not_text_is_refused_for_a_single_field(value: Any) -> None:
    with pytest.raises(InvalidMessage, match="must be a string"):
        send("TOPIC", channel=value)


def test_bytes_are_not_taken_for_a_list() -> None:
    with pytest.raises(InvalidMessage, match="must be a string"):
        send("JOIN", channel=b"#a")


# --- tags --------------------------------------------------------------------

def test_tags_are_escaped_in_front_of_the_line() -> None:
    assert send("TAGMSG", target="#c", tags={"+typing": "active", "+x": "a b;c\\"}) == [
        "@+typing=active;+x=a\\sb\\:c\\\\ TAGMSG #c"]


def test_a_tag_without_a_value_is_written_as_its_key() -> None:
    assert send("TAGMSG", target="#c", tags={"+a": None, "+b": ""}) == ["@+a;+b TAGMSG #c"]


def test_a_newline_in_a_tag_value_is_escaped_not_sent() -> None:
    [line] = send("PRIVMSG", target="#c", message="hi", tags={"+x": "a\r\nQUIT"})
    assert line == "@+x=a\\r\\nQUIT PRIVMSG #c :hi"


@pytest.mark.parametrize("key", ["", "a b", "a;b", "a=b", "a\rb", "a\nb", "a\0b"])
def test_a_tag_key_that_would_break_the_line_is_refused(key: str) -> None:
    with pytest.raises(InvalidMessage, match="invalid tag key"):
        send("TAGMSG", target="#c", tags={key: "x"})


def test_a_nul_in_a_tag_value_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="NUL"):
        send("TAGMSG", target="#c", tags={"+x": "a\0b"})


def test_tag_data_of_4094_bytes_is_allowed() -> None:
    tags = {"+k": "v" * (MAX_CLIENT_TAG_BYTES - len("+k="))}
    [line] = send("TAGMSG", target="#c", tags=tags)
    assert len(line.partition(" ")[0]) == 1 + MAX_CLIENT_TAG_BYTES


def test_tag_data_over_4094_bytes_is_refused() -> None:
    tags = {"+k": "v" * (MAX_CLIENT_TAG_BYTES - len("+k=") + 1)}
    with pytest.raises(InvalidMessage, match="at most 4094"):
        send("TAGMSG", target="#c", tags=tags)


def test_tag_bytes_are_counted_after_escaping_and_encoding() -> None:
    tags = {"+k": " " * ((MAX_CLIENT_TAG_BYTES - 3) // 2 + 1)}  # each space is "\s"
    with pytest.raises(InvalidMessage, match="at most 4094"):
        send("TAGMSG", target="#c", tags=tags)


def test_tags_do_not_count_towards_the_512_bytes_of_a_line() -> None:
    [line] = send("TOPIC", channel="#c", message="x" * 490, tags={"+k": "v" * 1000})
    assert len(line.encode()) > MAX_LINE_BYTES


def test_every_piece_of_a_split_message_carries_the_tags() -> None:
    lines = send("PRIVMSG", target="#c", message="a\nb", tags={"+k": "v"})
    assert lines == ["@+k=v PRIVMSG #c :a", "@+k=v PRIVMSG #c :b"]


# --- injection ---------------------------------------------------------------

_FIELD = re.compile(r"(:?)\{(\w+)(?::([\w|]+))?\}")
_SAMPLES = {"port": "6667", "count": "3", "mode": "8", "version": "302", "type": "3",
            "subcommand": "REQ"}


def _injection_cases() -> Iterator[Any]:
    """Each field of each form of each command, with CR, LF or NUL in it."""
    for command in known_commands():
        for form in patterns(command):
            fields = _FIELD.findall(form)
            for index, (_, name, options) in enumerate(fields):
                kwargs: dict[str, Any] = {}
                for before, (c, other, opts) in enumerate(fields):
                    if before <= index or "opt" not in opts.split("|"):
                        kwargs[other] = "x y" if c else _SAMPLES.get(other, "x")
                for bad in ("\r", "\n", "\0", "\r\n"):
                    value = f"a{bad}QUIT :pwned"
                    yield pytest.param(command, {**kwargs, name: value}, name,
                                       "bool" in options.split("|"),
                                       id=f"{command}:{form}:{name}:{bad!r}")


@pytest.mark.parametrize(("command", "kwargs", "field", "flag"), list(_injection_cases()))
def test_cr_lf_or_nul_in_any_field_never_reaches_the_line(
        command: str, kwargs: dict[str, Any], field: str, flag: bool) -> None:
    splits = command in ("PRIVMSG", "NOTICE") and field == "message" and "\0" not in kwargs[field]
    if flag or splits:
        # A flag writes its name, not its value; PRIVMSG and NOTICE split the
        # text into lines.  Either way, no line holds the character.
        lines = serialize(command, kwargs)
        assert not any(set(line) & {"\r", "\n", "\0"} for line in lines)
    else:
        with pytest.raises(InvalidMessage, match=f"{field}="):
            serialize(command, kwargs)


@pytest.mark.parametrize("bad", ["\r", "\n", "\0"])
def test_cr_lf_or_nul_in_a_list_item_is_refused(bad: str) -> None:
    with pytest.raises(InvalidMessage, match="channel="):
        send("JOIN", channel=["#a", f"#b{bad}QUIT"])


@pytest.mark.parametrize(("command", "kwargs"), [
    ("PASS", {"password": "s3cret\r\nQUIT"}),
    ("OPER", {"nick": "me", "password": "s3cret\n"}),
    ("AUTHENTICATE", {"message": "s3cret\0"}),
    ("PASS", {"password": "s3cret with space"}),
    ("PASS", {"password": ["s3cret"]}),
])
def test_errors_never_repeat_a_password_or_sasl_payload(
        command: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage) as info:
        serialize(command, kwargs)
    assert "s3cret" not in str(info.value)


@settings(max_examples=examples(200), deadline=None)
@given(target=st.text(max_size=12), message=st.text(max_size=80))
def test_privmsg_gives_lines_without_cr_lf_nul_or_refuses(target: str, message: str) -> None:
    try:
        lines = send("PRIVMSG", target=target, message=message)
    except InvalidMessage:
        return
    for line in lines:
        assert not set(line) & {"\r", "\n", "\0"}
        msg = Message.parse(line)
        assert msg.command == "PRIVMSG" and msg.params[0] == target and len(msg.params) == 2


# --- middle parameters -------------------------------------------------------

@pytest.mark.parametrize(("command", "kwargs", "field"), [
    ("NICK", {"nick": "two words"}, "nick"),
    ("NICK", {"nick": ":colon"}, "nick"),
    ("NICK", {"nick": ""}, "nick"),
    ("JOIN", {"channel": "#a b"}, "channel"),
    ("JOIN", {"channel": "#a", "key": ":k"}, "key"),
    ("PRIVMSG", {"target": ":#c", "message": "hi"}, "target"),
    ("PRIVMSG", {"target": "", "message": "hi"}, "target"),
    ("KICK", {"channel": "#c", "nick": "a b"}, "nick"),
    ("USER", {"nick": "a b", "realname": "x"}, "nick"),
    ("PONG", {"server": "irc test", "message": "x"}, "server"),
    ("PING", {"message": "two words", "target": "eff.org"}, "message"),
    ("CAP", {"subcommand": "LS", "version": ""}, "version"),
])
def test_a_middle_parameter_with_a_space_leading_colon_or_no_text_is_refused(
        command: str, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"{field}=.* must be non-empty, without spaces"):
        serialize(command, kwargs)


def test_the_trailing_parameter_may_hold_spaces_colons_or_nothing() -> None:
    assert send("TOPIC", channel="#c", message=" :a: b ") == ["TOPIC #c : :a: b "]
    assert send("TOPIC", channel="#c", message="") == ["TOPIC #c :"]


# --- PRIVMSG and NOTICE text -------------------------------------------------

text_commands = pytest.mark.parametrize("command", ["PRIVMSG", "NOTICE"])


@text_commands
@pytest.mark.parametrize("text", ["one\r\ntwo", "one\ntwo", "one\rtwo", "one\r\n\r\ntwo\n",
                                  "\n\rone\n\n\ntwo\r"],
                         ids=["CRLF", "LF", "CR", "CRLF empty", "empties"])
def test_newlines_in_the_text_end_a_piece_and_empty_pieces_are_dropped(
        command: str, text: str) -> None:
    assert send(command, target="#c", message=text) == [
        f"{command} #c :one", f"{command} #c :two"]


@text_commands
@pytest.mark.parametrize("char", ["\x1c", "\x1d", "\x1e", "\x0b", "\x0c", "\x85", "\u2028"])
def test_characters_splitlines_would_split_on_stay_in_the_text(command: str, char: str) -> None:
    text = f"an {char}italic{char} word"
    assert send(command, target="#c", message=text) == [f"{command} #c :{text}"]


@text_commands
@pytest.mark.parametrize("text", ["", "\r\n", "\n\n", "\r"])
def test_text_with_no_piece_left_is_refused(command: str, text: str) -> None:
    with pytest.raises(InvalidMessage, match="has no text"):
        send(command, target="#c", message=text)


def test_a_nul_in_the_text_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="'\\\\x00'"):
        send("PRIVMSG", target="#c", message="a\0b")


def _fits(line: str) -> bool:
    return len(line.encode()) + 2 + DEFAULT_PREFIX_RESERVE <= MAX_LINE_BYTES


def _texts(lines: list[str]) -> list[str]:
    return [Message.parse(line).params[-1] for line in lines]


@text_commands
def test_long_text_is_split_on_word_boundaries_to_fit_the_relayed_line(command: str) -> None:
    text = " ".join(f"word{i}" for i in range(300))
    lines = send(command, target="#chan", message=text)
    assert len(lines) > 1
    assert all(_fits(line) for line in lines)
    assert all(line.startswith(f"{command} #chan :") for line in lines)
    assert " ".join(_texts(lines)) == text
    assert not any(piece.startswith(" ") or piece.endswith(" ") for piece in _texts(lines))


def test_each_piece_is_as_long_as_fits() -> None:
    text = " ".join(["abcd"] * 400)
    lines = send("PRIVMSG", target="#c", message=text)
    budget = MAX_LINE_BYTES - 2 - DEFAULT_PREFIX_RESERVE - len("PRIVMSG #c :")
    # A piece ends early only when the next word would not fit.
    assert all(budget - 5 < len(piece) <= budget for piece in _texts(lines)[:-1])


def test_text_that_fits_exactly_is_one_line() -> None:
    budget = MAX_LINE_BYTES - 2 - DEFAULT_PREFIX_RESERVE - len("PRIVMSG #c :")
    assert len(send("PRIVMSG", target="#c", message="x" * budget)) == 1
    assert len(send("PRIVMSG", target="#c", message="x" * (budget + 1))) == 2


def test_a_word_longer_than_a_line_is_cut_hard() -> None:
    word = "x" * 1000
    lines = send("PRIVMSG", target="#c", message=f"short {word} end")
    pieces = _texts(lines)
    assert pieces[0] == "short"
    assert "".join(pieces[1:-1]) + pieces[-1].removesuffix(" end") == word
    assert all(_fits(line) for line in lines)


@pytest.mark.parametrize("char", ["\xe9", "\u20ac", "\U0001f600"])
def test_a_hard_cut_never_falls_inside_a_utf8_character(char: str) -> None:
    text = char * 700
    lines = send("PRIVMSG", target="#c", message=text)
    assert all(_fits(line) for line in lines)
    assert "".join(_texts(lines)) == text
    for line in lines:
        line.encode("utf-8").decode("utf-8")


def test_the_prefix_reserve_can_be_chosen() -> None:
    text = " ".join(["word"] * 200)
    lines = serialize("PRIVMSG", {"target": "#c", "message": text}, prefix_reserve=400)
    assert all(len(line.encode()) + 2 + 400 <= MAX_LINE_BYTES for line in lines)
    assert " ".join(_texts(lines)) == text


def test_the_encoding_decides_the_byte_count() -> None:
    text = "\xe9" * 400  # 400 bytes in latin-1, 800 in UTF-8
    assert len(serialize("PRIVMSG", {"target": "#c", "message": text}, encoding="latin-1")) == 2
    assert len(serialize("PRIVMSG", {"target": "#c", "message": text})) == 3


def test_a_target_too_long_to_leave_room_for_text_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="no room"):
        send("PRIVMSG", target="#" + "c" * 500, message="hi")


def test_a_character_longer_than_the_room_left_is_refused() -> None:
    # Leave 3 bytes for the text: room for "abc", not for a 4-byte emoji.
    target = "#" + "c" * (MAX_LINE_BYTES - 2 - DEFAULT_PREFIX_RESERVE - len("PRIVMSG # :") - 3)
    assert send("PRIVMSG", target=target, message="abc") == [f"PRIVMSG {target} :abc"]
    with pytest.raises(InvalidMessage, match="needs more than the 3 bytes"):
        send("PRIVMSG", target=target, message="\U0001f600")


@pytest.mark.parametrize(("text", "budget", "pieces"), [
    ("hello world", 20, ["hello world"]),
    ("hello world", 5, ["hello", "world"]),
    ("hello world", 8, ["hello", "world"]),
    ("a b c d e", 3, ["a b", "c d", "e"]),
    ("abcdefgh", 3, ["abc", "def", "gh"]),
    ("ab cdefgh", 3, ["ab", "cde", "fgh"]),
    ("\u20ac\u20ac\u20ac", 7, ["\u20ac\u20ac", "\u20ac"]),
    ("x", 1, ["x"]),
])
def test_split_text_cuts_at_the_last_space_that_fits(
        text: str, budget: int, pieces: list[str]) -> None:
    assert split_text(text, budget) == pieces


@pytest.mark.parametrize("budget", [0, -5])
def test_split_text_refuses_a_budget_with_no_room(budget: int) -> None:
    with pytest.raises(InvalidMessage):
        split_text("x", budget)


def _rejoins(text: str, pieces: list[str]) -> bool:
    """Can ``pieces`` joined by "" or " " at each cut give ``text`` back?"""
    ends = {0}
    for piece in pieces:
        ends = {end + len(piece) for start in ends for end in (start, start + 1)
                if (end == start or text[start:end] == " ") and text.startswith(piece, end)}
    return len(text) in ends


@settings(max_examples=examples(300), deadline=None)
@given(text=st.text(min_size=1, max_size=300), budget=st.integers(4, 60))
@example(text="\U00010000 ", budget=4)  # a trailing space must not be lost
def test_split_text_pieces_fit_and_give_the_text_back(text: str, budget: int) -> None:
    pieces = split_text(text, budget)
    assert all(piece for piece in pieces)
    assert all(len(piece.encode("utf-8")) <= budget for piece in pieces)
    assert _rejoins(text, pieces)


def test_split_text_of_a_megabyte_fits_and_gives_the_text_back() -> None:
    # Mixed widths, so the per-piece window meets multi-byte characters.
    text = " ".join(f"word{n} café 日本語 👍" for n in range(40_000))
    pieces = split_text(text, 400)
    assert all(len(piece.encode("utf-8")) <= 400 for piece in pieces)
    assert " ".join(pieces) == text


_WORD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" "),
                min_size=1, max_size=4)


@settings(max_examples=examples(300), deadline=None)
@given(words=st.lists(_WORD, min_size=1, max_size=60))
def test_text_cut_only_at_spaces_rejoins_with_single_spaces(words: list[str]) -> None:
    text = " ".join(words)
    assert " ".join(split_text(text, 16)) == text


@settings(max_examples=examples(200), deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" \r\n\0"),
               min_size=1, max_size=400))
def test_text_without_spaces_rejoins_with_nothing_between(text: str) -> None:
    lines = send("PRIVMSG", target="#c", message=text)
    assert all(_fits(line) for line in lines)
    assert "".join(_texts(lines)) == text


# --- other over-long lines ---------------------------------------------------

def test_a_line_of_510_bytes_is_allowed() -> None:
    message = "x" * (MAX_LINE_BYTES - 2 - len("TOPIC #c :"))
    [line] = send("TOPIC", channel="#c", message=message)
    assert len(line.encode()) == MAX_LINE_BYTES - 2


@pytest.mark.parametrize(("command", "kwargs"), [
    ("TOPIC", {"channel": "#c", "message": "x" * (MAX_LINE_BYTES - 1 - len("TOPIC #c :"))}),
    ("KICK", {"channel": "#c", "nick": "n", "message": "x" * 600}),
    ("QUIT", {"message": "\xe9" * 300}),
    ("JOIN", {"channel": [f"#channel{i}" for i in range(100)]}),
])
def test_any_other_line_over_512_bytes_is_refused(command: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage, match="IRC allows 510 plus CRLF"):
        serialize(command, kwargs)


# --- register_pattern --------------------------------------------------------

def test_register_pattern_teaches_send_a_new_command(registry: None) -> None:
    register_pattern("sajoin", "SAJOIN {nick} {channel:comma}")
    assert send("SAJOIN", nick="bob", channel=["#a", "#b"]) == ["SAJOIN bob #a,#b"]
    assert "SAJOIN" in known_commands()


def test_register_pattern_adds_a_second_form_of_a_known_command(registry: None) -> None:
    register_pattern("INVITE", "INVITE")
    assert send("INVITE") == ["INVITE"]
    assert send("INVITE", nick="n", channel="#c") == ["INVITE n #c"]
    assert patterns("invite") == ["INVITE {nick} {channel}", "INVITE"]


def test_a_registered_form_with_more_fields_is_tried_first(registry: None) -> None:
    register_pattern("TAGMSG", "TAGMSG {target} :{text}")
    assert patterns("TAGMSG") == ["TAGMSG {target} :{text}", "TAGMSG {target}"]
    assert send("TAGMSG", target="#c") == ["TAGMSG #c"]
    assert send("TAGMSG", target="#c", text="x y") == ["TAGMSG #c :x y"]


def test_a_registered_command_is_validated_like_the_others(registry: None) -> None:
    register_pattern("KNOCKX", "KNOCKX {channel} :{message:opt}")
    with pytest.raises(InvalidMessage, match="channel="):
        send("KNOCKX", channel="#c\r\nQUIT")
    with pytest.raises(InvalidMessage, match="message="):
        send("KNOCKX", channel="#c", message="a\nb")


def test_register_pattern_is_public() -> None:
    assert bottom.register_pattern is register_pattern


@pytest.mark.parametrize("template", [
    "",
    "{x}",
    ":CMD {x}",
    "CMD :literal",
    "CMD {x",
    "CMD x}",
    "CMD {x}y",
    "CMD {{x}}",
    "CMD {1x}",
    "CMD {}",
    "CMD {x:bogus}",
    "CMD {x:opt|nope}",
    "CMD :{x} {y}",
    "CMD {x} {x}",
    "CMD\0 {x}",
])
def test_register_pattern_refuses_a_malformed_template(registry: None, template: str) -> None:
    with pytest.raises(ValueError, match="invalid pattern"):
        register_pattern("CMD", template)
    assert "CMD" not in known_commands()


@pytest.mark.parametrize("command", ["", "  ", "TWO WORDS"])
def test_register_pattern_refuses_a_bad_command_name(registry: None, command: str) -> None:
    with pytest.raises(ValueError, match="invalid command name"):
        register_pattern(command, "CMD {x}")


# --- check_raw_line ----------------------------------------------------------

@pytest.mark.parametrize("line", [
    "PRIVMSG #c :hi",
    "@+k=v PRIVMSG #c :hi",
    "@+k=" + "v" * 2000 + " PRIVMSG #c :hi",
    "PRIVMSG #c :" + "x" * (MAX_LINE_BYTES - 2 - len("PRIVMSG #c :")),
])
def test_check_raw_line_returns_a_valid_line(line: str) -> None:
    assert check_raw_line(line) == line


@pytest.mark.parametrize("line", ["PRIVMSG #c :a\r\nQUIT", "PRIVMSG #c :a\nb",
                                  "PRIVMSG #c :a\rb", "PRIVMSG #c :a\0b", "PING\r\n"])
def test_check_raw_line_refuses_cr_lf_or_nul(line: str) -> None:
    with pytest.raises(InvalidMessage, match="raw line not sent: it contains"):
        check_raw_line(line)


@pytest.mark.parametrize("line", ["", "   "])
def test_check_raw_line_refuses_an_empty_line(line: str) -> None:
    with pytest.raises(InvalidMessage, match="empty"):
        check_raw_line(line)


def test_check_raw_line_refuses_a_line_over_512_bytes() -> None:
    with pytest.raises(InvalidMessage, match="IRC allows 510"):
        check_raw_line("PRIVMSG #c :" + "x" * (MAX_LINE_BYTES - 1 - len("PRIVMSG #c :")))


def test_check_raw_line_never_repeats_a_password() -> None:
    with pytest.raises(InvalidMessage) as info:
        check_raw_line("PASS s3cret\r\n")
    assert "s3cret" not in str(info.value)
