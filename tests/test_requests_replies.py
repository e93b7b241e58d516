"""bottom.replies: typed results built from a request's answer (pure)."""

from __future__ import annotations

import datetime

from bottom.events import message_to_event
from bottom.message import Message
from bottom.replies import Reply, names_from, split_prefix, who_rows, who_users, whois_from

WHOIS_LINES = [
    ":s 311 me Alice al host.example * :Alice Liddell",
    ":s 319 me Alice :@#ops +#chat #plain ",
    ":s 312 me Alice irc.test :Test server",
    ":s 301 me Alice :gone fishing",
    ":s 330 me Alice alice_acct :is logged in as",
    ":s 671 me Alice :is using a secure connection",
    ":s 338 me Alice al@real.host 10.0.0.1 :Actually using host",
    ":s 317 me Alice 42 1700000000 :seconds idle, signon time",
    ":s 318 me Alice :End of /WHOIS list.",
]


def test_reply_of_keeps_the_lines_and_their_events_in_order() -> None:
    reply = Reply.of(Message.parse(line) for line in WHOIS_LINES)
    assert reply.messages[0].command == "311"
    assert [name for name, _ in reply.events][-1] == "RPL_ENDOFWHOIS"


def test_whois_from_fills_every_field_the_server_sent() -> None:
    info = whois_from("alice", Reply.of(Message.parse(x) for x in WHOIS_LINES).events)
    assert (info.nick, info.username, info.host, info.realname) == (
        "Alice", "al", "host.example", "Alice Liddell")
    assert (info.server, info.account, info.away_message) == (
        "irc.test", "alice_acct", "gone fishing")
    assert info.channels == {"#ops": "@", "#chat": "+", "#plain": ""}
    assert info.idle == 42
    assert info.signon == datetime.datetime(2023, 11, 14, 22, 13, 20,
                                            tzinfo=datetime.timezone.utc)
    assert info.secure and (info.actual_host, info.ip) == ("al@real.host", "10.0.0.1")


def test_whois_from_leaves_unsent_fields_empty() -> None:
    info = whois_from("bob", [])
    assert (info.nick, info.account, info.idle, info.signon, info.channels) == (
        "bob", None, None, None, {})


def test_split_prefix_keeps_a_channel_that_is_all_prefix_characters() -> None:
    assert split_prefix("@+#c") == ("@+", "#c")
    assert split_prefix("&chan", "@+") == ("", "&chan")
    assert split_prefix("+") == ("", "+")


def test_names_from_maps_prefixes_to_modes_and_strips_userhosts() -> None:
    reply = Reply.of(Message.parse(line) for line in [
        ":s 353 me = #c :@+alice bob!b@h +carol",
        ":s 353 me = #c :dave",
        ":s 366 me #c :End of NAMES",
    ])
    assert names_from(reply.events, {"@": "o", "+": "v"}) == {
        "alice": {"o", "v"}, "bob": set(), "carol": {"v"}, "dave": set()}


def test_who_rows_read_who_and_whox_replies() -> None:
    reply = Reply.of(Message.parse(line) for line in [
        ":s 352 me #c al host irc.test alice H@ :0 Alice L",
        ":s 354 me 152 #c bo bhost bob G acct :Bob B",
        ":s 354 me 152 #c ca chost carol H 0 :Carol",
        ":s 354 me 999 other reply",
        ":s 315 me #c :End of WHO",
    ])
    rows = who_rows(reply.events)
    assert [r["nick"] for r in rows] == ["alice", "bob", "carol"]
    assert rows[0]["realname"] == "Alice L" and rows[0]["flags"] == "H@"
    assert (rows[1]["account"], rows[2]["account"]) == ("acct", None)


def test_who_users_are_bottom_users_with_what_the_reply_told() -> None:
    lines = [":srv 352 me #c alice a.example srv alice H@ :0 Alice A",
             ":srv 352 me #d alice a.example srv alice H :0 Alice A",
             ":srv 354 me 152 #c bob b.example bob G acct :Bob B",
             ":srv 315 me #c :End of WHO"]
    events = [message_to_event(Message.parse(line)) for line in lines]
    users = {user.nick: user for user in who_users(events)}
    assert set(users) == {"alice", "bob"}
    alice, bob = users["alice"], users["bob"]
    assert (alice.username, alice.host, alice.realname) == ("alice", "a.example", "Alice A")
    assert alice.channels == {"#c", "#d"} and not alice.away and alice.account is None
    assert bob.away and bob.account == "acct" and bob.channels == {"#c"}
