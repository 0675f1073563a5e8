"""Every recorded or reconstructed API body in ../shared/fixtures/jules parses with the wire models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from julesform.api.models import (
    Activity,
    ErrorEnvelope,
    ListActivitiesResponse,
    ListSessionsResponse,
    ListSourcesResponse,
    Session,
    Source,
)

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "jules"

MODEL_BY_PREFIX: dict[str, type[BaseModel]] = {
    "activities-list-": ListActivitiesResponse,
    "activity-": Activity,
    "error-": ErrorEnvelope,
    "session-": Session,
    "sessions-list-": ListSessionsResponse,
    "sources-list": ListSourcesResponse,
    "source-get": Source,
}


def model_for(path: Path) -> type[BaseModel]:
    matches = [prefix for prefix in MODEL_BY_PREFIX if path.name.startswith(prefix)]
    assert matches, f"no model known for fixture {path.name}"
    return MODEL_BY_PREFIX[max(matches, key=len)]


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    parsed = model_for(path).model_validate_json(path.read_bytes())
    assert parsed.model_dump(exclude_defaults=True)  # something was read, not just defaults


def test_there_are_fixtures_to_parse() -> None:
    assert len(list(FIXTURES.glob("*.json"))) >= 18


def test_session_ids_stay_strings_and_timestamps_keep_nanosecond_inputs() -> None:
    completed = Session.model_validate(load("session-get-completed-with-pr.json"))
    assert completed.id == "12904857330171641522"
    assert completed.create_time == datetime(2026, 3, 2, 13, 0, 2, 155722, tzinfo=UTC)
    assert completed.pull_request is not None
    assert completed.pull_request.url == "https://github.com/example-org/widget-app/pull/42"
    assert completed.archived is False  # omitted default
    assert completed.source_context is not None
    assert completed.source_context.github_repo_context is not None
    assert completed.source_context.github_repo_context.starting_branch == "main"


def test_a_sparse_create_reply_reads_as_defaults() -> None:
    created = Session.model_validate({"name": "sessions/1", "id": "1", "prompt": "p"})
    assert created.state == "STATE_UNSPECIFIED"
    assert (created.create_time, created.outputs, created.url) == (None, [], "")


def test_activity_kinds_are_told_apart_by_their_key() -> None:
    listed = ListActivitiesResponse.model_validate(load("activities-list-plan-generated.json"))
    kinds = [a.kind for a in listed.activities]
    assert kinds[0] == "planGenerated"
    assert kinds[1] == "planApproved"
    assert kinds[-1] == "sessionCompleted"
    plan = listed.activities[0].plan_generated
    assert plan is not None
    assert [step.index for step in plan.plan.steps] == list(range(len(plan.plan.steps)))
    assert any(a.bash_output is not None for act in listed.activities for a in act.artifacts)
    assert any(a.media is not None for act in listed.activities for a in act.artifacts)

    assert Activity.model_validate(load("activity-agent-messaged.json")).kind == "agentMessaged"
    failed = Activity.model_validate(load("activity-session-failed.json"))
    assert failed.session_failed is not None
    assert failed.session_failed.reason == "Jules encountered an error when working on the task."


def test_completed_activity_carries_the_patch() -> None:
    done = Activity.model_validate(load("activity-session-completed-changeset.json"))
    assert done.kind == "sessionCompleted"
    change = done.artifacts[0].change_set
    assert change is not None and change.git_patch is not None
    assert change.git_patch.unidiff_patch.startswith("diff --git a/tests/conftest.py")
    assert len(change.git_patch.base_commit_id) == 40


def test_unknown_fields_and_unknown_activity_kinds_do_not_break_parsing() -> None:
    newer = Activity.model_validate(
        {"name": "sessions/1/activities/a", "originator": "AGENT", "somethingNew": {"x": 1}, "extra": True}
    )
    assert newer.kind == "unknown"
    future = Session.model_validate({"name": "sessions/1", "state": "SOME_FUTURE_STATE"})
    assert future.state == "SOME_FUTURE_STATE"


def test_sources_keep_branch_names_inside_display_name() -> None:
    source = Source.model_validate(load("source-get.json"))
    assert source.name.startswith("sources/github/")
    assert source.github_repo is not None and source.github_repo.default_branch is not None
    assert source.github_repo.default_branch.display_name
    listed = ListSourcesResponse.model_validate(load("sources-list.json"))
    assert listed.sources and listed.sources[0].github_repo is not None
    assert listed.sources[0].github_repo.is_private is False


def test_error_envelopes_keep_status_and_details() -> None:
    unauth = ErrorEnvelope.model_validate(load("error-401.json")).error
    assert (unauth.code, unauth.status) == (401, "UNAUTHENTICATED")
    assert unauth.details[0]["reason"] == "CREDENTIALS_MISSING"
    bare = ErrorEnvelope.model_validate(load("error-404.json")).error
    assert bare.details == []
