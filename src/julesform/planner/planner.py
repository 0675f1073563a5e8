"""The planner: a pure function of (programme, lockfile, observed sessions) to a ``Plan``.

No network, no clock, no files: ``now`` and the plan id come in with the request, so the same inputs
always give the same plan, in programme file order. Per category it decides one action (or none),
then gates every create (create, replace, recreate) on dependencies and then on quota headroom.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from julesform.planner.desired import DesiredCategory
from julesform.planner.observed import STALL_STATES, Observed, ObservedSession
from julesform.planner.plan import Attention, Change, Deferred, Plan, QuotaView
from julesform.planner.spec import SessionSpec, marker
from julesform.programme.model import Programme
from julesform.state.lockfile import Binding, Lockfile, PendingCreate

CREATING = frozenset({"create", "replace", "recreate"})
PRIORITY_ORDER = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}


@dataclass(frozen=True)
class PlanRequest:
    """Everything about this run that is not programme, lockfile or observation."""

    now: datetime
    plan_id: str
    programme_path: str
    programme_hash: str
    endpoint: str
    lockfile_exists: bool = True
    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    planned_elsewhere: int = 0
    """Creates other programmes of this run already planned against the same account quota."""


@dataclass
class _Outcome:
    change: Change | None = None
    attention: list[Attention] = field(default_factory=list)
    session: ObservedSession | None = None
    """The session this category is (or will be) bound to, for dependency checks."""


def make_plan(
    programme: Programme,
    desired: dict[str, DesiredCategory],
    lockfile: Lockfile,
    observed: Observed,
    request: PlanRequest,
) -> Plan:
    """What apply would do for ``programme`` now, and why."""
    selected = [cid for cid in desired if not request.targets or cid in request.targets]
    marked = observed.marked(programme.name)
    retired = {name for binding in lockfile.bindings.values() for name in binding.superseded}

    outcomes: dict[str, _Outcome] = {}
    for cid in desired:
        candidates = [
            o
            for o in marked.get(cid, [])
            if not o.session.archived
            and o.name not in retired
            and o.name != _bound_name(lockfile, cid)
        ]
        outcomes[cid] = _decide(
            desired[cid],
            lockfile.bindings.get(cid),
            lockfile.pending.get(cid),
            candidates,
            observed,
            request,
            programme.name,
        )

    changes: list[Change] = []
    deferred: list[Deferred] = []
    creating: list[tuple[str, Change]] = []
    gate = _Gate(desired, outcomes)
    for cid in selected:
        change = outcomes[cid].change
        if change is None:
            continue
        if change.action in CREATING:
            waiting = gate.waiting_on(cid)
            if waiting:
                deferred.append(_dependency_deferral(cid, waiting, desired))
                continue
            creating.append((cid, change))
        changes.append(change)

    quota: QuotaView | None = None
    if observed.complete:
        quota, over = _apply_quota(programme, desired, creating, observed, request)
        for cid, change in over:
            changes.remove(change)
            deferred.append(
                Deferred(category=cid, reason=_quota_reason(quota, change), waiting_on=["quota"])
            )

    for cid, binding in sorted(lockfile.bindings.items()):
        if cid not in desired and (not request.targets or cid in request.targets):
            changes.append(
                Change(
                    category=cid,
                    action="forget",
                    actions=["forget"],
                    reason=f"removed from the programme; apply drops the binding of {binding.session}"
                    " (and archives it only if asked)",
                    session=binding.session,
                    before={"session": binding.session, "spec_hash": binding.spec_hash},
                )
            )

    order = {cid: index for index, cid in enumerate(desired)}
    deferred.sort(key=lambda d: order.get(d.category, len(order)))
    in_plan = {c.category for c in changes} | {d.category for d in deferred}
    return Plan(
        plan_id=request.plan_id,
        programme=programme.name,
        programme_path=request.programme_path,
        programme_hash=request.programme_hash,
        endpoint=request.endpoint,
        lineage=lockfile.lineage if request.lockfile_exists else None,
        serial=lockfile.serial,
        targets=sorted(request.targets),
        changes=changes,
        deferred=deferred,
        attention=[item for cid in selected for item in outcomes[cid].attention],
        unchanged=[cid for cid in selected if cid not in in_plan],
        quota=quota,
        categories=selected + [c.category for c in changes if c.action == "forget"],
        status={
            cid: f"{outcome.session.name} {outcome.session.state}"
            for cid in selected
            if (outcome := outcomes[cid]).session is not None
        },
    )


def _bound_name(lockfile: Lockfile, cid: str) -> str | None:
    binding = lockfile.bindings.get(cid)
    return binding.session if binding else None


# --- one category ------------------------------------------------------------------------------


def _decide(
    want: DesiredCategory,
    binding: Binding | None,
    pending: PendingCreate | None,
    candidates: list[ObservedSession],
    observed: Observed,
    request: PlanRequest,
    programme: str,
) -> _Outcome:
    cid = want.category.id
    if binding is None or binding.session in observed.vanished:
        if candidates:
            return _import(want, candidates, pending, binding, programme)
        if binding is None:
            return _create(want, pending)
        gone = _create(want, None, attempt=binding.attempt + 1, superseded=binding.session)
        gone.attention.append(
            Attention(
                category=cid,
                kind="vanished",
                message=f"bound session {binding.session} no longer exists; planning a new one",
                session=binding.session,
            )
        )
        return gone

    live = observed.sessions.get(binding.session)
    if live is None:
        # Not read this run (a partial observation); nothing can be said about it.
        return _Outcome()
    if candidates and pending is not None:
        # A replace or recreate was started and its response lost: adopt the new session.
        return _import(want, candidates, pending, binding, programme)

    outcome = _bound(want, binding, live, request)
    outcome.attention.extend(
        _duplicate(cid, other, binding.session, programme) for other in candidates
    )
    return outcome


def _create(
    want: DesiredCategory,
    pending: PendingCreate | None,
    *,
    attempt: int | None = None,
    superseded: str | None = None,
) -> _Outcome:
    if superseded is not None:
        reason = f"bound session {superseded} no longer exists"
    elif pending is not None:
        reason = (
            f"a create started at {pending.started_at} left no session with the marker;"
            " creating again (safe: julesform looked)"
        )
    else:
        reason = "not created yet"
    number = attempt if attempt is not None else (pending.attempt if pending else 1)
    return _Outcome(
        change=Change(
            category=want.category.id,
            action="create",
            actions=["create"],
            reason=reason,
            session=superseded,
            spec=want.spec,
            after=_spec_summary(want.spec),
            attempt=number,
            spec_hash=want.spec_hash,
        )
    )


def _import(
    want: DesiredCategory,
    candidates: list[ObservedSession],
    pending: PendingCreate | None,
    binding: Binding | None,
    programme: str,
) -> _Outcome:
    cid = want.category.id
    chosen = next((o for o in candidates if o.state != "FAILED"), candidates[0])
    spec_hash = pending.spec_hash if pending else _echoed_spec(chosen, want).spec_hash()
    tag = marker(programme, cid)
    change = Change(
        category=cid,
        action="import",
        actions=["import"],
        reason=f"{chosen.name} ({chosen.state}) carries the marker {tag} but is not in the lockfile",
        session=chosen.name,
        before={"session": binding.session} if binding else None,
        after={"session": chosen.name, "spec_hash": spec_hash, "state": chosen.state},
        attempt=pending.attempt if pending else (binding.attempt + 1 if binding else 1),
        spec_hash=spec_hash,
    )
    others = [o for o in candidates if o is not chosen]
    return _Outcome(
        change=change,
        attention=[_duplicate(cid, other, chosen.name, programme) for other in others],
        session=chosen,
    )


def _bound(want: DesiredCategory, binding: Binding, live: ObservedSession, request: PlanRequest) -> _Outcome:
    cid = want.category.id
    settings = want.settings
    outcome = _Outcome(session=live)
    drift = binding.spec_hash != want.spec_hash
    diff = _prompt_diff(live, want) if drift else None

    attempts_left = binding.attempt < settings.max_attempts
    if cid in request.replace:
        outcome.change = _replace(want, binding, live, "--replace was given", diff)
        return outcome
    if live.state == "FAILED":
        if drift and settings.on_change == "replace" and attempts_left:
            outcome.change = _replace(want, binding, live, _drift_reason(binding, live, want), diff)
        elif settings.on_failure == "recreate" and attempts_left:
            outcome.change = Change(
                category=cid,
                action="recreate",
                actions=["forget", "create"],
                reason=f"{live.name} FAILED; on_failure is recreate"
                f" (attempt {binding.attempt + 1} of {settings.max_attempts})",
                session=live.name,
                spec=want.spec,
                before=_before(binding, live),
                after=_spec_summary(want.spec),
                attempt=binding.attempt + 1,
                spec_hash=want.spec_hash,
            )
        else:
            why = (
                "on_failure is report"
                if settings.on_failure == "report"
                else f"attempt {binding.attempt} of {settings.max_attempts}: no attempts left"
            )
            outcome.attention.append(
                Attention(
                    category=cid, kind="failed", message=f"{live.name} FAILED; {why}", session=live.name
                )
            )
        return outcome

    if drift:
        reason = _drift_reason(binding, live, want)
        if settings.on_change == "replace" and attempts_left:
            outcome.change = _replace(want, binding, live, reason, diff)
            return outcome
        if settings.on_change == "message":
            if binding.messaged_spec_hash != want.spec_hash:
                outcome.change = Change(
                    category=cid,
                    action="message",
                    actions=["message"],
                    reason=f"{reason}; on_change is message: tell {live.name} once",
                    session=live.name,
                    message=change_message(want.spec.prompt, diff),
                    before=_before(binding, live),
                    after={"spec_hash": want.spec_hash},
                    prompt_diff=diff,
                    spec_hash=want.spec_hash,
                )
                return outcome
        else:
            why = (
                f"on_change is {settings.on_change}"
                if attempts_left
                else f"attempt {binding.attempt} of {settings.max_attempts}: no attempts left"
            )
            outcome.attention.append(
                Attention(
                    category=cid,
                    kind="outdated",
                    message=f"{reason}; {why}, so {live.name} is left as it is"
                    f" (--replace {cid} to replace it)",
                    session=live.name,
                    prompt_diff=diff,
                )
            )

    if live.plan_pending:
        plan_id = live.pending_plan_id or "?"
        if settings.approval == "auto":
            outcome.change = Change(
                category=cid,
                action="approve",
                actions=["approve"],
                reason=f"an agent plan waits for approval ({live.name} is {live.state});"
                " approval is auto",
                session=live.name,
                before={"session": live.name, "state": live.state, "plan": plan_id},
            )
        else:
            outcome.attention.append(
                Attention(
                    category=cid,
                    kind="manual_approval",
                    message=f"an agent plan of {live.name} waits for your approval"
                    " (approval is manual)",
                    session=live.name,
                )
            )
        return outcome

    outcome.attention.extend(_state_attention(want, binding, live, request.now))
    return outcome


def _state_attention(
    want: DesiredCategory, binding: Binding, live: ObservedSession, now: datetime
) -> list[Attention]:
    cid = want.category.id
    name = live.name
    if live.state == "AWAITING_USER_FEEDBACK":
        return [Attention(category=cid, kind="awaiting_feedback", message=f"{name} asks for your feedback",
                          session=name)]
    if live.state == "PAUSED":
        return [Attention(category=cid, kind="paused", message=f"{name} is paused", session=name)]
    if live.state in STALL_STATES:
        seen = live.last_seen_active
        limit = timedelta(minutes=want.settings.stall_minutes)
        if seen is not None and now - seen >= limit:
            minutes = int((now - seen).total_seconds() // 60)
            return [
                Attention(
                    category=cid,
                    kind="stalled",
                    message=f"{name} ({live.state}) shows no activity for {minutes} min"
                    f" (stall_minutes {want.settings.stall_minutes})",
                    session=name,
                )
            ]
    if (
        live.state == "COMPLETED"
        and binding.automation_mode == "AUTO_CREATE_PR"
        and live.session.pull_request is None
    ):
        return [
            Attention(
                category=cid,
                kind="no_pull_request",
                message=f"{name} COMPLETED without a pull request (automation_mode is auto_create_pr)",
                session=name,
            )
        ]
    return []


def _replace(
    want: DesiredCategory, binding: Binding, live: ObservedSession, reason: str, diff: str | None
) -> Change:
    cid = want.category.id
    why = reason if reason.startswith("--replace") else f"{reason}; on_change is replace"
    return Change(
        category=cid,
        action="replace",
        actions=["forget", "create"],
        reason=f"{why}: a new session supersedes {live.name}",
        session=live.name,
        spec=want.spec,
        before=_before(binding, live),
        after=_spec_summary(want.spec),
        prompt_diff=diff,
        attempt=binding.attempt + 1,
        spec_hash=want.spec_hash,
    )


def _duplicate(cid: str, other: ObservedSession, kept: str, programme: str) -> Attention:
    return Attention(
        category=cid,
        kind="duplicate",
        message=f"{other.name} ({other.state}) also carries the marker {marker(programme, cid)};"
        f" julesform keeps {kept} and ignores it (archive it if unwanted)",
        session=other.name,
    )


# --- gating: dependencies, phases, quota -------------------------------------------------------


def _completed(outcome: _Outcome) -> bool:
    """Done for dependants: COMPLETED with no agent plan still waiting (the state can lie)."""
    session = outcome.session
    return session is not None and session.state == "COMPLETED" and not session.plan_pending


class _Gate:
    """Which categories must complete before a create may start: every ``depends_on`` and every
    category of an earlier phase, in programme order.

    Worked out once per plan, and once per phase, not by scanning the whole programme for each
    category (that made planning 10,000 categories take half a minute).
    """

    def __init__(self, desired: dict[str, DesiredCategory], outcomes: dict[str, _Outcome]) -> None:
        self.desired = desired
        self.order = {cid: index for index, cid in enumerate(desired)}
        self.not_done = [cid for cid in desired if not _completed(outcomes[cid])]
        self.not_done_set = set(self.not_done)
        self._earlier: dict[int, list[str]] = {}

    def waiting_on(self, cid: str) -> list[str]:
        category = self.desired[cid].category
        phase = category.phase
        earlier = self._earlier.get(phase)
        if earlier is None:
            earlier = [o for o in self.not_done if self.desired[o].category.phase < phase]
            self._earlier[phase] = earlier
        same_phase_deps = {
            dep
            for dep in category.depends_on
            if dep in self.not_done_set and self.desired[dep].category.phase >= phase
        }
        if not same_phase_deps:
            return list(earlier)
        return sorted([*earlier, *same_phase_deps], key=self.order.__getitem__)


def _dependency_deferral(cid: str, waiting: list[str], desired: dict[str, DesiredCategory]) -> Deferred:
    category = desired[cid].category
    deps = [w for w in waiting if w in category.depends_on]
    earlier = [w for w in waiting if w not in category.depends_on]
    if deps:
        reason = f"depends on {', '.join(deps)}, not completed yet"
        if earlier:
            reason += f" (and {len(earlier)} more of earlier phases)"
    else:
        names = ", ".join(earlier) if len(earlier) <= 3 else f"{len(earlier)} categories"
        reason = f"phase {category.phase} waits for earlier phases to complete ({names})"
    return Deferred(category=cid, reason=reason, waiting_on=waiting)


def _apply_quota(
    programme: Programme,
    desired: dict[str, DesiredCategory],
    creating: Sequence[tuple[str, Change]],
    observed: Observed,
    request: PlanRequest,
) -> tuple[QuotaView, list[tuple[str, Change]]]:
    """Keep the creates that fit the account's headroom (by priority, then phase, then file order)."""
    daily_limit, concurrent_limit = programme.quota.limits
    used = observed.created_since(request.now)
    running = observed.running()
    headroom = max(
        min(daily_limit - used, concurrent_limit - running) - request.planned_elsewhere, 0
    )
    order = {cid: index for index, cid in enumerate(desired)}
    ranked = sorted(
        creating,
        key=lambda pair: (
            PRIORITY_ORDER[desired[pair[0]].category.priority],
            desired[pair[0]].category.phase,
            order[pair[0]],
        ),
    )
    kept, over = ranked[:headroom], ranked[headroom:]
    quota = QuotaView(
        daily_limit=daily_limit,
        daily_used=used,
        concurrent_limit=concurrent_limit,
        running=running,
        creates_planned=len(kept),
        planned_elsewhere=request.planned_elsewhere,
    )
    return quota, over


