"""``julesform fmt [--check] FILE...``: rewrite programme files in canonical form, comments kept."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_ERROR, EXIT_OK, CheckFailed
from julesform.programme.files import MAX_PROGRAMME_BYTES, read_text
from julesform.programme.fmt import canonical
from julesform.programme.loader import check_programme


@click.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 3 if any file is not in canonical form.")
@pass_app
def command(app: AppContext, files: tuple[Path, ...], check: bool) -> int:
    """Rewrite programme FILES in canonical form (key order, 2-space indent), keeping comments.

    An invalid file is never rewritten: its problems are listed and the exit code is 1.
    """
    changed: list[str] = []
    invalid = 0
    for path in files:
        loaded, diagnostics = check_programme(path, display=str(path))
        if loaded is None:
            invalid += 1
            for diagnostic in diagnostics:
                app.console.err(str(diagnostic))
            app.console.err(f"{path}: not formatted: the programme is invalid")
            continue
        text, raw = read_text(path, limit=MAX_PROGRAMME_BYTES, what="programme file")
        formatted = canonical(text)
        if formatted.encode() == raw:
            continue
        changed.append(str(path))
        if check:
            app.console.out(f"would reformat {path}")
        else:
            _replace(path, formatted)
            app.console.out(f"reformatted {path}")
    if invalid:
        return EXIT_ERROR
    if check and changed:
        count = len(changed)
        raise CheckFailed(f"{count} file{'s' if count != 1 else ''} would be reformatted (run julesform fmt)")
    if not changed:
        app.console.err(f"{len(files)} file{'s' if len(files) != 1 else ''} already canonical")
    return EXIT_OK


def _replace(path: Path, text: str) -> None:
    """Write atomically next to the original (same permissions), so a crash leaves one whole file."""
    mode = path.stat().st_mode & 0o7777
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
