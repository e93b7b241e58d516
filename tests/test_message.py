"""bottom.message: one IRC line <-> Message, tag escaping, nick/user/host."""

from __future__ import annotations

import contextlib
import copy
import pickle

import pytest
from helpers import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import messages, tag_values

import bottom
from bottom.errors import BottomError, InvalidMessage
from bottom.message import (
    Message,
    escape_tag_value,
    format_tags,
    parse_tags,
    split_source,
    unescape_tag_value,
)

# --- parse and str -----------------------------------------------------------

# Lines that are exactly what str() writes for the Message: drives both ways.
CANONICAL = [
    ("PING", Message("PING")),
    ("PING :", Message("PING", [""])),
    ("PING irc.test", Message("PING", ["irc.test"])),
    ("PRIVMSG #chan :hello world", Message("PRIVMSG", ["#chan", "hello world"])),
    (":nick!user@host PRIVMSG #chan :hello world",
     Message("PRIVMSG", ["#chan", "hello world"], source="nick!user@host")),
    (":irc.test 001 bot :Welcome to the TestNet IRC Network",
     Message("001", ["bot", "Welcome to the TestNet IRC Network"], source="irc.test")),
    ("@time=2024-01-01T00:00:00.000Z;msgid=abc :n!u@h PRIVMSG #c hi",
     Message("PRIVMSG", ["#c", "hi"], source="n!u@h",
             tags={"time": "2024-01-01T00:00:00.000Z", "msgid": "abc"})),
    ("@+example.org/x=a\\sb TAGMSG #caps",
     Message("TAGMSG", ["#caps"], tags={"+example.org/x": "a b"})),
    ("@inspircd.org/echo;label=1 :n!u@h PRIVMSG #c :x y",
     Message("PRIVMSG", ["#c", "x y"], source="n!u@h",
             tags={"inspircd.org/echo": "", "label": "1"})),
    ("MODE #chan +ov alice bob", Message("MODE", ["#chan", "+ov", "alice", "bob"])),
    ("PRIVMSG #c ::-)", Message("PRIVMSG", ["#c", ":-)"])),
    ("PRIVMSG #c :a  b ", Message("PRIVMSG", ["#c", "a  b "])),
    ("USER guest 0 * :Real Name", Message("USER", ["guest", "0", "*", "Real Name"])),
    (":n!u@2001:db8::1 JOIN #c", Message("JOIN", ["#c"], source="n!u@2001:db8::1")),
    ("CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL",
     Message("CAP", ["*", "LS", "*", "multi-prefix sasl=PLAIN,EXTERNAL"])),
    ("PRIVMSG #c :caf\xe9 \u2603 \U0001f600",
     Message("PRIVMSG", ["#c", "caf\xe9 \u2603 \U0001f600"])),
    ("privmsg #c tab\there", Message("privmsg", ["#c", "tab\there"])),
]


@pytest.mark.parametrize(("line", "msg"), CANONICAL, ids=[line for line, _ in CANONICAL])
def test_parse_reads_a_line_into_its_message(line: str, msg: Message) -> None:
    assert Message.parse(line) == msg


@pytest.mark.parametrize(("line", "msg"), CANONICAL, ids=[line for line, _ in CANONICAL])
def test_str_writes_a_message_as_its_line(line: str, msg: Message) -> None:
    assert str(msg) == line


# Lines servers send that str() would write differently; parse is lenient.
LENIENT = [
    ("PRIVMSG  #c   :hi", Message("PRIVMSG", ["#c", "hi"])),
    (":src AWAY ", Message("AWAY", source="src")),
    ("JOIN :#chan", Message("JOIN", ["#chan"])),
    (" PING :x", Message("PING", ["x"])),
    ("@a=b  :src  CMD  x  ", Message("CMD", ["x"], tags={"a": "b"}, source="src")),
    ("@ PING :x", Message("PING", ["x"])),
    ("@;;a=1; PING", Message("PING", tags={"a": "1"})),
    ("MODE #c +n ", Message("MODE", ["#c", "+n"])),
    ("PRIVMSG #c :a\rb", Message("PRIVMSG", ["#c", "a\rb"])),
    ("PRIVMSG #c a\0b", Message("PRIVMSG", ["#c", "a\0b"])),
]


