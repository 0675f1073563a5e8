"""All terminal output goes through here: stdout for what the user asked for, stderr for the rest.

Colour only on a terminal and never when ``NO_COLOR`` is set (rich honours both); markup is off so
user data (prompts, titles) is printed verbatim, except for control characters: text from the API
(titles, error messages, agent messages) could otherwise drive the user's terminal with escape
sequences or reorder what is shown with bidi overrides, so those are printed as visible escapes.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console as RichConsole


_INVISIBLE = {
    code: f"\\u{code:04x}"  # the JSON spelling, so a JSON document printed stays valid and equal
    for code in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    if chr(code) not in "\n\t"
}


def visible(text: str) -> str:
    """``text`` with control characters and bidi overrides shown as escapes (``\\u001b``), never sent."""
    return text.translate(_INVISIBLE)


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
        text = visible(text)
        if style is None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            self.rich_out.print(text, style=style)

    def err(self, text: str = "", *, style: str | None = None) -> None:
        """Print progress, warnings and diagnostics to stderr."""
        text = visible(text)
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
