"""Sessions move through their documented states on the emulator clock, with matching activities
(jules-api.md §5), and the quirks happen on demand: feedback, failure, stall, pause, COMPLETED with a
plan still pending, revival after COMPLETED."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from julesform.emulator import Behaviour, Emulator
from julesform.emulator.server import ServedEmulator

PROMPT = """Secure the auth middleware.

**Tests**: 5 tests

**Deliverables**:
- `src/app/strict_auth.py`
- `tests/unit/test_strict_auth.py` (3 tests)
- `tests/unit/test_tokens.py`
"""


def create(
    api: httpx.Client, *, approval: bool = False, mode: str = "AUTO_CREATE_PR", prompt: str = PROMPT
) -> str:
    body = {
        "prompt": prompt,
        "title": "Strict auth [jf:sec/auth]",
        "sourceContext": {
            "source": "sources/github/example-org/widget-app",
            "githubRepoContext": {"startingBranch": "develop"},
        },
        "requirePlanApproval": approval,
        "automationMode": mode,
    }
    response = api.post("/sessions", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def state(api: httpx.Client, session_id: str) -> str:
    return str(api.get(f"/sessions/{session_id}").json()["state"])


def kinds(api: httpx.Client, session_id: str) -> list[str]:
    union = {"planGenerated", "planApproved", "userMessaged", "agentMessaged", "progressUpdated",
             "sessionCompleted", "sessionFailed"}
    activities = api.get(f"/sessions/{session_id}/activities").json().get("activities", [])
    return [next(k for k in a if k in union) for a in activities]


def activities(api: httpx.Client, session_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/sessions/{session_id}/activities").json().get("activities", []))


def test_auto_approved_session_runs_to_completed_with_a_pull_request(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    live = emulator.emulator
    sid = create(emulator_http)
    seen = [state(emulator_http, sid)]
    for _ in range(40):
        live.advance(15)
        current = state(emulator_http, sid)
        if current != seen[-1]:
            seen.append(current)
    assert seen == ["QUEUED", "PLANNING", "IN_PROGRESS", "COMPLETED"]
    log = kinds(emulator_http, sid)
    assert log[:2] == ["planGenerated", "planApproved"]
    assert log[-1] == "sessionCompleted"
    assert log.count("progressUpdated") >= 3
    first_progress = activities(emulator_http, sid)[2]
    assert first_progress["artifacts"][0]["bashOutput"]["command"].startswith("\n")
    assert "exitCode" not in first_progress["artifacts"][0]["bashOutput"]  # 0 is omitted

    session = emulator_http.get(f"/sessions/{sid}").json()
    pull = session["outputs"][0]["pullRequest"]
    assert pull["url"].startswith("https://github.com/example-org/widget-app/pull/")
    assert pull["baseRef"] == "develop"
    assert session["outputs"][1]["changeSet"]["source"] == "sources/github/example-org/widget-app"


def test_without_auto_create_pr_there_is_only_a_change_set(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    sid = create(emulator_http, mode="AUTOMATION_MODE_UNSPECIFIED")
    emulator.emulator.advance(3600)
    outputs = emulator_http.get(f"/sessions/{sid}").json()["outputs"]
    assert [list(o) for o in outputs] == [["changeSet"]]


def test_plan_steps_have_ids_and_omit_index_zero(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    sid = create(emulator_http, approval=True)
    emulator.emulator.advance(120)
    plan = activities(emulator_http, sid)[0]["planGenerated"]["plan"]
    assert len(plan["id"]) == 32 and plan["createTime"].endswith("Z")
    assert "index" not in plan["steps"][0]
    assert [s.get("index", 0) for s in plan["steps"]] == list(range(len(plan["steps"])))
    titles = " ".join(s["title"] for s in plan["steps"])
    assert "tests/unit/test_strict_auth.py" in titles


def test_plan_approval_waits_then_approve_resumes_and_repeat_is_refused(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    sid = create(emulator_http, approval=True)
    early = emulator_http.post(f"/sessions/{sid}:approvePlan", json={})
    assert early.status_code == 400
    assert early.json()["error"] == {
        "code": 400, "message": "Precondition check failed.", "status": "FAILED_PRECONDITION"
    }
    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "AWAITING_PLAN_APPROVAL"
    assert kinds(emulator_http, sid) == ["planGenerated"]

    approved = emulator_http.post(f"/sessions/{sid}:approvePlan")  # the quickstart sends no body at all
    assert approved.status_code == 200 and approved.json() == {}
    log = activities(emulator_http, sid)
    assert log[1]["originator"] == "user"
    assert log[1]["planApproved"]["planId"] == log[0]["planGenerated"]["plan"]["id"]
    assert emulator_http.post(f"/sessions/{sid}:approvePlan", json={}).status_code == 400

    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "COMPLETED"


def test_feedback_question_waits_for_send_message(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.next_behaviours.append(Behaviour(ask_feedback=True))
    sid = create(emulator_http)
    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "AWAITING_USER_FEEDBACK"
    question = activities(emulator_http, sid)[-1]
    assert question["originator"] == "agent" and question["agentMessaged"]["agentMessage"].endswith("?")

    sent = emulator_http.post(f"/sessions/{sid}:sendMessage", json={"prompt": "Yes, keep them."})
    assert sent.status_code == 200 and sent.json() == {}
    assert activities(emulator_http, sid)[-1]["userMessaged"] == {"userMessage": "Yes, keep them."}
    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "COMPLETED"
    assert kinds(emulator_http, sid)[-1] == "sessionCompleted"


def test_failing_session_ends_failed_with_a_reason(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.next_behaviours.append(Behaviour(outcome="fail"))
    sid = create(emulator_http)
    emulator.emulator.advance(3600)
    session = emulator_http.get(f"/sessions/{sid}").json()
    assert session["state"] == "FAILED" and "outputs" not in session
    assert activities(emulator_http, sid)[-1]["sessionFailed"]["reason"]


def test_stalled_session_stays_in_progress_until_nudged(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.next_behaviours.append(Behaviour(outcome="stall"))
    sid = create(emulator_http)
    emulator.emulator.advance(3600)
    count = len(kinds(emulator_http, sid))
    emulator.emulator.advance(86400)
    assert state(emulator_http, sid) == "IN_PROGRESS"
    assert len(kinds(emulator_http, sid)) == count  # no agent activity for a day: stalled
    emulator_http.post(f"/sessions/{sid}:sendMessage", json={"prompt": "Please finish the task."})
    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "COMPLETED"


def test_paused_session_ends_on_agent_progress_and_a_message_resumes_it(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.next_behaviours.append(Behaviour(outcome="pause"))
    sid = create(emulator_http)
    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "PAUSED"
    assert kinds(emulator_http, sid)[-1] == "progressUpdated"
    emulator_http.post(f"/sessions/{sid}:sendMessage", json={"prompt": "Please carry on."})
    emulator.emulator.advance(3600)
    assert state(emulator_http, sid) == "COMPLETED"


def test_completed_while_plan_pending_then_approve_resumes(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.next_behaviours.append(Behaviour(complete_with_pending_plan=True))
    sid = create(emulator_http, approval=True)
    emulator.emulator.advance(3600)
    session = emulator_http.get(f"/sessions/{sid}").json()
    assert session["state"] == "COMPLETED" and "outputs" not in session
    assert kinds(emulator_http, sid) == ["planGenerated"]  # the plan still waits
    assert emulator_http.post(f"/sessions/{sid}:approvePlan", json={}).status_code == 200
    emulator.emulator.advance(60)
    assert state(emulator_http, sid) == "IN_PROGRESS"
    emulator.emulator.advance(3600)
    assert "outputs" in emulator_http.get(f"/sessions/{sid}").json()


def test_revived_session_has_progress_after_session_completed(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    emulator.emulator.next_behaviours.append(Behaviour(revive=True))
    sid = create(emulator_http)
    seen = [state(emulator_http, sid)]
    for _ in range(80):
        emulator.emulator.advance(30)
        current = state(emulator_http, sid)
        if current != seen[-1]:
            seen.append(current)
    assert seen[-3:] == ["COMPLETED", "IN_PROGRESS", "COMPLETED"]
    log = kinds(emulator_http, sid)
    assert log[-3:] == ["sessionCompleted", "progressUpdated", "sessionCompleted"]


def test_message_to_completed_session_revives_it(
    emulator_http: httpx.Client, emulator: ServedEmulator
) -> None:
    sid = create(emulator_http)
    emulator.emulator.advance(3600)
    emulator_http.post(f"/sessions/{sid}:sendMessage", json={"prompt": "Also update the changelog."})
    emulator.emulator.advance(30)
    assert state(emulator_http, sid) == "IN_PROGRESS"
    emulator.emulator.advance(600)
    assert state(emulator_http, sid) == "COMPLETED"
    assert kinds(emulator_http, sid).count("sessionCompleted") == 2


def test_final_patch_creates_the_deliverables_with_the_promised_tests(
    emulator_http: httpx.Client, emulator: ServedEmulator, tmp_path: Path
) -> None:
    sid = create(emulator_http)
    emulator.emulator.advance(3600)
    change_set = activities(emulator_http, sid)[-1]["artifacts"][0]["changeSet"]
    patch = change_set["gitPatch"]["unidiffPatch"]
    assert len(change_set["gitPatch"]["baseCommitId"]) == 40
    files = [line.removeprefix("+++ b/") for line in patch.splitlines() if line.startswith("+++ b/")]
    assert files == ["src/app/strict_auth.py", "tests/unit/test_strict_auth.py", "tests/unit/test_tokens.py"]
    per_file = patch.split("diff --git ")
    assert per_file[2].count("+def test_") == 3 and per_file[3].count("+def test_") == 2  # 5 in all
    if shutil.which("git") is None:
        pytest.skip("git is not installed; cannot check the patch applies")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "change.patch").write_text(patch)
    subprocess.run(["git", "-C", str(tmp_path), "apply", "change.patch"], check=True)
    assert (tmp_path / "tests/unit/test_tokens.py").read_text().count("def test_") == 2


def test_prompt_without_paths_still_gets_a_test_file() -> None:
    live = Emulator(seed=5)
    session = live.seed_session(prompt="Tidy the logging setup.", title="Logging", age=3600)
    patch = session.outputs[0]["changeSet"]["gitPatch"]["unidiffPatch"]
    assert "+++ b/tests/test_logging.py" in patch
    assert patch.count("+def test_") == 3


def test_same_seed_same_requests_same_sessions() -> None:
    def run(seed: int) -> list[Any]:
        live = Emulator(seed=seed)
        live.faults.update({"fail_share": 0.3, "feedback_share": 0.3})
        for n in range(5):
            live.create_session({"prompt": f"task {n}", "requirePlanApproval": n % 2 == 0})
            live.advance(7)
        live.advance(3600)
        return [(s.id, s.state, [a.id for a in s.activities]) for s in live.sessions()]

    assert run(7) == run(7)
    assert run(7) != run(8)
