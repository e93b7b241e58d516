"""Sphinx configuration for bottom's documentation.

Build: ``sphinx-build -W -b html docs /tmp/docs-html`` (what ``tox -e docs``
runs).  No network is needed: intersphinx is off, so links to the Python
docs are plain text.  ``docs/_ext/bottom_docs.py`` generates the events and
commands references from the code.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's bottom, not an installed one
sys.path.insert(0, str(HERE / "_ext"))

import bottom  # noqa: E402

project = "bottom"
author = "the bottom developers"
copyright = "2026, the bottom developers"
version = release = bottom.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "bottom_docs",
]
autodoc_member_order = "bysource"
# bottom.pytest_plugin needs pytest-asyncio, which the docs extra does not install.
autodoc_mock_imports = ["pytest_asyncio"]
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
nitpicky = False
highlight_language = "text"  # literal blocks are output and shell commands
html_theme = "alabaster"
html_theme_options = {
    "description": "asyncio IRC client library",
    "fixed_sidebar": True,
    "page_width": "1120px",
}
exclude_patterns = ["_build", "_ext"]
