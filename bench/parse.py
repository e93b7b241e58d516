"""How fast bottom turns lines into Messages and events, relative to a floor.

Lines per second alone depend on the machine, so every figure is also
given as a ratio to a floor measured in the same run: ``line.split(" ")``
once per line, the least any parser must do.  The ratio is the variant's
time divided by the floor's time, so **lower is better**; it can be
compared across machines and between runs before and after a change.

Targets: ``Message.parse`` within 4x the floor's time, parse plus
``message_to_event`` within 8x.  When ``irctokens`` is installed (a bench
extra, never a runtime dependency) its ``tokenise`` is measured too, as a
plain-Python IRCv3 tokenizer to compare with.

Run ``python bench/parse.py --repeats 3`` from the checkout.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TypedDict

if not __package__:
    # Run as a script, Python puts bench/ first on sys.path.  Put the
    # checkout ahead of it, so `bottom` is the code in this tree (not some
    # installed copy) and `bench.corpus` imports as it does for bench/run.py.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import make_corpus
from bench.options import positive_int
from bottom.events import message_to_event
from bottom.message import Message

__all__ = ["FLOOR", "TARGETS", "Row", "main", "measure"]

FLOOR = 'line.split(" ")'
PARSE = "Message.parse"
PARSE_AND_MAP = "Message.parse + message_to_event"
IRCTOKENS = "irctokens.tokenise"

#: Variant -> the most it may take, in multiples of the floor's time.
TARGETS: dict[str, float] = {PARSE: 4.0, PARSE_AND_MAP: 8.0}

# Lines each variant runs before timing starts, so the first timed run does
# not also pay for imports, caches and the interpreter's specialisation.
_WARM_UP_LINES = 2_000


class Row(TypedDict):
    """One variant's figures.  Rates are lines per second over the corpus."""

    name: str
    median: float
    min: float
    max: float
    ratio: float
    """Median over repeats of variant seconds / floor seconds in that repeat."""
    target: float | None
    """The largest acceptable ``ratio``, or ``None`` for no target."""


_Variant = Callable[[list[str]], None]

# One loop per variant, written out alike, so each pays the same loop
# overhead as the floor and the ratio shows the work per line.  Results are
# dropped as they are made, as a client drops each line once handled.


def _floor(lines: list[str]) -> None:
    for line in lines:
        line.split(" ")


def _parse(lines: list[str]) -> None:
    for line in lines:
        Message.parse(line)


def _parse_and_map(lines: list[str]) -> None:
    for line in lines:
        message_to_event(Message.parse(line))


def _irctokens_variant() -> _Variant | None:
    """The irctokens loop, or ``None`` when irctokens is not installed."""
    try:
        import irctokens
    except ImportError:
        return None

    def tokenise(lines: list[str]) -> None:
        for line in lines:
            # The documented name; irctokens re-exports it without __all__.
            irctokens.tokenise(line)  # type: ignore[attr-defined]

    return tokenise


def _variants() -> list[tuple[str, _Variant]]:
    variants: list[tuple[str, _Variant]] = [
        (FLOOR, _floor), (PARSE, _parse), (PARSE_AND_MAP, _parse_and_map)]
    irctokens_loop = _irctokens_variant()
    if irctokens_loop is not None:
        variants.append((IRCTOKENS, irctokens_loop))
    return variants


def measure(repeats: int = 5, n: int = 100_000) -> list[Row]:
    """Time every variant over a corpus of ``n`` lines, ``repeats`` times.

    Returns one :class:`Row` per variant, the floor first; irctokens is
    included only when installed.  Within a repeat the variants run one
    after another over the whole corpus, so drift in the machine's speed
    (turbo, other load) hits all of them alike; the order rotates between
    repeats so none always runs first.  The garbage collector stays on, as
    in a real client, but starts each timed run empty (``gc.collect()``).

    :raises ValueError: if ``repeats`` or ``n`` is below 1.
    """
    if repeats < 1 or n < 1:
        raise ValueError(f"repeats and n must be at least 1, not {repeats} and {n}")
    lines = make_corpus(n)
    variants = _variants()
    for _, run in variants:
        run(lines[:_WARM_UP_LINES])

    seconds: dict[str, list[float]] = {name: [] for name, _ in variants}
    for repeat in range(repeats):
        start_at = repeat % len(variants)
        for name, run in variants[start_at:] + variants[:start_at]:
            gc.collect()
            start = time.perf_counter()
            run(lines)
            seconds[name].append(time.perf_counter() - start)

    rows: list[Row] = []
    for name, _ in variants:
        rates = [n / elapsed for elapsed in seconds[name]]
        pairs = zip(seconds[name], seconds[FLOOR], strict=True)
        ratios = [elapsed / floor for elapsed, floor in pairs]
        rows.append(Row(name=name, median=statistics.median(rates), min=min(rates),
                        max=max(rates), ratio=statistics.median(ratios),
                        target=TARGETS.get(name)))
    return rows


def _format_table(rows: list[Row]) -> str:
    header = (f"{'variant':<34} {'median lines/s':>15} {'min':>12} {'max':>12}"
              f"  {'x floor time':>12}  target")
    out = [header, "-" * len(header)]
    for row in rows:
        if row["name"] == FLOOR:
            verdict = "(the floor)"
        elif row["target"] is None:
            verdict = ""
        else:
            met = "met" if row["ratio"] <= row["target"] else "MISSED"
            verdict = f"<= {row['target']:.2f}x  {met}"
        out.append(f"{row['name']:<34} {row['median']:>15,.0f} {row['min']:>12,.0f} "
                   f"{row['max']:>12,.0f}  {row['ratio']:>11.2f}x  {verdict}".rstrip())
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print the table, with the Python and platform it ran on."""
    parser = argparse.ArgumentParser(
        description="Lines per second of Message.parse and of parse + message_to_event, "
                    'as multiples of the time line.split(" ") takes (lower is better).')
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="timed runs over the whole corpus per variant (default 5)")
    parser.add_argument("--lines", type=positive_int, default=100_000,
                        help="corpus size in lines (default 100000)")
    args = parser.parse_args(argv)

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) "
          f"on {platform.platform()}")
    print(f"corpus: {args.lines:,} lines (bench/corpus.py, seed 1), "
          f"{args.repeats} repeats over all of it")
    rows = measure(args.repeats, args.lines)
    print("'x floor time' = variant seconds / floor seconds "
          '(floor: line.split(" ") per line), median of repeats: LOWER IS BETTER')
    print()
    print(_format_table(rows))
    print()
    if any(row["name"] == IRCTOKENS for row in rows):
        print(f"irctokens {metadata.version('irctokens')}: tokenise only, it has no event mapping")
    else:
        print("irctokens.tokenise: skipped, irctokens is not installed "
              "(pip install irctokens, or pip install -e '.[bench]')")


if __name__ == "__main__":
    main()
