"""bottom.options: every bad argument is refused where it is written, by name."""

from __future__ import annotations

import inspect
import math
import ssl
from typing import Any

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.client import Client
from bottom.commands import check_raw_line, serialize
from bottom.options import (
    check_client_options,
    check_command,
    check_event,
    check_raw,
    check_tags,
)
from bottom.reconnect import ReconnectPolicy

VALID: dict[str, Any] = dict(
    host="irc.example.net", port=6697, ssl=True, encoding="utf-8", loop=None, auto_pong=True,
    flood_control=True, flood_burst=5, flood_rate=1.0, ping_interval=90.0, ping_timeout=60.0,
    connect_timeout=30.0, max_line_bytes=65536, reconnect=False, nick="bot", username="bot",
    realname="A bot", password="pass word", sasl=("account", "secret"),
    caps=("multi-prefix",), alt_nicks=("bot_",), register_timeout=60.0, ctcp_replies=True,
    ctcp_version="bottom", disconnect_timeout=10.0, track_state=True, who_on_join=True,
    rejoin=True, max_tracked_users=200_000, max_tracked_channels=10_000,
    sasl_mechanisms=("SCRAM-SHA-256", "PLAIN"), proxy=None, local_addr=None,
    happy_eyeballs_delay=None, transport="tcp", url=None, sts=False, sts_store=None,
)

not_number = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.lists(st.integers()))
bad_number = st.one_of(st.floats(max_value=0), st.integers(max_value=0),
                       st.just(math.inf), st.just(math.nan))
line_breaking = st.sampled_from(["\r", "\n", "\0"])
not_str = st.one_of(st.integers(), st.binary(min_size=1), st.lists(st.text()), st.booleans())
not_flag = st.one_of(st.none(), st.integers(), st.text(max_size=3))


def _with_char(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.text("abc", max_size=3), chars, st.text("abc", max_size=3)).map(
        "".join)


INVALID: dict[str, st.SearchStrategy[Any]] = {
    "host": st.one_of(st.none(), not_str, st.just(""), st.just("  "),
                      _with_char(st.sampled_from(["\r", "\n", "\0", " "]))),
    "port": st.one_of(st.integers(max_value=-1), st.integers(min_value=65536), st.booleans(),
                      st.none(), st.floats(), st.text(max_size=5)),
    "ssl": st.one_of(st.none(), st.integers(), st.text(max_size=3)),
    "encoding": st.one_of(st.sampled_from(["utf-16", "utf-32", "utf-16-le", "UTF-32BE",
                                           "no-such-codec", "rot13", "", "base64"]),
                          not_str),
    "loop": st.one_of(st.integers(), st.text(max_size=3), st.booleans()),
    "flood_burst": st.one_of(st.integers(max_value=0), st.floats(), st.booleans(), st.none()),
    "max_line_bytes": st.one_of(st.integers(max_value=511), st.floats(), st.booleans(),
                                st.none()),
    "reconnect": st.one_of(st.none(), st.integers(), st.text(max_size=3)),
    "nick": st.one_of(not_str, st.just(""), _with_char(st.sampled_from(["\r", "\n", "\0", " "])),
                      st.text(max_size=3).map(lambda s: ":" + s)),
    "username": st.one_of(not_str, st.just(""),
                          _with_char(st.sampled_from(["\r", "\n", "\0", " "]))),
    "realname": st.one_of(not_str, _with_char(line_breaking)),
    "password": st.one_of(not_str, st.just(""), _with_char(line_breaking)),
    "sasl": st.one_of(st.integers(), st.sampled_from(["PLAIN", "", "SCRAM-SHA-256"]),
                      st.tuples(st.text(max_size=3)), st.tuples(st.integers(), st.text()),
                      st.just(("", "pw")), st.just(("acct", "a\0b"))),
    "caps": st.one_of(st.text(max_size=5), st.integers(), st.lists(st.integers(), min_size=1),
                      st.just(["a b"]), st.just([""])),
    "alt_nicks": st.one_of(st.text(max_size=5), st.integers(),
                           st.lists(st.integers(), min_size=1), st.just(["a b"]),
                           st.just([":x"])),
    "ctcp_version": st.one_of(st.none(), not_str, _with_char(line_breaking)),
    "flood_rate": st.one_of(not_number, bad_number),
    "ping_interval": st.one_of(st.booleans(), st.text(max_size=3), bad_number),
    "ping_timeout": st.one_of(not_number, bad_number),
    "connect_timeout": st.one_of(not_number, bad_number),
    "register_timeout": st.one_of(st.booleans(), st.text(max_size=3), bad_number),
    "disconnect_timeout": st.one_of(not_number, st.floats(max_value=-0.001),
                                    st.just(math.inf), st.just(math.nan)),
    "auto_pong": not_flag, "flood_control": not_flag, "ctcp_replies": not_flag,
    "track_state": st.one_of(st.integers(), st.text(max_size=3)),
    "who_on_join": not_flag, "rejoin": not_flag, "sts": not_flag,
    "sts_store": st.one_of(st.integers(), st.text(max_size=3), st.just({})),
    "max_tracked_users": st.one_of(st.integers(max_value=0), st.floats(), st.booleans(),
                                   st.none()),
    "max_tracked_channels": st.one_of(st.integers(max_value=0), st.floats(), st.booleans(),
                                      st.none()),
    "sasl_mechanisms": st.one_of(st.text(max_size=5), st.integers(), st.just(()),
                                 st.just(("SCRAM-MD5",)),
                                 st.lists(st.integers(), min_size=1), st.just([""])),
    # Checked through transport.check_keyword:
    "proxy": st.one_of(st.integers(), st.sampled_from(["ftp://h:1", "socks5://", "nonsense"])),
    "local_addr": st.one_of(st.integers(), st.just(("127.0.0.1",)), st.just("127.0.0.1")),
    "happy_eyeballs_delay": st.one_of(st.text(max_size=3), st.just(-1.0)),
    "transport": st.one_of(st.integers(), st.sampled_from(["udp", "", "TCP "])),
    "url": st.one_of(st.integers(), st.sampled_from(["http://x", "ws://"])),
}


