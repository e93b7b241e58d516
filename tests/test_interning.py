"""bottom.interning, and the caps and ISUPPORT tokens it lets clients share."""

from __future__ import annotations

import gc
import logging
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

import bottom.interning
from bottom.cap import MAX_CAPS, CapNegotiation
from bottom.interning import InternTable
from bottom.isupport import MAX_ISUPPORT_CHARS, MAX_ISUPPORT_TOKENS, ISupport


def test_equal_keys_give_the_first_value_stored() -> None:
    table: InternTable[list[int]] = InternTable()
    first, second = [1], [1]
    assert table.get(("k",), first) is first
    assert table.get(("k",), second) is first
    assert table.get(("other",), second) is second


def test_a_full_table_starts_afresh_instead_of_growing() -> None:
    table: InternTable[str] = InternTable(limit=3)
    for key in range(10):
        table.get(key, str(key))
        assert len(table) <= 3
    assert table.get(9, "new") == "9"


def test_connections_that_heard_the_same_caps_share_one_copy() -> None:
    one, two = CapNegotiation({"multi-prefix", "sasl"}), CapNegotiation({"multi-prefix", "sasl"})
    for cap in (one, two):
        cap.on_ls("multi-prefix sasl=PLAIN away-notify", more=False)
        cap.on_ack("multi-prefix sasl")
    assert one.offered is two.offered and one.enabled is two.enabled
    # Sharing never leaks a change from one connection to the other.
    one.on_del("sasl")
    assert one.enabled == {"multi-prefix"} and "sasl" not in one.offered
    assert two.enabled == {"multi-prefix", "sasl"} and two.offered["sasl"] == "PLAIN"


def test_clients_with_the_same_isupport_tokens_share_them_but_not_changes() -> None:
    one, two = ISupport(["NICKLEN=30", "PREFIX=(ov)@+"]), ISupport(["NICKLEN=30", "PREFIX=(ov)@+"])
    assert one._state is two._state
    assert one.prefix == two.prefix == {"o": "@", "v": "+"}
    one.update(["-NICKLEN", "PREFIX=(qov)~@+"])
    assert "NICKLEN" not in one and one.prefix == {"q": "~", "o": "@", "v": "+"}
    assert two["NICKLEN"] == "30" and two.prefix == {"o": "@", "v": "+"}
    two.clear()
    assert len(two) == 0 and one["PREFIX"] == "(qov)~@+"


# -- what a hostile server can make a connection remember ------------------------------

def _cpu_seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _held() -> int:
    """Traced bytes, less CPython's table of interned strings: it grows in
    steps of megabytes whenever any code interns, so counting it made these
    checks depend on which tests ran before."""
    gc.collect()
    interning = str(Path(bottom.interning.__file__))
    line = next(n for n, text in enumerate(Path(interning).read_text().splitlines(), 1)
                if "sys.intern(key)" in text)
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, interning, lineno=line)])
    return sum(stat.size for stat in snapshot.statistics("filename"))


def _traced(work: Callable[[], Callable[[], None]]) -> tuple[int, int]:
    """Bytes held after ``work()``, and after calling the forget function it returns."""
    # What existed before is set aside (none of it is traced), so each
    # collection in _held walks only what work() made: a full one costs
    # about a second late in a worker's run.
    gc.freeze()
    tracemalloc.start()
    try:
        base = _held()
        forget = work()
        held = _held() - base
        forget()
        left = _held() - base
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    return held, left


def _isupport_flood(count: int) -> ISupport:
    isupport = ISupport(["NICKLEN=30"])
    tokens = [f"TOKEN{n}=value{n}" for n in range(count)]
    for start in range(0, count, 13):  # 13 tokens per 005 line, as servers send
        isupport.update(tokens[start:start + 13])
    return isupport


