"""Apply progress: a live display on a terminal, one plain line per finished action otherwise.

CI logs need lines that make sense on their own (``strict-auth: created sessions/123``); a person at
a terminal wants to see what is in flight. Both go to stderr, leaving stdout to the plan and summary.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from julesform.apply.outcome import Outcome
from julesform.console import visible

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from julesform.console import Console


class Reporter(Protocol):
    def start(self, total: int) -> None: ...
    def begin(self, category: str, action: str) -> None: ...
    def finish(self, outcome: Outcome) -> None: ...
    def close(self) -> None: ...


def line_for(outcome: Outcome) -> str:
    if outcome.status in ("done", "unneeded"):
        return f"{outcome.category}: {outcome.detail}"
    return f"{outcome.category}: {outcome.action} {outcome.status}: {outcome.detail}"


class PlainReporter:
    """One line per finished action (thread-safe: actions finish on worker threads)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lock = threading.Lock()

    def start(self, total: int) -> None:
        pass

    def begin(self, category: str, action: str) -> None:
        pass

    def finish(self, outcome: Outcome) -> None:
        with self._lock:
            self.console.err(line_for(outcome))

    def close(self) -> None:
        pass


class LiveReporter:
    """A rich progress bar for the whole apply, naming the actions in flight; finished lines above it."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self._progress: Progress = Progress(
            SpinnerColumn(),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console.rich_err,
            transient=True,
        )
        self._task: TaskID | None = None
        self._in_flight: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("", total=total)

    def _describe(self) -> str:
        names = [f"{cid} ({action})" for cid, action in self._in_flight.items()]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"in flight: {shown}" if names else ""

    def begin(self, category: str, action: str) -> None:
        with self._lock:
            self._in_flight[category] = action
            if self._task is not None:
                self._progress.update(self._task, description=self._describe())

    def finish(self, outcome: Outcome) -> None:
        with self._lock:
            self._in_flight.pop(outcome.category, None)
            style = {"done": "green", "unneeded": "dim", "failed": "red", "skipped": "yellow"}[outcome.status]
            self._progress.console.print(visible(line_for(outcome)), style=style, highlight=False)
            if self._task is not None:
                self._progress.update(self._task, advance=1, description=self._describe())

    def close(self) -> None:
        self._progress.stop()
