"""What :class:`bottom.State` holds: channels, their members, and users.

Pure: no I/O, no asyncio.  These objects are made and changed only by
:meth:`bottom.State.apply`; read them, do not change them.  They hold no
reference back to the state or to each other in a loop (a
:class:`Member` points at its :class:`User`, a user names its channels
by string), so a forgotten user or a parted channel is freed at once,
without the cycle collector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Generic, TypeVar

__all__ = ["Channel", "Member", "NameMap", "User"]

_V = TypeVar("_V")
_NO_MODES: frozenset[str] = frozenset()
# One frozenset per distinct set of prefix modes: 100 000 members share a handful.
_MODE_SETS: dict[frozenset[str], frozenset[str]] = {_NO_MODES: _NO_MODES}


def shared_modes(modes: frozenset[str]) -> frozenset[str]:
    """The one stored frozenset equal to ``modes`` (bounded: prefix modes are few)."""
    found = _MODE_SETS.get(modes)
    if found is None:
        if len(_MODE_SETS) > 1024:
            _MODE_SETS.clear()
            _MODE_SETS[_NO_MODES] = _NO_MODES
        found = _MODE_SETS[modes] = modes
    return found


class Folder:
    """The server's casemapping as a translate table, shared by every :class:`NameMap`.

    :class:`bottom.State` changes :attr:`table` in place when 005 brings a new
    ``CASEMAPPING`` (and refolds the maps' keys), so lookups follow it.
    """

    __slots__ = ("table",)

    def __init__(self, table: dict[int, int]) -> None:
        self.table = table

    def fold(self, name: str) -> str:
        """``name`` folded; the very same string when folding changes nothing."""
        folded = name.translate(self.table)
        return name if folded == name else folded


class NameMap(Mapping[str, _V], Generic[_V]):
    """A read-only mapping whose lookups fold names by the server's casemapping.

    ``channels["#Bottom"]`` and ``channels["#bottom"]`` are the same entry on
    a server that says so.  Iterating gives the names as the server spells
    them (a channel's :attr:`Channel.name`, a user's current nick).
    """

    __slots__ = ("_data", "_folder", "_name")

    def __init__(self, folder: Folder, name: Callable[[_V], str]) -> None:
        self._data: dict[str, _V] = {}
        self._folder = folder
        self._name = name

    def __getitem__(self, name: str) -> _V:
        return self._data[self._folder.fold(name)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._folder.fold(name) in self._data

    def get(self, name: str, default: _V | None = None) -> _V | None:  # type: ignore[override]
        return self._data.get(self._folder.fold(name), default)

    def __iter__(self) -> Iterator[str]:
        name = self._name
        return iter([name(value) for value in self._data.values()])

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{{{', '.join(repr(key) for key in self)}}}"

    def refold(self) -> None:
        """Rebuild the keys after the casemapping changed (the last entry wins a clash)."""
        fold, name = self._folder.fold, self._name
        self._data = {fold(name(value)): value for value in self._data.values()}


class User:
    """Someone we share a channel with, or ourselves.

    Fields the server has not told us yet are ``None``: NAMES gives only
    nicks (and ``user@host`` with ``userhost-in-names``), WHO gives the rest.
    """

    __slots__ = ("nick", "username", "host", "realname", "account", "away",
                 "away_message", "_channels")

    def __init__(self, nick: str, username: str | None = None, host: str | None = None) -> None:
        self.nick = nick
        self.username = username
        self.host = host
        self.realname: str | None = None
        #: account name, or None (not logged in, or not known)
        self.account: str | None = None
        self.away = False
        self.away_message: str | None = None
        # the channel names as in State.channels; a tuple costs less than a set
        self._channels: tuple[str, ...] = ()

    @property
    def channels(self) -> set[str]:
        """The names of the channels we share with this user (a new set each time)."""
        return set(self._channels)

    def __repr__(self) -> str:
        return f"<User {self.nick}!{self.username or '?'}@{self.host or '?'}>"


class Member:
    """A user in one channel, with the prefix modes they have there."""

    __slots__ = ("user", "modes", "prefix")

    def __init__(self, user: User, modes: frozenset[str] = _NO_MODES, prefix: str = "") -> None:
        self.user = user
        #: prefix modes, e.g. ``{"o", "v"}`` (a frozenset shared between members)
        self.modes = modes
        #: the highest prefix symbol (``"@"``, ``"+"``), or ``""``
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"<Member {self.prefix}{self.user.nick}>"


def _member_nick(member: Member) -> str:
    return member.user.nick


class Channel:
    """A channel we are in: topic, modes and members.

    :attr:`modes` holds CHANMODES types B, C and D (``{"n": None, "k": "key",
    "l": "10"}``); :attr:`list_modes` type A (bans, excepts, invex) from MODE
    and from the list replies; :attr:`users` maps nicks to :class:`Member`.
    """

    __slots__ = ("name", "topic", "topic_setter", "topic_time", "created", "modes",
                 "list_modes", "users")

    def __init__(self, name: str, folder: Folder) -> None:
        #: as the server spelled it in our JOIN
        self.name = name
        self.topic: str | None = None
        self.topic_setter: str | None = None
        self.topic_time: datetime | None = None
        #: the channel's creation time (329), UTC
        self.created: datetime | None = None
        self.modes: dict[str, str | None] = {}
        self.list_modes: dict[str, set[str]] = {}
        self.users: NameMap[Member] = NameMap(folder, _member_nick)

    def __repr__(self) -> str:
        return f"<Channel {self.name} users={len(self.users)}>"
