"""Nick and channel name case folding by the server's ``CASEMAPPING``.

Pure: no I/O, no asyncio.  IRC servers compare names case-insensitively,
but what counts as "the same letter" depends on the ``CASEMAPPING`` token
of RPL_ISUPPORT (005):

``ascii``
    ``A-Z`` fold to ``a-z``; nothing else changes (ngircd).
``rfc1459``
    ``A-Z`` plus ``[]\\~`` fold to ``{}|^`` (the Scandinavian heritage of
    RFC 1459; inspircd's default and what to assume when 005 says nothing).
``strict-rfc1459``
    ``A-Z`` plus ``[]\\`` fold to ``{}|``; ``~`` and ``^`` stay distinct.

Any other name (``rfc7613``, ``utf8``, a vendor's own) folds the ASCII
letters ``A-Z`` only.  That is exact for ASCII names and never folds two
names the server keeps apart, though it may keep apart non-ASCII names
that such a server would fold together.  Names are matched
case-insensitively (``RFC1459`` is ``rfc1459``).
"""

from __future__ import annotations

import string

__all__ = ["CASEMAPPINGS", "casefold", "equal"]

_UPPER, _LOWER = string.ascii_uppercase, string.ascii_lowercase
_TABLES: dict[str, dict[int, int]] = {
    "ascii": str.maketrans(_UPPER, _LOWER),
    "rfc1459": str.maketrans(_UPPER + "[]\\~", _LOWER + "{}|^"),
    "strict-rfc1459": str.maketrans(_UPPER + "[]\\", _LOWER + "{}|"),
}

#: The casemapping names folded exactly; any other name folds like ``ascii``.
CASEMAPPINGS: tuple[str, ...] = tuple(_TABLES)


def _table(casemapping: str) -> dict[int, int]:
    table = _TABLES.get(casemapping)
    if table is None:
        table = _TABLES.get(casemapping.lower(), _TABLES["ascii"])
    return table


def casefold(name: str, casemapping: str = "rfc1459") -> str:
    """Return ``name`` folded to lower case under ``casemapping``.

    Two names are the same nick or channel to the server exactly when
    their folded forms are equal.  Never raises; an unknown casemapping
    folds ``A-Z`` only (see the module docstring).
    """
    return name.translate(_table(casemapping))


def equal(a: str, b: str, casemapping: str = "rfc1459") -> bool:
    """Whether ``a`` and ``b`` name the same nick or channel under ``casemapping``."""
    table = _table(casemapping)
    return a.translate(table) == b.translate(table)