def test_the_valid_defaults_pass() -> None:
    checked = check_client_options(**VALID)
    assert checked == VALID



def test_every_keyword_has_invalid_values_to_try() -> None:
    assert set(INVALID) == set(VALID)


def test_every_client_keyword_is_checked() -> None:
    keywords = set(inspect.signature(Client.__init__).parameters) - {"self"}
    assert keywords <= set(VALID)


@pytest.mark.parametrize("name", sorted(INVALID))
@settings(max_examples=examples(15), deadline=None)
@given(data=st.data())
def test_every_invalid_value_is_refused_by_name(name: str, data: st.DataObject) -> None:
    value = data.draw(INVALID[name], label=name)
    with pytest.raises((TypeError, ValueError)) as info:
        check_client_options(**{**VALID, name: value})
    assert name in str(info.value)
    if name == "password":
        assert "pass word" not in str(info.value)


@pytest.mark.parametrize("name, value", [
    ("ssl", ssl.create_default_context()), ("ssl", False), ("reconnect", ReconnectPolicy()),
    ("reconnect", True), ("ping_interval", None), ("register_timeout", None), ("nick", None),
    ("username", None), ("password", None), ("sasl", None), ("sasl", "external"),
    ("encoding", "latin-1"), ("encoding", "cp1252"), ("port", 0), ("port", 65535),
    ("max_line_bytes", 512), ("flood_rate", 0.5), ("disconnect_timeout", 0),
    ("realname", ""), ("caps", []), ("host", "::1"), ("proxy", "socks5://u:p@h:1080"),
    ("local_addr", ("::", 0)), ("happy_eyeballs_delay", 0.25), ("url", "wss://h/irc"),
])
def test_valid_edge_values_are_taken(name: str, value: Any) -> None:
    check_client_options(**{**VALID, name: value})


def test_iterables_are_read_once_and_returned_as_tuples() -> None:
    checked = check_client_options(caps=(c for c in ["a", "b"]), alt_nicks=iter(["x"]))
    assert checked == {"caps": ("a", "b"), "alt_nicks": ("x",)}


@pytest.mark.parametrize("keywords, error, words", [
    (dict(nick=123), TypeError, "nick must be a str"),
    (dict(port=70000), ValueError, "port must be an int from 0 to 65535"),
    (dict(host=None), TypeError, "host must be a non-empty str"),
    (dict(encoding="utf-16"), ValueError, "not ASCII-compatible"),
    (dict(max_line_bytes=0), ValueError, "max_line_bytes must be an int >= 512"),
    (dict(ping_timeout=0), ValueError, "ping_timeout must be a finite number of seconds > 0"),
    (dict(ping_interval=-1), ValueError, "None (off)"),
])
def test_the_messages_name_the_argument_and_the_range(keywords: dict[str, Any],
                                                      error: type[Exception],
                                                      words: str) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_client_options(**keywords)


