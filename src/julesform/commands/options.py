"""Options several commands share, declared once so their names, defaults and help never drift."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def lockfile_option(func: F) -> F:
    """``--lockfile PATH``, passed as ``lockfile_path``."""
    return click.option(
        "--lockfile",
        "lockfile_path",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="PATH",
        help="Lockfile to use [default: state/<programme-file-stem>.lock.json].",
    )(func)


def lock_timeout_option(func: F) -> F:
    """``--lock-timeout SECONDS``: how long to wait for another apply to let go of the lockfile."""
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(0),
        default=0,
        show_default=True,
        metavar="SECONDS",
        help="Wait this long for another apply to finish before giving up.",
    )(func)
