"""How many PRIVMSG lines a second reach a handler, relative to a bare floor,
for every way users write a handler.

A server process on 127.0.0.1 (bench/blast.py) waits for a client's first
line, then sends N realistic PRIVMSG lines as fast as the socket takes
them and closes.  Two servers run: one whose every other line carries
IRCv3 tags (``time``, ``msgid``, mostly ``account``), one whose lines
carry none.  A client process counts the lines in a handler; its rate is
N over the time from sending that first line to the N-th handler call.
Client and server are separate processes, so they do not share a GIL,
and every run is a fresh client process.

Variants (programs in bench/peers/, each printing one JSON line), on each
stream:

* ``floor: handler per line``: a bare ``asyncio.Protocol`` that splits on
  ``b"\\n"`` and calls a handler per line (no decoding, no parsing);
* ``floor: Task per line``: the same, starting one Task per line for a
  trivial coroutine handler;
* ``bound: text + def h(**kwargs)`` (with the ``kwargs`` form): the least
  a client keeping bottom's event contract must do, in pure Python: decode
  the bytes, split the lines, decode the tags into a dict, cut each line
  at its first ``" :"`` and call ``def h(**kwargs)`` with a PRIVMSG's six
  keywords (bench/peers/bound.py); given as a share of the floor like
  bottom's rows, and bottom's ``def h(**kwargs)`` rows as a share of it
  too (``of bound``), which says how much of the gap to the floor is
  bottom's own and how much is CPython's;
* bottom, ``@client.on("privmsg")`` with a handler in each form users
  write: ``def h(message)``, ``def h(nick, target, message)``, ``def
  h(**kwargs)``, and the ``async def`` of each (never awaiting); each with
  network-state tracking off and on (``Client(track_state=True)``; skipped,
  with a note, while this checkout's ``Client`` has no such keyword).

Each bottom variant is given as a share of its floor (plain handlers of
the first, coroutine handlers of the second, on the same stream),
``variant rate / floor rate`` in the same repeat (median over repeats):
**higher is better**.  Targets: plain handlers >= 25% (issues 6 and 19)
and >= 33% (issue 7); coroutine handlers >= 50% (issue 6) and >= 100%
(issue 7).  With tracking on, the rate is also given as a share of the
same form's rate with tracking off (issue 19: tracking costs <= 10%).

No reference cycles per line: the runs report how many gen0 and gen2
collections happened while the lines flowed, and one extra run per form
(tagged stream, tracking off) with the collector disabled reports how
many unreachable objects ``gc.collect()`` found afterwards (a cycle per
line would show as hundreds of thousands; a few dozen are the
connection's own).

Run ``python bench/dispatch.py`` from the checkout (``--lines``,
``--repeats``, ``--forms``, ``--untagged-only``...).
"""

from __future__ import annotations

import argparse
import inspect
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

if not __package__:
    # Run as a script: import bench.* (and bottom) from this checkout.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.blast import BlastServer, program_args, run_program
from bench.options import positive_int

__all__ = ["BOUND", "FORMS", "SIGNATURES", "STATE_NOTE", "SYNC_FLOOR", "ASYNC_FLOOR", "TARGETS",
           "Result", "Row", "Variant", "has_state", "main", "measure", "variants", "verdict"]

SYNC_FLOOR = "floor: handler per line"
ASYNC_FLOOR = "floor: Task per line"
BOUND = "bound: text + def h(**kwargs)"
#: Handler forms, as bench/peers/harness.py names them, and how each is written.
FORMS = ("message", "named", "kwargs")
SIGNATURES = {"message": "(message)", "named": "(nick, target, message)",
              "kwargs": "(**kwargs)"}
#: Mode -> least share of its floor's rate: (issues 6 and 19, issue 7).
TARGETS: dict[str, tuple[float, float]] = {"sync": (0.25, 0.33), "async": (0.50, 1.00)}
STATE_NOTE = ("state tracking: skipped, this checkout's bottom.Client has no track_state "
              "keyword yet")


def has_state() -> bool:
    """Whether this checkout's ``bottom.Client`` takes ``track_state=``."""
    import bottom
    return "track_state" in inspect.signature(bottom.Client).parameters


