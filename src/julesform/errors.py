"""The error vocabulary shared by every layer, and the exit code each one maps to.

Every error a user can meet is a ``JulesformError`` with a one-line message; the CLI boundary
(``julesform.cli.main``) prints it and exits with ``exit_code``. Anything else is a bug.
"""

from __future__ import annotations

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
