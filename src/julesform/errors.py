"""The error vocabulary shared by every layer, and the exit code each one maps to.

Every error a user can meet is a ``JulesformError`` with a one-line message; the CLI boundary
(``julesform.cli.main``) prints it and exits with ``exit_code``. Anything else is a bug.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_CHECK_FAILED = 3
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


class JulesformError(Exception):
    """A handled failure with a message meant for the user (one line, no traceback)."""

    exit_code = EXIT_ERROR


class UsageError(JulesformError):
    """Flags or arguments that make no sense together."""

    exit_code = EXIT_USAGE


class CheckFailed(JulesformError):
    """A check the user asked for found a shortfall (e.g. ``verify``)."""

    exit_code = EXIT_CHECK_FAILED


def first_problem(exc: ValidationError, top: str) -> tuple[str, str]:
    """(dotted location, message) of a validation error's first problem, for a one-line message;
    ``top`` names the location when the problem is the document itself."""
    first = exc.errors()[0]
    return ".".join(str(part) for part in first["loc"]) or top, first["msg"]