@dataclass(frozen=True)
class Variant:
    """One program run: who, plain or coroutine handler, which form, stream, state."""

    program: str
    mode: str
    form: str
    tags: bool
    state: bool = False

    @property
    def is_floor(self) -> bool:
        return self.program == "floor.py"

    @property
    def is_bound(self) -> bool:
        return self.program == "bound.py"

    @property
    def name(self) -> str:
        if self.is_bound:
            return BOUND
        if self.is_floor:
            return SYNC_FLOOR if self.mode == "sync" else ASYNC_FLOOR
        keyword = "def" if self.mode == "sync" else "async def"
        return f"bottom: {keyword} h{SIGNATURES[self.form]}"

    @property
    def stream(self) -> str:
        return "tagged" if self.tags else "untagged"

    @property
    def floor(self) -> Variant:
        return Variant("floor.py", self.mode, "native", self.tags)

    @property
    def untracked(self) -> Variant:
        """The same without state tracking (itself when tracking is off)."""
        return Variant(self.program, self.mode, self.form, self.tags)

    @property
    def bound(self) -> Variant | None:
        """The contract bound a bottom variant is held to: plain ``**kwargs`` only."""
        if self.program != "bottom_client.py" or self.mode != "sync" or self.form != "kwargs":
            return None
        return Variant("bound.py", "sync", "native", self.tags)


def variants(forms: Sequence[str] = FORMS, streams: Sequence[bool] = (True, False),
             states: Sequence[bool] = (False, True)) -> list[Variant]:
    """Floors first on each stream (and the bound, with the ``kwargs`` form),
    then bottom's forms, plain then coroutine."""
    out = []
    for tags in streams:
        out += [Variant("floor.py", mode, "native", tags) for mode in ("sync", "async")]
        if "kwargs" in forms:
            out.append(Variant("bound.py", "sync", "native", tags))
        out += [Variant("bottom_client.py", mode, form, tags, state)
                for state in states for mode in ("sync", "async") for form in forms]
    return out


class Row(TypedDict):
    """One variant's figures; rates are handler calls per second."""

    name: str
    mode: str
    form: str
    stream: str
    state: str
    """"on", "off", or "-" for a floor and the bound."""
    median: float
    min: float
    max: float
    floor: str
    ratio: float
    """Median over repeats of variant rate / floor rate in that repeat (1.0 for a floor)."""
    targets: tuple[float, float] | None
    state_ratio: float | None
    """Tracking on: median over repeats of rate / the same variant's rate with it off."""
    bound_ratio: float | None
    """Plain ``**kwargs`` rows: median over repeats of rate / the bound's rate."""
    gc_gen0: int
    """Most gen0 collections in one run (over the repeats)."""
    gc_gen2: int
    unreachable: int | None
    """What gc.collect() found after a run with the collector disabled."""


@dataclass
class Result:
    """The rows, floors first on each stream, and what was skipped and why."""

    rows: list[Row]
    notes: list[str]


def measure(repeats: int = 5, n: int = 200_000, *, forms: Sequence[str] = FORMS,
            streams: Sequence[bool] = (True, False), state: bool = True,
            gc_runs: bool = True) -> Result:
    """Run every variant ``repeats`` times against two servers of ``n`` lines.

    Within a repeat the variants run one after another, the order rotating
    between repeats, so drift in the machine's speed hits all alike.  Then
    (``gc_runs``) each floor and each form on the first stream runs once
    more with the collector disabled.  ``state`` adds tracking-on variants
    when the checkout's Client can track (else a note says it was skipped).

    :raises ValueError: if ``repeats`` or ``n`` is below 1, or a form is unknown.
    :raises RuntimeError: if a variant fails (its error is in the message).
    """
    if repeats < 1 or n < 1:
        raise ValueError(f"repeats and n must be at least 1, not {repeats} and {n}")
    unknown = set(forms) - set(FORMS)
    if unknown or not streams:
        raise ValueError(f"forms must be among {FORMS} and streams not empty, "
                         f"not {sorted(unknown)} and {list(streams)}")
    notes = []
    states: tuple[bool, ...] = (False,)
    if state:
        if has_state():
            states = (False, True)
        else:
            notes.append(STATE_NOTE)
    todo = variants(forms, streams, states)
    results: dict[Variant, list[dict[str, Any]]] = {v: [] for v in todo}
    unreachable: dict[Variant, int] = {}
    servers = {True: BlastServer(n), False: BlastServer(n, tags=False)}
    try:
        ports = {tags: servers[tags].__enter__().port for tags in streams}
        for repeat in range(repeats):
            start_at = repeat % len(todo)
            for variant in todo[start_at:] + todo[:start_at]:
                results[variant].append(_run(variant, ports[variant.tags], n))
        if gc_runs:
            for variant in todo:
                if variant.tags == streams[0] and not variant.state:
                    result = _run(variant, ports[variant.tags], n, collect=False)
                    unreachable[variant] = result["unreachable"]
    finally:
        for server in servers.values():
            server.close()
    return Result([_row(v, results, unreachable.get(v)) for v in todo], notes)


def _run(variant: Variant, port: int, n: int, collect: bool = True) -> dict[str, Any]:
    result = run_program(sys.executable, variant.program, program_args(
        port, n, variant.mode, collect,
        form=variant.form if variant.program == "bottom_client.py" else "message",
        state=variant.state))
    if "error" in result:
        which = "" if collect else " (gc disabled)"
        raise RuntimeError(f"{variant.name} {variant.stream}{which}: {result['error']}")
    return result


