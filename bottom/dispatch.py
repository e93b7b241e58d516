"""Event handlers: ``on``, ``off``, ``trigger``, ``wait`` and ``wait_for``.

Handlers may be plain functions or coroutine functions.  A coroutine
handler is started *eagerly*: it runs inside ``trigger``, as its own Task
(``asyncio.current_task()``, ``asyncio.timeout`` and context variables
behave as in any Task), until it first really waits.  So every handler
starts in registration order, and a handler that never waits is never
scheduled at all.  Python 3.12+ has eager Tasks for this; on 3.10/3.11
bottom runs the Task's first step itself on asyncio's own loops, while on
other loops (uvloop) there a coroutine handler starts at the loop's next
turn, after the plain handlers of the same line.

A handler that raises is logged on the ``bottom`` logger with the event
name and traceback; the other handlers and the connection carry on.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import operator
from collections.abc import Awaitable, Callable, Generator, Iterable
from types import CoroutineType
from typing import Any, Literal, TypeVar, overload

from .eager import start_handler
from .eventcheck import check_event_name, check_handler
from .events import canonical_event
from .options import check_event
from .privmsg import PRIVMSG_KWARGS, Sender, decode_tags

__all__ = ["Dispatcher", "wait_for"]

log = logging.getLogger("bottom")

F = TypeVar("F", bound=Callable[..., Any])
Kwargs = dict[str, Any]


class _Handler:
    """A registered function and how to call it, worked out once.

    ``_dispatch`` picks the cheapest call the signature allows: everything
    as ``**kwargs``; nothing; the one named kwarg positionally (``key``);
    several positionally through ``itemgetter`` (``pick``); or, for
    keyword-only parameters, by name.  ``_dispatch_privmsg`` does the same
    from a plain PRIVMSG's values (``at``: an index or an ``itemgetter``
    into them; None when the handler names a kwarg they lack).
    """

    __slots__ = ("func", "names", "required", "key", "pick", "at", "tags")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        #: None: pass every kwarg; else only these names
        self.names: tuple[str, ...] | None = None
        #: the names without a default: a call without them cannot work
        self.required: frozenset[str] = frozenset()
        #: the only name, when it may be passed positionally
        self.key: str | None = None
        #: the names as a positional tuple, when there are several
        self.pick: Callable[[Kwargs], tuple[Any, ...]] | None = None
        #: where the named kwargs are among a plain PRIVMSG's values
        self.at: int | Callable[[list[Any]], tuple[Any, ...]] | None = None
        #: whether the handler gets the tags (then a PRIVMSG's are decoded)
        self.tags = True
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            return  # builtins and the like: give them everything
        names, required = [], []
        positional = True
        for param in signature.parameters.values():
            if param.kind is param.VAR_KEYWORD:
                return
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                names.append(param.name)
                if param.default is param.empty:
                    required.append(param.name)
            if param.kind is not param.POSITIONAL_OR_KEYWORD and \
                    param.kind is not param.VAR_POSITIONAL:
                positional = False
        self.names = tuple(names)
        self.required = frozenset(required)
        self.tags = "tags" in names
        if positional and len(names) == 1:
            self.key = names[0]
        elif positional and len(names) > 1:
            self.pick = operator.itemgetter(*names)
        if positional and names and set(names) <= set(PRIVMSG_KWARGS):
            indexes = [PRIVMSG_KWARGS.index(name) for name in names]
            self.at = indexes[0] if len(indexes) == 1 else operator.itemgetter(*indexes)

    def call_by_name(self, kwargs: Kwargs, event: str) -> Any:
        """Call with the named kwargs the event has; skip (return None) when
        it lacks one the function requires."""
        names = self.names or ()
        given = {k: kwargs[k] for k in names if k in kwargs}
        if len(given) != len(names) and not self.required <= given.keys():
            # A malformed line lacks what this handler needs: skip it
            # rather than log the server's fault as the handler's TypeError.
            log.debug("%s handler %r skipped: the line has no %s", event, self.func,
                      ", ".join(sorted(self.required - given.keys())))
            return None
        return self.func(**given)


class _Done:
    """An awaitable that is already complete (``trigger`` with no Tasks)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # pragma: no cover  # makes this a generator

    def done(self) -> bool:
        return True


