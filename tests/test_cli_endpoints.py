"""From server URLs, ``--proxy`` and ``--bind`` to :class:`bottom.Client` keywords.

All pure (:mod:`bottom.cli.urls`, :mod:`bottom.cli.endpoints`), plus how
``main`` reports a bad value (exit 2) and a Client without the keyword
(exit 1); nothing here connects.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import bottom.cli.modes
from bottom.cli import IrcUrl, client_kwargs, main, parse_bind, parse_proxy, parse_url
from bottom.cli.modes import Unsupported, make_client


def test_the_pure_cli_modules_import_no_asyncio() -> None:
    code = ("import sys\nimport bottom.cli, bottom.cli.urls, bottom.cli.endpoints, "
            "bottom.cli.display\nprint('asyncio' in sys.modules, 'bottom.client' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout
    assert out.split() == ["False", "False"]


# -- server URLs: WebSocket and IPv6 --------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("ws://irc.example.org/webirc#chan",
     IrcUrl("irc.example.org", 80, False, "#chan", "ws://irc.example.org/webirc")),
    ("wss://irc.example.org", IrcUrl("irc.example.org", 443, True, None,
                                     "wss://irc.example.org/")),
    ("WSS://Web.Example.org:8443/irc/ws?token=abc#chan",
     IrcUrl("web.example.org", 8443, True, "#chan",
            "wss://web.example.org:8443/irc/ws?token=abc")),
    ("wss://[2001:db8::1]:8097/#bottom",
     IrcUrl("2001:db8::1", 8097, True, "#bottom", "wss://[2001:db8::1]:8097/")),
    ("ircs://[2001:DB8::1]/#v6", IrcUrl("2001:db8::1", 6697, True, "#v6")),
    ("irc://[::ffff:127.0.0.1]:7000/alice", IrcUrl("::ffff:127.0.0.1", 7000, False, "alice")),
])
def test_parse_url_reads_websocket_and_ipv6_urls(url: str, expected: IrcUrl) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(("url", "reason"), [
    ("irc://::1/#chan", r"IPv6 address without brackets: write it as \[::1\]"),
    ("irc://2001:db8::1:6667/#chan", "without brackets"),
    ("irc://[not-v6]/#chan", "not a valid URL|not an IPv6 address"),
    ("irc://[::1/#chan", "not a valid URL"),
    ("irc://irc.example.org:0/#chan", "port 0"),
    ("irc://irc.example.org:65536/#chan", "invalid port"),
    ("wss://irc.example.org:http/", "invalid port"),
    ("ws://user:pw@irc.example.org/", "user or password"),
    ("ws://irc.example.org/#chan?key=x", "query"),
    ("ws:///webirc", "no host"),
    ("gopher://irc.example.org/", "not an IRC URL"),
])
def test_parse_url_says_what_is_wrong_with_a_url(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_url(url)
    assert "ws[s]://" in str(caught.value) or "--password" in str(caught.value)


# -- --proxy ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080"),
    ("socks5://proxy.example", "socks5://proxy.example:1080"),
    ("SOCKS5H://u:p@proxy.example:9050", "socks5://u:p@proxy.example:9050"),
    ("socks5://tor%40me:p%3Ass@[::1]:9050", "socks5://tor%40me:p%3Ass@[::1]:9050"),
    ("socks4a://me@10.0.0.1", "socks4a://me@10.0.0.1:1080"),
    ("socks4a://10.0.0.1:1081", "socks4a://10.0.0.1:1081"),
    ("http://proxy.example:3128", "http://proxy.example:3128"),
    ("http://u:p@proxy.example:8080/", "http://u:p@proxy.example:8080"),
])
def test_parse_proxy_spells_out_the_port(text: str, expected: str) -> None:
    assert parse_proxy(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("ftp://proxy.example:21", "not a proxy URL"),
    ("https://proxy.example:443", "not a proxy URL"),
    ("proxy.example:1080", "not a proxy URL"),
    ("socks5://", "not a proxy URL"),
    ("http://proxy.example", "no port"),
    ("socks5://proxy.example:99999", "invalid port"),
    ("socks5://proxy.example:0", "port 0"),
    ("socks5://proxy.example/path", "path, query or fragment"),
    ("socks5://proxy.example?x=1", "path, query or fragment"),
    ("socks5://::1:1080", "without brackets"),
    ("socks5://[::1", "not a valid URL"),
    ("socks5://:secret@proxy.example", "password but no user"),
    ("socks4a://me:secret@proxy.example", "SOCKS4a cannot send"),
    ("socks5://me:se%0Acret@proxy.example", "control characters"),
])
def test_parse_proxy_names_the_argument_and_never_shows_the_password(
        text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_proxy(text)
    message = str(caught.value)
    assert message.startswith("--proxy")
    assert "secret" not in message and "se%0Acret" not in message


# Anything but whitespace and control characters, which parse_proxy refuses.
_USERINFO = st.text(st.characters(max_codepoint=0x2fff,
                                  blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
                    min_size=1, max_size=12)


@settings(max_examples=examples(40), deadline=None)
@given(user=_USERINFO, password=_USERINFO, port=st.integers(1, 65535))
def test_parse_proxy_keeps_any_percent_encoded_credentials(
        user: str, password: str, port: int) -> None:
    text = (f"socks5://{urllib.parse.quote(user, safe='')}:"
            f"{urllib.parse.quote(password, safe='')}@proxy.example:{port}")

    parts = urllib.parse.urlsplit(parse_proxy(text))

    assert (parts.scheme, parts.hostname, parts.port) == ("socks5", "proxy.example", port)
    assert urllib.parse.unquote(parts.username or "") == user
    assert urllib.parse.unquote(parts.password or "") == password


# -- --bind ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1", ("127.0.0.1", 0)),
    ("127.0.0.1:40000", ("127.0.0.1", 40000)),
    ("localhost", ("localhost", 0)),
    ("192.0.2.7:0", ("192.0.2.7", 0)),
    ("[::1]", ("::1", 0)),
    ("[2001:db8::5]:6000", ("2001:db8::5", 6000)),
    ("::1", ("::1", 0)),
    ("2001:DB8::5", ("2001:db8::5", 0)),
])
def test_parse_bind_reads_host_and_port(text: str, expected: tuple[str, int]) -> None:
    assert parse_bind(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("127.0.0.1:", "not HOST"),
    ("127.0.0.1:http", "invalid port"),
    ("127.0.0.1:65536", "invalid port"),
    ("[::1]:-1", "invalid port"),
    ("[nope]", "not an address|not an IPv6 address"),
    ("[::1", "not an address"),
    ("host/path", "not HOST"),
    ("user@host", "not HOST"),
    ("two words", "spaces or control characters"),
])
def test_parse_bind_names_the_argument(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_bind(text)
    assert str(caught.value).startswith("--bind")


@settings(max_examples=examples(40), deadline=None)
@given(address=st.ip_addresses(), port=st.integers(0, 65535))
def test_parse_bind_reads_back_any_address_and_port(
        address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> None:
    text = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"

    assert parse_bind(text) == (str(address), port)


# -- the Client keywords -----------------------------------------------------------------


@pytest.mark.parametrize(("url", "options", "expected"), [
    ("irc://irc.example.org/#c", {}, {"host": "irc.example.org", "port": 6667, "ssl": False}),
    ("ircs://[::1]:6697/#c", {}, {"host": "::1", "port": 6697, "ssl": True}),
    ("wss://irc.example.org/webirc#c", {},
     {"host": "irc.example.org", "port": 443, "ssl": True, "transport": "websocket",
      "url": "wss://irc.example.org/webirc"}),
    ("ws://127.0.0.1:8080", {},
     {"host": "127.0.0.1", "port": 8080, "ssl": False, "transport": "websocket",
      "url": "ws://127.0.0.1:8080/"}),
    ("ircs://irc.example.org/#c", {"proxy": "socks5://u:p@127.0.0.1"},
     {"host": "irc.example.org", "port": 6697, "ssl": True,
      "proxy": "socks5://u:p@127.0.0.1:1080"}),
    ("irc://irc.example.org/#c", {"bind": "[2001:db8::5]"},
     {"host": "irc.example.org", "port": 6667, "ssl": False,
      "local_addr": ("2001:db8::5", 0)}),
    ("irc://irc.example.org/#c", {"proxy": "http://127.0.0.1:3128", "bind": "127.0.0.2:0"},
     {"host": "irc.example.org", "port": 6667, "ssl": False,
      "proxy": "http://127.0.0.1:3128", "local_addr": ("127.0.0.2", 0)}),
])
def test_client_kwargs_maps_url_and_options(url: str, options: dict[str, str],
                                            expected: dict[str, Any]) -> None:
    assert client_kwargs(parse_url(url), **options) == expected


def test_client_kwargs_passes_a_bad_option_on_as_value_error() -> None:
    with pytest.raises(ValueError, match=r"^--bind"):
        client_kwargs(parse_url("irc://h/#c"), bind="h:x")


# -- main: bad values and a Client that lacks the keyword ---------------------------------


@pytest.mark.parametrize(("argv", "named"), [
    (["irc://h/#c", "--proxy", "ftp://p:21"], "--proxy"),
    (["send", "irc://h/#c", "hi", "--proxy", "http://p"], "--proxy"),
    (["send", "irc://h/#c", "hi", "--bind", "[::1"], "--bind"),
    (["irc://::1/#c"], "brackets"),
    (["--proxy", "socks5://127.0.0.1"], "--proxy needs a URL"),
    (["--bind", "127.0.0.1"], "--bind needs a URL"),
    (["send", "irc://h/#c", "hi", "--password", "two\nlines"], "--password: PASS not sent"),
    (["irc://h/#c", "--nick", "two words"], "--nick: NICK not sent"),
])
def test_main_returns_2_naming_the_bad_argument(argv: list[str], named: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert named in err
    assert "Traceback" not in err


class _OldClient:
    """A Client signature from before proxies, bind addresses and WebSocket."""

    def __init__(self, host: str, port: int, *, ssl: bool = True, nick: str | None = None,
                 password: str | None = None, realname: str | None = None,
                 connect_timeout: float = 30.0) -> None:
        raise AssertionError("make_client must refuse before constructing")


@pytest.mark.parametrize(("argv", "needs"), [
    (["send", "irc://127.0.0.1:1/#c", "hi", "--proxy", "socks5://127.0.0.1"],
     "--proxy needs Client(proxy=...)"),
    (["send", "irc://127.0.0.1:1/#c", "hi", "--bind", "127.0.0.1"],
     "--bind needs Client(local_addr=...)"),
    (["wss://127.0.0.1:1/#c"], "a ws:// or wss:// URL needs Client(transport=...)"),
])
def test_main_says_when_this_client_lacks_a_keyword(
        argv: list[str], needs: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(bottom.cli.modes, "Client", _OldClient)

    assert main(argv) == 1

    err = capsys.readouterr().err
    assert needs in err
    assert "Traceback" not in err


def test_make_client_passes_every_keyword_to_a_client_that_takes_them() -> None:
    seen: dict[str, Any] = {}

    class NewClient:
        def __init__(self, **kwargs: Any) -> None:
            seen.update(kwargs)

    where = client_kwargs(parse_url("wss://h/p#c"), proxy="socks5://p", bind="[::1]")
    make_client(where, nick="me", client_class=NewClient)  # type: ignore[arg-type]

    assert seen == {**where, "nick": "me", "password": None,
                    "realname": "bottom command line"}


def test_make_client_refuses_a_client_without_the_keyword() -> None:
    with pytest.raises(Unsupported, match="--proxy"):
        make_client({"host": "h", "port": 1, "proxy": "socks5://p:1080"}, nick="me",
                    client_class=_OldClient)  # type: ignore[arg-type]