def test_twenty_thousand_isupport_tokens_cost_linear_time_and_a_capped_table(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bottom"):
        isupport = _isupport_flood(20_000)
    assert len(isupport) == MAX_ISUPPORT_TOKENS
    assert isupport.nicklen == 30 and isupport["TOKEN0"] == "value0"
    warnings = [r for r in caplog.records if "ISUPPORT" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    # Quadratic copying took 11 s here; linear work takes about 0.04 s.
    assert _cpu_seconds(lambda: _isupport_flood(20_000)) < 1.0
    # The table shrinks and grows in place: removing and adding stay cheap.
    isupport.update([f"-TOKEN{n}" for n in range(13)])
    assert "TOKEN0" not in isupport and len(isupport) == MAX_ISUPPORT_TOKENS - 13


def test_isupport_memory_is_bounded_and_freed_when_the_connection_forgets_it() -> None:
    def flood() -> Callable[[], None]:
        isupport = _isupport_flood(20_000)
        return isupport.clear
    held, left = _traced(flood)
    assert held < 512 * 1024  # about 150 KiB for the capped table
    assert left < 16 * 1024  # nothing kept by the shared tables


def test_isupport_values_are_bounded_in_characters_too() -> None:
    isupport = ISupport()
    for n in range(100):
        isupport.update([f"BIG{n}=" + "x" * 8000])
    assert sum(len(k) + len(v) for k, v in isupport.items()) <= MAX_ISUPPORT_CHARS
    isupport.update(["-BIG0", "SMALL=1"])
    assert isupport["SMALL"] == "1"


def _cap_flood(count: int, per_line: int) -> tuple[CapNegotiation, list[list[str]]]:
    names = [f"vendor.example/cap-{n}" for n in range(count)] + ["multi-prefix"]
    cap = CapNegotiation({"multi-prefix", "vendor.example/cap-1"})
    requests: list[list[str]] = []
    for start in range(0, len(names), per_line):
        requests = cap.on_ls(" ".join(names[start:start + per_line]),
                             more=start + per_line < len(names))
    return cap, requests


@pytest.mark.parametrize("count", [5_000, 10_000])
@pytest.mark.parametrize("per_line", [1, 10_000])
def test_a_huge_cap_ls_costs_linear_time_and_a_capped_table(
        count: int, per_line: int, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bottom"):
        cap, requests = _cap_flood(count, per_line)
    assert len(cap.offered) == MAX_CAPS
    assert requests == [["vendor.example/cap-1"]]  # multi-prefix came past the cap
    assert len([r for r in caplog.records if "CAP" in r.getMessage()]) == 1
    assert _cpu_seconds(lambda: _cap_flood(count, per_line)) < 1.0
    # NEW and DEL on the big table cost what the line holds.
    cap.on_del("vendor.example/cap-2")
    cap.on_new("multi-prefix")
    assert "multi-prefix" in cap.offered and "vendor.example/cap-2" not in cap.offered


def test_cap_memory_is_bounded_and_freed_when_the_connection_goes() -> None:
    kept: list[CapNegotiation] = []

    def flood() -> Callable[[], None]:
        kept.append(_cap_flood(10_000, 20)[0])
        return kept.clear
    held, left = _traced(flood)
    assert held < 512 * 1024
    assert left < 16 * 1024


def test_cap_ack_of_unrequested_caps_is_bounded() -> None:
    cap = CapNegotiation({"sasl"})
    cap.on_ls("sasl", more=False)
    for start in range(0, 5000, 100):
        cap.on_ack(" ".join(f"x{n}" for n in range(start, start + 100)))
    assert len(cap.enabled) == MAX_CAPS


def test_small_tables_are_still_shared_after_big_ones_were_refused() -> None:
    big = CapNegotiation(())
    big.on_ls(" ".join(f"c{n}" for n in range(2000)), more=False)
    one, two = CapNegotiation(()), CapNegotiation(())
    one.on_ls("a b", more=True)
    two.on_ls("a b", more=True)
    assert one.offered is not two.offered  # not shared before LS is complete
    one.on_ls("c", more=False)
    two.on_ls("c", more=False)
    assert one.offered is two.offered
    assert dict(one.offered) == {"a": "", "b": "", "c": ""}
