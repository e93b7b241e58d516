"""The blasting server and the PRIVMSG lines it sends, and how bench/
runs the programs in bench/peers/ against it.

The server (its own process, ``python -m bench.blast --lines N
[--untagged]``, which prints ``listening on HOST:PORT``) waits for a
client's trigger line, then sends N PRIVMSG lines as fast as the socket
takes them and closes:

* ``USER ...`` (what a peer library sends when it connects): 001 and 005
  first, so a library that waits for registration is registered;
* ``BLAST``: the lines only (the floors);
* ``BLAST JOIN``: 001, 005 and, for every channel of the stream, our JOIN
  and a NAMES reply (userhost-in-names) listing every sender, then the
  lines; bottom asks for this, so that a client tracking network state
  holds the channels and users the lines come from, as a bot's would.
  These few hundred lines are a fraction of a percent of a run and are
  sent whether tracking is on or off.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if not __package__:
    # Run as a script: import bench.* (and bottom) from this checkout.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import positive_int
from bench.processes import ListeningProcess

__all__ = ["HOST", "PEERS", "ROOT", "BlastServer", "join_lines", "main", "privmsg_lines",
           "privmsgs", "program_args", "run_program"]

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
HOST = "127.0.0.1"

# --- the lines ---------------------------------------------------------------

_WORDS = (
    "the", "a", "to", "and", "is", "it", "you", "that", "of", "in", "for", "on",
    "this", "with", "but", "not", "have", "just", "if", "what", "can", "it's", "i'm",
    "don't", "yeah", "ok", "thanks", "anyone", "know", "how", "why", "use", "works",
    "think", "need", "try", "should", "would", "there", "now", "file", "code", "bug",
    "error", "python", "asyncio", "await", "server", "client", "package", "install",
    "config", "branch", "merge", "commit", "release", "tests", "docs", "version",
    "patch", "build", "fails", "fixed", "weird", "actually", "probably", "really",
    "already", "still", "today", "hello", ":)", "+1", "https://example.org/docs/",
    "café", "naïve", "日本語", "👍",
)
_NAMES = tuple(word for word in _WORDS if word.isascii() and word.isalpha())
#: Our nick in the JOIN prelude and the 001 sent to peers.
_ME = "bench"
_CHANNELS = ("#python", "#linux", "##programming", "#bottom", "#asyncio", "#ircv3", "#café")


def privmsgs(n: int, *, seed: int = 1) -> list[tuple[str, str]]:
    """``n`` (channel, text) pairs; texts of 40 to 80 characters, some UTF-8.

    Deterministic for a given ``n`` and ``seed``.  No text starts with
    ``\\x01``, so none is a CTCP request.
    """
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        length = rng.randint(40, 80)
        text = rng.choice(_WORDS)
        while len(text) < length:
            text += " " + rng.choice(_WORDS)
        pairs.append((rng.choice(_CHANNELS), text[:length]))
    return pairs


def _users(rng: random.Random) -> list[tuple[str, str, str]]:
    """The 300 senders (nick, user, host) of a stream, drawn first from ``rng``."""
    return [(f"{rng.choice(_NAMES)}{rng.randint(1, 999)}",
             f"~u{rng.randint(1000, 99999)}", f"user/{rng.randint(1, 10**6)}")
            for _ in range(300)]


def join_lines(*, seed: int = 1) -> list[str]:
    """What a server sends before the stream when asked ``BLAST JOIN``:
    001, 005, then for each channel our JOIN and NAMES listing every sender
    of :func:`privmsg_lines` with the same ``seed`` (no CRLF)."""
    server = ":bench.server"
    lines = [f"{server} 001 {_ME} :Welcome to the benchmark",
             f"{server} 005 {_ME} CHANTYPES=# PREFIX=(ov)@+ CASEMAPPING=rfc1459 WHOX "
             ":are supported by this server"]
    masks = sorted({f"{nick}!{user}@{host}" for nick, user, host in _users(
        random.Random(seed + 1))})
    for channel in _CHANNELS:
        lines.append(f":{_ME}!bench@bench.host JOIN {channel}")
        names = [f"@{_ME}!bench@bench.host", *masks]
        for first in range(0, len(names), 12):
            lines.append(f"{server} 353 {_ME} = {channel} :{' '.join(names[first:first + 12])}")
        lines.append(f"{server} 366 {_ME} {channel} :End of /NAMES list.")
    return lines


def privmsg_lines(n: int, *, tags: bool = True, seed: int = 1) -> list[str]:
    """``n`` lines ``[@tags ]:nick!user@host PRIVMSG #chan :text`` (no CRLF).

    With ``tags``, every other line carries ``time``, ``msgid`` and (most)
    ``account`` tags, as a server sends once ``server-time`` and friends
    are negotiated; without, none does (for parsers that cannot read them),
    and the lines are otherwise the same.
    """
    rng = random.Random(seed + 1)
    tag_rng = random.Random(seed + 2)
    users = _users(rng)
    lines = []
    for index, (channel, text) in enumerate(privmsgs(n, seed=seed)):
        nick, user, host = rng.choice(users)
        line = f":{nick}!{user}@{host} PRIVMSG {channel} :{text}"
        if tags and index % 2:
            msgid = "".join(tag_rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=26))
            stamp = f"2026-11-23T17:{index // 60000 % 60:02d}:{index // 1000 % 60:02d}." \
                    f"{index % 1000:03d}Z"
            account = f";account={nick}" if tag_rng.random() < 0.6 else ""
            line = f"@time={stamp};msgid={msgid}{account} {line}"
        lines.append(line)
    return lines


# --- the blasting server (its own process) ------------------------------------

# WHOX in the 005 sent to peers keeps pydle from sending a WHOIS (that
# nobody answers here) before the first handler call for each new nick.
_TRIGGERS = (b"USER", b"BLAST")
_WELCOME = (b":bench.server 001 bench :Welcome to the benchmark\r\n"
            b":bench.server 005 bench WHOX :are supported by this server\r\n")
_HELLO_SECONDS = 5.0
_DRAIN_SECONDS = 120.0


def _serve(n: int, tags: bool) -> None:
    payload = "".join(line + "\r\n" for line in privmsg_lines(n, tags=tags)).encode()
    prelude = "".join(line + "\r\n" for line in join_lines()).encode()
    with socket.create_server((HOST, 0)) as listener:
        print(f"listening on {HOST}:{listener.getsockname()[1]}", flush=True)
        while True:
            conn, _ = listener.accept()
            with conn:
                try:
                    _blast(conn, payload, prelude)
                except OSError:
                    pass  # the client went away early; it reports that itself


def _blast(conn: socket.socket, payload: bytes, prelude: bytes) -> None:
    """Wait for the trigger line, send everything, close without losing data."""
    conn.settimeout(_HELLO_SECONDS)
    received = b""
    trigger: bytes | None = None
    while trigger is None:
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            trigger = b"BLAST"  # a client that never sends USER still gets the lines
            break
        if not chunk:
            return
        received += chunk
        for line in received.split(b"\n")[:-1]:
            words = line.strip().upper().split(b" ")
            if words[0] in _TRIGGERS:
                trigger = b" ".join(words[:2]) if words[0] == b"BLAST" else words[0]
                break
    conn.settimeout(None)
    if trigger == b"USER":
        conn.sendall(_WELCOME)
    elif trigger == b"BLAST JOIN":
        conn.sendall(prelude)
    conn.sendall(payload)
    # Half-close and read until the client closes: closing with unread
    # bytes (a QUIT, a CAP END) would send an RST, and an RST can discard
    # lines the client has not read yet.
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(_DRAIN_SECONDS)
    while conn.recv(65536):
        pass


class BlastServer(ListeningProcess):
    """The blasting server as a child process: ``with BlastServer(n) as s: s.port``."""

    def __init__(self, lines: int, *, tags: bool = True) -> None:
        args = ["-m", "bench.blast", "--lines", str(lines)]
        super().__init__(args if tags else [*args, "--untagged"], "the blasting server")


def run_program(python: str | Path, program: str, args: Sequence[str],
                timeout: float = 900.0) -> dict[str, Any]:
    """Run ``bench/peers/<program>`` with ``python``; return its JSON result.

    Never raises for a failing program: a crash, a timeout or output that
    is not JSON comes back as ``{"error": "..."}``.
    """
    command = [str(python), str(PEERS / program), *args]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"{program} {args[0]} did not finish within {timeout:g} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            return result
    tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return {"error": f"{program} {args[0]} printed no result: {tail}"}


def program_args(port: int, lines: int, mode: str, collect: bool = True, *,
                 form: str = "message", state: bool = False) -> list[str]:
    """A bench/peers/ program's command line for one dispatch run."""
    args = ["dispatch", "--port", str(port), "--lines", str(lines), "--mode", mode,
            "--form", form, "--state", "on" if state else "off"]
    return args if collect else [*args, "--gc", "off"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the blasting server until interrupted (prints its port first)."""
    parser = argparse.ArgumentParser(description="The blasting server of bench/dispatch.py.")
    parser.add_argument("--lines", type=positive_int, default=200_000)
    parser.add_argument("--untagged", action="store_true", help="no IRCv3 tags on any line")
    args = parser.parse_args(argv)
    try:
        _serve(args.lines, tags=not args.untagged)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
