"""IRCv3 ``BATCH`` assembly.  Pure: no I/O, no asyncio.

A server opens a batch with ``BATCH +ref type params...``, tags the lines
inside it with ``batch=ref`` and closes it with ``BATCH -ref``.  Batches
nest (a ``BATCH +inner`` line tagged ``batch=outer``).  :class:`BatchAssembler`
collects each batch's lines and hands back the :class:`Batch` when it
ends; the lines themselves are still ordinary lines for the caller to
dispatch as they come.

Bounded: at most ``max_open`` batches open at once and ``max_lines``
lines kept per batch; past either, the extra is not kept and one WARNING
is logged.  :meth:`BatchAssembler.clear` drops unended batches (disconnect).
"""

from __future__ import annotations

import logging

from .message import Message

__all__ = ["Batch", "BatchAssembler", "MAX_OPEN_BATCHES", "MAX_BATCH_LINES"]

log = logging.getLogger("bottom.batch")

MAX_OPEN_BATCHES = 64
MAX_BATCH_LINES = 20_000


class Batch:
    """One ended batch: ``reference``, ``type``, ``params`` and ``messages``.

    ``messages`` are the lines inside it in arrival order, nested batches'
    lines (and their ``BATCH`` lines) included; not its own ``BATCH`` lines.
    ``parent`` is the reference of the batch it is nested in, or None.
    """

    __slots__ = ("reference", "type", "params", "messages", "parent", "truncated")

    def __init__(self, reference: str, type: str, params: list[str],
                 parent: str | None) -> None:
        self.reference = reference
        self.type = type
        self.params = params
        self.messages: list[Message] = []
        self.parent = parent
        #: True when lines past ``max_lines`` were left out
        self.truncated = False

    def kwargs(self) -> dict[str, object]:
        """The kwargs of the ``BATCH`` event this batch fires."""
        return {"reference": self.reference, "type": self.type, "params": list(self.params),
                "messages": list(self.messages), "parent": self.parent}

    def __repr__(self) -> str:
        return f"<Batch {self.reference} {self.type} {len(self.messages)} lines>"


class BatchAssembler:
    """Follows open batches on one connection."""

    __slots__ = ("max_open", "max_lines", "_open", "_warned")

    def __init__(self, max_open: int = MAX_OPEN_BATCHES,
                 max_lines: int = MAX_BATCH_LINES) -> None:
        if max_open < 1 or max_lines < 1:
            raise ValueError(f"max_open and max_lines must be >= 1, not {max_open}, "
                             f"{max_lines}")
        self.max_open = max_open
        self.max_lines = max_lines
        self._open: dict[str, Batch] = {}
        self._warned = False

    @property
    def active(self) -> bool:
        """True while a batch is open: only then do lines need :meth:`feed`."""
        return bool(self._open)

    def feed(self, msg: Message) -> Batch | None:
        """One server line; the Batch it ended, if it was a ``BATCH -ref``.

        Callers may skip lines while :attr:`active` is False unless the
        line's command is ``BATCH``.
        """
        tags = msg.tags
        outer = tags.get("batch") if tags else None
        if msg.command.upper() == "BATCH" and msg.params:
            ref = msg.params[0]
            if len(ref) > 1 and ref[0] == "+":
                self._add(outer, msg)
                self._start(ref[1:], msg, outer)
                return None
            if len(ref) > 1 and ref[0] == "-":
                ended = self._open.pop(ref[1:], None)
                if ended is not None and ended.parent is not None:
                    self._add(ended.parent, msg)
                return ended
        if outer is not None:
            self._add(outer, msg)
        return None

    def _start(self, ref: str, msg: Message, parent: str | None) -> None:
        if len(self._open) >= self.max_open:
            self._warn(f"more than {self.max_open} batches open at once; "
                       f"batch {ref!r} is not assembled")
            return
        params = msg.params
        self._open[ref] = Batch(ref, params[1] if len(params) > 1 else "",
                                list(params[2:]), parent if parent in self._open else None)

    def _add(self, ref: str | None, msg: Message) -> None:
        """Add ``msg`` to batch ``ref`` and every batch it is nested in."""
        seen = 0
        while ref is not None and seen <= self.max_open:
            batch = self._open.get(ref)
            if batch is None:
                return
            if len(batch.messages) < self.max_lines:
                batch.messages.append(msg)
            elif not batch.truncated:
                batch.truncated = True
                self._warn(f"batch {ref!r} has more than {self.max_lines} lines; "
                           "the rest are not kept")
            ref = batch.parent
            seen += 1

    def _warn(self, text: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("%s", text)

    def clear(self) -> int:
        """Drop every unended batch (the connection closed); return how many.

        Logs one record naming them when there were any.
        """
        dropped = len(self._open)
        if dropped:
            log.info("connection closed with %d unended batch(es) (%s); dropped", dropped,
                     ", ".join(sorted(self._open)[:5]))
        self._open.clear()
        self._warned = False
        return dropped
