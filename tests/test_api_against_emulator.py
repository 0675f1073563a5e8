"""JulesClient against the emulator served on loopback: the behaviour a reconciler relies on,
produced by a stateful API that follows jules-api.md rather than by canned replies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fake_clock import FakeClock
from julesform.api.client import JulesClient
from julesform.api.errors import (
    AUTH_MESSAGE,
    AmbiguousCreate,
    AuthError,
    FailedPrecondition,
    InvalidRequest,
    NotFound,
    QuotaExhausted,
    ServiceError,
)
from julesform.api.retry import RetryPolicy
from julesform.emulator.server import ServedEmulator
from julesform.planner.spec import SessionSpec, parse_marker

SOURCE = "sources/github/example-org/widget-app"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall_base=1_790_000_000.0)


@pytest.fixture
def client(emulator: ServedEmulator, clock: FakeClock) -> Iterator[JulesClient]:
    with JulesClient(emulator.url, emulator.api_key, clock=clock, rand=lambda: 0.0) as opened:
        yield opened


def spec(category: str = "auth", *, approval: bool = True) -> SessionSpec:
    return SessionSpec(
        prompt=f"Add tests for {category}.",
        title=f"Tests for {category} [jf:demo/{category}]",
        source=SOURCE,
        starting_branch="main",
        require_plan_approval=approval,
        automation_mode="AUTO_CREATE_PR",
    )


def api_requests(emulator: ServedEmulator, method: str | None = None) -> list[Any]:
    return [r for r in emulator.emulator.requests if method is None or r.method == method]


# --- pagination ------------------------------------------------------------------------------------


def test_listing_walks_every_page_newest_first_archived_included(
    emulator: ServedEmulator, client: JulesClient
) -> None:
    live = emulator.emulator
    for n in range(40):
        live.seed_session(title=f"s{n}", archived=n % 4 == 0, age=1000 - n)
    everything = client.list_sessions(page_size=7)
    assert [s.title for s in everything] == [f"s{n}" for n in reversed(range(40))]
    assert len({s.id for s in everything}) == 40
    assert sum(s.archived for s in everything) == 10
    assert client.request_count == 6  # 40 sessions / 7 per page

    visible = client.list_sessions(include_archived=False, page_size=7)
    assert [s.title for s in visible] == [f"s{n}" for n in reversed(range(40)) if n % 4]


def test_iter_sessions_stops_reading_when_the_caller_stops(
    emulator: ServedEmulator, client: JulesClient
) -> None:
    for n in range(30):
        emulator.emulator.seed_session(title=f"s{n}", age=100 - n)
    newest = [s.title for _, s in zip(range(3), client.iter_sessions(page_size=2), strict=False)]
    assert newest == ["s29", "s28", "s27"]
    assert len(api_requests(emulator, "GET")) == 2


def test_activities_come_oldest_first_across_pages_and_the_cursor_is_exclusive(
    emulator: ServedEmulator, client: JulesClient
) -> None:
    created = client.create_session(spec(approval=False).create_body())
    emulator.emulator.advance(3600)
    activities = client.list_activities(created.name, page_size=2)
    assert len(activities) >= 5
    times = [a.create_time for a in activities]
    assert times == sorted(times)  # type: ignore[type-var]
    assert activities[0].kind == "planGenerated"
    assert activities[-1].kind == "sessionCompleted"
    assert len({a.name for a in activities}) == len(activities)

    middle = activities[2]
    raw_time = client.get_activity(middle.name).model_dump(by_alias=True)["createTime"]
    assert raw_time is not None
    stamp = raw_time.isoformat().replace("+00:00", "Z")
    later = client.list_activities(created.name, after=stamp)
    assert [a.name for a in later] == [a.name for a in activities[3:]]


def test_activities_404_just_after_create_is_waited_out(
    emulator: ServedEmulator, client: JulesClient, clock: FakeClock
) -> None:
    emulator.emulator.faults.update({"fresh_activities_404": 5})
    clock.also = emulator.emulator.advance
    created = client.create_session(spec(approval=False).create_body())
    assert client.list_activities(created.name) == []  # nothing has happened yet at 7 s
    assert clock.sleeps == [1.0, 2.0, 4.0]
    statuses = [(r.path.rsplit("/", 1)[-1], r.status) for r in api_requests(emulator, "GET")]
    assert statuses == [("activities", 404), (created.id, 200)] * 3 + [("activities", 200)]


def test_activities_of_a_deleted_session_are_not_found_at_once(
    emulator: ServedEmulator, client: JulesClient, clock: FakeClock
) -> None:
    gone = emulator.emulator.seed_session(title="gone")
    client.delete_session(gone.id)
    with pytest.raises(NotFound, match=rf"^not found: /v1alpha/sessions/{gone.id} does not exist"):
        client.list_activities(gone.id)
    assert clock.sleeps == []


def test_sources_are_listed_and_fetched_by_slash_name(client: JulesClient) -> None:
    names = [s.name for s in client.list_sources()]
    assert SOURCE in names
    source = client.get_source(SOURCE)
    assert source.github_repo is not None
    assert source.github_repo.default_branch is not None
    assert source.github_repo.default_branch.display_name == "main"


# --- the whole life of a session, as apply drives it -------------------------------------------------


def test_create_approve_message_archive_delete(emulator: ServedEmulator, client: JulesClient) -> None:
    created = client.create_session(spec().create_body())
    assert created.name == f"sessions/{created.id}"
    assert parse_marker(created.title) == ("demo", "auth")

    emulator.emulator.advance(600)
    waiting = client.get_session(created.name)
    assert waiting.state == "AWAITING_PLAN_APPROVAL"
    assert client.list_activities(created.name)[-1].kind == "planGenerated"

    client.approve_plan(created.name)
    with pytest.raises(FailedPrecondition, match=r"approvePlan was refused"):
        client.approve_plan(created.name)  # nothing pending any more
    client.send_message(created.id, "Please also cover token expiry.")
    assert any(a.kind == "userMessaged" for a in client.list_activities(created.name))

    assert client.archive_session(created.name).archived is True
    assert client.list_sessions(include_archived=False) == []
    assert client.unarchive_session(created.name).archived is False

    client.delete_session(created.name)
    client.delete_session(created.name)  # already gone: done
    with pytest.raises(NotFound):
        client.get_session(created.name)


# --- errors from a faithful API ------------------------------------------------------------------------


def test_a_wrong_key_is_an_auth_error_that_never_shows_the_key(
    emulator: ServedEmulator, clock: FakeClock
) -> None:
    wrong = "AIzaWRONG-key-000111222333"
    lines: list[str] = []
    client = JulesClient(emulator.url, wrong, clock=clock, trace=lines.append)
    with pytest.raises(AuthError) as caught:
        client.list_sessions()
    assert str(caught.value) == AUTH_MESSAGE
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    assert lines and not any(wrong in line for line in lines)
    assert clock.sleeps == []  # a 401 is not retried


def test_unknown_session_and_source_are_not_found(client: JulesClient) -> None:
    with pytest.raises(NotFound, match=r"^not found: /v1alpha/sessions/123456789 does not exist"):
        client.get_session("sessions/123456789")
    with pytest.raises(NotFound, match=r"^not found: /v1alpha/sources/github/nobody/nothing does not exist"):
        client.get_source("sources/github/nobody/nothing")


def test_a_bad_enum_value_is_an_invalid_request_with_its_field(client: JulesClient) -> None:
    body = spec().create_body() | {"automationMode": "MANUAL"}
    with pytest.raises(InvalidRequest) as caught:
        client.create_session(body)
    assert caught.value.violations
    field_name, _ = caught.value.violations[0]
    assert "automation_mode" in field_name
    assert str(caught.value).startswith(
        f"invalid request to POST /v1alpha/sessions (400 INVALID_ARGUMENT): {field_name}"
    )


@pytest.mark.parametrize("quota_error", ["RESOURCE_EXHAUSTED", "FAILED_PRECONDITION"])
def test_the_daily_quota_is_quota_exhausted_either_way(
    emulator: ServedEmulator, client: JulesClient, clock: FakeClock, quota_error: str
) -> None:
    emulator.emulator.faults.update({"daily_quota": 1, "quota_error": quota_error})
    client.create_session(spec("one").create_body())
    with pytest.raises(QuotaExhausted, match="daily or concurrent task"):
        client.create_session(spec("two").create_body())
    assert len(emulator.emulator.sessions()) == 1
    assert len(api_requests(emulator, "POST")) == 2
    assert clock.sleeps == []


# --- retries against injected faults -------------------------------------------------------------------


def test_a_429_burst_is_waited_out_as_the_server_asks(
    emulator: ServedEmulator, client: JulesClient, clock: FakeClock
) -> None:
    emulator.emulator.faults.update({"rate_limit_burst": 2, "retry_after": 3})
    assert client.list_sessions() == []
    assert clock.sleeps == [3.0, 3.0]
    assert [r.status for r in api_requests(emulator)] == [429, 429, 200]


def test_5xx_on_reads_backs_off_then_gives_up(
    emulator: ServedEmulator, clock: FakeClock
) -> None:
    emulator.emulator.faults.update({"error_next": 10, "error_status": 503})
    client = JulesClient(emulator.url, emulator.api_key, clock=clock, rand=lambda: 0.0,
                         retry=RetryPolicy(max_attempts=4))
    with pytest.raises(ServiceError, match=r"503 UNAVAILABLE \(gave up after 4 attempts\)"):
        client.list_sources()
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len(api_requests(emulator)) == 4


def test_a_create_dropped_after_commit_is_ambiguous_and_never_repeated(
    emulator: ServedEmulator, client: JulesClient, clock: FakeClock
) -> None:
    emulator.emulator.faults.update({"drop_next_creates": 1})
    body = spec("dropped").create_body()
    with pytest.raises(AmbiguousCreate, match=r"connection dropped"):
        client.create_session(body)
    # (the emulator logs the dropped request after the socket closes, so count on the client side)
    assert client.request_count == 1
    assert emulator.emulator.state.created_count == 1
    assert clock.sleeps == []
    # exactly one session exists, and the caller can find it by its marker
    assert len(emulator.emulator.sessions()) == 1
    found = [s for s in client.list_sessions() if parse_marker(s.title) == ("demo", "dropped")]
    assert len(found) == 1


def test_a_create_hit_by_a_5xx_is_ambiguous_and_not_retried(
    emulator: ServedEmulator, client: JulesClient, clock: FakeClock
) -> None:
    emulator.emulator.faults.update({"error_next": 1, "error_methods": ["POST"]})
    with pytest.raises(AmbiguousCreate, match=r"HTTP 503 UNAVAILABLE"):
        client.create_session(spec().create_body())
    assert len(api_requests(emulator, "POST")) == 1
    assert clock.sleeps == []


def test_parallel_reads_keep_order(emulator: ServedEmulator, client: JulesClient) -> None:
    names = [emulator.emulator.seed_session(title=f"p{n}").id for n in range(10)]
    fetch: Callable[[str], str] = lambda sid: client.get_session(sid).title  # noqa: E731
    assert client.map_parallel(fetch, names) == [f"p{n}" for n in range(10)]
