"""bottom.sasl: AUTHENTICATE framing and the PLAIN, EXTERNAL and SCRAM-SHA-256 mechanisms."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.sasl import (
    CHUNK,
    MAX_CHALLENGE,
    ChallengeReader,
    External,
    Plain,
    SaslError,
    ScramSha256,
    encode_response,
)

# RFC 7677 section 3: the SCRAM-SHA-256 example exchange (user "user",
# password "pencil").
RFC_NONCE = "rOprNGfwEbeRWgbNEkqO"
RFC_CLIENT_FIRST = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
RFC_SERVER_FIRST = (b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
RFC_CLIENT_FINAL = (b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
RFC_SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

PASSWORD = "hunter2-secret"


def read_all(params: list[str]) -> bytes:
    """Feed every AUTHENTICATE parameter; only the last may complete the challenge."""
    reader = ChallengeReader()
    *head, last = params
    for param in head:
        assert reader.feed(param) is None
    challenge = reader.feed(last)
    assert challenge is not None
    return challenge


def scram_after_server_first(server_first: bytes = RFC_SERVER_FIRST) -> ScramSha256:
    scram = ScramSha256("user", "pencil", nonce=RFC_NONCE)
    scram.respond(b"")
    scram.respond(server_first)
    return scram


# --- encode_response -------------------------------------------------------------

def test_encode_response_of_an_empty_payload_is_a_lone_plus():
    assert encode_response(b"") == ["+"]


def test_encode_response_of_a_short_payload_is_its_base64():
    assert encode_response(b"\0user\0pass") == ["AHVzZXIAcGFzcw=="]


@pytest.mark.parametrize("size", [298, 299, 300])
def test_encode_response_ends_a_payload_of_exactly_one_chunk_with_a_plus(size):
    chunks = encode_response(b"x" * size)
    assert [len(chunk) for chunk in chunks] == [CHUNK, 1]
    assert chunks[-1] == "+"


@pytest.mark.parametrize(("size", "lengths"), [
    (301, [400, 4]),
    (450, [400, 200]),
    (599, [400, 400, 1]),
    (600, [400, 400, 1]),
    (601, [400, 400, 4]),
    (1200, [400, 400, 400, 400, 1]),
])
def test_encode_response_cuts_longer_payloads_into_400_character_chunks(size, lengths):
    assert [len(chunk) for chunk in encode_response(b"x" * size)] == lengths


@pytest.mark.parametrize("size", [0, 1, 2, 3, 297, 298, 299, 300, 301, 302, 600, 601, 1200])
def test_encode_response_then_challenge_reader_returns_the_payload(size):
    payload = bytes(range(256)) * 5
    assert read_all(encode_response(payload[:size])) == payload[:size]


@settings(deadline=None)
@given(st.binary(max_size=1200))
def test_any_payload_survives_encode_response_then_challenge_reader(payload):
    assert read_all(encode_response(payload)) == payload


@settings(deadline=None)
@given(st.binary(max_size=1200))
def test_encode_response_chunks_are_never_longer_than_400(payload):
    chunks = encode_response(payload)
    assert all(0 < len(chunk) <= CHUNK for chunk in chunks)
    assert all(len(chunk) == CHUNK for chunk in chunks[:-1])
    assert len(chunks[-1]) < CHUNK


# --- ChallengeReader -------------------------------------------------------------

def test_challenge_reader_reads_a_lone_plus_as_an_empty_challenge():
    assert ChallengeReader().feed("+") == b""


def test_challenge_reader_reads_a_short_chunk_as_a_whole_challenge():
    assert ChallengeReader().feed("aGVsbG8=") == b"hello"


def test_challenge_reader_waits_for_more_after_a_400_character_chunk():
    reader = ChallengeReader()
    assert reader.feed("A" * CHUNK) is None
    assert reader.feed("+") == b"\0" * 300


def test_challenge_reader_joins_a_400_character_chunk_and_a_short_one():
    reader = ChallengeReader()
    assert reader.feed("A" * CHUNK) is None
    assert reader.feed("QQ==") == b"\0" * 300 + b"A"


def test_challenge_reader_starts_afresh_after_each_challenge():
    reader = ChallengeReader()
    assert reader.feed("aGVsbG8=") == b"hello"
    assert reader.feed("+") == b""
    assert reader.feed("d29ybGQ=") == b"world"


@pytest.mark.parametrize("param", ["not base64!", "aGVsbG8", "a", "aGVs\x00bG8=", "é"])
def test_challenge_reader_raises_sasl_error_for_invalid_base64(param):
    with pytest.raises(SaslError):
        ChallengeReader().feed(param)


def test_challenge_reader_raises_sasl_error_for_invalid_base64_over_two_chunks():
    reader = ChallengeReader()
    assert reader.feed("A" * CHUNK) is None
    with pytest.raises(SaslError):
        reader.feed("A")


def test_challenge_reader_starts_afresh_after_invalid_base64():
    reader = ChallengeReader()
    with pytest.raises(SaslError):
        reader.feed("a")
    assert reader.feed("aGVsbG8=") == b"hello"


def test_sasl_error_is_a_value_error():
    assert issubclass(SaslError, ValueError)


# --- PLAIN and EXTERNAL ----------------------------------------------------------

@pytest.mark.parametrize(("mechanism", "name"), [
    (Plain("account", PASSWORD), "PLAIN"),
    (External(), "EXTERNAL"),
    (ScramSha256("account", PASSWORD), "SCRAM-SHA-256"),
])
def test_each_mechanism_names_itself_for_authenticate(mechanism, name):
    assert mechanism.name == name


@pytest.mark.parametrize(("plain", "response"), [
    (Plain("account", "pass"), b"\0account\0pass"),
    (Plain("account", "pass", authzid="admin"), b"admin\0account\0pass"),
    (Plain("j\u00fcrgen", "p\u00e4ss"), "\0j\u00fcrgen\0p\u00e4ss".encode()),
])
def test_plain_responds_with_authzid_account_and_password_joined_by_nul(plain, response):
    assert plain.respond(b"") == response


@pytest.mark.parametrize("mechanism", [
    Plain("account", PASSWORD),
    Plain("account", PASSWORD, authzid="admin"),
    ScramSha256("account", PASSWORD),
])
def test_repr_and_str_never_show_the_password(mechanism):
    assert PASSWORD not in repr(mechanism)
    assert PASSWORD not in str(mechanism)


def test_external_responds_with_an_empty_authzid_by_default():
    assert External().respond(b"") == b""


def test_external_responds_with_the_authzid_it_was_given():
    assert External("admin").respond(b"") == b"admin"


# --- SCRAM-SHA-256 ---------------------------------------------------------------

def test_scram_client_first_matches_rfc_7677():
    assert ScramSha256("user", "pencil", nonce=RFC_NONCE).respond(b"") == RFC_CLIENT_FIRST


def test_scram_client_final_matches_rfc_7677():
    scram = ScramSha256("user", "pencil", nonce=RFC_NONCE)
    scram.respond(b"")
    assert scram.respond(RFC_SERVER_FIRST) == RFC_CLIENT_FINAL


def test_scram_accepts_the_rfc_7677_server_signature_with_an_empty_response():
    assert scram_after_server_first().respond(RFC_SERVER_FINAL) == b""


def test_scram_runs_the_rfc_7677_exchange_through_authenticate_framing():
    scram = ScramSha256("user", "pencil", nonce=RFC_NONCE)
    sent = [read_all(encode_response(scram.respond(read_all(["+"]))))]
    for server in (RFC_SERVER_FIRST, RFC_SERVER_FINAL):
        sent.append(read_all(encode_response(scram.respond(read_all(encode_response(server))))))
    assert sent == [RFC_CLIENT_FIRST, RFC_CLIENT_FINAL, b""]


@pytest.mark.parametrize("server_final", [
    b"v=" + base64.b64encode(b"\0" * 32),
    b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95Gé=".encode(),
    b"v=",
    b"",
    b"v=not base64!",
])
def test_scram_raises_sasl_error_for_a_wrong_server_signature(server_final):
    with pytest.raises(SaslError):
        scram_after_server_first().respond(server_final)


def test_scram_with_a_wrong_password_rejects_the_servers_signature():
    scram = ScramSha256("user", "pencil!", nonce=RFC_NONCE)
    scram.respond(b"")
    scram.respond(RFC_SERVER_FIRST)
    with pytest.raises(SaslError):
        scram.respond(RFC_SERVER_FINAL)


@pytest.mark.parametrize(("server_final", "error"), [
    (b"e=invalid-proof", "invalid-proof"),
    (b"e=other-error,v=x", "other-error"),
])
def test_scram_raises_sasl_error_naming_the_error_the_server_reports(server_final, error):
    with pytest.raises(SaslError, match=error):
        scram_after_server_first().respond(server_final)


@pytest.mark.parametrize("server_nonce", [
    "someoneelse%hvYDpWUa2RaTCAfuxFIlj",
    "rOprNGfwEbeRWgbNEkq",
    "XrOprNGfwEbeRWgbNEkqO%hvYD",
    "",
])
def test_scram_raises_sasl_error_when_the_server_nonce_does_not_start_with_ours(server_nonce):
    scram = ScramSha256("user", "pencil", nonce=RFC_NONCE)
    scram.respond(b"")
    with pytest.raises(SaslError, match="nonce"):
        scram.respond(f"r={server_nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".encode())


@pytest.mark.parametrize("server_first", [
    b"",
    b"garbage",
    b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    b"r=rOprNGfwEbeRWgbNEkqO%x,i=4096",
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==",
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many",
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=not base64!,i=4096",
    "r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gé==,i=4096".encode(),
    b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6g\xff==,i=4096",
    b"e=other-error",
    b"m=ext,r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
])
def test_scram_raises_sasl_error_for_a_malformed_server_first_message(server_first):
    scram = ScramSha256("user", "pencil", nonce=RFC_NONCE)
    scram.respond(b"")
    with pytest.raises(SaslError):
        scram.respond(server_first)


def test_scram_refuses_an_iteration_count_that_would_stall_the_event_loop():
    scram = ScramSha256("user", "pencil", nonce=RFC_NONCE)
    scram.respond(b"")
    with pytest.raises(SaslError, match="iteration count"):
        scram.respond(b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2147483647")


def test_scram_raises_sasl_error_for_a_challenge_after_the_server_final_message():
    scram = scram_after_server_first()
    scram.respond(RFC_SERVER_FINAL)
    with pytest.raises(SaslError):
        scram.respond(b"")


@pytest.mark.parametrize("server_first", [
    RFC_SERVER_FIRST.replace(b"i=4096", b"i=many"),
    RFC_SERVER_FIRST.replace(b"r=rOpr", b"r=XOpr"),
])
def test_scram_errors_never_show_the_password(server_first):
    scram = ScramSha256("user", PASSWORD, nonce=RFC_NONCE)
    scram.respond(b"")
    with pytest.raises(SaslError) as caught:
        scram.respond(server_first)
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize(("account", "client_first"), [
    ("user", b"n,,n=user,r=nonce"),
    ("a=b", b"n,,n=a=3Db,r=nonce"),
    ("a,b", b"n,,n=a=2Cb,r=nonce"),
    ("=,", b"n,,n==3D=2C,r=nonce"),
    ("=2C", b"n,,n==3D2C,r=nonce"),
])
def test_scram_escapes_equals_and_comma_in_the_username(account, client_first):
    assert ScramSha256(account, "pencil", nonce="nonce").respond(b"") == client_first


def test_scram_makes_a_fresh_nonce_for_each_mechanism():
    first = ScramSha256("user", "pencil").respond(b"")
    second = ScramSha256("user", "pencil").respond(b"")
    assert first != second


def test_scram_generated_nonce_holds_no_comma():
    client_first = ScramSha256("user", "pencil").respond(b"").decode()
    nonce = client_first.split(",r=", 1)[1]
    assert nonce
    assert "," not in nonce


def test_a_challenge_that_never_ends_is_refused_with_bounded_memory() -> None:
    reader = ChallengeReader()
    with pytest.raises(SaslError, match="over"):
        for _ in range(MAX_CHALLENGE // CHUNK + 2):
            reader.feed("A" * CHUNK)
    assert reader.feed("+") == b""


# -- SCRAM-SHA-1 and -512, and choosing a mechanism ------------------------------

def test_scram_sha1_matches_rfc_5802() -> None:
    from bottom.sasl import ScramSha1
    scram = ScramSha1("user", "pencil", nonce="fyko+d2lbbFgONRv9qkxdawL")
    assert scram.respond(b"") == b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
    final = scram.respond(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                          b"s=QSXCR+Q6sek8bf92,i=4096")
    assert final == (b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                     b"p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
    assert scram.respond(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=") == b""


def _server_side(digest: str, password: str, client_first: bytes) -> tuple[bytes, Any]:
    """A SCRAM server for one exchange: its first message, and a function
    from the client's final message to the server's final message."""
    import hashlib
    import hmac
    salt, rounds = b"salty-salt", 4096
    nonce = client_first.decode().split("r=", 1)[1] + "server"
    first = f"r={nonce},s={base64.b64encode(salt).decode()},i={rounds}".encode()

    def final(client_final: bytes) -> bytes:
        salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt, rounds)
        without_proof, _, proof = client_final.decode().rpartition(",p=")
        auth = b",".join((client_first[3:], first, without_proof.encode()))
        client_key = hmac.digest(salted, b"Client Key", digest)
        stored = hashlib.new(digest, client_key).digest()
        signature = hmac.digest(stored, auth, digest)
        expected = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        assert base64.b64decode(proof) == expected
        server_key = hmac.digest(salted, b"Server Key", digest)
        return b"v=" + base64.b64encode(hmac.digest(server_key, auth, digest))
    return first, final


@pytest.mark.parametrize(("cls_name", "digest"), [
    ("ScramSha1", "sha1"), ("ScramSha256", "sha256"), ("ScramSha512", "sha512")])
def test_each_scram_variant_proves_the_password_to_a_server(cls_name: str,
                                                             digest: str) -> None:
    import bottom.sasl
    scram = getattr(bottom.sasl, cls_name)("user", PASSWORD)
    client_first = scram.respond(b"")
    first, final = _server_side(digest, PASSWORD, client_first)
    server_final = final(scram.respond(first))
    assert scram.respond(server_final) == b""


def test_a_choice_narrows_to_listed_mechanisms_and_moves_on_after_failure() -> None:
    from bottom.sasl import MechanismChoice
    choice = MechanismChoice("acct", PASSWORD, ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"))
    assert choice.offer("PLAIN,SCRAM-SHA-256,EXTERNAL")
    choice.begin()
    assert choice.name == "SCRAM-SHA-256"
    assert choice.advance() and choice.name == "PLAIN"
    assert not choice.advance()
    assert not MechanismChoice("a", "p", ("PLAIN",)).offer("EXTERNAL")


def test_a_choice_refuses_an_unknown_mechanism_by_name() -> None:
    from bottom.sasl import MechanismChoice
    with pytest.raises(ValueError, match="SCRAM-MD5"):
        MechanismChoice("a", "p", ("SCRAM-MD5",))


class _Driven:
    """A Session fed lines one by one, collecting what it sends and reports."""

    def __init__(self, choice: Any) -> None:
        from bottom.registration import Session
        self.session = Session(nick="bot", sasl=choice)
        self.sent: list[str] = []
        self.failures: list[str] = []
        self._collect(self.session.start())

    def _collect(self, actions: Any) -> None:
        self.sent.extend(actions.lines)
        if actions.failure is not None:
            self.failures.append(actions.failure[0])

    def observe(self, msg: Any) -> None:
        self._collect(self.session.feed(msg))


def _session(choice: Any) -> tuple[Any, list[str], list[str]]:
    driven = _Driven(choice)
    return driven, driven.sent, driven.failures


def test_registration_uses_the_first_listed_mechanism_of_the_order() -> None:
    from bottom.message import Message
    from bottom.sasl import MechanismChoice
    session, sent, failures = _session(
        MechanismChoice("acct", PASSWORD, ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")))
    session.observe(Message.parse(":s CAP * LS :sasl=PLAIN,SCRAM-SHA-256"))
    session.observe(Message.parse(":s CAP * ACK :sasl"))
    assert sent[-1] == "AUTHENTICATE SCRAM-SHA-256" and not failures


def test_registration_tries_the_next_mechanism_after_908_and_904() -> None:
    from bottom.message import Message
    from bottom.sasl import MechanismChoice
    session, sent, failures = _session(
        MechanismChoice("acct", PASSWORD, ("SCRAM-SHA-256", "PLAIN")))
    session.observe(Message.parse(":s CAP * LS :sasl"))
    session.observe(Message.parse(":s CAP * ACK :sasl"))
    assert sent[-1] == "AUTHENTICATE SCRAM-SHA-256"
    session.observe(Message.parse(":s 908 * PLAIN,EXTERNAL :are available SASL mechanisms"))
    session.observe(Message.parse(":s 904 * :SASL authentication failed"))
    assert sent[-1] == "AUTHENTICATE PLAIN" and not failures
    session.observe(Message.parse(":s 904 * :SASL authentication failed"))
    assert failures and "SASL" in failures[0]


def test_registration_fails_when_the_server_lists_none_of_the_order() -> None:
    from bottom.message import Message
    from bottom.sasl import MechanismChoice
    session, sent, failures = _session(MechanismChoice("acct", PASSWORD, ("SCRAM-SHA-512",)))
    session.observe(Message.parse(":s CAP * LS :sasl=PLAIN"))
    session.observe(Message.parse(":s CAP * ACK :sasl"))
    assert failures and "PLAIN" in failures[0]
    assert not any(line.startswith("AUTHENTICATE") for line in sent)