def _per_repeat(runs: list[dict[str, Any]], bases: list[dict[str, Any]]) -> float:
    return statistics.median(run["rate"] / base["rate"]
                             for run, base in zip(runs, bases, strict=True))


def _row(variant: Variant, results: dict[Variant, list[dict[str, Any]]],
         unreachable: int | None) -> Row:
    runs = results[variant]
    rates = [run["rate"] for run in runs]
    bound = variant.bound
    return Row(name=variant.name, mode=variant.mode, form=variant.form, stream=variant.stream,
               state="-" if variant.program != "bottom_client.py"
               else ("on" if variant.state else "off"),
               median=statistics.median(rates), min=min(rates), max=max(rates),
               floor=variant.floor.name, ratio=_per_repeat(runs, results[variant.floor]),
               targets=None if variant.is_floor else TARGETS[variant.mode],
               state_ratio=_per_repeat(runs, results[variant.untracked])
               if variant.state else None,
               bound_ratio=_per_repeat(runs, results[bound])
               if bound is not None and bound in results else None,
               gc_gen0=max(run["gc_gen0"] for run in runs),
               gc_gen2=max(run["gc_gen2"] for run in runs), unreachable=unreachable)


def verdict(ratio: float, targets: tuple[float, float] | None) -> str:
    """``">= 25% met, >= 33% MISSED"`` for the (issues 6/19, issue 7) targets."""
    if targets is None:
        return ""
    return ", ".join(f">= {target:.0%} {'met' if ratio >= target else 'MISSED'}"
                     for target in targets)


def format_table(result: Result, n: int) -> str:
    """The rows as a text table, then the collector figures and the notes."""
    rows = result.rows
    header = (f"{'variant':<41} {'stream':<8} {'state':<5} {'median msgs/s':>13} "
              f"{'min-max':>19} {'of floor':>8} {'of off':>7} {'of bound':>8}  targets")
    out = [header, "-" * (len(header) + 26)]
    for row in rows:
        share = "(floor)" if row["targets"] is None else f"{row['ratio']:.1%}"
        off = "" if row["state_ratio"] is None else f"{row['state_ratio']:.1%}"
        bound = "" if row["bound_ratio"] is None else f"{row['bound_ratio']:.1%}"
        out.append(f"{row['name']:<41} {row['stream']:<8} {row['state']:<5} "
                   f"{row['median']:>13,.0f} {row['min']:>9,.0f}-{row['max']:<9,.0f} "
                   f"{share:>8} {off:>7} {bound:>8}  "
                   f"{verdict(row['ratio'], row['targets'])}".rstrip())
    out += ["", f"garbage collector while {n:,} lines flow (most collections in one run; "
                "unreachable: gc.collect() after a run with gc disabled)"]
    out += [f"  {row['name']:<41} {row['stream']:<8} {row['state']:<5} gen0 "
            f"{row['gc_gen0']:>5}  gen2 {row['gc_gen2']:>3}  unreachable "
            f"{row['unreachable'] if row['unreachable'] is not None else '-'}"
            for row in rows]
    out += [f"note: {note}" for note in result.notes]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(
        description="PRIVMSG handler calls per second, bottom (every handler form) vs a bare "
                    "asyncio floor (share of the floor's rate: higher is better).")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="timed runs per variant, interleaved (default 5)")
    parser.add_argument("--lines", type=positive_int, default=200_000,
                        help="PRIVMSG lines per run (default 200000)")
    parser.add_argument("--forms", nargs="+", choices=FORMS, default=list(FORMS),
                        help="handler forms to measure (default: all)")
    streams = parser.add_mutually_exclusive_group()
    streams.add_argument("--tagged-only", action="store_true")
    streams.add_argument("--untagged-only", action="store_true")
    parser.add_argument("--no-state", action="store_true",
                        help="skip the state-tracking variants")
    args = parser.parse_args(argv)
    chosen = (True,) if args.tagged_only else (False,) if args.untagged_only else (True, False)

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.platform()}")
    print(f"{args.lines:,} PRIVMSG lines per run (tagged stream: every other line tagged), "
          f"{args.repeats} repeats, client and server in separate processes")
    started = time.perf_counter()
    result = measure(args.repeats, args.lines, forms=args.forms, streams=chosen,
                     state=not args.no_state)
    print(f"'of floor' = variant msgs/s / floor msgs/s in the same repeat, median: "
          f"HIGHER IS BETTER; 'of off' = tracking on / off; 'of bound' = def h(**kwargs) / "
          f"{BOUND} ({time.perf_counter() - started:.0f} s)")
    print()
    print(format_table(result, args.lines))


if __name__ == "__main__":
    main()
