"""``python -m bottom`` and the ``bottom`` console script: see :mod:`bottom.cli`."""

from __future__ import annotations

import sys

from .cli import IrcUrl, describe, main, parse_url
from .cli.demo import echo_bot

__all__ = ["IrcUrl", "describe", "echo_bot", "main", "parse_url"]

if __name__ == "__main__":
    sys.exit(main())
