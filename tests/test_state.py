"""bottom.State: one test per kind of line, and the tricky cases of issue 15."""

from __future__ import annotations

import gc
import logging
from datetime import datetime, timezone

import pytest

from bottom.casemap import CASEMAPPINGS, casefold
from bottom.channel import folder_for
from bottom.isupport import ISupport
from bottom.message import Message
from bottom.state import State

WELCOME = [
    ":irc.test 001 me :Welcome",
    ":irc.test 005 me PREFIX=(qaohv)~&@%+ CHANMODES=beI,k,l,imnpst CASEMAPPING=rfc1459 "
    "EXCEPTS=e INVEX=I :are supported",
]


def feed(state: State, *lines: str) -> State:
    for line in lines:
        state.apply(Message.parse(line))
    return state


def joined(*more: str, names: str = "@me +Alice!a@alice.host bob") -> State:
    """We are in #chan with Alice (voiced) and bob."""
    return feed(State(), *WELCOME, ":me!u@me.host JOIN #Chan",
                f":irc.test 353 me = #Chan :{names}", ":irc.test 366 me #Chan :End", *more)


def invariants(state: State) -> None:
    """Every member is a known user, every user but us shares a channel, counts match."""
    memberships = 0
    for name, channel in state.channels.items():
        assert state.channels[name] is channel
        for nick, member in channel.users.items():
            assert state.users[nick] is member.user
            assert channel.name in member.user.channels
            memberships += 1
    for nick, user in state.users.items():
        if state.nick is None or state.fold(nick) != state.fold(state.nick):
            assert user.channels, f"{nick} shares no channel but is tracked"
        for name in user.channels:
            assert nick in state.channels[name].users
    assert memberships == sum(len(user.channels) for user in state.users.values())


def test_welcome_sets_our_nick_and_user() -> None:
    state = feed(State(), *WELCOME)
    assert state.nick == "me"
    assert list(state.users) == ["me"]
    assert state.isupport["PREFIX"] == "(qaohv)~&@%+"


def test_join_of_ours_creates_the_channel_spelled_as_the_server_did() -> None:
    state = feed(State(), *WELCOME, ":me!u@h JOIN #Chan")
    assert list(state.channels) == ["#Chan"]
    assert state.channels["#CHAN"] is state.channels["#chan"]
    assert state.users["me"].channels == {"#Chan"}
    invariants(state)


def test_join_of_others_to_unknown_channel_is_ignored() -> None:
    state = feed(State(), *WELCOME, ":alice!a@h JOIN #other")
    assert not state.channels and list(state.users) == ["me"]


def test_names_fill_members_with_prefixes_and_userhosts() -> None:
    state = joined(names="@me ~&@%+Alice!a@alice.host bob")
    channel = state.channels["#chan"]
    assert set(channel.users) == {"me", "Alice", "bob"}
    alice = channel.users["alice"]
    assert alice.modes == {"q", "a", "o", "h", "v"} and alice.prefix == "~"
    assert alice.user.username == "a" and alice.user.host == "alice.host"
    assert channel.users["bob"].prefix == "" and channel.users["bob"].modes == set()
    assert channel.users["me"].prefix == "@"
    invariants(state)


def test_extended_join_sets_account_and_realname() -> None:
    state = joined(":carol!c@h JOIN #chan carolacct :Carol C", ":dave!d@h JOIN #chan * :Dave")
    assert state.users["carol"].account == "carolacct"
    assert state.users["carol"].realname == "Carol C"
    assert state.users["dave"].account is None
    invariants(state)


def test_part_forgets_a_user_sharing_no_other_channel() -> None:
    state = joined(":bob!b@h PART #chan :bye")
    assert "bob" not in state.channels["#chan"].users and "bob" not in state.users
    invariants(state)


def test_our_part_drops_the_channel_and_its_users() -> None:
    state = joined(":me!u@h PART #chan")
    assert not state.channels and list(state.users) == ["me"]
    invariants(state)


def test_kick_of_someone_else() -> None:
    state = joined(":Alice!a@h KICK #chan bob :out")
    assert "bob" not in state.users
    invariants(state)


def test_kick_of_ourselves_drops_the_channel() -> None:
    state = joined(":Alice!a@h KICK #chan ME :out")
    assert not state.channels and list(state.users) == ["me"]
    invariants(state)


