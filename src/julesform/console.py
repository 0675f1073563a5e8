"""All terminal output goes through here: stdout for what the user asked for, stderr for the rest.

Colour only on a terminal and never when ``NO_COLOR`` is set (rich honours both); markup is off so
user data (prompts, titles) is printed verbatim.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console as RichConsole


def _colour_allowed(stream: object) -> bool:
    if "NO_COLOR" in os.environ:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Console:
    """Thin wrapper so commands never print directly and tests can capture everything."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug_enabled = debug

    @cached_property
    def rich_out(self) -> RichConsole:
        return self._make(sys.stdout)

    @cached_property
    def rich_err(self) -> RichConsole:
        return self._make(sys.stderr)

    @staticmethod
    def _make(stream: object) -> RichConsole:
        from rich.console import Console as RichConsole

        colour = _colour_allowed(stream)
        return RichConsole(
            file=stream,  # type: ignore[arg-type]
            no_color=not colour,
            color_system="auto" if colour else None,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=True,
        )

    @property
    def is_terminal(self) -> bool:
        return _colour_allowed(sys.stderr) or bool(sys.stdin.isatty() and sys.stderr.isatty())

    def out(self, text: str = "", *, style: str | None = None) -> None:
        """Print what the user asked for (a plan, JSON, a report) to stdout."""
        if style is None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            self.rich_out.print(text, style=style)

    def err(self, text: str = "", *, style: str | None = None) -> None:
        """Print progress, warnings and diagnostics to stderr."""
        if style is None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        else:
            self.rich_err.print(text, style=style)

    def warn(self, text: str) -> None:
        self.err(f"warning: {text}", style="yellow")

    def debug(self, text: str) -> None:
        if self.debug_enabled:
            self.err(f"debug: {text}", style="dim")
