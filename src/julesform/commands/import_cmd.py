"""``julesform import PROGRAMME CATEGORY SESSION``: bind a session made by hand to a category.

julesform did not create the session, so it cannot know what the session was sent. The binding
records the category's *current* spec hash, so the category shows in sync and later edits of the
programme show as drift; ``apply --replace CATEGORY`` starts over from the spec if that is wanted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from julesform.api.errors import NotFound
from julesform.apply.executor import rfc3339
from julesform.commands.options import lock_timeout_option, lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK, JulesformError, UsageError
from julesform.planner.spec import parse_marker
from julesform.state.lockfile import Binding, default_lockfile_path
from julesform.state.mutex import LockfileMutex
from julesform.state.store import LockfileStore


class ImportRefused(JulesformError):
    """The session cannot be bound to that category."""


@click.command("import")
@click.argument("programme", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("category")
@click.argument("session")
@lockfile_option
@lock_timeout_option
@pass_app
def command(
    app: AppContext,
    programme: Path,
    category: str,
    session: str,
    lockfile_path: Path | None,
    lock_timeout: float,
) -> int:
    """Bind an existing SESSION (sessions/ID or ID) to CATEGORY of PROGRAMME, after checking it exists."""
    from julesform.pipeline import prepare

    name = session if session.startswith("sessions/") else f"sessions/{session}"
    client = app.client()
    path = lockfile_path or default_lockfile_path(programme)
    with LockfileMutex(path, operation="import", timeout=lock_timeout):
        prepared = prepare(client, programme, lockfile_path=path)
        want = prepared.desired.get(category)
        if want is None:
            known = ", ".join(prepared.desired)
            raise UsageError(f"{programme} has no category {category} (categories: {known})")
        lock = prepared.lockfile
        for other, binding in lock.bindings.items():
            if binding.session == name and other != category:
                raise ImportRefused(f"{name} is already bound to category {other}")
            if name in binding.superseded:
                raise ImportRefused(f"{name} was superseded in category {other}; it is not imported again")
        current = lock.bindings.get(category)
        if current is not None and current.session == name:
            app.console.out(f"{category} is already bound to {name}; nothing to do.")
            return EXIT_OK
        try:
            live = client.get_session(name)
        except NotFound:
            raise ImportRefused(f"cannot import {name}: no such session (check the id)") from None
        marked = parse_marker(live.title)
        programme_name = prepared.loaded.programme.name
        if marked is not None and marked != (programme_name, category):
            raise ImportRefused(
                f"{name} carries the marker of {marked[0]}/{marked[1]}, not {programme_name}/{category}"
            )
        lock.pending.pop(category, None)
        lock.bindings[category] = Binding(
            session=name,
            spec_hash=want.spec_hash,
            attempt=current.attempt + 1 if current else 1,
            superseded=[*current.superseded, current.session] if current else [],
            bound_at=rfc3339(datetime.now(UTC)),
            require_plan_approval=want.spec.require_plan_approval,
            automation_mode=want.spec.automation_mode,
        )
        store = LockfileStore(path, expected_serial=lock.serial if prepared.lockfile_exists else None)
        written = store.write(lock)
    replaced = f" (it supersedes {current.session})" if current else ""
    app.console.out(
        f"Imported {name} ({live.state}) into {category}{replaced}; {path} is now at serial {written.serial}."
    )
    app.console.err(
        f"note: the binding records the current spec of {category}, so the category shows in sync; "
        f"later edits of its prompt show as drift"
    )
    return EXIT_OK
