"""Reading a channel MODE string by the server's CHANMODES and PREFIX.

Pure: no I/O, no asyncio.  One MODE line may mix every class:
``MODE #c +ov-v+kl alice alice bob key 10``.  Which letters take a
parameter comes from 005 (RPL_ISUPPORT):

* PREFIX modes (``o``, ``v``...) always take a nick;
* type A (lists: ``b``, ``e``, ``I``) always take a mask;
* type B (``k``) always take one (servers send ``-k key`` or ``-k *``);
* type C (``l``) take one when set only;
* type D (``imnpst``) and letters the server never announced take none.

A letter whose parameter is missing is skipped, as servers skip it (``+b``
with no mask is a list query, not a change); a type B unset without its
parameter still unsets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .channel import Status

__all__ = ["ModeChange", "ModeClasses", "mode_classes", "parse_modes"]

#: (sign, letter, parameter or None, kind): kind is "prefix", "A", "B", "C" or "D"
ModeChange = tuple[str, str, "str | None", str]


class ModeClasses:
    """The letters of each class, read once per 005 instead of once per MODE."""

    __slots__ = ("kinds", "prefix", "symbols", "ranks", "statuses")

    def __init__(self, chanmodes: Sequence[str], prefix: dict[str, str]) -> None:
        kinds: dict[str, str] = {}
        for kind, letters in zip("ABCD", chanmodes, strict=False):
            for letter in letters:
                kinds[letter] = kind
        for letter in prefix:
            kinds[letter] = "prefix"
        #: letter -> its class
        self.kinds = kinds
        #: prefix mode -> symbol, highest rank first (``{"o": "@", "v": "+"}``)
        self.prefix = prefix
        #: symbol -> prefix mode
        self.symbols = {symbol: mode for mode, symbol in prefix.items()}
        #: prefix mode -> rank, 0 the highest
        self.ranks = {mode: rank for rank, mode in enumerate(prefix)}
        #: modes -> the shared :class:`bottom.channel.Status` (filled by
        #: :class:`bottom.State`): held here, not per client, since a Status
        #: depends on nothing but the modes and PREFIX
        self.statuses: dict[frozenset[str], Status] = {}

    def highest(self, modes: frozenset[str]) -> str:
        """The symbol of the highest of ``modes`` (``""`` for none)."""
        if not modes:
            return ""
        ranks = self.ranks
        best = min(modes, key=lambda mode: ranks.get(mode, len(ranks)))
        return self.prefix.get(best, "")


_Key = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]
_SHARED: dict[_Key, ModeClasses] = {}
# Distinct CHANMODES/PREFIX pairs kept, and the longest shared: a process
# meets few servers, and a hostile one must not grow the table.
_SHARED_MAX = 64
_SHARED_MAX_CHARS = 512


def mode_classes(chanmodes: Sequence[str], prefix: dict[str, str]) -> ModeClasses:
    """The :class:`ModeClasses` of ``chanmodes`` and ``prefix``, one copy
    for every client that heard the same 005 (a bridge's thousands of
    clients on one network hold one).  Shared: read it, never change it."""
    key = (tuple(chanmodes), tuple(prefix.items()))
    classes = _SHARED.get(key)
    if classes is None:
        classes = ModeClasses(chanmodes, dict(prefix))
        if sum(map(len, key[0])) + 2 * len(key[1]) <= _SHARED_MAX_CHARS:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            _SHARED[key] = classes
    return classes


def parse_modes(classes: ModeClasses, modestring: str,
                params: Sequence[str]) -> Iterator[ModeChange]:
    """Yield each change in ``modestring`` with the parameter it consumed."""
    kinds = classes.kinds
    args = iter(params)
    sign = "+"
    for letter in modestring:
        if letter == "+" or letter == "-":
            sign = letter
            continue
        kind = kinds.get(letter, "D")
        if kind == "D" or (kind == "C" and sign == "-"):
            yield sign, letter, None, kind
        else:
            arg = next(args, None)
            if arg is not None:
                yield sign, letter, arg, kind
            elif kind == "B" and sign == "-":
                yield sign, letter, None, kind
