"""``julesform force-unlock LOCK_ID``: break a lock whose holder is gone.

The OS releases the lock when its process dies, so this is rarely needed: a lock that outlived its
holder (a network filesystem, a frozen machine) is the case it exists for. It needs the lock id the
"locked by" error printed, so a lock is never broken by accident.
"""

from __future__ import annotations

from pathlib import Path

import click

from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK
from julesform.state.lockfile import default_lockfile_path
from julesform.state.mutex import UnlockFailed, find_lock, force_unlock


@click.command("force-unlock")
@click.argument("lock_id")
@click.argument("programme", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lockfile", "lockfile_path", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="The locked lockfile [default: found by LOCK_ID under the state directory].")
@pass_app
def command(app: AppContext, lock_id: str, programme: Path | None, lockfile_path: Path | None) -> int:
    """Remove the lock LOCK_ID (from the "locked by" error) of PROGRAMME's lockfile, or whichever holds it."""
    path = lockfile_path or (default_lockfile_path(programme) if programme else None)
    if path is None:
        path = find_lock([app.state_dir], lock_id)
        if path is None:
            raise UnlockFailed(f"no lock with id {lock_id} under {app.state_dir}/; pass --lockfile PATH")
    holder = force_unlock(path, lock_id)
    app.console.out(f"Removed lock {lock_id} on {path} (held by {holder.describe()}).")
    return EXIT_OK
