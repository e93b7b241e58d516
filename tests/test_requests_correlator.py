"""bottom.correlator: which server lines answer which request (pure, no loop)."""

from __future__ import annotations

import pytest
from helpers import feed_lines as feed_all

from bottom import CommandError
from bottom.correlator import SPECS, Correlator
from bottom.message import Message

P = Message.parse


def test_a_whois_collects_its_lines_and_ends_at_318() -> None:
    corr = Correlator(me=lambda: "bot")
    pending = corr.start(P("WHOIS Alice"))
    done = feed_all(corr, [
        ":s 311 bot alice u h * :Alice",
        ":a!u@h PRIVMSG #c :not an answer",
        ":s 312 bot alice s :info",
        ":s 318 bot alice :End of WHOIS",
    ])
    assert done == [pending]
    assert [m.command for m in pending.messages] == ["311", "312", "318"]
    assert pending.error is None and not corr.active


def test_lines_about_another_nick_are_not_taken() -> None:
    corr = Correlator()
    pending = corr.start(P("WHOIS alice"))
    assert feed_all(corr, [":s 311 bot bob u h * :Bob", ":s 318 bot bob :End"]) == []
    assert pending.messages == []


def test_a_whois_error_waits_for_the_end_and_keeps_the_error() -> None:
    corr = Correlator()
    pending = corr.start(P("WHOIS ghost"))
    assert corr.feed(P(":s 401 bot ghost :No such nick")) is None
    assert corr.feed(P(":s 318 bot ghost :End")) is pending
    assert isinstance(pending.error, CommandError)
    assert (pending.error.code, pending.error.name) == ("401", "ERR_NOSUCHNICK")
    assert "ghost" in str(pending.error) and "No such nick" in str(pending.error)


@pytest.mark.parametrize("code", ["403", "471", "473", "474", "475"])
def test_a_join_error_ends_the_join_at_once(code: str) -> None:
    corr = Correlator(me=lambda: "bot")
    pending = corr.start(P("JOIN #c"))
    assert corr.feed(P(f":s {code} bot #C :Cannot join")) is pending
    assert pending.error is not None and pending.error.code == code


def test_a_join_takes_our_echo_topic_and_names_and_ends_at_366() -> None:
    corr = Correlator(me=lambda: "bot")
    pending = corr.start(P("JOIN #c"))
    done = feed_all(corr, [
        ":other!u@h JOIN #c", ":bot!u@h JOIN #c", ":s 332 bot #c :topic",
        ":s 353 bot = #c :@bot other", ":s 366 bot #c :End",
    ])
    assert done == [pending]
    assert [m.command for m in pending.messages] == ["JOIN", "332", "353", "366"]
    assert pending.messages[0].source == "bot!u@h"


def test_a_fail_for_the_command_ends_it_with_an_error() -> None:
    corr = Correlator()
    pending = corr.start(P("WHO #c"))
    assert corr.feed(P("FAIL WHO TEMPORARILY_UNAVAILABLE :try later")) is pending
    assert pending.error is not None
    assert (pending.error.code, pending.error.name, pending.error.text) == (
        "FAIL", "TEMPORARILY_UNAVAILABLE", "try later")


def test_unknown_command_ends_the_request_that_sent_that_command() -> None:
    corr = Correlator()
    pending = corr.start(P("WHO #c"))
    assert corr.feed(P(":s 421 bot LUSERS :Unknown command")) is None
    assert corr.feed(P(":s 421 bot WHO :Unknown command")) is pending


def test_answers_go_to_requests_in_send_order() -> None:
    corr = Correlator()
    first = corr.start(P("MOTD"))
    second = corr.start(P("MOTD"))
    assert corr.feed(P(":s 376 bot :End")) is first
    assert corr.feed(P(":s 422 bot :No MOTD")) is second
    assert second.error is not None and first.error is None


@pytest.mark.parametrize(("line", "spec"), [
    ("MODE #c", "MODE?channel"), ("MODE bot", "MODE?user"), ("MODE #c b", "MODE?b"),
    ("MODE #c +e", "MODE?e"), ("TOPIC #c", "TOPIC?"), ("TOPIC #c :new", "TOPIC"),
    ("MONITOR L", "MONITOR?L"), ("LIST", "LIST"),
])
def test_the_table_picks_the_shape_by_the_request(line: str, spec: str) -> None:
    assert Correlator().start(P(line)).spec is SPECS[spec]


