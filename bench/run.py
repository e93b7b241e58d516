"""Every benchmark in one run, one summary table; ``--peers`` adds other libraries.

``python bench/run.py`` runs bench/parse.py, bench/dispatch.py,
bench/memory.py and bench/send.py one after another on this machine and
prints each figure with its floor, its ratio to that floor and the issue
targets it meets or misses.  ``--quick`` runs fewer lines and repeats (a
smoke test, not figures to quote).  ``--peers`` then measures other IRC
libraries in virtualenvs under bench/.venvs/ (created on first use, from
PyPI) with the same blasting server, corpus and test server, each program
in bench/peers/; a peer that fails to install or run is reported in the
tables with its error and never stops the run.

Ratios, as in the single scripts:

* parse: variant time / ``line.split(" ")`` time (lower is better);
* dispatch, send: variant rate / floor rate (higher is better);
* memory: KiB per client / KiB per bare socket (lower is better);
* peers, "vs ours": the peer's figure over ours, each first taken relative
  to a floor measured on the peer's own Python and stream (speed: higher
  means faster than bottom; memory: higher means more memory than bottom).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

if not __package__:
    # Run as a script: make `bench` and the checkout's `bottom` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bottom
from bench import dispatch, memory, parse, send
from bench.corpus import make_corpus

__all__ = ["PEERS", "Peer", "Settings", "main"]

VENVS = dispatch.ROOT / "bench" / ".venvs"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Settings:
    """How much of everything to run."""

    parse_lines: int
    parse_repeats: int
    dispatch_lines: int
    dispatch_repeats: int
    clients: int
    memory_repeats: int
    send_lines: int
    send_repeats: int
    peer_repeats: int


FULL = Settings(parse_lines=100_000, parse_repeats=5, dispatch_lines=200_000,
                dispatch_repeats=5, clients=1000, memory_repeats=3, send_lines=200_000,
                send_repeats=5, peer_repeats=3)
QUICK = Settings(parse_lines=20_000, parse_repeats=3, dispatch_lines=50_000,
                 dispatch_repeats=3, clients=200, memory_repeats=1, send_lines=50_000,
                 send_repeats=3, peer_repeats=1)


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


# --- running our own benchmarks ------------------------------------------------

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


def _summary(settings: Settings, parsed: list[parse.Row] | None,
             dispatched: list[dispatch.Row] | None, held: list[memory.Row] | None,
             sent: list[send.Row] | None) -> str:
    header = (f"{'benchmark':<9} {'variant':<34} {'median':>11} {'min-max':>21} "
              f"{'unit':<10} {'vs floor':>12}  target")
    out = [header, "-" * (len(header) + 30)]

    def line(bench: str, name: str, median: float, span: str, unit: str, ratio: str,
             target: str = "") -> None:
        out.append(f"{bench:<9} {name:<34} {median:>11,.{1 if unit == 'KiB/client' else 0}f} "
                   f"{span:>21} {unit:<10} {ratio:>12}  {target}".rstrip())

    if parsed is None:
        out.append("parse     FAILED (see above)")
    for row in parsed or ():
        target = ""
        if row["target"] is not None:
            met = "met" if row["ratio"] <= row["target"] else "MISSED"
            target = f"<= {row['target']:.2f}x {met}"
        ratio = "(floor)" if row["name"] == parse.FLOOR else f"{row['ratio']:.2f}x time"
        line("parse", row["name"], row["median"], _span(row["min"], row["max"]), "lines/s",
             ratio, target)
    if dispatched is None:
        out.append("dispatch  FAILED (see above)")
    for drow in dispatched or ():
        ratio = "(floor)" if drow["name"] == drow["floor"] else f"{drow['ratio']:.0%} rate"
        line("dispatch", drow["name"], drow["median"], _span(drow["min"], drow["max"]),
             "msgs/s", ratio, dispatch.verdict(drow["ratio"], drow["targets"]))
    if held is None:
        out.append("memory    FAILED (see above)")
    for mrow in held or ():
        ratio = "(floor)" if mrow["name"] == memory.FLOOR else f"{mrow['ratio']:.1f}x KiB"
        line("memory", mrow["name"], mrow["median"], _span(mrow["min"], mrow["max"], 1),
             "KiB/client", ratio)
    if sent is None:
        out.append("send      FAILED (see above)")
    for srow in sent or ():
        ratio = "(floor)" if srow["name"] == send.FLOOR else f"{srow['ratio']:.0%} rate"
        line("send", srow["name"], srow["median"], _span(srow["min"], srow["max"]), "lines/s",
             ratio)
    if dispatched:
        out += ["", f"gc while {settings.dispatch_lines:,} lines reach handlers (most "
                    "collections in one run; unreachable = gc.collect() after a run with gc "
                    "disabled):"]
        out += [f"  {drow['name']:<27} gen0 {drow['gc_gen0']:>5}  gen2 {drow['gc_gen2']:>3}  "
                f"unreachable {drow['unreachable']}" for drow in dispatched]
    return "\n".join(out)


# --- peers: virtualenvs --------------------------------------------------------

def _pyenv_root() -> Path:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    try:
        done = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
    except OSError:
        return Path.home() / ".pyenv"
    return Path(done.stdout.strip() or Path.home() / ".pyenv")


def _version_key(version: str) -> tuple[int, ...]:
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
                       key=lambda path: _version_key(path.parent.parent.name))
        if found:
            return found[-1]
    raise LookupError(f"no Python {' or '.join(versions)} under {installed} "
                      f"(pyenv install {versions[0]})")


def _venv(peer: Peer) -> Path:
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
    print(f"  installing {peer.requirement} into {home.relative_to(dispatch.ROOT)} "
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


# --- peers: measuring ----------------------------------------------------------

@dataclass
class _Subject:
    """One row of the peer tables: ours, or a peer with its interpreter."""

    label: str
    program: str
    python: Path | str | None
    tags: bool
    parser: str = ""
    maps_events: bool = False
    error: str | None = None
    info: dict[str, Any] | None = None
    version: str = ""
    """The interpreter's Python version: floors are measured once per version."""


