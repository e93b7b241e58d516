"""Stateful fuzzing of the incoming path: bytes -> LineDecoder -> Message -> event.

A hypothesis state machine feeds random chunks (valid lines, partial lines,
garbage, CR/LF/NUL, invalid UTF-8, lines over the bound) to one
``LineDecoder`` with a small ``max_line_bytes`` and checks, after every
chunk, that:

- the lines produced so far equal a reference model of the framing rules in
  DESIGN.md ("Robustness defaults"): split on ``\\n``, drop one trailing
  ``\\r``, skip empty lines, drop lines longer than the bound, decode with
  UTF-8 and fall back to latin-1;
- the decoder holds at most ``max_line_bytes`` of a partial line, and exactly
  what the model says is pending;
- every line either parses or raises ``ValueError``, and ``message_to_event``
  maps what parses without raising, to a non-empty name and kwargs with a
  ``tags`` dict; a parsed Message that ``str()`` can write reads back equal.

The coverage-guided twin of this test is ``fuzz/fuzz_parser.py`` (atheris).
"""

from __future__ import annotations

import logging

from framing_model import check_line, reference_lines
from helpers import examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bottom.events import EVENT_KWARGS, NUMERICS
from bottom.framing import LineDecoder

ENDINGS = [b"\r\n", b"\n", b"\r\r\n", b"", b"\r"]
SPECIAL = [b"\r", b"\n", b"\0", b"\r\n", b" ", b":", b"@", b";", b"=", b"\\", b"!",
           b"\xff", b"\xc3", b"\xa9", b"\xed\xa0\x80", b"\xf0\x9f", b"\xe2\x82\xac"]
# Pieces of lines real and hostile servers send (REALSERVERS.md items 14, 15,
# 22-24): tags everywhere, odd sources, every command the mapper knows
# (so missing and extra parameters reach each unpacker), odd parameters.
TAGS = [b"", b"", b"@ ", b"@a ", b"@a= ", b"@a=b;a=c ", b"@k=a\\sb\\:c\\\\d\\ ",
        b"@+draft/reply=x;time=2026-01-01T00:00:00.000Z ", b"@=x;;a ",
        b"@inspircd.org/echo ", b"@batch=1 "]
SOURCES = [b"", b":irc.test ", b":n!u@h ", b":!@ ", b":nick ", b":n!u@2001:db8::1 ",
           b": ", b":n@h ", b":n! ", b":~u!~u@h ", b":a!b!c@d@e "]
COMMANDS = sorted({name.encode() for name in EVENT_KWARGS if name.isalpha()}
                  | {code.encode() for code in NUMERICS}
                  | {b"privmsg", b"FOO", b"999", b"1", b"\x01", b"PRIVMSG\r", b"CTCP_X"})
WORDS = [b"#c", b"&c", b"me", b"*", b"+1", b"-1", b"7", b"-", b"+o", b"a,b", b"LS", b"ACK",
         b"NAK", b"NEW", b"DEL", b"@+nick", b"2001:db8::1", b"\x01VERSION\x01",
         b"\x01ACTION", b"caf\xc3\xa9", b"caf\xe9", b"\0", b"\t"]
TRAILING = [b"", b" :", b" :x y", b" :\x01ACTION waves\x01", b" :\x01PING 1 2\x01",
            b" ::", b" :multi-prefix sasl=PLAIN,EXTERNAL ", b" :8 real name"]


def irc_lines() -> st.SearchStrategy[bytes]:
    """A line a server could send, with one of the endings servers use (or none)."""
    return st.builds(
        lambda tags, source, command, words, trailing, end:
            tags + source + command + b"".join(b" " + w for w in words) + trailing + end,
        st.sampled_from(TAGS), st.sampled_from(SOURCES), st.sampled_from(COMMANDS),
        st.lists(st.sampled_from(WORDS), max_size=8), st.sampled_from(TRAILING),
        st.sampled_from(ENDINGS))


def partial_lines() -> st.SearchStrategy[bytes]:
    """The front or the back of a valid line, as one TCP read may cut it."""
    return st.builds(lambda data, cut, front: data[:cut] if front else data[cut:],
                     irc_lines(), st.integers(0, 64), st.booleans())


def chunks() -> st.SearchStrategy[bytes]:
    return st.one_of(
        irc_lines(),
        partial_lines(),
        st.binary(max_size=48),
        st.lists(st.sampled_from(SPECIAL), max_size=10).map(b"".join),
        # Runs around and over the bound (256 in most runs).
        st.builds(lambda fill, size, end: fill * size + end,
                  st.sampled_from([b"x", b"\xff", b" ", b"\r"]), st.integers(0, 700),
                  st.sampled_from(ENDINGS)),
    )


class DecoderMachine(RuleBasedStateMachine):
    """One connection's decoder against the reference model."""

    def __init__(self) -> None:
        super().__init__()
        self.limit = 256
        self.decoder = LineDecoder(max_line_bytes=self.limit)
        self.stream = bytearray()
        self.produced: list[str] = []

    @initialize(limit=st.sampled_from([256, 16, 1, 512]))
    def start(self, limit: int) -> None:
        self.limit = limit
        self.decoder = LineDecoder(max_line_bytes=limit)

    def _feed(self, chunk: bytes) -> None:
        self.stream += chunk
        lines = self.decoder.feed(chunk)
        for line in lines:
            check_line(line)
        self.produced += lines

    @rule(chunk=chunks())
    def feed(self, chunk: bytes) -> None:
        self._feed(chunk)

    @rule(chunk=chunks(), cut=st.integers(0, 64))
    def feed_in_two_reads(self, chunk: bytes, cut: int) -> None:
        self._feed(chunk[:cut])
        self._feed(chunk[cut:])

    @rule(chunk=irc_lines())
    def feed_one_byte_at_a_time(self, chunk: bytes) -> None:
        for i in range(len(chunk)):
            self._feed(chunk[i:i + 1])

    @invariant()
    def pending_stays_within_the_bound(self) -> None:
        assert len(self.decoder._pending) <= self.limit

    @invariant()
    def output_matches_the_reference_model(self) -> None:
        lines, pending, dropped = reference_lines(bytes(self.stream), self.limit)
        assert self.produced == lines
        assert self.decoder._pending == pending
        assert self.decoder.dropped_lines == dropped


DecoderMachine.TestCase.settings = settings(
    max_examples=examples(100), stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _quiet_framing_log() -> None:
    # Each dropped line logs a WARNING; thousands would flood the captured log.
    logging.getLogger("bottom.framing").setLevel(logging.ERROR)


class TestDecoderMachine(DecoderMachine.TestCase):  # type: ignore[misc,valid-type]
    def setUp(self) -> None:
        self._level = logging.getLogger("bottom.framing").level
        _quiet_framing_log()

    def tearDown(self) -> None:
        logging.getLogger("bottom.framing").setLevel(self._level)
