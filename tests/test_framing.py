"""bottom.framing: bytes from the socket -> decoded lines, bounded."""

from __future__ import annotations

import itertools
import logging
import tracemalloc

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.framing import DEFAULT_MAX_LINE_BYTES, LineDecoder

STRAY = b"PING :unf"  # shorter than the smallest bound used below


def feed_whole(decoder: LineDecoder, data: bytes) -> list[str]:
    return decoder.feed(data)


def feed_bytewise(decoder: LineDecoder, data: bytes) -> list[str]:
    lines: list[str] = []
    for i in range(len(data)):
        lines += decoder.feed(data[i:i + 1])
    return lines


def feed_with_stray_bytes(decoder: LineDecoder, data: bytes) -> list[str]:
    # h11's test_io: what follows the last newline must not come out early.
    return decoder.feed(data + STRAY)


FEEDERS = [feed_whole, feed_bytewise, feed_with_stray_bytes]
three_ways = pytest.mark.parametrize("feed", FEEDERS, ids=["whole", "bytewise", "stray"])


@three_ways
@pytest.mark.parametrize("data", [
    b"PING :a\nPING :b\n",
    b"PING :a\r\nPING :b\r\n",
    b"PING :a\nPING :b\r\n",
], ids=["LF", "CRLF", "mixed"])
def test_lines_end_at_lf_with_or_without_cr(feed, data: bytes) -> None:
    assert feed(LineDecoder(), data) == ["PING :a", "PING :b"]


@three_ways
def test_only_one_cr_before_the_lf_is_dropped(feed) -> None:
    assert feed(LineDecoder(), b"PING :a\r\r\n") == ["PING :a\r"]


@three_ways
@pytest.mark.parametrize("data", [
    b"\nPING :a\n\n\nPING :b\n",
    b"\r\nPING :a\r\n\r\n\r\nPING :b\r\n",
    b"\n\r\n\nPING :a\nPING :b\n\n",
], ids=["LF", "CRLF", "mixed"])
def test_empty_lines_are_skipped(feed, data: bytes) -> None:
    assert feed(LineDecoder(), data) == ["PING :a", "PING :b"]


@three_ways
def test_a_lone_cr_inside_a_line_is_kept(feed) -> None:
    assert feed(LineDecoder(), b"PRIVMSG #c :bare cr\rafter\r\n") == [
        "PRIVMSG #c :bare cr\rafter"]


@three_ways
def test_other_whitespace_and_control_bytes_are_kept(feed) -> None:
    data = b"  PRIVMSG  #c :\ttab \x01ACTION x\x01 \x00 trailing   \r\n"
    assert feed(LineDecoder(), data) == [
        "  PRIVMSG  #c :\ttab \x01ACTION x\x01 \x00 trailing   "]


@three_ways
def test_utf8_is_decoded(feed) -> None:
    data = "PRIVMSG #c :caf\xe9 \u2603 \U0001f600\r\n".encode()
    assert feed(LineDecoder(), data) == ["PRIVMSG #c :caf\xe9 \u2603 \U0001f600"]


@three_ways
def test_invalid_utf8_falls_back_to_latin1_for_that_line_only(feed) -> None:
    data = (b"PRIVMSG #c :caf\xc3\xa9\r\n"
            b"PRIVMSG #c :caf\xe9 \xff\xfe \xc3(\r\n"
            b"PRIVMSG #c :\xe2\x98\x83\r\n")
    assert feed(LineDecoder(), data) == [
        "PRIVMSG #c :caf\xe9",
        "PRIVMSG #c :caf\xe9 \xff\xfe \xc3(",
        "PRIVMSG #c :\u2603",
    ]


@three_ways
def test_a_latin1_line_keeps_every_byte(feed) -> None:
    raw = bytes(b for b in range(256) if b not in b"\r\n")
    assert feed(LineDecoder(), raw + b"\r\n") == [raw.decode("latin-1")]


@three_ways
def test_the_given_encoding_is_used(feed) -> None:
    assert feed(LineDecoder("cp1252"), b"PRIVMSG #c :\x80\r\n") == ["PRIVMSG #c :\u20ac"]


def test_bytes_after_the_last_newline_wait_for_their_newline() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"PING :a\r\nPING :b") == ["PING :a"]
    assert decoder.feed(b"c") == []
    assert decoder.feed(b"\r") == []
    assert decoder.feed(b"\nPING :d\r\n") == ["PING :bc", "PING :d"]