def _quota_reason(quota: QuotaView, change: Change) -> str:
    committed = quota.creates_planned + quota.planned_elsewhere
    if quota.daily_limit - quota.daily_used - committed <= 0:
        return (
            f"quota: no daily headroom ({quota.daily_used} of {quota.daily_limit} tasks used"
            f" in the last 24 h, {committed} planned now); {change.action} waits"
        )
    return (
        f"quota: no concurrent headroom ({quota.running} + {committed} of {quota.concurrent_limit}"
        f" running); {change.action} waits"
    )


# --- texts -------------------------------------------------------------------------------------


def _spec_summary(spec: SessionSpec) -> dict[str, object]:
    return {
        "title": spec.title,
        "source": spec.source,
        "starting_branch": spec.starting_branch,
        "require_plan_approval": spec.require_plan_approval,
        "automation_mode": spec.automation_mode,
        "spec_hash": spec.spec_hash(),
    }


def _before(binding: Binding, live: ObservedSession) -> dict[str, object]:
    return {
        "session": live.name,
        "state": live.state,
        "spec_hash": binding.spec_hash,
        "attempt": binding.attempt,
    }


def _echoed_spec(observed: ObservedSession, want: DesiredCategory) -> SessionSpec:
    """The spec a live session was created with, as far as it echoes it (input-only fields from ``want``)."""
    session = observed.session
    context = session.source_context
    branch = context.github_repo_context.starting_branch if context and context.github_repo_context else ""
    return SessionSpec(
        prompt=session.prompt,
        title=session.title,
        source=context.source if context else "",
        starting_branch=branch,
        require_plan_approval=want.spec.require_plan_approval,
        automation_mode=want.spec.automation_mode,
    )


