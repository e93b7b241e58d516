"""The peer libraries bench/run.py --peers measures, and their virtualenvs.

Each peer installs from PyPI into bench/.venvs/<name>/ (ignored by git),
made on first use and reused while its requirement is unchanged, on the
Python it supports (a pyenv version, or the one running bench/).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.blast import ROOT

__all__ = ["OURS", "PEERS", "VENVS", "Peer", "venv", "version_key"]

VENVS = ROOT / "bench" / ".venvs"


@dataclass(frozen=True)
class Peer:
    """Another IRC library: where it installs, what runs it, what it parses."""

    name: str
    """Its virtualenv, bench/.venvs/<name>/, and program, bench/peers/<name>_client.py."""
    requirement: str
    pythons: tuple[str, ...] = ()
    """Pyenv versions to try, in order (``"3.9"`` is the newest 3.9.x);
    empty: the Python running this script."""
    tags: bool = True
    """False: it cannot parse IRCv3 tags, so it gets the untagged stream."""
    parser: str = ""
    """Its line parser, as named in the parse table ("" for none)."""
    maps_events: bool = False
    """Its parser also maps lines to events (compare with parse + message_to_event)."""


PEERS: tuple[Peer, ...] = (
    Peer("irc", "irc"),
    Peer("irc3", "irc3"),
    Peer("pydle", "pydle", parser="TaggedMessage.parse"),
    Peer("ircrobots", "ircrobots", parser="irctokens.tokenise"),
    Peer("miniirc", "miniirc", parser="ircv3_message_parser"),
    Peer("bottom2", "bottom==2.2.*", pythons=("3.9",), tags=False,
         parser="unpack_command", maps_events=True),
    Peer("bottom3", "bottom==3.0.*", pythons=("3.12", "3.13"), tags=False,
         parser="unpack_command", maps_events=True),
)
OURS = "bottom (this checkout)"



def _pyenv_root() -> Path:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    try:
        done = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
    except OSError:
        return Path.home() / ".pyenv"
    return Path(done.stdout.strip() or Path.home() / ".pyenv")


def version_key(version: str) -> tuple[int, ...]:
    """``"3.9.18"`` -> ``(3, 9, 18)``, for sorting (``"3.13.0rc1"`` -> ``(3, 13)``)."""
    parts = []
    for part in version.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def _interpreter(versions: Sequence[str]) -> Path | str:
    """The newest pyenv interpreter of the first version found; ``versions``
    empty: this one.  :raises LookupError: when none is installed."""
    if not versions:
        return sys.executable
    installed = _pyenv_root() / "versions"
    for version in versions:
        found = sorted(installed.glob(f"{version}.*/bin/python"),
                       key=lambda path: version_key(path.parent.parent.name))
        if found:
            return found[-1]
    raise LookupError(f"no Python {' or '.join(versions)} under {installed} "
                      f"(pyenv install {versions[0]})")


def venv(peer: Peer) -> Path:
    """bench/.venvs/<name>/bin/python with the peer installed; made once.

    :raises RuntimeError: with pip's last words when the install fails.
    """
    home = VENVS / peer.name
    python = home / "bin" / "python"
    marker = home / ".bench-requirement"
    if python.exists() and marker.exists() and marker.read_text() == peer.requirement:
        return python
    base = _interpreter(peer.pythons)
    shutil.rmtree(home, ignore_errors=True)
    print(f"  installing {peer.requirement} into {home.relative_to(ROOT)} "
          f"(Python from {base})", file=sys.stderr, flush=True)
    for command in ([str(base), "-m", "venv", str(home)],
                    [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                     peer.requirement]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            words = (done.stderr.strip() or done.stdout.strip()).splitlines()
            raise RuntimeError(f"{' '.join(command[1:4])} failed: "
                               f"{words[-1] if words else done.returncode}")
    marker.write_text(peer.requirement)
    return python