def test_quit_of_someone_sharing_two_channels() -> None:
    state = joined(":me!u@h JOIN #two", ":irc.test 353 me = #two :me Alice",
                   ":irc.test 366 me #two :End")
    assert state.users["alice"].channels == {"#Chan", "#two"}
    feed(state, ":Alice!a@h QUIT :gone")
    assert "alice" not in state.users
    assert "alice" not in state.channels["#chan"].users
    assert "alice" not in state.channels["#two"].users
    invariants(state)


def test_case_only_nick_change_keeps_the_user() -> None:
    state = joined()
    user = state.users["alice"]
    feed(state, ":Alice!a@h NICK :ALICE")
    assert state.users["alice"] is user and user.nick == "ALICE"
    assert list(state.channels["#chan"].users) == ["me", "ALICE", "bob"]
    invariants(state)


def test_nick_change_moves_user_and_memberships() -> None:
    state = joined(":Alice!a@h NICK carol")
    assert "alice" not in state.users and state.users["carol"].nick == "carol"
    assert state.channels["#chan"].users["carol"].prefix == "+"
    invariants(state)


def test_our_nick_change() -> None:
    state = joined(":me!u@h NICK :myself")
    assert state.nick == "myself" and "myself" in state.channels["#chan"].users
    invariants(state)


def test_rfc1459_folding_of_brackets_backslash_and_tilde() -> None:
    state = joined(":nick[a]\\~!x@h JOIN #chan")
    assert state.users["NICK{A}|^"].nick == "nick[a]\\~"
    assert "nick{a}|^" in state.channels["#chan"].users


def test_ascii_casemapping_keeps_brackets_apart_and_refolds_keys() -> None:
    state = joined(":Nick[a]!x@h JOIN #chan")
    assert "nick{a}" in state.users
    feed(state, ":irc.test 005 me CASEMAPPING=ascii :are supported")
    assert "nick{a}" not in state.users and "NICK[A]" in state.users
    assert "nick[a]" in state.channels["#CHAN"].users
    invariants(state)


def test_mode_mixing_prefix_and_channel_classes() -> None:
    state = joined(":Alice!a@h MODE #chan +ov-v+kl bob bob Alice key 10")
    channel = state.channels["#chan"]
    assert channel.users["bob"].modes == {"o", "v"} and channel.users["bob"].prefix == "@"
    assert channel.users["alice"].modes == set() and channel.users["alice"].prefix == ""
    assert channel.modes == {"k": "key", "l": "10"}
    feed(state, ":Alice!a@h MODE #chan -l+b-k *!*@bad *")
    assert channel.modes == {} and channel.list_modes["b"] == {"*!*@bad"}
    feed(state, ":Alice!a@h MODE #chan +mn-b *!*@bad")
    assert channel.modes == {"m": None, "n": None} and channel.list_modes["b"] == set()


def test_mode_with_missing_parameters_is_skipped_like_servers() -> None:
    state = joined(":Alice!a@h MODE #chan +ob", ":Alice!a@h MODE #chan +l")
    channel = state.channels["#chan"]
    assert channel.modes == {} and "b" not in channel.list_modes
    assert channel.users["bob"].modes == set()


def test_channel_modes_reply_replaces_and_creation_time() -> None:
    state = joined(":Alice!a@h MODE #chan +m", ":irc.test 324 me #chan +ntk secret",
                   ":irc.test 329 me #chan 1700000000")
    channel = state.channels["#chan"]
    assert channel.modes == {"n": None, "t": None, "k": "secret"}
    assert channel.created == datetime.fromtimestamp(1700000000, timezone.utc)


def test_topic_replies_and_live_topic() -> None:
    state = joined(":irc.test 332 me #chan :hello", ":irc.test 333 me #chan alice!a@h 1700000000")
    channel = state.channels["#chan"]
    assert channel.topic == "hello" and channel.topic_setter == "alice!a@h"
    assert channel.topic_time == datetime.fromtimestamp(1700000000, timezone.utc)
    feed(state, "@time=2026-01-02T03:04:05.000Z :bob!b@h TOPIC #chan :new")
    assert channel.topic == "new" and channel.topic_setter == "bob!b@h"
    assert channel.topic_time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    feed(state, ":irc.test 331 me #chan :No topic is set")
    assert channel.topic is None and channel.topic_setter is None


