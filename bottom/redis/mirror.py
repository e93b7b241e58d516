"""The gateway's side of the state mirror: tracked state -> Redis hashes.

After each event the gateway asks :meth:`StateMirror.changed` which
channels and users it touched, snapshots them from ``client.state`` (the
client's :class:`bottom.State`; a client without one mirrors nothing)
and writes the snapshots with the next batch of events: one hash per
channel and per user, deleted when the client stops tracking it, and all
of a network's keys deleted when its client disconnects (its state is
empty then).
"""

from __future__ import annotations

from typing import Any

from .records import VERSION, Keys, MirroredChannel, MirroredUser, encode_channel, encode_user

__all__ = ["StateMirror"]

#: key -> fields to write, or None to delete the key
Writes = dict[str, dict[str, str] | None]


class StateMirror:
    """Collects the hashes to write; the gateway writes them with its events."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self._writes: Writes = {}
        #: network -> keys written and not deleted since
        self._known: dict[str, set[str]] = {}
        #: channel key -> nicks in the last snapshot (to refresh when it goes)
        self._members: dict[str, set[str]] = {}

    @property
    def dirty(self) -> bool:
        return bool(self._writes)

    def changed(self, network: str, client: Any, event: str, kwargs: dict[str, Any]) -> None:
        """Note what ``event`` may have changed in ``client.state``."""
        state = getattr(client, "state", None)
        known = self._known.setdefault(network, set())
        if event == "CLIENT_DISCONNECT" or state is None:
            for key in known:
                self._writes[key] = None
            known.clear()
            return
        fold = client.isupport.fold
        channels = set()
        if isinstance(kwargs.get("channel"), str):
            channels.add(kwargs["channel"])
        channels.update(c for c in kwargs.get("channels") or () if isinstance(c, str))
        nicks = {kwargs[k] for k in ("nick", "new_nick") if isinstance(kwargs.get(k), str)}
        for name in channels:
            key = self.keys.channel(network, fold(name))
            channel = state.channels.get(name)
            before = self._members.pop(key, set())
            if channel is None:
                nicks |= before
                self._put(known, key, None)
                continue
            snapshot = MirroredChannel(
                channel.name, channel.topic, channel.topic_setter, dict(channel.modes),
                {member_nick: set(member.modes) for member_nick, member
                 in channel.users.items()})
            self._members[key] = set(snapshot.users)
            nicks |= before ^ self._members[key]
            self._put(known, key, encode_channel(snapshot))
        for nick in nicks:
            key = self.keys.user(network, fold(nick))
            user = state.users.get(nick)
            if user is None:
                self._put(known, key, None)
                continue
            self._put(known, key, encode_user(MirroredUser(
                user.nick, user.username, user.host, user.realname, user.account,
                bool(user.away), user.away_message, set(user.channels))))
        meta = self.keys.state(network)
        self._put(known, meta, {"v": VERSION, "nick": state.nick or "",
                                "casemapping": client.isupport.casemapping})

    def _put(self, known: set[str], key: str, fields: dict[str, str] | None) -> None:
        self._writes[key] = fields
        if fields is None:
            known.discard(key)
        else:
            known.add(key)

    def take(self) -> Writes:
        """The writes collected so far; the mirror starts a new set."""
        writes, self._writes = self._writes, {}
        return writes

    def restore(self, writes: Writes) -> None:
        """Put back writes Redis did not take; newer ones for a key win."""
        self._writes = {**writes, **self._writes}

    @staticmethod
    def add_to(pipe: Any, writes: Writes) -> None:
        for key, fields in writes.items():
            pipe.delete(key)
            if fields is not None:
                pipe.hset(key, mapping=fields)
