"""``julesform validate FILE...``: check programme files and list every problem with its location."""

from __future__ import annotations

import json
from pathlib import Path

import click

from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_ERROR, EXIT_OK
from julesform.programme.loader import LoadedProgramme, check_programme


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: summaries on stdout, FILE:LINE:COLUMN problems on stderr; json: everything on stdout.",
)
@pass_app
def command(app: AppContext, files: tuple[Path, ...], output_format: str) -> int:
    """Check programme FILES: YAML, the schema, dependencies, phases and prompt files.

    Exit 0 when every file is valid, 1 when any is not (every problem is listed, not only the first).
    """
    results = [(str(path), *check_programme(path, display=str(path))) for path in files]
    invalid = [name for name, loaded, _ in results if loaded is None]
    if output_format == "json":
        report = {
            "valid": not invalid,
            "files": [
                {
                    "file": name,
                    "valid": loaded is not None,
                    "summary": _summary(loaded) if loaded else None,
                    "diagnostics": [d.as_dict() for d in diagnostics],
                }
                for name, loaded, diagnostics in results
            ],
        }
        app.console.out(json.dumps(report, indent=2))
        return EXIT_ERROR if invalid else EXIT_OK
    problems = 0
    for name, loaded, diagnostics in results:
        if loaded is not None:
            app.console.out(f"{name}: {loaded.summary()}")
        for diagnostic in diagnostics:
            app.console.err(str(diagnostic))
        problems += len(diagnostics)
    if invalid:
        app.console.err(
            f"{problems} problem{'s' if problems != 1 else ''} in "
            f"{len(invalid)} of {len(results)} file{'s' if len(results) != 1 else ''}"
        )
        return EXIT_ERROR
    return EXIT_OK


def _summary(loaded: LoadedProgramme) -> dict[str, object]:
    return {
        "name": loaded.programme.name,
        "categories": len(loaded.programme.categories),
        "phases": len(loaded.phases),
        "hours": loaded.total_hours,
        "tests": loaded.total_tests,
        "source_hash": loaded.source_hash,
    }
