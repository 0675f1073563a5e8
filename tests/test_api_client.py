"""JulesClient over real HTTP on loopback against a scripted server that can misbehave on purpose.

The emulator (tests/test_api_emulator_*.py) shows the client against a faithful API; this file
needs answers a faithful API never gives on cue: a dropped connection at a chosen request, a
redirect, a body that is not JSON, a server that paginates forever.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from fake_clock import FakeClock
from julesform.api.client import JulesClient, Limits, Timeouts
from julesform.api.errors import (
    AUTH_MESSAGE,
    AmbiguousCreate,
    ApiError,
    AuthError,
    BadResponse,
    ConfigError,
    FailedPrecondition,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    ServiceError,
)
from julesform.api.retry import RetryPolicy
from stub_server import Reply, Seen, StubServer

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "jules"
KEY = "AIzaTEST-key_0123456789abcdef"


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=5000.0)


def make_client(
    stub: StubServer,
    clock: FakeClock,
    *,
    rand: float = 0.0,
    trace: Callable[[str], None] | None = None,
    **kw: object,
) -> JulesClient:
    return JulesClient(stub.url, KEY, clock=clock, rand=lambda: rand, trace=trace, **kw)  # type: ignore[arg-type]


def session(n: int, **extra: object) -> dict[str, object]:
    return {"name": f"sessions/{n}", "id": str(n), "title": f"s{n}", **extra}


def fixture(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


# --- basics: what goes on the wire ----------------------------------------------------------------


def test_get_session_sends_the_key_only_in_the_header(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(body=fixture("session-get-completed-with-pr.json"))]
    with make_client(stub, clock) as client:
        got = client.get_session("sessions/12904857330171641522")
    assert got.id == "12904857330171641522"
    assert got.state == "COMPLETED"
    assert got.pull_request is not None and got.pull_request.url.endswith("/pull/42")
    [seen] = stub.seen
    assert (seen.method, seen.path) == ("GET", "/v1alpha/sessions/12904857330171641522")
    assert seen.headers["x-goog-api-key"] == KEY
    assert KEY not in seen.target and KEY.encode() not in seen.body
    assert not any(KEY in v for k, v in seen.headers.items() if k != "x-goog-api-key")


def test_bare_session_id_is_accepted_and_a_path_trick_is_refused(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(body=session(77))]
    client = make_client(stub, clock)
    assert client.get_session("77").name == "sessions/77"
    with pytest.raises(InvalidRequest, match=r"not a session name: 'sessions/\.\./sources'"):
        client.get_session("sessions/../sources")
    with pytest.raises(InvalidRequest, match=r"^not a session name: 'sessions/\.\.' \(expected"):
        client.get_session("sessions/..")
    with pytest.raises(InvalidRequest, match=r"not an activity name"):
        client.get_activity("sessions/1/activities/..")
    assert client.request_count == 1


def test_create_posts_the_flat_body_and_reads_a_sparse_reply(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(body={"name": "sessions/31415926535897932384", "id": "31415926535897932384"})]
    body: dict[str, object] = {"prompt": "p", "title": "t [jf:prog/cat]", "requirePlanApproval": True}
    created = make_client(stub, clock).create_session(body)
    assert created.id == "31415926535897932384"
    assert created.state == "STATE_UNSPECIFIED"
    assert json.loads(stub.seen[0].body) == body


def test_custom_methods_use_colon_verbs(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [
        Reply(),
        Reply(),
        Reply(body=session(5, archived=True)),
        Reply(body={}),
        Reply(body=session(5)),
    ]
    client = make_client(stub, clock)
    client.approve_plan("sessions/5")
    client.send_message("sessions/5", "please add tests")
    assert client.archive_session("sessions/5").archived is True
    # an empty archive reply makes the client read the session back
    assert client.unarchive_session("5").archived is False
    assert [(s.method, s.path) for s in stub.seen] == [
        ("POST", "/v1alpha/sessions/5:approvePlan"),
        ("POST", "/v1alpha/sessions/5:sendMessage"),
        ("POST", "/v1alpha/sessions/5:archive"),
        ("POST", "/v1alpha/sessions/5:unarchive"),
        ("GET", "/v1alpha/sessions/5"),
    ]
    assert json.loads(stub.seen[0].body) == {}
    assert json.loads(stub.seen[1].body) == {"prompt": "please add tests"}


def test_a_repeat_delete_that_finds_nothing_counts_as_done(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(body={}), Reply(status=404, body=fixture("error-404.json"))]
    client = make_client(stub, clock)
    client.delete_session("sessions/9")
    client.delete_session("sessions/9")
    assert [s.method for s in stub.seen] == ["DELETE", "DELETE"]


def test_activities_cursor_is_sent_verbatim_and_sources_keep_their_slashes(
    stub: StubServer, clock: FakeClock
) -> None:
    stub.script = [
        Reply(body=fixture("activities-list-plan-generated.json")),
        Reply(body=fixture("source-get.json")),
    ]
    client = make_client(stub, clock)
    activities = client.list_activities("sessions/1", after="2026-01-17T00:03:53.137240Z")
    assert activities[0].kind == "planGenerated"
    assert stub.seen[0].query["filter"] == 'create_time > "2026-01-17T00:03:53.137240Z"'
    client.get_source("sources/github/example-org/widget-app")
    assert stub.seen[1].path == "/v1alpha/sources/github/example-org/widget-app"
    with pytest.raises(InvalidRequest, match="not a timestamp"):
        client.list_activities("sessions/1", after='x" OR true')
    with pytest.raises(InvalidRequest, match="not a source name"):
        client.get_source("sources/github/../../sessions")
    assert client.request_count == 2


# --- pagination ----------------------------------------------------------------------------------


def test_listing_follows_page_tokens_to_the_end(stub: StubServer, clock: FakeClock) -> None:
    pages = {"": ([3, 2], "tok-b"), "tok-b": ([1], "tok-c"), "tok-c": ([0], "")}

    def handler(seen: Seen) -> Reply:
        ids, token = pages[seen.query.get("pageToken", "")]
        body: dict[str, object] = {"sessions": [session(i) for i in ids]}
        if token:
            body["nextPageToken"] = token
        return Reply(body=body)

    stub.handler = handler
    client = make_client(stub, clock)
    assert [s.id for s in client.list_sessions(page_size=2)] == ["3", "2", "1", "0"]
    assert [s.query.get("pageToken") for s in stub.seen] == [None, "tok-b", "tok-c"]
    assert {s.query["filter"] for s in stub.seen} == {"archived = true OR archived = false"}
    assert {s.query["pageSize"] for s in stub.seen} == {"2"}


def test_iter_sessions_is_lazy_and_can_leave_out_archived(stub: StubServer, clock: FakeClock) -> None:
    stub.handler = lambda seen: Reply(
        body={"sessions": [session(1)], "nextPageToken": "t" + str(len(stub.seen))}
    )
    client = make_client(stub, clock)
    first = next(client.iter_sessions(include_archived=False, page_size=500))
    assert first.id == "1"
    assert len(stub.seen) == 1
    assert "filter" not in stub.seen[0].query
    assert stub.seen[0].query["pageSize"] == "100"


def test_a_server_repeating_a_page_token_is_refused(stub: StubServer, clock: FakeClock) -> None:
    stub.handler = lambda seen: Reply(body={"sessions": [session(1)], "nextPageToken": "same"})
    with pytest.raises(BadResponse) as caught:
        make_client(stub, clock).list_sessions()
    assert str(caught.value) == (
        "unexpected response from GET /v1alpha/sessions: the server repeated a page token (pagination loop)"
    )
    assert len(stub.seen) == 2


def test_a_server_paginating_forever_hits_the_page_cap(stub: StubServer, clock: FakeClock) -> None:
    stub.handler = lambda seen: Reply(body={"sources": [], "nextPageToken": f"t{len(stub.seen)}"})
    client = make_client(stub, clock, limits=Limits(max_pages=4))
    with pytest.raises(BadResponse, match=r"GET /v1alpha/sources: more than 4 pages"):
        client.list_sources()
    assert len(stub.seen) == 4


# --- retries and backoff --------------------------------------------------------------------------


def test_reads_back_off_exponentially_and_then_succeed(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=503), Reply(status=500), Reply(status=502), Reply(body=session(1))]
    client = make_client(stub, clock, rand=0.0)
    assert client.get_session("sessions/1").id == "1"
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert client.request_count == 4


def test_jitter_shortens_each_wait_by_up_to_a_quarter(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=503), Reply(status=503), Reply(body=session(1))]
    make_client(stub, clock, rand=1.0).get_session("sessions/1")
    assert clock.sleeps == [0.75, 1.5]


def test_backoff_is_capped_and_gives_up_after_the_last_attempt(stub: StubServer, clock: FakeClock) -> None:
    stub.handler = lambda seen: Reply(
        status=500, body=b"<html>oops</html>", headers={"Content-Type": "text/html"}
    )
    policy = RetryPolicy(max_attempts=5, max_delay=3.0, budget=1000)
    with pytest.raises(ServiceError) as caught:
        make_client(stub, clock, retry=policy).list_sessions()
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]
    assert len(stub.seen) == 5
    assert str(caught.value) == (
        "the Jules service failed: GET /v1alpha/sessions returned 500 (gave up after 5 attempts); "
        "try again later"
    )


def test_the_total_budget_stops_retries_early(stub: StubServer, clock: FakeClock) -> None:
    busy = {"error": {"code": 503, "status": "UNAVAILABLE", "message": "busy"}}
    stub.handler = lambda seen: Reply(status=503, body=busy)
    with pytest.raises(ServiceError, match=r"503 UNAVAILABLE \(retry budget of 5 s used up\)"):
        make_client(stub, clock, retry=RetryPolicy(budget=5)).get_session("sessions/1")
    assert clock.sleeps == [1.0, 2.0]  # a third wait of 4 s would end past the 5 s budget


def test_retry_after_in_seconds_is_honoured_exactly(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [
        Reply(status=429, headers={"Retry-After": "7"}, body=fixture("error-429.json")),
        Reply(body=session(1)),
    ]
    make_client(stub, clock, rand=0.9).get_session("sessions/1")
    assert clock.sleeps == [7.0]


def test_long_waits_are_announced_short_ones_are_not(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [
        Reply(status=503),
        Reply(status=429, headers={"Retry-After": "12"}),
        Reply(body=session(1)),
    ]
    notices: list[str] = []
    make_client(stub, clock, notice=notices.append).get_session("sessions/1")
    assert clock.sleeps == [1.0, 12.0]
    assert notices == ["waiting 12 s before retrying GET /v1alpha/sessions/1 (HTTP 429)"]


def test_retry_after_as_an_http_date_is_honoured(stub: StubServer, clock: FakeClock) -> None:
    when = formatdate(clock.wall() + 30, usegmt=True)
    stub.script = [Reply(status=503, headers={"Retry-After": when}), Reply(body=session(1))]
    make_client(stub, clock).get_session("sessions/1")
    assert clock.sleeps == [30.0]


def test_a_retry_after_beyond_the_budget_fails_at_once(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=429, headers={"Retry-After": "3600"}, body=fixture("error-429.json"))]
    with pytest.raises(QuotaExhausted) as caught:
        make_client(stub, clock).list_sessions()
    assert clock.sleeps == []
    assert str(caught.value).startswith(
        "the Jules API is rate limiting this key: GET /v1alpha/sessions returned 429 RESOURCE_EXHAUSTED "
        "(the service asked to wait 3600 s, beyond the 120 s retry budget); "
    )


def test_connection_refused_is_retried_then_reported(clock: FakeClock) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    client = JulesClient(
        f"http://127.0.0.1:{port}/v1alpha",
        KEY,
        clock=clock,
        rand=lambda: 0.0,
        retry=RetryPolicy(max_attempts=3),
    )
    with pytest.raises(ServiceError) as caught:
        client.list_sources()
    assert clock.sleeps == [1.0, 2.0]
    message = str(caught.value)
    assert message.startswith(
        f"could not reach the Jules API at http://127.0.0.1:{port}/v1alpha: GET /v1alpha/sources"
    )
    assert message.endswith("gave up after 3 attempts); try again later")


def test_a_read_timeout_is_retried_for_reads(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(delay=2.0, body=session(1)), Reply(body=session(1))]
    client = make_client(stub, clock, timeouts=Timeouts(read=0.2))
    assert client.get_session("sessions/1").id == "1"
    assert clock.sleeps == [1.0]


def test_idempotent_writes_are_retried_after_a_dropped_connection(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(drop=True), Reply(body=session(4, archived=True))]
    assert make_client(stub, clock).archive_session("sessions/4").archived
    assert len(stub.seen) == 2


# --- writes that must not be repeated blindly --------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "what"),
    [
        (Reply(status=503, body={"error": {"code": 503, "status": "UNAVAILABLE"}}), "HTTP 503 UNAVAILABLE"),
        (Reply(status=500), "HTTP 500"),
        (Reply(drop=True), "connection dropped"),
        (Reply(delay=2.0), "timed out"),
        (Reply(status=200, body=b"<html>"), "not JSON"),
        (Reply(status=200, body=b"garbled", headers={"Content-Encoding": "gzip"}), "could not be decoded"),
    ],
)
def test_a_create_is_never_retried_and_an_unclear_outcome_is_ambiguous(
    stub: StubServer, clock: FakeClock, reply: Reply, what: str
) -> None:
    stub.script = [reply, Reply(body=session(2))]
    client = make_client(stub, clock, timeouts=Timeouts(read=0.2))
    with pytest.raises(AmbiguousCreate) as caught:
        client.create_session({"prompt": "p", "title": "t [jf:prog/cat]"})
    assert len(stub.seen) == 1
    assert clock.sleeps == []
    message = str(caught.value)
    assert message.startswith("the create may or may not have made a session (POST /v1alpha/sessions: ")
    assert what in message
    assert message.endswith("look for the session by its marker before creating again")


def test_a_create_refused_for_quota_is_definite_not_ambiguous(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [
        Reply(status=429, body=fixture("error-429.json"), headers={"Retry-After": "1"}),
        Reply(status=400, body=fixture("error-400-failed-precondition.json")),
    ]
    client = make_client(stub, clock)
    with pytest.raises(
        QuotaExhausted, match=r"^the Jules task quota is used up \(daily or concurrent tasks\)"
    ):
        client.create_session({"prompt": "p"})
    with pytest.raises(QuotaExhausted, match="which Jules returns at the daily or concurrent task quota"):
        client.create_session({"prompt": "p"})
    assert len(stub.seen) == 2
    assert clock.sleeps == []


def test_a_create_that_cannot_connect_says_nothing_was_created(clock: FakeClock) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    client = JulesClient(f"http://127.0.0.1:{port}/v1alpha", KEY, clock=clock)
    with pytest.raises(ServiceError, match=r"nothing was created: try again later$"):
        client.create_session({"prompt": "p"})
    assert clock.sleeps == []


def test_send_message_is_not_repeated_after_an_unclear_failure(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(drop=True), Reply(status=500)]
    client = make_client(stub, clock)
    with pytest.raises(ServiceError, match="may or may not have taken effect"):
        client.send_message("sessions/3", "hello")
    with pytest.raises(ServiceError, match="may or may not have taken effect"):
        client.send_message("sessions/3", "hello")
    assert len(stub.seen) == 2


def test_guarded_writes_are_retried_when_the_service_did_not_act(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=429, headers={"Retry-After": "2"}), Reply(status=503), Reply(body={})]
    make_client(stub, clock).approve_plan("sessions/3")
    assert clock.sleeps == [2.0, 2.0]  # Retry-After, then the second backoff step
    assert len(stub.seen) == 3


# --- error classification -----------------------------------------------------------------------------


def test_401_is_classified_by_status_not_by_its_misleading_text(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=401, body=fixture("error-401.json"))]
    with pytest.raises(AuthError) as caught:
        make_client(stub, clock).list_sessions()
    assert str(caught.value) == AUTH_MESSAGE
    assert str(caught.value) == (
        "the API key is missing or was rejected: set JULES_API_KEY or --api-key-file; "
        "keys are made at https://jules.google.com/settings#api"
    )
    assert caught.value.reason == "CREDENTIALS_MISSING"
    assert (caught.value.http_status, caught.value.method, caught.value.path) == (
        401,
        "GET",
        "/v1alpha/sessions",
    )


def test_a_rejected_key_reason_is_an_auth_error_whatever_the_status(
    stub: StubServer, clock: FakeClock
) -> None:
    body = {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": "API key not valid.",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        }
    }
    stub.script = [Reply(status=400, body=body)]
    with pytest.raises(AuthError):
        make_client(stub, clock).list_sources()


def test_permission_denied_points_at_the_github_app(stub: StubServer, clock: FakeClock) -> None:
    body = {
        "error": {
            "code": 403,
            "status": "PERMISSION_DENIED",
            "message": "The caller does not have permission",
        }
    }
    stub.script = [Reply(status=403, body=body)]
    with pytest.raises(PermissionDenied) as caught:
        make_client(stub, clock).get_source("sources/github/example-org/private")
    assert str(caught.value) == (
        "permission denied on GET /v1alpha/sources/github/example-org/private: the key's account has no "
        "access to this repository or source; connect the repository through the Jules GitHub app at "
        "https://jules.google.com "
        "(server said: The caller does not have permission)"
    )


def test_not_found_names_the_resource(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=404, body=fixture("error-404.json"))]
    with pytest.raises(NotFound) as caught:
        make_client(stub, clock).get_session("sessions/404")
    assert str(caught.value) == (
        "not found: /v1alpha/sessions/404 does not exist (or was deleted); GET returned 404 NOT_FOUND"
    )
    assert len(stub.seen) == 1  # not retried


def test_invalid_request_lists_the_field_violations(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=400, body=fixture("error-400-invalid-argument.json"))]
    with pytest.raises(InvalidRequest) as caught:
        make_client(stub, clock).create_session({"prompt": "p", "automationMode": "MANUAL"})
    assert str(caught.value).startswith(
        "invalid request to POST /v1alpha/sessions (400 INVALID_ARGUMENT): "
        "session.automation_mode: Invalid value"
    )
    assert "\n" not in str(caught.value)
    assert [f for f, _ in caught.value.violations] == ["session.automation_mode"]


def test_approving_with_no_pending_plan_is_a_failed_precondition(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=400, body=fixture("error-400-failed-precondition.json"))]
    with pytest.raises(FailedPrecondition) as caught:
        make_client(stub, clock).approve_plan("sessions/8")
    assert str(caught.value) == (
        "POST /v1alpha/sessions/8:approvePlan was refused: the session is not in a state that allows it "
        "(400 FAILED_PRECONDITION) (server said: Precondition check failed.)"
    )
    assert not isinstance(caught.value, QuotaExhausted)


def test_an_unexpected_status_is_still_a_one_line_api_error(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [
        Reply(status=409, body={"error": {"code": 409, "status": "ABORTED", "message": "try\nagain"}})
    ]
    with pytest.raises(ApiError) as caught:
        make_client(stub, clock).list_sources()
    assert (
        str(caught.value) == "GET /v1alpha/sources returned unexpected 409 ABORTED (server said: try again)"
    )


# --- responses we cannot read -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<html>hello</html>", "GET /v1alpha/sessions/1: not JSON (text/html)"),
        (b"[1, 2]", "GET /v1alpha/sessions/1: a JSON list, not an object"),
        (
            json.dumps({"name": "sessions/1", "outputs": "many"}).encode(),
            "GET /v1alpha/sessions/1: outputs: ",
        ),
        (
            json.dumps({"id": "1", "state": "QUEUED"}).encode(),
            "GET /v1alpha/sessions/1: a session without a name",
        ),
    ],
)
def test_unreadable_responses_name_the_endpoint(
    stub: StubServer, clock: FakeClock, body: bytes, expected: str
) -> None:
    content_type = "text/html" if body.startswith(b"<") else "application/json"
    stub.script = [Reply(body=body, headers={"Content-Type": content_type})]
    with pytest.raises(BadResponse) as caught:
        make_client(stub, clock).get_session("sessions/1")
    assert str(caught.value).startswith("unexpected response from " + expected)


def test_a_body_that_does_not_decode_is_refused(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(body=b"this is not gzip", headers={"Content-Encoding": "gzip"})]
    with pytest.raises(BadResponse) as caught:
        make_client(stub, clock).get_session("sessions/1")
    assert str(caught.value) == (
        "unexpected response from GET /v1alpha/sessions/1: the body could not be decoded (gzip)"
    )


def test_a_huge_body_is_refused(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(body={"sessions": [session(i) for i in range(200)]})]
    client = make_client(stub, clock, limits=Limits(max_response_bytes=2000))
    with pytest.raises(BadResponse, match=r"GET /v1alpha/sessions: larger than 2000 bytes"):
        client.list_sessions()


def test_a_redirect_is_not_followed(stub: StubServer, clock: FakeClock) -> None:
    stub.script = [Reply(status=302, headers={"Location": "https://elsewhere.example/steal"})]
    with pytest.raises(BadResponse, match=r"302 redirect to 'https://elsewhere\.example/steal' \(not follow"):
        make_client(stub, clock).list_sessions()
    assert len(stub.seen) == 1


# --- the key never leaks ------------------------------------------------------------------------------


def test_debug_trace_shows_requests_with_the_key_redacted(stub: StubServer, clock: FakeClock) -> None:
    lines: list[str] = []
    stub.script = [Reply(status=503), Reply(body=session(1))]
    make_client(stub, clock, trace=lines.append).get_session("sessions/1")
    assert lines[0] == f"-> GET {stub.url}/sessions/1 [X-Goog-Api-Key: <redacted>]"
    assert lines[1].startswith("<- 503 GET /v1alpha/sessions/1 (")
    assert lines[2] == "retrying GET /v1alpha/sessions/1 in 1.00 s after HTTP 503"
    assert lines[4].startswith("<- 200 GET /v1alpha/sessions/1 (")
    assert not any(KEY in line for line in lines)


def test_a_key_echoed_by_the_server_is_scrubbed_everywhere(stub: StubServer, clock: FakeClock) -> None:
    echo = {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": f"bad key {KEY}",
            "details": [{"fieldViolations": [{"field": "key", "description": f"{KEY} is wrong"}]}],
        }
    }
    stub.script = [Reply(status=400, body=echo)]
    lines: list[str] = []
    client = make_client(stub, clock, trace=lines.append)
    with pytest.raises(InvalidRequest) as caught:
        client.create_session({"prompt": f"the prompt mentions {KEY}"})
    assert "<redacted>" in str(caught.value)
    assert KEY not in str(caught.value)
    assert KEY not in repr(caught.value.violations)
    assert lines and not any(KEY in line for line in lines)


def test_the_key_is_not_in_reprs_or_logs(
    stub: StubServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub.script = [Reply(body=session(1))]
    client = make_client(stub, clock)
    client.get_session("sessions/1")
    assert caplog.records  # httpx/httpcore did log the request
    assert KEY not in caplog.text
    assert KEY not in repr(client)
    assert KEY not in repr(vars(client))
    assert repr(client) == f"JulesClient(endpoint='{stub.url}', requests=1)"


# --- configuration -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://jules.googleapis.com/v1alpha", "http://10.0.0.8:8080/v1alpha", "http://127.example.com/v1alpha"],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(url: str) -> None:
    host = url.split("/")[2].split(":")[0]
    with pytest.raises(ConfigError) as caught:
        JulesClient(url, KEY)
    assert str(caught.value) == (
        f"refusing plain http:// to {host}: the API key would travel unencrypted; "
        "use https:// (http:// is allowed only to 127.0.0.1, ::1 or localhost)"
    )


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://jules.googleapis.com/v1alpha/", "https://jules.googleapis.com/v1alpha"),
        ("HTTPS://Jules.GoogleAPIs.com/v1alpha", "https://jules.googleapis.com/v1alpha"),
        ("http://127.0.0.9:81/v1alpha", "http://127.0.0.9:81/v1alpha"),
        ("http://[::1]:8080/v1alpha", "http://[::1]:8080/v1alpha"),
        ("http://localhost:9/v1alpha", "http://localhost:9/v1alpha"),
    ],
)
def test_https_and_loopback_http_are_accepted(url: str, endpoint: str) -> None:
    assert JulesClient(url, KEY).endpoint == endpoint


@pytest.mark.parametrize(
    "url", ["https://user:pw@jules.googleapis.com/v1alpha", "https://jules.googleapis.com/v1alpha?key=abc"]
)
def test_urls_carrying_secrets_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="must not carry credentials"):
        JulesClient(url, KEY)


# --- parallel reads --------------------------------------------------------------------------------


def test_map_parallel_keeps_order_and_bounds_concurrency(stub: StubServer, clock: FakeClock) -> None:
    stub.handler = lambda seen: Reply(body=session(int(seen.path.rsplit("/", 1)[1])), delay=0.02)
    client = make_client(stub, clock, limits=Limits(max_workers=3))
    running = 0
    peak = 0
    lock = threading.Lock()

    def fetch(n: int) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            return client.get_session(f"sessions/{n}").id
        finally:
            with lock:
                running -= 1

    assert client.map_parallel(fetch, range(12)) == [str(n) for n in range(12)]
    assert 1 < peak <= 3
    assert client.request_count == 12


def test_map_parallel_raises_the_first_failure(stub: StubServer, clock: FakeClock) -> None:
    stub.handler = lambda seen: (
        Reply(status=404, body=fixture("error-404.json"))
        if seen.path.endswith("/2")
        else Reply(body=session(1))
    )
    client = make_client(stub, clock)
    with pytest.raises(NotFound, match="sessions/2"):
        client.map_parallel(lambda n: client.get_session(f"sessions/{n}"), [1, 2, 3])
