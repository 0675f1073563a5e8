"""``julesform apply``: carry out a plan, from a programme (after confirmation) or a saved plan file.

The lockfile's mutex is taken before anything is read, so the plan shown is computed from the
lockfile this run will write, and nobody can write it between the question and the answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from julesform.apply.executor import ApplyOptions
from julesform.apply.saved_plan import check_fresh, load_saved_plan, looks_like_saved_plan, record_applied
from julesform.apply.session import execute
from julesform.commands.options import lock_timeout_option, lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK, JulesformError, UsageError
from julesform.planner.plan import Plan
from julesform.state.lockfile import default_lockfile_path
from julesform.state.mutex import LockfileMutex

QUESTION = "Apply these changes? Only 'yes' is accepted"


class ApplyRefused(JulesformError):
    """No confirmation: the user said something other than yes, or could not be asked."""


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def show_plan(app: AppContext, plan: Plan) -> None:
    from julesform.render.text import render_text

    for line in render_text(plan):
        app.console.out(line.text, style=line.style)


def confirm(app: AppContext) -> None:
    if not stdin_is_terminal():
        raise ApplyRefused("not applying: no terminal to confirm on; pass --yes, or apply a saved plan file")
    answer = click.prompt(QUESTION, default="", show_default=False, err=True, prompt_suffix="\n> ")
    if answer.strip() != "yes":
        raise ApplyRefused("apply cancelled: only 'yes' is accepted")


def apply_programme(
    app: AppContext,
    programme: Path,
    *,
    lockfile_path: Path | None,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    yes: bool,
    lock_timeout: float,
    options: ApplyOptions,
) -> int:
    from julesform.pipeline import compute_plan

    path = lockfile_path or default_lockfile_path(programme)
    with LockfileMutex(path, operation="apply", timeout=lock_timeout):
        run = compute_plan(app, programme, lockfile_path=path, targets=targets, replace=replace)
        show_plan(app, run.plan)
        if not run.plan.has_changes:
            return EXIT_OK
        if not yes:
            confirm(app)
        return execute(
            app,
            plan=run.plan,
            client=run.client,
            lockfile=run.lockfile,
            lockfile_path=run.lockfile_path,
            lockfile_exists=run.lockfile_exists,
            specs={cid: want.spec for cid, want in run.desired.items()},
            depends_on={c.id: c.depends_on for c in run.loaded.programme.categories},
            options=options,
        )


def apply_saved(
    app: AppContext,
    plan_path: Path,
    *,
    lockfile_path: Path | None,
    lock_timeout: float,
    options: ApplyOptions,
) -> int:
    from julesform.pipeline import prepare

    plan = load_saved_plan(plan_path)
    programme = Path(plan.programme_path)
    path = lockfile_path or default_lockfile_path(programme)
    client = app.client()
    with LockfileMutex(path, operation="apply", timeout=lock_timeout):
        prepared = prepare(client, programme, lockfile_path=path)
        check_fresh(
            plan,
            plan_path=plan_path,
            lockfile=prepared.lockfile if prepared.lockfile_exists else None,
            lockfile_path=path,
            programme_hash=prepared.loaded.source_hash,
            endpoint=client.endpoint,
        )
        if not plan.has_changes:
            app.console.out("Apply complete: nothing changed (the saved plan has no changes).")
            return EXIT_OK
        record_applied(path, plan.plan_id)
        app.console.err(f"Applying saved plan {plan_path} (plan id {plan.plan_id}).")
        return execute(
            app,
            plan=plan,
            client=client,
            lockfile=prepared.lockfile,
            lockfile_path=path,
            lockfile_exists=prepared.lockfile_exists,
            specs={cid: want.spec for cid, want in prepared.desired.items()},
            depends_on={c.id: c.depends_on for c in prepared.loaded.programme.categories},
            options=options,
        )


@click.command("apply")
@click.argument("source", metavar="PROGRAMME|PLANFILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (saved plans never ask).")
@click.option("--target", "targets", multiple=True, metavar="ID", help="Only this category (repeatable).")
@click.option("--replace", "replace", multiple=True, metavar="ID", help="Replace this category's session.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 10),
    metavar="N",
    default=2,
    show_default=True,
    help="Creates in flight at once (bursts of creates fail on the real service).",
)
@lockfile_option
@lock_timeout_option
@click.option("--archive-replaced", is_flag=True,
              help="Archive the old session once a replace or recreate has bound the new one.")
@click.option("--archive-forgotten", is_flag=True,
              help="Archive the session of a category removed from the programme when forgetting it.")
@pass_app
def command(
    app: AppContext,
    source: Path,
    yes: bool,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    parallelism: int,
    lockfile_path: Path | None,
    lock_timeout: float,
    archive_replaced: bool,
    archive_forgotten: bool,
) -> int:
    """Carry out the plan for PROGRAMME (after confirmation), or exactly the saved PLANFILE."""
    if not source.is_file():
        raise UsageError(f"{source}: no such file")
    options = ApplyOptions(
        parallelism=parallelism, archive_replaced=archive_replaced, archive_forgotten=archive_forgotten
    )
    if looks_like_saved_plan(source):
        if targets or replace:
            raise UsageError("--target and --replace shape a new plan; a saved plan is applied as it is")
        return apply_saved(
            app, source, lockfile_path=lockfile_path, lock_timeout=lock_timeout, options=options
        )
    return apply_programme(
        app,
        source,
        lockfile_path=lockfile_path,
        targets=targets,
        replace=replace,
        yes=yes,
        lock_timeout=lock_timeout,
        options=options,
    )
