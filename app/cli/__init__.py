"""The ``floorkeeper`` command (``python -m app.cli``, or the installed script)."""

from app.cli.command import main

__all__ = ["main"]