_DONE = _Done()
_PRIVMSG = "PRIVMSG"
#: _Handler.at of a handler that takes only ``message``
_MESSAGE_AT = PRIVMSG_KWARGS.index("message")


def privmsg_dict(tags: dict[str, str], who: Sender, text: str) -> Kwargs:
    """The kwargs of a plain PRIVMSG, from its decoded tags and parts."""
    nick, user, host, target = who
    return {"tags": tags, "nick": nick, "user": user, "host": host, "target": target,
            "message": text}


def start_result(result: object, func: Callable[..., Any]) -> None:
    """Start what a PRIVMSG handler returned, if it is a coroutine (its
    Task needs no keeping: the caller never awaits it)."""
    if isinstance(result, CoroutineType):
        start_handler(result, _PRIVMSG, func)


def _started(tasks: list[asyncio.Task[None]] | None, result: object, event: str,
             func: Callable[..., Any]) -> list[asyncio.Task[None]] | None:
    """``tasks`` with the Task of a coroutine handler's ``result`` added if
    it is still running after its eager start."""
    if isinstance(result, CoroutineType):
        task = start_handler(result, event, func)
        if task is not None:
            if tasks is None:
                return [task]
            tasks.append(task)
    return tasks


class Dispatcher:
    """Handler registry and event fan-out for one client.

    Event names go through :func:`bottom.events.canonical_event`, so
    ``"privmsg"``, ``" PRIVMSG "``, ``"001"`` and ``"RPL_WELCOME"`` are
    spelled differently but are one event.
    """

    __slots__ = ("_handlers", "_waiters", "_tap", "_privmsg_handlers", "_privmsg_tags",
                 "_privmsg_funcs")

    def __init__(self) -> None:
        self._handlers: dict[str, list[_Handler]] = {}
        #: the PRIVMSG handlers (as in _handlers) and whether one of them
        #: gets the tags (see _dispatch_privmsg)
        self._privmsg_handlers: list[_Handler] | tuple[()] = ()  # no list per client until on()
        self._privmsg_tags = False
        #: the PRIVMSG handlers' functions when there are some and every one
        #: takes ``**kwargs`` (the client then calls them itself, see
        #: Incoming._on_line), else None
        self._privmsg_funcs: tuple[Callable[..., Any], ...] | None = None
        self._waiters: dict[str, list[asyncio.Future[Kwargs]]] = {}
        #: sees every event after the handlers (a Hub's forwarder); the
        #: Tasks it returns count for ``trigger``'s awaitable
        self._tap: Callable[[str, Kwargs], list[asyncio.Task[None]] | None] | None = None

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
        name = canonical_event(check_event(event))
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
        check_handler(name, func)  # a WARNING for a misspelled event or parameter
        # A new list: a trigger in progress keeps iterating the old one.
        self._set_handlers(name, [*self._handlers.get(name, ()), _Handler(func)])

    def _set_handlers(self, name: str, handlers: list[_Handler]) -> None:
        self._handlers[name] = handlers
        if name == _PRIVMSG:
            self._privmsg_handlers = handlers
            self._privmsg_tags = any(handler.tags for handler in handlers)
            self._privmsg_funcs = tuple(handler.func for handler in handlers) \
                if handlers and all(handler.names is None for handler in handlers) else None

    def off(self, event: str, func: Callable[..., Any]) -> None:
        """Remove ``func`` from ``event``.

        :raises ValueError: if it was not registered for that event.
        """
        name = canonical_event(event)
        handlers = self._handlers.get(name, [])
        for index, handler in enumerate(handlers):
            if handler.func == func:
                self._set_handlers(name, handlers[:index] + handlers[index + 1:])
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
        # A Future, not a coroutine: dropping it unawaited never warns, and
        # return_exceptions keeps errors (already logged) from resurfacing.
        if tasks:
            return asyncio.gather(*tasks, return_exceptions=True)
        try:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        except RuntimeError:
            return _DONE  # no loop: nothing could be waiting anyway
        done.set_result(None)
        return done

    def _dispatch(self, name: str, kwargs: Kwargs) -> list[asyncio.Task[None]] | None:
        """The hot path: call handlers, wake waiters.  ``name`` is canonical."""
        tasks: list[asyncio.Task[None]] | None = None
        for handler in self._handlers.get(name, ()):
            key = handler.key
            try:
                # Cheapest call first; a kwarg missing from this line sends
                # the call the slow way, by name (KeyError is never the
                # handler's own here: it has not been called yet).
                if key is not None:
                    try:
                        arg = kwargs[key]
                    except KeyError:
                        result = handler.call_by_name(kwargs, name)
                    else:
                        result = handler.func(arg)
                elif handler.pick is not None:
                    try:
                        args = handler.pick(kwargs)
                    except KeyError:
                        result = handler.call_by_name(kwargs, name)
                    else:
                        result = handler.func(*args)
                elif handler.names is None:
                    result = handler.func(**kwargs)
                elif handler.names:
                    result = handler.call_by_name(kwargs, name)
                else:
                    result = handler.func()
            except Exception:
                log.exception("error in %s handler %r", name, handler.func)
                continue
            if result is not None:
                tasks = _started(tasks, result, name, handler.func)
        if self._waiters or self._tap is not None:
            return self._after_handlers(name, kwargs, tasks)
        return tasks

    def _dispatch_privmsg(self, tag_text: str, who: Sender,
                          text: str) -> list[asyncio.Task[None]] | None:
        """:meth:`_dispatch` for a plain PRIVMSG given as the parts
        :func:`~bottom.privmsg.privmsg_parts` gives (the tag section as sent,
        ``(nick, user, host, target)``, the text).

        No kwargs dict is made unless someone needs one (a handler that
        names a kwarg these lack, a waiter, a tap), and then once; the tags
        are decoded only when a handler, waiter or tap can see them.  A
        ``def h(**kwargs)`` handler is called with the six keywords spelled
        out: ``f(**d)`` would make CPython copy ``d`` at the call site and
        unpack it again for the call; the handler still gets a dict of its own.
        """
        if self._privmsg_tags or self._waiters or self._tap is not None:
            tags: Any = decode_tags(tag_text)
        else:
            tags = tag_text  # no one can see them: never decoded
        kwargs: Kwargs | None = None
        values: list[Any] | None = None
        tasks: list[asyncio.Task[None]] | None = None
        for handler in self._privmsg_handlers:
            try:
                if handler.names is None:  # def h(**kwargs), or a builtin
                    nick, user, host, target = who
                    result = handler.func(tags=tags, nick=nick, user=user, host=host,
                                          target=target, message=text)
                else:
                    at = handler.at
                    if at == _MESSAGE_AT:
                        result = handler.func(text)
                    elif at is not None:
                        if values is None:
                            values = [tags, *who, text]
                        if type(at) is int:
                            result = handler.func(values[at])
                        else:
                            result = handler.func(*at(values))  # type: ignore[operator]
                    elif handler.names:
                        if kwargs is None:
                            if type(tags) is str:  # the dict may reach a waiter or tap
                                tags = decode_tags(tag_text)
                            kwargs = privmsg_dict(tags, who, text)
                        result = handler.call_by_name(kwargs, _PRIVMSG)
                    else:
                        result = handler.func()
            except Exception:
                log.exception("error in %s handler %r", _PRIVMSG, handler.func)
                continue
            if result is not None:
                tasks = _started(tasks, result, _PRIVMSG, handler.func)
        if self._waiters or self._tap is not None:
            # (a handler may have started waiting for the next PRIVMSG; the
            # tags are decoded anew if none could see them before)
            if kwargs is None:
                if type(tags) is str:
                    tags = decode_tags(tag_text)
                kwargs = privmsg_dict(tags, who, text)
            return self._after_handlers(_PRIVMSG, kwargs, tasks)
        return tasks

    def _after_handlers(self, name: str, kwargs: Kwargs,
                        tasks: list[asyncio.Task[None]] | None) -> list[asyncio.Task[None]] | None:
        """Wake the event's waiters (each with a copy), then the tap."""
        waiters = self._waiters.pop(name, None) if self._waiters else None
        if waiters:
            if not self._waiters:
                # An emptied dict keeps its table (184 bytes); a fresh one
                # has none (an idle client waited once, for CLIENT_READY).
                self._waiters = {}
            for future in waiters:
                if not future.done():
                    future.set_result(dict(kwargs))
        if self._tap is not None:
            tapped = self._tap(name, kwargs)
            if tapped:
                tasks = tapped if tasks is None else tasks + tapped
        return tasks

    def waiter(self, event: str) -> asyncio.Future[Kwargs]:
        """A Future for the next ``event``, registered now (not on first await).

        For code that must be waiting before it acts (send, then wait for
        the answer): ``wait()`` registers only when first awaited.  Cancel
        the Future when it is no longer wanted; it is then forgotten."""
        check_event_name(event)  # a WARNING for a misspelled event
        future: asyncio.Future[Kwargs] = asyncio.get_running_loop().create_future()
        name = canonical_event(check_event(event))
        self._waiters.setdefault(name, []).append(future)
        future.add_done_callback(functools.partial(self._forget_waiter, name))
        return future

    def _forget_waiter(self, name: str, future: asyncio.Future[Kwargs]) -> None:
        """A cancelled wait leaves nothing behind (a bot that times out a
        wait in a loop would otherwise grow the list until the event)."""
        if future.cancelled():
            waiters = self._waiters.get(name)
            if waiters is not None and future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._waiters[name]
                    if not self._waiters:
                        self._waiters = {}  # (see _after_handlers)

    async def wait(self, event: str) -> Kwargs:
        """Wait for the next ``event``; return a copy of its kwargs.

        Safe to cancel (``asyncio.wait_for(client.wait(e), 5)``): a
        cancelled wait takes nothing away from other waiters or handlers.
        """
        return await self.waiter(event)


