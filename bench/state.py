"""What state tracking costs: churn and big NAMES against ircstates, PRIVMSG on vs off.

Three figures, each a ratio measured in one run (medians over repeats,
variants interleaved):

* ``churn``: a recorded stream of JOIN/PART/QUIT/NICK/MODE lines (a model
  network of 2,000 users in 30 channels, seeded) applied to
  ``bottom.State`` and to ``ircstates.Server``; the lines are parsed
  beforehand by each library's own parser, so this is the tracker alone.
  Ratio: bottom's lines/s over ircstates' (**higher is better**; issue 15
  asks >= 3x).  A second row includes parsing (``Message.parse`` vs
  ``irctokens.tokenise``).
* ``names``: one 100,000-member channel from NAMES with userhost-in-names
  (``nick!user@host``, 353 lines of ~400 bytes, then 366): time to apply
  and the memory the state holds afterwards (tracemalloc, in a separate
  run from the timing), as bytes per membership beside ircstates'.  Issue
  15 asks <= 40 MiB and <= 1 s.
* ``privmsg``: PRIVMSG lines/s reaching a handler with ``track_state``
  on, over the same with it off (**higher is better**; issue 15 asks
  >= 90%), from bench/dispatch.py's blasting server process.

Run ``python bench/state.py`` from the checkout (``--repeats``,
``--lines``, ``--members``).  ircstates is optional (``pip install
ircstates``); without it the peer rows say so.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if not __package__:
    # Run as a script: make `bench` and the checkout's `bottom` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import positive_int
from bottom.message import Message
from bottom.state import State

try:
    import irctokens
    from ircstates import Server as PeerState
except ImportError:  # the peer is optional
    irctokens = PeerState = None

__all__ = ["churn_lines", "main", "names_lines"]

HEAD = [":irc.test 001 me :Welcome",
        ":irc.test 005 me PREFIX=(ov)@+ CHANMODES=beI,k,l,imnpst CASEMAPPING=rfc1459 "
        "NETWORK=Bench :are supported"]


def churn_lines(n: int, *, users: int = 2000, channels: int = 30, seed: int = 15) -> list[str]:
    """A valid stream of ``n`` membership lines on a model network, after we join."""
    rng = random.Random(seed)
    chans = [f"#chan{i}" for i in range(channels)]
    lines = [*HEAD]
    members: dict[str, set[str]] = {}
    for chan in chans:
        lines.append(f":me!u@me.host JOIN {chan}")
        members[chan] = set(rng.sample(range(users), users // 10))
        entries = [f"u{i}!i{i}@host{i}.example" for i in sorted(members[chan])]
        lines.extend(_names_reply(chan, ["@me", *entries]))
    nicks = {i: f"u{i}" for i in range(users)}
    serial = users
    head = len(lines)
    while len(lines) - head < n:
        chan = rng.choice(chans)
        who = rng.randrange(users)
        nick = nicks[who]
        source = f"{nick}!i{who}@host{who}.example"
        roll = rng.random()
        if roll < 0.3 and who not in members[chan]:
            members[chan].add(who)
            lines.append(f":{source} JOIN {chan}")
        elif roll < 0.5 and who in members[chan]:
            members[chan].discard(who)
            lines.append(f":{source} PART {chan} :bye")
        elif roll < 0.6 and any(who in m for m in members.values()):
            for m in members.values():
                m.discard(who)
            lines.append(f":{source} QUIT :Quit: bye")
        elif roll < 0.8 and any(who in m for m in members.values()):
            serial += 1
            nicks[who] = f"n{serial}"
            lines.append(f":{source} NICK n{serial}")
        elif who in members[chan]:
            sign, letter = rng.choice("+-"), rng.choice("ov")
            lines.append(f":op!o@op.host MODE {chan} {sign}{letter} {nick}")
    return lines


def names_lines(members: int) -> list[str]:
    """Our JOIN to #big and its NAMES reply: ``members`` ``nick!user@host`` entries."""
    entries = [f"{'+' if i % 10 == 0 else ''}user{i}!ident{i}@host-{i}.example.net"
               for i in range(members - 1)]
    return [*HEAD, ":me!u@me.host JOIN #big", *_names_reply("#big", ["@me", *entries])]


def _names_reply(channel: str, entries: list[str]) -> list[str]:
    """353 lines of at most ~400 bytes of entries, then 366."""
    lines: list[str] = []
    chunk: list[str] = []
    size = 0
    for entry in entries:
        if chunk and size + len(entry) + 1 > 400:
            lines.append(f":irc.test 353 me = {channel} :{' '.join(chunk)}")
            chunk, size = [], 0
        chunk.append(entry)
        size += len(entry) + 1
    lines.append(f":irc.test 353 me = {channel} :{' '.join(chunk)}")
    lines.append(f":irc.test 366 me {channel} :End of /NAMES list.")
    return lines


def _bottom_apply(lines: list[str]) -> Callable[[], Any]:
    messages = [Message.parse(line) for line in lines]

    def run() -> Any:
        state = State()
        apply = state.apply
        for message in messages:
            apply(message)
        return state
    return run


def _bottom_parse_apply(lines: list[str]) -> Callable[[], Any]:
    def run() -> Any:
        state = State()
        apply, parse = state.apply, Message.parse
        for line in lines:
            apply(parse(line))
        return state
    return run


def _peer_apply(lines: list[str]) -> Callable[[], Any]:
    tokens = [irctokens.tokenise(line) for line in lines]

    def run() -> Any:
        server = PeerState("bench")
        parse = server.parse_tokens
        for line in tokens:
            parse(line)
        return server
    return run