@pytest.mark.parametrize(("line", "msg"), LENIENT, ids=[line for line, _ in LENIENT])
def test_parse_accepts_the_odd_spacing_servers_send(line: str, msg: Message) -> None:
    assert Message.parse(line) == msg


def test_parse_keeps_an_empty_trailing_parameter() -> None:
    assert Message.parse("TOPIC #c :").params == ("#c", "")


def test_parse_keeps_the_command_case_as_sent() -> None:
    assert Message.parse("privmsg #c :x").command == "privmsg"


def test_parse_returns_params_as_a_tuple() -> None:
    assert type(Message.parse("PRIVMSG #c :x").params) is tuple


PARSE_ERRORS = [
    ("", "empty line"),
    ("   ", "empty line"),
    ("@a=b", "no command"),
    ("@a=b   ", "no command"),
    (":src", "no command"),
    ("@a=b :src", "no command"),
    (":src :text", "no command"),
    (":src   ", "no command"),
    ("\r", "no command"),         # a "\r\r\n" blank line, less one CR
    ("\t", "no command"),
    (":src \r", "no command"),
    ("@a=1 \r :x", "no command"),
]


@pytest.mark.parametrize(("line", "problem"), PARSE_ERRORS, ids=repr)
def test_parse_refuses_a_line_without_a_command(line: str, problem: str) -> None:
    with pytest.raises(InvalidMessage, match=problem):
        Message.parse(line)


def test_parse_errors_are_value_errors_and_bottom_errors() -> None:
    with pytest.raises(ValueError) as info:
        Message.parse("")
    assert isinstance(info.value, InvalidMessage)
    assert isinstance(info.value, BottomError)
    assert bottom.InvalidMessage is InvalidMessage


STR_ERRORS = [
    (Message("PRIVMSG", ["two words", "x"]), "middle parameter 'two words'"),
    (Message("PRIVMSG", [":x", "y"]), "middle parameter ':x'"),
    (Message("PRIVMSG", ["", "y"]), "middle parameter ''"),
    (Message(""), "invalid command ''"),
    (Message("PRIV MSG"), "invalid command 'PRIV MSG'"),
    (Message(":PRIVMSG"), "invalid command"),
    (Message("@PRIVMSG"), "invalid command"),
    (Message("PING", source=""), "invalid source ''"),
    (Message("PING", source="a b"), "invalid source 'a b'"),
    (Message("PRIVMSG", ["#c", "a\r\nQUIT"]), "CR, LF or NUL"),
    (Message("PRIVMSG", ["#c", "a\nb"]), "CR, LF or NUL"),
    (Message("PRIVMSG", ["#c", "a\0b"]), "CR, LF or NUL"),
    (Message("PRIVMSG", ["#c\r", "a"]), "CR, LF or NUL"),
    (Message("PING\n", ["x"]), "CR, LF or NUL"),
    (Message("PING", source="a\nb"), "CR, LF or NUL"),
    (Message("PING", tags={"a b": "x"}), "invalid tag key 'a b'"),
    (Message("PING", tags={"a;b": "x"}), "invalid tag key"),
    (Message("PING", tags={"a=b": "x"}), "invalid tag key"),
    (Message("PING", tags={"a\nb": "x"}), "invalid tag key"),
    (Message("PING", tags={"": "x"}), "invalid tag key ''"),
    (Message("PING", tags={"a": "x\0y"}), "NUL"),
]


@pytest.mark.parametrize(("msg", "problem"), STR_ERRORS, ids=repr)
def test_str_refuses_a_message_no_line_can_carry(msg: Message, problem: str) -> None:
    with pytest.raises(InvalidMessage, match=problem.replace("(", r"\(")):
        str(msg)


def test_str_puts_a_colon_only_before_a_last_parameter_that_needs_it() -> None:
    assert str(Message("NICK", ["new"])) == "NICK new"
    assert str(Message("QUIT", ["bye now"])) == "QUIT :bye now"
    assert str(Message("QUIT", [":)"])) == "QUIT ::)"
    assert str(Message("QUIT", [""])) == "QUIT :"


def test_str_never_ends_with_crlf() -> None:
    assert not str(Message("PING", ["x"])).endswith(("\r", "\n"))


# --- tag escaping ------------------------------------------------------------

