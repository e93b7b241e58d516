"""SASL mechanisms for IRCv3 ``AUTHENTICATE``: PLAIN, EXTERNAL, SCRAM-SHA-256.

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
    "ScramSha256",
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


class ScramSha256(Mechanism):
    """SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding.

    Three steps: client-first, client-final with the proof, then an empty
    response once the server's signature checked out.  A wrong server
    signature raises :class:`SaslError`: the server did not know the
    password, so the client must not trust it.
    """

    name = "SCRAM-SHA-256"

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
        salted = hashlib.pbkdf2_hmac("sha256", self._password.encode("utf-8"), salt, rounds)
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={nonce}"
        auth_message = f"{self._first_bare},{server_first},{without_proof}".encode()
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        server_key = hmac.digest(salted, b"Server Key", "sha256")
        self._server_signature = hmac.digest(server_key, auth_message, "sha256")
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


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
