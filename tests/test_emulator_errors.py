"""Errors as the real service gives them: the google.rpc.Status envelope, 401 with the misleading
message, 400 INVALID_ARGUMENT with field violations, 404s, and paths that do not exist (§1, §4)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import FIXTURES
from julesform.emulator.server import ServedEmulator

GOOD: dict[str, Any] = {
    "prompt": "Add tests.",
    "sourceContext": {"source": "sources/github/example-org/widget-app",
                      "githubRepoContext": {"startingBranch": "main"}},
}


def violations(response: httpx.Response) -> list[dict[str, str]]:
    details = response.json()["error"]["details"]
    (bad_request,) = [d for d in details if d["@type"] == "type.googleapis.com/google.rpc.BadRequest"]
    return list(bad_request["fieldViolations"])


@pytest.mark.parametrize("headers", [{}, {"X-Goog-Api-Key": "wrong"}, {"X-Goog-Api-Key": ""}])
def test_missing_or_wrong_key_is_401_like_the_recorded_body(
    emulator: ServedEmulator, headers: dict[str, str]
) -> None:
    response = httpx.post(f"{emulator.url}/sessions", json=GOOD, headers=headers)
    assert response.status_code == 401
    recorded = json.loads((FIXTURES / "error-401.json").read_text())
    assert response.json() == recorded
    assert emulator.emulator.sessions() == []


def test_key_header_name_is_case_insensitive_and_query_key_works(emulator: ServedEmulator) -> None:
    lower = httpx.get(f"{emulator.url}/sessions", headers={"x-goog-api-key": emulator.api_key})
    assert lower.status_code == 200
    assert httpx.get(f"{emulator.url}/sessions", params={"key": emulator.api_key}).status_code == 200


def test_bad_enum_value_matches_the_recorded_error(emulator_http: httpx.Client) -> None:
    response = emulator_http.post("/sessions", json={**GOOD, "automationMode": "MANUAL"})
    assert response.status_code == 400
    assert response.json() == json.loads((FIXTURES / "error-400-invalid-argument.json").read_text())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"session": GOOD}, "session"),
        ({**GOOD, "sessionId": "123"}, "sessionId"),
        ({**GOOD, "sourceContext": {**GOOD["sourceContext"], "branch": "x"}}, "source_context.branch"),
    ],
)
def test_unknown_fields_are_invalid_argument_with_a_violation(
    emulator_http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = emulator_http.post("/sessions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "Unknown name" in response.json()["error"]["message"]
    assert [v["field"] for v in violations(response)] == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sourceContext": GOOD["sourceContext"]}, "session.prompt"),
        ({**GOOD, "prompt": "  "}, "session.prompt"),
        ({**GOOD, "requirePlanApproval": "yes"}, "session.require_plan_approval"),
        ({**GOOD, "prompt": 5}, "session.prompt"),
        ({**GOOD, "sourceContext": {"source": "sources/github/example-org/widget-app"}},
         "session.source_context.github_repo_context.starting_branch"),
    ],
)
def test_missing_or_mistyped_fields_are_invalid_argument(
    emulator_http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = emulator_http.post("/sessions", json=body)
    assert response.status_code == 400
    assert [v["field"] for v in violations(response)] == [field]


def test_output_only_fields_in_a_create_body_are_ignored(emulator_http: httpx.Client) -> None:
    response = emulator_http.post("/sessions", json={**GOOD, "state": "COMPLETED", "name": "sessions/1"})
    assert response.status_code == 200
    assert emulator_http.get(f"/sessions/{response.json()['id']}").json()["state"] == "QUEUED"


def test_repoless_session_is_accepted(emulator_http: httpx.Client) -> None:
    response = emulator_http.post("/sessions", json={"prompt": "Write a haiku.", "title": "Haiku"})
    assert response.status_code == 200
    assert "sourceContext" not in response.json()


def test_unconnected_source_is_not_found(emulator_http: httpx.Client, emulator: ServedEmulator) -> None:
    body = {**GOOD, "sourceContext": {"source": "sources/github/someone/else",
                                      "githubRepoContext": {"startingBranch": "main"}}}
    response = emulator_http.post("/sessions", json=body)
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    assert emulator.emulator.state.create_log_us == []  # nothing was spent


def test_malformed_json_is_invalid_argument(emulator_http: httpx.Client) -> None:
    headers = {"Content-Type": "application/json"}
    response = emulator_http.post("/sessions", content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_custom_verbs_need_a_colon_and_unknown_paths_are_404(emulator_http: httpx.Client) -> None:
    sid = emulator_http.post("/sessions", json=GOOD).json()["id"]
    slash = emulator_http.post(f"/sessions/{sid}/approvePlan", json={})
    assert slash.status_code == 404
    assert emulator_http.get("/scheduledSessions").status_code == 404
    assert emulator_http.get(f"/sessions/{sid}:approvePlan").status_code == 404  # wrong HTTP method


def test_send_message_needs_a_prompt_and_approve_takes_no_fields(emulator_http: httpx.Client) -> None:
    sid = emulator_http.post("/sessions", json=GOOD).json()["id"]
    assert emulator_http.post(f"/sessions/{sid}:sendMessage", json={}).status_code == 400
    wrong = emulator_http.post(f"/sessions/{sid}:sendMessage", json={"message": "hi"})
    assert wrong.status_code == 400 and violations(wrong)[0]["field"] == "message"
    extra = emulator_http.post(f"/sessions/{sid}:approvePlan", json={"planId": "x"})
    assert extra.status_code == 400 and extra.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_unknown_query_parameters_are_invalid_argument(emulator_http: httpx.Client) -> None:
    response = emulator_http.get("/sessions", params={"orderBy": "createTime"})
    assert response.status_code == 400
    assert "Cannot bind query parameter" in response.json()["error"]["message"]
    standard = {"prettyPrint": "false", "fields": "sessions.id"}
    assert emulator_http.get("/sessions", params=standard).status_code == 200


def test_forbidden_source_is_permission_denied(emulator_http: httpx.Client, emulator: ServedEmulator) -> None:
    emulator.emulator.faults.update({"forbidden_sources": ["sources/github/example-org/widget-app"]})
    response = emulator_http.post("/sessions", json=GOOD)
    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"
    assert emulator.emulator.sessions() == []
    assert emulator_http.get("/sources/github/example-org/widget-app").status_code == 200  # still visible