ESCAPES = [
    (";", "\\:"),
    (" ", "\\s"),
    ("\\", "\\\\"),
    ("\r", "\\r"),
    ("\n", "\\n"),
    ("a b;c\\d\r\ne", "a\\sb\\:c\\\\d\\r\\ne"),
    ("plain", "plain"),
    ("", ""),
]


@pytest.mark.parametrize(("value", "escaped"), ESCAPES, ids=repr)
def test_escape_tag_value_writes_the_ircv3_escapes(value: str, escaped: str) -> None:
    assert escape_tag_value(value) == escaped


@pytest.mark.parametrize(("value", "escaped"), ESCAPES, ids=repr)
def test_unescape_tag_value_reads_the_ircv3_escapes(value: str, escaped: str) -> None:
    assert unescape_tag_value(escaped) == value


UNESCAPE_ODDITIES = [
    ("value\\", "value"),          # a lone trailing backslash is dropped
    ("\\", ""),
    ("value\\1", "value1"),        # an unknown escape keeps the character
    ("\\b\\t\\0", "bt0"),
    ("value\\\\ntest", "value\\ntest"),  # read one character at a time
    ("\\\\\\\\\\:\\\\s\\s\\r\\n", "\\\\;\\s \r\n"),
    ("a=b", "a=b"),
]


@pytest.mark.parametrize(("escaped", "value"), UNESCAPE_ODDITIES, ids=repr)
def test_unescape_tag_value_handles_odd_escapes_like_the_spec(escaped: str, value: str) -> None:
    assert unescape_tag_value(escaped) == value


@settings(max_examples=examples(200), deadline=None)
@given(tag_values())
def test_unescape_undoes_escape_for_any_value(value: str) -> None:
    assert unescape_tag_value(escape_tag_value(value)) == value


@settings(max_examples=examples(200), deadline=None)
@given(tag_values())
def test_an_escaped_value_has_no_character_that_ends_the_tag_section(value: str) -> None:
    assert not set(escape_tag_value(value)) & {";", " ", "\r", "\n"}


PARSED_TAGS = [
    ("a=b", {"a": "b"}),
    ("a", {"a": ""}),           # missing value
    ("a=", {"a": ""}),          # empty value: the same thing
    ("a;b=;c=d", {"a": "", "b": "", "c": "d"}),
    ("a=1;a=2", {"a": "2"}),    # duplicate keys: the last wins
    ("a=1;b=2;a", {"a": "", "b": "2"}),
    ("a=x=y", {"a": "x=y"}),    # only the first '=' splits
    ("a=b\\sc", {"a": "b c"}),
    (";;a=1;", {"a": "1"}),     # empty items are skipped
    ("=v;a=1", {"a": "1"}),     # so is an item without a key
    ("", {}),
    ("+example.com/typing=active", {"+example.com/typing": "active"}),
]


@pytest.mark.parametrize(("text", "tags"), PARSED_TAGS, ids=repr)
def test_parse_tags_reads_each_tag(text: str, tags: dict[str, str]) -> None:
    assert parse_tags(text) == tags


def test_parse_reads_tags_off_a_whole_line() -> None:
    msg = Message.parse("@a=1;b;c=x\\sy;a=2 :n!u@h PRIVMSG #c :hi")
    assert msg.tags == {"a": "2", "b": "", "c": "x y"}


def test_format_tags_writes_an_empty_or_none_value_as_the_bare_key() -> None:
    assert format_tags({"a": "", "b": None, "c": "1"}) == "a;b;c=1"


def test_format_tags_escapes_values() -> None:
    assert format_tags({"+x": "a b;c"}) == "+x=a\\sb\\:c"


# --- nick, user, host --------------------------------------------------------

SOURCES = [
    ("nick!user@host", ("nick", "user", "host")),
    ("nick!~user@127.0.0.1", ("nick", "~user", "127.0.0.1")),
    ("nick!u@2001:db8::1", ("nick", "u", "2001:db8::1")),
    ("irc.example.com", ("irc.example.com", None, None)),
    ("nick", ("nick", None, None)),
    ("nick@host", ("nick", None, "host")),
    ("nick!user", ("nick", "user", None)),
    ("!@", (None, None, None)),
    ("nick!@host", ("nick", None, "host")),
    ("!user@host", (None, "user", "host")),
    ("nick!user@", ("nick", "user", None)),
    ("nick!user@host@extra", ("nick", "user", "host@extra")),
]


