"""Flood control and the write path, with a fake clock and a fake transport."""

from __future__ import annotations

import asyncio
import logging
import types

import pytest

from bottom.connection import LINE_BUDGET, MAX_URGENT_BYTES, Connection, TokenBucket
from bottom.errors import NotConnected
from bottom.framing import LineDecoder


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
        self.reading_paused = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        self.reading_paused = True

    def resume_reading(self) -> None:
        self.reading_paused = False


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


async def test_urgent_lines_jump_the_flood_queue_but_are_still_paced() -> None:
    clock = FakeClock()
    conn, transport, _, _ = make_connection(TokenBucket(1, 1.0, clock=clock))
    conn.write(["PRIVMSG #c :1"])
    second = conn.write(["PRIVMSG #c :2"])
    pong = conn.write(["PONG :x"], urgent=True)
    ping = conn.write(["PING :keepalive"], urgent=True)
    # The bucket is empty: nothing more goes out before the next token.
    assert transport.written == [b"PRIVMSG #c :1\r\n"] and not pong.done()
    assert conn.backlog == 3
    clock.now += 1.0
    conn._on_drain_timer()
    assert transport.written[1:] == [b"PONG :x\r\n"] and pong.done() and not second.done()
    clock.now += 1.0
    conn._on_drain_timer()
    clock.now += 1.0
    conn._on_drain_timer()
    assert transport.written[2:] == [b"PING :keepalive\r\n", b"PRIVMSG #c :2\r\n"]
    assert ping.done() and second.done() and conn.backlog == 0


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


class PausingTransport(FakeTransport):
    """A peer that never reads: past ``high`` buffered bytes the transport
    pauses writing, as asyncio's do, and nothing is ever taken out."""

    def __init__(self, protocol: Connection, high: int = 64 * 1024) -> None:
        super().__init__()
        self.protocol = protocol
        self.high = high
        self.size = 0
        self.paused = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.size += len(data)
        if self.size > self.high and not self.paused:
            self.paused = True
            self.protocol.pause_writing()

    def get_write_buffer_size(self) -> int:
        return self.size

    def abort(self) -> None:
        if not self.closing:
            self.closing = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)


@pytest.mark.parametrize("pings", [
    20_000, pytest.param(200_000, marks=pytest.mark.slow)])
