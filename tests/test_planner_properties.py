"""Properties of the planner over generated situations: deterministic, total, never a duplicate create."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from julesform.planner.observed import Observed, observe_session
from julesform.state.lockfile import PendingCreate
from test_planner_builders import NOW, binding, lockfile, plan_for, programme, session

STATES = ["QUEUED", "PLANNING", "AWAITING_PLAN_APPROVAL", "AWAITING_USER_FEEDBACK", "IN_PROGRESS",
          "PAUSED", "FAILED", "COMPLETED", "STATE_UNSPECIFIED"]


@st.composite
def situations(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    ids = [f"c{i}" for i in range(count)]
    categories = []
    for index, cid in enumerate(ids):
        categories.append(
            {
                "id": cid,
                "priority": draw(st.sampled_from(["P0", "P1", "P2", "P3"])),
                "phase": draw(st.integers(1, 2)),
                "depends_on": draw(st.lists(st.sampled_from(ids[:index]), unique=True)) if index else [],
                "on_change": draw(st.sampled_from(["report", "replace", "message"])),
                "on_failure": draw(st.sampled_from(["report", "recreate"])),
                "approval": draw(st.sampled_from(["auto", "manual"])),
            }
        )
    quota = {"daily": draw(st.integers(1, 6)), "concurrent": draw(st.integers(1, 4))}
    prog = programme(*categories, quota=quota)
    sessions = []
    bindings = {}
    pending = {}
    number = 1
    for cid in [*ids, "removed"]:
        for _ in range(draw(st.integers(0, 2))):
            sessions.append(
                session(
                    number,
                    cid,
                    draw(st.sampled_from(STATES)),
                    programme_name=draw(st.sampled_from(["sec", "sec", "other"])),
                    archived=draw(st.booleans()),
                    created=NOW - timedelta(hours=draw(st.integers(0, 60))),
                    prompt=draw(st.sampled_from([None, "an older prompt"])),
                )
            )
            number += 1
        if cid != "removed" and draw(st.booleans()):
            bound = draw(st.sampled_from([s.name for s in sessions] + ["sessions/404"]))
            drift = {"spec_hash": "sha256:old"} if draw(st.booleans()) else {}
            attempt = draw(st.integers(1, 3))
            bindings[cid] = binding(prog, cid, int(bound.split("/")[1]), attempt=attempt, **drift)
        if cid != "removed" and draw(st.booleans()):
            pending[cid] = PendingCreate(title="t", spec_hash="sha256:p", started_at="2026-03-02T11:00:00Z")
    seen = [observe_session(s, None) for s in sessions]
    vanished = frozenset(b.session for b in bindings.values() if b.session not in {s.name for s in sessions})
    order = draw(st.permutations(range(len(seen))))
    return {
        "prog": prog,
        "lock": lockfile(bindings, pending),
        "observed": Observed({o.name: o for o in seen}, vanished, complete=True),
        "shuffled": Observed({seen[i].name: seen[i] for i in order}, vanished, complete=True),
        "targets": tuple(draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))),
    }


@settings(max_examples=150, deadline=None)
@given(situations())
def test_planner_is_deterministic_and_never_creates_beside_a_live_marked_session(
    case: dict[str, Any],
) -> None:
    prog, lock, seen = case["prog"], case["lock"], case["observed"]
    plan = plan_for(prog, lock, seen, targets=case["targets"])

    # Same inputs, in any order, give the same plan.
    assert plan_for(prog, lock, seen, targets=case["targets"]) == plan
    assert plan_for(prog, lock, case["shuffled"], targets=case["targets"]) == plan

    retired = {name for b in lock.bindings.values() for name in b.superseded}
    live_marked = {
        o.session.title.split("[jf:sec/")[1].rstrip("]")
        for o in seen.sessions.values()
        if "[jf:sec/" in o.session.title and not o.session.archived and o.name not in retired
    }
    for change in plan.changes:
        if change.action == "create":
            assert change.category not in live_marked

    # Every considered category is accounted for exactly once.
    accounted = [c.category for c in plan.changes] + [d.category for d in plan.deferred] + plan.unchanged
    assert sorted(accounted) == sorted(plan.categories)
    assert len(set(accounted)) == len(accounted)

    # Quota is never overspent.
    creating = [c for c in plan.changes if c.action in ("create", "replace", "recreate")]
    assert plan.quota is not None
    daily, concurrent = prog.quota.limits
    assert len(creating) <= max(min(daily - plan.quota.daily_used, concurrent - plan.quota.running), 0)
