"""``--proxy`` and ``--bind``, and the :class:`bottom.Client` keywords a URL maps to.

Pure: no I/O, no asyncio.  :func:`client_kwargs` is the one place where
the command line's words become ``Client(...)`` keywords::

    irc://h:6667/#c                 host="h", port=6667, ssl=False
    ircs://[::1]/#c                 host="::1", port=6697, ssl=True
    wss://h/webirc#c                host="h", port=443, ssl=True,
                                    transport="websocket", url="wss://h/webirc"
    --proxy socks5://u:p@px:1080    proxy="socks5://u:p@px:1080"
    --bind [2001:db8::5]:0          local_addr=("2001:db8::5", 0)

Every error is a ``ValueError`` that names the argument (``--proxy``,
``--bind``) and the form it takes; a proxy password is never shown.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from .urls import IrcUrl, host_and_port

__all__ = ["PROXY_PORTS", "client_kwargs", "parse_bind", "parse_proxy"]

#: The proxy schemes and each one's default port (None: the URL must name it).
#: SOCKS's registered port is 1080; HTTP proxies have no common one.
PROXY_PORTS: dict[str, int | None] = {"socks5": 1080, "socks4a": 1080, "http": None}
# curl's name for "the proxy resolves names", which socks5:// always does here.
_ALIASES = {"socks5h": "socks5"}
_PROXY_FORM = ("use --proxy socks5://[user:password@]host[:port], "
               "socks4a://[user@]host[:port] or http://[user:password@]host:port")
_BIND_FORM = "use --bind HOST, HOST:PORT, [IPV6] or [IPV6]:PORT (port 0 or none: any)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\s]")


def _shown(parts: urllib.parse.SplitResult) -> str:
    """The proxy URL as an error may show it: the password as ``****``."""
    if parts.password is None:
        return repr(parts.geturl())
    user, _, host = parts.netloc.rpartition("@")
    return repr(parts._replace(netloc=f"{user.partition(':')[0]}:****@{host}").geturl())


def parse_proxy(text: str) -> str:
    """Check a ``--proxy`` URL; return it with its port spelled out.

    ``socks5://`` (``socks5h://`` is the same: the proxy always resolves
    the server's name), ``socks4a://`` and ``http://`` (CONNECT), with
    ``user:password@`` (percent-encoded, as in any URL; SOCKS4a has a
    user only).  IPv6 proxies go in brackets.

    :raises ValueError: naming ``--proxy``, what is wrong and the form.
    """
    try:
        parts = urllib.parse.urlsplit(text.strip())
    except ValueError as exc:  # an unclosed "[": the text may hold a password
        raise ValueError(f"--proxy is not a valid URL ({exc}): {_PROXY_FORM}") from None
    shown = f"--proxy {_shown(parts)}"
    scheme = parts.scheme.lower()
    scheme = _ALIASES.get(scheme, scheme)
    if scheme not in PROXY_PORTS or not parts.netloc:
        raise ValueError(f"{shown} is not a proxy URL (socks5, socks4a or http): "
                         f"{_PROXY_FORM}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{shown} has a path, query or fragment, which a proxy has no "
                         f"use for: {_PROXY_FORM}")
    host, port = host_and_port(parts, shown, _PROXY_FORM)
    if port is None:
        port = PROXY_PORTS[scheme]
        if port is None:
            raise ValueError(f"{shown} has no port; HTTP proxies have no usual one: "
                             f"{_PROXY_FORM}")
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        if not parts.username:
            raise ValueError(f"{shown} has a password but no user: {_PROXY_FORM}")
        if scheme == "socks4a" and parts.password is not None:
            raise ValueError(f"{shown} has a password, which SOCKS4a cannot send (it has "
                             "a user id only): use socks5:// for a password")
        if _CONTROL.search(urllib.parse.unquote(userinfo)):
            raise ValueError(f"{shown} has spaces or control characters in its user or "
                             f"password: {_PROXY_FORM}")
    where = f"[{host}]" if ":" in host else host
    return f"{scheme}://{userinfo}{at}{where}:{port}"


def parse_bind(text: str) -> tuple[str, int]:
    """Read ``--bind``: the local (source) address as ``(host, port)``.

    ``HOST``, ``HOST:PORT``, ``[IPV6]``, ``[IPV6]:PORT``, or a bare IPv6
    address (``::1``; no port can follow it then).  Port 0, or none,
    lets the system choose.

    :raises ValueError: naming ``--bind``, what is wrong and the form.
    """
    text = text.strip()
    shown = f"--bind {text!r}"
    if not text:
        raise ValueError(f"--bind is empty: {_BIND_FORM}")
    if text.count(":") > 1 and not text.startswith("["):
        text = f"[{text}]"  # a bare IPv6 address: it cannot carry a port
    try:
        parts = urllib.parse.urlsplit(f"//{text}")
    except ValueError as exc:
        raise ValueError(f"{shown} is not an address ({exc}): {_BIND_FORM}") from None
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc \
            or text.endswith(":"):
        raise ValueError(f"{shown} is not HOST[:PORT]: {_BIND_FORM}")
    host, port = host_and_port(parts, shown, _BIND_FORM, any_port=True)
    return host, port or 0


def client_kwargs(url: IrcUrl, *, proxy: str | None = None,
                  bind: str | None = None) -> dict[str, Any]:
    """The :class:`bottom.Client` keywords that connect as ``url``, ``--proxy``
    and ``--bind`` say (``host``, ``port`` and ``ssl`` always).

    :raises ValueError: from :func:`parse_proxy` or :func:`parse_bind`.
    """
    kwargs: dict[str, Any] = {"host": url.host, "port": url.port, "ssl": url.tls}
    if url.websocket is not None:
        kwargs["transport"] = "websocket"
        kwargs["url"] = url.websocket
    if proxy is not None:
        kwargs["proxy"] = parse_proxy(proxy)
    if bind is not None:
        kwargs["local_addr"] = parse_bind(bind)
    return kwargs
