"""Sphinx directives that generate bottom's reference tables from the code.

``.. bottom-events::``
    Every event a Client triggers: the commands and numerics of
    :data:`bottom.events.NUMERICS` with their aliases
    (:data:`bottom.events.ALIASES`) and kwargs
    (:data:`bottom.events.EVENT_KWARGS`), the CTCP events, the generic
    fallbacks and the local ``CLIENT_*`` events.
``.. bottom-commands::``
    Every command ``send()`` knows, from :func:`bottom.commands.known_commands`
    and :func:`bottom.commands.patterns`, with the kwargs each form takes.

Both directives write reStructuredText and parse it in place, so the pages
change when the code does and cannot drift from it.  ``tests/test_docs.py``
imports this module (without Sphinx) to check the few facts kept here by
hand (:data:`LOCAL_EVENTS`, :data:`NOTES`) against a running client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from bottom.commands import known_commands, patterns
from bottom.events import (
    ALIASES,
    CTCP,
    CTCP_REPLY,
    EVENT_KWARGS,
    INVALID_COMMAND,
    NUMERICS,
    TRACKING_KWARGS,
    message_to_event,
)
from bottom.message import Message

__all__ = [
    "LOCAL_EVENTS",
    "NOTES",
    "command_rows",
    "events_rst",
    "commands_rst",
    "generic_kwargs",
    "setup",
]

#: Events the Client triggers itself (no server line): name -> (kwargs, when).
#: tests/test_docs.py checks the kwargs against a real connection.
LOCAL_EVENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "CLIENT_CONNECT": (("host", "port"),
                       "``connect()`` opened the connection (before any server line)."),
    "CLIENT_READY": (("host", "port", "nick"),
                     "Once per connection, after the welcome (001) and the end of the "
                     "MOTD (376 ``RPL_ENDOFMOTD`` or 422 ``ERR_NOMOTD``); ``nick`` is the "
                     "nick the server gave us.  Fires whether the client registered "
                     "itself (``nick=``) or your handlers did."),
    "CLIENT_REGISTRATION_FAILED": (("host", "port", "reason", "permanent"),
                                   "Registration (``nick=``) cannot succeed: SASL failed, "
                                   "no usable nick, wrong password, banned, ERROR, or no "
                                   "welcome within ``register_timeout``.  ``permanent`` is "
                                   "true when retrying cannot help (SASL, password, ban): "
                                   "the built-in reconnect then stops.  "
                                   "``CLIENT_DISCONNECT`` follows with the same reason."),
    "CLIENT_REJOIN_FAILED": (("channel", "code", "reason"),
                             "With ``rejoin=True``: the server refused to join ``channel`` "
                             "again after a reconnect; ``code`` is the numeric (``\"474\"``) "
                             "and ``reason`` its text."),
    "CLIENT_DISCONNECT": (("host", "port", "reason"),
                          "The connection is gone, whoever closed it; ``reason`` says why "
                          "(``disconnect() was called``, the server's ``ERROR`` text, a "
                          "ping timeout...).  Exactly once per connection."),
}

#: Remarks shown next to an event's kwargs: things a table of names cannot say.
NOTES: dict[str, str] = {
    "QUIT": "``channels`` (the channels the user was in) only when the client tracks "
            "state (:doc:`channels`).",
    "NICK": "``channels`` (the channels the user is in) only when the client tracks "
            "state (:doc:`channels`).",
    "PRIVMSG": "Not triggered for CTCP requests (a ``\\x01``-framed text): see CTCP below.",
    "NOTICE": "Not triggered for CTCP replies: those are ``CTCP_REPLY``.",
    "JOIN": "``account`` and ``realname`` only with the ``extended-join`` cap "
            "(``account`` is None when not logged in).",
    "CHANNELMODE": "A MODE line whose target is a channel; ``params`` is a list.",
    "USERMODE": "A MODE line whose target is a nick; ``nick`` is whose modes changed.",
    "PONG": "``server`` is None when the PONG has a single parameter.",
    "CAP": "``subcommand`` is upper-cased; ``more`` is True on a continued "
           "``CAP * LS * :...`` line; ``capabilities`` is ``message`` split on spaces.",
    "AWAY": "``message`` is None when the user is back (away-notify).",
    "ACCOUNT": "``account`` is None for a logout (``ACCOUNT *``).",
    "BATCH": "``reference`` without its ``+``/``-``; ``starting`` is True for ``+``. "
             "On the ending line (``starting`` False) ``type`` and ``params`` are the "
             "batch's own and ``messages`` lists every line it held, nested batches "
             "included; on the starting line ``messages`` is empty.  "
             "See :doc:`requests`.",
    "RPL_WHOISUSER": "In every WHOIS numeric ``nick`` is the nick asked about.",
    "RPL_WHOISSERVER": "``nick`` is the nick asked about (bottom 3 put the sending "
                       "server's name there); ``server`` is the user's server.",
    "RPL_WHOISIDLE": "``idle`` is seconds; ``signon`` (Unix time) is None when the "
                     "server leaves it out.",
    "RPL_WHOISCHANNELS": "``channels`` is a list, status prefixes kept (``@#ops``).",
    "RPL_WHOISACTUALLY": "``host`` and ``ip`` are None when the server leaves them out.",
    "RPL_BANLIST": "``setter`` and ``set_at`` are None when the server leaves them out.",
    "RPL_NAMREPLY": "``channel_type`` is None when the server leaves it out; "
                    "``users`` is a list, prefixes kept (see ``ISupport.split_prefixes``); "
                    "``userhosts`` has the entries as sent, ``nick!user@host`` with the "
                    "``userhost-in-names`` cap.",
    "RPL_ISUPPORT": "``info`` is the list of tokens; the client also keeps them in "
                    "``client.isupport``.",
}

_FIELD = re.compile(r"\{(\w+)(?::([\w|]+))?\}")


def _literal(name: str) -> str:
    return f"``{name}``"


def _names(names: Iterable[str]) -> str:
    return ", ".join(_literal(n) for n in names) or "(none)"


def generic_kwargs(line: str) -> tuple[str, ...]:
    """The kwargs (besides ``tags``) ``message_to_event`` gives ``line``."""
    _, kwargs = message_to_event(Message.parse(line))
    return tuple(k for k in kwargs if k != "tags")


# The parameters bottom.events documents its kwargs with: digits survive
# every count, "+1" is a BATCH reference and "8 x" a WHO reply's hopcount
# and real name.
_SAMPLE = ("+1", "2", "3", "4", "5", "6", "7", "8 x")
_TYPE_NAMES = {str: "", int: "int", list: "list", bool: "bool", type(None): "None"}


def _probe(name: str) -> Message | None:
    """A line that triggers ``name`` with every kwarg EVENT_KWARGS lists."""
    source = "nick!user@host"
    code = next((c for c, n in NUMERICS.items() if n == name), None)
    if code is not None:
        return Message(code, _SAMPLE, source=source)
    if name == "CHANNELMODE":
        return Message("MODE", ("#c", *_SAMPLE[1:]), source=source)
    if name == "USERMODE":
        return Message("MODE", ("n", *_SAMPLE[1:]), source=source)
    if name == "CTCP_ACTION":
        return Message("PRIVMSG", ("#c", "\x01ACTION waves\x01"), source=source)
    if name == CTCP_REPLY:
        return Message("NOTICE", ("n", "\x01VERSION x\x01"), source=source)
    if name.isalpha():
        return Message(name, _SAMPLE, source=source)
    return None


def kwarg_types(name: str) -> dict[str, str] | None:
    """kwarg -> its type as the docs show it ("" for str), from a real mapping.

    None when no sample line triggers ``name`` with all its documented
    kwargs (tests/test_docs.py checks that this never happens).
    """
    msg = _probe(name)
    if msg is None:
        return None
    event, kwargs = message_to_event(msg)
    added = TRACKING_KWARGS.get(name, ())
    if event != name or not set(EVENT_KWARGS.get(name, ())) - set(added) <= set(kwargs):
        return None
    types = {key: _TYPE_NAMES.get(type(value), type(value).__name__)
             for key, value in kwargs.items() if key != "tags"}
    # Added by the client when it tracks state (a list of channel names).
    types.update((key, "list") for key in added)
    return types


def _aliases() -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        by_name.setdefault(name, []).append(alias)
    return by_name


Cell = str | list[str]


def _list_table(header: tuple[str, ...], rows: Iterable[tuple[Cell, ...]],
                widths: str) -> Iterator[str]:
    """A ``list-table``; a cell given as a list holds one paragraph per item."""
    yield ".. list-table::"
    yield "   :header-rows: 1"
    yield f"   :widths: {widths}"
    yield ""
    for row in (header, *rows):
        for index, cell in enumerate(row):
            paragraphs = [cell] if isinstance(cell, str) else cell
            bullet = "   * - " if index == 0 else "     - "
            for number, paragraph in enumerate(paragraphs):
                if number:
                    yield ""
                yield (bullet if number == 0 else "       ") + paragraph


def _kwargs_cell(name: str, kwargs: Iterable[str]) -> Cell:
    types = kwarg_types(name) or {}
    shown = ", ".join(f"``{k}`` ({types[k]})" if types.get(k) else f"``{k}``"
                      for k in kwargs) or "(none)"
    note = NOTES.get(name)
    return [shown, note] if note else shown


def events_rst() -> list[str]:
    """The events reference, as reStructuredText lines."""
    numeric_names = set(NUMERICS.values())
    aliases = _aliases()
    lines: list[str] = []
    out = lines.append

    commands = [n for n in EVENT_KWARGS
                if n not in numeric_names and not n.startswith("CTCP")]
    out("Commands")
    out("--------")
    out("")
    out("Lines sent by users or servers.  Every one also carries ``tags``.")
    out("")
    lines.extend(_list_table(
        ("Event", "kwargs"),
        ((_literal(n), _kwargs_cell(n, EVENT_KWARGS[n])) for n in commands),
        "20 80"))
    out("")

    ctcp_kwargs = EVENT_KWARGS["CTCP_ACTION"]
    out("CTCP")
    out("----")
    out("")
    out("A PRIVMSG whose text starts with ``\\x01`` is a CTCP request; a NOTICE "
        "that does is a CTCP reply.  ``command`` is the CTCP command, upper-cased; "
        "``args`` the rest, exactly as sent; ``message`` keeps the framed text.  "
        "See :doc:`ircv3` for the automatic replies.")
    out("")
    lines.extend(_list_table(("Event", "kwargs", "When"), [
        ("``CTCP_<COMMAND>``", _names(ctcp_kwargs),
         "A CTCP request, e.g. ``CTCP_ACTION``, ``CTCP_VERSION``, ``CTCP_PING``.  "
         "Triggered instead of PRIVMSG."),
        (_literal(CTCP), _names(ctcp_kwargs),
         "Every CTCP request, right after its ``CTCP_<COMMAND>`` event."),
        ("``PRIVMSG``", _names(ctcp_kwargs),
         "Also triggered for ``CTCP_ACTION`` (``/me``), after ``CTCP``: an action "
         "is a message too."),
        (_literal(CTCP_REPLY), _names(ctcp_kwargs),
         "A CTCP reply (a framed NOTICE).  Triggered instead of NOTICE."),
    ], "20 40 40"))
    out("")

    numeric_kwargs = generic_kwargs(":irc.test 999 me :text")
    out("Numerics")
    out("--------")
    out("")
    out("Every numeric in ``bottom.events.NUMERICS``.  Register by name, by number "
        "or by alias: ``on(\"001\")``, ``on(\"rpl_welcome\")`` and "
        "``on(\"RPL_WELCOME\")`` are one event.  ``target`` is the first parameter "
        "(your own nick) and ``params`` all of them, ``target`` included; "
        f"numerics without named kwargs get {_names(numeric_kwargs)}.")
    out("")
    rows = []
    for numeric, name in sorted(NUMERICS.items()):
        kwargs = EVENT_KWARGS.get(name, numeric_kwargs)
        rows.append((_literal(name), numeric, _names(aliases.get(name, ())),
                     _kwargs_cell(name, kwargs)))
    lines.extend(_list_table(("Event", "Numeric", "Aliases", "kwargs"), rows, "28 8 20 44"))
    out("")

    command_generic = generic_kwargs(":nick!user@host FOO a :b")
    invalid = generic_kwargs(":nick!user@host CLIENT_READY :x")
    out("Everything else")
    out("---------------")
    out("")
    out("Nothing is dropped: every line triggers exactly one event (plus the CTCP "
        "extras above).")
    out("")
    lines.extend(_list_table(("Event", "kwargs", "When"), [
        ("the command, e.g. ``FOO``", _names(command_generic),
         "A command with no table entry (letters only).  The name is upper-cased."),
        ("the number, e.g. ``999``", _names(numeric_kwargs),
         "A three-digit numeric that ``NUMERICS`` does not name."),
        ("the command's usual event", _names(command_generic),
         "A known command that lacks a parameter its kwargs need: the generic "
         "kwargs, never a made-up value.  A numeric gets only ``target`` and "
         "``params`` then."),
        (_literal(INVALID_COMMAND), _names(invalid),
         "A command that is neither letters nor three digits (``CLIENT_READY``, "
         "``RPL_WELCOME``...): a server cannot fake a local or named event.  "
         "``command`` is as sent."),
    ], "20 40 40"))
    out("")

    out("Local events")
    out("------------")
    out("")
    out("Triggered by the client itself, never by a server line.")
    out("")
    lines.extend(_list_table(
        ("Event", "kwargs", "When"),
        ((_literal(n), _names(kw), when) for n, (kw, when) in LOCAL_EVENTS.items()),
        "26 24 50"))
    out("")
    return lines


def command_rows() -> list[tuple[str, list[str], list[str]]]:
    """``(COMMAND, [template...], [kwargs summary...])`` for every known command."""
    rows = []
    for command in known_commands():
        forms = patterns(command)
        summaries = []
        for form in forms:
            parts = []
            for name, options in _FIELD.findall(form):
                opts = set(options.split("|")) if options else set()
                shown = f"{name}="
                if "comma" in opts:
                    shown += " (list: comma)"
                elif "space" in opts:
                    shown += " (list: space)"
                elif "bool" in opts:
                    shown += " (bool)"
                parts.append(f"[{shown}]" if opts & {"opt", "bool"} else shown)
            summaries.append(", ".join(parts) or "(no kwargs)")
        rows.append((command, forms, summaries))
    return rows


def commands_rst() -> list[str]:
    """The commands reference, as reStructuredText lines."""
    lines: list[str] = []
    rows = []
    for command, forms, summaries in command_rows():
        rows.append((_literal(command), [f"``{form}``" for form in forms], summaries))
    lines.extend(_list_table(("send(...)", "Pattern(s), tried in this order", "kwargs"),
                             rows, "14 50 36"))
    lines.append("")
    return lines


def _directive(render: Any) -> Any:
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    class Generated(SphinxDirective):
        has_content = False

        def run(self) -> list[nodes.Node]:
            source = f"<generated by {render.__name__}>"
            content = StringList(render(), source=source)
            container = nodes.container()
            nested_parse_with_titles(self.state, content, container)
            return list(container.children)

    return Generated


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("bottom-events", _directive(events_rst))
    app.add_directive("bottom-commands", _directive(commands_rst))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
