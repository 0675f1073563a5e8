"""Error classification for any response the service might send: always one line, never by text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from julesform.api.errors import (
    ApiError,
    AuthError,
    FailedPrecondition,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    ServiceError,
    classify,
    parse_status,
)
from julesform.api.retry import RetryPolicy

STATUSES = st.sampled_from(
    ["", "INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND", "RESOURCE_EXHAUSTED", "UNAVAILABLE"]
)


def make(http_status: int, status: str = "", message: str = "", *, create: bool = False) -> ApiError:
    return classify(
        http_status=http_status,
        status=status,
        reason="",
        server_message=message,
        violations=[],
        method="POST" if create else "GET",
        path="/v1alpha/sessions",
        is_create=create,
    )


@given(
    http_status=st.integers(min_value=400, max_value=599),
    status=STATUSES,
    message=st.text(),
    violations=st.lists(st.tuples(st.text(), st.text()), max_size=4),
    create=st.booleans(),
)
def test_every_classified_error_is_one_short_line(
    http_status: int, status: str, message: str, violations: list[tuple[str, str]], create: bool
) -> None:
    error = classify(
        http_status=http_status,
        status=status,
        reason="",
        server_message=message,
        violations=violations,
        method="GET",
        path="/v1alpha/sessions",
        is_create=create,
    )
    text = str(error)
    assert text and "\n" not in text and "\r" not in text
    assert len(text) < 1200
    assert error.http_status == http_status


@given(message=st.text())
def test_the_message_text_never_decides_the_class(message: str) -> None:
    assert type(make(401, "UNAUTHENTICATED", message)) is AuthError
    assert type(make(403, "PERMISSION_DENIED", message)) is PermissionDenied
    assert type(make(404, "NOT_FOUND", message)) is NotFound
    assert type(make(429, "RESOURCE_EXHAUSTED", message)) is QuotaExhausted
    assert type(make(400, "INVALID_ARGUMENT", message)) is InvalidRequest
    assert type(make(400, "FAILED_PRECONDITION", message)) is FailedPrecondition
    assert type(make(400, "FAILED_PRECONDITION", message, create=True)) is QuotaExhausted
    assert type(make(503, "UNAVAILABLE", message)) is ServiceError


def test_field_violations_with_line_breaks_stay_on_one_line() -> None:
    error = classify(
        http_status=400,
        status="INVALID_ARGUMENT",
        reason="",
        server_message="",
        violations=[("session.\ntitle", "too\nlong"), ("prompt", "x" * 500)],
        method="POST",
        path="/v1alpha/sessions",
        is_create=True,
    )
    assert str(error).startswith(
        "invalid request to POST /v1alpha/sessions (400 INVALID_ARGUMENT): "
        "session. title: too long; prompt: xxx"
    )
    assert "\n" not in str(error)
    assert len(str(error)) < 700


def test_an_unreadable_error_body_gives_blanks() -> None:
    assert parse_status(b"<html>Bad Gateway</html>") == ("", "", "", [])
    assert parse_status(b'{"error": "flat string"}') == ("", "", "", [])
    assert type(make(502)) is ServiceError


@given(retry=st.integers(min_value=1, max_value=60), rand=st.floats(min_value=0.0, max_value=1.0))
def test_backoff_stays_within_its_jitter_band_and_cap(retry: int, rand: float) -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.25)
    full = min(30.0, 2.0 ** (retry - 1))
    assert 0.75 * full <= policy.backoff(retry, lambda: rand) <= full
