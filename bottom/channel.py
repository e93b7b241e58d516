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
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from .casemap import _table as table

__all__ = ["NO_MODES", "NO_STATUS", "Channel", "Folder", "Member", "NameMap", "Status", "User",
           "folder_for"]

_V = TypeVar("_V")
class Folder:
    """A casemapping as a fold function, shared by every :class:`NameMap` that uses it.

    One per casemapping for the whole process (:func:`folder_for`): it
    holds nothing per client, so a bridge's thousands of clients share
    three.  When 005 brings a new ``CASEMAPPING``, :class:`bottom.State`
    swaps its maps over to that casemapping's folder (and refolds their
    keys).  ``str.lower`` plus a few ``replace`` calls is several times
    faster than ``str.translate``, and ASCII names are nearly all names.
    """

    __slots__ = ("casemapping", "fold")

    def __init__(self, casemapping: str) -> None:
        casemapping = casemapping.lower()
        if casemapping not in _EXTRA:
            casemapping = "ascii"
        #: the casemapping folded exactly (any other name folds as "ascii")
        self.casemapping = casemapping
        self.fold: Callable[[str], str] = _folder(table(casemapping), _EXTRA[casemapping])

    def __repr__(self) -> str:
        return f"<Folder {self.casemapping}>"


_EXTRA = {"ascii": "", "rfc1459": "[]\\~", "strict-rfc1459": "[]\\"}
_FOLDERS: dict[str, Folder] = {}


def folder_for(casemapping: str) -> Folder:
    """The shared :class:`Folder` of ``casemapping`` (as 005 spells it; an
    unknown name folds as ``ascii``).  Never changed once made."""
    folder = _FOLDERS.get(casemapping)
    if folder is None:
        folder = Folder(casemapping)
        folder = _FOLDERS.setdefault(folder.casemapping, folder)
        if len(_FOLDERS) < 64:  # a hostile 005 must not grow the cache: only the
            _FOLDERS[casemapping] = folder  # first few spellings are remembered
    return folder


def _folder(translation: dict[int, int], extra: str) -> Callable[[str], str]:
    pairs = [(char, chr(translation[ord(char)])) for char in extra]

    def fold(name: str) -> str:
        """``name`` folded by the casemapping."""
        if not name.isascii():
            return name.translate(translation)
        folded = name.lower()
        if not folded.isalnum():
            for upper, lower in pairs:
                folded = folded.replace(upper, lower)
        return folded
    return fold


# What an empty NameMap holds until its first entry: shared by every empty
# map (a client in no channel, a state before 001), read-only so that a
# write that forgot the NameMap methods fails loudly instead of leaking.
_NO_ENTRIES: Mapping[str, Any] = MappingProxyType({})


class _One(Mapping[str, _V], Generic[_V]):
    """A read-only map of exactly one entry: 56 bytes where a dict of one
    is 184.  An idle client's users (itself alone) and a bot alone in its
    channel hold one of these."""

    __slots__ = ("key", "value")

    def __init__(self, key: str, value: _V) -> None:
        self.key = key
        self.value = value

    def __getitem__(self, key: str) -> _V:
        if key == self.key:
            return self.value
        raise KeyError(key)

    def get(self, key: str, default: _V | None = None) -> _V | None:  # type: ignore[override]
        return self.value if key == self.key else default

    def __contains__(self, key: object) -> bool:
        return key == self.key

    def __iter__(self) -> Iterator[str]:
        return iter((self.key,))

    def __len__(self) -> int:
        return 1


