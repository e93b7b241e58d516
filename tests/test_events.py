"""bottom.events: Message -> (event name, kwargs), names and aliases."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.events import (
    ALIASES,
    EVENT_KWARGS,
    NUMERICS,
    TRACKING_KWARGS,
    canonical_event,
    message_to_event,
)
from bottom.message import Message


def event(line: str) -> tuple[str, dict[str, Any]]:
    return message_to_event(Message.parse(line))


def params(line: str) -> list[str]:
    return list(Message.parse(line).params)


NUH = {"nick": "nick", "user": "~user", "host": "host.example"}
SERVER = {"nick": "irc.test", "user": None, "host": None}
SRC = ":nick!~user@host.example"

# (line, event name, kwargs besides tags).  Numerics' kwargs always hold
# "params" too, which the rows add from the line itself.
COMMANDS: list[tuple[str, str, dict[str, Any]]] = [
    (f"{SRC} PRIVMSG #chan :hello there", "PRIVMSG",
     {**NUH, "target": "#chan", "message": "hello there"}),
    (f"{SRC} PRIVMSG bot :\x01ACTION waves\x01", "CTCP_ACTION",
     {**NUH, "target": "bot", "message": "\x01ACTION waves\x01", "command": "ACTION",
      "args": "waves"}),
    (f"{SRC} PRIVMSG #chan :\x01VERSION\x01", "CTCP_VERSION",
     {**NUH, "target": "#chan", "message": "\x01VERSION\x01", "command": "VERSION",
      "args": ""}),
    (f"{SRC} NOTICE bot :\x01VERSION irssi 1.4\x01", "CTCP_REPLY",
     {**NUH, "target": "bot", "message": "\x01VERSION irssi 1.4\x01", "command": "VERSION",
      "args": "irssi 1.4"}),
    (f"{SRC} PRIVMSG #chan :\x01\x01", "PRIVMSG",
     {**NUH, "target": "#chan", "message": "\x01\x01"}),
    (":irc.test NOTICE * :*** Looking up your hostname...", "NOTICE",
     {**SERVER, "target": "*", "message": "*** Looking up your hostname..."}),
    (f"{SRC} JOIN #chan", "JOIN", {**NUH, "channel": "#chan"}),
    (f"{SRC} JOIN :#chan", "JOIN", {**NUH, "channel": "#chan"}),
    (f"{SRC} JOIN #chan account :Real Name", "JOIN",
     {**NUH, "channel": "#chan", "account": "account", "realname": "Real Name"}),
    (f"{SRC} JOIN #chan * :Real Name", "JOIN",
     {**NUH, "channel": "#chan", "account": None, "realname": "Real Name"}),
    (f"{SRC} PART #chan :see you", "PART", {**NUH, "channel": "#chan", "message": "see you"}),
    (f"{SRC} PART #chan", "PART", {**NUH, "channel": "#chan", "message": ""}),
    (f"{SRC} QUIT :Quit: bye", "QUIT", {**NUH, "message": "Quit: bye"}),
    (f"{SRC} QUIT", "QUIT", {**NUH, "message": ""}),
    (f"{SRC} NICK :newnick", "NICK", {**NUH, "new_nick": "newnick"}),
    (f"{SRC} INVITE bot :#chan", "INVITE", {**NUH, "target": "bot", "channel": "#chan"}),
    (f"{SRC} KICK #chan victim :go away", "KICK",
     {**NUH, "channel": "#chan", "target": "victim", "message": "go away"}),
    (f"{SRC} TOPIC #chan :a new topic", "TOPIC",
     {**NUH, "channel": "#chan", "message": "a new topic"}),
    (f"{SRC} TOPIC #chan :", "TOPIC", {**NUH, "channel": "#chan", "message": ""}),
    (f"{SRC} MODE #chan +ov alice bob", "CHANNELMODE",
     {**NUH, "channel": "#chan", "modes": "+ov", "params": ["alice", "bob"]}),
    (f"{SRC} MODE &local -n", "CHANNELMODE",
     {**NUH, "channel": "&local", "modes": "-n", "params": []}),
    (":bot MODE bot :+iw", "USERMODE",
     {"nick": "bot", "user": None, "host": None, "modes": "+iw"}),
    ("PING :irc.test", "PING", {"message": "irc.test"}),
    ("PING irc.test", "PING", {"message": "irc.test"}),
    ("PING :", "PING", {"message": ""}),
    (":irc.test PONG irc.test :token 1", "PONG",
     {**SERVER, "server": "irc.test", "message": "token 1"}),
    ("PONG :token", "PONG", {"nick": None, "user": None, "host": None,
                             "server": None, "message": "token"}),
    ("ERROR :Closing link: (nick@127.0.0.1) [RecvQ exceeded]", "ERROR",
     {"message": "Closing link: (nick@127.0.0.1) [RecvQ exceeded]"}),
    (":irc.test CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL", "CAP",
     {**SERVER, "target": "*", "subcommand": "LS", "more": True,
      "message": "multi-prefix sasl=PLAIN,EXTERNAL",
      "capabilities": ["multi-prefix", "sasl=PLAIN,EXTERNAL"]}),
    (":irc.test CAP * LS :server-time userhost-in-names ", "CAP",
     {**SERVER, "target": "*", "subcommand": "LS", "more": False,
      "message": "server-time userhost-in-names ",
      "capabilities": ["server-time", "userhost-in-names"]}),
    (":irc.test CAP bot ack :sasl -away-notify", "CAP",
     {**SERVER, "target": "bot", "subcommand": "ACK", "more": False,
      "message": "sasl -away-notify", "capabilities": ["sasl", "-away-notify"]}),
    (":irc.test CAP bot LS", "CAP",
     {**SERVER, "target": "bot", "subcommand": "LS", "more": False, "message": "",
      "capabilities": []}),
    ("AUTHENTICATE +", "AUTHENTICATE", {"message": "+"}),
    (f"{SRC} AWAY :gone fishing", "AWAY", {**NUH, "message": "gone fishing"}),
    (f"{SRC} AWAY", "AWAY", {**NUH, "message": None}),
    (f"{SRC} ACCOUNT acct", "ACCOUNT", {**NUH, "account": "acct"}),
    (f"{SRC} ACCOUNT *", "ACCOUNT", {**NUH, "account": None}),
    (f"{SRC} CHGHOST ident new.host", "CHGHOST",
     {**NUH, "new_user": "ident", "new_host": "new.host"}),
    (f"{SRC} SETNAME :New Real Name", "SETNAME", {**NUH, "realname": "New Real Name"}),
    (f"{SRC} TAGMSG :#caps", "TAGMSG", {**NUH, "target": "#caps"}),
    (":irc.test BATCH +ref1 chathistory #chan", "BATCH",
     {**SERVER, "reference": "ref1", "starting": True, "type": "chathistory",
      "params": ["#chan"], "messages": []}),
    (":irc.test BATCH -ref1", "BATCH",
     {**SERVER, "reference": "ref1", "starting": False, "type": None, "params": [],
      "messages": []}),
    (":oper!o@h WALLOPS :maintenance in 5", "WALLOPS",
     {"nick": "oper", "user": "o", "host": "h", "message": "maintenance in 5"}),
    (":irc.test FAIL REGISTER ACCOUNT_EXISTS acct :Account already exists", "FAIL",
     {**SERVER, "command": "REGISTER", "code": "ACCOUNT_EXISTS", "context": ["acct"],
      "description": "Account already exists"}),
    (":irc.test WARN REHASH CERTS_EXPIRED :Certificate expired", "WARN",
     {**SERVER, "command": "REHASH", "code": "CERTS_EXPIRED", "context": [],
      "description": "Certificate expired"}),
    (":irc.test NOTE * OPER_MESSAGE :hi", "NOTE",
     {**SERVER, "command": "*", "code": "OPER_MESSAGE", "context": [],
      "description": "hi"}),
    (":oper!o@h KILL victim :too spammy", "KILL",
     {"nick": "oper", "user": "o", "host": "h", "target": "victim",
      "message": "too spammy"}),
]

NUMERIC_LINES: list[tuple[str, str, dict[str, Any]]] = [
    (":irc.test 001 bot :Welcome to the TestNet IRC Network bot!u@h", "RPL_WELCOME",
     {"target": "bot", "message": "Welcome to the TestNet IRC Network bot!u@h"}),
    (":irc.test 004 bot irc.test InspIRCd-3 BDHIRSTWcdghikorswxz ACIJKMNOPQRSTYabceghiklmnopqrstvz "
     ":IJYabeghkloqv", "RPL_MYINFO",
     {"target": "bot", "info": ["irc.test", "InspIRCd-3", "BDHIRSTWcdghikorswxz",
                                "ACIJKMNOPQRSTYabceghiklmnopqrstvz"],
      "message": "IJYabeghkloqv"}),
    (":irc.test 005 bot AWAYLEN=200 CASEMAPPING=rfc1459 :are supported by this server",
     "RPL_ISUPPORT",
     {"target": "bot", "info": ["AWAYLEN=200", "CASEMAPPING=rfc1459"],
      "message": "are supported by this server"}),
    (":irc.test 251 bot :There are 0 users and 0 invisible on 1 servers", "RPL_LUSERCLIENT",
     {"target": "bot", "message": "There are 0 users and 0 invisible on 1 servers"}),
    (":irc.test 252 bot 0 :operator(s) online", "RPL_LUSEROP",
     {"target": "bot", "count": 0, "message": "operator(s) online"}),
    (":irc.test 253 bot 1 :unknown connections", "RPL_LUSERUNKNOWN",
     {"target": "bot", "count": 1, "message": "unknown connections"}),
    (":irc.test 254 bot 42 :channels formed", "RPL_LUSERCHANNELS",
     {"target": "bot", "count": 42, "message": "channels formed"}),
    (":irc.test 255 bot :I have 0 clients and 0 servers", "RPL_LUSERME",
     {"target": "bot", "message": "I have 0 clients and 0 servers"}),
    (":irc.test 332 bot #chan :the topic: with colons", "RPL_TOPIC",
     {"target": "bot", "channel": "#chan", "message": "the topic: with colons"}),
    (":irc.test 353 bot = #chan :@op +voice plain", "RPL_NAMREPLY",
     {"target": "bot", "channel_type": "=", "channel": "#chan",
      "users": ["@op", "+voice", "plain"], "userhosts": ["@op", "+voice", "plain"]}),
    (":irc.test 353 bot #chan :a b ", "RPL_NAMREPLY",
     {"target": "bot", "channel_type": None, "channel": "#chan", "users": ["a", "b"],
      "userhosts": ["a", "b"]}),
    (":irc.test 353 bot = #chan :@op!o@h.example plain!p@h", "RPL_NAMREPLY",
     {"target": "bot", "channel_type": "=", "channel": "#chan", "users": ["@op", "plain"],
      "userhosts": ["@op!o@h.example", "plain!p@h"]}),
    (":irc.test 352 bot #chan ~u host.example irc.test nick H@ :0 Real Name", "RPL_WHOREPLY",
     {"target": "bot", "channel": "#chan", "user": "~u", "host": "host.example",
      "server": "irc.test", "nick": "nick", "hg_code": "H@", "hopcount": 0,
      "real_name": "Real Name"}),
    (":irc.test 315 bot #chan :End of /WHO list.", "RPL_ENDOFWHO",
     {"target": "bot", "name": "#chan", "message": "End of /WHO list."}),
    (":irc.test 366 bot #chan :End of /NAMES list.", "RPL_ENDOFNAMES",
     {"target": "bot", "channel": "#chan", "message": "End of /NAMES list."}),
    (":irc.test 372 bot :- Be excellent to each other", "RPL_MOTD",
     {"target": "bot", "message": "- Be excellent to each other"}),
    (":irc.test 376 bot :End of message of the day.", "RPL_ENDOFMOTD",
     {"target": "bot", "message": "End of message of the day."}),
    (":irc.test 422 bot :MOTD File is missing", "ERR_NOMOTD",
     {"target": "bot", "message": "MOTD File is missing"}),
    (":irc.test 433 * bot :Nickname is already in use", "ERR_NICKNAMEINUSE",
     {"target": "*", "nick": "bot", "message": "Nickname is already in use"}),
    (":irc.test 900 bot bot!u@h acct :You are now logged in as acct", "RPL_LOGGEDIN",
     {"target": "bot", "mask": "bot!u@h", "account": "acct",
      "message": "You are now logged in as acct"}),
    (":irc.test 904 bot :SASL authentication failed", "ERR_SASLFAIL",
     {"target": "bot", "message": "SASL authentication failed"}),
    (":irc.test 908 bot PLAIN,EXTERNAL :are available SASL mechanisms", "RPL_SASLMECHS",
     {"target": "bot", "mechanisms": ["PLAIN", "EXTERNAL"],
      "message": "are available SASL mechanisms"}),
    (":irc.test 730 bot :alice!a@h,bob!b@h", "RPL_MONONLINE",
     {"target": "bot", "targets": ["alice!a@h", "bob!b@h"]}),
]

TABLE = COMMANDS + [(line, name, {**kw, "params": params(line)})
                    for line, name, kw in NUMERIC_LINES]
IDS = [f"{name}:{line}" for line, name, _ in TABLE]


@pytest.mark.parametrize(("line", "name", "kwargs"), TABLE, ids=IDS)
def test_a_server_line_becomes_its_event_with_named_kwargs(
        line: str, name: str, kwargs: dict[str, Any]) -> None:
    assert event(line) == (name, {"tags": {}, **kwargs})


@pytest.mark.parametrize(("line", "name", "kwargs"), TABLE, ids=IDS)
def test_every_event_carries_the_line_tags(line: str, name: str, kwargs: Any) -> None:
    tagged = "@time=2024-01-01T00:00:00.000Z;msgid=a\\sb;+draft/reply " + line
    assert event(tagged)[1]["tags"] == {
        "time": "2024-01-01T00:00:00.000Z", "msgid": "a b", "+draft/reply": ""}


@pytest.mark.parametrize("line", ["privmsg #c :hi", "PrivMsg #c :hi"])
def test_commands_are_matched_whatever_their_case(line: str) -> None:
    name, kwargs = event(line)
    assert (name, kwargs["message"]) == ("PRIVMSG", "hi")


@pytest.mark.parametrize(("line", "name", "kwargs"), [
    (f"{SRC} AWAY\r", "AWAY", {**NUH, "message": None}),
    ("PING\r", "PING", {"nick": None, "user": None, "host": None, "params": []}),
    (f"{SRC} frob\r", "FROB", {**NUH, "params": []}),
], ids=["AWAY", "PING", "unknown"])
def test_a_command_left_with_the_cr_of_a_crcrlf_ending_is_still_its_event(
        line: str, name: str, kwargs: dict[str, Any]) -> None:
    assert event(line) == (name, {"tags": {}, **kwargs})


# --- names and aliases -------------------------------------------------------

@pytest.mark.parametrize(("spelling", "name"), [
    ("001", "RPL_WELCOME"),
    ("rpl_welcome", "RPL_WELCOME"),
    (" rpl_welcome ", "RPL_WELCOME"),
    ("RPL_WELCOME", "RPL_WELCOME"),
    ("005", "RPL_ISUPPORT"),
    ("RPL_BOUNCE", "RPL_ISUPPORT"),
    ("rpl_bounce", "RPL_ISUPPORT"),
    ("RPL_ISUPPORT", "RPL_ISUPPORT"),
    ("ERR_ALREADYREGISTERED", "ERR_ALREADYREGISTRED"),
    ("462", "ERR_ALREADYREGISTRED"),
    ("privmsg", "PRIVMSG"),
    (" PRIVMSG ", "PRIVMSG"),
    ("\tclient_connect\n", "CLIENT_CONNECT"),
    ("my_custom_event", "MY_CUSTOM_EVENT"),
    ("999", "999"),
])
def test_canonical_event_maps_every_spelling_to_one_name(spelling: str, name: str) -> None:
    assert canonical_event(spelling) == name


def test_canonical_event_refuses_a_name_that_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="event names are strings"):
        canonical_event(1)  # type: ignore[arg-type]


def test_every_numeric_and_alias_resolves_to_a_name_the_numerics_define() -> None:
    names = set(NUMERICS.values())
    assert all(canonical_event(number) == name for number, name in NUMERICS.items())
    assert set(ALIASES.values()) <= names
    assert not set(ALIASES) & names


def test_numerics_are_three_digits() -> None:
    assert all(len(number) == 3 and number.isdigit() for number in NUMERICS)


def test_a_numeric_event_is_named_by_canonical_event_of_its_number() -> None:
    for number, name in NUMERICS.items():
        assert event(f":irc.test {number} bot x :y")[0] == name == canonical_event(number)


# --- unknown and malformed lines ---------------------------------------------

@pytest.mark.parametrize(("line", "name", "kwargs"), [
    (":irc.test FNC bot :forced nick change", "FNC",
     {**SERVER, "params": ["bot", "forced nick change"]}),
    (f"{SRC} knock #chan :let me in", "KNOCK",
     {**NUH, "params": ["#chan", "let me in"]}),
    ("FOO", "FOO", {"nick": None, "user": None, "host": None, "params": []}),
    (":irc.test 999 bot a b :vendor text", "999",
     {**SERVER, "target": "bot", "params": ["bot", "a", "b", "vendor text"]}),
    (":irc.test 221 bot +i", "RPL_UMODEIS",
     {"target": "bot", "params": ["bot", "+i"], "modes": "+i"}),
    (":irc.test 042", "RPL_YOURID", {**SERVER, "target": None, "params": []}),
], ids=["FNC", "KNOCK", "bare", "999", "221", "no params"])
def test_an_unknown_command_or_numeric_still_arrives_with_params_and_source(
        line: str, name: str, kwargs: dict[str, Any]) -> None:
    assert event(line) == (name, {"tags": {}, **kwargs})


def _generic(line: str) -> dict[str, Any]:
    msg = Message.parse(line)
    return {"tags": {}, "params": list(msg.params), "nick": msg.nick,
            "user": msg.user, "host": msg.host}


def _numeric(line: str) -> dict[str, Any]:
    msg = Message.parse(line)
    return {"tags": {}, "target": msg.params[0] if msg.params else None,
            "params": list(msg.params)}


MALFORMED_COMMANDS = [
    (f"{SRC} PRIVMSG #chan", "PRIVMSG"),
    (f"{SRC} PRIVMSG", "PRIVMSG"),
    (f"{SRC} NOTICE", "NOTICE"),
    (f"{SRC} JOIN", "JOIN"),
    (f"{SRC} PART", "PART"),
    (f"{SRC} NICK", "NICK"),
    (f"{SRC} INVITE bot", "INVITE"),
    (f"{SRC} KICK #chan", "KICK"),
    (f"{SRC} TOPIC", "TOPIC"),
    (f"{SRC} MODE", "MODE"),
    (f"{SRC} MODE #chan", "MODE"),
    (f"{SRC} MODE bot", "MODE"),
    ("PING", "PING"),
    ("ERROR", "ERROR"),
    (":irc.test CAP *", "CAP"),
    ("AUTHENTICATE", "AUTHENTICATE"),
    (f"{SRC} ACCOUNT", "ACCOUNT"),
    (f"{SRC} CHGHOST ident", "CHGHOST"),
    (f"{SRC} SETNAME", "SETNAME"),
    (f"{SRC} TAGMSG", "TAGMSG"),
    (":irc.test BATCH", "BATCH"),
    (":irc.test BATCH ref1 chathistory", "BATCH"),
    (":irc.test BATCH +", "BATCH"),
    (f"{SRC} WALLOPS", "WALLOPS"),
    (f"{SRC} KILL", "KILL"),
    (":irc.test FAIL", "FAIL"),
]


@pytest.mark.parametrize(("line", "name"), MALFORMED_COMMANDS,
                         ids=[line for line, _ in MALFORMED_COMMANDS])
def test_a_known_command_missing_params_gets_generic_kwargs_not_made_up_ones(
        line: str, name: str) -> None:
    assert event(line) == (name, _generic(line))


MALFORMED_NUMERICS = [
    (":irc.test 001", "RPL_WELCOME"),
    (":irc.test 001 bot", "RPL_WELCOME"),
    (":irc.test 004 bot", "RPL_MYINFO"),
    (":irc.test 252 bot :operator(s) online", "RPL_LUSEROP"),
    (":irc.test 252 bot many :operator(s) online", "RPL_LUSEROP"),
    (":irc.test 253 bot -1 :unknown", "RPL_LUSERUNKNOWN"),
    (":irc.test 254 bot 1_000 :channels", "RPL_LUSERCHANNELS"),
    (":irc.test 254 bot \u0664\u0662 :channels", "RPL_LUSERCHANNELS"),
    (":irc.test 254 bot :  7", "RPL_LUSERCHANNELS"),
    (":irc.test 332 bot", "RPL_TOPIC"),
    (":irc.test 353 bot", "RPL_NAMREPLY"),
    (":irc.test 353 bot :alice bob", "RPL_NAMREPLY"),
    (":irc.test 352 bot #chan ~u host irc.test", "RPL_WHOREPLY"),
    (":irc.test 352 bot #chan ~u host irc.test nick H@", "RPL_WHOREPLY"),
    (":irc.test 352 bot #chan ~u host irc.test nick H@ :zero Real Name", "RPL_WHOREPLY"),
    (":irc.test 315 bot", "RPL_ENDOFWHO"),
    (":irc.test 333 bot #chan setter :yesterday", "RPL_TOPICWHOTIME"),
    (":irc.test 366 bot", "RPL_ENDOFNAMES"),
    (":irc.test 433 *", "ERR_NICKNAMEINUSE"),
    (":irc.test 311 bot nick user host", "RPL_WHOISUSER"),
    (":irc.test 322 bot #chan lots :topic", "RPL_LIST"),
    (":irc.test 367 bot #chan *!*@* setter soon", "RPL_BANLIST"),
    (":irc.test 734 bot ten a,b :full", "ERR_MONLISTFULL"),
    (":irc.test 900 bot bot!u@h", "RPL_LOGGEDIN"),
    (":irc.test 908 bot", "RPL_SASLMECHS"),
    (":irc.test 730 bot", "RPL_MONONLINE"),
]


@pytest.mark.parametrize(("line", "name"), MALFORMED_NUMERICS,
                         ids=[line for line, _ in MALFORMED_NUMERICS])
def test_a_known_numeric_missing_or_garbling_params_gets_only_target_and_params(
        line: str, name: str) -> None:
    assert event(line) == (name, _numeric(line))


def test_a_who_reply_without_a_real_name_has_an_empty_one() -> None:
    _, kwargs = event(":irc.test 352 bot #chan ~u host irc.test nick H :3")
    assert (kwargs["hopcount"], kwargs["real_name"]) == (3, "")


def test_a_whois_reply_without_the_star_still_names_the_real_name() -> None:
    _, kwargs = event(":irc.test 311 bot nick user host :Real Name")
    assert kwargs["real_name"] == "Real Name"


def test_a_cap_reply_with_only_spaces_has_no_capabilities() -> None:
    _, kwargs = event(":irc.test CAP * LS :   ")
    assert kwargs["capabilities"] == []


def test_the_tags_of_a_malformed_line_still_arrive() -> None:
    assert event("@a=1 PRIVMSG #c")[1]["tags"] == {"a": "1"}
    assert event("@a=1 :irc.test 001")[1]["tags"] == {"a": "1"}


# --- properties --------------------------------------------------------------

_PARAM = st.text(st.sampled_from("ab #*+-:=0123456789,!@\u0663"), max_size=8)
_KNOWN = sorted({*NUMERICS, "PRIVMSG", "NOTICE", "JOIN", "PART", "QUIT", "NICK", "INVITE",
                 "KICK", "TOPIC", "MODE", "PING", "PONG", "ERROR", "CAP", "AUTHENTICATE",
                 "AWAY", "ACCOUNT", "CHGHOST", "SETNAME", "TAGMSG", "BATCH", "WALLOPS",
                 "KILL", "FAIL", "WARN", "NOTE", "FOO"})


@settings(max_examples=examples(500), deadline=None)
@given(command=st.sampled_from(_KNOWN), args=st.lists(_PARAM, max_size=9),
       source=st.sampled_from([None, "irc.test", "n!u@h", "!@"]))
def test_message_to_event_never_raises_for_any_params_of_any_known_command(
        command: str, args: list[str], source: str | None) -> None:
    name, kwargs = message_to_event(Message(command, args, source=source))
    assert isinstance(name, str) and name
    assert kwargs["tags"] == {}


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=200))
def test_message_to_event_never_raises_for_any_parsed_line(line: str) -> None:
    try:
        msg = Message.parse(line)
    except ValueError:
        return
    name, kwargs = message_to_event(msg)
    assert name == canonical_event(name)
    assert kwargs["tags"] is msg.tags


# One full line per event in EVENT_KWARGS: the documented kwargs must be
# exactly what a handler receives.
FULL_LINES = {
    "PRIVMSG": f"{SRC} PRIVMSG #c :hi",
    "CTCP_ACTION": f"{SRC} PRIVMSG #c :\x01ACTION waves\x01",
    "CTCP_REPLY": f"{SRC} NOTICE me :\x01VERSION x 1.0\x01",
    "NOTICE": f"{SRC} NOTICE #c :hi",
    "JOIN": f"{SRC} JOIN #c acct :Real Name",
    "PART": f"{SRC} PART #c :bye",
    "QUIT": f"{SRC} QUIT :bye",
    "NICK": f"{SRC} NICK new",
    "INVITE": f"{SRC} INVITE bot #c",
    "KICK": f"{SRC} KICK #c victim :bye",
    "TOPIC": f"{SRC} TOPIC #c :topic",
    "CHANNELMODE": f"{SRC} MODE #c +o bot",
    "USERMODE": ":bot MODE bot +i",
    "PING": "PING :irc.test",
    "PONG": ":irc.test PONG irc.test :x",
    "ERROR": "ERROR :Closing link",
    "CAP": ":irc.test CAP * LS * :sasl",
    "AUTHENTICATE": "AUTHENTICATE +",
    "AWAY": f"{SRC} AWAY :gone",
    "ACCOUNT": f"{SRC} ACCOUNT acct",
    "CHGHOST": f"{SRC} CHGHOST u h",
    "SETNAME": f"{SRC} SETNAME :Name",
    "TAGMSG": f"{SRC} TAGMSG #c",
    "BATCH": ":irc.test BATCH +r netjoin a b",
    "WALLOPS": f"{SRC} WALLOPS :hi",
    "KILL": f"{SRC} KILL victim :reason",
    "FAIL": ":irc.test FAIL CMD CODE ctx :text",
    "WARN": ":irc.test WARN CMD CODE ctx :text",
    "NOTE": ":irc.test NOTE CMD CODE ctx :text",
    "RPL_WELCOME": ":s 001 bot :Welcome",
    "RPL_YOURHOST": ":s 002 bot :Your host is s",
    "RPL_CREATED": ":s 003 bot :This server was created today",
    "RPL_LUSERCLIENT": ":s 251 bot :There are 2 users",
    "RPL_LUSERME": ":s 255 bot :I have 2 clients",
    "RPL_MOTDSTART": ":s 375 bot :- s Message of the day -",
    "RPL_MOTD": ":s 372 bot :- hello",
    "RPL_ENDOFMOTD": ":s 376 bot :End of MOTD",
    "ERR_NOMOTD": ":s 422 bot :MOTD File is missing",
    "RPL_YOUREOPER": ":s 381 bot :You are now an IRC operator",
    "RPL_UNAWAY": ":s 305 bot :You are no longer marked as being away",
    "RPL_NOWAWAY": ":s 306 bot :You have been marked as being away",
    "RPL_SASLSUCCESS": ":s 903 bot :SASL authentication successful",
    "ERR_SASLFAIL": ":s 904 bot :SASL authentication failed",
    "ERR_SASLTOOLONG": ":s 905 bot :SASL message too long",
    "ERR_SASLABORTED": ":s 906 bot :SASL authentication aborted",
    "ERR_SASLALREADY": ":s 907 bot :You have already authenticated",
    "ERR_NICKLOCKED": ":s 902 bot :You must use a nick assigned to you",
    "ERR_NOTREGISTERED": ":s 451 * :You have not registered",
    "ERR_PASSWDMISMATCH": ":s 464 bot :Password incorrect",
    "ERR_YOUREBANNEDCREEP": ":s 465 bot :You are banned from this server",
    "ERR_NONICKNAMEGIVEN": ":s 431 bot :No nickname given",
    "RPL_STARTTLS": ":s 670 bot :STARTTLS successful",
    "ERR_STARTTLS": ":s 691 bot :STARTTLS failed",
    "RPL_INFO": ":s 371 bot :info line",
    "RPL_ENDOFINFO": ":s 374 bot :End of INFO list",
    "RPL_LOCALUSERS": ":s 265 bot 2 3 :Current local users 2, max 3",
    "RPL_GLOBALUSERS": ":s 266 bot 2 3 :Current global users 2, max 3",
    "ERR_NOPRIVILEGES": ":s 481 bot :Permission Denied",
    "RPL_MYINFO": ":s 004 bot s ngircd-26 abc def",
    "RPL_ISUPPORT": ":s 005 bot NICKLEN=9 :are supported",
    "RPL_LUSEROP": ":s 252 bot 1 :operators",
    "RPL_LUSERUNKNOWN": ":s 253 bot 1 :unknown",
    "RPL_LUSERCHANNELS": ":s 254 bot 1 :channels",
    "RPL_TOPIC": ":s 332 bot #c :topic",
    "RPL_NOTOPIC": ":s 331 bot #c :No topic is set",
    "RPL_ENDOFNAMES": ":s 366 bot #c :End of NAMES",
    "RPL_ENDOFBANLIST": ":s 368 bot #c :End of ban list",
    "ERR_NOSUCHCHANNEL": ":s 403 bot #c :No such channel",
    "ERR_CANNOTSENDTOCHAN": ":s 404 bot #c :Cannot send to channel",
    "ERR_TOOMANYCHANNELS": ":s 405 bot #c :You have joined too many channels",
    "ERR_NOTONCHANNEL": ":s 442 bot #c :You're not on that channel",
    "ERR_CHANNELISFULL": ":s 471 bot #c :Cannot join channel (+l)",
    "ERR_INVITEONLYCHAN": ":s 473 bot #c :Cannot join channel (+i)",
    "ERR_BANNEDFROMCHAN": ":s 474 bot #c :Cannot join channel (+b)",
    "ERR_BADCHANNELKEY": ":s 475 bot #c :Cannot join channel (+k)",
    "ERR_BADCHANMASK": ":s 476 bot #c :Bad Channel Mask",
    "ERR_NOCHANMODES": ":s 477 bot #c :You need a registered nick",
    "ERR_CHANOPRIVSNEEDED": ":s 482 bot #c :You're not channel operator",
    "RPL_NAMREPLY": ":s 353 bot = #c :@a b",
    "RPL_WHOREPLY": ":s 352 bot #c u h s n H :0 Real",
    "RPL_ENDOFWHO": ":s 315 bot #c :End of WHO",
    "RPL_TOPICWHOTIME": ":s 333 bot #c setter 1700000000",
    "RPL_AWAY": ":s 301 bot nick :gone",
    "ERR_NOSUCHNICK": ":s 401 bot nick :No such nick",
    "ERR_WASNOSUCHNICK": ":s 406 bot nick :There was no such nickname",
    "ERR_ERRONEUSNICKNAME": ":s 432 * caf\xe9 :Erroneous Nickname",
    "ERR_NICKNAMEINUSE": ":s 433 * bot :Nickname is already in use",
    "ERR_NICKCOLLISION": ":s 436 * bot :Nickname collision",
    "ERR_UNAVAILRESOURCE": ":s 437 * bot :Nick is temporarily unavailable",
    "RPL_ENDOFWHOIS": ":s 318 bot nick :End of WHOIS",
    "RPL_ENDOFWHOWAS": ":s 369 bot nick :End of WHOWAS",
    "ERR_UNKNOWNCOMMAND": ":s 421 bot CAP :Unknown command",
    "ERR_NEEDMOREPARAMS": ":s 461 bot PRIVMSG :Syntax error",
    "RPL_WHOISUSER": ":s 311 bot nick user host * :Real Name",
    "RPL_WHOWASUSER": ":s 314 bot nick user host * :Real Name",
    "RPL_HOSTHIDDEN": ":s 396 bot hidden.host :is now your displayed host",
    "RPL_LOGGEDIN": ":s 900 bot bot!u@h acct :You are now logged in",
    "RPL_LOGGEDOUT": ":s 901 bot bot!u@h :You are now logged out",
    "RPL_SASLMECHS": ":s 908 bot PLAIN :are available",
    "RPL_MONONLINE": ":s 730 bot :a!u@h",
    "RPL_MONOFFLINE": ":s 731 bot :a,b",
    "RPL_MONLIST": ":s 732 bot :a,b",
    "ERR_MONLISTFULL": ":s 734 bot 30 a,b :Monitor list is full",
    "RPL_LIST": ":s 322 bot #c 5 :topic",
    "RPL_CHANNELMODEIS": ":s 324 bot #c +lk 10 key",
    "RPL_UMODEIS": ":s 221 bot +iw",
    "RPL_BANLIST": ":s 367 bot #c *!*@* setter 1700000000",
    "RPL_WHOISSERVER": ":s 312 bot nick irc.test :Test server",
    "RPL_WHOISIDLE": ":s 317 bot nick 12 1700000000 :seconds idle, signon time",
    "RPL_WHOISCHANNELS": ":s 319 bot nick :@#a +#b #c ",
    "RPL_WHOISACCOUNT": ":s 330 bot nick acct :is logged in as",
    "RPL_WHOISACTUALLY": ":s 338 bot nick u@h 127.0.0.1 :Actually using host",
    "RPL_WHOISSECURE": ":s 671 bot nick :is using a secure connection",
    "RPL_WHOISOPERATOR": ":s 313 bot nick :is an IRC operator",
    "RPL_WHOISCERTFP": ":s 276 bot nick :has client certificate fingerprint ab",
    "RPL_WHOISREGNICK": ":s 307 bot nick :is a registered nick",
    "RPL_WHOISSPECIAL": ":s 320 bot nick :is special",
    "RPL_WHOISHOST": ":s 378 bot nick :is connecting from *@h 127.0.0.1",
    "RPL_WHOISMODES": ":s 379 bot nick :is using modes +i",
    "RPL_WHOISCHANOP": ":s 316 bot nick :is a chanop",
}


# Every WHOIS reply numeric names the nick asked about "nick" (before, 312,
# 317 and 319 had the sending server's name there).
@pytest.mark.parametrize("code", ["311", "312", "313", "317", "318", "319", "330",
                                  "338", "378", "379", "671", "276", "307", "301", "401"])
def test_every_whois_numeric_names_the_asked_nick_nick(code: str) -> None:
    line = next(text for text in FULL_LINES.values() if text.startswith(f":s {code} "))
    assert event(line)[1]["nick"] == "nick"


def test_whois_idle_and_channels_are_parsed() -> None:
    idle = event(FULL_LINES["RPL_WHOISIDLE"])[1]
    assert (idle["idle"], idle["signon"]) == (12, 1700000000)
    assert event(FULL_LINES["RPL_WHOISCHANNELS"])[1]["channels"] == ["@#a", "+#b", "#c"]
    actually = event(FULL_LINES["RPL_WHOISACTUALLY"])[1]
    assert (actually["host"], actually["ip"]) == ("u@h", "127.0.0.1")
    old = event(":s 317 bot nick 12 :seconds idle")[1]
    assert (old["idle"], old["signon"]) == (12, None)


def test_every_documented_event_has_a_full_line_here() -> None:
    assert set(FULL_LINES) == set(EVENT_KWARGS)


@pytest.mark.parametrize("name", sorted(FULL_LINES))
def test_event_kwargs_lists_exactly_what_a_full_line_gives(name: str) -> None:
    got_name, kwargs = event(FULL_LINES[name])
    assert got_name == name
    # The client adds TRACKING_KWARGS itself; a line alone never has them.
    expected = tuple(key for key in EVENT_KWARGS[name] if key not in TRACKING_KWARGS.get(name, ()))
    assert tuple(key for key in kwargs if key != "tags") == expected


def test_the_source_cache_is_bounded_and_keeps_no_long_source() -> None:
    from bottom import events
    events._SOURCES.clear()
    for n in range(events.CACHE_LIMIT + 50):
        assert event(f":n{n}!u@h JOIN #c")[1]["nick"] == f"n{n}"
    assert 0 < len(events._SOURCES) <= events.CACHE_LIMIT
    long_nick = "n" * 60_000
    assert event(f":{long_nick}!u@h JOIN #c")[1]["nick"] == long_nick
    assert max(len(source or "") for source in events._SOURCES) <= events.MAX_CACHED_KEY
