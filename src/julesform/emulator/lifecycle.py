"""How a session plays out on the emulator clock.

A session carries a *script*: future events (state changes, activities, outputs) with their emulated
times. Nothing runs in the background: before answering any request the emulator *materialises*
every event whose time has come. A script stops at a *block* (waiting for plan approval, for the
user's answer, a stall, a pause, or the end); approvePlan and sendMessage write the next script.

QUEUED -> PLANNING -> planGenerated -> (AWAITING_PLAN_APPROVAL | auto planApproved) -> IN_PROGRESS
(progressUpdated + bashOutput, maybe agentMessaged -> AWAITING_USER_FEEDBACK) -> COMPLETED | FAILED.
"""

from __future__ import annotations

import random
from typing import Any

from julesform.emulator import content
from julesform.emulator.seeding import seeded
from julesform.emulator.state import Activity, Event, JsonDict, Session
from julesform.emulator.wire import timestamp

QUEUED_S = 15
PLANNING_S = 45
STEP_S = 60
FINISH_S = 30
REPLY_S = 20
PENDING_PLAN_COMPLETED_S = 120
REVIVE_S = 900
FAILED_REASON = "Jules encountered an error when working on the task."


def _rng(seed: int, session: Session, purpose: str) -> random.Random:
    return seeded(seed, session.id, purpose)


def hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


class Timeline:
    """Collects events at increasing emulated times (1 µs apart at least, so order is unambiguous).

    Each wait gets a seeded jitter of up to half a second, so timestamps look like real ones.
    """

    def __init__(self, start_us: int, rng: random.Random, pace: float = 1.0) -> None:
        self.t = start_us
        self.rng = rng
        self.pace = pace
        self.events: list[Event] = []

    def wait(self, seconds: float) -> Timeline:
        self.t += int((seconds * 1_000_000 + self.rng.randrange(500_000)) / self.pace)
        return self

    def add(self, action: str, **data: Any) -> Timeline:
        self.events.append(Event(self.t, action, data))
        self.t += 1
        return self

    def state(self, state: str) -> Timeline:
        return self.add("state", state=state)

    def activity(
        self, originator: str, kind: str, payload: JsonDict, artifacts: list[JsonDict] | None = None
    ) -> Timeline:
        return self.add(
            "activity", originator=originator, kind=kind, payload=payload, artifacts=artifacts or []
        )

    def block(self, on: str, resume_step: int = 0) -> Timeline:
        return self.add("block", on=on, resume_step=resume_step)


# --- scripts -------------------------------------------------------------------------------------


def _files(session: Session) -> list[content.Deliverable]:
    return content.deliverables(session.prompt, session.title)


def start_script(session: Session, now_us: int, seed: int) -> None:
    """The script a new session gets: queue, plan, then wait for approval or go to work."""
    rng = _rng(seed, session, "plan")
    steps = content.plan_steps(session.prompt, _files(session))
    line = Timeline(now_us, _rng(seed, session, "times"), session.pace)
    line.wait(QUEUED_S).state("PLANNING").wait(PLANNING_S)
    plan = {
        "id": hex_id(rng),
        "steps": [{"id": hex_id(rng), "title": title, "index": i} for i, title in enumerate(steps)],
        "createTime": None,  # filled with the activity time when materialised
    }
    line.activity("agent", "planGenerated", {"plan": plan})
    if session.require_plan_approval:
        line.state("AWAITING_PLAN_APPROVAL").block("plan")
    else:
        line.activity("system", "planApproved", {"planId": plan["id"]})
        _work(line, session, 0, seed)
    session.script = line.events


