"""Sphinx configuration for bottom's documentation."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "bottom"
author = "the bottom developers"
copyright = "2026, the bottom developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx", "sphinx.ext.doctest"]
intersphinx_mapping = {"python": ("https://docs.python.org/3", None)}
intersphinx_disabled_reftypes = ["*"]
autodoc_member_order = "bysource"
nitpicky = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
