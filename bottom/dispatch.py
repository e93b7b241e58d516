"""Event handlers: ``on``, ``off``, ``trigger``, ``wait`` and ``wait_for``.

Handlers may be plain functions or coroutine functions.  A coroutine
handler is started *eagerly*: it runs inside ``trigger`` until it first
really waits, and only then becomes a Task.  Most handlers never wait
(they count, log or call ``send``), so most events cost no Task at all,
and every handler starts in registration order.

A handler that raises is logged on the ``bottom`` logger with the event
name and traceback; the other handlers and the connection carry on.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any, Literal, TypeVar, overload

from .events import canonical_event

__all__ = ["Dispatcher", "wait_for"]

log = logging.getLogger("bottom")

F = TypeVar("F", bound=Callable[..., Any])
Kwargs = dict[str, Any]


class _Handler:
    """A registered function and how to call it, worked out once."""

    __slots__ = ("func", "names")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        #: None: pass every kwarg; else only these names
        self.names = _accepted_names(func)


def _accepted_names(func: Callable[..., Any]) -> tuple[str, ...] | None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None  # builtins and the like: give them everything
    names = []
    for param in signature.parameters.values():
        if param.kind is param.VAR_KEYWORD:
            return None
        if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            names.append(param.name)
    return tuple(names)


class _Suspend:
    """Hand what a coroutine yielded to the Task running :func:`_resume`.

    The Task then waits on the very same Future (its wakeup is the
    Future's own callback, so the resume comes as soon as it would in a
    Task that had run the coroutine from the start) without taking the
    result: the coroutine reads that itself when it is stepped again.
    """

    __slots__ = ("waiting_on",)

    def __init__(self, waiting_on: Any) -> None:
        self.waiting_on = waiting_on

    def __await__(self) -> Generator[Any, None, None]:
        yield self.waiting_on


async def _resume(coro: Coroutine[Any, Any, Any], waiting_on: Any, event: str,
                  func: Callable[..., Any]) -> None:
    """Drive a coroutine that :func:`_start` began, exactly as a Task would.

    Cancelling the Task cancels the Future the coroutine waits on, so the
    coroutine sees ``CancelledError`` from its own ``await``.
    """
    try:
        while True:
            try:
                await _Suspend(waiting_on)
            except asyncio.CancelledError:
                if waiting_on is None or not waiting_on.cancelled():
                    # Cancelled while what it waits on could not be: tell
                    # the coroutine directly.
                    waiting_on = coro.throw(asyncio.CancelledError())
                    continue
            except Exception:
                pass  # the Future's own error: the coroutine raises it itself
            waiting_on = coro.send(None)
    except StopIteration:
        return
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("error in %s handler %r", event, func)


def _start(coro: Coroutine[Any, Any, Any], event: str,
           func: Callable[..., Any]) -> asyncio.Task[None] | None:
    """Run ``coro`` until it first waits; then hand the rest to a Task."""
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        return None
    except Exception:
        log.exception("error in %s handler %r", event, func)
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        log.error("%s handler %r awaited outside a running event loop; it was stopped. "
                  "Trigger events from inside the loop (e.g. from a coroutine).", event, func)
        return None
    task = loop.create_task(_resume(coro, waiting_on, event, func))

    def cancel_if_never_ran(task: asyncio.Task[None]) -> None:
        # A Task cancelled before its first step never runs _resume, so
        # the handler would be left suspended: cancel it here instead.
        if task.cancelled() and getattr(coro, "cr_frame", None) is not None:
            if isinstance(waiting_on, asyncio.Future):
                waiting_on.cancel()
            try:
                coro.throw(asyncio.CancelledError())
            except BaseException:  # the handler ends either way
                pass
            coro.close()

    task.add_done_callback(cancel_if_never_ran)
    return task


class _Done:
    """An awaitable that is already complete (``trigger`` with no Tasks)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # pragma: no cover  # makes this a generator

    def done(self) -> bool:
        return True


_DONE = _Done()


