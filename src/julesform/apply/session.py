"""Running an executor from a command: the reporter for this terminal, the summary, the exit code.

Shared by ``apply`` (programme or saved plan) and ``refresh``, so every path that writes the
lockfile prints progress and its outcome the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from julesform.apply.executor import ApplyOptions, Executor
from julesform.apply.progress import LiveReporter, PlainReporter, Reporter
from julesform.errors import EXIT_ERROR, EXIT_OK
from julesform.planner.plan import Plan
from julesform.planner.spec import SessionSpec
from julesform.state.lockfile import Lockfile
from julesform.state.store import LockfileStore

if TYPE_CHECKING:
    from julesform.api.client import JulesClient
    from julesform.context import AppContext


def reporter_for(app: AppContext) -> Reporter:
    """A live display for a person at a terminal; plain lines for logs and pipes."""
    if app.console.is_terminal and not app.debug:
        return LiveReporter(app.console)
    return PlainReporter(app.console)


def execute(
    app: AppContext,
    *,
    plan: Plan,
    client: JulesClient,
    lockfile: Lockfile,
    lockfile_path: Path,
    lockfile_exists: bool,
    specs: Mapping[str, SessionSpec],
    depends_on: Mapping[str, Sequence[str]],
    options: ApplyOptions,
    title: str = "Apply complete",
    extra: Sequence[str] = (),
) -> int:
    """Carry ``plan`` out (the caller holds the mutex), print the summary, return the exit code."""
    store = LockfileStore(lockfile_path, expected_serial=lockfile.serial if lockfile_exists else None)
    executor = Executor(
        client=client,
        store=store,
        lockfile=lockfile,
        specs=specs,
        depends_on=depends_on,
        reporter=reporter_for(app),
        options=options,
    )
    report = executor.run(plan)
    app.console.out(report.summary(title, extra))
    if executor.fatal is not None:
        raise executor.fatal
    return EXIT_OK if report.ok else EXIT_ERROR