def _drift_reason(binding: Binding, live: ObservedSession, want: DesiredCategory) -> str:
    echoed = _echoed_spec(live, want)
    fields = [
        label
        for label, old, new in (
            ("prompt", echoed.prompt, want.spec.prompt),
            ("title", echoed.title, want.spec.title),
            ("source", echoed.source, want.spec.source),
            ("branch", echoed.starting_branch, want.spec.starting_branch),
            ("require_plan_approval", binding.require_plan_approval, want.spec.require_plan_approval),
            ("automation_mode", binding.automation_mode, want.spec.automation_mode),
        )
        if old != new
    ]
    return f"spec changed ({', '.join(fields) or 'spec hash'})"


def _prompt_diff(live: ObservedSession, want: DesiredCategory) -> str | None:
    old, new = live.session.prompt, want.spec.prompt
    if old == new:
        return None
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"{live.name} prompt", "programme prompt", lineterm=""
    )
    return "\n".join(lines)


def change_message(prompt: str, diff: str | None) -> str:
    """What a ``message`` action sends: the change, then the whole new task for reference."""
    parts = ["The task for this session has changed. Please carry on with the updated instructions."]
    if diff:
        parts.append("What changed in the instructions (unified diff):\n" + diff)
    parts.append("The full updated instructions:\n" + prompt)
    return "\n\n".join(parts)