def _subjects() -> list[_Subject]:
    subjects = [_Subject(OURS, "bottom_client.py", sys.executable, tags=True)]
    for peer in PEERS:
        subject = _Subject(peer.name, f"{peer.name}_client.py", None, peer.tags, peer.parser,
                           peer.maps_events)
        print(f"peer {peer.name}: virtualenv", file=sys.stderr, flush=True)
        try:
            subject.python = _venv(peer)
        except (LookupError, RuntimeError, OSError) as exc:
            subject.error = f"install: {exc}"
        subjects.append(subject)
    for subject in subjects:
        if subject.python is not None:
            subject.version = _python_version(subject.python)
    return subjects


def _python_version(python: Path | str) -> str:
    done = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def _note(subject: _Subject, result: dict[str, Any]) -> None:
    if subject.info is None and "version" in result:
        subject.info = result


def _measure_peers(settings: Settings, ours_parsed: list[parse.Row]) -> str:
    """Every peer (and bottom again, in the same runs) through the same
    programs; the three peer tables as text."""
    subjects = _subjects()
    ready = [s for s in subjects if s.error is None and s.python is not None]
    # A floor per Python version and stream, measured in the same repeats.
    floors: dict[tuple[str, bool], Path | str] = {}
    for subject in ready:
        assert subject.python is not None
        floors.setdefault((subject.version, subject.tags), subject.python)
    rates: dict[tuple[str, str], list[float]] = {}
    errors: dict[tuple[str, str], str] = {}
    floor_rates: dict[tuple[str, bool, str], list[float]] = {}

    lines = settings.dispatch_lines
    with dispatch.BlastServer(lines) as tagged, dispatch.BlastServer(lines, tags=False) as plain:
        for repeat in range(settings.peer_repeats):
            print(f"peers: dispatch repeat {repeat + 1}/{settings.peer_repeats}",
                  file=sys.stderr, flush=True)
            for (version, tags), interpreter in floors.items():
                port = tagged.port if tags else plain.port
                for mode in ("sync", "async"):
                    result = dispatch.run_program(interpreter, "floor.py",
                                                  dispatch.program_args(port, lines, mode))
                    if "rate" in result:
                        floor_rates.setdefault((version, tags, mode), []).append(result["rate"])
            for subject in ready:
                port = tagged.port if subject.tags else plain.port
                for mode in ("sync", "async"):
                    key = (subject.label, mode)
                    if key in errors:
                        continue  # unsupported or broken: once is enough
                    assert subject.python is not None
                    result = dispatch.run_program(subject.python, subject.program,
                                                  dispatch.program_args(port, lines, mode))
                    _note(subject, result)
                    if "error" in result:
                        errors[key] = result["error"]
                    else:
                        rates.setdefault(key, []).append(result["rate"])

    corpus_rows = _peer_parse(settings, ready)
    memory_rows = _peer_memory(settings, ready)
    for subject in ready:
        if subject.info is None:
            subject.info = {"version": "?", "python": subject.version}
    return _peer_tables(settings, subjects, ours_parsed, rates, errors, floor_rates,
                        corpus_rows, memory_rows)


