"""Builders for planner tests: programmes, lockfiles and observed sessions from a few keywords.

Kept in one place so every planner test reads as a table of situations, not of boilerplate.
(No tests here; the name only keeps it inside the planner's test files.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from julesform.api.models import Activity, Session
from julesform.planner.desired import DesiredCategory, desired_from
from julesform.planner.observed import Observed, ObservedSession, observe_session
from julesform.planner.plan import Plan
from julesform.planner.planner import PlanRequest, make_plan
from julesform.planner.spec import marked_title
from julesform.programme.model import Programme
from julesform.state.lockfile import Binding, Lockfile, PendingCreate

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:1/v1alpha"
NAME = "sec"


def programme(*categories: dict[str, Any], **top: Any) -> Programme:
    """A programme named ``sec``; each category needs only an ``id`` (title and prompt are derived)."""
    cats = [{"title": f"Title {c['id']}", "prompt": f"Do {c['id']}.\nWith tests.", **c} for c in categories]
    data: dict[str, Any] = {
        "version": 1,
        "name": NAME,
        "source": "sources/github/example-org/app",
        "quota": {"tier": "pro"},
        "categories": cats,
        **top,
    }
    return Programme.model_validate(data)


def desired(prog: Programme) -> dict[str, DesiredCategory]:
    return desired_from(prog, {})


def session(
    number: int,
    cid: str | None,
    state: str = "IN_PROGRESS",
    *,
    programme_name: str = NAME,
    prog: Programme | None = None,
    created: datetime | None = None,
    prompt: str | None = None,
    title: str | None = None,
    archived: bool = False,
    pull_request: bool = False,
) -> Session:
    """A live session; marked for ``cid`` of ``programme_name`` unless ``title`` is given."""
    if title is None:
        title = marked_title(f"Title {cid}", programme_name, cid) if cid else "hand-made session"
    if prompt is None:
        prompt = (
            desired(prog)[cid].spec.prompt if prog is not None and cid else f"Do {cid}.\nWith tests."
        )
    when = created or NOW - timedelta(hours=30)
    data: dict[str, Any] = {
        "name": f"sessions/{number}",
        "id": str(number),
        "title": title,
        "prompt": prompt,
        "sourceContext": {
            "source": "sources/github/example-org/app",
            "githubRepoContext": {"startingBranch": "main"},
        },
        "state": state,
        "createTime": when.isoformat(),
        "updateTime": (NOW - timedelta(minutes=1)).isoformat(),
        "archived": archived,
    }
    if pull_request:
        data["outputs"] = [{"pullRequest": {"url": "https://github.com/example-org/app/pull/1"}}]
    return Session.model_validate(data)


def activity(kind: str, minutes_ago: float, plan_id: str = "p1") -> Activity:
    body: dict[str, Any] = {
        "plan": {"planGenerated": {"plan": {"id": plan_id}}},
        "approved": {"planApproved": {"planId": plan_id}},
        "progress": {"progressUpdated": {"title": "working"}},
        "done": {"sessionCompleted": {}},
    }[kind]
    when = NOW - timedelta(minutes=minutes_ago)
    return Activity.model_validate({"id": f"a{minutes_ago}", "createTime": when.isoformat(), **body})


def observed(
    *sessions: Session | ObservedSession,
    vanished: tuple[str, ...] = (),
    complete: bool = True,
) -> Observed:
    items = [s if isinstance(s, ObservedSession) else observe_session(s, None) for s in sessions]
    return Observed(
        sessions={o.name: o for o in items}, vanished=frozenset(vanished), complete=complete
    )


def with_log(s: Session, *activities: Activity) -> ObservedSession:
    return observe_session(s, list(activities))


def binding(prog: Programme, cid: str, number: int, **extra: Any) -> Binding:
    want = desired(prog)[cid]
    fields: dict[str, Any] = {
        "session": f"sessions/{number}",
        "spec_hash": want.spec_hash,
        "bound_at": "2026-03-01T10:00:00Z",
        "require_plan_approval": want.spec.require_plan_approval,
        "automation_mode": want.spec.automation_mode,
        **extra,
    }
    return Binding.model_validate(fields)


def lockfile(
    bindings: dict[str, Binding] | None = None, pending: dict[str, PendingCreate] | None = None
) -> Lockfile:
    return Lockfile(
        lineage="11111111-1111-1111-1111-111111111111",
        serial=4,
        endpoint=ENDPOINT,
        programme=NAME,
        bindings=bindings or {},
        pending=pending or {},
    )


def plan_for(
    prog: Programme,
    lock: Lockfile | None = None,
    seen: Observed | None = None,
    **request: Any,
) -> Plan:
    fields: dict[str, Any] = {
        "now": NOW,
        "plan_id": "plan-1",
        "programme_path": "programmes/sec.yaml",
        "programme_hash": "sha256:abc",
        "endpoint": ENDPOINT,
        **request,
    }
    return make_plan(prog, desired(prog), lock or lockfile(), seen or observed(), PlanRequest(**fields))


def actions(plan: Plan) -> dict[str, str]:
    """category -> action for changes, "defer" for deferrals: the shape most assertions need."""
    found = {c.category: c.action for c in plan.changes}
    found.update({d.category: "defer" for d in plan.deferred})
    return found


def attention(plan: Plan) -> list[tuple[str, str, str | None]]:
    return [(a.category, a.kind, a.session) for a in plan.attention]