def _work(line: Timeline, session: Session, first_step: int, seed: int) -> None:
    """Progress through the plan's steps from ``first_step``, then end as the behaviour says."""
    files = _files(session)
    steps = content.plan_steps(session.prompt, files)
    behaviour = session.behaviour
    line.wait(1).state("IN_PROGRESS")
    interrupt_at = min(1, len(steps) - 1)
    for i in range(first_step, len(steps)):
        command, output = content.BASH_COMMANDS[i % len(content.BASH_COMMANDS)]
        output = output.format(tests=sum(f.tests for f in files), path=files[0].path)
        line.wait(STEP_S).activity(
            "agent",
            "progressUpdated",
            {"title": steps[i], "description": f"Command: {command}\nOutput: {output}\nExit Code: 0"},
            [{"bashOutput": {"command": command, "output": output, "exitCode": 0}}],
        )
        if i == interrupt_at and behaviour.ask_feedback:
            question = f"Before I continue with '{steps[i + 1] if i + 1 < len(steps) else steps[i]}': "
            question += "should I keep the existing public interfaces unchanged?"
            line.wait(5).activity("agent", "agentMessaged", {"agentMessage": question})
            line.state("AWAITING_USER_FEEDBACK").block("feedback", i + 1)
            return
        if i == interrupt_at and behaviour.outcome == "stall":
            line.block("stall", i + 1)
            return
        if i == interrupt_at and behaviour.outcome == "pause":
            line.wait(30).state("PAUSED").block("pause", i + 1)
            return
    _finish(line, session, seed)


def final_change_set(session: Session, seed: int) -> JsonDict:
    rng = _rng(seed, session, "patch")
    files = _files(session)
    change_set: JsonDict = {
        "gitPatch": {
            "unidiffPatch": session.behaviour.patch or content.unified_diff(files, session.title, rng),
            "baseCommitId": f"{rng.getrandbits(160):040x}",
            "suggestedCommitMessage": content.commit_message(session.title, files),
        }
    }
    if session.source:
        change_set = {"source": session.source, **change_set}
    return change_set


def _outputs(session: Session, change_set: JsonDict, seed: int) -> list[JsonDict]:
    outputs: list[JsonDict] = []
    if session.automation_mode == "AUTO_CREATE_PR" and session.source:
        owner_repo = session.source.removeprefix("sources/github/")
        number = _rng(seed, session, "pr").randint(1, 999)
        outputs.append(
            {
                "pullRequest": {
                    "url": f"https://github.com/{owner_repo}/pull/{number}",
                    "title": session.title,
                    "description": change_set["gitPatch"]["suggestedCommitMessage"],
                    "baseRef": session.starting_branch,
                    "headRef": f"jules/{session.id[-8:]}",
                }
            }
        )
    if session.behaviour.patch_in_outputs:
        outputs.append({"changeSet": change_set})
    return outputs


def _finish(line: Timeline, session: Session, seed: int) -> None:
    line.wait(FINISH_S)
    if session.behaviour.outcome == "fail":
        line.activity("agent", "sessionFailed", {"reason": FAILED_REASON}).state("FAILED").block("done")
        return
    change_set = final_change_set(session, seed)
    line.activity("agent", "sessionCompleted", {}, [{"changeSet": change_set}])
    line.add("outputs", outputs=_outputs(session, change_set, seed)).state("COMPLETED")
    if session.behaviour.revive:
        line.wait(REVIVE_S).activity(
            "agent", "progressUpdated", {"title": "Looking at a follow-up on the pull request."}
        )
        line.state("IN_PROGRESS").wait(STEP_S)
        line.activity("agent", "sessionCompleted", {}, [{"changeSet": change_set}]).state("COMPLETED")
    line.block("done")


# --- user actions --------------------------------------------------------------------------------


def pending_plan_id(session: Session) -> str | None:
    """The newest planGenerated's plan id when no planApproved came after it (the robust check)."""
    for activity in reversed(session.activities):
        if activity.kind == "planApproved":
            return None
        if activity.kind == "planGenerated":
            return str(activity.payload["plan"]["id"])
    return None


