"""One CSV row per figure and comparison, for bench/run.py's ``--csv``.

Every ratio bench/run.py prints is also a :class:`Record`: what was
measured (benchmark, subject, handler form, plain or coroutine, stream,
state tracking, when), its median and spread, what it is compared with
and the ratio, with which way is better.  A figure compared with a floor
and with three peers is four rows.  Plain ``csv`` with a header, so a
spreadsheet or ``csv.DictReader`` reads it.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = ["Record", "write_csv"]


@dataclass(frozen=True)
class Record:
    """One figure compared with one thing (a floor, a peer, or nothing)."""

    benchmark: str
    """parse, dispatch, memory, send, or peers-dispatch, peers-parse, peers-memory."""
    subject: str
    """Who was measured: a variant name, or a library (with its version)."""
    python: str
    figure: float
    unit: str
    """lines/s, msgs/s, KiB/client."""
    low: float | None = None
    high: float | None = None
    form: str = ""
    """message, named, kwargs, native, or "" where it does not apply."""
    mode: str = ""
    """sync or async (dispatch)."""
    stream: str = ""
    """tagged or untagged (dispatch)."""
    state: str = ""
    """on or off (bottom's state tracking), "" where it does not apply."""
    when: str = ""
    """memory: registered, or +N s idle."""
    compared_with: str = ""
    ratio: float | None = None
    ratio_is: str = ""
    """How the ratio is made, e.g. "rate / floor rate"."""
    better: str = ""
    """higher or lower."""
    target: str = ""
    verdict: str = ""


def write_csv(path: Path, records: list[Record]) -> None:
    """Write ``records`` to ``path`` (made or replaced), a header first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=[field.name for field in fields(Record)])
        writer.writeheader()
        for record in records:
            row = asdict(record)
            for key, value in row.items():
                if isinstance(value, float):
                    row[key] = f"{value:.6g}"
                elif value is None:
                    row[key] = ""
            writer.writerow(row)
