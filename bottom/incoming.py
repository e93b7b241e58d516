"""Incoming lines: bytes already framed -> Message -> event -> handlers.

This is the hot path (``Connection.data_received`` -> :meth:`Incoming._on_line`
-> ``Message.parse`` -> :func:`~bottom.events.message_to_event` ->
``Dispatcher._dispatch``): plain calls, no Task per line.  The client acts
itself on a few lines only (PING, ERROR, and what the registration session
watches); everything else goes straight to the user's handlers.
"""

from __future__ import annotations

import logging
from typing import Any

from .clientbase import ClientBase
from .connection import TokenBucket
from .ctcp import auto_reply
from .events import CTCP, message_to_event, privmsg_event
from .message import Message
from .middleware import MiddlewareChain
from .registration import CLIENT_READY, WATCHED_COMMANDS, Actions

__all__ = ["Incoming", "pong_line"]

log = logging.getLogger("bottom")

_OBSERVED = WATCHED_COMMANDS | {"PING"}
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
        """
        try:
            if not self.raw_handlers:
                # Most lines of a busy channel are plain PRIVMSGs; they need
                # no Message (no middleware sees it) and no watching by the
                # session.
                kwargs = privmsg_event(line)
                if kwargs is not None:
                    self._dispatch(_PRIVMSG, kwargs, True)
                else:
                    self._handle_message(_parse(line))
            else:
                chain = self._middleware
                if chain is None:
                    chain = self._middleware = MiddlewareChain(
                        self.raw_handlers, self._handle_message)
                chain.handlers = self.raw_handlers  # the user may have replaced the list
                chain.run(_parse(line))
        except ValueError as exc:
            log.warning("skipped a line the server sent that is not IRC: %s", exc)
        except Exception:
            log.exception("skipped a line that could not be handled: %r", line)

    def _handle_message(self, msg: Message) -> None:
        """One parsed line (after middleware): act on it, then its event."""
        actions = self._observe(msg) if msg.command in _OBSERVED else None
        name, kwargs = message_to_event(msg)
        if actions:
            self._act(actions)
        self._dispatch(name, kwargs)
        if name is not _PRIVMSG and name.startswith("CTCP_") and name != "CTCP_REPLY":
            self._on_ctcp(name, kwargs)
        if actions is not None and actions.ready:
            self._dispatch(CLIENT_READY, {"host": self.host, "port": self.port,
                                          "nick": self._session.nick})

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


def pong_line(params: tuple[str, ...]) -> str:
    """PONG echoing a PING's parameters, minus bytes that cannot be sent
    (a CR left by a ``\\r\\r\\n`` ending, a NUL from a hostile server)."""
    clean = [param.translate(_UNSENDABLE) for param in params] or [""]
    middles = [p for p in clean[:-1] if p and " " not in p and p[0] != ":"]
    return " ".join(["PONG", *middles, ":" + clean[-1]])


_UNSENDABLE = str.maketrans("", "", "\r\n\0")
