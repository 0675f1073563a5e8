"""Classified API errors: one line a user can act on, decided by HTTP status and ``error.status``/reason.

The message text the service sends is never used to decide the class: the real 401 says "API keys are
not supported by this API" when the key is merely missing or wrong. Server text appears only as a
trailing hint, shortened to one line, after the client has scrubbed the API key out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import ValidationError

from julesform.api.models import ErrorEnvelope
from julesform.errors import JulesformError

KEYS_URL = "https://jules.google.com/settings#api"
AUTH_MESSAGE = (
    "the API key is missing or was rejected: set JULES_API_KEY or --api-key-file; "
    f"keys are made at {KEYS_URL}"
)
MISSING_KEY_MESSAGE = "no API key: set JULES_API_KEY or pass --api-key-file"

# ErrorInfo reasons that mean "this key is not accepted", whatever HTTP status carries them.
_AUTH_REASONS = frozenset(
    {"CREDENTIALS_MISSING", "API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_NOT_FOUND", "ACCESS_TOKEN_EXPIRED"}
)


class ApiError(JulesformError):
    """Something went wrong talking to the Jules API; ``str(exc)`` is the one-line user message."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        status: str = "",
        method: str = "",
        path: str = "",
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status = status
        self.method = method
        self.path = path
        self.reason = reason

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}".strip()


class ConfigError(ApiError):
    """The client cannot be set up as asked (bad URL, plain http to a remote host, unreadable key file)."""


class AuthError(ApiError):
    """401, or any response whose reason says the key was missing, invalid or expired."""


class PermissionDenied(ApiError):
    """403: the key works, but its account cannot reach this repository or source."""


class NotFound(ApiError):
    """404: no such session, activity or source (or it was deleted)."""


class QuotaExhausted(ApiError):
    """429 after retries, or FAILED_PRECONDITION on create (what the service says at the task quota)."""


class InvalidRequest(ApiError):
    """400 INVALID_ARGUMENT; ``violations`` holds the ``(field, description)`` pairs the server listed."""

    violations: tuple[tuple[str, str], ...] = ()


class FailedPrecondition(InvalidRequest):
    """400 FAILED_PRECONDITION on a custom method: the session is not in a state that allows it."""


class ServiceError(ApiError):
    """5xx after retries, timeouts, connection failures: the service is in trouble, try later."""


class AmbiguousCreate(ApiError):
    """The create request was sent but its outcome is unknown: a session may exist.

    The API has no idempotency key, so the caller must look for the session by its marker before it
    creates again; retrying blindly could make a duplicate and spend a second daily task.
    """


class BadResponse(ApiError):
    """The service answered with something we cannot read: not JSON, wrong types, a pagination loop."""


_E = TypeVar("_E", bound=ApiError)


def one_line(text: str, limit: int = 200) -> str:
    """Server text squeezed into one short line (messages are one line; bodies can be anything)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def classify(
    *,
    http_status: int,
    status: str,
    reason: str,
    server_message: str,
    violations: Sequence[tuple[str, str]],
    method: str,
    path: str,
    is_create: bool,
    retry_note: str = "",
) -> ApiError:
    """The error a non-2xx response means; ``server_message`` must already be scrubbed of the key."""
    where = f"{method} {path}"
    code = f"{http_status} {status}".strip()
    hint = f" (server said: {one_line(server_message)})" if server_message else ""
    tries = f" ({retry_note})" if retry_note else ""

    def make(cls: type[_E], message: str) -> _E:
        return cls(message, http_status=http_status, status=status, method=method, path=path, reason=reason)

    if http_status == 401 or status == "UNAUTHENTICATED" or reason in _AUTH_REASONS:
        return make(AuthError, AUTH_MESSAGE)
    if http_status == 403 or status == "PERMISSION_DENIED":
        return make(
            PermissionDenied,
            f"permission denied on {where}: the key's account has no access to this repository or source; "
            f"connect the repository through the Jules GitHub app at https://jules.google.com{hint}",
        )
    if http_status == 404 or status == "NOT_FOUND":
        return make(
            NotFound,
            f"not found: {path} does not exist (or was deleted); {method} returned {code}",
        )
    if http_status == 429 or status == "RESOURCE_EXHAUSTED":
        what = (
            "the Jules task quota is used up (daily or concurrent tasks)"
            if is_create
            else "the Jules API is rate limiting this key"
        )
        return make(
            QuotaExhausted,
            f"{what}: {where} returned {code}{tries}; wait for running sessions to finish or try later{hint}",
        )
    if status == "FAILED_PRECONDITION":
        if is_create:
            return make(
                QuotaExhausted,
                f"the create was refused with {code}, which Jules returns at the daily or concurrent task "
                f"quota: wait for running sessions to finish or for the rolling 24-hour window{hint}",
            )
        return make(
            FailedPrecondition,
            f"{where} was refused: the session is not in a state that allows it ({code}){hint}",
        )
    if http_status == 400 or status == "INVALID_ARGUMENT":
        listed = one_line("; ".join(f"{one_line(f, 80)}: {one_line(d, 120)}" for f, d in violations), 600)
        detail = listed or one_line(server_message) or "no details given"
        error = make(InvalidRequest, f"invalid request to {where} ({code}): {detail}")
        error.violations = tuple(violations)
        return error
    if http_status >= 500:
        return make(
            ServiceError,
            f"the Jules service failed: {where} returned {code}{tries}; try again later{hint}",
        )
    return make(ApiError, f"{where} returned unexpected {code}{hint}")


def parse_status(body: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    """``(status, reason, message, field violations)`` from a google.rpc.Status body, blanks if unreadable."""
    try:
        envelope = ErrorEnvelope.model_validate_json(body)
    except ValidationError:
        return "", "", "", []
    error = envelope.error
    reason = ""
    violations: list[tuple[str, str]] = []
    for detail in error.details:
        if isinstance(detail.get("reason"), str) and not reason:
            reason = detail["reason"]
        for violation in detail.get("fieldViolations") or []:
            if isinstance(violation, dict):
                violations.append((str(violation.get("field", "")), str(violation.get("description", ""))))
    return error.status, reason, error.message, violations
