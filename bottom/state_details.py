"""The lines that change what :class:`bottom.State` knows without changing who is where.

Pure: no I/O, no asyncio.  MODE and 324 (channel and prefix modes), TOPIC
and 331/332/333, 329, the list replies (367/368 bans, 348/349 excepts,
346/347 invex, 728/729 quiets), WHO (352) and WHOX (354), AWAY and
301/305/306, ACCOUNT, CHGHOST, SETNAME, WHOIS 311/330 and ERROR.  Each
handler takes the state and the line; :data:`HANDLERS` maps commands to
them for :meth:`State.apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .chanmodes import parse_modes
from .channel import Channel, User

if TYPE_CHECKING:
    from .message import Message
    from .state import State

__all__ = ["HANDLERS", "WHOX_FIELDS", "WHOX_TOKEN"]

#: the WHOX query bottom sends (``WHO #chan %tcuhnfar,152``) and the token it reads back
WHOX_FIELDS = "tcuhnfar"
WHOX_TOKEN = "152"
_LIST_REPLIES = {"367": ("", "b"), "348": ("EXCEPTS", "e"), "346": ("INVEX", "I")}
_LIST_ENDS = {"368": ("", "b"), "349": ("EXCEPTS", "e"), "347": ("INVEX", "I")}


def _channel(state: State, name: str) -> Channel | None:
    return state._channels._data.get(state._folder.fold(name))


def _time(msg: Message) -> datetime:
    """The line's ``time`` tag (server-time), else now; both UTC."""
    stamp = msg.tags.get("time") if msg.tags else None
    if stamp:
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def _epoch(text: str) -> datetime | None:
    return datetime.fromtimestamp(int(text), timezone.utc) if text.isdigit() else None


# --- modes -----------------------------------------------------------------

def _apply_modes(state: State, channel: Channel, modestring: str, args: tuple[str, ...]) -> None:
    classes = state._classes
    fold = state._folder.fold
    members = channel.users._data
    pending = state._names.get(state._ckey(channel.name)) if state._names else None
    for sign, letter, arg, kind in parse_modes(classes, modestring, args):
        if kind == "prefix":
            key = fold(arg or "")
            member = members.get(key)
            if member is not None:
                modes = member.modes | {letter} if sign == "+" else member.modes - {letter}
                member._status = state._status(modes)
            if pending is not None and key in pending:
                old, nick, username, host = pending[key]
                modes = old | {letter} if sign == "+" else old - {letter}
                pending[key] = (modes, nick, username, host)
        elif kind == "A":
            masks = channel.list_modes.setdefault(letter, set())
            if sign == "+":
                masks.add(arg or "")
            else:
                masks.discard(arg or "")
        elif sign == "+":
            channel.modes[letter] = arg
        else:
            channel.modes.pop(letter, None)


def _on_mode(state: State, msg: Message) -> None:
    channel = _channel(state, msg.params[0])
    if channel is not None and len(msg.params) > 1:
        _apply_modes(state, channel, msg.params[1], msg.params[2:])


def _on_channel_modes(state: State, msg: Message) -> None:
    """324: the channel's current B/C/D modes, replacing what we had."""
    channel = _channel(state, msg.params[1])
    if channel is not None and len(msg.params) > 2:
        channel.modes = {}
        _apply_modes(state, channel, msg.params[2], msg.params[3:])


def _on_created(state: State, msg: Message) -> None:
    channel = _channel(state, msg.params[1])
    if channel is not None:
        channel.created = _epoch(msg.params[2])


# --- topic -----------------------------------------------------------------

def _on_topic(state: State, msg: Message) -> None:
    channel = _channel(state, msg.params[0])
    if channel is not None:
        channel.topic = msg.params[1] if len(msg.params) > 1 and msg.params[1] else None
        channel.topic_setter = msg.source
        channel.topic_time = _time(msg)


def _on_no_topic(state: State, msg: Message) -> None:
    channel = _channel(state, msg.params[1])
    if channel is not None:
        channel.topic = channel.topic_setter = channel.topic_time = None


def _on_topic_reply(state: State, msg: Message) -> None:
    channel = _channel(state, msg.params[1])
    if channel is not None:
        channel.topic = msg.params[2] or None


def _on_topic_who_time(state: State, msg: Message) -> None:
    channel = _channel(state, msg.params[1])
    if channel is not None:
        channel.topic_setter = msg.params[2]
        channel.topic_time = _epoch(msg.params[3]) if len(msg.params) > 3 else None


# --- list modes (bans, excepts, invex, quiets) ------------------------------

def _list_letter(state: State, token: str, default: str) -> str:
    if not token:
        return default
    return state.isupport.get(token) or default


