"""Planning CPU without any network: the pure planner on a programme of 10,000 categories.

The programme loader refuses files over 1,000 categories, so the programme is built from the models
directly (``model_construct`` skips only the size cap; each category is still validated). The live
sessions are real wire bodies from the emulator, cloned and parsed by julesform's wire models, as
the pipeline would parse them from list pages and activity logs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from benchmarks.world import OLD_S, REPO
from julesform.api.models import Activity, Session
from julesform.emulator import Emulator, WallClock
from julesform.emulator.wire import activity_body, session_body
from julesform.planner.desired import DesiredCategory, desired_from
from julesform.planner.observed import Observed, ObservedSession, observe_session
from julesform.planner.planner import PlanRequest, make_plan
from julesform.programme.model import Category, Defaults, Programme, Quota
from julesform.render.json import render_json
from julesform.render.text import render_text
from julesform.state.lockfile import Binding, Lockfile

T = TypeVar("T")


@dataclass(frozen=True)
class CpuResult:
    categories: int
    bound_share: float
    others: int
    seconds: dict[str, float]
    """CPU seconds (process time) per stage: resolve, parse, plan, text, json."""
    changes: int

    @property
    def planning(self) -> float:
        """What the target is about: desired specs, the planner and the plan as a user reads it."""
        return self.seconds["resolve"] + self.seconds["plan"] + self.seconds["text"]

    @property
    def total(self) -> float:
        """Everything, decoding the wire JSON and the JSON rendering included."""
        return sum(self.seconds.values())


def _timed(stage: str, seconds: dict[str, float], fn: Callable[[], T]) -> T:
    start = time.process_time()
    result = fn()
    seconds[stage] = seconds.get(stage, 0.0) + time.process_time() - start
    return result


def programme(categories: int, name: str = "bench-cpu") -> Programme:
    cats = [
        Category(
            id=f"c{i:05d}",
            title=f"Harden module {i} of the benchmark",
            prompt=f"Add input validation to src/module_{i}.py.\nAdd tests/test_module_{i}.py, 3 tests.\n",
            tests=3,
            hours=2,
            deliverables=[f"tests/test_module_{i}.py"],
        )
        for i in range(1, categories + 1)
    ]
    return Programme.model_construct(
        version=1,
        name=name,
        source=f"sources/github/{REPO}",
        branch="main",
        defaults=Defaults(automation_mode="auto_create_pr", require_plan_approval=True),
        quota=Quota(daily=100_000, concurrent=10_000),
        categories=cats,
    )


def _templates() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One finished session's wire body and its activity log, from the emulator."""
    emulator = Emulator(seed=3, clock=WallClock(), sources=[REPO])
    done = emulator.seed_session(source=f"sources/github/{REPO}", age=OLD_S, automation_mode="AUTO_CREATE_PR")
    return session_body(done), [activity_body(done.id, a) for a in done.activities]


def run(categories: int, bound_share: float, others: int) -> CpuResult:
    """Plan ``categories`` categories, ``bound_share`` of them bound to finished sessions, in an
    account that also holds ``others`` sessions; CPU per stage."""
    seconds: dict[str, float] = {}
    prog = programme(categories)
    desired: dict[str, DesiredCategory] = _timed("resolve", seconds, lambda: desired_from(prog, {}))
    template, activities = _templates()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    bound_ids = list(desired)[: round(categories * bound_share)]
    bodies: list[dict[str, Any]] = []
    bindings: dict[str, Binding] = {}
    for n, cid in enumerate(bound_ids):
        spec = desired[cid].spec
        sid = str(10**18 + n)
        body = {**template, "name": f"sessions/{sid}", "id": sid, "title": spec.title, "prompt": spec.prompt}
        bodies.append(body)
        bindings[cid] = Binding(
            session=f"sessions/{sid}",
            spec_hash=spec.spec_hash(),
            bound_at=stamp,
            require_plan_approval=True,
            automation_mode="AUTO_CREATE_PR",
        )
    for n in range(others):
        sid = str(2 * 10**18 + n)
        bodies.append({**template, "name": f"sessions/{sid}", "id": sid, "title": f"Hand-made task {n}"})
    lock = Lockfile(lineage=str(uuid.uuid4()), serial=1, endpoint="http://127.0.0.1/v1alpha",
                    programme=prog.name, bindings=bindings)
    bound_names = {b.session for b in bindings.values()}

    def parse() -> Observed:
        sessions = [Session.model_validate(body) for body in bodies]
        seen: dict[str, ObservedSession] = {}
        for session in sessions:
            log = [Activity.model_validate(a) for a in activities] if session.name in bound_names else None
            seen[session.name] = observe_session(session, log)
        return Observed(sessions=seen, complete=True)

    observed = _timed("parse", seconds, parse)
    request = PlanRequest(now=datetime.now(UTC), plan_id=str(uuid.uuid4()), programme_path="bench.yaml",
                          programme_hash="sha256:0", endpoint=lock.endpoint)
    plan = _timed("plan", seconds, lambda: make_plan(prog, desired, lock, observed, request))
    _timed("text", seconds, lambda: render_text(plan))
    _timed("json", seconds, lambda: render_json([plan]))
    return CpuResult(categories, bound_share, others, seconds, len(plan.changes))