@pytest.mark.parametrize(("source", "parts"), SOURCES, ids=[s for s, _ in SOURCES])
def test_split_source_gives_nick_user_host(
        source: str, parts: tuple[str | None, str | None, str | None]) -> None:
    assert split_source(source) == parts


@pytest.mark.parametrize(("source", "parts"), SOURCES, ids=[s for s, _ in SOURCES])
def test_message_nick_user_host_come_from_its_source(
        source: str, parts: tuple[str | None, str | None, str | None]) -> None:
    msg = Message.parse(f":{source} PRIVMSG #c :hi")
    assert (msg.nick, msg.user, msg.host) == parts


def test_a_message_without_a_source_has_no_nick_user_or_host() -> None:
    msg = Message.parse("PING :x")
    assert (msg.source, msg.nick, msg.user, msg.host) == (None, None, None, None)
    assert split_source(None) == (None, None, None)
    assert split_source("") == (None, None, None)


# --- the Message object ------------------------------------------------------

def test_message_keyword_names_are_command_params_tags_source() -> None:
    msg = Message(command="PRIVMSG", params=["#c", "x"], tags={"a": "1"}, source="n!u@h")
    assert (msg.command, msg.params, msg.tags, msg.source) == (
        "PRIVMSG", ("#c", "x"), {"a": "1"}, "n!u@h")


def test_a_new_message_has_no_params_no_tags_and_no_source() -> None:
    msg = Message("PING")
    assert (msg.params, msg.tags, msg.source) == ((), {}, None)


def test_messages_with_the_same_fields_are_equal() -> None:
    assert Message("PRIVMSG", ["#c", "x"], {"a": "1"}, "n") == Message(
        "PRIVMSG", ("#c", "x"), {"a": "1"}, "n")


def test_no_tags_and_empty_tags_are_equal() -> None:
    assert Message("PING", tags=None) == Message("PING", tags={})


@pytest.mark.parametrize("other", [
    Message("NOTICE", ["#c", "x"], {"a": "1"}, "n"),
    Message("PRIVMSG", ["#c", "y"], {"a": "1"}, "n"),
    Message("PRIVMSG", ["#c", "x"], {"a": "2"}, "n"),
    Message("PRIVMSG", ["#c", "x"], {"a": "1"}, "m"),
    Message("PRIVMSG", ["#c", "x"], {"a": "1"}, None),
], ids=["command", "params", "tags", "source", "no source"])
def test_messages_differing_in_one_field_are_not_equal(other: Message) -> None:
    assert Message("PRIVMSG", ["#c", "x"], {"a": "1"}, "n") != other


def test_a_message_never_equals_its_line() -> None:
    assert Message("PING") != "PING"


def test_a_message_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(Message("PING"))


def test_a_message_copies_the_tags_it_is_given() -> None:
    tags = {"a": "1"}
    msg = Message("PING", tags=tags)
    tags["a"] = "2"
    assert msg.tags == {"a": "1"}


def test_replace_returns_a_new_message_with_the_changes() -> None:
    msg = Message.parse(":n!u@h PRIVMSG #c :hi")
    changed = msg.replace(params=["#d", "bye"])
    assert changed == Message("PRIVMSG", ["#d", "bye"], source="n!u@h")
    assert msg.params == ("#c", "hi")


def test_replace_refuses_a_field_a_message_does_not_have() -> None:
    with pytest.raises(TypeError, match="nick"):
        Message("PING").replace(nick="x")


def test_repr_names_every_field() -> None:
    text = repr(Message("PING", ["x"], {"a": "1"}, "src"))
    assert text == "Message(command='PING', params=('x',), tags={'a': '1'}, source='src')"


# --- properties --------------------------------------------------------------

@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_str_then_parse_returns_an_equal_message(msg: Message) -> None:
    assert Message.parse(str(msg)) == msg


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_str_of_a_valid_message_is_one_line(msg: Message) -> None:
    line = str(msg)
    assert not set(line) & {"\r", "\n", "\0"}


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=600))
def test_parse_of_any_text_returns_or_raises_value_error(line: str) -> None:
    with contextlib.suppress(ValueError):
        Message.parse(line)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=" :@!;=\\\r\n\0\tab1#", max_size=60))
