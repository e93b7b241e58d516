"""Hypothesis strategies shared by the codec tests."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from bottom.message import Message

__all__ = [
    "commands",
    "messages",
    "middle_params",
    "sources",
    "tag_keys",
    "tag_values",
    "trailing_params",
]

# Anything a str can hold except what no IRC line may carry (NUL, CR, LF)
# and lone surrogates, which no encoding can put on the wire.
_LINE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0\r\n")
# A middle parameter or a source: no space either.
_WORD_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0\r\n ")
_KEY_CHARS = string.ascii_letters + string.digits + "-"


def tag_keys() -> st.SearchStrategy[str]:
    """IRCv3 tag keys: ``[+][vendor/]name``."""
    name = st.text(_KEY_CHARS, min_size=1, max_size=12)
    label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
    vendor = st.lists(label, min_size=1, max_size=3).map(lambda labels: ".".join(labels) + "/")
    return st.builds(lambda plus, vendor, name: plus + vendor + name,
                     st.sampled_from(["", "+"]), st.one_of(st.just(""), vendor), name)


def tag_values() -> st.SearchStrategy[str]:
    """Tag values: anything but NUL, often the characters escaping exists for."""
    special = st.sampled_from(";  \\\r\n=:s@")
    return st.text(st.one_of(special, _LINE_CHARS, st.sampled_from("\r\n")), max_size=16)


def sources() -> st.SearchStrategy[str]:
    """``nick``, ``nick!user@host`` and the other shapes servers send."""
    word = st.text(_WORD_CHARS.filter(lambda c: c not in "!@"), min_size=1, max_size=10)
    host = st.one_of(word, st.just("2001:db8::1"), st.just("irc.example.com"))
    return st.one_of(
        word,
        st.builds(lambda n, u, h: f"{n}!{u}@{h}", word, word, host),
        st.builds(lambda n, h: f"{n}@{h}", word, host),
        st.builds(lambda n, u: f"{n}!{u}", word, word),
    )


def commands() -> st.SearchStrategy[str]:
    """A word command (any case) or a three-digit numeric."""
    return st.one_of(st.text(string.ascii_letters, min_size=1, max_size=12),
                     st.integers(0, 999).map("{:03d}".format))


def middle_params() -> st.SearchStrategy[str]:
    """Non-empty, no space, no leading ``:``."""
    return st.text(_WORD_CHARS, min_size=1, max_size=12).filter(lambda p: p[0] != ":")


def trailing_params() -> st.SearchStrategy[str]:
    """The last parameter: may be empty and hold spaces and colons."""
    return st.text(st.one_of(st.sampled_from("  ::"), _LINE_CHARS), max_size=24)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    """Messages that ``str()`` can write, so they must read back as themselves."""
    params = draw(st.lists(middle_params(), max_size=4))
    if draw(st.booleans()):
        params.append(draw(trailing_params()))
    return Message(
        draw(commands()),
        params,
        tags=draw(st.dictionaries(tag_keys(), tag_values(), max_size=3)),
        source=draw(st.one_of(st.none(), sources())),
    )
