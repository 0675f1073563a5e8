"""``julesform plan``: say exactly what ``apply`` would do and why, without touching anything.

Sends GET requests only and never writes the lockfile. Several programme files (or a directory of
them) are planned against the one account and its one quota, in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from julesform.commands.options import lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, JulesformError, UsageError
from julesform.pipeline import PlanRun, account_observer, plan_prepared, prepare
from julesform.planner.plan import Plan
from julesform.render.json import dumps as json_dumps
from julesform.render.json import plan_document, render_json
from julesform.render.markdown import render_markdown
from julesform.render.text import render_text
from julesform.render.words import combined_summary, summary_line

if TYPE_CHECKING:
    from julesform.api.client import JulesClient


@click.command("plan")
@click.argument("programmes", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for a terminal, json for machines, markdown for a pull-request comment.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are (1 is an error).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (with lockfile lineage and serial) for `julesform apply FILE`.",
)
@click.option(
    "--target", "targets", multiple=True, metavar="ID", help="Plan only this category (repeatable)."
)
@click.option(
    "--replace", "replace", multiple=True, metavar="ID", help="Replace this category's session (repeatable)."
)
@lockfile_option
@pass_app
def command(
    app: AppContext,
    programmes: tuple[Path, ...],
    output_format: str,
    detailed_exitcode: bool,
    out: Path | None,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    lockfile_path: Path | None,
) -> int:
    """Show what `apply` would do to make the live sessions match PROGRAMMES (files or directories)."""
    paths = expand_programmes(programmes)
    several = len(paths) > 1
    if several and lockfile_path is not None:
        raise UsageError("--lockfile needs exactly one programme file")
    if several and out is not None:
        raise UsageError("--out saves the plan of exactly one programme file")

    options = _Options(output_format, detailed_exitcode, out, targets, replace, lockfile_path)
    client = app.client()
    try:
        return _plan_all(app, client, paths, options)
    finally:
        client.close()


@dataclass(frozen=True)
class _Options:
    output_format: str
    detailed_exitcode: bool
    out: Path | None
    targets: tuple[str, ...]
    replace: tuple[str, ...]
    lockfile_path: Path | None


def _plan_all(app: AppContext, client: JulesClient, paths: list[Path], options: _Options) -> int:
    """Plan each programme against one account view, sharing its quota; print; pick the exit code."""
    targets = options.targets
    several = len(paths) > 1
    observer = account_observer(app)
    runs: list[PlanRun] = []
    failed = False
    matched: set[str] = set()
    planned = 0
    for path in paths:
        try:
            prepared = prepare(
                client,
                path,
                lockfile_path=options.lockfile_path,
                targets=targets,
                replace=options.replace,
                only_known=several,
            )
            if targets and not prepared.targets:
                continue  # none of the targets is in this programme
            matched.update(prepared.targets)
            run = plan_prepared(prepared, observer, planned_elsewhere=planned)
        except JulesformError as exc:
            if not several:
                raise
            app.console.err(f"error: {path}: {exc}", style="red")
            failed = True
            continue
        runs.append(run)
        if run.plan.quota is not None:
            planned += run.plan.quota.creates_planned
    unknown = [t for t in targets if t not in matched]
    if several and unknown and not failed:
        raise UsageError(f"--target {unknown[0]}: no programme has a category {unknown[0]}")

    plans = [run.plan for run in runs]
    _print(app, plans, options.output_format)
    if options.out is not None and plans:
        save_plan(plans[0], options.out)
        app.console.err(f"Saved the plan to {options.out}; carry it out with: julesform apply {options.out}")
    app.console.debug(f"{client.request_count} API requests, GET only")
    if failed:
        return EXIT_ERROR
    if options.detailed_exitcode and any(plan.has_changes for plan in plans):
        return EXIT_CHANGES
    return EXIT_OK


def expand_programmes(arguments: tuple[Path, ...]) -> list[Path]:
    """Programme files in the order given; a directory stands for its *.yaml / *.yml files, sorted."""
    paths: list[Path] = []
    for argument in arguments:
        if argument.is_dir():
            found = sorted(p for p in argument.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                raise UsageError(f"{argument} holds no programme files (*.yaml, *.yml)")
            paths += found
        else:
            paths.append(argument)
    return list(dict.fromkeys(paths))


def _print(app: AppContext, plans: list[Plan], output_format: str) -> None:
    if output_format == "json":
        app.console.out(render_json(plans).rstrip("\n"))
        return
    if output_format == "markdown":
        app.console.out(render_markdown(plans).rstrip("\n"))
        return
    for index, plan in enumerate(plans):
        if index:
            app.console.out()
        for line in render_text(plan):
            app.console.out(line.text, style=line.style)
    if len(plans) > 1:
        app.console.out()
        app.console.out(f"All programmes: {summary_line(combined_summary(plans))}", style="bold")


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan document atomically, so a crash never leaves half a plan for apply to read."""
    from julesform.state.store import atomic_write_text

    atomic_write_text(path, json_dumps(plan_document(plan)))
