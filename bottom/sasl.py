"""SASL mechanisms for IRCv3 ``AUTHENTICATE``: PLAIN, EXTERNAL, SCRAM-SHA-1/256/512.

Pure: no I/O, standard library only.  A mechanism turns each server
challenge (raw bytes) into a response; :func:`encode_response` and
:class:`ChallengeReader` handle the IRC framing: base64 in 400-byte
``AUTHENTICATE`` chunks, ``+`` for an empty message or after a final
chunk of exactly 400 bytes.

Nothing here logs, and ``repr`` never shows a password: credentials must
never reach a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from .errors import SaslError

__all__ = [
    "Mechanism",
    "Plain",
    "External",
    "Scram",
    "ScramSha1",
    "ScramSha256",
    "ScramSha512",
    "MechanismChoice",
    "DEFAULT_ORDER",
    "MECHANISMS",
    "SaslError",
    "encode_response",
    "ChallengeReader",
    "CHUNK",
    "MAX_CHALLENGE",
]

#: IRCv3: AUTHENTICATE payloads are sent in chunks of this many base64 bytes.
CHUNK = 400
#: The longest server challenge accepted, in base64 characters.
MAX_CHALLENGE = 64 * 1024

# PBKDF2 runs in the event loop: a hostile ``i=2147483647`` would stall it for
# many minutes.  RFC 7677 asks for at least 4096; a million (about 0.3 s)
# leaves servers ample room above that.
_MAX_ROUNDS = 1_000_000


class Mechanism:
    """Base class: ``name`` for ``AUTHENTICATE <name>``, ``respond`` per challenge."""

    name = ""

    def respond(self, challenge: bytes) -> bytes:
        """The response to one server challenge (``b""`` for ``AUTHENTICATE +``)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<SASL {self.name}>"


class Plain(Mechanism):
    """PLAIN (RFC 4616): authzid NUL account NUL password, in one step."""

    name = "PLAIN"

    def __init__(self, account: str, password: str, authzid: str = "") -> None:
        self.account = account
        self._password = password
        self.authzid = authzid

    def respond(self, challenge: bytes) -> bytes:
        return "\0".join((self.authzid, self.account, self._password)).encode("utf-8")


class External(Mechanism):
    """EXTERNAL: the TLS client certificate (CertFP) is the credential."""

    name = "EXTERNAL"

    def __init__(self, authzid: str = "") -> None:
        self.authzid = authzid

    def respond(self, challenge: bytes) -> bytes:
        return self.authzid.encode("utf-8")


class Scram(Mechanism):
    """SCRAM (RFC 5802; RFC 7677 for SHA-256) without channel binding.

    Subclasses set ``name`` and ``hash`` (a :mod:`hashlib` name).

    Three steps: client-first, client-final with the proof, then an empty
    response once the server's signature checked out.  A wrong server
    signature raises :class:`SaslError`: the server did not know the
    password, so the client must not trust it.
    """

    name = ""
    hash = ""

    def __init__(self, account: str, password: str, *, nonce: str | None = None) -> None:
        self.account = account
        self._password = password
        self._nonce = nonce or secrets.token_urlsafe(18)
        self._step = 0
        self._first_bare = ""
        self._server_signature = b""

    def respond(self, challenge: bytes) -> bytes:
        self._step += 1
        if self._step == 1:
            user = self.account.replace("=", "=3D").replace(",", "=2C")
            self._first_bare = f"n={user},r={self._nonce}"
            return ("n,," + self._first_bare).encode("utf-8")
        if self._step == 2:
            return self._final(challenge.decode("utf-8", "replace"))
        if self._step == 3:
            fields = _scram_fields(challenge.decode("utf-8", "replace"))
            if "e" in fields:
                raise SaslError(f"SCRAM: server reported error {fields['e']!r}")
            if not hmac.compare_digest(_b64decode(fields.get("v", "")), self._server_signature):
                raise SaslError("SCRAM: the server's signature does not match")
            return b""
        raise SaslError("SCRAM: unexpected extra challenge")

    def _final(self, server_first: str) -> bytes:
        fields = _scram_fields(server_first)
        if "m" in fields:
            # RFC 5802 5.1: a mandatory extension we do not know must fail.
            raise SaslError("SCRAM: server requires an unsupported extension (m=)")
        try:
            nonce, salt, rounds = fields["r"], _b64decode(fields["s"]), int(fields["i"])
        except (KeyError, ValueError) as exc:
            raise SaslError(f"SCRAM: malformed server-first message ({exc})") from None
        if not nonce.startswith(self._nonce):
            raise SaslError("SCRAM: the server nonce does not start with ours")
        if not 1 <= rounds <= _MAX_ROUNDS:
            raise SaslError(f"SCRAM: iteration count {rounds} is outside 1..{_MAX_ROUNDS}")
        digest = self.hash
        salted = hashlib.pbkdf2_hmac(digest, self._password.encode("utf-8"), salt, rounds)
        client_key = hmac.digest(salted, b"Client Key", digest)
        stored_key = hashlib.new(digest, client_key).digest()
        without_proof = f"c=biws,r={nonce}"
        auth_message = f"{self._first_bare},{server_first},{without_proof}".encode()
        signature = hmac.digest(stored_key, auth_message, digest)
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        server_key = hmac.digest(salted, b"Server Key", digest)
        self._server_signature = hmac.digest(server_key, auth_message, digest)
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


