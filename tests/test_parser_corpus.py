"""The ircdocs parser-tests corpus (tests/data, vendored unmodified), case by case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bottom.message import Message, split_source

DATA = Path(__file__).parent / "data"


def _cases(name: str) -> list[dict[str, Any]]:
    with open(DATA / name, encoding="utf-8") as file:
        return yaml.safe_load(file)["tests"]


def _params(cases: list[dict[str, Any]], key: str) -> list[Any]:
    return [pytest.param(case, id=str(case[key])) for case in cases]


SPLIT = _cases("msg-split.yaml")
JOIN = _cases("msg-join.yaml")
USERHOST = _cases("userhost-split.yaml")


def test_the_corpus_files_are_all_there() -> None:
    # A truncated or missing vendored file would quietly shrink the suite.
    assert (len(SPLIT), len(JOIN), len(USERHOST)) == (35, 18, 6)


def _tags(atoms: dict[str, Any]) -> dict[str, str]:
    # The corpus writes a tag without a value as "" or null; ours is "".
    return {key: "" if value is None else value
            for key, value in (atoms.get("tags") or {}).items()}


@pytest.mark.parametrize("case", _params(SPLIT, "input"))
def test_parse_splits_the_corpus_line_into_its_atoms(case: dict[str, Any]) -> None:
    atoms = case["atoms"]
    msg = Message.parse(case["input"])
    assert msg.tags == _tags(atoms)
    assert msg.source == atoms.get("source")
    assert msg.command == atoms["verb"]
    assert msg.params == tuple(atoms.get("params") or ())


@pytest.mark.parametrize("case", _params(JOIN, "desc"))
def test_str_joins_the_corpus_atoms_into_one_of_the_matching_lines(
        case: dict[str, Any]) -> None:
    atoms = case["atoms"]
    msg = Message(atoms["verb"], atoms.get("params") or (),
                  tags=_tags(atoms), source=atoms.get("source"))
    assert str(msg) in case["matches"]


@pytest.mark.parametrize("case", _params(USERHOST, "source"))
def test_split_source_splits_the_corpus_source_into_nick_user_host(
        case: dict[str, Any]) -> None:
    atoms = case["atoms"]
    # The corpus writes a missing part as a missing key; ours is None.
    expected = tuple(atoms.get(part) for part in ("nick", "user", "host"))
    assert split_source(case["source"]) == expected
