"""Flood control and the write path, with a fake clock and a fake transport."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bottom.connection import Connection, TokenBucket
from bottom.errors import NotConnected


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTransport(asyncio.Transport):
    """Records writes; closing is immediate."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True


def test_bucket_allows_a_burst_then_one_line_per_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket(burst=5, rate=1.0, clock=clock)
    assert [bucket.take() for _ in range(5)] == [0.0] * 5
    assert bucket.take() == pytest.approx(1.0)
    clock.now += 1.0
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(1.0)


def test_bucket_refills_no_higher_than_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(burst=2, rate=10.0, clock=clock)
    clock.now += 1000
    assert [bucket.take() for _ in range(3)][:2] == [0.0, 0.0]
    assert bucket.take() > 0


@pytest.mark.parametrize("burst, rate", [(0, 1.0), (5, 0.0), (5, -1.0)])
def test_bucket_refuses_settings_that_would_never_send(burst: int, rate: float) -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(burst, rate)


def make_connection(flood: TokenBucket | None = None) -> tuple[Connection, FakeTransport,
                                                               list[str], list[object]]:
    lines: list[str] = []
    lost: list[object] = []
    conn = Connection(asyncio.get_running_loop(), on_line=lines.append,
                      on_lost=lambda c, exc: lost.append(exc), flood=flood)
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.start_delivery()
    return conn, transport, lines, lost


async def test_lines_arriving_before_delivery_starts_are_held_in_order() -> None:
    lines: list[str] = []
    conn = Connection(asyncio.get_running_loop(), on_line=lines.append,
                      on_lost=lambda c, exc: None)
    conn.connection_made(FakeTransport())
    conn.data_received(b"PING :a\r\nPI")
    conn.data_received(b"NG :b\r\n")
    assert lines == []
    conn.start_delivery()
    conn.data_received(b"PING :c\r\n")
    assert lines == ["PING :a", "PING :b", "PING :c"]


async def test_writes_without_flood_control_go_straight_to_the_transport() -> None:
    conn, transport, _, _ = make_connection()
    future = conn.write_lines(["PRIVMSG #c :a", "PRIVMSG #c :b"])
    # One write for the lines of one call: no queue, no pacing.
    assert transport.written == [b"PRIVMSG #c :a\r\nPRIVMSG #c :b\r\n"]
    assert future.done()
    assert conn.backlog == 0


async def test_flood_control_queues_lines_past_the_burst() -> None:
    clock = FakeClock()
    conn, transport, _, _ = make_connection(TokenBucket(2, 1.0, clock=clock))
    futures = [conn.write_lines([f"PRIVMSG #c :{n}"]) for n in range(4)]
    assert len(transport.written) == 2
    assert [f.done() for f in futures] == [True, True, False, False]
    assert conn.backlog == 2
    clock.now += 1.0
    conn._on_drain_timer()
    assert len(transport.written) == 3
    assert futures[2].done() and not futures[3].done()


async def test_priority_lines_jump_the_flood_queue() -> None:
    clock = FakeClock()
    conn, transport, _, _ = make_connection(TokenBucket(1, 1.0, clock=clock))
    conn.write_lines(["PRIVMSG #c :1"])
    conn.write_lines(["PRIVMSG #c :2"])
    pong = conn.write_lines(["PONG :x"], priority=True)
    assert transport.written == [b"PRIVMSG #c :1\r\n", b"PONG :x\r\n"]
    assert pong.done()


async def test_a_paused_transport_holds_lines_until_resumed() -> None:
    conn, transport, _, _ = make_connection()
    conn.pause_writing()
    future = conn.write_lines(["PRIVMSG #c :held"])
    assert transport.written == [] and not future.done()
    conn.resume_writing()
    assert transport.written == [b"PRIVMSG #c :held\r\n"] and future.done()


async def test_queued_lines_are_dropped_with_one_log_record_when_the_link_goes(
        caplog: pytest.LogCaptureFixture) -> None:
    conn, _, _, lost = make_connection()
    conn.pause_writing()
    futures = [conn.write_lines([f"PRIVMSG #c :{n}"]) for n in range(3)]
    with caplog.at_level(logging.WARNING, logger="bottom"):
        conn.connection_lost(None)
    assert all(f.done() for f in futures)
    assert all(isinstance(f.exception(), NotConnected) for f in futures)
    assert [r for r in caplog.records if "3 line(s) not sent" in r.getMessage()]
    assert lost == [None]


async def test_connection_lost_reports_once() -> None:
    conn, _, _, lost = make_connection()
    error = ConnectionResetError("reset")
    conn.connection_lost(error)
    conn.connection_lost(None)
    assert lost == [error]


async def test_writing_to_a_closing_connection_raises_not_connected() -> None:
    conn, transport, _, _ = make_connection()
    transport.closing = True
    with pytest.raises(NotConnected, match="PRIVMSG"):
        conn.write_lines(["PRIVMSG #c :x"])


async def test_no_line_is_delivered_after_the_connection_is_lost_mid_chunk() -> None:
    lines: list[str] = []
    conn = Connection(asyncio.get_running_loop(), on_line=lambda line: (
        lines.append(line), conn.connection_lost(None)), on_lost=lambda c, exc: None)
    conn.connection_made(FakeTransport())
    conn.start_delivery()
    conn.data_received(b"A\r\nB\r\n")
    assert lines == ["A"]