def test_list_replies_replace_the_list_at_their_end() -> None:
    state = joined(":Alice!a@h MODE #chan +b old!*@*",
                   ":irc.test 367 me #chan a!*@* alice 1", ":irc.test 367 me #chan b!*@* alice 1",
                   ":irc.test 368 me #chan :End", ":irc.test 348 me #chan e!*@*",
                   ":irc.test 349 me #chan :End", ":irc.test 346 me #chan i!*@*",
                   ":irc.test 347 me #chan :End", ":irc.test 728 me #chan q q!*@* x 1",
                   ":irc.test 729 me #chan q :End")
    modes = state.channels["#chan"].list_modes
    assert modes == {"b": {"a!*@*", "b!*@*"}, "e": {"e!*@*"}, "I": {"i!*@*"}, "q": {"q!*@*"}}


def test_names_reply_while_members_join_part_and_rename() -> None:
    state = joined(":irc.test 353 me = #chan :@me +Alice bob",
                   ":carol!c@h JOIN #chan", ":bob!b@h PART #chan", ":Alice!a@h NICK alice2",
                   ":me!u@h MODE #chan +o alice2",
                   ":irc.test 366 me #chan :End")
    channel = state.channels["#chan"]
    assert set(channel.users) == {"me", "alice2", "carol"}
    assert channel.users["alice2"].modes == {"o", "v"}
    invariants(state)


def test_names_replaces_members_at_366() -> None:
    state = joined(":irc.test 353 me = #chan :@me bob", ":irc.test 366 me #chan :End")
    assert set(state.channels["#chan"].users) == {"me", "bob"}
    assert "alice" not in state.users
    invariants(state)


def test_366_for_a_channel_we_are_not_in_changes_nothing() -> None:
    state = joined(":irc.test 353 me = #else :a b c", ":irc.test 366 me #else :End")
    assert list(state.channels) == ["#Chan"] and "a" not in state.users
    invariants(state)


def test_who_and_whox_fill_users() -> None:
    state = joined(":irc.test 352 me #chan ~b bob.host irc.test bob G :0 Bob B",
                   ":irc.test 354 me 152 #chan ~a alice.host Alice H@ aliceacct :Alice A",
                   ":irc.test 354 me 999 #chan x y Alice H zz :other token")
    bob, alice = state.users["bob"], state.users["alice"]
    assert (bob.username, bob.host, bob.realname, bob.away) == ("~b", "bob.host", "Bob B", True)
    assert (alice.username, alice.host, alice.account, alice.realname, alice.away) == (
        "~a", "alice.host", "aliceacct", "Alice A", False)


def test_away_account_chghost_setname_and_whois() -> None:
    state = joined(":bob!b@h AWAY :lunch", ":Alice!a@h ACCOUNT acct",
                   ":bob!b@h CHGHOST nb new.host",
                   ":bob!nb@new.host SETNAME :Robert", ":irc.test 311 me Alice al al.host * :Al",
                   ":irc.test 330 me Alice alacct :is logged in as")
    bob, alice = state.users["bob"], state.users["alice"]
    assert bob.away and bob.away_message == "lunch"
    assert (bob.username, bob.host, bob.realname) == ("nb", "new.host", "Robert")
    assert (alice.username, alice.host, alice.realname, alice.account) == (
        "al", "al.host", "Al", "alacct")
    feed(state, ":bob!b@h AWAY", ":Alice!a@h ACCOUNT *", ":irc.test 301 me bob :brb")
    assert bob.away and bob.away_message == "brb" and alice.account is None
    feed(state, ":irc.test 306 me :away")
    assert state.users["me"].away
    feed(state, ":irc.test 305 me :back")
    assert not state.users["me"].away


def test_quit_of_ourselves_and_error_leave_everything_but_us() -> None:
    state = joined(":me!u@h QUIT :bye")
    assert not state.channels and list(state.users) == ["me"]
    state = joined("ERROR :Closing link")
    assert not state.channels and list(state.users) == ["me"] and state.nick == "me"


def test_bounds_warn_once_and_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    state = feed(State(max_tracked_users=3, max_tracked_channels=1), *WELCOME,
                 ":me!u@h JOIN #a", ":me!u@h JOIN #b")
    with caplog.at_level(logging.WARNING, logger="bottom.state"):
        feed(state, *(f":u{i}!x@h JOIN #a" for i in range(5)),
             ":irc.test 353 me = #a :me u0 u1 n1 n2 n3 n4", ":irc.test 366 me #a :End")
    assert list(state.channels) == ["#a"] and len(state.users) <= 3
    invariants(state)
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) <= 1


