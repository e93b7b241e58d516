"""The server URL of the command line: ``irc://``, ``ircs://``, ``ws://``, ``wss://``.

Pure: no I/O, no asyncio.  :func:`parse_url` reads where to connect and
whom to talk to; :mod:`bottom.cli.endpoints` turns the result (with
``--proxy`` and ``--bind``) into :class:`bottom.Client` keywords.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

__all__ = ["CHANNEL_PREFIXES", "DEFAULT_PORTS", "IrcUrl", "host_and_port", "is_channel",
           "parse_url"]

#: What a channel name starts with (RFC 2812); the rest are nicks.
CHANNEL_PREFIXES = "#&!+"
#: Each scheme's port when the URL names none.
DEFAULT_PORTS = {"irc": 6667, "ircs": 6697, "ws": 80, "wss": 443}
_TLS_SCHEMES = frozenset({"ircs", "wss"})
_WEBSOCKET_SCHEMES = frozenset({"ws", "wss"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORM = ("use irc://host[:port]/#channel, irc://host[:port]/nick, ircs://... for TLS, "
         "or ws[s]://host[:port]/path#channel for WebSocket")


def is_channel(name: str) -> bool:
    """True when ``name`` starts like a channel (``#&!+``)."""
    return name[:1] != "" and name[0] in CHANNEL_PREFIXES


@dataclass(frozen=True)
class IrcUrl:
    """Where to connect and whom to talk to, read from a server URL."""

    host: str
    port: int
    tls: bool
    #: a channel (``#chan``) or a nick; None when the URL names neither
    target: str | None = None
    #: for ``ws://`` and ``wss://``: the URL the WebSocket opens (no fragment)
    websocket: str | None = None

    @property
    def is_channel(self) -> bool:
        """True when :attr:`target` is a channel name."""
        return self.target is not None and is_channel(self.target)


def host_and_port(parts: urllib.parse.SplitResult, what: str, form: str, *,
                  any_port: bool = False) -> tuple[str, int | None]:
    """The host (IPv6 without brackets) and port (None if absent) of a URL;
    port 0 only with ``any_port`` (a local address: the system chooses).

    :raises ValueError: naming ``what`` (the argument) and ``form`` for no
        host, an IPv6 address without brackets or not valid in them, a
        host with spaces or control characters, or a port that is not a
        number from 1 to 65535.
    """
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.count(":") > 1 and not netloc.startswith("["):
        raise ValueError(f"{what} has an IPv6 address without brackets: write it as "
                         f"[{netloc}]; {form}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        lowest = 0 if any_port else 1
        raise ValueError(f"{what} has an invalid port (a number from {lowest} to 65535): "
                         f"{form}") from None
    if not host:
        raise ValueError(f"{what} has no host: {form}")
    if netloc.startswith("["):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{what} has {host!r} in brackets, which is not an IPv6 "
                             f"address: {form}") from None
    if _CONTROL.search(host) or any(char in host for char in " \\"):
        raise ValueError(f"{what} has a host name with spaces or control characters: {form}")
    if port == 0 and not any_port:
        raise ValueError(f"{what} has port 0: give a port from 1 to 65535; {form}")
    return host, port


def parse_url(text: str) -> IrcUrl:
    """Read a server URL; ``ircs://`` and ``wss://`` mean TLS (certificate verified).

    ``irc[s]://host[:port][/#channel | /nick]``: the port defaults to 6667
    (``irc``) or 6697 (``ircs``); ``#channel`` is the URL's fragment, and
    ``%23channel`` in the path works too.  ``ws[s]://host[:port][/path]
    [?query][#channel]``: IRC over WebSocket, the path and query are the
    WebSocket resource, the fragment the channel; ports 80 and 443.
    IPv6 addresses go in brackets: ``irc://[::1]:6667/#chan``.

    :raises ValueError: naming what is wrong and the form to use.
    """
    try:
        parts = urllib.parse.urlsplit(text.strip())
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed bracket
        raise ValueError(f"{text!r} is not a valid URL ({exc}): {_FORM}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"{text!r} is not an IRC URL: {_FORM}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{text!r} has a user or password: give them as --nick and "
                         "--password instead")
    websocket = scheme in _WEBSOCKET_SCHEMES
    # "#chan?key=x": the query hides in the fragment
    if (parts.query and not websocket) or "?" in parts.fragment:
        raise ValueError(f"{text!r} has a query (?...), which bottom does not read: {_FORM}")
    host, port = host_and_port(parts, repr(text), _FORM)
    fragment = urllib.parse.unquote(parts.fragment)
    if websocket:
        path = ""
        resource = urllib.parse.urlunsplit(
            (scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))
    else:
        path = urllib.parse.unquote(parts.path).lstrip("/")
        resource = None
    if path and fragment:
        raise ValueError(f"{text!r} names two targets ({path!r} and '#{fragment}'): {_FORM}")
    target = path or (f"#{fragment}" if fragment else None)
    if target is not None and (
            _CONTROL.search(target) or any(char in target for char in " ,/")):
        raise ValueError(f"{target!r} in {text!r} is not a channel or nick: {_FORM}")
    return IrcUrl(host, port or DEFAULT_PORTS[scheme], scheme in _TLS_SCHEMES, target, resource)