class Dispatcher:
    """Handler registry and event fan-out for one client.

    Event names go through :func:`bottom.events.canonical_event`, so
    ``"privmsg"``, ``" PRIVMSG "``, ``"001"`` and ``"RPL_WELCOME"`` are
    spelled differently but are one event.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[_Handler]] = {}
        self._waiters: dict[str, list[asyncio.Future[Kwargs]]] = {}

    @overload
    def on(self, event: str) -> Callable[[F], F]: ...
    @overload
    def on(self, event: str, func: F) -> F: ...

    def on(self, event: str, func: F | None = None) -> F | Callable[[F], F]:
        """Register ``func`` for ``event``; returns it unchanged.

        Use as ``@client.on("privmsg")`` or ``client.on("privmsg", func)``.
        A function whose signature has no ``**kwargs`` is called with only
        the kwargs it names.
        """
        name = canonical_event(event)
        if func is None:
            def decorator(f: F) -> F:
                self._register(name, f)
                return f
            return decorator
        self._register(name, func)
        return func

    def _register(self, name: str, func: Callable[..., Any]) -> None:
        if not callable(func):
            raise TypeError(f"handler for {name} must be callable, not {func!r}")
        # A new list: a trigger in progress keeps iterating the old one.
        self._handlers[name] = [*self._handlers.get(name, ()), _Handler(func)]

    def off(self, event: str, func: Callable[..., Any]) -> None:
        """Remove ``func`` from ``event``.

        :raises ValueError: if it was not registered for that event.
        """
        name = canonical_event(event)
        handlers = self._handlers.get(name, [])
        for index, handler in enumerate(handlers):
            if handler.func == func:
                self._handlers[name] = handlers[:index] + handlers[index + 1:]
                return
        raise ValueError(f"{func!r} is not a handler of {name}")

    def handlers(self, event: str) -> list[Callable[..., Any]]:
        """The functions registered for ``event``, in call order."""
        return [h.func for h in self._handlers.get(canonical_event(event), ())]

    def trigger(self, event: str, **kwargs: Any) -> Awaitable[Any]:
        """Dispatch ``event`` now; return an awaitable done when every
        handler started by this call has finished.

        Plain handlers have run by the time this returns; coroutine
        handlers have run until their first real wait.  Handler errors are
        logged, never raised here or from the awaitable.
        """
        tasks = self._dispatch(canonical_event(event), kwargs)
        if not tasks:
            return _DONE
        # A Future, not a coroutine: dropping it unawaited never warns, and
        # return_exceptions keeps errors (already logged) from resurfacing.
        return asyncio.gather(*tasks, return_exceptions=True)

    def _dispatch(self, name: str, kwargs: Kwargs) -> list[asyncio.Task[None]] | None:
        """The hot path: call handlers, wake waiters.  ``name`` is canonical."""
        tasks: list[asyncio.Task[None]] | None = None
        for handler in self._handlers.get(name, ()):
            func = handler.func
            names = handler.names
            try:
                if names is None:
                    result = func(**kwargs)
                else:
                    result = func(**{k: kwargs[k] for k in names if k in kwargs})
            except Exception:
                log.exception("error in %s handler %r", name, func)
                continue
            if result is not None and inspect.iscoroutine(result):
                task = _start(result, name, func)
                if task is not None:
                    if tasks is None:
                        tasks = []
                    tasks.append(task)
        waiters = self._waiters.pop(name, None) if self._waiters else None
        if waiters:
            for future in waiters:
                if not future.done():
                    future.set_result(dict(kwargs))
        return tasks

    def _waiter(self, event: str) -> asyncio.Future[Kwargs]:
        """A Future for the next ``event``, registered now (not on first await)."""
        future: asyncio.Future[Kwargs] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(canonical_event(event), []).append(future)
        return future

    async def wait(self, event: str) -> Kwargs:
        """Wait for the next ``event``; return a copy of its kwargs.

        Safe to cancel (``asyncio.wait_for(client.wait(e), 5)``): a
        cancelled wait takes nothing away from other waiters or handlers.
        """
        return await self._waiter(event)


async def wait_for(client: Dispatcher, events: Iterable[str], *,
                   mode: Literal["first", "all"] = "first") -> list[Kwargs]:
    """Wait for the first of ``events`` (``mode="first"``) or all of them.

    Returns a list of kwargs dicts: with ``"first"``, those of the events
    that arrived together first (usually one); with ``"all"``, one per
    event, in the order given.  Waits that are no longer needed are
    cancelled, also when this coroutine itself is cancelled.
    """
    if mode not in ("first", "all"):
        raise ValueError(f'mode must be "first" or "all", not {mode!r}')
    futures = [client._waiter(event) for event in events]
    if not futures:
        return []
    try:
        when = asyncio.FIRST_COMPLETED if mode == "first" else asyncio.ALL_COMPLETED
        done, _ = await asyncio.wait(futures, return_when=when)
        return [future.result() for future in futures if future in done]
    finally:
        for future in futures:
            future.cancel()