def test_a_multibyte_character_split_across_chunks_is_decoded_whole() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"PRIVMSG #c :\xe2\x98") == []
    assert decoder.feed(b"\x83\r\n") == ["PRIVMSG #c :\u2603"]


def test_an_encoding_that_is_not_ascii_compatible_is_refused() -> None:
    with pytest.raises(ValueError, match="utf-16"):
        LineDecoder("utf-16")


def test_an_unknown_encoding_is_refused_at_once() -> None:
    with pytest.raises(LookupError):
        LineDecoder("no-such-encoding")


@pytest.mark.parametrize("bound", [0, -1])
def test_a_bound_below_one_byte_is_refused(bound: int) -> None:
    with pytest.raises(ValueError, match="max_line_bytes"):
        LineDecoder(max_line_bytes=bound)


def test_the_default_bound_is_64_kib_well_above_ircv3_lines() -> None:
    assert DEFAULT_MAX_LINE_BYTES == 64 * 1024
    assert LineDecoder().max_line_bytes == DEFAULT_MAX_LINE_BYTES
    assert DEFAULT_MAX_LINE_BYTES > 8191 + 512


# --- the bound ---------------------------------------------------------------

def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.levelno == logging.WARNING and r.name.startswith("bottom.")]


@three_ways
def test_a_line_over_the_bound_is_dropped_with_one_warning(
        feed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    decoder = LineDecoder(max_line_bytes=100)
    data = b"PING :before\r\n" + b"x" * 101 + b"\r\nPING :after\r\n"
    assert feed(decoder, data) == ["PING :before", "PING :after"]
    assert len(_warnings(caplog)) == 1
    assert len(caplog.records) == 1
    assert decoder.dropped_lines == 1


@three_ways
def test_the_warning_says_how_long_the_line_was_and_the_limit(
        feed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    feed(LineDecoder(max_line_bytes=100), b"x" * 300 + b"\n")
    [record] = _warnings(caplog)
    assert "limit 100 bytes" in record.getMessage()
    assert "101" in record.getMessage() or "300" in record.getMessage()


@three_ways
def test_a_line_of_exactly_the_bound_is_kept(feed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    line = b"PING :" + b"x" * 94
    assert feed(LineDecoder(max_line_bytes=100), line + b"\n") == [line.decode()]
    assert _warnings(caplog) == []


@three_ways
def test_the_cr_before_the_lf_counts_towards_the_bound(feed) -> None:
    line = b"PING :" + b"x" * 94
    assert feed(LineDecoder(max_line_bytes=100), line + b"\r\nPING :b\n") == ["PING :b"]


@three_ways
def test_each_line_over_the_bound_warns_once(feed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    decoder = LineDecoder(max_line_bytes=10)
    data = b"y" * 11 + b"\nPING\n" + b"z" * 50 + b"\n" + b"w" * 12 + b"\nPONG\n"
    assert feed(decoder, data) == ["PING", "PONG"]
    assert len(_warnings(caplog)) == 3
    assert decoder.dropped_lines == 3


def test_the_decoder_resynchronises_at_the_next_newline(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    decoder = LineDecoder(max_line_bytes=10)
    assert decoder.feed(b"PING :a\r\n" + b"x" * 8) == ["PING :a"]
    assert decoder.feed(b"x" * 8) == []            # now over the bound: dropped
    assert decoder.feed(b"x" * 1000) == []         # still the same line
    assert decoder.feed(b"xx\r\nPING :b\r\nPI") == ["PING :b"]
    assert decoder.feed(b"NG :c\r\n") == ["PING :c"]
    assert len(_warnings(caplog)) == 1


@pytest.mark.parametrize(("encoding", "over", "kept"), [
    ("utf-8", "x" * 101, "x" * 99),
    # Fewer characters than the bound, more bytes: only the bytes count.
    ("utf-8", "\u2603" * 34, "\u2603" * 33),  # 102 bytes and 99
    ("utf-8", "\U0001f600" * 26, "\U0001f600" * 24 + "xx"),  # 104 bytes and 98
    ("shift_jis", "\u3042" * 51, "\u3042" * 49),  # 102 bytes and 98
    ("cp1252", "\u20ac" * 101, "\u20ac" * 99),
], ids=["ascii", "utf-8 3-byte", "utf-8 4-byte", "shift_jis", "cp1252"])
def test_a_chunk_of_many_lines_longer_than_the_bound_drops_only_the_long_line(
        encoding: str, over: str, kept: str) -> None:
    # Each chunk is longer than the bound, so the decoder must tell the
    # over-long line from the short ones, in bytes, whatever the encoding.
    short = [f"PING :{n}" for n in range(40)]
    lines = [*short[:20], over, kept, *short[20:]]
    data = "".join(line + "\r\n" for line in lines).encode(encoding)
    decoder = LineDecoder(encoding, max_line_bytes=100)
    assert decoder.feed(data) == [*short[:20], kept, *short[20:]]
    assert decoder.dropped_lines == 1


def test_a_chunk_longer_than_the_bound_with_bare_lfs_is_split_exactly() -> None:
    data = b"".join(b"PING :%d\n" % n for n in range(40)) + b"y" * 101 + b"\r\nPING :z\r\n"
    decoder = LineDecoder(max_line_bytes=100)
    assert decoder.feed(data) == [f"PING :{n}" for n in range(40)] + ["PING :z"]
    assert decoder.dropped_lines == 1


def test_4_mib_without_a_newline_keeps_memory_bounded(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    decoder = LineDecoder()
    chunk = b"x" * 65536
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for _ in range(64):  # 4 MiB, the way a transport hands it over
            assert decoder.feed(chunk) == []
            assert len(decoder._pending) <= decoder.max_line_bytes
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Keeping the line would take 4 MiB; holding up to the bound takes 64 KiB.
    assert peak < 512 * 1024
    assert decoder.feed(b"\r\nPING :alive\r\n") == ["PING :alive"]
    assert len(_warnings(caplog)) == 1


def test_a_long_partial_line_is_never_held_past_the_bound() -> None:
    decoder = LineDecoder(max_line_bytes=1000)
    for size in (1, 7, 300, 999, 1, 5000):
        decoder.feed(b"y" * size)
        assert len(decoder._pending) <= 1000


# --- properties --------------------------------------------------------------

def _expected(data: bytes, bound: int, encoding: str = "utf-8") -> tuple[list[str], int]:
    """What the contract says comes out of ``data``: the reference model."""
    *complete, tail = data.split(b"\n")
    lines = []
    dropped = int(len(tail) > bound)
    for raw in complete:
        if len(raw) > bound:
            dropped += 1
            continue
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw:
            try:
                lines.append(raw.decode(encoding))
            except UnicodeDecodeError:
                lines.append(raw.decode("latin-1"))
    return lines, dropped


_LINE_BYTES = st.binary(max_size=40) | st.sampled_from(
    [b"", b"\r", b"PING :x", b"caf\xc3\xa9", b"caf\xe9", b"a\rb", b"\xe2\x98\x83\r",
     b"\xe2\x98\x83" * 12, b"x" * 47, "\u3042\u3044".encode("shift_jis") * 6])


@settings(max_examples=examples(300), deadline=None)
@given(lines=st.lists(_LINE_BYTES, max_size=12), tail=st.binary(max_size=40),
       cuts=st.lists(st.integers(0, 600), max_size=12), bound=st.integers(1, 48))
def test_the_same_lines_come_out_however_the_bytes_are_chunked(
        lines: list[bytes], tail: bytes, cuts: list[int], bound: int) -> None:
    data = b"\n".join([*lines, tail.replace(b"\n", b"")])
    points = sorted({min(cut, len(data)) for cut in cuts} | {0, len(data)})
    decoder = LineDecoder(max_line_bytes=bound)
    out: list[str] = []
    for start, end in itertools.pairwise(points):
        out += decoder.feed(data[start:end])
    assert (out, decoder.dropped_lines) == _expected(data, bound)


@settings(max_examples=examples(100), deadline=None)
@given(lines=st.lists(_LINE_BYTES, max_size=12), bound=st.integers(1, 48),
       encoding=st.sampled_from(["utf-8", "cp1252", "shift_jis", "latin-1"]))
def test_whole_and_bytewise_feeding_agree_with_the_model(
        lines: list[bytes], bound: int, encoding: str) -> None:
    data = b"\r\n".join(lines) + b"\r\n"
    expected = _expected(data, bound, encoding)
    for feed in (feed_whole, feed_bytewise):
        decoder = LineDecoder(encoding, max_line_bytes=bound)
        assert (feed(decoder, data), decoder.dropped_lines) == expected
