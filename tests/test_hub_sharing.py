"""What the clients of a Hub share instead of each holding a copy.

A bridge keeps thousands of clients on one network; what they derive
from the same 005 (mode classes, the casemapping's fold) and the same
keywords (the transport route) is one object for all of them, while
each still reads its own server's values.
"""

from __future__ import annotations

from bottom import chanmodes
from bottom.message import Message
from bottom.state import State
from bottom.transport import check_route


def feed(state: State, *lines: str) -> State:
    for line in lines:
        state.apply(Message.parse(line))
    return state


def welcomed(isupport: str) -> State:
    return feed(State(), ":irc.test 001 me :Welcome",
                f":irc.test 005 me {isupport} :are supported",
                ":me!u@h JOIN #Chan", ":irc.test 353 me = #Chan :~me @Alice +bob",
                ":irc.test 366 me #Chan :End")


NETWORK = "PREFIX=(qov)~@+ CHANMODES=beI,k,l,imnpst CASEMAPPING=rfc1459"


def test_states_that_heard_one_005_share_its_mode_classes_and_fold() -> None:
    first, second = welcomed(NETWORK), welcomed(NETWORK)
    assert first._classes is second._classes
    assert first._folder.fold is second._folder.fold
    for state in (first, second):
        members = state.channels["#chan"].users
        assert (members["me"].prefix, members["alice"].prefix, members["bob"].prefix) == \
            ("~", "@", "+")


def test_another_server_gets_its_own_mode_classes_and_fold() -> None:
    shared = welcomed(NETWORK)
    other = welcomed("PREFIX=(ov)@+ CHANMODES=b,k,l,imnpst CASEMAPPING=ascii")
    assert other._classes is not shared._classes
    assert other._classes.prefix == {"o": "@", "v": "+"}
    assert other._folder.fold is not shared._folder.fold
    assert other.fold("A[b]") == "a[b]" and shared.fold("A[b]") == "a{b}"
    feed(other, ":Alice!a@h MODE #chan +e *!*@x")  # e is no list mode there
    assert other.channels["#chan"].list_modes.get("e") is None
    feed(shared, ":Alice!a@h MODE #chan +e *!*@x")
    assert shared.channels["#chan"].list_modes["e"] == {"*!*@x"}


def test_a_server_changing_its_005_without_end_keeps_the_table_bounded() -> None:
    state = welcomed(NETWORK)
    for index in range(3 * chanmodes._SHARED_MAX):
        feed(state, f":irc.test 005 me CHANMODES=b,k,l,{'m' * (index % 40)}n{index} :are")
    assert len(chanmodes._SHARED) <= chanmodes._SHARED_MAX
    long_modes = "b,k,l," + "x" * (2 * chanmodes._SHARED_MAX_CHARS)
    before = dict(chanmodes._SHARED)
    feed(state, f":irc.test 005 me CHANMODES={long_modes} :are")
    assert state._classes.kinds["x"] == "D"
    assert before == chanmodes._SHARED  # too long to keep: this client's own


def test_clients_with_the_usual_route_share_one() -> None:
    assert check_route(ssl=False) is check_route(ssl=True)
    bound = check_route(ssl=False, local_addr=("127.0.0.1", 0))
    assert bound is not check_route(ssl=False) and bound.local_addr == ("127.0.0.1", 0)
