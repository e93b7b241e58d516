"""bench/ runs: every code path of bench/run.py on tiny inputs, so it cannot rot.

Nothing here asserts a timing (speed lives in bench/, on an idle
machine); these tests only check that each benchmark runs end to end,
every handler form reaches its handler, and the figures reach the
tables and the CSV.  Each takes a second or two (child processes).
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench` is a folder of the checkout, not installed

from bench import compare, dispatch, memory, run  # noqa: E402
from bench.blast import BlastServer, join_lines, privmsg_lines  # noqa: E402
from bench.report import Record, write_csv  # noqa: E402
from bench.venvs import OURS  # noqa: E402


@pytest.fixture
def peers_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/peers/ importable, as it is for the programs run as scripts."""
    monkeypatch.syspath_prepend(str(ROOT / "bench" / "peers"))


def test_join_prelude_names_every_sender() -> None:
    senders = {line.split("!", 1)[0][1:] for line in privmsg_lines(200, tags=False)}
    prelude = join_lines()
    names = {mask.lstrip("@").split("!", 1)[0] for line in prelude if " 353 " in line
             for mask in line.split(" :", 1)[1].split()}
    assert senders <= names
    assert all(len(line) < 510 for line in prelude)


@pytest.mark.parametrize("tags", [True, False])
async def test_every_handler_form_counts_every_line(tags: bool, peers_path: None) -> None:
    import bottom_client
    import harness

    lines = 30
    with BlastServer(lines, tags=tags) as server:
        for run in (bottom_client.sync, bottom_client.async_):
            for form in harness.FORMS:
                counter = harness.Counter(lines)
                await run(server.port, counter, harness.Options(form, False))
                result = counter.result()
                assert "error" not in result, (run.__name__, form, result)
                assert result["lines"] == lines


def test_dispatch_measure_runs_and_tables() -> None:
    result = dispatch.measure(1, 20, forms=("kwargs",), streams=(False,), gc_runs=True)
    names = [row["name"] for row in result.rows]
    assert names[:2] == [dispatch.SYNC_FLOOR, dispatch.ASYNC_FLOOR]
    assert "bottom: def h(**kwargs)" in names and "bottom: async def h(**kwargs)" in names
    assert names[2] == dispatch.BOUND
    bound = next(row for row in result.rows if row["name"] == dispatch.BOUND)
    assert bound["ratio"] > 0 and bound["targets"] == dispatch.TARGETS["sync"]
    plain = next(row for row in result.rows if row["name"] == "bottom: def h(**kwargs)")
    assert plain["bound_ratio"] is not None and plain["bound_ratio"] > 0
    assert all(row["bound_ratio"] is None for row in result.rows if row is not plain
               and row["state"] != "on")
    if not dispatch.has_state():
        assert result.notes == [dispatch.STATE_NOTE]
    else:
        assert any(row["state_ratio"] is not None for row in result.rows)
    assert all(row["unreachable"] is not None for row in result.rows if row["state"] != "on")
    table = dispatch.format_table(result, 20)
    assert "untagged" in table and "of floor" in table and "of bound" in table


def test_dispatch_rejects_an_unknown_form() -> None:
    with pytest.raises(ValueError, match="forms"):
        dispatch.measure(1, 10, forms=("positional",))


def test_memory_measure_after_registration_and_quiet() -> None:
    rows = memory.measure(clients=3, repeats=1, quiet=0.1)
    assert [(row["name"], row["when"]) for row in rows] == [
        (memory.FLOOR, "registered"), (memory.BOTTOM, "registered"),
        (memory.FLOOR, "quiet"), (memory.BOTTOM, "quiet")]
    assert "+0.1 s idle" in memory.format_table(rows)


def _measured() -> compare.Measured:
    """Made-up peer figures in the shapes compare.measure_peers fills."""
    ours = compare.Subject(OURS, "bottom_client.py", sys.executable, True, version="3.11.7",
                           info={"library": OURS, "version": "4", "python": "3.11.7"})
    irc = compare.Subject("irc", "irc_client.py", "python", True, version="3.11.7",
                          info={"library": "irc (jaraco)", "version": "20", "python": "3.11.7"})
    irc3 = compare.Subject("irc3", "irc3_client.py", "python", True, version="3.11.7")
    broken = compare.Subject("pydle", "pydle_client.py", None, True, error="install: no")
    measured = compare.Measured([ours, irc, irc3, broken])
    for mode, floor in (("sync", 1000.0), ("async", 100.0)):
        measured.floors[("3.11.7", True, mode)] = [floor]
        for form in ("message", "named", "kwargs"):
            measured.rates[(OURS, "tagged", mode, form)] = [floor / 4]
        measured.rates[("irc3", "tagged", mode, "kwargs")] = [floor / 10]
    measured.rates[("irc", "tagged", "sync", "native")] = [100.0]
    measured.errors[("irc", "async", "native")] = "no async handlers in irc's API"
    measured.parsed["irc"] = {"error": "irc has no public line parser"}
    measured.parsed["irc3"] = {"rate": 1.0, "ratio": 9.0, "lines": 10}
    measured.held[OURS] = {"kib_per_client": 4.5, "kib_per_client_quiet": 5.0}
    measured.held["irc"] = {"kib_per_client": 4.0, "kib_per_client_quiet": 4.0}
    measured.held["irc3"] = {"error": "boom"}
    return measured


def test_peer_tables_targets_and_csv(tmp_path: Path) -> None:
    measured = _measured()
    settings = compare.PeerSettings(20, 1, 10, 1, 3, 0.1)
    parsed: list[Any] = [
        {"name": "Message.parse", "median": 1.0, "min": 1.0, "max": 1.0, "ratio": 3.0,
         "target": 4.0},
        {"name": "Message.parse + message_to_event", "median": 1.0, "min": 1.0, "max": 1.0,
         "ratio": 4.5, "target": 8.0}]
    records: list[Record] = []
    text = compare.tables(settings, measured, parsed, records)
    assert "2.50x" in text  # ours 25% of the floor against irc's 10%
    assert "n/a" in text and "errors:" in text and "install: no" in text
    checked = run.targets(measured, parsed, None, records)
    versus_irc = next(line for line in checked.splitlines() if "/ irc (native)" in line)
    assert versus_irc.split()[-3:] == [">=", "3x", "MISSED"] and "2.50" in versus_irc
    assert "4.50" in checked and "state tracking" in checked
    path = tmp_path / "figures.csv"
    write_csv(path, records)
    with path.open(encoding="utf-8") as written:
        rows = list(csv.DictReader(written))
    assert len(rows) == len(records)
    versus = [row for row in rows if row["compared_with"].startswith("irc (jaraco)")]
    assert versus and math.isclose(float(versus[0]["ratio"]), 2.5)