def _peer_parse_apply(lines: list[str]) -> Callable[[], Any]:
    def run() -> Any:
        server = PeerState("bench")
        parse, tokenise = server.parse_tokens, irctokens.tokenise
        for line in lines:
            parse(tokenise(line))
        return server
    return run


def _timed(run: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _held_bytes(make: Callable[[list[str]], Callable[[], Any]], lines: list[str]) -> int:
    """Bytes still allocated after applying ``lines`` while keeping the result."""
    run = make(lines)  # parsing outside the measured span
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = run()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return after - before


def measure_churn(lines: list[str], repeats: int) -> dict[str, list[float]]:
    variants = {"bottom": _bottom_apply(lines), "bottom + parse": _bottom_parse_apply(lines)}
    if PeerState is not None:
        variants["ircstates"] = _peer_apply(lines)
        variants["ircstates + parse"] = _peer_parse_apply(lines)
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for repeat in range(repeats):
        for name in names[repeat % len(names):] + names[:repeat % len(names)]:
            times[name].append(_timed(variants[name]))
    return times


def measure_names(members: int, repeats: int) -> dict[str, tuple[float, int]]:
    lines = names_lines(members)
    makers = {"bottom": _bottom_apply}
    if PeerState is not None:
        makers["ircstates"] = _peer_apply
    out: dict[str, tuple[float, int]] = {}
    for name, make in makers.items():
        run = make(lines)
        seconds = statistics.median(_timed(run) for _ in range(repeats))
        out[name] = (seconds, _held_bytes(make, lines))
    return out


async def _privmsg_rate(port: int, lines: int, track: bool) -> float:
    import bottom

    client = bottom.Client("127.0.0.1", port, ssl=False, flood_control=False,
                           track_state=track)
    done = asyncio.get_running_loop().create_future()
    count = 0

    @client.on("privmsg")
    def handler(**kwargs: Any) -> None:
        nonlocal count
        count += 1
        if count == lines and not done.done():
            done.set_result(time.perf_counter())

    await client.connect()
    started = time.perf_counter()
    client.send_raw("GO")
    finished = await asyncio.wait_for(done, 300)
    await client.disconnect()
    return lines / (finished - started)


def measure_privmsg(lines: int, repeats: int) -> dict[str, list[float]]:
    from bench.dispatch import BlastServer

    rates: dict[str, list[float]] = {"on": [], "off": []}
    with BlastServer(lines) as server:
        for repeat in range(repeats):
            for track in ((True, False) if repeat % 2 else (False, True)):
                rate = asyncio.run(_privmsg_rate(server.port, lines, track))
                rates["on" if track else "off"].append(rate)
    return rates


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="bottom.State: churn and NAMES vs ircstates, "
                                                 "PRIVMSG with tracking on vs off.")
    parser.add_argument("--repeats", type=positive_int, default=5)
    parser.add_argument("--lines", type=positive_int, default=100_000,
                        help="churn lines and PRIVMSG lines per run (default 100000)")
    parser.add_argument("--members", type=positive_int, default=100_000,
                        help="members of the NAMES channel (default 100000)")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{args.repeats} repeats, medians")
    if PeerState is None:
        print("ircstates is not installed (pip install ircstates): peer rows skipped")

    lines = churn_lines(args.lines)
    times = measure_churn(lines, args.repeats)
    rate = {name: len(lines) / statistics.median(t) for name, t in times.items()}
    print(f"\nchurn: {len(lines):,} JOIN/PART/QUIT/NICK/MODE lines (after 30 NAMES)")
    for name, value in rate.items():
        print(f"  {name:<18} {value:>12,.0f} lines/s")
    if PeerState is not None:
        print(f"  bottom / ircstates         {rate['bottom'] / rate['ircstates']:.2f}x "
              "(higher is better; target >= 3x)")
        print(f"  with parsing               "
              f"{rate['bottom + parse'] / rate['ircstates + parse']:.2f}x")

    names = measure_names(args.members, args.repeats)
    print(f"\nnames: one channel of {args.members:,} members (userhost-in-names)")
    for name, (seconds, held) in names.items():
        print(f"  {name:<10} {seconds:6.3f} s   {held / 2**20:7.1f} MiB   "
              f"{held / args.members:6.0f} bytes per membership")
    bottom_s, bottom_b = names["bottom"]
    print(f"  bottom: {'ok' if bottom_s <= 1 else 'MISSES'} <= 1 s, "
          f"{'ok' if bottom_b <= 40 * 2**20 else 'MISSES'} <= 40 MiB")
    if "ircstates" in names:
        peer_s, peer_b = names["ircstates"]
        print(f"  bottom / ircstates: time {bottom_s / peer_s:.2f}x, "
              f"memory {bottom_b / peer_b:.2f}x (lower is better)")

    rates = measure_privmsg(args.lines, args.repeats)
    ratios = [on / off for on, off in zip(rates["on"], rates["off"], strict=True)]
    print(f"\nprivmsg: {args.lines:,} PRIVMSG lines from bench/dispatch.py's server")
    print(f"  tracking off {statistics.median(rates['off']):>10,.0f} lines/s")
    print(f"  tracking on  {statistics.median(rates['on']):>10,.0f} lines/s")
    ratio = statistics.median(ratios)
    print(f"  on / off     {ratio:.1%} (higher is better; target >= 90%: "
          f"{'ok' if ratio >= 0.9 else 'MISSES'})")


if __name__ == "__main__":
    main()
