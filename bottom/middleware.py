"""Raw middleware: ``async def mw(next_handler, message)`` around every line.

Middleware may suspend (await something) before it passes a message on;
lines that arrive meanwhile are held, so events still fire in line order.
A chain runs on the same eager start as coroutine handlers: middleware
that never waits costs no Task switch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .eager import start_handler
from .message import Message

if TYPE_CHECKING:
    import asyncio

__all__ = ["MiddlewareChain", "RawHandler"]

#: ``async def middleware(next_handler, message)``; call ``await
#: next_handler(message)`` to pass a (maybe changed) message on, or don't
#: to drop it.
RawHandler = Callable[[Callable[[Message], Awaitable[None]], Message], Awaitable[None]]


class MiddlewareChain:
    """Runs ``handlers`` (a live list: changes apply to the next line) in
    front of ``last``, one message at a time."""

    __slots__ = ("handlers", "last", "_backlog")

    def __init__(self, handlers: list[RawHandler], last: Callable[[Message], None]) -> None:
        self.handlers = handlers
        self.last = last
        # Messages held while an earlier one's chain is suspended.
        self._backlog: list[Message] | None = None

    def run(self, msg: Message) -> None:
        """Start ``msg`` through the chain now, or after the ones held."""
        if self._backlog is not None:
            self._backlog.append(msg)
            return
        task = self._start(msg)
        if task is not None:
            self._backlog = []
            task.add_done_callback(self._resume)

    def reset(self) -> None:
        """Forget held messages (a new connection starts clean)."""
        self._backlog = None

    def _start(self, msg: Message) -> asyncio.Task[None] | None:
        step = self._step(0)
        return start_handler(step(msg), "raw middleware", step)  # type: ignore[arg-type]

    def _step(self, index: int) -> Callable[[Message], Awaitable[None]]:
        handlers = self.handlers
        if index >= len(handlers):
            last = self.last

            async def deliver(msg: Message) -> None:
                last(msg)
            return deliver
        middleware = handlers[index]

        async def step(msg: Message) -> None:
            await middleware(self._step(index + 1), msg)
        return step

    def _resume(self, _: object) -> None:
        backlog, self._backlog = self._backlog or [], None
        for position, msg in enumerate(backlog):
            task = self._start(msg)
            if task is not None:
                self._backlog = backlog[position + 1:]
                task.add_done_callback(self._resume)
                return
