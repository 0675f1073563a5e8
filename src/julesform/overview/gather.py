"""Fill an ``Overview`` from the programme, its lockfile and the live API (GET requests only).

Reuses the plan pipeline (its observation, attention items and deferrals are the status's too) and
reads activities through the on-disk cache, so repeated ``status``/``verify`` runs download only what
is new.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from julesform import pipeline
from julesform.overview.model import Overview, Row, sync_of
from julesform.pipeline import AccountObserver, PlanRun
from julesform.verify.measure import CategoryCheck, check_category, totals

if TYPE_CHECKING:
    from julesform.api.models import Session
    from julesform.context import AppContext


def gather(app: AppContext, programme_path: Path, *, lockfile_path: Path | None = None) -> Overview:
    """Plan the programme (reading, never writing) and measure what its completed sessions delivered."""
    client = app.client()
    observer = pipeline.account_observer(app)
    prepared = pipeline.prepare(client, programme_path, lockfile_path=lockfile_path)
    now = pipeline.current_time()
    run = pipeline.plan_prepared(prepared, observer, now=now)
    rows = [_row(run, observer, cid) for cid in run.desired]
    return Overview(
        programme=run.plan.programme,
        programme_path=str(programme_path),
        endpoint=client.endpoint,
        now=now,
        rows=rows,
        totals=totals([row.check for row in rows]),
        attention=list(run.plan.attention),
        changes=list(run.plan.changes),
        deferred=list(run.plan.deferred),
    )


def _row(run: PlanRun, observer: AccountObserver, cid: str) -> Row:
    desired = run.desired[cid]
    category = desired.category
    binding = run.lockfile.bindings.get(cid)
    change = next((c for c in run.plan.changes if c.category == cid), None)
    name = binding.session if binding else None
    if name is None and change is not None and change.action == "import":
        name = change.session  # a marked session the lockfile lacks: show it, unbound
    observed = run.observed.sessions.get(name) if name else None
    session = observed.session if observed else None
    pending = observed.plan_pending if observed else False
    return Row(
        category=cid,
        title=category.title,
        phase=category.phase,
        priority=category.priority,
        hours=category.hours,
        depends_on=tuple(category.depends_on),
        session=name if session is not None else None,
        url=(session.url or None) if session else None,
        state=session.state if session else None,
        created=session.create_time if session else None,
        pull_request=_pull_request(session),
        sync=sync_of(
            binding.spec_hash if binding else None,
            binding.messaged_spec_hash if binding else None,
            desired.spec_hash,
        ),
        check=_check(observer, session, cid, category.tests, category.deliverables, pending),
        change=change,
        deferred=next((d for d in run.plan.deferred if d.category == cid), None),
        attention=tuple(a for a in run.plan.attention if a.category == cid),
        question=_question(observer, session),
    )


def _question(observer: AccountObserver, session: Session | None) -> str | None:
    """What the agent asked, for a session waiting on feedback (its log comes from the cache)."""
    if session is None or session.state != "AWAITING_USER_FEEDBACK":
        return None
    messages = [a.agent_messaged.agent_message for a in observer.read_activities(session) if a.agent_messaged]
    return messages[-1] if messages else None


def _check(
    observer: AccountObserver,
    session: Session | None,
    cid: str,
    tests: int,
    deliverables: list[str],
    plan_pending: bool,
) -> CategoryCheck:
    activities = None
    if session is not None and session.state == "COMPLETED" and session.change_set is None:
        activities = observer.read_activities(session)  # the patch is only in the activity log
    return check_category(
        cid,
        expected_tests=tests,
        deliverables=deliverables,
        session=session,
        activities=activities,
        plan_pending=plan_pending,
    )


def _pull_request(session: Session | None) -> str | None:
    pull = session.pull_request if session else None
    return (pull.url or None) if pull else None
