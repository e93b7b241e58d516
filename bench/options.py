"""Command-line option types shared by the bench scripts."""

from __future__ import annotations

import argparse

__all__ = ["positive_int", "seconds"]


def positive_int(text: str) -> int:
    """argparse type for counts (lines, repeats, clients): at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def seconds(text: str) -> float:
    """argparse type for durations (the quiet period): 0 or more seconds."""
    value = float(text)
    if not value >= 0:  # also NaN
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value
