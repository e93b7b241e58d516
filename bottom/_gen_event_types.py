"""Write ``bottom/event_types.py``: a TypedDict for every event's kwargs.

Run from a checkout after changing an event's kwargs::

    python -m bottom._gen_event_types          # rewrite bottom/event_types.py
    python -m bottom._gen_event_types --check  # exit 1 if it is stale

The kwargs come from the table the events reference is built from
(:data:`bottom.events.EVENT_KWARGS`, :data:`bottom.events.NUMERICS` and
the local events of ``docs/_ext/bottom_docs.py``).  Their types are not
written by hand: every event is mapped from sample lines (each parameter
count, ``*`` in each place, a user, a server and no source at all), and a
kwarg's type is the union of the values it took; a kwarg missing from some
of those lines is ``NotRequired``.  Events with the same kwargs share one
TypedDict, named after the first of them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .events import (
    CTCP,
    CTCP_REPLY,
    EVENT_KWARGS,
    INVALID_COMMAND,
    NUMERICS,
    TRACKING_KWARGS,
    message_to_event,
)
from .message import Message

__all__ = ["COMMAND", "TARGET", "render", "main"]

#: The command that regenerates the file; the staleness test prints it.
COMMAND = "python -m bottom._gen_event_types"
TARGET = Path(__file__).with_name("event_types.py")

# Local events are triggered by the Client with values of these types.
_LOCAL_TYPES = {"host": "str", "port": "int", "nick": "str", "reason": "str",
                "permanent": "bool", "channel": "str", "code": "str"}
# kwargs the client adds with state tracking: no sample line shows them.
_TRACKING_TYPES = {"channels": "NotRequired[list[str]]"}
_SAMPLE = ("+1", "2", "3", "4", "5", "6", "7", "8 x")
_SOURCES = ("nick!user@host", "irc.example.net", None)
_GENERIC_NUMERIC = "999"
#: (name, fields) of the bases a TypedDict may extend, most fields first.
_BASES: tuple[tuple[str, dict[str, str]], ...] = (
    ("_Numeric", {"tags": "dict[str, str]", "target": "str", "params": "list[str]"}),
    ("_FromSource", {"tags": "dict[str, str]", "nick": "str | None",
                     "user": "str | None", "host": "str | None"}),
    ("_ServerEvent", {"tags": "dict[str, str]"}),
)

Shape = tuple[tuple[str, str], ...]  # (kwarg, type) in order; type may be NotRequired[...]


def _local_events() -> dict[str, tuple[str, ...]]:
    """Local event -> kwargs, from the events reference's own table."""
    # The checkout beside the package, or (for an installed package, as in
    # tox) the checkout the command runs from.
    candidates = [Path(__file__).resolve().parent.parent / "docs" / "_ext",
                  Path.cwd() / "docs" / "_ext"]
    ext = next((c for c in candidates if (c / "bottom_docs.py").is_file()), candidates[0])
    if not (ext / "bottom_docs.py").is_file():
        raise SystemExit(f"{COMMAND} runs from a checkout: {ext}/bottom_docs.py not found")
    sys.path.insert(0, str(ext))
    try:
        docs = importlib.import_module("bottom_docs")
    finally:
        sys.path.remove(str(ext))
    return {name: tuple(kwargs) for name, (kwargs, _) in docs.LOCAL_EVENTS.items()}


def _type_name(values: list[Any]) -> str:
    names: dict[str, None] = {}
    for value in values:
        if isinstance(value, list):
            inner = sorted({type(v).__name__ for v in value}) or ["str"]
            names[f"list[{' | '.join(inner)}]"] = None
        elif isinstance(value, dict):
            names["dict[str, str]"] = None
        else:
            names["None" if value is None else type(value).__name__] = None
    ordered = sorted(names, key=lambda n: n == "None")  # "str | None", not "None | str"
    return " | ".join(ordered)


def _probes(name: str) -> Iterator[Message]:
    """Lines that may trigger ``name``: every length, ``*`` in each place."""
    number = next((c for c, n in NUMERICS.items() if n == name), None)
    if name.startswith("CTCP") or name == CTCP:
        command = "NOTICE" if name == CTCP_REPLY else "PRIVMSG"
        word = "VERSION" if name == CTCP_REPLY else name.removeprefix("CTCP_")
        texts = (f"\x01{word}\x01", f"\x01{word} x y\x01", f"\x01{word} x")
        variants: list[tuple[str, tuple[str, ...]]] = [(command, ("#c", t)) for t in texts]
    else:
        if number is not None:
            command = number
        elif name == INVALID_COMMAND:
            command = "CLIENT_READY"
        elif name in ("CHANNELMODE", "USERMODE"):
            command = "MODE"
        else:
            command = name
        variants = []
        for length in range(len(_SAMPLE) + 1):
            params = _SAMPLE[:length]
            variants.append((command, params))
            variants.extend((command, (*params[:i], "*", *params[i + 1:]))
                            for i in range(length))
    for command, params in variants:
        for source in _SOURCES:
            yield Message(command, params, source=source)


def _server_shape(name: str, documented: tuple[str, ...]) -> Shape:
    """The (kwarg, type) pairs of a server event, from mapping sample lines."""
    full = {"tags", *documented}
    seen: dict[str, list[Any]] = {}
    # A line the event's kwargs cannot be read from gets the generic kwargs
    # instead: that is not this event's shape.
    fallback = ({"tags", "target", "params"} if name[:4] in ("RPL_", "ERR_")
                else {"tags", "params", "nick", "user", "host"})
    hits = 0
    for msg in _probes(name):
        event, kwargs = message_to_event(msg)
        if event != name or not kwargs.keys() <= full or \
                (kwargs.keys() == fallback and full != fallback):
            continue
        hits += 1
        for key, value in kwargs.items():
            seen.setdefault(key, []).append(value)
    if not hits:
        raise SystemExit(f"no sample line triggers {name} with its documented kwargs")
    added = TRACKING_KWARGS.get(name, ())
    order = ["tags", *(key for key in documented if key not in added)]
    return tuple((key, _type_name(seen[key]) if len(seen[key]) == hits
                  else f"NotRequired[{_type_name(seen[key])}]") for key in order) + tuple(
        (key, _TRACKING_TYPES[key]) for key in added)