async def wait_for(client: Dispatcher, events: Iterable[str], *,
                   mode: Literal["first", "all"] = "first") -> list[Kwargs]:
    """Wait for the first of ``events`` (``mode="first"``) or all of them.

    Returns a list of kwargs dicts, each with one more key, ``event``: the
    canonical name of the event it came from.  With ``"first"``, the events
    that arrived together first (usually one), in arrival order; with
    ``"all"``, one per event, in the order given.  Waits that are no longer
    needed are cancelled, also when this coroutine itself is cancelled.
    """
    if mode not in ("first", "all"):
        raise ValueError(f'mode must be "first" or "all", not {mode!r}')
    asked = list(events)
    names = [canonical_event(event) for event in asked]
    futures = [client.waiter(event) for event in asked]
    if not futures:
        return []
    arrived: list[int] = []  # indexes in the order their events fired

    def record(index: int, future: asyncio.Future[Kwargs]) -> None:
        if not future.cancelled():
            arrived.append(index)

    for index, future in enumerate(futures):
        future.add_done_callback(functools.partial(record, index))
    try:
        when = asyncio.FIRST_COMPLETED if mode == "first" else asyncio.ALL_COMPLETED
        await asyncio.wait(futures, return_when=when)
        order = arrived if mode == "first" else sorted(arrived)
        return [{**futures[i].result(), "event": names[i]} for i in order]
    finally:
        for future in futures:
            future.cancel()