@pytest.mark.parametrize("line", ["PRIVMSG #c :hi", "MODE #c +o bob", "MONITOR + a"])
def test_a_command_without_a_known_answer_needs_a_label(line: str) -> None:
    with pytest.raises(ValueError, match="labeled-response"):
        Correlator().start(P(line))
    assert Correlator().start(P(line), label="x").label == "x"


def test_a_labeled_batch_is_the_whole_answer_nested_batches_included() -> None:
    corr = Correlator()
    pending = corr.start(P("WHOIS alice"), label="L1")
    done = feed_all(corr, [
        "@label=L1 :s BATCH +r labeled-response",
        "@batch=r :s 311 bot alice u h * :A",
        ":s 311 bot alice u h * :unlabeled, not ours",
        "@batch=r :s BATCH +n example",
        "@batch=n :s NOTE X Y :inner",
        ":s BATCH -n",
        "@batch=r :s 318 bot alice :End",
        ":s BATCH -r",
    ])
    assert done == [pending]
    assert len(pending.messages) == 7 and not corr.active


def test_a_single_labeled_line_or_ack_is_the_answer() -> None:
    corr = Correlator()
    ack = corr.start(P("PRIVMSG #c :hi"), label="a")
    err = corr.start(P("PRIVMSG #nope :hi"), label="b")
    assert corr.feed(P("@label=a :s ACK")) is ack
    assert corr.feed(P("@label=b :s 403 bot #nope :No such channel")) is err
    assert err.error is not None and err.error.code == "403"


def test_lines_nobody_waits_for_cost_one_lookup_and_change_nothing() -> None:
    corr = Correlator()
    corr.start(P("WHOIS alice"))
    assert corr.feed(P(":a!u@h PRIVMSG #c :hi")) is None
    assert set(corr._watch) >= {"311", "318", "401"}


def test_discard_and_clear_forget_everything() -> None:
    corr = Correlator()
    kept = corr.start(P("WHOIS a"))
    gone = corr.start(P("NAMES #c"))
    corr.discard(gone)
    assert "353" not in corr._watch
    assert corr.clear() == [kept]
    assert not corr.active


def test_chathistory_is_the_batch_for_its_target_and_its_lines() -> None:
    corr = Correlator()
    pending = corr.start(P("CHATHISTORY BEFORE #Chan msgid=x 10"))
    assert pending.family == "CHATHISTORY"
    done = feed_all(corr, [
        ":s BATCH +o chathistory #other",   # another target's batch
        ":s BATCH +n netsplit a b",          # another type
        ":s BATCH +h chathistory #chan",
        "@batch=o :a!u@h PRIVMSG #other :no",
        "@batch=h :a!u@h PRIVMSG #chan :yes",
        "@batch=n :q!u@h QUIT :a b",
        ":a!u@h PRIVMSG #chan :live, not in the batch",
        ":s BATCH -o",
    ])
    assert done == [] and corr.active
    assert feed_all(corr, [":s BATCH -h"]) == [pending]
    assert [m.params[-1] for m in pending.messages] == ["#chan", "yes", "-h"]
    assert not corr.active  # the batch is forgotten with the request


def test_chathistory_targets_and_a_batch_without_a_target() -> None:
    corr = Correlator()
    targets = corr.start(P("CHATHISTORY TARGETS timestamp=2026-01-01T00:00:00.000Z "
                           "timestamp=2026-01-02T00:00:00.000Z 5"))
    done = feed_all(corr, [":s BATCH +t draft/chathistory-targets",
                           "@batch=t :s CHATHISTORY TARGETS #c 2026-01-01T12:00:00.000Z",
                           ":s BATCH -t"])
    assert done == [targets] and len(targets.messages) == 3
    bare = corr.start(P("CHATHISTORY LATEST #c * 5"))
    assert feed_all(corr, [":s BATCH +b chathistory", ":s BATCH -b"]) == [bare]


def test_a_chathistory_refusal_or_a_discard_leaves_nothing_behind() -> None:
    corr = Correlator()
    failed = corr.start(P("CHATHISTORY LATEST #c * 5"))
    assert feed_all(corr, [":s FAIL CHATHISTORY INVALID_TARGET LATEST #c :no"]) == [failed]
    assert failed.error is not None and failed.error.name == "INVALID_TARGET"
    timed_out = corr.start(P("CHATHISTORY LATEST #c * 5"))
    feed_all(corr, [":s BATCH +h chathistory #c", "@batch=h :a!u@h PRIVMSG #c :x"])
    corr.discard(timed_out)  # a timeout's grace ended in the middle of the batch
    assert not corr.active
    assert feed_all(corr, ["@batch=h :a!u@h PRIVMSG #c :late", ":s BATCH -h"]) == []