class ScramSha1(Scram):
    """SCRAM-SHA-1 (RFC 5802), for servers that offer nothing stronger."""

    name = "SCRAM-SHA-1"
    hash = "sha1"


class ScramSha256(Scram):
    """SCRAM-SHA-256 (RFC 7677)."""

    name = "SCRAM-SHA-256"
    hash = "sha256"


class ScramSha512(Scram):
    """SCRAM-SHA-512 (draft-melnikov-scram-sha-512)."""

    name = "SCRAM-SHA-512"
    hash = "sha512"


_BY_NAME: dict[str, type[Plain] | type[Scram]] = {
    "PLAIN": Plain, "SCRAM-SHA-1": ScramSha1, "SCRAM-SHA-256": ScramSha256,
    "SCRAM-SHA-512": ScramSha512,
}
#: The mechanisms ``sasl_mechanisms=`` may name.
MECHANISMS = tuple(_BY_NAME)
#: The order ``sasl=("account", "password")`` tries mechanisms in: PLAIN
#: (what every SASL server has), then the SCRAM variants for servers that
#: do not list PLAIN.  Put SCRAM first with ``sasl_mechanisms=`` to keep the
#: password itself off the link.
DEFAULT_ORDER = ("PLAIN", "SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1")


class MechanismChoice(Mechanism):
    """An account and password, and the mechanisms to try them with, in order.

    The registration narrows the candidates to what the server lists (the
    CAP ``sasl=`` value, then a 908 reply) and moves to the next one after a
    failure (904: the account may have no SCRAM credentials), so one
    ``sasl=("account", "password")`` works wherever any listed mechanism
    does.  ``name`` and ``respond`` are the current candidate's.
    """

    def __init__(self, account: str, password: str,
                 order: tuple[str, ...] = DEFAULT_ORDER) -> None:
        unknown = [m for m in order if m.upper() not in _BY_NAME]
        if unknown or not order:
            raise ValueError(f"sasl_mechanisms: {unknown or 'empty'}; choose from "
                             f"{', '.join(_BY_NAME)}")
        self.account = account
        self._password = password
        self.order = tuple(m.upper() for m in order)
        self._candidates = list(self.order)
        self._current: Mechanism = self._make(self._candidates[0])

    def _make(self, name: str) -> Mechanism:
        return _BY_NAME[name](self.account, self._password)

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._current.name

    def respond(self, challenge: bytes) -> bytes:
        return self._current.respond(challenge)

    def offer(self, names: str | list[str]) -> bool:
        """Keep only candidates the server lists (``"PLAIN,EXTERNAL"`` or a
        list; an empty value means it did not say).  False when none is left.
        The current mechanism stays until :meth:`begin` or :meth:`advance`."""
        listed = {n.upper() for n in (names.split(",") if isinstance(names, str) else names) if n}
        if listed:
            self._candidates = [m for m in self._candidates if m in listed]
        return bool(self._candidates)

    def begin(self) -> None:
        """Start with the first candidate left."""
        self._current = self._make(self._candidates[0])

    def advance(self) -> bool:
        """The current mechanism failed: move to the next; False when none is left."""
        failed = self._current.name
        self._candidates = [m for m in self._candidates if m != failed]
        if not self._candidates:
            return False
        self._current = self._make(self._candidates[0])
        return True


def _scram_fields(text: str) -> dict[str, str]:
    fields = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep:
            fields[key] = value
    return fields


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:  # binascii.Error, or ValueError for non-ASCII text
        raise SaslError(f"SCRAM: invalid base64 ({exc})") from None


def encode_response(payload: bytes) -> list[str]:
    """The ``AUTHENTICATE`` parameters that carry ``payload``, in order."""
    encoded = base64.b64encode(payload).decode("ascii")
    chunks = [encoded[i:i + CHUNK] for i in range(0, len(encoded), CHUNK)]
    if not chunks or len(chunks[-1]) == CHUNK:
        chunks.append("+")
    return chunks


class ChallengeReader:
    """Collects a server challenge sent over one or more ``AUTHENTICATE`` lines."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[str] = []

    def feed(self, param: str) -> bytes | None:
        """Add one ``AUTHENTICATE`` parameter; return the whole challenge
        once it is complete, else ``None``.

        :raises SaslError: for a challenge that is not valid base64, or
            one longer than ``MAX_CHALLENGE`` (a server that never ends
            its chunks must not grow memory).
        """
        if param != "+":
            self._parts.append(param)
            if len(self._parts) * CHUNK > MAX_CHALLENGE:
                self._parts = []
                raise SaslError(f"AUTHENTICATE challenge over {MAX_CHALLENGE} bytes")
            if len(param) == CHUNK:
                return None
        data, self._parts = "".join(self._parts), []
        try:
            return base64.b64decode(data, validate=True)
        except ValueError as exc:  # binascii.Error, or ValueError for non-ASCII text
            raise SaslError(f"invalid base64 in AUTHENTICATE ({exc})") from None
