"""Typed (or piped) lines: read from stdin without blocking the loop, fed to the terminal."""

from __future__ import annotations

import asyncio
import codecs
import os
import sys
import threading

from ..message import Message
from .display import is_error
from .session import DEFAULT_TIMEOUT, unless_closed, within
from .terminal import Terminal

__all__ = ["LineReader", "answers", "converse", "stdin_reader"]


class LineReader:
    """Lines from a file descriptor (stdin), read by a daemon thread.

    The thread blocks in ``os.read``, not in a Python file object, so the
    event loop never blocks, and exiting while the thread waits neither
    hangs nor trips over the stream's lock at interpreter shutdown.
    """

    def __init__(self, fd: int, encoding: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        threading.Thread(target=self._run, args=(fd,), name="bottom-stdin",
                         daemon=True).start()

    def _run(self, fd: int) -> None:
        pending = ""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            *lines, pending = (pending + self._decoder.decode(chunk, final=not chunk)).split("\n")
            for line in lines:
                if not self._put(line.removesuffix("\r")):
                    return
            if not chunk:
                if pending:
                    self._put(pending)
                self._put(None)
                return

    def _put(self, line: str | None) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except RuntimeError:
            return False  # the loop is closed: nobody reads any more
        return True

    async def readline(self) -> str | None:
        """The next line without its line end; None at the end of input."""
        return await self._queue.get()


def stdin_reader() -> LineReader:
    """A :class:`LineReader` of stdin in its encoding (UTF-8 if that is unknown)."""
    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return LineReader(0, encoding)


async def converse(terminal: Terminal, reader: LineReader, *,
                   answered_by: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Feed typed lines to ``terminal`` until the end of input or ``/quit``.

    With ``answered_by``, after each line said, wait (up to ``timeout``)
    for that nick's answer: the bot's echo, in the scripted demo.
    """
    session = terminal.session

    def is_answer(msg: Message) -> bool:
        said = terminal.said  # set by handle() below, before any answer can arrive
        return said is not None and answers(msg, answered_by or "", session.nick, said)

    while (line := await unless_closed(session, reader.readline())) is not None:
        answer = session.expect(is_answer, is_error) if answered_by is not None else None
        keep_going = terminal.handle(line)
        if answer is not None:
            if terminal.said is None:
                answer.cancel()
            else:
                await within(answer, timeout, f"waiting for {answered_by}'s answer")
        if not keep_going:
            return


def answers(msg: Message, bot: str, me: str, said: str) -> bool:
    """Is ``msg`` the bot's echo of (the end of) what we said?

    A long line reaches the bot as several messages, and its answer may
    be split again, so the last piece of the answer ends our text.
    """
    if msg.command.upper() != "PRIVMSG" or msg.nick != bot or len(msg.params) < 2:
        return False
    text, prefix = msg.params[1], f"{me} said: "
    return said.rstrip().endswith(text.removeprefix(prefix).rstrip())
