"""One registered connection, as the command line drives it.

:class:`Session` wraps a :class:`bottom.Client` made with ``nick=``: the
client registers (CAP, PASS/NICK/USER, nick fallback) and says so with
``CLIENT_READY`` or ``CLIENT_REGISTRATION_FAILED``; the session adds what
a command line needs on top: awaiting a line that must come before an
error numeric (:meth:`Session.expect`), joining, delivering one message
with a PING fence, and a quit that flushes what was typed first.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..client import Client
from ..errors import ConnectionFailed, NotConnected
from ..message import Message
from .display import is_error, numeric_text

__all__ = ["DEFAULT_TIMEOUT", "Fatal", "Next", "Session", "unless_closed", "within"]

#: Seconds to connect, register, join or wait for an answer (``--timeout``).
DEFAULT_TIMEOUT = 30.0

_T = TypeVar("_T")
#: the rest of a raw middleware chain (see ``Client.raw_handlers``)
Next = Callable[[Message], Awaitable[None]]
# After the message was written, how long the PING/PONG fence may take
# before "no error numeric so far" is taken as delivered.
GRACE = 5.0


class Fatal(Exception):
    """A failure the command line reports on stderr, exiting 1."""


class _Expectation:
    """A line some coroutine waits for, unless an error line comes first."""

    __slots__ = ("matches", "fails", "future")

    def __init__(self, matches: Callable[[Message], bool], fails: Callable[[Message], bool],
                 future: asyncio.Future[Message]) -> None:
        self.matches = matches
        self.fails = fails
        self.future = future

    def check(self, msg: Message) -> None:
        if self.future.done():
            return
        if self.matches(msg):
            self.future.set_result(msg)
        elif self.fails(msg):
            self.future.set_exception(Fatal(numeric_text(msg) if msg.params else msg.command))


def _never(msg: Message) -> bool:
    return False


def _settle(future: asyncio.Future[Any], error: str) -> None:
    """Fail ``future`` with :class:`Fatal` (``error``) unless it is done."""
    if not future.done():
        future.set_exception(Fatal(error))


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Whoever stops waiting for ``future`` must not make asyncio log its error."""
    future.add_done_callback(lambda f: f.cancelled() or f.exception())


