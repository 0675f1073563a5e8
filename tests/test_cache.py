"""The on-disk activity cache: repeat reads download nothing old, and a corrupt entry is never trusted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from julesform.api.client import JulesClient
from julesform.emulator.state import Behaviour
from julesform.state.cache import ActivityCache


@pytest.fixture
def client(emulator: Any) -> Iterator[JulesClient]:
    with JulesClient(emulator.url, emulator.api_key) as opened:
        yield opened


def activity_requests(emulator: Any) -> list[str]:
    """Query strings of the activity listings the emulator served so far."""
    return [r.query for r in emulator.emulator.requests if r.path.endswith("/activities")]


def make_session(emulator: Any, **behaviour: Any) -> str:
    session = emulator.emulator.seed_session(title="cache test", behaviour=Behaviour(**behaviour))
    return f"sessions/{session.id}"


def test_a_running_session_is_read_incrementally_with_the_create_time_cursor(
    emulator: Any, client: JulesClient, tmp_path: Path
) -> None:
    name = make_session(emulator)
    emulator.emulator.advance(100)  # planned and working, not finished
    cache = ActivityCache(client, tmp_path)
    first = cache.activities(client.get_session(name))
    assert first and activity_requests(emulator) == ["pageSize=100"]

    emulator.emulator.advance(3600)  # the session finishes: more activities
    session = client.get_session(name)
    second = cache.activities(session)
    queries = activity_requests(emulator)
    assert len(queries) == 2 and "filter=create_time" in queries[1]
    assert [a.name for a in second] == [a.name for a in client.list_activities(name)]
    assert len(second) > len(first)
    assert second[-1].kind == "sessionCompleted"


def test_a_finished_unchanged_session_is_not_asked_again(
    emulator: Any, client: JulesClient, tmp_path: Path
) -> None:
    name = make_session(emulator)
    emulator.emulator.advance(3600)
    session = client.get_session(name)
    assert session.state == "COMPLETED"
    first = ActivityCache(client, tmp_path).activities(session)
    before = len(emulator.emulator.requests)
    again = ActivityCache(client, tmp_path).activities(session)  # a later run: a new cache object
    assert len(emulator.emulator.requests) == before  # nothing downloaded
    assert [a.model_dump() for a in again] == [a.model_dump() for a in first]


def test_a_session_that_woke_up_after_completing_is_read_again(
    emulator: Any, client: JulesClient, tmp_path: Path
) -> None:
    name = make_session(emulator, revive=True)
    emulator.emulator.advance(400)  # completed, not yet revived
    cache = ActivityCache(client, tmp_path)
    completed = client.get_session(name)
    assert completed.state == "COMPLETED"
    first = cache.activities(completed)
    emulator.emulator.advance(3600)  # woke up and completed a second time: updateTime moved
    later = cache.activities(client.get_session(name))
    assert len(activity_requests(emulator)) == 2
    assert sum(1 for a in later if a.kind == "sessionCompleted") == 2 > sum(
        1 for a in first if a.kind == "sessionCompleted"
    )


@pytest.mark.parametrize(
    "corrupt",
    [
        "{not json",
        "",
        '{"format": 1}',
        "[]",
        "\udcff",
    ],
    ids=["truncated", "empty", "incomplete", "not-an-object", "undecodable"],
)
def test_a_corrupt_entry_is_refetched_in_full_and_rewritten(
    emulator: Any, client: JulesClient, tmp_path: Path, corrupt: str
) -> None:
    name = make_session(emulator)
    emulator.emulator.advance(3600)
    session = client.get_session(name)
    cache = ActivityCache(client, tmp_path)
    good = cache.activities(session)
    path = cache.path_for(name)
    path.write_bytes(corrupt.encode("utf-8", "surrogateescape"))
    notices: list[str] = []
    again = ActivityCache(client, tmp_path, notice=notices.append).activities(session)
    assert activity_requests(emulator)[-1] == "pageSize=100"  # the whole log, no cursor
    assert [a.name for a in again] == [a.name for a in good]
    assert len(notices) == 1 and "is corrupt" in notices[0] and "fetching the log again" in notices[0]
    assert json.loads(path.read_text())["session"] == name  # repaired


def test_an_entry_holding_another_sessions_activities_is_not_trusted(
    emulator: Any, client: JulesClient, tmp_path: Path
) -> None:
    one, other = make_session(emulator), make_session(emulator)
    emulator.emulator.advance(3600)
    cache = ActivityCache(client, tmp_path)
    cache.activities(client.get_session(one))
    cache.activities(client.get_session(other))
    # Someone copies one session's entry over the other's, fixing up the session field.
    data = json.loads(cache.path_for(one).read_text())
    data["session"] = other
    cache.path_for(other).write_text(json.dumps(data))
    notices: list[str] = []
    got = ActivityCache(client, tmp_path, notice=notices.append).activities(client.get_session(other))
    assert all(a.name.startswith(f"{other}/activities/") for a in got)
    assert notices


def test_each_endpoint_has_its_own_entries(emulator: Any, client: JulesClient, tmp_path: Path) -> None:
    name = make_session(emulator)
    emulator.emulator.advance(3600)
    ActivityCache(client, tmp_path).activities(client.get_session(name))
    with JulesClient(emulator.url, emulator.api_key, endpoint="https://elsewhere.example/v1alpha") as other:
        assert ActivityCache(other, tmp_path).path_for(name) != ActivityCache(client, tmp_path).path_for(name)


def test_a_state_directory_the_cache_creates_lets_only_lockfiles_into_git(
    emulator: Any, client: JulesClient, tmp_path: Path
) -> None:
    name = make_session(emulator)
    emulator.emulator.advance(3600)
    state = tmp_path / "state"
    ActivityCache(client, state / ".cache").activities(client.get_session(name))
    assert (state / ".gitignore").read_text().splitlines()[-3:] == ["*", "!.gitignore", "!*.lock.json"]
