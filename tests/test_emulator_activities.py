"""activities.list/get and sources.list/get over HTTP: order, the ``create_time >`` cursor, page sizes
and tokens, the rejected bare ``createTime`` parameter, and source shapes (§2-§3)."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import FIXTURES
from julesform.emulator import Emulator
from julesform.emulator.server import ServedEmulator, serve_emulator


@pytest.fixture
def finished(emulator_http: httpx.Client, emulator: ServedEmulator) -> str:
    """A session that ran to completion (auto-approved), so it has a full activity log."""
    session = emulator.emulator.seed_session(prompt="Add `tests/test_a.py` (2 tests)", age=3600)
    assert session.state == "COMPLETED"
    return session.id


def test_activities_are_oldest_first_with_names_and_ids(emulator_http: httpx.Client, finished: str) -> None:
    log = emulator_http.get(f"/sessions/{finished}/activities").json()["activities"]
    times = [a["createTime"] for a in log]
    assert times == sorted(times) and len(set(times)) == len(times)
    for activity in log:
        assert activity["name"] == f"sessions/{finished}/activities/{activity['id']}"
        assert len(activity["id"]) == 32 and int(activity["id"], 16) >= 0
        assert "type" not in activity
    one = emulator_http.get(f"/sessions/{finished}/activities/{log[2]['id']}").json()
    assert one == log[2]


def test_create_time_cursor_is_exclusive(emulator_http: httpx.Client, finished: str) -> None:
    log = emulator_http.get(f"/sessions/{finished}/activities").json()["activities"]
    cursor = log[3]["createTime"]
    query = {"filter": f'create_time > "{cursor}"'}
    newer = emulator_http.get(f"/sessions/{finished}/activities", params=query)
    assert [a["id"] for a in newer.json()["activities"]] == [a["id"] for a in log[4:]]
    last = log[-1]["createTime"]
    assert emulator_http.get(f"/sessions/{finished}/activities",
                             params={"filter": f'create_time > "{last}"'}).json() == {}


def test_bare_create_time_parameter_and_other_filters_are_rejected(
    emulator_http: httpx.Client, finished: str
) -> None:
    bare_param = {"createTime": "2026-03-02T09:00:00Z"}
    bare = emulator_http.get(f"/sessions/{finished}/activities", params=bare_param)
    assert bare.status_code == 400 and bare.json()["error"]["status"] == "INVALID_ARGUMENT"
    other = emulator_http.get(f"/sessions/{finished}/activities", params={"filter": 'originator = "agent"'})
    assert other.status_code == 400


def test_activity_pages_follow_tokens(emulator_http: httpx.Client, finished: str) -> None:
    everything = emulator_http.get(f"/sessions/{finished}/activities").json()["activities"]
    collected, params = [], {"pageSize": 2}
    while True:
        page = emulator_http.get(f"/sessions/{finished}/activities", params=params).json()
        assert len(page["activities"]) <= 2
        collected += page["activities"]
        if "nextPageToken" not in page:
            break
        params["pageToken"] = page["nextPageToken"]
    assert collected == everything


def test_activity_page_size_defaults_to_50_and_caps_at_100(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    session = emulator.emulator.seed_session(prompt="Chatty task")
    for n in range(120):
        emulator_http.post(f"/sessions/{session.id}:sendMessage", json={"prompt": f"note {n}"})
        emulator.emulator.advance(1)
    assert len(emulator_http.get(f"/sessions/{session.id}/activities").json()["activities"]) == 50
    capped = emulator_http.get(f"/sessions/{session.id}/activities", params={"pageSize": 1000}).json()
    assert len(capped["activities"]) == 100 and "nextPageToken" in capped


def test_unknown_activity_or_session_is_404(emulator_http: httpx.Client, finished: str) -> None:
    assert emulator_http.get(f"/sessions/{finished}/activities/{'0' * 32}").status_code == 404
    assert emulator_http.get("/sessions/1234567890123456789/activities").status_code == 404


def test_fresh_session_activities_can_be_404_for_a_while(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.faults.update({"fresh_activities_404": 5})
    sid = emulator_http.post("/sessions", json={"prompt": "x"}).json()["id"]
    response = emulator_http.get(f"/sessions/{sid}/activities")
    assert response.json() == json.loads((FIXTURES / "error-404.json").read_text())
    emulator.emulator.advance(5)
    assert emulator_http.get(f"/sessions/{sid}/activities").status_code == 200


def test_sources_list_and_get(emulator_http: httpx.Client) -> None:
    listed = emulator_http.get("/sources").json()["sources"]
    assert [s["name"] for s in listed] == ["sources/github/example-org/widget-app",
                                           "sources/github/your-org/your-repo"]
    one = emulator_http.get("/sources/github/example-org/widget-app").json()
    assert one["id"] == "github/example-org/widget-app"
    assert one["githubRepo"] == {
        "owner": "example-org", "repo": "widget-app",
        "defaultBranch": {"displayName": "main"}, "branches": [{"displayName": "main"}],
    }
    assert emulator_http.get("/sources/github/example-org/nope").status_code == 404


def test_sources_filter_by_name_and_page() -> None:
    live = Emulator(api_keys=["k"], sources=[f"org/repo{n:02d}" for n in range(35)])
    with serve_emulator(live, "k") as served, httpx.Client(base_url=served.url,
                                                          headers={"X-Goog-Api-Key": "k"}) as api:
        first = api.get("/sources").json()
        assert len(first["sources"]) == 30
        rest = api.get("/sources", params={"pageToken": first["nextPageToken"]}).json()
        assert len(rest["sources"]) == 5 and "nextPageToken" not in rest
        wanted = "name=sources/github/org/repo03 OR name=sources/github/org/repo07"
        picked = api.get("/sources", params={"filter": wanted}).json()["sources"]
        assert [s["id"] for s in picked] == ["github/org/repo03", "github/org/repo07"]
        assert api.get("/sources", params={"filter": "owner=org"}).status_code == 400
