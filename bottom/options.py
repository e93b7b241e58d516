"""Argument checks for ``Client(...)``, ``send``/``send_raw`` and ``on``/``wait``.

A bad argument should fail where it is written, with a message that names
it and says what is accepted, not much later and far away (``nick=123``
used to fail on every send with ``object of type 'int' has no len()``,
``ping_timeout=0`` spun a core).  Wrong types raise ``TypeError``, values
out of range ``ValueError``.  Pure: no I/O, no asyncio.
"""

from __future__ import annotations

import codecs
import math
import ssl as _ssl
from collections.abc import Iterable, Mapping
from typing import Any

from .reconnect import ReconnectPolicy
from .sasl import Mechanism

__all__ = ["check_client_options", "check_command", "check_tags", "check_send_values",
           "check_raw", "check_event", "MIN_LINE_BYTES"]

#: The smallest ``max_line_bytes``: RFC 1459's line length.
MIN_LINE_BYTES = 512

_PORTS = "an int from 0 to 65535"
_ASCII_SAMPLE = "".join(map(chr, range(32, 127))) + "\r\n"
_LINE_BREAKING = ("\r", "\n", "\0")


def _name(value: object) -> str:
    return type(value).__name__


def _flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {_name(value)} {value!r}")


def _number(name: str, value: object, *, optional: bool = False, zero: bool = False) -> None:
    """A finite number > 0 (>= 0 with ``zero``), or None with ``optional``."""
    if value is None and optional:
        return
    accepted = ("a finite number of seconds " + (">= 0" if zero else "> 0")
                + (" or None (off)" if optional else ""))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be {accepted}, not {_name(value)} {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise ValueError(f"{name} must be {accepted}, not {value!r}")


def _integer(name: str, value: object, low: int, high: int | None, accepted: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be {accepted}, not {_name(value)} {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {accepted}, not {value!r}")


def _text(name: str, value: object, *, optional: bool = True, spaces: bool = False,
          empty: bool = False, hidden: bool = False) -> None:
    """A str that IRC can carry: no CR, LF or NUL; no space unless ``spaces``."""
    if value is None and optional:
        return
    shown = "<hidden>" if hidden else repr(value)
    if not isinstance(value, str):
        what = "a str" + (" or None" if optional else "")
        raise TypeError(f"{name} must be {what}, not {_name(value)}"
                        + ("" if hidden else f" {value!r}"))
    if not value and not empty:
        raise ValueError(f"{name} must not be empty")
    forbidden = _LINE_BREAKING if spaces else (*_LINE_BREAKING, " ")
    for char in forbidden:
        if char in value:
            raise ValueError(f"{name}={shown} must not contain {char!r}"
                             + ("" if spaces else " (IRC forbids spaces, CR, LF and NUL here)"))


def _nick(name: str, value: object) -> None:
    _text(name, value, optional=False)
    assert isinstance(value, str)
    if value.startswith(":"):
        raise ValueError(f"{name}={value!r} must not start with ':'")


def _strings(name: str, value: object) -> tuple[Any, ...]:
    """An iterable of str (not a str itself), as a tuple (so a generator is read once)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be an iterable of str (a list or tuple), "
                        f"not {_name(value)} {value!r}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold only str, not {_name(item)} {item!r}")
    return items


def _encoding(value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"encoding must be a codec name (str), not {_name(value)} {value!r}")
    try:
        codecs.lookup(value)
        ascii_compatible = (_ASCII_SAMPLE.encode(value) == _ASCII_SAMPLE.encode("ascii")
                            and b"\r\n".decode(value) == "\r\n")
    except LookupError:
        raise ValueError(f"encoding={value!r} is not a known text codec") from None
    except (ValueError, TypeError):
        ascii_compatible = False
    if not ascii_compatible:
        raise ValueError(f"encoding={value!r} is not ASCII-compatible: IRC needs one that "
                         "writes ASCII as ASCII (utf-8, latin-1, cp1252, ...; not utf-16/32)")


def _sasl(value: object) -> None:
    if value is None or isinstance(value, Mechanism):
        return
    if isinstance(value, str):
        if value.upper() != "EXTERNAL":
            raise ValueError(f'sasl={value!r}: the only mechanism named by a str is '
                             '"EXTERNAL"; pass ("account", "password") for PLAIN')
        return
    if isinstance(value, tuple) and len(value) == 2:
        for part, label in zip(value, ("account", "password"), strict=True):
            if not isinstance(part, str) or not part:
                raise TypeError(f"sasl {label} must be a non-empty str, not {_name(part)}")
            if "\0" in part:
                raise ValueError(f"sasl {label} must not contain NUL")
        return
    raise TypeError('sasl must be ("account", "password"), "EXTERNAL", a '
                    f"bottom.sasl.Mechanism or None, not {_name(value)}")


def _host(value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"host must be a non-empty str (a name or an address), "
                        f"not {_name(value)} {value!r}")
    if not value.strip() or any(c in value for c in (*_LINE_BREAKING, " ")):
        raise ValueError(f"host must be a non-empty name or address without spaces, "
                         f"not {value!r}")


def _check_one(name: str, value: Any) -> Any:
    """Check keyword ``name``; return its value, iterables as tuples."""
    if name in _FLAGS:
        _flag(name, value)
    elif name in _TIMES:
        optional, zero = _TIMES[name]
        _number(name, value, optional=optional, zero=zero)
    elif name in _CHECKS:
        _CHECKS[name](value)
    elif name == "caps":
        value = _strings(name, value)
        for cap in value:
            _text("caps", cap, optional=False)
    elif name == "alt_nicks":
        value = _strings(name, value)
        for nick in value:
            _nick("alt_nicks", nick)
    return value


_FLAGS = frozenset({"auto_pong", "flood_control", "ctcp_replies", "track_state"})
# name -> (None allowed, 0 allowed)
_TIMES = {
    "flood_rate": (False, False), "ping_interval": (True, False),
    "ping_timeout": (False, False), "connect_timeout": (False, False),
    "register_timeout": (True, False), "disconnect_timeout": (False, True),
}
_CHECKS: dict[str, Any] = {
    "host": _host,
    "port": lambda v: _integer("port", v, 0, 65535, _PORTS),
    "ssl": lambda v: None if isinstance(v, (bool, _ssl.SSLContext)) else _raise(TypeError(
        f"ssl must be True, False or an ssl.SSLContext, not {_name(v)} {v!r}")),
    "encoding": _encoding,
    "loop": lambda v: None if v is None or callable(getattr(v, "call_soon", None)) else _raise(
        TypeError(f"loop must be an asyncio event loop or None, not {_name(v)} {v!r}")),
    "flood_burst": lambda v: _integer("flood_burst", v, 1, None, "an int >= 1 (lines)"),
    "max_line_bytes": lambda v: _integer("max_line_bytes", v, MIN_LINE_BYTES, None,
                                         f"an int >= {MIN_LINE_BYTES} (bytes)"),
    "reconnect": lambda v: None if isinstance(v, (bool, ReconnectPolicy)) else _raise(
        TypeError(f"reconnect must be True, False or a bottom.ReconnectPolicy, "
                  f"not {_name(v)} {v!r}")),
    "nick": lambda v: None if v is None else _nick("nick", v),
    "username": lambda v: _text("username", v),
    "realname": lambda v: _text("realname", v, spaces=True, empty=True),
    "password": lambda v: _text("password", v, spaces=True, hidden=True),
    "sasl": _sasl,
    "ctcp_version": lambda v: _text("ctcp_version", v, optional=False, spaces=True,
                                    empty=True),
}


def _raise(error: Exception) -> None:
    raise error


def check_client_options(**keywords: Any) -> dict[str, Any]:
    """Check ``Client(...)``'s keywords; return them, ``caps`` and
    ``alt_nicks`` as tuples (a generator given is read once, here).

    Keywords this module does not know are returned unchecked.

    :raises TypeError: for a value of the wrong type, naming the keyword.
    :raises ValueError: for a value out of range, naming the keyword and
        the accepted range.
    """
    return {name: _check_one(name, value) for name, value in keywords.items()}


# --- per call ---------------------------------------------------------------------


def check_command(command: object) -> str:
    """``send()``'s command: a non-empty str."""
    if not isinstance(command, str):
        raise TypeError(f"command must be a str such as 'privmsg', not {_name(command)} "
                        f"{command!r}")
    if not command.strip():
        raise ValueError("command must not be empty")
    return command


def check_tags(tags: object) -> None:
    """``send(tags=...)``: None or a Mapping of str to str or None."""
    if tags is None:
        return
    if not isinstance(tags, Mapping):
        raise TypeError(f"tags must be a mapping of str to str or None (a dict), "
                        f"not {_name(tags)}")
    for key, value in tags.items():
        if not isinstance(key, str):
            raise TypeError(f"tags keys must be str, not {_name(key)} {key!r}")
        if value is not None and not isinstance(value, str):
            raise TypeError(f"tags[{key!r}] must be a str or None, not {_name(value)} "
                            f"{value!r}")


def check_send_values(command: str, kwargs: Mapping[str, Any]) -> None:
    """``send()``'s ``message``: not bytes, which str() would send as ``b'...'``.

    (Other fields refuse bytes where they are formatted, with
    :class:`~bottom.InvalidMessage`.)
    """
    value = kwargs.get("message")
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{command.strip().upper()} not sent: message= must be a str, "
                        f"not {_name(value)}; decode it first")


def check_raw(line: object) -> str:
    """``send_raw()``'s line: a str."""
    if not isinstance(line, str):
        raise TypeError(f"line must be a str, not {_name(line)}")
    return line


def check_event(event: object, name: str = "event") -> str:
    """``on()``/``wait()``'s event name: a non-empty str."""
    if not isinstance(event, str):
        raise TypeError(f"{name} must be an event name (str), not {_name(event)} {event!r}")
    if not event.strip():
        raise ValueError(f"{name} must be a non-empty event name such as 'privmsg', "
                         f"not {event!r}")
    return event
