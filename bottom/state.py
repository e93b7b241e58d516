"""Network state: which channels we are in, who is there, with which modes.

Pure: no I/O, no asyncio.  :class:`State` is fed every line the server
sends (001 and 005 included) with :meth:`State.apply`, and can follow a log
or a bouncer's stream as well as a live :class:`bottom.Client`.

Names are looked up folded by the server's ``CASEMAPPING`` (``rfc1459``
until 005 says otherwise); when 005 changes it, every key is refolded.  A
user who shares no channel with us any more is forgotten (never us).  A
NAMES reply replaces a channel's member list when its 366 arrives; lines
that change members while it is being read are applied to it too, so the
replacement is current.  Bounded: past ``max_tracked_users`` users or
``max_tracked_channels`` channels new ones are not tracked and one WARNING
is logged; nothing raises, and a malformed line is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from .chanmodes import mode_classes
from .channel import NO_MODES, NO_STATUS, Channel, Member, NameMap, Status, User, folder_for
from .isupport import ISupport
from .message import Message, split_source

__all__ = ["State"]

log = logging.getLogger("bottom.state")

DEFAULT_MAX_USERS = 200_000
DEFAULT_MAX_CHANNELS = 10_000
# A NAMES reply in progress: folded nick -> (modes, nick, username, host)
_Entry = tuple[frozenset[str], str, "str | None", "str | None"]
_Pending = dict[str, _Entry]


def _user_nick(user: User) -> str:
    return user.nick


def _channel_name(channel: Channel) -> str:
    return channel.name


def _positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, not {value!r}")
    return value


class State:
    """Channels, members and users, kept current by :meth:`apply`.

    :attr:`channels` maps the channels we are in, :attr:`users` everyone we
    share a channel with, and us; both are read-only, folded mappings.
    """

    # What every idle client of a bridge holds is shared or absent: the
    # folder and the mode classes are the process's, an empty map holds no
    # dict, and the NAMES, list-reply and channel-key tables exist only
    # while they hold something (None otherwise).
    __slots__ = ("nick", "isupport", "max_tracked_users", "max_tracked_channels",
                 "_folder", "_classes", "_users", "_channels", "_names", "_lists",
                 "_me", "_ckeys", "_borrowed", "_warned", "__weakref__")

    def __init__(self, *, max_tracked_users: int = DEFAULT_MAX_USERS,
                 max_tracked_channels: int = DEFAULT_MAX_CHANNELS) -> None:
        self.max_tracked_users = _positive("max_tracked_users", max_tracked_users)
        self.max_tracked_channels = _positive("max_tracked_channels", max_tracked_channels)
        #: our nick (from 001 and our NICK echoes), or None before 001
        self.nick: str | None = None
        #: the server's 005 tokens, which the names are folded with
        self.isupport = ISupport()
        # True when isupport is a client's session's, which feeds it (see _borrow_isupport)
        self._borrowed = False
        self._folder = folder_for(self.isupport.casemapping)
        self._classes = mode_classes(self.isupport.chanmodes, self.isupport.prefix)
        self._me: str | None = None  # our nick, folded (the nick itself when equal)
        # channel name as sent -> folded: few, seen often
        self._ckeys: dict[str, str] | None = None
        self._users: NameMap[User] = NameMap(self._folder, _user_nick)
        self._channels: NameMap[Channel] = NameMap(self._folder, _channel_name)
        self._names: dict[str, _Pending] | None = None  # NAMES replies being read
        self._lists: dict[tuple[str, str], set[str]] | None = None  # list replies being read
        self._warned = False

    def _borrow_isupport(self, isupport: ISupport) -> None:
        """Fold by ``isupport``, which its owner updates (a client's session):
        one ISUPPORT per client.  From now on 005 lines only refold here and
        :meth:`clear` leaves the tokens to their owner."""
        self.isupport = isupport
        self._borrowed = True
        self._set_casemapping()

    @property
    def channels(self) -> Mapping[str, Channel]:
        """The channels we are in, by name (folded lookups)."""
        return self._channels

    @property
    def users(self) -> Mapping[str, User]:
        """Users we share a channel with, and us, by nick (folded lookups)."""
        return self._users

    def __repr__(self) -> str:
        return (f"<State nick={self.nick!r} channels={len(self._channels)} "
                f"users={len(self._users)}>")

    def fold(self, name: str) -> str:
        """``name`` folded by the server's current casemapping."""
        return self._folder.fold(name)

    def clear(self) -> None:
        """Forget everything, as after a disconnect (the limits stay)."""
        self.nick = self._me = None
        if not self._borrowed:
            self.isupport.clear()
        self._set_casemapping()
        self._forget_all()
        self._warned = False

    def apply(self, message: Message) -> None:
        """Update the state from one line the server sent.

        Lines that change nothing tracked (PRIVMSG...) cost one dict lookup.
        A malformed line is logged and skipped; this never raises.
        """
        handler = _HANDLERS.get(message.command)
        if handler is None:
            return
        try:
            handler(self, message)
        except (IndexError, ValueError, OverflowError, OSError) as exc:
            log.warning("state: skipped a malformed %s line (%s): %r",
                        message.command, exc, message)

    # --- helpers --------------------------------------------------------

    def _set_casemapping(self) -> None:
        prefix = self.isupport.prefix
        if prefix != self._classes.prefix:
            self._classes = mode_classes(self.isupport.chanmodes, prefix)
            for channel in self._channels._data.values():
                for member in channel.users._data.values():
                    member._status = self._status(member.modes)
        else:
            self._classes = mode_classes(self.isupport.chanmodes, prefix)
        folder = folder_for(self.isupport.casemapping)
        if folder is self._folder:
            return
        names = self._names
        # The channels of NAMES replies being read, by their old keys.
        reading = [(self._channels._data.get(key), pending)
                   for key, pending in names.items()] if names else []
        self._folder = folder
        self._ckeys = None
        self._me = None if self.nick is None else self._key(self.nick)
        self._users.refold(folder)
        self._channels.refold(folder)
        for channel in self._channels._data.values():
            channel.users.refold(folder)
        if names:
            self._names = {self._ckey(channel.name): {self._key(e[1]): e
                                                      for e in pending.values()}
                           for channel, pending in reading if channel is not None} or None

    def _warn(self, what: str, limit: int) -> None:
        if not self._warned:
            self._warned = True
            log.warning("state: more than %d %s; new ones are not tracked "
                        "(raise max_tracked_%s)", limit, what, what)

    def _is_us(self, nick: str) -> bool:
        return self._folder.fold(nick) == self._me

    def _key(self, nick: str) -> str:
        """``nick`` folded; the nick itself when folding changes nothing, so
        a key and the name it stands for are one string."""
        key = self._folder.fold(nick)
        return nick if key == nick else key

    def _ckey(self, name: str) -> str:
        """``name`` (a channel) folded, through a small cache."""
        ckeys = self._ckeys
        if ckeys is None:
            ckeys = self._ckeys = {}
        key = ckeys.get(name)
        if key is None:
            if len(ckeys) >= 2 * self.max_tracked_channels:
                ckeys.clear()
            key = self._folder.fold(name)
            key = ckeys[name] = name if key == name else key
        return key

    def _status(self, modes: frozenset[str]) -> Status:
        """The shared :class:`Status` for ``modes`` under the current PREFIX
        (kept by the mode classes, which clients of one server share)."""
        if not modes:
            return NO_STATUS
        statuses = self._classes.statuses
        status = statuses.get(modes)
        if status is None:
            if len(statuses) > 1024:  # prefix modes are few; a flood is not
                statuses.clear()
            status = statuses[modes] = Status(modes, self._classes.highest(modes))
        return status

    def _user(self, nick: str, username: str | None, host: str | None,
              key: str | None = None) -> User | None:
        """The tracked user ``nick`` (created if new and within bounds), updated."""
        data = self._users._data
        if key is None:
            key = self._folder.fold(nick)
        user = data.get(key)
        if user is None:
            if len(data) >= self.max_tracked_users:
                self._warn("users", self.max_tracked_users)
                return None
            user = User(nick, username, host)
            if type(data) is dict:  # inlined NameMap._put: the common case
                data[key] = user
            else:
                self._users._put(key, user)
            return user
        if username:
            user.username = username
        if host:
            user.host = host
        return user

    def _add_member(self, channel: Channel, user: User, modes: frozenset[str],
                    key: str | None = None) -> None:
        if key is None:
            key = self._folder.fold(user.nick)
        members = channel.users._data
        member = members.get(key)
        if member is None:
            user._joined(channel.name)
            if type(members) is dict:  # inlined NameMap._put: the common case
                members[key] = Member(user, self._status(modes))
            else:
                channel.users._put(key, Member(user, self._status(modes)))
        else:
            member._status = self._status(modes)

    def _remove_member(self, channel: Channel, key: str) -> None:
        """Take the user folded to ``key`` out of ``channel``; forget them if it was the last."""
        # NameMap._pop inlined for a dict that stays one (the common case).
        members = channel.users._data
        if type(members) is dict and len(members) > 2:
            member = members.pop(key, None)
        else:
            member = channel.users._pop(key)
        if self._names:
            pending = self._names.get(self._ckey(channel.name))
            if pending is not None:
                pending.pop(key, None)
        if member is not None and member.user._left(channel.name) and key != self._me:
            users = self._users._data
            if type(users) is dict and len(users) > 2:
                users.pop(key, None)
            else:
                self._users._pop(key)

    def _forget_all(self) -> None:
        """Leave every channel (our QUIT, ERROR); keep our nick and 005."""
        self._users._clear()
        self._channels._clear()
        self._names = self._lists = self._ckeys = None
        if self.nick is not None:
            self._user(self.nick, None, None, self._me)

    def _drop_channel(self, channel: Channel) -> None:
        folded = self._ckey(channel.name)
        self._channels._pop(folded)
        names = self._names
        if names:
            names.pop(folded, None)
            if not names:
                self._names = None
        lists = self._lists
        if lists:
            for pair in [pair for pair in lists if pair[0] == folded]:
                del lists[pair]
            if not lists:
                self._lists = None
        for key in list(channel.users._data):
            self._remove_member(channel, key)
        if not self._channels._data:
            self._ckeys = None  # in no channel: nothing to look up often

    # --- registration ---------------------------------------------------

    def _on_welcome(self, msg: Message) -> None:
        self.clear()
        self.nick = msg.params[0]
        self._me = self._key(self.nick)
        self._user(self.nick, None, None, self._me)

    def _on_isupport(self, msg: Message) -> None:
        if not self._borrowed:  # else the owner has applied it already
            self.isupport.update(msg.params[1:-1])
        self._set_casemapping()

    # --- membership -----------------------------------------------------

    def _on_join(self, msg: Message) -> None:
        nick, username, host = split_source(msg.source)
        if nick is None:
            return
        name = msg.params[0]
        folded = self._ckey(name)
        channel = self._channels._data.get(folded)
        key = self._folder.fold(nick)
        if key == nick:
            key = nick  # one string for the nick and both keys: 100 000 members add up
        if channel is None and key == self._me:
            if len(self._channels._data) >= self.max_tracked_channels:
                self._warn("channels", self.max_tracked_channels)
                return
            channel = Channel(name, self._folder)
            self._channels._put(folded, channel)
        if channel is None:
            return
        user = self._user(nick, username, host, key)
        if user is None:
            return
        if len(msg.params) >= 3:  # extended-join: account and realname
            user.account = None if msg.params[1] == "*" else msg.params[1]
            user.realname = msg.params[2]
        self._add_member(channel, user, NO_MODES, key)
        if self._names:
            pending = self._names.get(folded)
            if pending is not None:
                pending[key] = (NO_MODES, nick, username, host)

    def _on_part(self, msg: Message) -> None:
        nick = msg.nick
        for name in msg.params[0].split(","):
            self._leave(name, nick)

    def _on_kick(self, msg: Message) -> None:
        self._leave(msg.params[0], msg.params[1])

    def _leave(self, name: str, nick: str | None) -> None:
        channel = self._channels._data.get(self._ckey(name))
        if channel is None or nick is None:
            return
        key = self._folder.fold(nick)
        if key == self._me:
            self._drop_channel(channel)
        else:
            self._remove_member(channel, key)

    def _on_quit(self, msg: Message) -> None:
        nick = msg.nick
        if nick is None:
            return
        key = self._folder.fold(nick)
        if key == self._me:
            self._forget_all()
            return
        user = self._users._data.get(key)
        if user is None:
            return
        channels = self._channels._data
        for name in user._in():
            channel = channels.get(self._ckey(name))
            if channel is not None:
                self._remove_member(channel, key)

    def _on_nick(self, msg: Message) -> None:
        old, new = msg.nick, msg.params[0]
        if old is None or not new:
            return
        fold, ckey = self._folder.fold, self._ckey
        old_key, new_key = fold(old), fold(new)
        if old_key == self._me:
            self.nick, self._me = new, (new if new_key == new else new_key)
        users = self._users
        user = users._data.get(old_key)
        if user is None:
            return
        if new_key == new:
            new_key = new  # one string for the nick and its keys
        if new_key != old_key:
            stale = users._data.get(new_key)
            if stale is not None:  # a desync: the server says the nick is free
                for name in stale._in():
                    channel = self._channels._data.get(ckey(name))
                    if channel is not None:
                        self._remove_member(channel, new_key)
                users._pop(new_key)
            data = users._data
            if type(data) is dict and len(data) > 2:  # NameMap._rename inlined
                del data[old_key]
                data[new_key] = user
            else:
                users._rename(old_key, new_key)
        user.nick = new
        for name in user._in():
            channel_key = ckey(name)
            channel = self._channels._data.get(channel_key)
            if channel is not None and new_key != old_key:
                members = channel.users._data
                if type(members) is dict and len(members) > 2:  # _rename inlined
                    member = members.pop(old_key, None)
                    if member is not None:
                        members[new_key] = member
                else:
                    channel.users._rename(old_key, new_key)
            pending = self._names.get(channel_key) if self._names else None
            if pending is not None and old_key in pending:
                modes, _, username, host = pending.pop(old_key)
                pending[new_key] = (modes, new, username, host)


def _handlers() -> dict[str, Callable[[State, Message], None]]:
    from .state_details import HANDLERS as details
    from .state_names import HANDLERS as names
    table: dict[str, Callable[[State, Message], None]] = {
        "001": State._on_welcome, "005": State._on_isupport, "JOIN": State._on_join,
        "PART": State._on_part, "KICK": State._on_kick, "QUIT": State._on_quit,
        "NICK": State._on_nick,
    }
    table.update(names)
    table.update(details)
    return table


_HANDLERS = _handlers()