def _peer_parse(settings: Settings, ready: list[_Subject]) -> dict[str, dict[str, Any]]:
    print("peers: parse", file=sys.stderr, flush=True)
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.txt"
        corpus.write_text("\n".join(make_corpus(settings.parse_lines)), encoding="utf-8")
        for subject in ready:
            if subject.label == OURS:
                continue
            assert subject.python is not None
            result = dispatch.run_program(subject.python, subject.program, [
                "parse", "--corpus", str(corpus), "--repeats", str(settings.parse_repeats)])
            _note(subject, result)
            out[subject.label] = result
    return out


def _peer_memory(settings: Settings, ready: list[_Subject]) -> dict[str, dict[str, Any]]:
    print("peers: memory", file=sys.stderr, flush=True)
    out: dict[str, dict[str, Any]] = {}
    memory.raise_nofile()
    with memory.TestServer() as server:
        for subject in ready:
            assert subject.python is not None
            result = dispatch.run_program(subject.python, subject.program, [
                "memory", "--port", str(server.port), "--clients", str(settings.clients)])
            _note(subject, result)
            out[subject.label] = result
    return out


def _median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def _peer_tables(settings: Settings, subjects: list[_Subject], ours_parsed: list[parse.Row],
                 rates: dict[tuple[str, str], list[float]], errors: dict[tuple[str, str], str],
                 floor_rates: dict[tuple[str, bool, str], list[float]],
                 parsed: dict[str, dict[str, Any]], held: dict[str, dict[str, Any]]) -> str:
    problems: list[str] = []

    def problem(text: str) -> str:
        problems.append(text)
        return f"error [{len(problems)}]"

    def who(subject: _Subject) -> str:
        info = subject.info or {}
        library = info.get("library", subject.label)
        return f"{library:<22} {info.get('version', '-'):<11} {info.get('python', '-'):<7}"

    # Dispatch: each rate as a share of the floor on the same Python and stream.
    shares: dict[tuple[str, str], float] = {}
    for subject in subjects:
        for mode in ("sync", "async"):
            rate = _median(rates.get((subject.label, mode)))
            floor = _median(floor_rates.get((subject.version, subject.tags, mode)))
            if rate is not None and floor:
                shares[(subject.label, mode)] = rate / floor
    out = [f"PEERS: dispatch, {settings.dispatch_lines:,} PRIVMSG lines, median of "
           f"{settings.peer_repeats} run(s); 'of floor' = rate / floor rate on the same Python "
           "and stream;", "'vs ours' = that share / bottom's share (higher = faster than "
           "bottom)", ""]
    header = (f"{'library':<22} {'version':<11} {'Python':<7} {'stream':<8} "
              f"{'sync msgs/s':>12} {'of floor':>8} {'vs ours':>8}  "
              f"{'async msgs/s':>12} {'of floor':>8} {'vs ours':>8}")
    out += [header, "-" * len(header)]
    for subject in subjects:
        stream = "tagged" if subject.tags else "untagged"
        if subject.error is not None:
            error = problem(f"{subject.label}: {subject.error}")
            out.append(f"{who(subject)} {stream:<8} {error}")
            continue
        cells = []
        for mode in ("sync", "async"):
            key = (subject.label, mode)
            rate, share, ours = _median(rates.get(key)), shares.get(key), shares.get((OURS, mode))
            if key in errors:
                error = errors[key]
                text = "n/a" if error.startswith("no ") else problem(
                    f"{subject.label} {mode}: {error}")
                cells.append(f"{text:>12} {'':>8} {'':>8}")
            elif rate is None or share is None:
                cells.append(f"{problem(f'{subject.label} {mode}: no floor measured'):>12}"
                             f" {'':>8} {'':>8}")
            else:
                versus = f"{share / ours:.2f}x" if ours else "-"
                cells.append(f"{rate:>12,.0f} {share:>8.1%} {versus:>8}")
        out.append(f"{who(subject)} {stream:<8} {cells[0]}  {cells[1]}")
    out.append("floors (median msgs/s): " + "; ".join(
        f"Python {version} {'tagged' if tags else 'untagged'} {mode} "
        f"{statistics.median(values):,.0f}"
        for (version, tags, mode), values in sorted(
            floor_rates.items(), key=lambda item: (_version_key(item[0][0]), item[0][1:]))))

    # Parse: time relative to line.split(" ") on the same Python and lines.
    ours_parse = {row["name"]: row for row in ours_parsed}
    out += ["", f"PEERS: parse, bench/corpus.py ({settings.parse_lines:,} lines), "
                "'x floor' = parser time / line.split(\" \") time on its own Python (lower is "
                "better);", "'vs ours' = bottom's x floor / the peer's (higher = faster than "
                "bottom); compared with Message.parse, or with parse + message_to_event for "
                "parsers that map events", ""]
    header = (f"{'library':<22} {'version':<11} {'Python':<7} {'parser':<32} "
              f"{'lines/s':>10} {'x floor':>8} {'vs ours':>8}  notes")
    out += [header, "-" * (len(header) + 20)]
    for name in (parse.PARSE, parse.PARSE_AND_MAP):
        row = ours_parse[name]
        out.append(f"{OURS:<22} {bottom.__version__:<11} {platform.python_version():<7} {name:<32} "
                   f"{row['median']:>10,.0f} {row['ratio']:>7.2f}x {'1.00x':>8}")
    for subject in subjects[1:]:
        result = parsed.get(subject.label)
        if subject.error is not None or result is None:
            continue
        if "error" in result:
            out.append(f"{who(subject)} {'n/a':<32} {result['error']}")
            continue
        ours = ours_parse[parse.PARSE_AND_MAP if subject.maps_events else parse.PARSE]["ratio"]
        notes = f"{result['lines']:,} lines" + ("; untagged only" if not subject.tags else "")
        out.append(f"{who(subject)} {subject.parser:<32} {result['rate']:>10,.0f} "
                   f"{result['ratio']:>7.2f}x {ours / result['ratio']:>7.2f}x  {notes}")

    # Memory: KiB of RSS per idle registered client.
    out += ["", f"PEERS: memory, {settings.clients:,} idle registered clients in one process "
                "against python -m bottom.testing; 'vs ours' = KiB / bottom's KiB (higher = "
                "more memory than bottom)", ""]
    header = f"{'library':<22} {'version':<11} {'Python':<7} {'KiB/client':>10} {'vs ours':>8}"
    out += [header, "-" * len(header)]
    ours_kib = held.get(OURS, {}).get("kib_per_client")
    for subject in subjects:
        result = held.get(subject.label)
        if subject.error is not None or result is None:
            continue
        if "error" in result:
            error = problem(f"{subject.label} memory: {result['error']}")
            out.append(f"{who(subject)} {error:>10}")
            continue
        kib = result["kib_per_client"]
        versus = f"{kib / ours_kib:.2f}x" if ours_kib else "-"
        out.append(f"{who(subject)} {kib:>10.1f} {versus:>8}")

    if problems:
        out += ["", "errors:"] + [f"  [{i}] {text}" for i, text in enumerate(problems, 1)]
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
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    parsed = _attempt("parse", lambda: parse.measure(settings.parse_repeats,
                                                     settings.parse_lines))
    dispatched = _attempt("dispatch", lambda: dispatch.measure(settings.dispatch_repeats,
                                                               settings.dispatch_lines))
    held = _attempt("memory", lambda: memory.measure(settings.clients, settings.memory_repeats))
    sent = _attempt("send", lambda: send.measure(settings.send_repeats, settings.send_lines))

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.platform()}, {os.cpu_count()} CPUs{'; QUICK run' if args.quick else ''}")
    print(f"parse: {settings.parse_lines:,} corpus lines x {settings.parse_repeats}; "
          f"dispatch: {settings.dispatch_lines:,} lines x {settings.dispatch_repeats}; "
          f"memory: {settings.clients:,} clients x {settings.memory_repeats}; "
          f"send: {settings.send_lines:,} lines x {settings.send_repeats}")
    print(f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          "(this run adds about 1; a higher 'before' means other work disturbed the figures)")
    print("vs floor: parse = time ratio (lower is better); dispatch, send = rate ratio "
          "(higher is better); memory = KiB ratio (lower is better)")
    print()
    print(_summary(settings, parsed, dispatched, held, sent))
    if args.peers:
        print()
        ours_parsed = parsed or parse.measure(settings.parse_repeats, settings.parse_lines)
        print(_measure_peers(settings, ours_parsed))
    print(f"\n({time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f})")
    return 0 if None not in (parsed, dispatched, held, sent) else 1


if __name__ == "__main__":
    sys.exit(main())
