"""The package's front door: lazy imports and exactly the documented names."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import bottom

DOCS = Path(__file__).parent.parent / "docs"
PURE_MODULES = ["bottom.message", "bottom.events", "bottom.commands", "bottom.registration",
                "bottom.casemap", "bottom.isupport", "bottom.cap", "bottom.ctcp",
                "bottom.keepalive", "bottom.framing", "bottom.sasl"]


def test_the_pure_core_imports_no_asyncio() -> None:
    code = (f"import sys\nimport {', '.join(PURE_MODULES)}\n"
            "print(sorted(m for m in sys.modules if m == 'asyncio' or m.startswith('asyncio.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout
    assert out.strip() == "[]"


def test_names_are_imported_on_first_use() -> None:
    code = ("import sys, bottom\nbefore = 'bottom.client' in sys.modules\n"
            "bottom.Client\nprint(before, 'bottom.client' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout
    assert out.split() == ["False", "True"]


def test_every_public_name_resolves_and_nothing_else_does() -> None:
    for name in bottom.__all__:
        assert getattr(bottom, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'Clinet'"):
        bottom.Clinet  # noqa: B018
    assert set(bottom.__all__) == set(bottom._EXPORTS)
    assert bottom.__version__


def test_all_is_exactly_the_names_the_docs_document_at_top_level() -> None:
    documented = set()
    for page in DOCS.glob("*.rst"):
        documented |= set(re.findall(
            r"^\.\. (?:autoclass|autofunction|autodata|autoexception|class|function|data|exception)"
            r":: bottom\.(\w+)\s*$", page.read_text(encoding="utf-8"), re.M))
    assert documented == set(bottom.__all__)
