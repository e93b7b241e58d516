"""bottom.State on random valid line streams: invariants, a model, and ircstates.

A small model network (us and a few others, a few channels) makes a valid
stream of JOIN/PART/KICK/QUIT/NICK/MODE/NAMES lines; after every line the
state keeps the invariants of issue 15, and at the end its members and
prefix modes are the model's and, when it is installed, ircstates's.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_state import invariants

from bottom.casemap import casefold
from bottom.message import Message
from bottom.state import State

NICKS = ["me", "Alice", "bob", "c[a]", "C{A}x", "dave", "Eve"]
CHANNELS = ["#a", "#B", "#c[1]"]
HEAD = [":irc.test 001 me :Welcome",
        ":irc.test 005 me PREFIX=(ov)@+ CHANMODES=b,k,l,imnpst CASEMAPPING=rfc1459 :are"]

Action = tuple[str, int, int, int]


def fold(name: str) -> str:
    return casefold(name, "rfc1459")


class Network:
    """The truth: who is in which channel with which modes; turns actions into lines."""

    def __init__(self) -> None:
        self.nicks = {fold(n): n for n in ["me", "Alice", "bob"]}
        self.members: dict[str, dict[str, set[str]]] = {}  # folded chan -> folded nick -> modes
        self.names: dict[str, str] = {}  # folded chan -> name as joined

    def line(self, action: Action) -> list[str]:
        kind, a, b, c = action
        nick = list(self.nicks.values())[a % len(self.nicks)]
        key = fold(nick)
        chan = CHANNELS[b % len(CHANNELS)]
        ckey = fold(chan)
        members = self.members.get(ckey)
        if kind == "join":
            if key == "me" and members is None:
                self.members[ckey], self.names[ckey] = {"me": {"o"}}, chan
                return [f":me!u@h JOIN {chan}", f":irc.test 353 me = {chan} :@me",
                        f":irc.test 366 me {chan} :End"]
            if members is not None and key not in members:
                members[key] = set()
                return [f":{nick}!u@h JOIN {chan}"]
        elif kind in ("part", "kick") and members is not None and key in members:
            if key == "me":
                del self.members[ckey]
            else:
                del members[key]
            if kind == "part":
                return [f":{nick}!u@h PART {self.names[ckey]} :bye"]
            return [f":op!o@h KICK {self.names[ckey]} {nick} :out"]
        elif kind == "quit" and key != "me" and self._known(key):
            for chan_members in self.members.values():
                chan_members.pop(key, None)
            return [f":{nick}!u@h QUIT :gone"]
        elif kind == "nick" and key != "me":  # our own NICK: see test_state.py
            new = NICKS[c % len(NICKS)] + ("" if c < len(NICKS) else str(c))
            nkey = fold(new)
            if nkey in self.nicks and nkey != key:
                return []
            del self.nicks[key]
            self.nicks[nkey] = new
            for chan_members in self.members.values():
                if key in chan_members:
                    chan_members[nkey] = chan_members.pop(key)
            return [f":{nick}!u@h NICK {new}"]
        elif kind == "mode" and members is not None and key in members:
            sign, letter = "+-"[c % 2], "ov"[(c // 2) % 2]
            (members[key].add if sign == "+" else members[key].discard)(letter)
            return [f":op!o@h MODE {self.names[ckey]} {sign}{letter} {nick}"]
        elif kind == "names" and members is not None:
            names = " ".join(("@" if "o" in m else "+" if "v" in m else "") + self.nicks[n]
                             for n, m in members.items())
            for m in members.values():  # without multi-prefix NAMES shows the highest only
                if "o" in m:
                    m.discard("v")
            return [f":irc.test 353 me = {chan} :{names}", f":irc.test 366 me {chan} :End"]
        elif kind == "newnick":
            new = f"n{a}x{c}"
            if fold(new) not in self.nicks:
                self.nicks[fold(new)] = new
        return []

    def _known(self, key: str) -> bool:
        return any(key in members for members in self.members.values())


actions = st.lists(st.tuples(
    st.sampled_from(["join", "join", "part", "kick", "quit", "nick", "mode", "mode",
                     "names", "newnick"]),
    st.integers(0, 9), st.integers(0, 5), st.integers(0, 9)), max_size=60)


def run(stream: list[Action]) -> tuple[Network, State, list[str]]:
    network, state, lines = Network(), State(), list(HEAD)
    for line in HEAD:
        state.apply(Message.parse(line))
    for action in stream:
        for line in network.line(action):
            lines.append(line)
            state.apply(Message.parse(line))
            invariants(state)
    return network, state, lines


def snapshot_of_state(state: State) -> dict[str, dict[str, frozenset[str]]]:
    return {fold(name): {fold(nick): frozenset(m.modes) for nick, m in channel.users.items()}
            for name, channel in state.channels.items()}


@settings(max_examples=examples(60), deadline=None)
@given(actions)
def test_random_streams_keep_invariants_and_match_the_model(stream: list[Action]) -> None:
    network, state, _ = run(stream)
    expected = {chan: {n: frozenset(m) for n, m in members.items()}
                for chan, members in network.members.items()}
    assert snapshot_of_state(state) == expected
    shared = {n for members in network.members.values() for n in members} | {"me"}
    assert {fold(nick) for nick in state.users} == shared


ircstates: Any
try:
    import ircstates
    import irctokens
except ImportError:  # pragma: no cover - the bench extra installs it
    ircstates = None


@pytest.mark.skipif(ircstates is None, reason="ircstates is not installed (pip install ircstates)")
@settings(max_examples=examples(40), deadline=None)
@given(actions)
def test_random_streams_match_ircstates(stream: list[Action]) -> None:
    _, state, lines = run(stream)
    peer = ircstates.Server("irc.test")
    for line in lines:
        peer.parse_tokens(irctokens.tokenise(line))
    theirs = {key: {nick: frozenset(cu.modes) for nick, cu in channel.users.items()}
              for key, channel in peer.channels.items()}
    assert snapshot_of_state(state) == theirs
    # ircstates tracks us only while we are in a channel
    assert {fold(nick) for nick in state.users} - {"me"} == set(peer.users) - {"me"}