@pytest.mark.parametrize("kwarg", ["max_tracked_users", "max_tracked_channels"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_bad_bounds_name_the_argument(kwarg: str, value: object) -> None:
    with pytest.raises(ValueError, match=kwarg):
        State(**{kwarg: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("line", [
    ":irc.test 353 me", ":irc.test 366", ":x!y@z MODE", ":x!y@z KICK #chan", "JOIN #chan",
    ":irc.test 333 me #chan a 99999999999999999999999", ":irc.test 329 me #chan x",
    ":x!y@z TOPIC", ":irc.test 352 me #chan", ":x!y@z NICK", ":x!y@z CHGHOST a",
])
def test_malformed_lines_are_skipped(line: str) -> None:
    state = joined(line)
    invariants(state)


def test_privmsg_does_nothing() -> None:
    state = joined()
    before = repr(state)
    feed(state, ":Alice!a@h PRIVMSG #chan :hi")
    assert repr(state) == before


def test_no_reference_cycles_per_line() -> None:
    state = joined()
    lines = [Message.parse(line) for line in (
        ":c!c@h JOIN #chan", ":Alice!a@h MODE #chan +o c", ":c!c@h NICK d",
        ":irc.test 353 me = #chan :@me +Alice bob @d", ":irc.test 366 me #chan :End",
        ":d!c@h PART #chan", ":bob!b@h QUIT :x", ":bob!b@h JOIN #chan")]
    # Whatever existed before is set aside (frozen), so the collection
    # below counts only cycles the lines made, and walks only their objects
    # (a full collection costs ~1 s late in a worker's run).  From the
    # second round on, every user and channel the lines touch is new.
    gc.freeze()
    gc.disable()
    try:
        for _ in range(50):
            for line in lines:
                state.apply(line)
        assert gc.collect() == 0
    finally:
        gc.enable()
        gc.unfreeze()


def test_clear_forgets_everything() -> None:
    state = joined()
    state.clear()
    assert state.nick is None and not state.channels and not state.users
    assert not state.isupport


def test_states_that_heard_the_same_005_share_their_mode_classes_and_folding() -> None:
    # A bridge holds thousands of States of one network: what 005 makes of
    # CHANMODES, PREFIX and CASEMAPPING is held once (about 1.5 KiB each).
    first, second = joined(), joined()
    assert first._classes is second._classes
    assert first._folder.fold is second._folder.fold
    other = feed(State(), ":irc.test 001 me :hi",
                 ":irc.test 005 me PREFIX=(ov)@+ CHANMODES=b,k,l,imnpst :are supported")
    assert other._classes is not first._classes
    assert other._classes.kinds["b"] == "A" and "q" not in other._classes.prefix


# --- what an idle state holds (issue 19: memory per idle client) -------------

def test_idle_states_share_their_folder_and_empty_tables() -> None:
    # Identity, not bytes: two idle states hold the same shared objects and
    # no table of their own for what they are not doing.
    first = feed(State(), *WELCOME)
    second = feed(State(), *WELCOME)
    assert first._folder is second._folder is folder_for("rfc1459")
    assert first._classes is second._classes
    assert first._channels._data is second._channels._data  # the shared empty one
    assert first._names is None and first._lists is None and first._ckeys is None
    assert first._users._data is not second._users._data  # each holds its own user
    assert first._users._folder is first._channels._folder is first._folder


def test_the_shared_empty_table_refuses_writes() -> None:
    # A write that forgot NameMap._table() must fail loudly, never reach
    # every other state's empty map.
    state = State()
    with pytest.raises(TypeError):
        state._channels._data["#x"] = None  # type: ignore[assignment]
    assert not State().channels


def test_a_state_works_after_its_first_join_and_frees_tables_when_left() -> None:
    state = feed(State(), *WELCOME)
    empty = state._channels._data
    feed(state, ":me!u@h JOIN #Chan", ":irc.test 353 me = #Chan :@me +Alice",
         ":irc.test 366 me #Chan :End")
    assert state.channels["#chan"].users["alice"].prefix == "+"
    assert state._names is None  # read, then freed
    feed(state, ":irc.test 367 me #chan *!*@bad", ":irc.test 368 me #chan :End")
    assert state.channels["#chan"].list_modes["b"] == {"*!*@bad"}
    assert state._lists is None
    feed(state, ":me!u@h PART #chan")
    assert not state.channels and state._channels._data is empty
    assert state._ckeys is None
    assert list(state.users) == ["me"]
    feed(state, ":me!u@h JOIN #again")
    assert list(state.channels) == ["#again"]
    invariants(state)


def test_a_lowercase_nick_is_its_own_key() -> None:
    state = feed(State(), *WELCOME)
    assert state.nick is not None
    assert state._me is state.nick
    assert next(iter(state._users._data)) is state.nick


def test_shared_folders_fold_like_casefold() -> None:
    names = ["Nick[]\\~^{}|", "#Chan[X]", "Ünïcode[", "ALL_CAPS~", "plain", "#a\\b^"]
    for mapping in (*CASEMAPPINGS, "RFC1459", "utf8", "rfc7613"):
        folder = folder_for(mapping)
        assert folder is folder_for(mapping)
        exact = mapping.lower() if mapping.lower() in CASEMAPPINGS else "ascii"
        assert folder is folder_for(exact) and folder.casemapping == exact
        for name in names:
            assert folder.fold(name) == casefold(name, exact)


def test_states_share_statuses_by_mode_classes() -> None:
    first, second = joined(), joined()
    alice = first.channels["#chan"].users["alice"]._status
    assert alice is second.channels["#chan"].users["alice"]._status
    assert alice is first._classes.statuses[frozenset("v")]


def test_a_casemapping_change_while_names_are_read_keeps_the_reply() -> None:
    state = feed(State(), *WELCOME, ":me!u@h JOIN #Chan[1]",
                 ":irc.test 353 me = #Chan[1] :@me Alice Bo[b]")
    feed(state, ":irc.test 005 me CASEMAPPING=ascii :are supported",
         ":irc.test 366 me #Chan[1] :End")
    assert state._folder is folder_for("ascii")
    assert set(state.channels["#chan[1]"].users) == {"me", "Alice", "Bo[b]"}
    assert "bo{b}" not in state.users and "bo[b]" in state.users
    assert state._names is None
    invariants(state)


def test_a_borrowed_isupport_is_left_to_its_owner() -> None:
    owner = ISupport()
    state = State()
    state._borrow_isupport(owner)
    owner.update(["CASEMAPPING=ascii", "NICKLEN=20"])
    feed(state, ":irc.test 001 me :Welcome", ":irc.test 005 me CASEMAPPING=ascii :are")
    assert state.isupport is owner and state._folder is folder_for("ascii")
    assert dict(owner) == {"CASEMAPPING": "ascii", "NICKLEN": "20"}  # not applied twice
    state.clear()
    assert owner["NICKLEN"] == "20"  # the owner clears its own tokens
    owner.clear()
    state.clear()
    assert state._folder is folder_for("rfc1459")


def test_maps_of_one_entry_hold_no_dict() -> None:
    # Us alone in users, a bot alone in its channel: a one-entry map, which
    # grows into a dict with the second entry and shrinks back.
    state = feed(State(), *WELCOME, ":me!u@h JOIN #solo")
    for table in (state._users._data, state._channels._data,
                  state.channels["#solo"].users._data):
        assert not isinstance(table, dict) and len(table) == 1
        with pytest.raises(TypeError):
            table["x"] = None  # type: ignore[index]
    assert state.users["ME"].nick == "me" and "#SOLO" in state.channels
    feed(state, ":Alice!a@h JOIN #solo", ":me!u@h JOIN #two")
    assert isinstance(state._users._data, dict) and isinstance(state._channels._data, dict)
    feed(state, ":Alice!a@h NICK Alicia", ":Alicia!a@h PART #solo", ":me!u@h PART #two")
    assert not isinstance(state._users._data, dict) and list(state.users) == ["me"]
    assert not isinstance(state._channels._data, dict) and list(state.channels) == ["#solo"]
    feed(state, ":me!u@h NICK Me2", ":irc.test 353 me = #solo :@Me2",
         ":irc.test 366 me #solo :End")
    assert list(state.channels["#solo"].users) == ["Me2"]
    assert state.channels["#solo"].users["me2"].prefix == "@"
    assert not isinstance(state.channels["#solo"].users._data, dict)
    invariants(state)
