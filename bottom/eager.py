"""Start a coroutine handler eagerly: it runs now, in its own Task, until it
first waits.

Python 3.12 has eager Tasks for exactly this.  Python 3.10 and 3.11 do
not, so there bottom runs the new Task's first step itself, which means
touching asyncio internals (``loop._ready``, ``_enter_task``/``_leave_task``).
That code is kept here, alone, so it is easy to audit and to delete:
remove the ``else`` branch when Python 3.11 support ends (October 2027).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["start_handler"]

log = logging.getLogger("bottom")


def _report(event: str, func: Callable[..., Any], task: asyncio.Task[Any]) -> None:
    """Log what a handler's Task raised; reading it means asyncio never
    warns that the error was not retrieved."""
    if not task.cancelled():
        error = task.exception()
        if isinstance(error, Exception):
            log.error("error in %s handler %r", event, func, exc_info=error)


def _settle(task: asyncio.Task[None], event: str,
            func: Callable[..., Any]) -> asyncio.Task[None] | None:
    """After a handler Task's first step: None if it finished (its error, if
    any, logged now), else the Task, whose error is logged when it ends."""
    if task.done():
        if not task.cancelled() and task.exception() is not None:
            _report(event, func, task)
        return None
    task.add_done_callback(functools.partial(_report, event, func))
    return task


def _start_without_loop(coro: Coroutine[Any, Any, Any], event: str,
                        func: Callable[..., Any]) -> None:
    """``trigger`` from plain code with no loop running: a coroutine handler
    that never waits still runs; one that waits cannot, and says so."""
    try:
        coro.send(None)
    except StopIteration:
        return
    except Exception:
        log.exception("error in %s handler %r", event, func)
        return
    coro.close()
    log.error("%s handler %r awaited outside a running event loop; it was stopped. "
              "Trigger events from inside the loop (e.g. from a coroutine).", event, func)


if sys.version_info >= (3, 12):

    def start_handler(coro: Coroutine[Any, Any, Any], event: str,
               func: Callable[..., Any]) -> asyncio.Task[None] | None:
        """Start ``coro`` as an eager Task: it runs now, in its own Task and
        context, until it first waits; one that never waits is never
        scheduled at all."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            _start_without_loop(coro, event, func)
            return None
        task = asyncio.Task(coro, loop=loop, eager_start=True)
        return _settle(task, event, func)

else:
    from asyncio.tasks import _enter_task, _leave_task

    def start_handler(coro: Coroutine[Any, Any, Any], event: str,
               func: Callable[..., Any]) -> asyncio.Task[None] | None:
        """Python 3.10/3.11 have no eager Tasks, so run the new Task's first
        step now, as 3.12 does: asyncio's own loops queue it last in
        ``loop._ready`` (these versions' code no longer changes).  On another
        kind of loop the Task starts at the loop's next turn instead."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            _start_without_loop(coro, event, func)
            return None
        task = asyncio.Task(coro, loop=loop)
        ready = getattr(loop, "_ready", None)
        if type(ready) is collections.deque and ready and \
                getattr(ready[-1]._callback, "__self__", None) is task:
            first_step = ready.pop()
            # A trigger from inside a Task: asyncio allows one current Task.
            caller = asyncio.current_task(loop)
            if caller is not None:
                _leave_task(loop, caller)
            try:
                # Handle._run without its frame: a Task's step never raises.
                first_step._context.run(first_step._callback)
            finally:
                if caller is not None:
                    _enter_task(loop, caller)
        return _settle(task, event, func)
