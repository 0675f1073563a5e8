"""``julesform status``: the programme at a glance, once or refreshed until interrupted.

Reads only (GET requests, the lockfile is never written); activities come through the on-disk cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from julesform.commands.options import lockfile_option
from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_OK, JulesformError
from julesform.overview.gather import gather
from julesform.overview.model import Overview
from julesform.render.status import render_status_json, render_status_markdown, render_status_text

SLEEP: Callable[[float], None] = time.sleep
"""How ``--watch`` waits between refreshes (tests replace it to bound the loop without a clock)."""

DEFAULT_WATCH_SECONDS = 10.0


@click.command("status")
@click.argument("programme", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for a terminal, json for machines, markdown for a comment or a wiki page.",
)
@click.option(
    "--watch",
    type=click.FloatRange(min=1.0),
    is_flag=False,
    flag_value=DEFAULT_WATCH_SECONDS,
    default=None,
    metavar="[SECONDS]",
    help=f"Refresh every SECONDS (default {DEFAULT_WATCH_SECONDS:g}) until Ctrl-C.",
)
@lockfile_option
@pass_app
def command(
    app: AppContext, programme: Path, output_format: str, watch: float | None, lockfile_path: Path | None
) -> int:
    """Show each category's session, health, sync, pull request and tests for PROGRAMME."""

    def render() -> list[str]:
        return _render(gather(app, programme, lockfile_path=lockfile_path), output_format)

    if watch is None:
        for line in render():
            app.console.out(line)
        return EXIT_OK
    return _watch(app, render, watch)


def _render(overview: Overview, output_format: str) -> list[str]:
    if output_format == "json":
        return [render_status_json(overview)]
    if output_format == "markdown":
        return render_status_markdown(overview)
    return render_status_text(overview)


def _watch(app: AppContext, render: Callable[[], list[str]], seconds: float) -> int:
    """Refresh until Ctrl-C (exit 130 at the CLI boundary): in place on a terminal, appended otherwise.

    The first refresh must succeed; a later one that fails (the network blinked) is reported on stderr
    and the next refresh tries again.
    """
    lines = render()
    if app.console.rich_out.is_terminal:
        from rich.live import Live
        from rich.text import Text

        with Live(Text("\n".join(lines)), console=app.console.rich_out, auto_refresh=False) as live:
            while True:
                SLEEP(seconds)
                lines = _refresh(app, render, lines)
                live.update(Text("\n".join(lines)), refresh=True)
    while True:
        for line in lines:
            app.console.out(line)
        app.console.out("")
        SLEEP(seconds)
        lines = _refresh(app, render, lines)


def _refresh(app: AppContext, render: Callable[[], list[str]], previous: list[str]) -> list[str]:
    try:
        return render()
    except JulesformError as exc:
        app.console.err(f"error: {exc} (showing the previous status; retrying)", style="red")
        return previous
