"""Other IRC libraries next to bottom, for bench/run.py ``--peers``.

Every library runs its program in bench/peers/ in its own virtualenv
(bench/venvs.py) against the same blasting server, corpus and test
server; bottom runs in the same repeats, and a floor per Python version
and stream.  Dispatch: bottom in each handler form on each stream a peer
uses; a peer in the ``kwargs`` form (``def h(**kwargs)``, how the seed
programs write handlers) where its API has one, else in its only shape
(``native``), and in every form it has with ``all_forms``.  Parse and
memory as in bench/parse.py and bench/memory.py (memory with the same
quiet period, the programs overlapped so the quiet periods pass together).

Comparisons: every figure relative to its floor on its own Python and
stream, then "bottom x": how many times better bottom is than the
library, **above 1.00x bottom is better**: for dispatch bottom's share of
its floor over the library's (bottom in the same form, ``kwargs`` against
a ``native`` one), for parse the library's time ratio over bottom's, for
memory the library's KiB over bottom's.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bottom
from bench import memory, parse
from bench.blast import BlastServer, program_args, run_program
from bench.corpus import make_corpus
from bench.dispatch import ASYNC_FLOOR, FORMS, SYNC_FLOOR
from bench.report import Record
from bench.venvs import OURS, PEERS, venv, version_key

__all__ = ["Measured", "PeerSettings", "Subject", "measure_peers"]

_MODES = ("sync", "async")


@dataclass(frozen=True)
class PeerSettings:
    """How much to run."""

    lines: int
    repeats: int
    parse_lines: int
    parse_repeats: int
    clients: int
    quiet: float
    all_forms: bool = False


@dataclass
class Subject:
    """One library of the tables: ours, or a peer with its interpreter."""

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

    @property
    def stream(self) -> str:
        return "tagged" if self.tags else "untagged"

    def who(self) -> str:
        info = self.info or {}
        return f"{info.get('library', self.label)} {info.get('version', '')}".strip()


@dataclass
class Measured:
    """Everything measured, keyed for the tables and the issue's targets."""

    subjects: list[Subject]
    rates: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)
    """(label, stream, mode, form) -> msgs/s per repeat."""
    errors: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(label, mode, form) -> why it has no figure."""
    floors: dict[tuple[str, bool, str], list[float]] = field(default_factory=dict)
    """(Python version, tagged, mode) -> floor msgs/s per repeat."""
    parsed: dict[str, dict[str, Any]] = field(default_factory=dict)
    held: dict[str, dict[str, Any]] = field(default_factory=dict)

    def share(self, subject: Subject, stream: str, mode: str, form: str) -> float | None:
        """Median rate over the median floor rate on the same Python and stream."""
        rates = self.rates.get((subject.label, stream, mode, form))
        floor = self.floors.get((subject.version, stream == "tagged", mode))
        if not rates or not floor:
            return None
        return statistics.median(rates) / statistics.median(floor)

    def forms(self, subject: Subject, mode: str) -> list[str]:
        """The forms measured (or tried) for ``subject``, in FORMS order, native last."""
        seen = {key[3] for key in self.rates if key[0] == subject.label and key[2] == mode}
        seen |= {key[2] for key in self.errors if key[0] == subject.label and key[1] == mode}
        return [form for form in (*FORMS, "native") if form in seen]


def _python_version(python: Path | str) -> str:
    done = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def _subjects() -> list[Subject]:
    subjects = [Subject(OURS, "bottom_client.py", sys.executable, tags=True)]
    for peer in PEERS:
        subject = Subject(peer.name, f"{peer.name}_client.py", None, peer.tags, peer.parser,
                          peer.maps_events)
        print(f"peer {peer.name}: virtualenv", file=sys.stderr, flush=True)
        try:
            subject.python = venv(peer)
        except (LookupError, RuntimeError, OSError) as exc:
            subject.error = f"install: {exc}"
        subjects.append(subject)
    for subject in subjects:
        if subject.python is not None:
            subject.version = _python_version(subject.python)
    return subjects


def _note(subject: Subject, result: dict[str, Any]) -> None:
    if subject.info is None and "version" in result:
        subject.info = result


def measure_peers(settings: PeerSettings, subjects: list[Subject] | None = None) -> Measured:
    """Measure every peer (made ready first, unless ``subjects`` is given) and bottom."""
    subjects = _subjects() if subjects is None else subjects
    measured = Measured(subjects)
    ready = [s for s in subjects if s.error is None and s.python is not None]
    _dispatch(settings, ready, measured)
    _parse(settings, ready, measured)
    _memory(settings, ready, measured)
    for subject in ready:
        if subject.info is None:
            subject.info = {"version": "?", "python": subject.version}
    return measured


def _dispatch(settings: PeerSettings, ready: list[Subject], measured: Measured) -> None:
    ours = ready[0]
    streams = sorted({s.tags for s in ready}, reverse=True)  # tagged first
    floors: dict[tuple[str, bool], Path | str] = {}
    for subject in ready:
        assert subject.python is not None
        for tags in streams if subject is ours else (subject.tags,):
            floors.setdefault((subject.version, tags), subject.python)
    wanted = FORMS if settings.all_forms else ("kwargs",)
    native: set[tuple[str, str]] = set()
    with BlastServer(settings.lines) as tagged, \
            BlastServer(settings.lines, tags=False) as plain:
        ports = {True: tagged.port, False: plain.port}
        for repeat in range(settings.repeats):
            print(f"peers: dispatch repeat {repeat + 1}/{settings.repeats}",
                  file=sys.stderr, flush=True)
            for (version, tags), python in floors.items():
                for mode in _MODES:
                    result = run_program(python, "floor.py",
                                         program_args(ports[tags], settings.lines, mode))
                    if "rate" in result:
                        measured.floors.setdefault((version, tags, mode), []).append(
                            result["rate"])
            for subject in ready:
                for tags in streams if subject is ours else (subject.tags,):
                    for mode in _MODES:
                        for form in FORMS if subject is ours else wanted:
                            if (subject.label, mode) in native or \
                                    (subject.label, mode, form) in measured.errors:
                                continue  # one shape, or unsupported: once is enough
                            _one(subject, ports[tags], tags, settings.lines, mode, form,
                                 measured, native)


def _one(subject: Subject, port: int, tags: bool, lines: int, mode: str, form: str,
         measured: Measured, native: set[tuple[str, str]]) -> None:
    assert subject.python is not None
    result = run_program(subject.python, subject.program,
                         program_args(port, lines, mode, form=form))
    _note(subject, result)
    form = result.get("form", form)
    if form == "native":
        native.add((subject.label, mode))
    if "error" in result:
        measured.errors[(subject.label, mode, form)] = result["error"]
    else:
        stream = "tagged" if tags else "untagged"
        measured.rates.setdefault((subject.label, stream, mode, form), []).append(
            result["rate"])


def _parse(settings: PeerSettings, ready: list[Subject], measured: Measured) -> None:
    print("peers: parse", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.txt"
        corpus.write_text("\n".join(make_corpus(settings.parse_lines)), encoding="utf-8")
        for subject in ready[1:]:
            assert subject.python is not None
            result = run_program(subject.python, subject.program, [
                "parse", "--corpus", str(corpus), "--repeats", str(settings.parse_repeats)])
            _note(subject, result)
            measured.parsed[subject.label] = result


def _memory(settings: PeerSettings, ready: list[Subject], measured: Measured) -> None:
    print("peers: memory", file=sys.stderr, flush=True)
    memory.raise_nofile()
    with memory.TestServer() as server:
        jobs = [(s.python, s.program, memory.memory_args(server.port, settings.clients,
                                                         settings.quiet))
                for s in ready if s.python is not None]
        for subject, result in zip(ready, memory.run_overlapped(jobs), strict=True):
            _note(subject, result)
            measured.held[subject.label] = result


# --- the tables ----------------------------------------------------------------

def tables(settings: PeerSettings, measured: Measured, ours_parsed: list[parse.Row],
           records: list[Record]) -> str:
    """The three peer tables as text; appends a :class:`Record` per figure."""
    problems: list[str] = []

    def problem(text: str) -> str:
        problems.append(text)
        return f"error [{len(problems)}]"

    out = _dispatch_table(settings, measured, records, problem)
    out += _parse_table(settings, measured, ours_parsed, records)
    out += _memory_table(settings, measured, records, problem)
    if problems:
        out += ["", "errors:"] + [f"  [{i}] {text}" for i, text in enumerate(problems, 1)]
    return "\n".join(out)


def _who(subject: Subject) -> str:
    info = subject.info or {}
    return (f"{info.get('library', subject.label):<22} {info.get('version', '-'):<11} "
            f"{info.get('python', subject.version or '-'):<7}")


def _dispatch_table(settings: PeerSettings, measured: Measured, records: list[Record],
                    problem: Any) -> list[str]:
    ours = measured.subjects[0]
    out = [f"PEERS: dispatch, {settings.lines:,} PRIVMSG lines, median of {settings.repeats} "
           "run(s); 'of floor' = rate / floor rate on the same Python and stream;",
           "'bottom x' = bottom's share of its floor (same stream, same form; kwargs against "
           "a native one) / the library's: above 1.00x bottom is faster", ""]
    header = (f"{'library':<22} {'version':<11} {'Python':<7} {'stream':<8} {'form':<8} "
              f"{'sync msgs/s':>12} {'of floor':>8} {'bottom x':>8}  "
              f"{'async msgs/s':>12} {'of floor':>8} {'bottom x':>8}")
    out += [header, "-" * len(header)]
    for subject in measured.subjects:
        if subject.error is not None:
            out.append(f"{_who(subject)} {subject.stream:<8} {'':<8} "
                       f"{problem(f'{subject.label}: {subject.error}')}")
            continue
        streams = ("tagged", "untagged") if subject is ours else (subject.stream,)
        forms = list(dict.fromkeys(measured.forms(subject, "sync") +
                                   measured.forms(subject, "async")))
        for stream in streams:
            if subject is ours and not any(key[1] == stream for key in measured.rates
                                           if key[0] == ours.label):
                continue
            for form in forms:
                cells = [_cell(measured, subject, stream, mode, form, records, problem)
                         for mode in _MODES]
                out.append(f"{_who(subject)} {stream:<8} {form:<8} {cells[0]}  {cells[1]}")
    out.append("floors (median msgs/s): " + "; ".join(
        f"Python {version} {'tagged' if tags else 'untagged'} {mode} "
        f"{statistics.median(values):,.0f}"
        for (version, tags, mode), values in sorted(
            measured.floors.items(), key=lambda item: (version_key(item[0][0]), item[0][1:]))))
    return out


def _cell(measured: Measured, subject: Subject, stream: str, mode: str, form: str,
          records: list[Record], problem: Any) -> str:
    ours = measured.subjects[0]
    error = measured.errors.get((subject.label, mode, form))
    if error is not None:
        text = "n/a" if error.startswith("no ") else problem(f"{subject.label} {mode}: {error}")
        return f"{text:>12} {'':>8} {'':>8}"
    rates = measured.rates.get((subject.label, stream, mode, form))
    share = measured.share(subject, stream, mode, form)
    if not rates or share is None:
        return f"{'-':>12} {'':>8} {'':>8}"
    floor = SYNC_FLOOR if mode == "sync" else ASYNC_FLOOR
    python = (subject.info or {}).get("python", subject.version)
    who = subject.who()
    rate = statistics.median(rates)
    records.append(Record("peers-dispatch", who, python, rate, "msgs/s", min(rates), max(rates),
                          form, mode, stream, compared_with=f"{floor} (Python {python})",
                          ratio=share, ratio_is="rate / floor rate", better="higher"))
    versus = "" if subject is ours else "-"
    ours_share = measured.share(ours, stream, mode, "kwargs" if form == "native" else form)
    if subject is not ours and ours_share:
        versus = f"{ours_share / share:.2f}x"
        records.append(Record("peers-dispatch", OURS, platform.python_version(),
                              ours_share, "share of floor", form=form, mode=mode,
                              stream=stream, compared_with=f"{who} ({form})",
                              ratio=ours_share / share,
                              ratio_is="bottom's share of its floor / the library's",
                              better="higher"))
    return f"{rate:>12,.0f} {share:>8.1%} {versus:>8}"


def _parse_table(settings: PeerSettings, measured: Measured, ours_parsed: list[parse.Row],
                 records: list[Record]) -> list[str]:
    ours_parse = {row["name"]: row for row in ours_parsed}
    out = ["", f"PEERS: parse, bench/corpus.py ({settings.parse_lines:,} lines), 'x floor' = "
               "parser time / line.split(\" \") time on its own Python (lower is better);",
           "'bottom x' = the library's x floor / bottom's (Message.parse, or with "
           "message_to_event for parsers that map events): above 1.00x bottom is faster", ""]
    header = (f"{'library':<22} {'version':<11} {'Python':<7} {'parser':<32} "
              f"{'lines/s':>10} {'x floor':>8} {'bottom x':>8}  notes")
    out += [header, "-" * (len(header) + 20)]
    for name in (parse.PARSE, parse.PARSE_AND_MAP):
        row = ours_parse[name]
        out.append(f"{OURS:<22} {bottom.__version__:<11} {platform.python_version():<7} "
                   f"{name:<32} {row['median']:>10,.0f} {row['ratio']:>7.2f}x")
    for subject in measured.subjects[1:]:
        result = measured.parsed.get(subject.label)
        if subject.error is not None or result is None:
            continue
        if "error" in result:
            out.append(f"{_who(subject)} {'n/a':<32} {result['error']}")
            continue
        ours = ours_parse[parse.PARSE_AND_MAP if subject.maps_events else parse.PARSE]
        notes = f"{result['lines']:,} lines" + ("; untagged only" if not subject.tags else "")
        versus = result["ratio"] / ours["ratio"]
        out.append(f"{_who(subject)} {subject.parser:<32} {result['rate']:>10,.0f} "
                   f"{result['ratio']:>7.2f}x {versus:>7.2f}x  {notes}")
        python = result.get("python", subject.version)
        records += [
            Record("peers-parse", f"{subject.who()} {subject.parser}", python, result["rate"],
                   "lines/s", result.get("min"), result.get("max"),
                   compared_with=f"line.split(' ') (Python {python})", ratio=result["ratio"],
                   ratio_is="time / floor time", better="lower"),
            Record("peers-parse", f"{OURS} {ours['name']}", platform.python_version(),
                   ours["median"], "lines/s", compared_with=f"{subject.who()} {subject.parser}",
                   ratio=versus, ratio_is="the library's time ratio / bottom's",
                   better="higher")]
    return out


def _memory_table(settings: PeerSettings, measured: Measured, records: list[Record],
                  problem: Any) -> list[str]:
    idle = f"+{settings.quiet:g} s idle"
    out = ["", f"PEERS: memory, {settings.clients:,} idle registered clients in one process "
               "against python -m bottom.testing, KiB of RSS per client right after the last "
               f"registration and {settings.quiet:g} s later;",
           "'bottom x' = the library's KiB / bottom's: above 1.00x bottom uses less", ""]
    header = (f"{'library':<22} {'version':<11} {'Python':<7} {'registered':>10} "
              f"{'bottom x':>8} {idle:>12} {'bottom x':>8}")
    out += [header, "-" * len(header)]
    ours = measured.held.get(OURS, {})
    for subject in measured.subjects:
        result = measured.held.get(subject.label)
        if subject.error is not None or result is None:
            continue
        if "error" in result:
            error = problem(f"{subject.label} memory: {result['error']}")
            out.append(f"{_who(subject)} {error:>10}")
            continue
        cells = []
        for key, when in (("kib_per_client", "registered"), ("kib_per_client_quiet", idle)):
            kib, base = result[key], ours.get(key)
            versus = f"{kib / base:.2f}x" if base and subject.label != OURS else ""
            cells.append(f"{kib:>{10 if when == 'registered' else 12}.2f} {versus:>8}")
            python = result.get("python", subject.version)
            records.append(Record("peers-memory", subject.who(), python, kib, "KiB/client",
                                  when=when, compared_with="" if subject.label == OURS else OURS,
                                  ratio=kib / base if base and subject.label != OURS else None,
                                  ratio_is="the library's KiB / bottom's" if versus else "",
                                  better="higher" if versus else ""))
        out.append(f"{_who(subject)} {cells[0]} {cells[1]}")
    return out


def find(measured: Measured, label: str) -> Subject | None:
    """The subject called ``label`` (a peer name, or OURS)."""
    return next((s for s in measured.subjects if s.label == label), None)


def best_share(measured: Measured, label: str, mode: str,
               forms: Sequence[str] = ("kwargs", "native")) -> tuple[float, str] | None:
    """A library's share of its floor in the first of ``forms`` it was measured in."""
    subject = find(measured, label)
    if subject is None:
        return None
    for form in forms:
        share = measured.share(subject, subject.stream, mode, form)
        if share is not None:
            return share, form
    return None
