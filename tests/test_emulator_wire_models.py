"""The emulator builds its bodies by hand and the client reads them with its own pydantic models
(``julesform.api.models``); every key the emulator sends must be one the models know, so neither side
can drift from the documented shapes without a test failing."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

import httpx
from pydantic import BaseModel

from julesform.api import models
from julesform.emulator import Behaviour
from julesform.emulator.server import ServedEmulator


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def unknown_keys(model: type[BaseModel], data: Any, path: str = "") -> list[str]:
    """Keys in ``data`` (recursively) that ``model`` has no field for."""
    if isinstance(data, list):
        return [k for i, item in enumerate(data) for k in unknown_keys(model, item, f"{path}[{i}]")]
    if not isinstance(data, dict):
        return []
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    problems = []
    for key, value in data.items():
        info = fields.get(key)
        if info is None:
            problems.append(f"{path}.{key}")
            continue
        nested = _model_of(info.annotation)
        if nested is not None:
            problems += unknown_keys(nested, value, f"{path}.{key}")
    return problems


def test_every_emulator_body_uses_only_fields_the_client_models_know(
    emulator: ServedEmulator, emulator_http: httpx.Client
) -> None:
    live = emulator.emulator
    live.next_behaviours += [Behaviour(ask_feedback=True), Behaviour(outcome="fail")]
    repo = {"startingBranch": "main"}
    source = {"source": "sources/github/example-org/widget-app", "githubRepoContext": repo}
    asking = emulator_http.post("/sessions", json={"prompt": "a", "sourceContext": source,
                                                    "automationMode": "AUTO_CREATE_PR"}).json()
    failing = emulator_http.post("/sessions", json={"prompt": "b", "sourceContext": source}).json()
    assert unknown_keys(models.Session, asking) == []
    live.advance(3600)
    emulator_http.post(f"/sessions/{asking['id']}:sendMessage", json={"prompt": "go on"})
    live.advance(3600)
    emulator_http.post(f"/sessions/{failing['id']}:archive", json={})

    listed = emulator_http.get("/sessions", params={"filter": "archived = true OR archived = false"}).json()
    assert unknown_keys(models.ListSessionsResponse, listed) == []
    parsed = models.ListSessionsResponse.model_validate(listed)
    assert {s.state for s in parsed.sessions} == {"COMPLETED", "FAILED"}
    assert any(s.archived for s in parsed.sessions)
    completed = next(s for s in parsed.sessions if s.id == asking["id"])
    assert completed.pull_request is not None and completed.change_set is not None

    kinds = set()
    for session in (asking, failing):
        log = emulator_http.get(f"/sessions/{session['id']}/activities").json()
        assert unknown_keys(models.ListActivitiesResponse, log) == []
        kinds |= {a.kind for a in models.ListActivitiesResponse.model_validate(log).activities}
    assert kinds == set(models.ACTIVITY_KINDS)

    sources = emulator_http.get("/sources").json()
    assert unknown_keys(models.ListSourcesResponse, sources) == []
    error = emulator_http.post("/sessions", json={"prompt": "x", "automationMode": "NOPE"}).json()
    assert unknown_keys(models.ErrorEnvelope, error) == []