class Session:
    """A :class:`bottom.Client` (made with ``nick=``) and what the CLI tracks of it.

    Made inside a running loop; serves one connection.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        loop = asyncio.get_running_loop()
        #: what the session is doing, for a timeout's message
        self.stage = f"connecting to {self.where}"
        #: the disconnect reason, once the connection closed
        self.closed: asyncio.Future[str] = loop.create_future()
        #: done once registered (CLIENT_READY); a Fatal if that failed
        self.ready: asyncio.Future[None] = loop.create_future()
        _retrieved(self.ready)
        self._expectations: list[_Expectation] = []
        self._last_send: asyncio.Future[None] | None = None
        client.on("client_ready", self._ready)
        client.on("client_registration_failed", self._registration_failed)
        client.on("client_disconnect", self._disconnected)
        client.raw_handlers.append(self._observe)

    @property
    def where(self) -> str:
        host = self.client.host
        return f"[{host}]:{self.client.port}" if ":" in host else f"{host}:{self.client.port}"

    @property
    def nick(self) -> str:
        """Our nick now (fallbacks and NICK changes followed by the client)."""
        return self.client.nick or ""

    def same(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` are one nick or channel on this server."""
        return self.client.isupport.nick_equal(a, b)

    def is_me(self, nick: str | None) -> bool:
        return nick is not None and self.same(nick, self.nick)

    def _ready(self) -> None:
        if not self.ready.done():
            self.ready.set_result(None)

    def _registration_failed(self, reason: str) -> None:
        _settle(self.ready, f"registration with {self.where} failed: {reason}")

    def _disconnected(self, reason: str) -> None:
        if not self.closed.done():
            self.closed.set_result(reason)
        _settle(self.ready, f"registration with {self.where} failed: connection closed: "
                            f"{reason}")
        for expectation in list(self._expectations):
            _settle(expectation.future, f"connection closed: {reason}")

    async def _observe(self, next_handler: Next, msg: Message) -> None:
        for expectation in list(self._expectations):
            expectation.check(msg)
        await next_handler(msg)

    def expect(self, matches: Callable[[Message], bool],
               fails: Callable[[Message], bool] = _never) -> asyncio.Future[Message]:
        """A Future for the next line that ``matches``.

        It fails with :class:`Fatal` when a line that ``fails`` comes
        first, or when the connection closes.  Register it before sending
        what it answers.
        """
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        if self.closed.done():
            future.set_exception(Fatal(f"connection closed: {self.closed.result()}"))
        else:
            expectation = _Expectation(matches, fails, future)
            self._expectations.append(expectation)
            future.add_done_callback(lambda _: self._expectations.remove(expectation))
        _retrieved(future)
        return future

    def send(self, command: str, **kwargs: Any) -> None:
        """``client.send``, remembering the Future so :meth:`quit` can flush."""
        self._last_send = self.client.send(command, **kwargs)

    def send_raw(self, line: str) -> None:
        self._last_send = self.client.send_raw(line)

    async def start(self) -> None:
        """Connect and register; :class:`Fatal` says why either failed."""
        self.stage = f"connecting to {self.where}"
        try:
            await self.client.connect()
        except ConnectionFailed as exc:
            raise Fatal(str(exc)) from None
        self.stage = f"registering with {self.where}"
        await self.ready

    async def join(self, channel: str) -> None:
        """JOIN ``channel``; return once the server says we are in it."""
        self.stage = f"joining {channel}"
        joined = self.expect(
            lambda msg: msg.command.upper() == "JOIN" and self.is_me(msg.nick)
            and msg.params[:1] != () and self.same(msg.params[0], channel),
            is_error)
        try:
            self.send("join", channel=channel)
            await joined
        except (ValueError, NotConnected, Fatal) as exc:
            joined.cancel()
            raise Fatal(f"could not join {channel}: {exc}") from None

    async def deliver(self, target: str, text: str, *, notice: bool = False) -> None:
        """Send ``text`` to ``target``; return once the server accepted it.

        A PING after the message is the fence: the server answers lines in
        order, so an error numeric about the message (401, 404...) comes
        before the PONG.  Without a PONG within a grace period, no error
        so far counts as accepted.
        """
        self.stage = f"sending to {target}"
        token = f"bottom-{secrets.token_hex(4)}"
        fence = self.expect(lambda msg: msg.command.upper() == "PONG"
                            and msg.params[-1:] == (token,), is_error)
        try:
            self.send("notice" if notice else "privmsg", target=target, message=text)
            await self.client.send("ping", message=token)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(fence), GRACE)
        except (ValueError, NotConnected, Fatal) as exc:
            raise Fatal(f"message to {target} not delivered: {exc}") from None
        finally:
            fence.cancel()

    async def quit(self, message: str | None = None, *,
                   flush_timeout: float | None = GRACE) -> None:
        """Wait (up to ``flush_timeout``) until what was sent left flood
        control, then QUIT and close.  Never raises."""
        if not self.client.is_closing():
            if self._last_send is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._last_send), flush_timeout)
            with contextlib.suppress(ValueError, NotConnected):
                if message:
                    self.client.send("quit", message=message)
                else:
                    self.client.send("quit")
        await self.client.disconnect()


async def within(awaitable: Awaitable[_T], timeout: float, what: str | Session) -> _T:
    """``await`` with a timeout that becomes a :class:`Fatal` naming ``what``
    (for a session: what it was doing when time ran out)."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except asyncio.TimeoutError:
        doing = what.stage if isinstance(what, Session) else what
        raise Fatal(f"timed out after {timeout:g} s {doing}") from None


async def unless_closed(session: Session, awaitable: Awaitable[_T]) -> _T:
    """``awaitable``'s result, or :class:`Fatal` if the connection closes first."""
    task = asyncio.ensure_future(awaitable)
    try:
        waiting: set[asyncio.Future[Any]] = {task, session.closed}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        raise Fatal(f"connection closed: {session.closed.result()}")
    finally:
        task.cancel()
