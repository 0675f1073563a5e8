"""The emulator's sessions API over real HTTP: create, get, list (order, archived filter, pages),
delete, archive/unarchive, and proto3 JSON rules (jules-api.md §2-§3)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from julesform.emulator.server import ServedEmulator

SOURCE = "sources/github/example-org/widget-app"


def create_body(title: str = "Add tests [jf:demo/auth]", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt": "Add unit tests for the auth module.",
        "title": title,
        "sourceContext": {"source": SOURCE, "githubRepoContext": {"startingBranch": "main"}},
        "requirePlanApproval": True,
        "automationMode": "AUTO_CREATE_PR",
    }
    body.update(extra)
    return body


@pytest.fixture
def api(emulator_http: httpx.Client) -> httpx.Client:
    return emulator_http


def test_create_answers_sparse_and_never_echoes_input_only_fields(api: httpx.Client) -> None:
    response = api.post("/sessions", json=create_body())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"name", "id", "title", "sourceContext", "prompt"}
    assert body["name"] == f"sessions/{body['id']}"
    assert body["id"].isdigit() and 19 <= len(body["id"]) <= 20
    full = api.get(f"/sessions/{body['id']}").json()
    assert full["state"] == "QUEUED"
    assert full["url"] == f"https://jules.google.com/session/{body['id']}"
    assert "requirePlanApproval" not in full and "automationMode" not in full
    assert "archived" not in full and "outputs" not in full  # proto3: defaults are omitted


def test_title_is_generated_when_absent(api: httpx.Client) -> None:
    body = create_body()
    del body["title"]
    created = api.post("/sessions", json=body).json()
    assert created["title"] == "Add unit tests for the auth module."


def test_list_is_newest_first_and_hides_archived_unless_filtered(
    api: httpx.Client, emulator: ServedEmulator
) -> None:
    ids = []
    for n in range(3):
        ids.append(api.post("/sessions", json=create_body(f"t{n}")).json()["id"])
        emulator.emulator.advance(10)
    archived = api.post(f"/sessions/{ids[1]}:archive", json={})
    assert archived.status_code == 200 and archived.json()["archived"] is True

    listed = [s["id"] for s in api.get("/sessions").json()["sessions"]]
    assert listed == [ids[2], ids[0]]
    only = api.get("/sessions", params={"filter": "archived = true"}).json()["sessions"]
    assert [s["id"] for s in only] == [ids[1]]
    everything = api.get("/sessions", params={"filter": "archived = true OR archived = false"}).json()
    assert [s["id"] for s in everything["sessions"]] == [ids[2], ids[1], ids[0]]

    restored = api.post(f"/sessions/{ids[1]}:unarchive", json={}).json()
    assert "archived" not in restored
    assert len(api.get("/sessions").json()["sessions"]) == 3


def test_unsupported_session_filter_is_invalid_argument(api: httpx.Client) -> None:
    response = api.get("/sessions", params={"filter": 'state = "COMPLETED"'})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_pagination_walks_every_session_once_with_opaque_tokens(
    api: httpx.Client, emulator: ServedEmulator
) -> None:
    for n in range(7):
        emulator.emulator.seed_session(title=f"other {n}", age=100 - n)
    seen: list[str] = []
    tokens: list[str] = []
    params: dict[str, Any] = {"pageSize": 3}
    while True:
        page = api.get("/sessions", params=params).json()
        seen += [s["id"] for s in page["sessions"]]
        if "nextPageToken" not in page:
            break
        tokens.append(page["nextPageToken"])
        params["pageToken"] = page["nextPageToken"]
    assert len(tokens) == 2 and len(seen) == 7 == len(set(seen))
    assert seen == [s.id for s in emulator.emulator.sessions()]
    assert all(not t.isdigit() for t in tokens)


def test_default_page_size_is_30_and_values_above_100_are_coerced(
    api: httpx.Client, emulator: ServedEmulator
) -> None:
    for n in range(101):
        emulator.emulator.seed_session(title=f"s{n}", age=n + 1)
    assert len(api.get("/sessions").json()["sessions"]) == 30
    assert len(api.get("/sessions", params={"pageSize": 500}).json()["sessions"]) == 100


def _token(*items: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(items)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "-1"},
        {"pageSize": "ten"},
        {"pageToken": "garbage!"},
        {"pageToken": _token("sessions")},  # well-formed but not a cursor this list issued
        {"pageToken": _token("sessions", "x", "y")},
        {"pageToken": _token("sources", "sources/github/a/b")},
    ],
)
def test_bad_page_parameters_are_invalid_argument(api: httpx.Client, params: dict[str, str]) -> None:
    response = api.get("/sessions", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_empty_list_omits_the_array(api: httpx.Client) -> None:
    assert api.get("/sessions").json() == {}


def test_delete_then_repeat_delete_is_not_found(api: httpx.Client) -> None:
    session_id = api.post("/sessions", json=create_body()).json()["id"]
    assert api.delete(f"/sessions/{session_id}").json() == {}
    again = api.delete(f"/sessions/{session_id}")
    assert again.status_code == 404
    assert again.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    assert api.get(f"/sessions/{session_id}").status_code == 404


def test_unknown_session_is_not_found(api: httpx.Client) -> None:
    assert api.get("/sessions/12345678901234567890").status_code == 404
    assert api.post("/sessions/12345678901234567890:archive", json={}).status_code == 404