# -- per call ----------------------------------------------------------------------

@pytest.mark.parametrize("command", [None, 5, b"PRIVMSG"])
def test_send_refuses_a_command_that_is_not_a_str(command: Any) -> None:
    with pytest.raises(TypeError, match="command must be a str"):
        check_command(command)
    with pytest.raises(TypeError, match="command"):
        serialize(command, {})


def test_send_refuses_an_empty_command() -> None:
    with pytest.raises(ValueError, match="command must not be empty"):
        check_command(" ")


@pytest.mark.parametrize("tags, words", [
    ({"k": 5}, r"tags\['k'\] must be a str or None"),
    ([("k", "v")], "tags must be a mapping"),
    ({5: "v"}, "tags keys must be str"),
    ({"k": b"v"}, r"tags\['k'\]"),
])
def test_send_refuses_tags_that_are_not_str_to_str(tags: Any, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        check_tags(tags)
    with pytest.raises(TypeError, match=words):
        serialize("PRIVMSG", {"target": "#c", "message": "hi"}, tags=tags)


def test_send_refuses_a_bytes_message_instead_of_sending_its_repr() -> None:
    with pytest.raises(TypeError, match="message= must be a str, not bytes"):
        serialize("PRIVMSG", {"target": "#c", "message": b"bytes"})
    assert serialize("PRIVMSG", {"target": "#c", "message": 5}) == ["PRIVMSG #c :5"]


@pytest.mark.parametrize("line", [None, b"PING :x", 5])
def test_send_raw_refuses_a_line_that_is_not_a_str(line: Any) -> None:
    with pytest.raises(TypeError, match="line must be a str"):
        check_raw(line)
    with pytest.raises(TypeError, match="line must be a str"):
        check_raw_line(line)


@pytest.mark.parametrize("event, error", [("", ValueError), ("  ", ValueError),
                                          (None, TypeError), (5, TypeError)])
def test_event_names_must_be_non_empty_strings(event: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="event"):
        check_event(event)
    assert check_event("privmsg") == "privmsg"


CLIENT_KEYWORDS = set(inspect.signature(Client.__init__).parameters) - {"self"}


@pytest.mark.parametrize("name", sorted(CLIENT_KEYWORDS & set(INVALID)))
@settings(max_examples=examples(5), deadline=None)
@given(data=st.data())
def test_the_client_refuses_every_invalid_value_at_construction(name: str,
                                                                data: st.DataObject) -> None:
    value = data.draw(INVALID[name], label=name)
    valid = {key: VALID[key] for key in CLIENT_KEYWORDS}
    with pytest.raises((TypeError, ValueError)) as info:
        Client(**{**valid, name: value})
    assert name in str(info.value)


async def test_the_client_checks_send_send_raw_on_and_wait_at_the_call() -> None:
    client = Client("127.0.0.1", 6667)
    with pytest.raises(TypeError, match="command"):
        client.send(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="line"):
        client.send_raw(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tags"):
        client.send("privmsg", target="#c", message="hi", tags=[("k", "v")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="message"):
        client.send("privmsg", target="#c", message=b"bytes")
    with pytest.raises(ValueError, match="event"):
        client.on("", print)
    with pytest.raises(ValueError, match="event"):
        await client.wait("")



@pytest.mark.parametrize(("keywords", "error", "text"), [
    ({"track_state": "yes"}, TypeError, "track_state must be True or False"),
    ({"who_on_join": 1}, TypeError, "who_on_join must be True or False"),
    ({"rejoin": None}, TypeError, "rejoin must be True or False"),
    ({"max_tracked_users": 0}, ValueError, "max_tracked_users must be an int >= 1"),
    ({"max_tracked_channels": 2.5}, TypeError, "max_tracked_channels must be an int >= 1"),
    ({"sasl_mechanisms": "PLAIN"}, TypeError, "sasl_mechanisms must be an iterable of str"),
    ({"sasl_mechanisms": ()}, ValueError, r"sasl_mechanisms=\(\): name one or more of"),
])
def test_state_and_sasl_keywords_are_checked(keywords: dict[str, object],
                                             error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        Client("127.0.0.1", 6667, **keywords)
