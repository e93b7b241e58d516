"""Bytes from the socket -> complete, decoded lines.  Pure, bounded.

IRC ends a line with CRLF, but real servers also send a bare LF, and some
send ``\\r\\r\\n``.  The decoder splits on ``\\n`` only, drops one ``\\r``
before it, and keeps every other byte: what a server sent is what a
handler sees.  Memory stays bounded however the peer misbehaves: a line
longer than ``max_line_bytes`` is dropped (one warning) and the decoder
picks up again after the next ``\\n``.
"""

from __future__ import annotations

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

    __slots__ = ("encoding", "max_line_bytes", "_pending", "_discarding", "dropped_lines")

    def __init__(self, encoding: str = "utf-8",
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be positive, not {max_line_bytes!r}")
        if "\n".encode(encoding) != b"\n":  # LookupError now, not on the first line
            raise ValueError(f"encoding {encoding!r} is not ASCII-compatible, "
                             "which IRC needs")
        self.encoding = encoding
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
        # A chunk of many short lines can be longer than the bound; only a
        # line that is over it needs the slow, line-by-line path.
        if len(complete) > self.max_line_bytes and \
                max(map(len, complete.split(b"\n"))) > self.max_line_bytes:
            return self._decode_bounded(complete)
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

    def _decode_bounded(self, complete: bytes) -> list[str]:
        lines: list[str] = []
        for raw in complete.split(b"\n"):
            if len(raw) > self.max_line_bytes:
                self._drop(len(raw))
            else:
                lines.extend(self._decode(raw))
        return lines

    def _decode(self, complete: bytes) -> list[str]:
        try:
            text = complete.decode(self.encoding)
        except UnicodeDecodeError:
            return [line for raw in complete.split(b"\n")
                    if (line := self._decode_line(raw))]
        # Decoding the whole chunk at once is the fast path.  Exactly one CR
        # before each LF is dropped and any other CR kept: when every LF has
        # its CR (what servers send), splitting on CRLF does that in one
        # pass, which one count of LFs in the bytes confirms.
        lines = text.split("\r\n")
        if len(lines) - 1 != complete.count(b"\n"):
            lines = text.replace("\r\n", "\n").split("\n")
        last = lines[-1]
        if last[-1:] == "\r":  # the chunk's last line, cut before its LF
            lines[-1] = last[:-1]
        if not lines[-1]:
            lines.pop()
        if "" in lines:
            return [line for line in lines if line]
        return lines

    def _decode_line(self, raw: bytes) -> str:
        if raw[-1:] == b"\r":
            raw = raw[:-1]
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            return raw.decode("latin-1")
