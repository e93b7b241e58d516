"""NAMES replies (353, 366): a channel's member list, replaced when the reply ends.

Pure: no I/O, no asyncio.  The entries of each 353 are kept aside, per
channel, until its 366; then they replace the channel's members (we stay),
so a member who left while nobody watched is dropped and one the server
lists is added with the status its prefixes give.  Lines that change
members while a reply is being read are applied to the entries kept aside
too (:class:`~bottom.state.State` does that), so the replacement is current.
Each handler takes the state and the line; :data:`HANDLERS` maps the
numerics to them for :meth:`State.apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .channel import NO_MODES, Member, User
from .message import split_source

if TYPE_CHECKING:
    from .message import Message
    from .state import State

__all__ = ["HANDLERS"]


def _on_names(state: State, msg: Message) -> None:
    folded = state._ckey(msg.params[2])
    if folded not in state._channels._data:
        return
    if state._names is None:
        state._names = {}
    pending = state._names.setdefault(folded, {})
    symbols = state._classes.symbols
    chars = "".join(symbols)
    fold = state._folder.fold
    budget = state.max_tracked_users
    for entry in msg.params[3].split():
        source = entry.lstrip(chars)  # every leading prefix symbol, as split_prefixes
        modes = NO_MODES
        if len(source) != len(entry):
            modes = frozenset(symbols[s] for s in entry[:len(entry) - len(source)])
        if "!" in source or "@" in source:
            nick, username, host = split_source(source)
        else:
            nick, username, host = source, None, None
        if not nick:
            continue
        if len(pending) >= budget:
            state._warn("users", budget)
            break
        key = fold(nick)
        pending[nick if key == nick else key] = (modes, nick, username, host)


def _on_end_of_names(state: State, msg: Message) -> None:
    folded = state._ckey(msg.params[1])
    names = state._names
    pending = names.pop(folded, None) if names else None
    if names is not None and not names:
        state._names = None  # the last reply read: free the table
    channel = state._channels._data.get(folded)
    if channel is None:
        return
    pending = pending or {}
    for key in list(channel.users._data):
        if key not in pending and key != state._me:
            state._remove_member(channel, key)
    if not pending:
        return
    # The inner loop of a 100 000-member channel: _user and _add_member inlined.
    users, members, name = state._users._table(), channel.users._table(), channel.name
    status, room = state._status, state.max_tracked_users
    for key, (modes, nick, username, host) in pending.items():
        user = users.get(key)
        if user is None:
            if len(users) >= room:
                state._warn("users", room)
                continue
            user = users[key] = User(nick, username, host)
        elif username:
            user.username = username
            user.host = host or user.host
        member = members.get(key)
        if member is None:
            user._joined(name)
            members[key] = Member(user, status(modes))
        else:
            member._status = status(modes)
    state._users._shrink(users)  # a channel of us alone keeps no dict
    channel.users._shrink(members)


#: command -> handler, merged into the state's table
HANDLERS: dict[str, Callable[[State, Message], None]] = {
    "353": _on_names, "366": _on_end_of_names,
}
