"""Composition root of the desktop client."""

from __future__ import annotations


def run(argv: list[str]) -> int:
    """Start the Qt application on a qasync loop; returns the exit code."""
    from desktop.ui.entry import run_qt

    return run_qt(argv)
