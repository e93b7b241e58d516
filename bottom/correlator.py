"""Which server lines answer which request.  Pure: no I/O, no asyncio.

Two ways to tell, tried in this order:

* **labels** (IRCv3 ``labeled-response``): the request carries a ``label``
  tag and its answer is exactly the lines with that label: one line, an
  ``ACK``, or a labeled ``BATCH`` (nested batches included);
* **a table** of reply, end and error numerics per command (below):
  lines whose numeric a waiting request watches are matched in send order,
  checking the nick or channel asked about where the line carries it.

A line whose command no request watches costs one dict lookup, so a
busy channel pays nothing for requests in flight.  Requests of one
:attr:`Pending.family` must be sent one after the other when no label is
used (the caller's job): two WHOIS at once cannot be told apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .errors import CommandError
from .message import Message, split_source
from .numerics import NUMERICS

__all__ = ["Correlator", "Pending", "Spec", "SPECS", "spec_for", "error_of"]

_Fold = Callable[[str], str]


class Spec(NamedTuple):
    """How one command's answer looks.

    ``replies``/``ends``/``errors``: the commands or numerics that are part
    of the answer, end it, or end it with an error.  ``keyed``: code ->
    index of the parameter that must equal the asked key (``key_from``
    indexes the request's own parameters).  ``own``: commands that only
    count when we sent them (a JOIN echo).  ``error_waits_end``: an error
    is followed by the end numeric (WHOIS: 401 then 318), so wait for it.
    ``batch``: the answer is one IRCv3 batch of this type (``chathistory``):
    its ``BATCH +ref type`` line starts it, every line inside it belongs to
    it and its ``BATCH -ref`` ends it.
    """

    family: str
    replies: frozenset[str]
    ends: frozenset[str]
    errors: frozenset[str]
    keyed: dict[str, int]
    key_from: int | None
    own: frozenset[str] = frozenset()
    error_waits_end: bool = False
    batch: str = ""


def _spec(family: str, replies: str = "", ends: str = "", errors: str = "", *,
          keyed: str = "", key_from: int | None = 0, at: dict[str, int] | None = None,
          own: str = "", error_waits_end: bool = False, batch: str = "") -> Spec:
    """``keyed`` codes carry the key in params[1]; ``at`` overrides the index."""
    where = dict.fromkeys(keyed.split(), 1)
    where.update(at or {})
    return Spec(family, frozenset(replies.split()), frozenset(ends.split()),
                frozenset([*errors.split(), "421", "461"]), where,
                key_from if where else None, frozenset(own.split()), error_waits_end, batch)


_CHANNEL_ERRORS = "403 405 437 471 473 474 475 476 477"
#: Command -> answer shape, for every command with a recognisable answer.
SPECS: dict[str, Spec] = {
    "WHOIS": _spec("WHOIS", "276 301 307 310 311 312 313 317 319 320 330 335 338 378 379 671",
                   "318", "401 402 431",
                   keyed="276 301 307 310 311 312 313 317 319 320 330 335 338 378 379 671 318 401",
                   key_from=-1, error_waits_end=True),
    "WHOWAS": _spec("WHOWAS", "314 312 330 338", "369", "406 431", keyed="314 369 406",
                    error_waits_end=True),
    "WHO": _spec("WHO", "352 354", "315", keyed="315"),
    "NAMES": _spec("NAMES", "353", "366", keyed="366", at={"353": -2}),
    "LIST": _spec("LIST", "321 322", "323", "263"),
    "TOPIC?": _spec("TOPIC", "332", "331 333", "403 442", keyed="332 331 333 403 442"),
    "TOPIC": _spec("TOPIC", "", "TOPIC", "403 442 477 482", keyed="403 442 477 482",
                   at={"TOPIC": 0}, own="TOPIC"),
    "JOIN": _spec("JOIN", "JOIN 332 333 353 324 329", "366", _CHANNEL_ERRORS,
                  keyed=f"332 333 366 {_CHANNEL_ERRORS}", at={"JOIN": 0, "353": -2}, own="JOIN"),
    "PART": _spec("PART", "", "PART", "403 442", keyed="403 442", at={"PART": 0}, own="PART"),
    "NICK": _spec("NICK", "", "NICK", "431 432 433 436 437 484", keyed="432 433 436 437",
                  at={"NICK": 0}),
    "PING": _spec("PING", "", "PONG", "409", at={"PONG": -1}, key_from=-1),
    "AWAY": _spec("AWAY", "", "305 306"),
    "ISON": _spec("ISON", "", "303"),
    "USERHOST": _spec("USERHOST", "", "302"),
    "MOTD": _spec("MOTD", "375 372", "376", "422 402"),
    "LUSERS": _spec("LUSERS", "251 252 253 254 255 265", "266", "402"),
    "VERSION": _spec("VERSION", "", "351", "402"),
    "TIME": _spec("TIME", "", "391", "402"),
    "ADMIN": _spec("ADMIN", "256 257 258", "259", "402 423"),
    "INFO": _spec("INFO", "371 373", "374", "402"),
    "LINKS": _spec("LINKS", "364", "365", "402"),
    "INVITE": _spec("INVITE", "", "341", "401 403 442 443 482", keyed="341 401 443"),
    "MODE?channel": _spec("MODE", "", "324", "403 442", keyed="324 403 442"),
    "MODE?user": _spec("MODE", "", "221", "502"),
    "MODE?b": _spec("MODE", "367", "368", "403 442 472 482", keyed="367 368 403 442 482"),
    "MODE?e": _spec("MODE", "348", "349", "403 442 472 482", keyed="348 349 403 442 482"),
    "MODE?I": _spec("MODE", "346", "347", "403 442 472 482", keyed="346 347 403 442 482"),
    "MONITOR?L": _spec("MONITOR", "732", "733"),
    # draft/chathistory: "CHATHISTORY LATEST #c * 50" -> BATCH +r chathistory #c ... BATCH -r
    "CHATHISTORY": _spec("CHATHISTORY", "BATCH", "", "401 403", keyed="401 403",
                         at={"BATCH": 2}, key_from=1, batch="chathistory"),
    "CHATHISTORY?TARGETS": _spec("CHATHISTORY", "BATCH", batch="draft/chathistory-targets"),
}
_CHANNEL_START = "#&!+"


def spec_for(msg: Message, chantypes: str = _CHANNEL_START) -> Spec | None:
    """The answer shape of an outgoing request, or None when its answer
    cannot be recognised without a label (``PRIVMSG``, ``MODE +o``...)."""
    command = msg.command.upper()
    params = msg.params
    if command == "TOPIC":
        return SPECS["TOPIC?" if len(params) == 1 else "TOPIC"]
    if command == "MODE" and params:
        if params[0][:1] not in chantypes:
            return SPECS["MODE?user"] if len(params) == 1 else None
        if len(params) == 1:
            return SPECS["MODE?channel"]
        if len(params) == 2:
            return SPECS.get("MODE?" + params[1].lstrip("+"))
        return None
    if command == "MONITOR":
        return SPECS["MONITOR?L"] if params[:1] in (("L",), ("l",)) else None
    if command == "CHATHISTORY" and params[:1] and params[0].upper() == "TARGETS":
        return SPECS["CHATHISTORY?TARGETS"]
    return SPECS.get(command)


def error_of(msg: Message, command: str = "") -> CommandError:
    """The :class:`CommandError` an error line stands for."""
    params = msg.params
    text = params[-1] if params else ""
    if msg.command.upper() == "FAIL":
        name = params[1] if len(params) > 1 else "FAIL"
        return CommandError("FAIL", name, params, text, command=command)
    return CommandError(msg.command, NUMERICS.get(msg.command, msg.command), params, text,
                        command=command)


def _is_error_line(msg: Message) -> bool:
    """For labeled answers: ``FAIL`` and the ERR_ range 400-599."""
    command = msg.command
    return command.upper() == "FAIL" or (
        len(command) == 3 and command.isdigit() and "400" <= command < "600")


class Pending:
    """One request in flight: what it asked and what answered so far."""

    __slots__ = ("command", "spec", "key", "label", "messages", "error", "finished",
                 "batch", "expired")

    def __init__(self, command: str, spec: Spec | None, key: str | None,
                 label: str | None) -> None:
        self.command = command
        self.spec = spec
        self.key = key  # folded
        self.label = label
        self.messages: list[Message] = []
        self.error: CommandError | None = None
        self.finished = False
        self.batch: str | None = None  # the labeled batch that carries the answer
        self.expired = False  # timed out: its late lines are swallowed and dropped

    @property
    def family(self) -> str:
        """Requests of one family must not be in flight together without labels."""
        return self.spec.family if self.spec is not None else self.command

    def __repr__(self) -> str:
        return f"<Pending {self.command} {self.key or ''} label={self.label}>"


class Correlator:
    """Hands each server line to the request it answers.

    :meth:`start` registers a request (before its line is sent);
    :meth:`feed` takes every server line and returns the requests it
    finished.  ``fold`` compares nicks and channels as the server does;
    ``me`` gives our current nick (for echoes such as our own JOIN).
    Bounded by the caller: one Pending per request, removed when it
    finishes, is cancelled, or at :meth:`clear`.
    """

    __slots__ = ("fold", "me", "_watch", "_labels", "_batches")

    def __init__(self, fold: _Fold = str.lower,
                 me: Callable[[], str | None] = lambda: None) -> None:
        self.fold = fold
        self.me = me
        self._watch: dict[str, list[Pending]] = {}  # code -> unlabeled pendings, send order
        self._labels: dict[str, Pending] = {}
        self._batches: dict[str, Pending] = {}  # batch reference -> labeled pending

    @property
    def active(self) -> bool:
        """True while any request waits; callers skip :meth:`feed` otherwise."""
        return bool(self._watch or self._labels or self._batches)

    @property
    def labeled(self) -> bool:
        """True while a labeled request waits: lines need a tag lookup."""
        return bool(self._labels or self._batches)

    def start(self, msg: Message, label: str | None = None,
              chantypes: str = _CHANNEL_START) -> Pending:
        """Register the request ``msg`` (its outgoing line).

        :raises ValueError: when there is no label and no table entry for
            its command: its answer could not be recognised.
        """
        spec = spec_for(msg, chantypes)
        if spec is None and label is None:
            raise ValueError(
                f"{msg.command} has no answer bottom can recognise without the "
                "labeled-response capability; use send() and wait() for it")
        key = None
        if spec is not None and spec.key_from is not None and msg.params:
            try:
                key = self.fold(msg.params[spec.key_from])
            except IndexError:
                key = None
            if key is not None and "," in key:
                key = None  # several targets: the first answer ends it, whoever it names
        pending = Pending(msg.command.upper(), spec, key, label)
        if label is not None:
            self._labels[label] = pending
            return pending
        assert spec is not None
        for code in (*spec.replies, *spec.ends, *spec.errors, "FAIL"):
            self._watch.setdefault(code, []).append(pending)
        return pending

    def discard(self, pending: Pending) -> None:
        """Forget ``pending`` (finished, cancelled or its late answer done)."""
        if pending.batch is not None or pending.label is not None:
            for ref in [r for r, p in self._batches.items() if p is pending]:
                del self._batches[ref]
        if pending.label is not None:
            self._labels.pop(pending.label, None)
            return
        spec = pending.spec
        assert spec is not None
        for code in (*spec.replies, *spec.ends, *spec.errors, "FAIL"):
            waiting = self._watch.get(code)
            if waiting is not None and pending in waiting:
                waiting.remove(pending)
                if not waiting:
                    del self._watch[code]

    def clear(self) -> list[Pending]:
        """Forget every request (disconnect); return those still unfinished."""
        seen: dict[int, Pending] = {}
        for waiting in self._watch.values():
            for pending in waiting:
                seen[id(pending)] = pending
        for pending in (*self._labels.values(), *self._batches.values()):
            seen[id(pending)] = pending
        self._watch.clear()
        self._labels.clear()
        self._batches.clear()
        return [p for p in seen.values() if not p.finished]

    def feed(self, msg: Message) -> Pending | None:
        """Give one server line; return the request it finished, if any.

        The line is added to the ``messages`` of the request it answers;
        an error line sets ``error``.  Lines that answer nothing return None.
        """
        if self._labels or self._batches:
            found = self._feed_labeled(msg)
            if found is not None:
                return found if found.finished else None
        waiting = self._watch.get(msg.command)
        if waiting is None:
            return None
        for pending in waiting:
            if self._matches(pending, msg):
                return self._take(pending, msg)
        return None

    # -- labeled ------------------------------------------------------------------

    def _feed_labeled(self, msg: Message) -> Pending | None:
        tags = msg.tags
        label = tags.get("label") if tags else None
        pending = self._labels.get(label) if label is not None else None
        if pending is None:
            ref = tags.get("batch") if tags else None
            if ref is None and msg.command == "BATCH" and msg.params:
                ref = msg.params[0][1:]  # a batch's end line is not inside it
            pending = self._batches.get(ref) if ref is not None else None
            if pending is None:
                return None
        pending.messages.append(msg)
        command = msg.command.upper()
        params = msg.params
        if command == "BATCH" and params and len(params[0]) > 1:
            ref = params[0][1:]
            if params[0][0] == "+":
                self._batches[ref] = pending
                if label is not None:
                    pending.batch = ref
                return pending
            if params[0][0] == "-":
                self._batches.pop(ref, None)
                if ref == pending.batch:
                    self._finish(pending)
                return pending
        if _is_error_line(msg) and pending.error is None:
            pending.error = error_of(msg, pending.command)
        if label is not None and pending.batch is None:
            self._finish(pending)  # one labeled line (or ACK) is the whole answer
        return pending

    def _finish(self, pending: Pending) -> None:
        pending.finished = True
        self.discard(pending)

    # -- table --------------------------------------------------------------------

    def _matches(self, pending: Pending, msg: Message) -> bool:
        command = msg.command
        params = msg.params
        if command == "FAIL":
            return bool(params) and params[0].upper() == pending.command
        if command in ("421", "461"):
            return len(params) > 1 and params[1].upper() == pending.command
        spec = pending.spec
        assert spec is not None
        if command == "BATCH":  # only the start of a batch of the awaited type
            if pending.batch is not None or len(params) < 2 or params[1] != spec.batch:
                return False
            if params[0][:1] != "+" or len(params[0]) < 2:
                return False
            if len(params) <= spec.keyed.get("BATCH", 2):
                return True  # a batch that names no target: the only one we await
        if command in spec.own:
            nick = split_source(msg.source)[0]
            me = self.me()
            if nick is None or me is None or self.fold(nick) != self.fold(me):
                return False
        index = spec.keyed.get(command)
        if index is None or pending.key is None:
            return True
        try:
            return self.fold(params[index]) == pending.key
        except IndexError:
            return False

    def _take(self, pending: Pending, msg: Message) -> Pending | None:
        pending.messages.append(msg)
        spec = pending.spec
        assert spec is not None
        command = msg.command
        if command == "BATCH":  # lines inside it arrive through _batches, its end too
            pending.batch = msg.params[0][1:]
            self._batches[pending.batch] = pending
            return None
        if command in spec.ends:
            self._finish(pending)
            return pending
        if command == "FAIL" or command in spec.errors:
            if pending.error is None:
                pending.error = error_of(msg, pending.command)
            if not (spec.error_waits_end and command not in ("FAIL", "421", "461")):
                self._finish(pending)
                return pending
        return None
