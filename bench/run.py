"""Every benchmark in one run, one summary table, one CSV; ``--peers`` adds other libraries.

``python bench/run.py`` runs bench/parse.py, bench/dispatch.py (every
handler form, tagged and untagged lines, state tracking off and on),
bench/memory.py (right after registration and after ``--quiet`` seconds)
and bench/send.py one after another on this machine and prints each
figure with its floor, its ratio to that floor and the issue targets it
meets or misses; every ratio also goes to ``--csv`` (bench/report.py).
``--quick`` runs fewer lines and repeats and a 2 s quiet period (a smoke
test, not figures to quote).  ``--peers`` then measures other IRC
libraries (bench/compare.py, bench/venvs.py) and checks issue 19's targets.

Ratios, as in the single scripts:

* parse: variant time / ``line.split(" ")`` time (lower is better);
* dispatch, send: variant rate / floor rate (higher is better);
* memory: KiB per client / KiB per bare socket (lower is better);
* peers, "bottom x": how many times better bottom is than the library,
  each first taken relative to a floor measured on the library's own
  Python and stream (above 1.00x bottom is better).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

if not __package__:
    # Run as a script: make `bench` and the checkout's `bottom` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import compare, dispatch, memory, parse, send
from bench.blast import ROOT
from bench.options import positive_int, seconds
from bench.report import Record, write_csv
from bench.venvs import OURS

__all__ = ["FULL", "QUICK", "Settings", "main", "targets"]

_T = TypeVar("_T")
#: Where --csv writes unless told (ignored by git).
DEFAULT_CSV = ROOT / "bench" / "results.csv"


@dataclass(frozen=True)
class Settings:
    """How much of everything to run."""

    parse_lines: int
    parse_repeats: int
    dispatch_lines: int
    dispatch_repeats: int
    clients: int
    memory_repeats: int
    quiet: float
    send_lines: int
    send_repeats: int
    peer_repeats: int
    peer_lines: int


FULL = Settings(parse_lines=100_000, parse_repeats=5, dispatch_lines=200_000,
                dispatch_repeats=3, clients=1000, memory_repeats=3, quiet=60.0,
                send_lines=200_000, send_repeats=5, peer_repeats=3, peer_lines=200_000)
QUICK = Settings(parse_lines=10_000, parse_repeats=2, dispatch_lines=20_000,
                 dispatch_repeats=1, clients=100, memory_repeats=1, quiet=2.0,
                 send_lines=10_000, send_repeats=2, peer_repeats=1, peer_lines=20_000)


def _attempt(name: str, function: Callable[[], _T]) -> _T | None:
    """Run one benchmark; print and swallow its failure so the others still run."""
    print(f"running {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = function()
    except Exception as exc:
        print(f"{name} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return None
    print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return result


def _span(low: float, high: float, digits: int = 0) -> str:
    return f"{low:,.{digits}f}-{high:,.{digits}f}"


def _summary(parsed: list[parse.Row] | None, dispatched: dispatch.Result | None,
             held: list[memory.Row] | None, sent: list[send.Row] | None,
             records: list[Record]) -> str:
    """The summary table; appends a :class:`Record` per figure to ``records``."""
    python = platform.python_version()
    header = (f"{'benchmark':<9} {'variant':<56} {'median':>11} {'min-max':>21} "
              f"{'unit':<10} {'vs floor':>12}  target")
    out = [header, "-" * (len(header) + 30)]

    def line(bench: str, name: str, median: float, span: str, unit: str, ratio: str,
             target: str = "") -> None:
        out.append(f"{bench:<9} {name:<56} {median:>11,.{2 if unit == 'KiB/client' else 0}f} "
                   f"{span:>21} {unit:<10} {ratio:>12}  {target}".rstrip())

    if parsed is None:
        out.append("parse     FAILED (see above)")
    for row in parsed or ():
        target = verdict = ""
        if row["target"] is not None:
            verdict = "met" if row["ratio"] <= row["target"] else "MISSED"
            target = f"<= {row['target']:.2f}x"
        floor = row["name"] == parse.FLOOR
        line("parse", row["name"], row["median"], _span(row["min"], row["max"]), "lines/s",
             "(floor)" if floor else f"{row['ratio']:.2f}x time", f"{target} {verdict}")
        records.append(Record("parse", row["name"], python, row["median"], "lines/s",
                              row["min"], row["max"], compared_with="" if floor else parse.FLOOR,
                              ratio=None if floor else row["ratio"],
                              ratio_is="" if floor else "time / floor time",
                              better="" if floor else "lower", target=target, verdict=verdict))
    if dispatched is None:
        out.append("dispatch  FAILED (see above)")
    for drow in dispatched.rows if dispatched else ():
        floor = drow["targets"] is None
        state = "" if floor else f", state {drow['state']}"
        name = f"{drow['name']} [{drow['stream']}{state}]"
        ratio = "(floor)" if floor else f"{drow['ratio']:.1%} rate"
        verdict = dispatch.verdict(drow["ratio"], drow["targets"])
        if drow["state_ratio"] is not None:
            verdict += f"; {drow['state_ratio']:.1%} of off (>= 90% " \
                       f"{'met' if drow['state_ratio'] >= 0.9 else 'MISSED'})"
        if drow["bound_ratio"] is not None:
            verdict += f"; {drow['bound_ratio']:.1%} of the bound"
        line("dispatch", name, drow["median"], _span(drow["min"], drow["max"]), "msgs/s",
             ratio, verdict)
        common = {"form": drow["form"], "mode": drow["mode"], "stream": drow["stream"],
                  "state": "" if floor else drow["state"]}
        records.append(Record("dispatch", drow["name"], python, drow["median"], "msgs/s",
                              drow["min"], drow["max"], **common,
                              compared_with="" if floor else drow["floor"],
                              ratio=None if floor else drow["ratio"],
                              ratio_is="" if floor else "rate / floor rate",
                              better="" if floor else "higher",
                              target="" if floor else ", ".join(
                                  f">= {t:.0%}" for t in drow["targets"] or ()),
                              verdict=dispatch.verdict(drow["ratio"], drow["targets"])))
        if drow["state_ratio"] is not None:
            records.append(Record("dispatch", drow["name"], python, drow["median"], "msgs/s",
                                  **common, compared_with=f"{drow['name']}, state off",
                                  ratio=drow["state_ratio"], ratio_is="rate / rate untracked",
                                  better="higher", target=">= 90%",
                                  verdict="met" if drow["state_ratio"] >= 0.9 else "MISSED"))
        if drow["bound_ratio"] is not None:
            records.append(Record("dispatch", drow["name"], python, drow["median"], "msgs/s",
                                  **common, compared_with=dispatch.BOUND,
                                  ratio=drow["bound_ratio"], ratio_is="rate / bound rate",
                                  better="higher"))
    if held is None:
        out.append("memory    FAILED (see above)")
    for mrow in held or ():
        when = "registered" if mrow["when"] == "registered" else f"+{mrow['quiet']:g} s idle"
        floor = mrow["name"] == memory.FLOOR
        line("memory", f"{mrow['name']} [{when}]", mrow["median"],
             _span(mrow["min"], mrow["max"], 2), "KiB/client",
             "(floor)" if floor else f"{mrow['ratio']:.1f}x KiB")
        records.append(Record("memory", mrow["name"], python, mrow["median"], "KiB/client",
                              mrow["min"], mrow["max"], when=when,
                              compared_with="" if floor else memory.FLOOR,
                              ratio=None if floor else mrow["ratio"],
                              ratio_is="" if floor else "KiB / floor KiB",
                              better="" if floor else "lower"))
    if sent is None:
        out.append("send      FAILED (see above)")
    for srow in sent or ():
        floor = srow["name"] == send.FLOOR
        line("send", srow["name"], srow["median"], _span(srow["min"], srow["max"]), "lines/s",
             "(floor)" if floor else f"{srow['ratio']:.0%} rate")
        records.append(Record("send", srow["name"], python, srow["median"], "lines/s",
                              srow["min"], srow["max"], compared_with="" if floor else send.FLOOR,
                              ratio=None if floor else srow["ratio"],
                              ratio_is="" if floor else "rate / floor rate",
                              better="" if floor else "higher"))
    if dispatched:
        out += ["", "gc while lines reach handlers (most collections in one run; unreachable "
                    "= gc.collect() after a run with gc disabled):"]
        out += [f"  {drow['name']:<41} {drow['stream']:<8} {drow['state']:<3} gen0 "
                f"{drow['gc_gen0']:>5}  gen2 {drow['gc_gen2']:>3}  unreachable "
                f"{drow['unreachable'] if drow['unreachable'] is not None else '-'}"
                for drow in dispatched.rows]
        out += [f"note: {note}" for note in dispatched.notes]
    return "\n".join(out)


def targets(measured: compare.Measured, parsed: list[parse.Row] | None,
            dispatched: dispatch.Result | None, records: list[Record]) -> str:
    """Issue 19's targets, met or missed, from this run's figures."""
    out = ["", "ISSUE 19 TARGETS (this run):"]

    def check(what: str, figure: float | None, goal: str, met: bool | None) -> None:
        shown = "not measured" if figure is None else f"{figure:.2f}"
        verdict = "-" if met is None else "met" if met else "MISSED"
        out.append(f"  {what:<58} {shown:>12}  {goal:<12} {verdict}")
        records.append(Record("targets", what, platform.python_version(),
                              figure if figure is not None else float("nan"), "",
                              target=goal, verdict=verdict))

    ours = compare.find(measured, OURS)
    for mode, peer, goal in (("sync", "irc", 3.0), ("async", "irc3", 2.0)):
        theirs = compare.best_share(measured, peer, mode)
        subject = compare.find(measured, peer)
        ratio = None
        if ours is not None and theirs is not None and subject is not None:
            mine = measured.share(ours, subject.stream, mode, "kwargs")
            ratio = mine / theirs[0] if mine else None
        check(f"{mode} def h(**kwargs) / {peer} ({theirs[1] if theirs else '-'}), x", ratio,
              f">= {goal:.0f}x", None if ratio is None else ratio >= goal)
    for stream in ("tagged", "untagged"):
        share = measured.share(ours, stream, "sync", "kwargs") if ours else None
        check(f"sync def h(**kwargs), {stream}, share of bare Protocol", share, ">= 0.25",
              None if share is None else share >= 0.25)
        # The least the event contract costs in pure Python, on the same scale:
        # below 0.25 the target above is out of reach of any such client.
        bound = next((row["ratio"] for row in dispatched.rows if row["name"] == dispatch.BOUND
                      and row["stream"] == stream), None) if dispatched else None
        check(f"  {dispatch.BOUND}, {stream}, share (dispatch)", bound, ">= 0.25",
              None if bound is None else bound >= 0.25)
    split = {row["name"]: row["ratio"] for row in parsed or ()}.get(parse.PARSE)
    check("Message.parse, x str.split time", split, "<= 2.5x",
          None if split is None else split <= 2.5)
    held = measured.held.get(OURS, {})
    others = [result for label, result in measured.held.items()
              if label != OURS and "error" not in result]
    for key, when in (("kib_per_client", "registered"), ("kib_per_client_quiet", "idle")):
        kib = held.get(key)
        check(f"KiB per idle client ({when})", kib, "<= 4 KiB",
              None if kib is None else kib <= 4.0)
        lowest = min((result[key] for result in others), default=None)
        check(f"KiB per idle client ({when}) / lowest peer's", None if kib is None or not lowest
              else kib / lowest, "< 1", None if kib is None or not lowest else kib < lowest)
    tracked = [row["state_ratio"] for row in dispatched.rows if row["state_ratio"] is not None] \
        if dispatched else []
    worst = min(tracked, default=None)
    check("state tracking on / off, worst form (dispatch)", worst, ">= 0.90",
          None if worst is None else worst >= 0.9)
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything and print the tables; returns 1 if a benchmark of ours failed."""
    parser = argparse.ArgumentParser(
        description="Run bench/parse.py, dispatch.py, memory.py and send.py and print one "
                    "summary; --peers adds other IRC libraries.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer lines and repeats: a smoke test, not figures to quote")
    parser.add_argument("--peers", action="store_true",
                        help="also measure peer libraries in bench/.venvs/ (made on first use)")
    parser.add_argument("--peer-forms", choices=("kwargs", "all"), default="kwargs",
                        help="peers' handler forms: def h(**kwargs) (or the library's only "
                             "shape), or every form the library has (default kwargs)")
    parser.add_argument("--quiet", type=seconds, default=None,
                        help="seconds the idle clients idle before the second memory reading "
                             "(default 60, 2 with --quick)")
    parser.add_argument("--lines", type=positive_int, default=None,
                        help="PRIVMSG lines per dispatch and peer run and lines per send run "
                             "(a busy machine: fewer; default 200000, 20000 with --quick)")
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="repeats of every benchmark and of the peers (default 5 for parse "
                             "and send, 3 for dispatch, memory and peers; 1-2 with --quick)")
    parser.add_argument("--clients", type=positive_int, default=None,
                        help="idle clients per memory run (default 1000, 100 with --quick)")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV,
                        help=f"where to write every figure and ratio (default {DEFAULT_CSV})")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.quiet is not None:
        settings = replace(settings, quiet=args.quiet)
    if args.lines is not None:
        settings = replace(settings, dispatch_lines=args.lines, send_lines=args.lines,
                           peer_lines=args.lines)
    if args.repeats is not None:
        settings = replace(settings, parse_repeats=args.repeats, dispatch_repeats=args.repeats,
                           memory_repeats=args.repeats, send_repeats=args.repeats,
                           peer_repeats=args.repeats)
    if args.clients is not None:
        settings = replace(settings, clients=args.clients)

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    parsed = _attempt("parse", lambda: parse.measure(settings.parse_repeats,
                                                     settings.parse_lines))
    dispatched = _attempt("dispatch", lambda: dispatch.measure(settings.dispatch_repeats,
                                                               settings.dispatch_lines))
    held = _attempt("memory", lambda: memory.measure(settings.clients, settings.memory_repeats,
                                                     settings.quiet))
    sent = _attempt("send", lambda: send.measure(settings.send_repeats, settings.send_lines))

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.platform()}, {os.cpu_count()} CPUs{'; QUICK run' if args.quick else ''}")
    print(f"parse: {settings.parse_lines:,} corpus lines x {settings.parse_repeats}; "
          f"dispatch: {settings.dispatch_lines:,} lines x {settings.dispatch_repeats}; "
          f"peers: {settings.peer_lines:,} lines x {settings.peer_repeats}; "
          f"memory: {settings.clients:,} clients x {settings.memory_repeats}, "
          f"{settings.quiet:g} s quiet; send: {settings.send_lines:,} lines x "
          f"{settings.send_repeats}")
    print(f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          "(this run adds about 1; a higher 'before' means other work disturbed the figures)")
    print("vs floor: parse = time ratio (lower is better); dispatch, send = rate ratio "
          "(higher is better); memory = KiB ratio (lower is better)")
    print()
    records: list[Record] = []
    print(_summary(parsed, dispatched, held, sent, records))
    if args.peers:
        print()
        peer_settings = compare.PeerSettings(
            settings.peer_lines, settings.peer_repeats, settings.parse_lines,
            settings.parse_repeats, settings.clients, settings.quiet,
            all_forms=args.peer_forms == "all")
        ours_parsed = parsed or parse.measure(settings.parse_repeats, settings.parse_lines)
        measured = compare.measure_peers(peer_settings)
        print(compare.tables(peer_settings, measured, ours_parsed, records))
        print(targets(measured, ours_parsed, dispatched, records))
    write_csv(args.csv, records)
    print(f"\n({time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f}; "
          f"{len(records)} rows written to {args.csv})")
    return 0 if None not in (parsed, dispatched, held, sent) else 1


if __name__ == "__main__":
    sys.exit(main())
