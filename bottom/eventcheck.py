"""Registration-time checks that explain a mistake instead of waiting forever.

Pure: no asyncio.  Two mistakes pass in silence otherwise:

* a handler naming a kwarg its event never has (``def echo(nick, targt)``
  for PRIVMSG) is skipped on every line, because the kwarg is never there;
* a misspelled event (``on("privmesg")``, ``wait("rpl_welcom")``) is a
  valid custom event that nothing ever triggers.

:func:`check_handler` and :func:`check_event_name` log a WARNING on the
``bottom`` logger for these, once per ``on()``/``wait()`` call; they never
raise, and dispatching a line never calls them.  Custom events stay
allowed: an unknown name is only reported when it is close to a known one.
What they compute per name is cached.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from .events import ALIASES, canonical_event

__all__ = ["check_event_name", "check_handler", "close_events", "event_kwargs"]

log = logging.getLogger("bottom")

#: How alike (difflib's ratio) an unknown name must be to a known one to be
#: called a misspelling: "PRIVMESG" and "RPL_WELCOM" are (0.93, 0.95), a
#: custom "TICK" next to KICK is not (0.75).
CUTOFF = 0.8



def event_kwargs(event: str) -> tuple[str, ...] | None:
    """The kwargs ``event`` is triggered with, or None for an unknown event.

    Any spelling: ``"001"``, ``"rpl_welcome"``.  Every ``CTCP_<COMMAND>``
    is known.  The order is the events reference's, ``tags`` last.

    :raises TypeError: if ``event`` is not a string.
    """
    return _kwargs_of(canonical_event(event))


def close_events(event: str) -> tuple[str, ...]:
    """Known event names ``event`` may be a misspelling of; () when it is
    known or not close to any (a custom event).

    :raises TypeError: if ``event`` is not a string.
    """
    return _close_to(canonical_event(event))


# Both cached by canonical name: what a program registers is a few dozen
# names, each computed once.
@functools.lru_cache(maxsize=512)
def _kwargs_of(name: str) -> tuple[str, ...] | None:
    # Imported on first use: its TypedDicts cost more than all of this
    # module, and a program that never registers a handler needs none.
    from .event_types import CTCP_TYPE, EVENT_TYPES

    kwargs_type = EVENT_TYPES.get(name)
    if kwargs_type is None and name.startswith("CTCP_"):
        kwargs_type = CTCP_TYPE
    if kwargs_type is None:
        return None
    # A TypedDict's annotations hold its bases' keys too: tags comes first.
    keys = tuple(kwargs_type.__annotations__)
    return (*keys[1:], "tags") if keys[:1] == ("tags",) else keys


@functools.lru_cache(maxsize=512)
def _close_to(name: str) -> tuple[str, ...]:
    if _kwargs_of(name) is not None or name.isdigit():
        return ()  # known, or a numeric NUMERICS does not name: real, just unnamed
    from .event_types import EVENT_TYPES

    known = (*EVENT_TYPES, *ALIASES)
    return tuple(difflib.get_close_matches(name, known, n=3, cutoff=CUTOFF))


def check_event_name(event: str) -> None:
    """Log a WARNING when ``event`` is unknown but close to a known name."""
    matches = close_events(event)
    if matches:
        log.warning("%r is not an event bottom triggers; did you mean %s? (a custom "
                    "event is fine, but only your own trigger() calls fire it)",
                    event, " or ".join(matches))


def _describe(func: Callable[..., Any]) -> str:
    name = getattr(func, "__qualname__", None) or repr(func)
    code = getattr(func, "__code__", None)
    if code is None:
        return name
    return f"{name} ({code.co_filename}:{code.co_firstlineno})"


def _named_parameters(func: Callable[..., Any]) -> list[str] | None:
    """The kwargs ``func`` asks for by name; None when it takes ``**kwargs``
    or has no signature to read."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    names = []
    for param in parameters:
        if param.kind is param.VAR_KEYWORD:
            return None
        if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            names.append(param.name)
    return names


def check_handler(event: str, func: Callable[..., Any]) -> None:
    """Check ``event``'s name, then ``func``'s parameters against its kwargs.

    A handler without ``**kwargs`` is called with the kwargs it names, so a
    name the event never has is never filled: a required one means the
    handler never runs, one with a default is always the default.  Either
    is logged as a WARNING listing the kwargs the event does have.
    Unknown events and unreadable signatures are not checked.
    """
    check_event_name(event)
    kwargs = event_kwargs(event)
    if kwargs is None:
        return
    names = _named_parameters(func)
    if not names:
        return
    unknown = [name for name in names if name not in kwargs]
    if unknown:
        event_name = canonical_event(event)
        log.warning("%s handler %s names %s, which %s never has; its kwargs are: %s",
                    event_name, _describe(func), ", ".join(repr(n) for n in unknown),
                    event_name, ", ".join(kwargs))
