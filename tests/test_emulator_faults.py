"""Faults on demand, all deterministic: latency, 429 bursts with Retry-After, 5xx on chosen methods,
a connection dropped after a create committed, daily and concurrent task quotas, shares of sessions
that misbehave, and the admin endpoints that set them over HTTP."""

from __future__ import annotations

import httpx
import pytest

from julesform.emulator import Behaviour, Emulator
from julesform.emulator.server import ServedEmulator

BODY = {"prompt": "Add tests.", "title": "t"}


def test_latency_is_applied_to_every_api_request(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.faults.update({"latency": 0.25})
    emulator_http.get("/sessions")
    emulator_http.get("/sources")
    assert emulator.emulator.slept == [0.25, 0.25]  # type: ignore[attr-defined]


def test_rate_limit_burst_answers_429_with_retry_after_then_recovers(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.faults.update({"rate_limit_burst": 2, "retry_after": 7})
    statuses = []
    for _ in range(3):
        response = emulator_http.get("/sessions")
        statuses.append(response.status_code)
    assert statuses == [429, 429, 200]
    limited = emulator.emulator.requests[0]
    assert (limited.method, limited.status) == ("GET", 429)
    emulator.emulator.faults.update({"rate_limit_burst": 1, "retry_after": None})
    response = emulator_http.get("/sessions")
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize(("seconds", "header"), [(7, "7"), (0.2, "1"), (2.5, "3")])
def test_retry_after_is_whole_seconds_rounded_up(
    emulator_http: httpx.Client, emulator: ServedEmulator, seconds: float, header: str
) -> None:
    emulator.emulator.faults.update({"rate_limit_burst": 1, "retry_after": seconds})
    assert emulator_http.get("/sessions").headers["Retry-After"] == header


def test_server_errors_hit_only_the_chosen_methods(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.faults.update({"error_next": 2, "error_status": 502, "error_methods": ["POST"]})
    assert emulator_http.get("/sessions").status_code == 200
    first = emulator_http.post("/sessions", json=BODY)
    assert first.status_code == 502 and first.json()["error"]["status"] == "UNAVAILABLE"
    assert emulator_http.post("/sessions", json=BODY).status_code == 502
    assert emulator_http.post("/sessions", json=BODY).status_code == 200
    assert len(emulator.emulator.sessions()) == 1  # the failed creates made nothing


def test_error_rate_is_deterministic_for_a_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        live = Emulator(seed=seed)
        live.faults.update({"error_rate": 0.5})
        return [live.fault_rng.random() < 0.5 for _ in range(20)]

    assert pattern(3) == pattern(3)
    assert any(pattern(3)) and not all(pattern(3))


def test_error_rate_over_http(emulator_http: httpx.Client, emulator: ServedEmulator) -> None:
    emulator.emulator.faults.update({"error_rate": 1.0, "error_status": 500, "error_methods": ["GET"]})
    response = emulator_http.get("/sessions")
    assert response.status_code == 500 and response.json()["error"]["status"] == "INTERNAL"


def test_dropped_create_commits_the_session_but_sends_no_response(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.faults.update({"drop_next_creates": 1})
    with pytest.raises(httpx.TransportError):
        emulator_http.post("/sessions", json={**BODY, "title": "lost [jf:p/c]"})
    (session,) = emulator.emulator.sessions()
    assert session.title == "lost [jf:p/c]"
    assert emulator.emulator.requests[-1].status == 0
    listed = emulator_http.get("/sessions").json()["sessions"]
    assert [s["title"] for s in listed] == ["lost [jf:p/c]"]
    assert emulator_http.post("/sessions", json=BODY).status_code == 200  # only the next one is dropped


@pytest.mark.parametrize(("quota_error", "code"), [("RESOURCE_EXHAUSTED", 429), ("FAILED_PRECONDITION", 400)])
def test_daily_quota_counts_every_create_even_failed_sessions(
    emulator_http: httpx.Client, emulator: ServedEmulator, quota_error: str, code: int
) -> None:
    live = emulator.emulator
    live.faults.update({"daily_quota": 2, "quota_error": quota_error})
    live.next_behaviours.append(Behaviour(outcome="fail"))
    assert emulator_http.post("/sessions", json=BODY).status_code == 200
    live.advance(3600)
    assert live.sessions()[0].state == "FAILED"
    assert emulator_http.post("/sessions", json=BODY).status_code == 200
    refused = emulator_http.post("/sessions", json=BODY)
    assert refused.status_code == code and refused.json()["error"]["status"] == quota_error
    live.advance(22 * 3600)
    assert emulator_http.post("/sessions", json=BODY).status_code == code  # first task not 24 h old yet
    live.advance(3600)
    assert emulator_http.post("/sessions", json=BODY).status_code == 200  # rolling window freed one


def test_concurrent_quota_counts_running_sessions(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    live = emulator.emulator
    live.faults.set_plan("free")
    assert (live.faults.daily_quota, live.faults.concurrent_quota) == (15, 3)
    for _ in range(3):
        assert emulator_http.post("/sessions", json={**BODY, "requirePlanApproval": True}).status_code == 200
    assert emulator_http.post("/sessions", json=BODY).status_code == 429
    live.advance(3600)  # still AWAITING_PLAN_APPROVAL: they hold their slots
    assert emulator_http.post("/sessions", json=BODY).status_code == 429
    waiting = live.sessions()[0].id
    emulator_http.post(f"/sessions/{waiting}:approvePlan", json={})
    live.advance(3600)
    assert emulator_http.post("/sessions", json=BODY).status_code == 200


def test_shares_decide_behaviours_from_the_seed(
    emulator: ServedEmulator, emulator_http: httpx.Client
) -> None:
    emulator.emulator.faults.update({"fail_share": 1.0})
    for _ in range(3):
        emulator_http.post("/sessions", json=BODY)
    emulator.emulator.advance(3600)
    assert {s.state for s in emulator.emulator.sessions()} == {"FAILED"}

    def outcomes(seed: int) -> list[str]:
        live = Emulator(seed=seed)
        live.faults.update({"stall_share": 0.3, "pause_share": 0.3, "feedback_share": 0.5})
        for n in range(12):
            live.create_session({"prompt": f"task {n}"})
        live.advance(7200)
        return [s.state for s in live.sessions()]

    assert outcomes(11) == outcomes(11)
    assert {"PAUSED", "IN_PROGRESS", "AWAITING_USER_FEEDBACK"} <= set(outcomes(11))


def test_admin_endpoints_drive_a_separate_emulator(
    emulator: ServedEmulator, emulator_http: httpx.Client
) -> None:
    admin = f"{emulator.base_url}/_emulator"
    set_faults = httpx.post(f"{admin}/faults", json={"rate_limit_burst": 1, "retry_after": 2})
    assert set_faults.status_code == 200 and set_faults.json()["rate_limit_burst"] == 1
    assert httpx.post(f"{admin}/faults", json={"no_such_fault": 1}).status_code == 400
    assert httpx.post(f"{admin}/faults", json={"fail_share": 2}).status_code == 400
    assert emulator_http.get("/sessions").status_code == 429

    other = {"title": "Other team's task", "age": 3600, "archived": True}
    seeded = httpx.post(f"{admin}/sessions", json=other)
    assert seeded.status_code == 200 and seeded.json()["state"] == "COMPLETED"
    httpx.post(f"{admin}/behaviours", json={"behaviours": [{"outcome": "fail"}]})
    sid = emulator_http.post("/sessions", json=BODY).json()["id"]
    clock = httpx.post(f"{admin}/clock", json={"advance": 3600}).json()
    assert clock["now"] == "2026-03-02T10:00:00.000000Z"
    state = httpx.get(f"{admin}/state").json()
    assert {s["id"]: s["state"] for s in state["sessions"]}[sid] == "FAILED"
    assert any(s.get("archived") for s in state["sessions"])
    logged = httpx.get(f"{admin}/requests").json()["requests"]
    assert [r["status"] for r in logged] == [429, 200]
    assert all(not r["path"].startswith("/_emulator") for r in logged)


def test_queued_quota_mode_holds_creates_in_queued_until_a_slot_frees(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    live = emulator.emulator
    live.faults.update({"concurrent_quota": 1, "daily_quota": 3, "quota_error": "QUEUED"})
    first = emulator_http.post("/sessions", json=BODY).json()["id"]
    second = emulator_http.post("/sessions", json=BODY)
    assert second.status_code == 200
    held = second.json()["id"]
    live.advance(100)
    assert emulator_http.get(f"/sessions/{first}").json()["state"] == "IN_PROGRESS"
    assert emulator_http.get(f"/sessions/{held}").json()["state"] == "QUEUED"
    assert "activities" not in emulator_http.get(f"/sessions/{held}/activities").json()
    live.advance(3600)  # the first completes, the held one starts
    assert emulator_http.get(f"/sessions/{first}").json()["state"] == "COMPLETED"
    assert emulator_http.get(f"/sessions/{held}").json()["state"] == "QUEUED"
    live.advance(30)
    assert emulator_http.get(f"/sessions/{held}").json()["state"] == "PLANNING"
    assert emulator_http.post("/sessions", json=BODY).status_code == 200
    assert emulator_http.post("/sessions", json=BODY).status_code == 429  # the daily quota still refuses
