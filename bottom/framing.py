"""Bytes from the socket -> complete, decoded lines.  Pure, bounded.

IRC ends a line with CRLF, but real servers also send a bare LF, and some
send ``\\r\\r\\n``.  The decoder splits on ``\\n`` only, drops one ``\\r``
before it, and keeps every other byte: what a server sent is what a
handler sees.  Memory stays bounded however the peer misbehaves: a line
longer than ``max_line_bytes`` is dropped (one warning) and the decoder
picks up again after the next ``\\n``.
"""

from __future__ import annotations

import codecs
import logging

__all__ = ["LineDecoder", "DEFAULT_MAX_LINE_BYTES"]

log = logging.getLogger("bottom.framing")

#: IRCv3 allows 8191 bytes of tags plus 512 of message; 64 KiB leaves room
#: for servers that ignore the limit while keeping memory per client small.
DEFAULT_MAX_LINE_BYTES = 64 * 1024


class LineDecoder:
    """Incremental line splitter and decoder for one connection.

    ``feed(chunk)`` returns the lines completed by that chunk (maybe none);
    the rest is kept for the next call.  Empty lines are skipped.  A line
    that is not valid ``encoding`` is decoded as latin-1, which maps every
    byte to one character, so no byte is ever lost.
    """

    __slots__ = ("encoding", "max_line_bytes", "_pending", "_discarding", "dropped_lines",
                 "_utf8")

    def __init__(self, encoding: str = "utf-8",
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be positive, not {max_line_bytes!r}")
        if "\n".encode(encoding) != b"\n":  # LookupError now, not on the first line
            raise ValueError(f"encoding {encoding!r} is not ASCII-compatible, "
                             "which IRC needs")
        self.encoding = encoding
        # UTF-8 takes at most 4 bytes a character (see _decode).
        self._utf8 = codecs.lookup(encoding).name == "utf-8"
        self.max_line_bytes = max_line_bytes
        self._pending = b""
        self._discarding = False
        #: how many over-long lines were dropped so far
        self.dropped_lines = 0

    def feed(self, data: bytes) -> list[str]:
        """Add bytes; return every line they complete, in order."""
        end = data.rfind(b"\n")
        if end == -1:
            self._hold(data)
            return []
        if self._discarding:
            # The over-long line ends in this chunk: drop up to its newline.
            cut = data.find(b"\n") + 1
            self._discarding = False
            data, end = data[cut:], end - cut
            if end == -1:
                self._hold(data)
                return []
        if self._pending:
            complete = self._pending + data[:end]
        elif end == len(data) - 1:
            complete = data  # the usual case: the chunk ends a line; no copy
        else:
            complete = data[:end]
        self._hold(data[end + 1:], reset=True)
        return self._decode(complete)

    def _hold(self, partial: bytes, reset: bool = False) -> None:
        if reset:
            self._pending = b""
        if self._discarding or not partial:
            return
        if len(self._pending) + len(partial) > self.max_line_bytes:
            self._drop(len(self._pending) + len(partial))
            self._pending = b""
            self._discarding = True
        else:
            self._pending += partial

    def _drop(self, size: int) -> None:
        self.dropped_lines += 1
        log.warning("dropped an incoming line of %d+ bytes (limit %d bytes)",
                    size, self.max_line_bytes)

    def _decode(self, complete: bytes) -> list[str]:
        """The lines of ``complete`` (whole lines, the last maybe without
        its LF), for the usual chunk of well-formed lines: one decode, one
        split.

        Exactly one CR before each LF is dropped and any other CR kept:
        when every LF has its CR (what servers send), splitting on CRLF
        does that in one pass.  A bare LF left inside a piece, a line that
        may be over the bound, and bytes that are not valid ``encoding``
        send the chunk the exact way, line by line (:meth:`_decode_lines`).
        """
        try:
            text = complete.decode(self.encoding)
        except UnicodeDecodeError:
            return self._decode_lines(complete)
        lines = text.split("\r\n")
        limit = self.max_line_bytes
        if len(complete) > limit:
            # A chunk of many short lines can be longer than the bound; the
            # lines' lengths in characters tell without a split of the
            # bytes: they are byte counts when every character took one
            # byte, and a UTF-8 character takes at most four (other
            # multi-byte codecs are checked in bytes).
            longest = max(map(len, lines))
            if longest >= limit or (len(text) != len(complete) and (
                    not self._utf8 or 4 * longest >= limit)):
                return self._decode_lines(complete)
        if "\n" in "".join(lines):
            return self._decode_lines(complete)
        last = lines[-1]
        if last[-1:] == "\r":  # the chunk's last line, cut before its LF
            lines[-1] = last[:-1]
        if not lines[-1]:
            lines.pop()
        if "" in lines:
            return [line for line in lines if line]
        return lines

    def _decode_lines(self, complete: bytes) -> list[str]:
        """:meth:`_decode`, the exact way: line by line, each checked
        against the bound in bytes and decoded on its own (latin-1 for a
        line that is not valid ``encoding``, so no byte is lost)."""
        lines: list[str] = []
        limit = self.max_line_bytes
        for raw in complete.split(b"\n"):
            if len(raw) > limit:
                self._drop(len(raw))
            elif raw and raw != b"\r":
                lines.append(self._decode_line(raw))
        return lines

    def _decode_line(self, raw: bytes) -> str:
        if raw[-1:] == b"\r":
            raw = raw[:-1]
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            return raw.decode("latin-1")
