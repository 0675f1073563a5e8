"""``julesform verify``: do the completed sessions deliver the tests and files their categories promised?

Exit 3 when a completed category falls short, so CI can gate on it. Reads only; the final patches
come from the sessions' outputs, or from their activity logs through the on-disk cache.
"""

from __future__ import annotations

from pathlib import Path

import click

from julesform.commands.options import lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK, CheckFailed
from julesform.overview.gather import gather
from julesform.render.verify import plural, render_verify_json, render_verify_text


@click.command("verify")
@click.argument("programme", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (the exit code is the same).",
)
@lockfile_option
@pass_app
def command(app: AppContext, programme: Path, output_format: str, lockfile_path: Path | None) -> int:
    """Measure each completed session's final patch against its category's tests and deliverables."""
    overview = gather(app, programme, lockfile_path=lockfile_path)
    checks = [row.check for row in overview.rows]
    total = overview.totals
    if output_format == "json":
        app.console.out(render_verify_json(overview.programme, checks, total))
    else:
        for line in render_verify_text(checks, total):
            app.console.out(line)
    short = [check.category for check in checks if check.falls_short]
    if short:
        count = plural(len(short), "completed category falls", "completed categories fall")
        raise CheckFailed(f"{count} short of what was promised: {', '.join(short)}")
    return EXIT_OK
