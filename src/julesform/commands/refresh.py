"""``julesform refresh PROGRAMME``: record what is live, without writing to any session.

Adopts sessions that carry this programme's marker but are missing from the lockfile (a create whose
response was lost, an apply on another machine) and unbinds sessions that no longer exist. Agent
plans, messages, creates: none of that happens here; ``plan`` shows what is left to do.
"""

from __future__ import annotations

from pathlib import Path

import click

from julesform.apply.executor import ApplyOptions
from julesform.apply.session import execute
from julesform.commands.options import lock_timeout_option, lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK
from julesform.state.lockfile import default_lockfile_path
from julesform.state.mutex import LockfileMutex
from julesform.state.store import LockfileStore


@click.command("refresh")
@click.argument("programme", type=click.Path(dir_okay=False, path_type=Path))
@lockfile_option
@lock_timeout_option
@pass_app
def command(app: AppContext, programme: Path, lockfile_path: Path | None, lock_timeout: float) -> int:
    """Adopt PROGRAMME's marked sessions missing from the lockfile and unbind vanished ones."""
    from julesform.pipeline import account_observer, plan_prepared, prepare

    client = app.client()
    path = lockfile_path or default_lockfile_path(programme)
    with LockfileMutex(path, operation="refresh", timeout=lock_timeout):
        prepared = prepare(client, programme, lockfile_path=path)
        observer = account_observer(app)
        observer.list_all()  # the whole account: marked sessions can only be found in a listing
        run = plan_prepared(prepared, observer)
        imports = [c for c in run.plan.changes if c.action == "import"]
        adopting = {c.category for c in imports}
        gone = {
            cid: binding.session
            for cid, binding in run.lockfile.bindings.items()
            if binding.session in run.observed.vanished and cid not in adopting
        }
        if not imports and not gone:
            app.console.out(f"Refresh complete: {path} matches the live sessions.")
            return EXIT_OK
        lock = run.lockfile
        exists = run.lockfile_exists
        if gone:
            for cid, name in sorted(gone.items()):
                del lock.bindings[cid]
                app.console.err(f"{cid}: unbound {name} (it no longer exists)")
            lock = LockfileStore(path, expected_serial=lock.serial if exists else None).write(lock)
            exists = True
        unbound = [f"{len(gone)} unbound"] if gone else []
        if not imports:
            app.console.out(f"Refresh complete: {unbound[0]}.")
            return EXIT_OK
        return execute(
            app,
            plan=run.plan.model_copy(update={"changes": imports, "quota": None}),
            client=client,
            lockfile=lock,
            lockfile_path=path,
            lockfile_exists=exists,
            specs={cid: want.spec for cid, want in run.desired.items()},
            depends_on={},
            options=ApplyOptions(),
            title="Refresh complete",
            extra=unbound,
        )
