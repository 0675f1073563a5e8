"""``julesform report``: the programme's markdown report.

Sessions, expected outcomes, timeline, verification and next steps.

Generated from the programme, the lockfile and the live API (GET requests only). ``--out`` writes it
atomically, so a reader never sees half a report.
"""

from __future__ import annotations

from pathlib import Path

import click

from julesform.commands.options import lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK, JulesformError
from julesform.overview.gather import gather
from julesform.render.report import render_report
from julesform.state.store import atomic_write_text


@click.command("report")
@click.argument("programme", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE (atomically) instead of stdout.",
)
@lockfile_option
@pass_app
def command(app: AppContext, programme: Path, out: Path | None, lockfile_path: Path | None) -> int:
    """Write a markdown report of PROGRAMME for the people who lead it."""
    text = "\n".join(render_report(gather(app, programme, lockfile_path=lockfile_path))) + "\n"
    if out is None:
        app.console.out(text.rstrip("\n"))
        return EXIT_OK
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise JulesformError(f"cannot write the report to {out}: {exc.strerror or exc}") from exc
    app.console.err(f"Report written to {out}.")
    return EXIT_OK
