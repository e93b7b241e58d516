"""Session state (own nick, caps, ISUPPORT) and opt-in connection registration.

:class:`Session` watches the few server lines that change what the client
knows about itself: 001, 005, NICK echoes, CAP replies, the end of the
MOTD.  Given a ``nick`` it also registers on every connect, the way
servers expect a modern client to::

    CAP LS 302, PASS, NICK, USER      sent at once: a server without CAP
                                      (or one that ignores CAP before
                                      registering) simply registers
    CAP REQ <wanted caps it offers>   never an unknown cap: REQ is atomic
    AUTHENTICATE ...                  if sasl= was given
    CAP END                           once every request has an answer

It is sans-I/O, like the codec: :meth:`Session.start` and
:meth:`Session.feed` take what happened and return :class:`Actions` (lines
to send, whether the session just became ready, a failure to report), so
it is tested without a socket or an event loop and the client stays the
only place that acts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from .cap import CapNegotiation
from .isupport import ISupport
from .message import Message, is_middle, split_source
from .sasl import ChallengeReader, Mechanism, MechanismChoice, SaslError, encode_response

__all__ = ["Actions", "Session", "WATCHED_COMMANDS", "CLIENT_READY",
           "CLIENT_REGISTRATION_FAILED"]

CLIENT_READY = "CLIENT_READY"
CLIENT_REGISTRATION_FAILED = "CLIENT_REGISTRATION_FAILED"

_NICK_ERRORS = frozenset({"432", "433", "436", "437"})
_SASL_FAILURES = {"902": "nick is locked", "904": "authentication failed",
                  "905": "message too long", "906": "aborted", "908": "mechanism not offered"}
#: Commands the client hands to :meth:`Session.observe`; all others skip it.
WATCHED_COMMANDS = frozenset({
    "001", "005", "376", "422", "396", "NICK", "JOIN", "CAP", "AUTHENTICATE", "ERROR",
    "464", "465", "903", "907", *_NICK_ERRORS, *_SASL_FAILURES,
})
# Servers show us as ":nick!user@host" when relaying; these many bytes are
# kept free for that until we have seen our own user and host.
_DEFAULT_NICKLEN, _DEFAULT_USERLEN, _DEFAULT_HOSTLEN = 30, 10, 63


@functools.lru_cache(maxsize=32)
def _wanted_caps(caps: tuple[str, ...], sasl: bool) -> frozenset[str]:
    """One shared set per distinct ``caps=``: thousands of clients of a bridge
    usually ask for the same ones."""
    return frozenset(caps) | ({"sasl"} if sasl else frozenset())


class Actions:
    """What the client must do after a line: send ``lines`` (in order),
    trigger ``CLIENT_READY`` when ``ready``, and, when ``failure`` is set,
    report ``(reason, permanent)`` as a failed registration and close."""

    __slots__ = ("lines", "ready", "failure")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ready = False
        self.failure: tuple[str, bool] | None = None

    def __bool__(self) -> bool:
        return bool(self.lines) or self.ready or self.failure is not None

    def __repr__(self) -> str:
        return f"Actions(lines={self.lines!r}, ready={self.ready}, failure={self.failure!r})"


#: The shared empty result; callers only read Actions, never change them.
_NOTHING = Actions()


class Session:
    """What one client knows about its own session, plus registration.

    ``nick`` is the current nick (the one asked for until 001 says
    otherwise); ``caps`` the enabled capabilities; ``isupport`` the 005
    tokens.  All are reset by :meth:`start` on every connection.
    """

    __slots__ = ("_actions", "wanted_nick", "username", "realname",
                 "_password", "sasl", "alt_nicks", "_wanted_caps", "nick", "isupport", "cap",
                 "registered", "ready", "_user_bytes", "_host_bytes", "_failed", "_negotiating",
                 "_sasl_state", "_challenge", "_nick_attempts")

    def __init__(self, *, nick: str | None = None, username: str | None = None,
                 realname: str | None = None, password: str | None = None,
                 sasl: Mechanism | None = None, caps: Iterable[str] = (),
                 alt_nicks: Iterable[str] = ()) -> None:
        # Collects what one start()/feed()/fail() call asks the client to do;
        # made when there is something (most lines ask nothing).
        self._actions: Actions | None = None
        self.wanted_nick = nick
        self.username = username or nick
        self.realname = realname or nick
        self._password = password
        self.sasl = sasl
        self.alt_nicks = tuple(alt_nicks)
        self._wanted_caps = _wanted_caps(tuple(caps), sasl is not None)
        self.nick: str | None = nick
        #: one per session, cleared by start() (a client's State folds by it too)
        self.isupport = ISupport()
        self.cap = CapNegotiation(self._wanted_caps)
        self.registered = False
        self.ready = False
        # The UTF-8 lengths of our own username and host once the server
        # showed them (0 before): all prefix_reserve needs, and small ints
        # cost nothing where the strings would cost a client 100 bytes.
        self._user_bytes = 0
        self._host_bytes = 0
        self._failed = False
        self._negotiating = False
        self._sasl_state = "idle"  # idle, running, done
        self._challenge: ChallengeReader | None = None  # made by the first AUTHENTICATE
        self._nick_attempts = 0

    @property
    def registering(self) -> bool:
        """True when this session registers by itself (``nick=`` given)."""
        return self.wanted_nick is not None

    @property
    def caps(self) -> frozenset[str]:
        return self.cap.enabled

    def prefix_reserve(self) -> int:
        """Bytes a server's ``:nick!user@host `` takes in front of our lines:
        exact once we have seen our own mask, generous before."""
        if self.nick and self._user_bytes and self._host_bytes:
            return len(self.nick.encode()) + self._user_bytes + self._host_bytes + 4
        nicklen = self.isupport.nicklen if "NICKLEN" in self.isupport else _DEFAULT_NICKLEN
        return max(nicklen, len(self.nick or "")) + _DEFAULT_USERLEN + _DEFAULT_HOSTLEN + 4

    # -- per connection -------------------------------------------------------

    def start(self) -> Actions:
        """A new connection: forget the old session; register if asked to."""
        self._actions = None
        self.nick = self.wanted_nick
        self.isupport.clear()  # in place: the client's State holds it too
        self.cap = CapNegotiation(self._wanted_caps)
        self.registered = self.ready = self._failed = False
        self._user_bytes = self._host_bytes = 0
        self._sasl_state = "idle"
        self._challenge = None
        self._nick_attempts = 0
        if self.wanted_nick is None:
            self._negotiating = False
            return self._take()
        self._negotiating = True
        lines = ["CAP LS 302"]
        password = self._password
        if password is not None:
            # The trailing form carries any password, spaces and a leading
            # ':' included; the plain form is what servers see most.
            lines.append(f"PASS {password}" if is_middle(password) else f"PASS :{password}")
        lines.append(f"NICK {self.wanted_nick}")
        lines.append(f"USER {self.username} 0 * :{self.realname}")
        self._send(lines)
        return self._take()

    def feed(self, msg: Message) -> Actions:
        """Update the session from one server line; what the client must do now."""
        handler = _HANDLERS.get(msg.command)
        if handler is not None and handler(self, msg):
            self._pending_actions().ready = True
        return self._take()

    def fail(self, reason: str, permanent: bool = False) -> Actions:
        """Registration failed from outside (a timeout, a lost connection):
        the failure to report, once; empty if registration already ended."""
        if self.registering and not self.registered:
            self.failed(reason, permanent)
        return self._take()

    def failed(self, reason: str, permanent: bool = False) -> None:
        """Registration failed; ``permanent`` when trying again cannot help
        (bad credentials, a ban), so an automatic reconnect should not."""
        if not self._failed:
            self._failed = True
            self._pending_actions().failure = (reason, permanent)

    def _own_mask(self, user: str, host: str) -> None:
        self._user_bytes, self._host_bytes = len(user.encode()), len(host.encode())

    def _pending_actions(self) -> Actions:
        actions = self._actions
        if actions is None:
            actions = self._actions = Actions()
        return actions

    def _send(self, lines: list[str]) -> None:
        self._pending_actions().lines.extend(lines)

    def _take(self) -> Actions:
        actions = self._actions
        if actions is None:
            return _NOTHING  # most lines change nothing: no allocation
        self._actions = None
        return actions if actions else _NOTHING

    # -- handlers ---------------------------------------------------------------

    def _on_welcome(self, msg: Message) -> None:
        self.registered = True
        if msg.params:
            self.nick = msg.params[0]
        # "Welcome to the network nick!user@host": learn our own mask early.
        last_word = msg.params[-1].rsplit(" ", 1)[-1] if msg.params else ""
        nick, user, host = split_source(last_word)
        if user and host and nick == self.nick:
            self._own_mask(user, host)
        if self.registering and self.sasl is not None and self._sasl_state != "done":
            self.failed("SASL was required but the server registered us without it "
                        "(it does not offer the sasl capability)", permanent=True)
        self._negotiating = False

    def _on_isupport(self, msg: Message) -> None:
        self.isupport.update(msg.params[1:-1])

    def _on_end_of_motd(self, msg: Message) -> bool:
        if self.registered and not self.ready:
            self.ready = True
            self._share_cap()
            return True
        return False

    def _share_cap(self) -> None:
        """Once registered and settled, hold the negotiation other clients of
        the same server hold (it is copied again before the next change)."""
        if self.registered and not self._negotiating:
            self.cap = self.cap.shared()

    def _on_host_hidden(self, msg: Message) -> None:
        if len(msg.params) > 1:
            self._host_bytes = len(msg.params[1].encode())

    def _is_me(self, msg: Message) -> tuple[bool, str | None, str | None]:
        nick, user, host = split_source(msg.source)
        mine = bool(nick and self.nick and self.isupport.nick_equal(nick, self.nick))
        return mine, user, host

    def _on_nick(self, msg: Message) -> None:
        mine, user, host = self._is_me(msg)
        if mine and msg.params:
            self.nick = msg.params[0]
            if user and host:
                self._own_mask(user, host)

    def _on_join(self, msg: Message) -> None:
        mine, user, host = self._is_me(msg)
        if mine and user and host:
            self._own_mask(user, host)

    def _on_cap(self, msg: Message) -> None:
        params = msg.params
        if len(params) < 2:
            return
        if self.cap._shared:
            self.cap = self.cap.copy()
        sub = params[1].upper()
        text = params[-1] if len(params) > 2 else ""
        if sub == "LS":
            more = len(params) > 3 and params[2] == "*"
            self._request(self.cap.on_ls(text, more) if self.registering else [])
            if self.registering and self.cap.ls_done and self.sasl is not None \
                    and "sasl" not in self.cap.offered:
                self.failed("SASL was required but the server does not offer the sasl "
                            "capability", permanent=True)
                return
        elif sub == "ACK":
            self.cap.on_ack(text)
            if "sasl" in self.cap.enabled and self.sasl is not None \
                    and self._sasl_state == "idle" and self._negotiating:
                listed = self.cap.offered.get("sasl", "")
                if isinstance(self.sasl, MechanismChoice) and not self.sasl.offer(listed):
                    self.failed(f"SASL: the server offers {listed}, none of "
                                f"{', '.join(self.sasl.order)}", permanent=True)
                    return
                if isinstance(self.sasl, MechanismChoice):
                    self.sasl.begin()
                self._sasl_state = "running"
                self._send([f"AUTHENTICATE {self.sasl.name}"])
        elif sub == "NAK":
            retries = self.cap.on_nak(text)
            if self.registering:
                self._request(retries)
                if self.sasl is not None and "sasl" in text.split() and not retries:
                    self.failed("SASL was required but the server refused the sasl "
                                "capability (CAP NAK)", permanent=True)
                    return
        elif sub == "NEW":
            self._request(self.cap.on_new(text) if self.registering else [])
        elif sub == "DEL":
            self.cap.on_del(text)
        self._maybe_end_negotiation()
        self._share_cap()

    def _request(self, requests: list[list[str]]) -> None:
        if requests:
            self._send([f"CAP REQ :{' '.join(names)}" for names in requests])

    def _maybe_end_negotiation(self) -> None:
        if not self._negotiating or not self.cap.settled:
            return
        if self.sasl is not None and self._sasl_state != "done":
            return
        self._negotiating = False
        self._send(["CAP END"])

    def _on_authenticate(self, msg: Message) -> None:
        if self._sasl_state != "running" or self.sasl is None or not msg.params:
            return
        try:
            if self._challenge is None:
                self._challenge = ChallengeReader()
            challenge = self._challenge.feed(msg.params[0])
            if challenge is None:
                return
            response = self.sasl.respond(challenge)
        except SaslError as exc:
            self._send(["AUTHENTICATE *"])
            self.failed(f"SASL {self.sasl.name} failed: {exc}", permanent=True)
            return
        self._send([f"AUTHENTICATE {chunk}" for chunk in encode_response(response)])

    def _on_sasl_success(self, msg: Message) -> None:
        if self._sasl_state == "running":
            self._sasl_state = "done"
            self._maybe_end_negotiation()

    def _on_sasl_failure(self, msg: Message) -> None:
        if self.sasl is None or self.registered:
            return
        choice = self.sasl if isinstance(self.sasl, MechanismChoice) else None
        if choice is not None and msg.command == "908":
            choice.offer(msg.params[1] if len(msg.params) > 2 else "")
            return  # 904 follows: it moves on to the next mechanism
        # A refused PLAIN means a wrong password: SCRAM would fail the same.
        # A refused SCRAM may only mean the account has no SCRAM secrets.
        if choice is not None and msg.command == "904" and self._sasl_state == "running" \
                and choice.name != "PLAIN" and choice.advance():
            self._challenge = None
            self._send([f"AUTHENTICATE {choice.name}"])
            return
        text = msg.params[-1] if len(msg.params) > 1 else ""
        self.failed(f"SASL {self.sasl.name} failed: {_SASL_FAILURES[msg.command]} "
                    f"({msg.command} {text})".rstrip(), permanent=True)

    def _on_nick_error(self, msg: Message) -> None:
        if not self.registering or self.registered:
            return
        refused = msg.params[1] if len(msg.params) > 2 else (self.nick or "")
        candidate = self._next_nick(refused, msg.command)
        if candidate is None:
            self.failed(f"no usable nick: the server refused {refused!r} "
                        f"({msg.command} {msg.params[-1] if msg.params else ''})".rstrip())
            return
        self.nick = candidate
        self._send([f"NICK {candidate}"])

    def _next_nick(self, refused: str, code: str) -> str | None:
        """Configured alternatives first, then the original with a suffix."""
        attempt = self._nick_attempts
        self._nick_attempts += 1
        if attempt < len(self.alt_nicks):
            return self.alt_nicks[attempt]
        generated = attempt - len(self.alt_nicks)
        if generated >= 20:
            return None
        base = self.wanted_nick or "bottom"
        # Before 005 we cannot know NICKLEN; 432 for a long nick usually
        # means "too long", so fall back to RFC 1459's 9 then.
        limit = self.isupport.nicklen if "NICKLEN" in self.isupport else (
            9 if code == "432" and len(refused) > 9 else max(9, len(base) + 1))
        suffix = "_" if generated == 0 else str(generated)
        return base[:max(1, limit - len(suffix))] + suffix

    def _on_password_mismatch(self, msg: Message) -> None:
        if self.registering and not self.registered:
            self.failed(f"the server refused the password ({msg.command} "
                        f"{msg.params[-1] if msg.params else ''})".rstrip(), permanent=True)

    def _on_banned(self, msg: Message) -> None:
        if self.registering and not self.registered:
            self.failed(f"banned from this server ({msg.command} "
                        f"{msg.params[-1] if msg.params else ''})".rstrip(), permanent=True)

    def _on_error(self, msg: Message) -> None:
        if self.registering and not self.registered:
            self.failed(f"the server ended registration: ERROR "
                        f"{msg.params[-1] if msg.params else ''}".rstrip())


_HANDLERS: dict[str, Callable[[Session, Message], object]] = {
    "001": Session._on_welcome, "005": Session._on_isupport,
    "376": Session._on_end_of_motd, "422": Session._on_end_of_motd,
    "396": Session._on_host_hidden, "NICK": Session._on_nick, "JOIN": Session._on_join,
    "CAP": Session._on_cap, "AUTHENTICATE": Session._on_authenticate,
    "903": Session._on_sasl_success, "907": Session._on_sasl_success,
    "464": Session._on_password_mismatch, "465": Session._on_banned,
    "ERROR": Session._on_error,
    **{code: Session._on_nick_error for code in _NICK_ERRORS},
    **{code: Session._on_sasl_failure for code in _SASL_FAILURES},
}
if set(_HANDLERS) != WATCHED_COMMANDS:  # pragma: no cover  # a module-level invariant
    raise ImportError("registration: _HANDLERS and WATCHED_COMMANDS disagree")