def test_parse_of_hostile_text_returns_a_message_with_a_command_or_raises(line: str) -> None:
    try:
        msg = Message.parse(line)
    except InvalidMessage:
        return
    assert msg.command
    assert " " not in msg.command and not msg.command.startswith(":")
    assert all(" " not in param for param in msg.params[:-1])


# --- immutability ------------------------------------------------------------

FIELDS = ["command", "params", "tags", "source"]
BUILT = [pytest.param(Message.parse("@a=1 :n!u@h PRIVMSG #c :hi"), id="parsed"),
         pytest.param(Message("PRIVMSG", ["#c", "hi"], {"a": "1"}, "n!u@h"), id="constructed")]


@pytest.mark.parametrize("msg", BUILT)
@pytest.mark.parametrize("field", FIELDS)
def test_a_field_of_a_message_cannot_be_assigned(msg: Message, field: str) -> None:
    before = getattr(msg, field)
    with pytest.raises(AttributeError, match=f"immutable: cannot set '{field}'"):
        setattr(msg, field, before)
    with pytest.raises(AttributeError, match=f"immutable: cannot delete '{field}'"):
        delattr(msg, field)
    assert getattr(msg, field) == before


@pytest.mark.parametrize("msg", BUILT)
def test_a_message_takes_no_new_attributes(msg: Message) -> None:
    with pytest.raises(AttributeError, match="immutable"):
        msg.extra = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("msg", BUILT)
def test_copies_and_pickles_of_a_message_are_equal_messages(msg: Message) -> None:
    for made in (copy.copy(msg), copy.deepcopy(msg), pickle.loads(pickle.dumps(msg))):
        assert type(made) is Message
        assert made == msg
        with pytest.raises(AttributeError):
            made.command = "NOTICE"  # type: ignore[misc]


def test_the_tags_of_a_parsed_line_are_decoded_once_on_first_read() -> None:
    msg = Message.parse("@a=x\\sy;b;a=2;c=\\: PING")
    first = msg.tags
    assert first == {"a": "2", "b": "", "c": ";"}
    assert msg.tags is first
    assert Message.parse("PING").tags == {}


class Line(Message):
    """A user's subclass: parse() must give one of these."""

    __slots__ = ("note",)


def test_parse_on_a_subclass_gives_the_subclass() -> None:
    msg = Line.parse("@a=1 :src CMD x :y z")
    assert type(msg) is Line
    assert (msg.command, msg.params, msg.tags, msg.source) == ("CMD", ("x", "y z"), {"a": "1"},
                                                              "src")
    assert msg == Message("CMD", ["x", "y z"], {"a": "1"}, "src")


# --- parse against the grammar, written the slow way --------------------------

def reference_parse(line: str) -> tuple[dict[str, str], str | None, str, tuple[str, ...]]:
    """The grammar of the module docstring, one step at a time, for parse()
    to agree with: tags up to the first space, a ``:`` source, then words
    separated by runs of spaces, everything after the first `` :`` one
    parameter.  Raises InvalidMessage where parse() must."""
    rest, tags, source = line, {}, None
    if rest.startswith("@"):
        tag_text, _, rest = rest.partition(" ")
        tags = parse_tags(tag_text[1:])
        rest = rest.lstrip(" ")
    if rest.startswith(":"):
        prefix, _, rest = rest.partition(" ")
        source = prefix[1:] or None
        rest = rest.lstrip(" ")
    head, colon, trailing = rest.partition(" :")
    words = [word for word in head.split(" ") if word]
    if not words:
        raise InvalidMessage("empty line" if not line.strip(" ") else "no command")
    if words[0].startswith(":") or words[0].isspace():
        raise InvalidMessage("no command")
    return tags, source, words[0], (*words[1:], *([trailing] if colon else []))


# Lines made of the characters that steer the parser, so that runs of
# spaces, stray colons and tag sections come up often.
irc_ish = st.text(alphabet=st.sampled_from(list(" :@;=\\\r\tAbc#1é")), max_size=40)


@settings(max_examples=examples(1000), deadline=None)
@given(irc_ish)
def test_parse_agrees_with_the_grammar_on_any_line(line: str) -> None:
    try:
        expected = reference_parse(line)
    except InvalidMessage as error:
        with pytest.raises(InvalidMessage, match=str(error).split()[0]):
            Message.parse(line)
        return
    msg = Message.parse(line)
    assert (msg.tags, msg.source, msg.command, msg.params) == expected