async def test_a_server_that_pings_and_never_reads_gets_a_bounded_buffer_and_a_disconnect(
        pings: int, caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    lost: asyncio.Future[Exception | None] = loop.create_future()
    conn: Connection

    def answer(line: str) -> None:  # what the client's auto-PONG does
        if not conn.is_closing():
            conn.write(["PONG :" + line.split(":", 1)[1]], urgent=True)

    conn = Connection(loop, on_line=answer, on_lost=lambda c, exc: lost.set_result(exc),
                      stall_timeout=0.05)
    transport = PausingTransport(conn)
    conn.connection_made(transport)
    conn.start_delivery()
    chunk = b"".join(b"PING :" + b"x" * 474 + b"%05d\r\n" % n for n in range(100))
    with caplog.at_level(logging.WARNING, logger="bottom"):
        for _ in range(pings // 100):  # PINGs of 480 bytes
            conn.data_received(chunk)
        assert transport.size <= transport.high + 512
        assert conn._urgent_bytes <= MAX_URGENT_BYTES
        reason = await asyncio.wait_for(lost, 10)
    assert isinstance(reason, TimeoutError)
    assert "stopped reading" in str(reason) and "stall_timeout" in str(reason)
    assert conn.backlog == 0
    assert len([r for r in caplog.records if "PONG/PING" in r.getMessage()]) == 1


async def test_urgent_lines_are_held_while_writing_is_paused() -> None:
    conn, transport, _, _ = make_connection()
    conn.pause_writing()
    privmsg = conn.write(["PRIVMSG #c :queued first"])
    pong = conn.write(["PONG :x"], urgent=True)
    assert transport.written == [] and not pong.done()
    conn.resume_writing()
    assert transport.written == [b"PONG :x\r\n", b"PRIVMSG #c :queued first\r\n"]
    assert pong.done() and privmsg.done()


async def test_a_pause_shorter_than_the_stall_timeout_is_no_stall() -> None:
    loop = asyncio.get_running_loop()
    conn = Connection(loop, on_line=lambda line: None, on_lost=lambda c, exc: None,
                      stall_timeout=3600)
    conn.connection_made(FakeTransport())
    conn.pause_writing()
    assert conn._stall_timer is not None
    conn.resume_writing()
    assert conn._stall_timer is None


async def test_quit_written_normally_keeps_its_place_in_line() -> None:
    clock = FakeClock()
    conn, transport, _, _ = make_connection(TokenBucket(1, 1.0, clock=clock))
    conn.write(["PRIVMSG #c :1"])
    conn.write(["PRIVMSG #c :bye"])
    quit_ = conn.write(["QUIT :done"])
    for _ in range(2):
        clock.now += 1.0
        conn._on_drain_timer()
    assert transport.written == [b"PRIVMSG #c :1\r\n", b"PRIVMSG #c :bye\r\n", b"QUIT :done\r\n"]
    assert quit_.done()


async def test_drain_waits_for_every_queued_line() -> None:
    conn, transport, _, _ = make_connection(TokenBucket(1, 1000.0))
    futures = [conn.write([f"PRIVMSG #c :{n}"]) for n in range(5)]
    assert conn.backlog == 4
    assert await conn.drain(10) == 0
    assert len(transport.written) == 5 and all(f.done() for f in futures)
    assert await conn.drain(10) == 0  # nothing queued: at once


async def test_drain_gives_up_after_its_timeout_and_says_how_many_are_left() -> None:
    conn, transport, _, _ = make_connection()
    conn.pause_writing()
    futures = [conn.write([f"PRIVMSG #c :{n}"]) for n in range(3)]
    assert await conn.drain(0.01) == 3
    assert not any(f.done() for f in futures)
    conn.resume_writing()
    assert len(transport.written) == 3


async def test_a_close_during_drain_fails_every_queued_line(
        caplog: pytest.LogCaptureFixture) -> None:
    conn, _, _, lost = make_connection()
    conn.pause_writing()
    futures = [conn.write([f"PRIVMSG #c :{n}"]) for n in range(3)]
    futures.append(conn.write(["PONG :x"], urgent=True))
    draining = asyncio.ensure_future(conn.drain(10))
    await asyncio.sleep(0)  # let drain() start waiting
    with caplog.at_level(logging.WARNING, logger="bottom"):
        conn.connection_lost(None)
    assert await draining == 4
    assert all(isinstance(f.exception(), NotConnected) for f in futures)
    assert len([r for r in caplog.records if "4 line(s) not sent" in r.getMessage()]) == 1
    assert lost == [None]


async def test_last_received_is_the_loop_time_of_the_last_bytes_read() -> None:
    conn, _, _, _ = make_connection()
    before = asyncio.get_running_loop().time()
    conn.data_received(b"PING :x\r\n")
    assert before <= conn.last_received <= asyncio.get_running_loop().time()


async def test_a_chunk_of_many_lines_is_delivered_over_several_loop_callbacks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bottom.connection.LINE_BUDGET", 0.0)  # yield at every look
    conn, transport, lines, _ = make_connection()
    conn.data_received(b"".join(b"PING :%d\r\n" % n for n in range(1000)))
    assert 0 < len(lines) < 1000 and transport.reading_paused
    conn.data_received(b"PING :late\r\n")  # a transport may still deliver: it waits its turn
    while len(lines) < 1001:
        await asyncio.sleep(0)  # one loop iteration per step
    assert lines == [f"PING :{n}" for n in range(1000)] + ["PING :late"]
    assert not transport.reading_paused


async def test_lines_still_waiting_are_delivered_before_the_connection_is_lost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bottom.connection.LINE_BUDGET", 0.0)
    conn, _, lines, lost = make_connection()
    conn.data_received(b"".join(b"PING :%d\r\n" % n for n in range(200)) + b"ERROR :bye\r\n")
    assert len(lines) < 201
    conn.connection_lost(None)
    assert lost == []  # reported once the waiting lines are delivered, under the budget
    for _ in range(1000):
        if lost:
            break
        await asyncio.sleep(0)
    assert lines[-1] == "ERROR :bye" and len(lines) == 201 and lost == [None]


async def test_decoding_a_big_read_counts_against_the_delivery_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr("bottom.connection.time", types.SimpleNamespace(perf_counter=clock))
    conn, transport, lines, _ = make_connection()

    class SlowDecoder(LineDecoder):
        def feed(self, data: bytes) -> list[str]:
            clock.now += 2 * LINE_BUDGET  # a decode that took the whole budget and more
            return super().feed(data)
    conn._decoder = SlowDecoder()
    conn.data_received(b"".join(b"PING :%d\r\n" % n for n in range(100)))
    assert lines == ["PING :0"] and transport.reading_paused  # one line, then the next callback


async def test_reads_held_before_delivery_starts_share_one_time_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bottom.connection.LINE_BUDGET", 0.0)  # yield at every look
    lines: list[str] = []
    conn = Connection(asyncio.get_running_loop(), on_line=lines.append,
                      on_lost=lambda c, exc: None)
    transport = FakeTransport()
    conn.connection_made(transport)
    for read in range(4):  # each small enough to be delivered without a look at the clock
        conn.data_received(b"".join(b"PING :%d.%d\r\n" % (read, n) for n in range(10)))
    conn.start_delivery()
    assert 0 < len(lines) < 40 and transport.reading_paused
    while len(lines) < 40:
        await asyncio.sleep(0)  # one loop iteration per step
    assert lines == [f"PING :{read}.{n}" for read in range(4) for n in range(10)]