def approve(session: Session, now_us: int, seed: int) -> None:
    plan_id = pending_plan_id(session)
    assert plan_id is not None
    record(session, now_us, seed, "user", "planApproved", {"planId": plan_id})
    if session.blocked and session.blocked["on"] == "plan":
        session.blocked = None
        line = Timeline(now_us + 1, _rng(seed, session, f"times{session.activity_seq}"), session.pace)
        _work(line, session, 0, seed)
        session.script = line.events


def message(session: Session, now_us: int, seed: int, text: str) -> None:
    """The user's message lands now; the agent answers shortly and, if it was waiting, carries on."""
    record(session, now_us, seed, "user", "userMessaged", {"userMessage": text})
    blocked = session.blocked["on"] if session.blocked else None
    line = Timeline(now_us + 1, _rng(seed, session, f"times{session.activity_seq}"), session.pace)
    line.wait(REPLY_S)
    if blocked in ("feedback", "stall", "pause"):
        assert session.blocked is not None
        resume = int(session.blocked["resume_step"])
        session.blocked = None
        session.behaviour.ask_feedback = False
        if session.behaviour.outcome in ("stall", "pause"):
            session.behaviour.outcome = "complete"
        line.activity("agent", "agentMessaged", {"agentMessage": "Thanks, carrying on with the plan."})
        _work(line, session, resume, seed)
        session.script = line.events
    elif blocked == "done" and session.state == "COMPLETED":
        session.blocked = None
        line.activity("agent", "agentMessaged", {"agentMessage": "Sure, I will look at that."})
        line.state("IN_PROGRESS").wait(STEP_S)
        change_set = final_change_set(session, seed)
        line.activity("agent", "progressUpdated", {"title": "Applied the requested follow-up."})
        line.activity("agent", "sessionCompleted", {}, [{"changeSet": change_set}]).state("COMPLETED")
        session.script = line.block("done").events
    elif blocked is None or blocked == "plan":
        reply = "Noted, I will take that into account."
        session.script = sorted(
            [*session.script, *line.activity("agent", "agentMessaged", {"agentMessage": reply}).events],
            key=lambda e: e.at_us,
        )


def record(session: Session, at_us: int, seed: int, originator: str, kind: str, payload: JsonDict,
           artifacts: list[JsonDict] | None = None) -> Activity:
    """Append an activity (ids are seeded per session and sequence number)."""
    session.activity_seq += 1
    if kind == "planGenerated":
        payload = {"plan": {**payload["plan"], "createTime": timestamp(at_us)}}
    activity = Activity(
        id=hex_id(_rng(seed, session, f"activity{session.activity_seq}")),
        create_us=at_us,
        originator=originator,
        kind=kind,
        payload=payload,
        artifacts=list(artifacts or []),
    )
    session.activities.append(activity)
    session.update_us = max(session.update_us, at_us)
    return activity


# --- materialisation -----------------------------------------------------------------------------


def materialise(session: Session, now_us: int, seed: int) -> bool:
    """Carry out every scripted event due by ``now_us``; True when anything changed."""
    changed = False
    while session.script and session.script[0].at_us <= now_us:
        event = session.script.pop(0)
        data = event.data
        if event.action == "state":
            session.state = str(data["state"])
        elif event.action == "activity":
            record(session, event.at_us, seed, data["originator"], data["kind"], data["payload"],
                   data["artifacts"])
        elif event.action == "outputs":
            session.outputs = list(data["outputs"])
        elif event.action == "block":
            session.blocked = dict(data)
            session.blocked_us = event.at_us
        session.update_us = max(session.update_us, event.at_us)
        changed = True
    quirk_at = session.blocked_us + int(PENDING_PLAN_COMPLETED_S * 1_000_000 / session.pace)
    if (
        session.behaviour.complete_with_pending_plan
        and session.blocked == {"on": "plan", "resume_step": 0}
        and session.state == "AWAITING_PLAN_APPROVAL"
        and now_us >= quirk_at
    ):
        session.state = "COMPLETED"
        session.update_us = quirk_at
        changed = True
    return changed
