"""Coverage-guided fuzzing of bottom's incoming path: bytes -> lines -> Message -> event.

Not part of the test run (it lives outside ``tests/``).  Needs atheris
(``pip install atheris``); see ``fuzz/README.md`` for how to run it.

Each input is read as a little program:

* byte 0: its low bits pick ``max_line_bytes`` from ``LIMITS`` (small
  bounds make the over-long-line path cheap to reach); its top bit turns
  on token mode, where each byte from 0xE0 up in the data stands for one
  of the 32 ``TOKENS`` (commands, numerics, tags, sources, CTCP), so the
  fuzzer reaches the event mapper's unpackers without guessing words;
* then, repeatedly, one length byte ``n`` followed by up to ``n`` bytes of
  data: that chunk is fed to :meth:`LineDecoder.feed` as one socket read.
  ``n`` of 0 feeds an empty chunk, so every split position is reachable.

Every line the decoder returns goes through ``Message.parse`` (only
``ValueError`` is allowed), ``message_to_event`` (must not raise; event name
a non-empty str; kwargs hold a ``tags`` dict), the client's plain-PRIVMSG
shortcut ``privmsg_event`` (when it answers, the same kwargs as the general
path) and, when ``str(msg)`` succeeds, must parse back to an equal Message.  The framing itself is
checked against a reference model written from DESIGN.md ("Robustness
defaults"): split on ``\\n``, drop one trailing ``\\r``, skip empty lines,
drop lines longer than the bound, decode UTF-8 else latin-1; and the
decoder's pending buffer never exceeds the bound.  Anything else is a crash.
"""

from __future__ import annotations

import logging
import os
import sys

import atheris

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))  # the shared reference model

with atheris.instrument_imports(include=["bottom"]):
    from framing_model import check_line, reference_lines

    from bottom.framing import DEFAULT_MAX_LINE_BYTES, LineDecoder

# Dropped lines log a WARNING each; printing thousands a second slows the fuzzer.
logging.getLogger("bottom").setLevel(logging.ERROR)

LIMITS = (1, 2, 3, 4, 7, 16, 64, 255, 256, 512, 8191 + 512, DEFAULT_MAX_LINE_BYTES,
          32, 100, 300, 1024)
TOKENS = (b"PRIVMSG", b"NOTICE", b"JOIN", b"MODE", b"CAP", b"BATCH", b"001", b"005",
          b"353", b"352", b"311", b"322", b"333", b"367", b"734", b"900",
          b"FAIL", b"PING", b"ERROR", b"KICK", b"\x01ACTION ", b"\x01VERSION\x01", b" :",
          b"\r\n", b"@time=x;a=\\s ", b":n!u@h ", b"#chan", b"ACCOUNT", b"CHGHOST", b"AWAY",
          b"TOPIC", b"INVITE")
assert len(TOKENS) == 32
_EXPAND = [bytes([b]) for b in range(0xE0)] + list(TOKENS)


def expand(chunk: bytes) -> bytes:
    """Token mode: bytes 0xE0-0xFF stand for TOKENS."""
    return b"".join([_EXPAND[b] for b in chunk])


def test_one_input(data: bytes) -> None:
    if not data:
        return
    limit = LIMITS[data[0] % len(LIMITS)]
    tokens = data[0] >= 0x80
    decoder = LineDecoder(max_line_bytes=limit)
    stream = bytearray()
    produced: list[str] = []
    pos = 1
    while pos < len(data):
        size = data[pos]
        chunk = data[pos + 1:pos + 1 + size]
        pos += 1 + size
        if tokens:
            chunk = expand(chunk)
        stream += chunk
        for line in decoder.feed(chunk):
            produced.append(line)
            check_line(line)
        if len(decoder._pending) > limit:
            raise AssertionError(f"pending {len(decoder._pending)} bytes > limit {limit}")
    lines, pending, dropped = reference_lines(bytes(stream), limit)
    if produced != lines:
        raise AssertionError(f"limit {limit}, stream {bytes(stream)!r}: "
                             f"decoder gave {produced!r}, model {lines!r}")
    if decoder._pending != pending:
        raise AssertionError(f"pending {decoder._pending!r} != model {pending!r}")
    if decoder.dropped_lines != dropped:
        raise AssertionError(f"dropped {decoder.dropped_lines} != model {dropped}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
