"""Incoming lines: bytes already framed -> Message -> event -> handlers.

This is the hot path (``Connection.data_received`` -> :meth:`Incoming._on_line`
-> ``Message.parse`` -> :func:`~bottom.events.message_to_event` ->
``Dispatcher._dispatch``): plain calls, no Task per line.  The client acts
itself on a few lines only (PING, ERROR, and what the registration session
watches); everything else goes straight to the user's handlers.  A plain
PRIVMSG (most lines of a busy channel) takes a shortcut without a Message:
its head is looked up in :mod:`bottom.privmsg`' bounded cache and its
handlers are called from :meth:`Incoming._on_line` itself.
"""

from __future__ import annotations

import logging
from typing import Any

from .batch import BatchAssembler
from .clientbase import ClientBase
from .connection import TokenBucket
from .ctcp import auto_reply
from .dispatch import privmsg_dict, start_result
from .events import CTCP, message_to_event
from .message import Message, is_middle, parse_tags
from .middleware import MiddlewareChain
from .privmsg import privmsg_head, privmsg_head_cached
from .registration import CLIENT_READY, WATCHED_COMMANDS, Actions
from .tracking import Events, Lines, Tracker

TrackerOutput = tuple[Lines, Events]

__all__ = ["Incoming", "pong_line"]

log = logging.getLogger("bottom")

_OBSERVED = WATCHED_COMMANDS | {"PING"}
#: events whose kwargs gain ``channels`` (sorted names) when state is tracked
_GAIN_CHANNELS = frozenset({"QUIT", "NICK"})
_PRIVMSG = "PRIVMSG"
_parse = Message.parse
#: CTCP replies: a burst of 3, then one every 2 s, so a flood of queries
#: never makes the bot flood itself off.
_CTCP_BURST, _CTCP_RATE = 3, 0.5
_MAX_CTCP_REPLY_BYTES = 400


