"""The embedded emulator behind ``julesform --emulator``: state persisted under the state dir, an
accelerated wall clock so separate runs see sessions progress, the fixed key, auto-connected sources."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from julesform.emulator.embedded import (
    EMBEDDED_API_KEY,
    EmbeddedApp,
    EmulatorStateUnreadable,
    open_embedded_app,
)

SOURCE = "sources/github/acme/anything"
BODY = {
    "prompt": "Add tests.",
    "title": "t [jf:demo/a]",
    "sourceContext": {"source": SOURCE, "githubRepoContext": {"startingBranch": "main"}},
}


class FakeWall:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def client(app: EmbeddedApp, key: str = EMBEDDED_API_KEY) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emulator.invalid/v1alpha",
                        headers={"X-Goog-Api-Key": key})


def test_state_persists_and_progresses_between_separate_runs(tmp_path: Path) -> None:
    wall = FakeWall()
    with client(EmbeddedApp(tmp_path, wall=wall)) as first:
        created = first.post("/sessions", json=BODY)
        assert created.status_code == 200
        sid = created.json()["id"]
    assert (tmp_path / "emulator.json").is_file()

    wall.now += 0.5  # half a real second = 30 seconds of a real agent's work at the default speed
    with client(EmbeddedApp(tmp_path, wall=wall)) as second:
        assert second.get(f"/sessions/{sid}").json()["state"] == "PLANNING"
        wall.now += 60
        session = second.get(f"/sessions/{sid}").json()
        assert session["state"] == "COMPLETED"
        assert session["outputs"][0]["changeSet"]["source"] == SOURCE


def test_any_github_source_is_connected_on_first_use(tmp_path: Path) -> None:
    with client(open_embedded_app(tmp_path)) as api:
        name = "sources/github/someone/somewhere"
        assert api.get(f"/{name}").json()["name"] == name
        assert api.get("/sources/gitlab/x").status_code == 404
        names = [s["name"] for s in api.get("/sources").json()["sources"]]
        assert "sources/github/your-org/your-repo" in names  # the example programme's repo, from the start


def test_only_the_embedded_key_is_accepted(tmp_path: Path) -> None:
    with client(open_embedded_app(tmp_path), key="real-looking-key") as api:
        assert api.get("/sessions").status_code == 401


def test_unreadable_state_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "emulator.json").write_text("{ half written")
    with pytest.raises(EmulatorStateUnreadable, match="move it away"):
        open_embedded_app(tmp_path)
    assert (tmp_path / "emulator.json").read_text() == "{ half written"


def test_dropped_create_is_saved_before_the_connection_error(tmp_path: Path) -> None:
    app = open_embedded_app(tmp_path)
    data = json.loads((tmp_path / "emulator.json").read_text())
    data["faults"]["drop_next_creates"] = 1
    (tmp_path / "emulator.json").write_text(json.dumps(data))
    with client(app) as api:
        with pytest.raises(ConnectionError):
            api.post("/sessions", json=BODY)
        listed = api.get("/sessions").json()["sessions"]
        assert [s["title"] for s in listed] == ["t [jf:demo/a]"]
        assert api.post("/sessions", json=BODY).status_code == 200


def test_two_apps_on_one_state_dir_share_sessions(tmp_path: Path) -> None:
    with client(open_embedded_app(tmp_path)) as one, client(open_embedded_app(tmp_path)) as two:
        first = one.post("/sessions", json=BODY).json()["id"]
        second = two.post("/sessions", json=BODY).json()["id"]
        assert first != second
        listed = {s["id"] for s in one.get("/sessions").json()["sessions"]}
        assert listed == {first, second}
