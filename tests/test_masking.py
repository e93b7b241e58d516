"""bottom.masking: no secret reaches a log record, whatever surrounds it."""

from __future__ import annotations

import logging

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.masking import MASK, mask_secrets

SECRET = "S3cret"

HIDDEN = [
    ("PASS S3cret", "PASS ****"),
    ("pass :S3cret", "pass ****"),
    ("@label=1 PASS S3cretServerPass", "@label=1 PASS ****"),
    ("@label=1;+draft/x=y :me!u@h PASS S3cret", "@label=1;+draft/x=y :me!u@h PASS ****"),
    ("AUTHENTICATE S3cretBase64==", "AUTHENTICATE ****"),
    ("@a=b authenticate S3cret", "@a=b authenticate ****"),
    ("OPER admin S3cret", "OPER admin ****"),
    ("oper admin :S3cret", "oper admin ****"),
    ("OPER S3cret", "OPER ****"),
    ("PRIVMSG NickServ :IDENTIFY S3cret", "PRIVMSG NickServ :IDENTIFY ****"),
    ("PRIVMSG NickServ :IDENTIFY account S3cret", "PRIVMSG NickServ :IDENTIFY ****"),
    ("privmsg nickserv :identify S3cret", "privmsg nickserv :identify ****"),
    ("PRIVMSG NICKSERV IDENTIFY S3cret", "PRIVMSG NICKSERV IDENTIFY ****"),
    ("PRIVMSG NickServ@services.example.net :IDENTIFY S3cret",
     "PRIVMSG NickServ@services.example.net :IDENTIFY ****"),
    ("NOTICE NickServ :REGISTER S3cret me@example.com", "NOTICE NickServ :REGISTER ****"),
    ("PRIVMSG NickServ :GHOST bot S3cret", "PRIVMSG NickServ :GHOST ****"),
    ("PRIVMSG NickServ :RECOVER bot S3cret", "PRIVMSG NickServ :RECOVER ****"),
    ("PRIVMSG NickServ :REGAIN bot S3cret", "PRIVMSG NickServ :REGAIN ****"),
    ("PRIVMSG NickServ :SET PASSWORD S3cret", "PRIVMSG NickServ :SET PASSWORD ****"),
    ("PRIVMSG NickServ :set password S3cret", "PRIVMSG NickServ :set password ****"),
    ("PRIVMSG ChanServ :IDENTIFY #chan S3cret", "PRIVMSG ChanServ :IDENTIFY ****"),
    ("@label=7 :bot!u@h PRIVMSG NickServ :IDENTIFY S3cret",
     "@label=7 :bot!u@h PRIVMSG NickServ :IDENTIFY ****"),
    ("NS IDENTIFY S3cret", "NS IDENTIFY ****"),
    ("ns :identify S3cret", "ns :identify ****"),
    ("NICKSERV IDENTIFY account S3cret", "NICKSERV IDENTIFY ****"),
    ("nickserv set password S3cret", "nickserv set password ****"),
    ("CS IDENTIFY #chan S3cret", "CS IDENTIFY ****"),
    ("CHANSERV :IDENTIFY #chan S3cret", "CHANSERV :IDENTIFY ****"),
    ("IDENTIFY S3cret", "IDENTIFY ****"),
    ("@t=1 identify account S3cret", "@t=1 identify ****"),
]


@pytest.mark.parametrize("line, masked", HIDDEN)
def test_secrets_are_masked(line: str, masked: str) -> None:
    assert mask_secrets(line) == masked
    assert "S3cret" not in mask_secrets(line)


KEPT = [
    "PRIVMSG #chan :PASS S3cret is what alice said",
    "PRIVMSG #chan :IDENTIFY S3cret",
    "PRIVMSG NickServ :INFO bot",
    "PRIVMSG NickServ :IDENTIFY",
    "NOTICE nickservant :IDENTIFY S3cret",
    "AUTHENTICATE +",
    "AUTHENTICATE *",
    "@label=1 AUTHENTICATE :+",
    "PING :PASS S3cret",
    "PASS",
    "@only-tags",
    ":source",
    "",
    "NICK PASS",
    ":server 001 bot :Welcome",
]


@pytest.mark.parametrize("line", KEPT)
def test_lines_without_secrets_are_kept_as_they_are(line: str) -> None:
    assert mask_secrets(line) is line


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=80))
def test_any_string_is_masked_without_raising(line: str) -> None:
    result = mask_secrets(line)
    assert result == line or result.endswith(MASK)


@settings(max_examples=examples(100), deadline=None)
@given(tags=st.sampled_from(["", "@label=1 ", "@a=b;c ", "@+x=\\s "]),
       source=st.sampled_from(["", ":nick!user@host ", ":irc.example.net "]),
       command=st.sampled_from(["PASS", "pass", "Authenticate", "NS IDENTIFY", "cs identify",
                                "PRIVMSG NickServ :identify", "NOTICE nickserv@x :REGISTER",
                                "OPER admin"]),
       account=st.sampled_from(["", "#chan ", "account "]),
       secret=st.text(st.characters(blacklist_characters=" \r\n\0"), min_size=2, max_size=20)
       .filter(lambda s: s.lstrip(":") not in ("+", "*") and s.strip(":")))
def test_a_secret_never_survives_tags_sources_or_case(tags: str, source: str, command: str,
                                                       account: str, secret: str) -> None:
    if command.upper().startswith(("PASS", "AUTH", "OPER")):
        account = ""
    line = f"{tags}{source}{command} {account}{secret}"
    assert mask_secrets(line) == f"{tags}{source}{command} {MASK}"


async def test_the_client_never_logs_a_secret_behind_tags(caplog: pytest.LogCaptureFixture) -> None:
    import bottom
    from bottom.testing import Server

    async with Server() as server:
        client = bottom.Client(server.host, server.port, ssl=False)
        await client.connect()
        with caplog.at_level(logging.DEBUG, logger="bottom.wire"):
            await client.send_raw("@label=1 PASS S3cretServerPass")
            await client.send("privmsg", target="NickServ", message="IDENTIFY bot S3cret")
            await client.send_raw("NS IDENTIFY S3cret")
        await client.disconnect()
    logged = [record.getMessage() for record in caplog.records if record.name == "bottom.wire"]
    assert len(logged) == 3 and all(line.endswith("****") for line in logged)
    assert not any("S3cret" in line for line in logged)