def shapes() -> dict[str, Shape]:
    """Every event bottom documents -> its (kwarg, type) pairs."""
    table: dict[str, Shape] = {}
    for name, kwargs in EVENT_KWARGS.items():
        table[name] = _server_shape(name, kwargs)
    generic_numeric = _server_shape(_GENERIC_NUMERIC, ("target", "params", "nick", "user",
                                                        "host"))
    for _, name in sorted(NUMERICS.items()):
        table.setdefault(name, generic_numeric)
    table[CTCP] = table["CTCP_ACTION"]
    table[INVALID_COMMAND] = _server_shape(INVALID_COMMAND, ("params", "nick", "user", "host",
                                                              "command"))
    for name, kwargs in _local_events().items():
        table[name] = tuple((key, _LOCAL_TYPES[key]) for key in kwargs)
    return table


def _class_name(event: str) -> str:
    return "".join(part.capitalize() for part in event.split("_")) + "Kwargs"


def _wrap(items: list[str], indent: str, width: int = 96) -> Iterator[str]:
    line = indent
    for item in items:
        if len(line) + len(item) + 1 > width and line.strip():
            yield line.rstrip()
            line = indent
        line += item + " "
    if line.strip():
        yield line.rstrip()


def render() -> str:
    """The text of ``bottom/event_types.py``."""
    table = shapes()
    by_shape: dict[Shape, list[str]] = {}
    for name, shape in table.items():
        by_shape.setdefault(shape, []).append(name)
    class_of: dict[str, tuple[str, dict[str, str], list[str]]] = {}
    classes: list[str] = []
    for shape, events in by_shape.items():
        # The numerics without named kwargs share the generic shape.
        cls = "NumericKwargs" if len(events) > 50 else _class_name(events[0])
        classes.append(cls)
        fields = dict(shape)
        base, own = "TypedDict", fields
        for base_name, base_fields in _BASES:
            if base_fields.items() <= fields.items():
                base = base_name
                own = {k: v for k, v in fields.items() if k not in base_fields}
                break
        class_of[cls] = (base, own, events)
    out = [
        '"""The kwargs of every event bottom knows, as TypedDicts.',
        "",
        f"GENERATED by ``{COMMAND}`` from :mod:`bottom.events` and the",
        "events reference; do not edit.  :data:`EVENT_TYPES` maps each event's",
        "canonical name to its TypedDict; events with the same kwargs share one.",
        "With the mypy plugin (``plugins = bottom.mypy_plugin``) ``client.wait()``",
        "returns these and handlers are checked against them; see docs/typing.rst.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar",
        "",
        "if TYPE_CHECKING:",
        "    from collections.abc import Callable",
        "",
        "    from typing_extensions import NotRequired",
        "",
        "__all__ = [",
        *_wrap([f'"{n}",' for n in ["EVENT_TYPES", "CTCP_TYPE", "OnDecorator", *classes]],
               "    "),
        "]",
        "",
        '_E = TypeVar("_E", bound=str)',
        '_F = TypeVar("_F", bound="Callable[..., Any]")',
        "",
        "",
        "class OnDecorator(Generic[_E]):",
        '    """What ``client.on(event)`` returns, as the mypy plugin sees it.',
        "",
        "    ``_E`` is the event's name as a Literal type, so the plugin can check",
        "    the handler the decorator is applied to.  Never made at run time:",
        "    there ``on(event)`` returns a plain function with this signature.",
        '    """',
        "",
        "    def __call__(self, func: _F) -> _F:",
        "        return func  # pragma: no cover",
    ]
    for base_name, base_fields in reversed(_BASES):
        parent = "TypedDict" if base_name == "_ServerEvent" else "_ServerEvent"
        out += ["", "", f"class {base_name}({parent}):"]
        out += [f"    {k}: {v}" for k, v in base_fields.items()
                if parent == "TypedDict" or k != "tags"]
    for cls, (base, own, _) in class_of.items():
        out += ["", "", f"class {cls}({base}):"]
        out += [f"    {k}: {v}" for k, v in own.items()]
    out += ["", "", "#: Each TypedDict and the events (canonical names) whose kwargs it is.",
            "_EVENTS: tuple[tuple[type[Any], str], ...] = ("]
    for cls, (_, _, events) in class_of.items():
        first, *rest = _wrap(events, "", 86 - len(cls))
        out.append(f'    ({cls}, "{first}' + ('"' if rest else '"),'))
        out += [f'{" " * (6 + len(cls))} " {line}' + ('"),' if i == len(rest) - 1 else '"')
                for i, line in enumerate(rest)]
    out += [
        ")",
        "#: Canonical event name -> the TypedDict of its kwargs.",
        "EVENT_TYPES: dict[str, type[Any]] = {",
        "    name: cls for cls, names in _EVENTS for name in names.split()}",
        "#: The kwargs of every ``CTCP_<COMMAND>`` event, whatever the command.",
        f"CTCP_TYPE = {_class_name('CTCP_ACTION')}",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args == ["--check"]:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run {COMMAND}")
            return 1
        return 0
    if args:
        print(f"usage: {COMMAND} [--check]")
        return 2
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