class NameMap(Mapping[str, _V], Generic[_V]):
    """A read-only mapping whose lookups fold names by the server's casemapping.

    ``channels["#Bottom"]`` and ``channels["#bottom"]`` are the same entry on
    a server that says so.  Iterating gives the names as the server spells
    them (a channel's :attr:`Channel.name`, a user's current nick).

    The owner (:class:`bottom.State`) reads ``_data`` (keyed by folded
    names) directly and changes it only through the methods below, which
    keep it as small as its entries allow: a shared empty mapping, then a
    one-entry map, then a dict.
    """

    __slots__ = ("_data", "_folder", "_name")

    def __init__(self, folder: Folder, name: Callable[[_V], str]) -> None:
        self._data: Mapping[str, _V] = _NO_ENTRIES
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

    def _put(self, key: str, value: _V) -> None:
        """``_data[key] = value``."""
        data = self._data
        if type(data) is dict:
            data[key] = value
        elif not data or (len(data) == 1 and key in data):
            self._data = _One(key, value)
        else:
            self._table()[key] = value

    def _table(self) -> dict[str, _V]:
        """The entries as a dict to write to (for many writes in a row)."""
        data = self._data
        if type(data) is not dict:
            data = self._data = dict(data)
        return data

    def _pop(self, key: str) -> _V | None:
        """Remove and return the entry of ``key`` (None if there is none)."""
        data = self._data
        if type(data) is dict:
            value: _V | None = data.pop(key, None)
            if len(data) <= 1:
                self._shrink(data)
            return value
        if key not in data:
            return None
        value = data[key]
        self._data = _NO_ENTRIES
        return value

    def _rename(self, old: str, new: str) -> None:
        """Move the entry of ``old`` to ``new`` (replacing any entry there)."""
        value = self._pop(old)
        if value is not None:
            self._put(new, value)

    def _clear(self) -> None:
        self._data = _NO_ENTRIES

    def _shrink(self, data: dict[str, _V]) -> None:
        if not data:
            self._data = _NO_ENTRIES
        elif len(data) == 1:
            ((key, value),) = data.items()
            self._data = _One(key, value)
        else:
            self._data = data

    def refold(self, folder: Folder) -> None:
        """Fold by ``folder`` from now on and rebuild the keys (the last entry
        wins a clash; a key equal to its name is the name itself, one string)."""
        self._folder = folder
        if not self._data:
            return
        fold, name = folder.fold, self._name
        data: dict[str, _V] = {}
        for value in self._data.values():
            spelled = name(value)
            key = fold(spelled)
            data[spelled if key == spelled else key] = value
        self._shrink(data)


class User:
    """Someone we share a channel with, or ourselves.

    Fields the server has not told us yet are ``None``: NAMES gives only
    nicks (and ``user@host`` with ``userhost-in-names``), WHO gives the rest.
    Slotted and lean: a 100,000-member channel holds 100,000 of these.
    """

    __slots__ = ("nick", "username", "host", "realname", "account", "_away", "_channels")

    def __init__(self, nick: str, username: str | None = None, host: str | None = None) -> None:
        self.nick = nick
        self.username = username
        self.host = host
        self.realname: str | None = None
        #: account name, or None (not logged in, or not known)
        self.account: str | None = None
        # None: here; "": away, message unknown; else the away message
        self._away: str | None = None
        # channel names as in State.channels: one name as a str, more as a tuple
        self._channels: str | tuple[str, ...] = ()

    @property
    def away(self) -> bool:
        """Whether the user is marked away (AWAY, away-notify, 301, WHO ``G``)."""
        return self._away is not None

    @property
    def away_message(self) -> str | None:
        """The away message when known, else None."""
        return self._away or None

    @property
    def channels(self) -> set[str]:
        """The names of the channels we share with this user (a new set each time)."""
        held = self._channels
        return {held} if isinstance(held, str) else set(held)

    def _in(self) -> tuple[str, ...]:
        held = self._channels
        return (held,) if isinstance(held, str) else held

    def _joined(self, name: str) -> None:
        held = self._channels
        self._channels = name if not held else (*self._in(), name)

    def _left(self, name: str) -> bool:
        """Drop ``name``; whether no channel is left."""
        rest = tuple(held for held in self._in() if held != name)
        self._channels = rest[0] if len(rest) == 1 else rest
        return not rest

    def __repr__(self) -> str:
        return f"<User {self.nick}!{self.username or '?'}@{self.host or '?'}>"


class Status:
    """Prefix modes and the highest symbol, shared by every member that has them.

    :class:`bottom.State` keeps one per distinct set of modes, so a member
    costs two references whatever its modes.
    """

    __slots__ = ("modes", "prefix")

    def __init__(self, modes: frozenset[str], prefix: str) -> None:
        self.modes = modes
        self.prefix = prefix


#: No membership modes: what a JOIN gives, and a NAMES entry without a prefix.
NO_MODES: frozenset[str] = frozenset()
NO_STATUS = Status(NO_MODES, "")


class Member:
    """A user in one channel, with the prefix modes they have there."""

    __slots__ = ("user", "_status")

    def __init__(self, user: User, status: Status = NO_STATUS) -> None:
        self.user = user
        self._status = status

    @property
    def modes(self) -> frozenset[str]:
        """Prefix modes, e.g. ``{"o", "v"}``."""
        return self._status.modes

    @property
    def prefix(self) -> str:
        """The highest prefix symbol (``"@"``, ``"+"``), or ``""``."""
        return self._status.prefix

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
