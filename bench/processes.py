"""Child processes that announce ``listening on HOST:PORT`` on their first line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import TracebackType

__all__ = ["ListeningProcess", "ROOT"]

#: The checkout: children run from here so ``-m bench.x`` and ``bottom`` import.
ROOT = Path(__file__).resolve().parent.parent


class ListeningProcess:
    """``with ListeningProcess([...], "what") as p: p.port`` — start, read the
    port from the first line, terminate on exit."""

    def __init__(self, args: list[str], what: str, *, stop_timeout: float = 10.0) -> None:
        self.args = args
        self.what = what
        self.stop_timeout = stop_timeout
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ListeningProcess:
        self._process = subprocess.Popen([sys.executable, *self.args], cwd=ROOT,
                                         stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        first = self._process.stdout.readline().split()
        if first[:2] != ["listening", "on"]:
            self.close()
            raise RuntimeError(f"{self.what} did not start: {first!r}")
        self.port = int(first[2].rsplit(":", 1)[1])
        return self

    @property
    def pid(self) -> int:
        """The child's process id (while it runs)."""
        if self._process is None:
            raise RuntimeError(f"{self.what} is not running")
        return self._process.pid

    def close(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(self.stop_timeout)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