def _on_list_entry(state: State, msg: Message) -> None:
    if msg.command == "728":  # quiet list: me channel mode mask ...
        name, letter, mask = msg.params[1], msg.params[2], msg.params[3]
    else:
        name, mask = msg.params[1], msg.params[2]
        letter = _list_letter(state, *_LIST_REPLIES[msg.command])
    folded = state._folder.fold(name)
    if folded in state._channels._data:
        if state._lists is None:
            state._lists = {}
        entries = state._lists.setdefault((folded, letter), set())
        if len(entries) < state.max_tracked_users:
            entries.add(mask)


def _on_list_end(state: State, msg: Message) -> None:
    if msg.command == "729":
        name, letter = msg.params[1], msg.params[2]
    else:
        name = msg.params[1]
        letter = _list_letter(state, *_LIST_ENDS[msg.command])
    folded = state._folder.fold(name)
    lists = state._lists
    entries = lists.pop((folded, letter), set()) if lists else set()
    if lists is not None and not lists:
        state._lists = None  # the last list read: free the table
    channel = state._channels._data.get(folded)
    if channel is not None:
        channel.list_modes[letter] = entries


# --- users -----------------------------------------------------------------

def _who_flags(user: User, flags: str) -> None:
    if flags.startswith("G"):
        user._away = user._away or ""
    elif flags.startswith("H"):
        user._away = None


def _on_who(state: State, msg: Message) -> None:
    """352: me channel user host server nick flags :hops realname."""
    user = state._users._data.get(state._folder.fold(msg.params[5]))
    if user is not None:
        user.username, user.host = msg.params[2], msg.params[3]
        _who_flags(user, msg.params[6])
        if len(msg.params) > 7:
            user.realname = msg.params[7].partition(" ")[2]


def _on_whox(state: State, msg: Message) -> None:
    """354 for our query: me token channel user host nick flags account :realname."""
    params = msg.params
    if len(params) < 9 or params[1] != WHOX_TOKEN:
        return
    user = state._users._data.get(state._folder.fold(params[5]))
    if user is not None:
        user.username, user.host = params[3], params[4]
        _who_flags(user, params[6])
        user.account = None if params[7] in ("0", "*") else params[7]
        user.realname = params[8]


def _on_away(state: State, msg: Message) -> None:
    user = state._users._data.get(state._folder.fold(msg.nick or ""))
    if user is not None:
        text = msg.params[0] if msg.params else ""
        user._away = text or None


def _on_away_reply(state: State, msg: Message) -> None:
    """301: me nick :message (WHOIS, or a PRIVMSG to someone away)."""
    user = state._users._data.get(state._folder.fold(msg.params[1]))
    if user is not None:
        user._away = msg.params[2] if len(msg.params) > 2 else ""


def _on_self_away(state: State, msg: Message) -> None:
    """305 (back) / 306 (away): about us."""
    user = state._users._data.get(state._folder.fold(state.nick or ""))
    if user is not None:
        user._away = (user._away or "") if msg.command == "306" else None


def _on_account(state: State, msg: Message) -> None:
    user = state._users._data.get(state._folder.fold(msg.nick or ""))
    if user is not None:
        user.account = None if msg.params[0] == "*" else msg.params[0]


def _on_chghost(state: State, msg: Message) -> None:
    user = state._users._data.get(state._folder.fold(msg.nick or ""))
    if user is not None:
        user.username, user.host = msg.params[0], msg.params[1]


def _on_setname(state: State, msg: Message) -> None:
    user = state._users._data.get(state._folder.fold(msg.nick or ""))
    if user is not None:
        user.realname = msg.params[0]


def _on_whois_user(state: State, msg: Message) -> None:
    """311: me nick user host * :realname."""
    user = state._users._data.get(state._folder.fold(msg.params[1]))
    if user is not None:
        user.username, user.host = msg.params[2], msg.params[3]
        user.realname = msg.params[5]


def _on_whois_account(state: State, msg: Message) -> None:
    """330: me nick account :is logged in as."""
    user = state._users._data.get(state._folder.fold(msg.params[1]))
    if user is not None:
        user.account = msg.params[2]


def _on_error(state: State, msg: Message) -> None:
    """ERROR: the server is closing the link; we are in no channel any more."""
    state._forget_all()


#: command -> handler, merged into the state's table
HANDLERS: dict[str, Callable[[State, Message], None]] = {
    "MODE": _on_mode, "324": _on_channel_modes, "329": _on_created,
    "TOPIC": _on_topic, "331": _on_no_topic, "332": _on_topic_reply, "333": _on_topic_who_time,
    "367": _on_list_entry, "348": _on_list_entry, "346": _on_list_entry, "728": _on_list_entry,
    "368": _on_list_end, "349": _on_list_end, "347": _on_list_end, "729": _on_list_end,
    "352": _on_who, "354": _on_whox, "AWAY": _on_away, "301": _on_away_reply,
    "305": _on_self_away, "306": _on_self_away, "ACCOUNT": _on_account, "CHGHOST": _on_chghost,
    "SETNAME": _on_setname, "311": _on_whois_user, "330": _on_whois_account, "ERROR": _on_error,
}
