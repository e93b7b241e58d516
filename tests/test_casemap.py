"""bottom.casemap: nick and channel folding by CASEMAPPING."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottom.casemap import CASEMAPPINGS, casefold, equal

FOLDS = [
    # (casemapping, name, folded)
    ("ascii", "NiCk", "nick"),
    ("ascii", "Nick[]\\~", "nick[]\\~"),
    ("ascii", "ÀÉÎ", "ÀÉÎ"),
    ("rfc1459", "NiCk", "nick"),
    ("rfc1459", "Nick[]\\~", "nick{}|^"),
    ("rfc1459", "{}|^", "{}|^"),
    ("rfc1459", "ÀÉÎ", "ÀÉÎ"),
    ("strict-rfc1459", "Nick[]\\", "nick{}|"),
    ("strict-rfc1459", "~", "~"),
    ("strict-rfc1459", "^", "^"),
]


@pytest.mark.parametrize(("casemapping", "name", "folded"), FOLDS)
def test_casefold_folds_the_characters_of_each_casemapping(casemapping, name, folded):
    assert casefold(name, casemapping) == folded


def test_casefold_defaults_to_rfc1459():
    assert casefold("A[~") == "a{^"


@pytest.mark.parametrize("casemapping", ["rfc7613", "utf8", "", "vendor.example/x"])
def test_an_unknown_casemapping_folds_ascii_letters_only(casemapping):
    assert casefold("ÀNick[]\\~", casemapping) == "Ànick[]\\~"


def test_casemapping_names_match_case_insensitively():
    assert casefold("[~", "RFC1459") == "{^"


def test_casefold_keeps_an_empty_name_empty():
    assert casefold("", "rfc1459") == ""


def test_the_known_casemappings_are_listed():
    assert set(CASEMAPPINGS) == {"ascii", "rfc1459", "strict-rfc1459"}


EQUALITY = [
    # (casemapping, a, b, equal)
    ("ascii", "Nick", "nICK", True),
    ("ascii", "nick[", "nick{", False),
    ("ascii", "nick~", "nick^", False),
    ("rfc1459", "Nick[", "nick{", True),
    ("rfc1459", "nick~", "NICK^", True),
    ("rfc1459", "a\\b", "A|B", True),
    ("strict-rfc1459", "Nick[", "nick{", True),
    ("strict-rfc1459", "nick~", "nick^", False),
    ("rfc1459", "#Chan", "#chan", True),
    ("rfc1459", "nick", "nick2", False),
]


@pytest.mark.parametrize(("casemapping", "a", "b", "same"), EQUALITY)
def test_equal_compares_names_under_the_casemapping(casemapping, a, b, same):
    assert equal(a, b, casemapping) is same


def test_equal_defaults_to_rfc1459():
    assert equal("nick~", "NICK^")


_ALL = [*CASEMAPPINGS, "rfc7613"]


@settings(deadline=None)
@given(st.text(), st.sampled_from(_ALL))
def test_casefold_is_idempotent(name, casemapping):
    once = casefold(name, casemapping)
    assert casefold(once, casemapping) == once


@settings(deadline=None)
@given(st.text(), st.sampled_from(_ALL))
def test_casefold_keeps_the_length_and_every_non_ascii_character(name, casemapping):
    folded = casefold(name, casemapping)
    assert len(folded) == len(name)
    assert all(f == c for f, c in zip(folded, name, strict=True) if not c.isascii())


@settings(deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + "[]\\~{}|^-_"))
def test_every_casemapping_folds_at_least_what_ascii_folds(name):
    for casemapping in CASEMAPPINGS:
        assert casefold(casefold(name, "ascii"), casemapping) == casefold(name, casemapping)
