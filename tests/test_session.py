"""The registration session without a socket or an event loop: lines in,
actions out."""

from __future__ import annotations

from bottom.message import Message
from bottom.registration import Session
from bottom.sasl import Plain


def feed(session: Session, line: str):  # type: ignore[no-untyped-def]
    return session.feed(Message.parse(line))


def test_start_registers_with_cap_ls_first() -> None:
    session = Session(nick="bot", realname="a bot", password="pw")
    actions = session.start()
    assert actions.lines == ["CAP LS 302", "PASS pw", "NICK bot", "USER bot 0 * :a bot"]
    assert not actions.ready and actions.failure is None


def test_a_password_with_spaces_or_a_leading_colon_goes_as_the_trailing_parameter() -> None:
    assert Session(nick="bot", password="two words").start().lines[1] == "PASS :two words"
    assert Session(nick="bot", password=":colon").start().lines[1] == "PASS ::colon"


def test_without_a_nick_start_sends_nothing() -> None:
    assert not Session().start()


def test_caps_are_requested_then_negotiation_ends_and_the_motd_makes_it_ready() -> None:
    session = Session(nick="bot", caps=["message-tags", "server-time"])
    session.start()
    assert feed(session, ":srv CAP * LS :server-time unknown-cap").lines == [
        "CAP REQ :server-time"]
    assert feed(session, ":srv CAP * ACK :server-time").lines == ["CAP END"]
    assert not feed(session, ":srv 001 bot :Welcome bot!u@h")
    assert session.registered and session.prefix_reserve() == len(":bot!u@h ")
    assert feed(session, ":srv 376 bot :End of MOTD").ready
    assert session.caps == {"server-time"}


def test_a_taken_nick_falls_back_to_the_alternatives() -> None:
    session = Session(nick="bot", alt_nicks=["bot2"])
    session.start()
    assert feed(session, ":srv 433 * bot :in use").lines == ["NICK bot2"]
    assert feed(session, ":srv 433 * bot2 :in use").lines == ["NICK bot_"]
    assert session.nick == "bot_"


def test_sasl_failure_is_a_permanent_failure_reported_once() -> None:
    session = Session(nick="bot", sasl=Plain("acct", "secret"))
    session.start()
    feed(session, ":srv CAP * LS :sasl")
    assert feed(session, ":srv CAP * ACK :sasl").lines == ["AUTHENTICATE PLAIN"]
    actions = feed(session, ":srv 904 bot :SASL authentication failed")
    assert actions.failure is not None
    reason, permanent = actions.failure
    assert "SASL PLAIN failed" in reason and permanent
    assert "secret" not in reason
    assert feed(session, ":srv 904 bot :again").failure is None


def test_fail_from_outside_reports_only_while_registering() -> None:
    session = Session(nick="bot")
    session.start()
    assert session.fail("connection lost").failure == ("connection lost", False)
    session.start()
    feed(session, ":srv 001 bot :hi")
    assert not session.fail("too late")
    assert not Session().fail("no registration asked for")


def test_a_registered_session_holds_no_registration_buffers() -> None:
    # Idle clients of a bridge: nothing per line, no pending requests.
    session = Session(nick="bot", caps=["server-time", "cap-notify"])
    session.start()
    feed(session, ":srv CAP * LS :server-time cap-notify")
    feed(session, ":srv CAP * ACK :server-time cap-notify")
    feed(session, ":srv 001 bot :Welcome bot!u@h")
    assert feed(session, ":srv 376 bot :End of MOTD").ready
    assert session._actions is None and session.cap._pending == ()
    # CAP NEW after registration still asks for a wanted cap, once.
    session2 = Session(nick="bot", caps=["server-time", "away-notify"])
    session2.start()
    feed(session2, ":srv CAP * LS :server-time")
    feed(session2, ":srv CAP * ACK :server-time")
    feed(session2, ":srv 001 bot :Welcome bot!u@h")
    assert feed(session2, ":srv CAP bot NEW :away-notify").lines == ["CAP REQ :away-notify"]
    assert not feed(session2, ":srv CAP bot NEW :away-notify")
    assert not feed(session2, ":srv CAP bot ACK :away-notify")  # no CAP END after 001
    assert session2.caps == {"server-time", "away-notify"} and session2.cap._pending == ()


def test_the_prefix_reserve_follows_our_mask_and_a_hidden_host() -> None:
    session = Session(nick="bot")
    session.start()
    before = session.prefix_reserve()
    feed(session, ":srv 001 bot :Welcome bot!user@host.example")
    assert session.prefix_reserve() == len(":bot!user@host.example ") < before
    feed(session, ":srv 396 bot hidden.ünï :is now your displayed host")
    assert session.prefix_reserve() == len(":bot!user@hidden.ünï ".encode())
    feed(session, ":bot!u2@h2 NICK :bot2")
    assert session.prefix_reserve() == len(":bot2!u2@h2 ")
    session.start()  # a new connection forgets the mask
    assert session.prefix_reserve() == before


def test_start_clears_the_same_isupport_in_place() -> None:
    session = Session(nick="bot")
    isupport = session.isupport
    session.start()
    feed(session, ":srv 005 bot NICKLEN=12 :are supported")
    assert isupport["NICKLEN"] == "12"
    session.start()
    assert session.isupport is isupport and not isupport


def registered(nick: str, *lines: str) -> Session:
    session = Session(nick=nick, caps=["server-time", "away-notify", "cap-notify"])
    session.start()
    for line in (":srv CAP * LS :server-time cap-notify", ":srv CAP * ACK :server-time cap-notify",
                 f":srv 001 {nick} :Welcome", f":srv 376 {nick} :End of MOTD", *lines):
        feed(session, line)
    return session


def test_settled_negotiations_are_shared_and_copied_before_a_change() -> None:
    first, second = registered("a"), registered("b")
    assert first.cap is second.cap  # one object for every idle client of a server
    assert feed(first, ":srv CAP a NEW :away-notify").lines == ["CAP REQ :away-notify"]
    assert first.cap is not second.cap and second.caps == {"server-time", "cap-notify"}
    feed(first, ":srv CAP a ACK :away-notify")
    assert first.caps == {"server-time", "cap-notify", "away-notify"}
    third = registered("c", ":srv CAP c NEW :away-notify", ":srv CAP c ACK :away-notify")
    assert third.cap is first.cap  # settled again, and equal: shared again
    feed(second, ":srv CAP b DEL :server-time")
    assert second.caps == {"cap-notify"} and first.caps == third.caps
    assert "server-time" not in second.cap.offered and "server-time" in first.cap.offered
    second.start()
    assert second.cap is not first.cap and not second.caps
