"""IRCv3 Strict Transport Security (the ``sts`` capability).  Pure: no asyncio.

A server says ``sts=port=6697`` on a plain connection ("come back over TLS
on this port") and ``sts=duration=2592000`` on a TLS one ("for this many
seconds, never connect to me without TLS").  :func:`parse_policy` reads
the value, :func:`decide` says what the client must do, and a store keeps
policies between runs:

* :class:`MemoryStsStore`: for one process;
* :class:`FileStsStore`: a JSON file (the default for ``Client(sts=True)``,
  in ``$XDG_STATE_HOME/bottom/sts.json``), written atomically.

Any object with the :class:`StsStore` methods works (a database, Redis).
Times are Unix seconds from a clock the caller passes, so tests move time.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["StsPolicy", "StsStore", "MemoryStsStore", "FileStsStore", "parse_policy",
           "decide", "policy_port", "default_store_path"]

log = logging.getLogger("bottom.sts")


@dataclass(frozen=True, slots=True)
class StsPolicy:
    """Connect to ``host`` only over TLS on ``port`` until ``expires`` (Unix time)."""

    host: str
    port: int
    expires: float

    def valid(self, now: float) -> bool:
        return now < self.expires


class StsStore(Protocol):
    """Where policies live between connections (and runs)."""

    def get(self, host: str) -> StsPolicy | None: ...
    def put(self, policy: StsPolicy) -> None: ...
    def remove(self, host: str) -> None: ...


class MemoryStsStore:
    """Policies for the life of the process."""

    def __init__(self) -> None:
        self._policies: dict[str, StsPolicy] = {}

    def get(self, host: str) -> StsPolicy | None:
        return self._policies.get(host.lower())

    def put(self, policy: StsPolicy) -> None:
        self._policies[policy.host.lower()] = policy

    def remove(self, host: str) -> None:
        self._policies.pop(host.lower(), None)


def default_store_path() -> Path:
    """``$XDG_STATE_HOME/bottom/sts.json`` (``~/.local/state`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "bottom" / "sts.json"


class FileStsStore(MemoryStsStore):
    """Policies in a JSON file, read once and rewritten (atomically) on change.

    A missing or unreadable file is an empty store (logged at WARNING when
    unreadable): a lost policy costs one plain connection, never a crash.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else default_store_path()
        try:
            data = json.loads(self.path.read_text("utf-8"))
            for host, entry in data.items():
                self._policies[host] = StsPolicy(host, int(entry["port"]),
                                                 float(entry["expires"]))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("STS store %s unreadable (%s); starting empty", self.path, exc)

    def put(self, policy: StsPolicy) -> None:
        super().put(policy)
        self._save()

    def remove(self, host: str) -> None:
        if self.get(host) is not None:
            super().remove(host)
            self._save()

    def _save(self) -> None:
        data = {host: {"port": p.port, "expires": p.expires}
                for host, p in self._policies.items()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sts-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("STS store %s not written (%s)", self.path, exc)


def parse_policy(value: str) -> dict[str, str]:
    """``"port=6697,duration=300,preload"`` -> ``{"port": "6697", ...}``."""
    keys = {}
    for item in value.split(","):
        key, _, val = item.partition("=")
        if key:
            keys[key.strip().lower()] = val.strip()
    return keys


def decide(value: str, host: str, port: int, *, secure: bool, now: float,
           store: StsStore) -> int | None:
    """Act on an ``sts`` cap value seen on a connection to ``host``:``port``.

    Returns the TLS port to reconnect to when the connection is plain and
    the value has a valid ``port`` (the caller must drop this connection
    and never fall back to plain text); else None.  On a TLS connection a
    valid ``duration`` is stored for this port (``duration=0`` removes it);
    ``port`` is ignored there, as the spec says.
    """
    keys = parse_policy(value)
    if not secure:
        upgrade = keys.get("port", "")
        if upgrade.isdigit() and 0 < int(upgrade) < 65536:
            return int(upgrade)
        return None
    duration = keys.get("duration", "")
    if not duration.isdigit():
        return None
    if int(duration) == 0:
        store.remove(host)
        return None
    store.put(StsPolicy(host, port, now + int(duration)))
    return None


def policy_port(store: StsStore, host: str, now: float) -> int | None:
    """The TLS port a stored, unexpired policy demands for ``host``, or None."""
    policy = store.get(host)
    if policy is None:
        return None
    if not policy.valid(now):
        store.remove(host)
        return None
    return policy.port
