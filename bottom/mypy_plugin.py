"""A mypy plugin that checks bottom handlers and event names in your code.

Enable it in your mypy configuration::

    [mypy]
    plugins = bottom.mypy_plugin

Then, for an event name written as a literal string:

* ``client.on("privmsg", echo)`` and ``@client.on("privmsg")`` report each
  parameter of ``echo`` that PRIVMSG never passes (``targt``), unless the
  handler takes ``**kwargs``;
* ``on("privmesg")``, ``wait("rpl_welcom")``, ``waiter(...)`` and the
  names given to ``bottom.wait_for`` report a name close to a known event;
* ``await client.wait("privmsg")`` (and ``client.waiter("privmsg")``'s
  Future) has the event's TypedDict type from :mod:`bottom.event_types`
  instead of ``dict[str, Any]``.

The rules are :mod:`bottom.eventcheck`'s, the ones ``on()`` and ``wait()``
apply at run time; error codes ``bottom-event`` and ``bottom-handler``
can be silenced like any other.  Names that are not literals and custom
events are not checked.  A hook per call, not an overload per event:
checking a file costs what it costs without the plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.errorcodes import ErrorCode
from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_POS,
    ARG_STAR2,
    Context,
    Expression,
    Import,
    ImportAll,
    ImportFrom,
    ListExpr,
    MypyFile,
    StrExpr,
    TupleExpr,
    TypeInfo,
)
from mypy.plugin import CheckerPluginInterface, FunctionContext, MethodContext, Plugin
from mypy.typeops import try_getting_str_literals
from mypy.types import CallableType, Instance, LiteralType, Type, get_proper_type

from .event_types import CTCP_TYPE, EVENT_TYPES
from .eventcheck import close_events, event_kwargs
from .events import canonical_event

__all__ = ["EVENT_NAME", "HANDLER", "BottomPlugin", "plugin"]

#: Error code of a misspelled event name.
EVENT_NAME = ErrorCode("bottom-event", "Event name close to a known bottom event", "bottom")
#: Error code of a handler parameter its event never passes.
HANDLER = ErrorCode("bottom-handler", "Handler parameter its event never passes", "bottom")

_DISPATCHER = "bottom.dispatch.Dispatcher"
_DECORATOR = "bottom.event_types.OnDecorator"
_TYPES_MODULE = "bottom.event_types"
_NAMED_KINDS = (ARG_POS, ARG_OPT, ARG_NAMED, ARG_NAMED_OPT)


def _imports_bottom(file: MypyFile) -> bool:
    for node in file.imports:
        if isinstance(node, Import):
            ids = [name for name, _ in node.ids]
        elif isinstance(node, ImportFrom | ImportAll):
            ids = [node.id]
        else:  # pragma: no cover  # mypy has no other kind of import
            continue
        if any(i == "bottom" or i.startswith("bottom.") for i in ids):
            return True
    return False


def _literal(expr: Expression, typ: Type) -> str | None:
    values = try_getting_str_literals(expr, typ)
    return values[0] if values is not None and len(values) == 1 else None


def _check_name(name: str, context: Context, api: CheckerPluginInterface) -> bool:
    """Report a misspelled event; True when ``name`` is a known event."""
    matches = close_events(name)
    if matches:
        api.fail(f'"{name}" is not an event bottom triggers; did you mean '
                 + " or ".join(f'"{m}"' for m in matches) + "?", context, code=EVENT_NAME)
    return event_kwargs(name) is not None


def _check_handler(event: str, handler: Type, context: Context,
                   api: CheckerPluginInterface) -> None:
    """Report each parameter of ``handler`` that ``event`` never passes."""
    handler = get_proper_type(handler)
    kwargs = event_kwargs(event)
    if not isinstance(handler, CallableType) or kwargs is None or \
            ARG_STAR2 in handler.arg_kinds:
        return
    name = canonical_event(event)
    for param, kind in zip(handler.arg_names, handler.arg_kinds, strict=True):
        if param is not None and kind in _NAMED_KINDS and param not in kwargs:
            api.fail(f'{name} never passes "{param}"; its kwargs are: ' + ", ".join(kwargs),
                     context, code=HANDLER)


class BottomPlugin(Plugin):
    """Hooks on ``Dispatcher.on``/``wait``/``waiter`` (so ``Client``'s), the
    decorator ``on(event)`` returns, and ``wait_for``."""

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # The TypedDicts must be in the build for wait() to return them.
        if not file.fullname.startswith("bottom") and _imports_bottom(file):
            return [(10, _TYPES_MODULE, -1)]
        return []

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname == _DECORATOR + ".__call__":
            return self._decorated
        owner, _, method = fullname.rpartition(".")
        if method in ("on", "wait", "waiter") and self._is_dispatcher(owner):
            return self._on if method == "on" else self._wait
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return self._wait_for if fullname == "bottom.dispatch.wait_for" else None

    def _is_dispatcher(self, owner: str) -> bool:
        if owner == _DISPATCHER:
            return True
        symbol = self.lookup_fully_qualified(owner)
        return symbol is not None and isinstance(symbol.node, TypeInfo) and \
            symbol.node.has_base(_DISPATCHER)

    def _on(self, ctx: MethodContext) -> Type:
        name = _literal(ctx.args[0][0], ctx.arg_types[0][0]) if ctx.args[0] else None
        if name is None or not _check_name(name, ctx.args[0][0], ctx.api):
            return ctx.default_return_type
        if len(ctx.args) > 1 and ctx.args[1]:
            _check_handler(name, ctx.arg_types[1][0], ctx.args[1][0], ctx.api)
            return ctx.default_return_type
        decorator = self.lookup_fully_qualified(_DECORATOR)
        if decorator is None or not isinstance(decorator.node, TypeInfo):
            return ctx.default_return_type
        text = ctx.api.named_generic_type("builtins.str", [])
        return Instance(decorator.node, [LiteralType(canonical_event(name), text)])

    def _decorated(self, ctx: MethodContext) -> Type:
        owner = get_proper_type(ctx.type)
        if isinstance(owner, Instance) and owner.args and ctx.arg_types and ctx.arg_types[0]:
            event = get_proper_type(owner.args[0])
            if isinstance(event, LiteralType) and isinstance(event.value, str):
                _check_handler(event.value, ctx.arg_types[0][0], ctx.context, ctx.api)
        return ctx.default_return_type

    def _wait(self, ctx: MethodContext) -> Type:
        name = _literal(ctx.args[0][0], ctx.arg_types[0][0]) if ctx.args[0] else None
        result = get_proper_type(ctx.default_return_type)
        if name is None or not _check_name(name, ctx.args[0][0], ctx.api) or \
                not isinstance(result, Instance) or not result.args:
            return ctx.default_return_type
        event = canonical_event(name)
        kwargs_type = EVENT_TYPES.get(event, CTCP_TYPE)
        symbol = self.lookup_fully_qualified(f"{_TYPES_MODULE}.{kwargs_type.__name__}")
        if symbol is None or not isinstance(symbol.node, TypeInfo) or \
                symbol.node.typeddict_type is None:
            return ctx.default_return_type
        # As an annotation naming the class would: messages then say its name.
        typed = symbol.node.typeddict_type.copy_modified(fallback=Instance(symbol.node, []))
        # wait(): a Coroutine, waiter(): a Future; Kwargs is their last argument.
        return result.copy_modified(args=[*result.args[:-1], typed])

    def _wait_for(self, ctx: FunctionContext) -> Type:
        if len(ctx.args) > 1 and ctx.args[1]:
            names = ctx.args[1][0]
            if isinstance(names, ListExpr | TupleExpr):
                for item in names.items:
                    if isinstance(item, StrExpr):
                        _check_name(item.value, item, ctx.api)
        return ctx.default_return_type


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class for every mypy version we know."""
    return BottomPlugin