class Incoming(ClientBase):
    """What happens to each line the server sends."""

    __slots__ = ()

    def _on_line(self, line: str) -> None:
        """Called for every line: parse, run middleware, trigger the event.

        Nothing raised for one line may reach the transport (asyncio would
        close the connection): a line that breaks anything is logged and
        skipped.

        Most lines of a busy channel are plain PRIVMSGs; they need no
        Message (no middleware sees it) and no watching by the session,
        and when every PRIVMSG handler takes ``**kwargs`` (the way the
        seed programs write them) they are called right here: each Python
        call on the way costs as much as a split of the line.  The split
        is :func:`~bottom.privmsg.privmsg_parts`, inline; a test holds the
        two together.  What happens to the line is what
        :meth:`~bottom.dispatch.Dispatcher._dispatch_privmsg` does.
        """
        try:
            if self.raw_handlers:
                self._run_middleware(line)
                return
            # (The decoder gives no empty line; "" would go the general way.)
            if line and line[0] != "@":
                tag_text = ""
                head, colon, text = line.partition(" :")
            else:
                tag_text, _, rest = line.partition(" ")
                head, colon, text = rest.partition(" :")
                if "batch" in tag_text or "label" in tag_text:
                    colon = ""  # a batch's or a request's line: its Message is needed
            if colon and (not text or text[0] != "\x01"):
                who = privmsg_head_cached(head) or privmsg_head(head)
                if who is not None:
                    funcs = self._privmsg_funcs
                    if funcs is None or self._waiters or self._tap is not None:
                        self._dispatch_privmsg(tag_text, who, text)
                        return
                    tags = parse_tags(tag_text[1:]) if tag_text else {}
                    nick, user, host, target = who
                    for func in funcs:
                        try:
                            result = func(tags=tags, nick=nick, user=user, host=host,
                                          target=target, message=text)
                        except Exception:
                            log.exception("error in %s handler %r", _PRIVMSG, func)
                            continue
                        if result is not None:
                            start_result(result, func)
                    if self._waiters or self._tap is not None:  # a handler began waiting
                        self._after_handlers(_PRIVMSG, privmsg_dict(tags, who, text), None)
                    return
            self._handle_message(_parse(line))
        except ValueError as exc:
            log.warning("skipped a line the server sent that is not IRC: %s", exc)
        except Exception:
            log.exception("skipped a line that could not be handled: %r", line)

    def _run_middleware(self, line: str) -> None:
        """_on_line with raw handlers: they see every line's Message first."""
        chain = self._middleware
        if chain is None:
            chain = self._middleware = MiddlewareChain(self.raw_handlers, self._handle_message)
        chain.handlers = self.raw_handlers  # the user may have replaced the list
        chain.run(_parse(line))

    def _handle_message(self, msg: Message) -> None:
        """One parsed line (after middleware): act on it, then its event.

        With state tracking the state takes the line first, so its
        handlers see the state that line made.
        """
        actions = self._observe(msg) if msg.command in _OBSERVED else None
        tracker = self._tracker
        tracked = None if tracker is None else _track(tracker, msg)
        name, kwargs = message_to_event(msg)
        if tracked is not None and tracked[0] is not None and name in _GAIN_CHANNELS:
            kwargs["channels"] = tracked[0]
        if actions:
            self._act(actions)
        if self._sts is not None and msg.command == "CAP":
            self._check_sts()
        batches = self._batches
        if name == "BATCH" or (batches is not None and batches.active):
            self._on_batch_line(msg, name, kwargs)
        self._dispatch(name, kwargs)
        requests = self._requests
        if requests is not None and requests.correlator.active:
            requests.feed(msg)
        if name is not _PRIVMSG and name.startswith("CTCP_") and name != "CTCP_REPLY":
            self._on_ctcp(name, kwargs)
        if tracked is not None:
            self._tracked(tracked[1])
        if actions is not None and actions.ready:
            self._dispatch(CLIENT_READY, {"host": self.host, "port": self.port,
                                          "nick": self._session.nick})
            if tracker is not None:
                self._send_internal([str(line) for line in tracker.ready()])

    def _tracked(self, output: TrackerOutput) -> None:
        """Send what the tracker asked for (WHO), fire its events."""
        lines, events = output
        if lines:
            self._send_internal([str(line) for line in lines])
        for name, kwargs in events:
            self._dispatch(name, kwargs)

    def _on_batch_line(self, msg: Message, name: str, kwargs: dict[str, Any]) -> None:
        """Feed the batch assembler; the ending BATCH line gets the batch."""
        if self._batches is None:
            self._batches = BatchAssembler()
        ended = self._batches.feed(msg)
        if ended is not None and name == "BATCH":
            kwargs.update(type=ended.type, params=list(ended.params),
                          messages=list(ended.messages))

    def _observe(self, msg: Message) -> Actions | None:
        """The few lines the client acts on itself."""
        command = msg.command
        if command == "PING":
            conn = self._conn
            if self.auto_pong and conn is not None and not conn.is_closing():
                conn.write([pong_line(msg.params)], urgent=True)
            return None
        if command == "ERROR":
            self._server_error = msg.params[-1] if msg.params else ""
        elif command == "001" and self._register_timer is not None:
            self._register_timer.cancel()
            self._register_timer = None
        return self._session.feed(msg)

    def _on_ctcp(self, name: str, kwargs: dict[str, Any]) -> None:
        """The events a CTCP request adds, and the automatic reply."""
        self._dispatch(CTCP, kwargs)
        if name == "CTCP_ACTION":
            # An action is also a message: loggers and relays see it as one.
            self._dispatch(_PRIVMSG, kwargs)
        nick = kwargs.get("nick")
        if not self.ctcp_replies or not nick or self.is_closing():
            return
        reply = auto_reply(kwargs["command"], kwargs["args"], version=self.ctcp_version)
        if reply is None or len(reply.encode(self.encoding, "replace")) > _MAX_CTCP_REPLY_BYTES:
            return
        if self._ctcp_bucket is None:  # made on first use: most clients never need it
            self._ctcp_bucket = TokenBucket(burst=_CTCP_BURST, rate=_CTCP_RATE)
        if self._ctcp_bucket.take():
            log.debug("CTCP %s from %s not answered: reply rate limit", kwargs["command"], nick)
            return
        try:
            self.send("notice", target=nick, message=reply)
        except ValueError:
            pass  # a nick we cannot address (a hostile source): no reply


def _track(tracker: Tracker, msg: Message) -> tuple[list[str] | None, TrackerOutput]:
    """Feed the state; the channels a QUIT or NICK source was in, before it."""
    channels = None
    if msg.command in _GAIN_CHANNELS and msg.source:
        user = tracker.state.users.get(msg.nick or "")
        channels = sorted(user.channels) if user is not None else []
    return channels, tracker.apply(msg)


def pong_line(params: tuple[str, ...]) -> str:
    """PONG echoing a PING's parameters, minus bytes that cannot be sent
    (a CR left by a ``\\r\\r\\n`` ending, a NUL from a hostile server)."""
    clean = [param.translate(_UNSENDABLE) for param in params] or [""]
    middles = [p for p in clean[:-1] if is_middle(p)]
    return " ".join(["PONG", *middles, ":" + clean[-1]])


_UNSENDABLE = str.maketrans("", "", "\r\n\0")
