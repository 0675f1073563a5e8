"""Carry a plan out: API writes in dependency order, the lockfile written after every action.

Nothing lost, nothing doubled. Before a create, the intent (a ``PendingCreate``) is written to the
lockfile; after it, the binding replaces the intent. A create whose outcome is unknown (timeout,
dropped connection, 5xx) is never retried blindly: the executor lists the sessions and looks for the
category's marker first. A ``kill -9`` at any point therefore leaves either nothing, an intent the
next plan resolves (import the marked session, or create again once it has looked), or a binding.

Creates run a few at a time (bursts of parallel creates fail on the real service) and never beyond
the quota headroom the plan computed; approvals and messages run in parallel. A failed category
does not stop independent ones; its dependents are skipped with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from julesform.api.errors import AmbiguousCreate, ApiError, QuotaExhausted
from julesform.apply.ordering import upstream_in_plan, waves
from julesform.apply.outcome import ApplyReport, Outcome
from julesform.errors import JulesformError
from julesform.planner.observed import pending_plan
from julesform.planner.plan import Change, Plan
from julesform.planner.spec import SessionSpec, parse_marker
from julesform.state.lockfile import Binding, Lockfile, PendingCreate

if TYPE_CHECKING:
    from julesform.api.client import JulesClient
    from julesform.api.models import Session
    from julesform.apply.progress import Reporter
    from julesform.state.store import LockfileStore

CREATE_LIKE = frozenset({"create", "replace", "recreate"})
OTHER_WORKERS = 8


@dataclass(frozen=True)
class ApplyOptions:
    parallelism: int = 2
    """Creates in flight at once."""
    archive_replaced: bool = False
    """Archive the old session after a replace or recreate bound the new one."""
    archive_forgotten: bool = False
    """Archive the session of a category removed from the programme when its binding is dropped."""


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Executor:
    """One apply of one plan against one lockfile; the caller holds the lockfile's mutex."""

    def __init__(
        self,
        *,
        client: JulesClient,
        store: LockfileStore,
        lockfile: Lockfile,
        specs: Mapping[str, SessionSpec],
        depends_on: Mapping[str, Sequence[str]],
        reporter: Reporter,
        options: ApplyOptions | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.lock = lockfile
        self.specs = specs
        self.depends_on = depends_on
        self.reporter = reporter
        self.options = options or ApplyOptions()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.report = ApplyReport()
        self.fatal: JulesformError | None = None
        """A lockfile write that failed: nothing more may start, since it could not be recorded."""
        self._mutex = threading.Lock()
        self._quota_stopped = False
        self._stopping = False
        self._create_budget: int | None = None
        self._programme = lockfile.programme

    # --- the run -------------------------------------------------------------------------------

    def run(self, plan: Plan) -> ApplyReport:
        """Carry out every change of ``plan``; afterwards ``fatal`` holds a lockfile error that stopped it."""
        self._programme = plan.programme
        self._create_budget = _headroom(plan)
        self.report.order = {change.category: index for index, change in enumerate(plan.changes)}
        self.reporter.start(len(plan.changes))
        outcomes: dict[str, Outcome] = {}
        in_plan = {change.category for change in plan.changes}
        creates = ThreadPoolExecutor(max(1, self.options.parallelism), "jf-create")
        others = ThreadPoolExecutor(OTHER_WORKERS, "jf-write")
        try:
            for wave in waves(plan.changes, self.depends_on):
                futures: list[Future[Outcome]] = []
                for change in wave:
                    blocked = self._blocked_by(change, in_plan, outcomes)
                    if blocked is not None:
                        outcomes[change.category] = self._record(blocked)
                        continue
                    pool = creates if change.action in CREATE_LIKE else others
                    futures.append(pool.submit(self._run_one, change))
                wait(futures)
                for future in futures:
                    outcome = future.result()
                    outcomes[outcome.category] = outcome
        except BaseException:
            # Ctrl-C: start nothing new, but let actions in flight finish and record themselves.
            self._stopping = True
            raise
        finally:
            for pool in (creates, others):
                pool.shutdown(wait=True, cancel_futures=True)
            self.reporter.close()
        return self.report

    def _blocked_by(
        self, change: Change, in_plan: set[str], outcomes: Mapping[str, Outcome]
    ) -> Outcome | None:
        for upstream in sorted(upstream_in_plan(change.category, self.depends_on, in_plan)):
            previous = outcomes.get(upstream)
            if previous is not None and previous.status in ("failed", "skipped"):
                word = "failed" if previous.status == "failed" else "was skipped"
                reason = f"depends on {upstream}, which {word}"
                return Outcome(change.category, change.action, "skipped", reason)
        if change.action in CREATE_LIKE and self._create_budget is not None:
            if self._create_budget <= 0:
                return Outcome(change.category, change.action, "skipped", "no quota headroom left")
            self._create_budget -= 1
        return None

    def _record(self, outcome: Outcome) -> Outcome:
        with self._mutex:
            self.report.add(outcome)
        self.reporter.finish(outcome)
        return outcome

    def _run_one(self, change: Change) -> Outcome:
        if self._stopping:
            return self._record(Outcome(change.category, change.action, "skipped", "interrupted"))
        if self.fatal is not None:
            reason = "not started: the lockfile could not be written"
            return self._record(Outcome(change.category, change.action, "skipped", reason))
        if change.action in CREATE_LIKE and self._quota_stopped:
            return self._record(Outcome(change.category, change.action, "skipped", "quota exhausted"))
        self.reporter.begin(change.category, change.action)
        handler = {
            "create": self._create,
            "replace": self._create,
            "recreate": self._create,
            "import": self._import,
            "approve": self._approve,
            "message": self._message,
            "forget": self._forget,
        }.get(change.action)
        try:
            if handler is None:
                outcome = self._failed(change, f"unknown action {change.action!r}")
            else:
                outcome = handler(change)
        except ApplyBug as exc:
            outcome = self._failed(change, str(exc))
        except JulesformError as exc:
            # Lockfile write failures (and changes under our feet) end the apply: keep the first.
            with self._mutex:
                if self.fatal is None:
                    self.fatal = exc
            outcome = self._failed(change, "the lockfile could not be written")
        return self._record(outcome)

    # --- lockfile ------------------------------------------------------------------------------

    def _write(self) -> None:
        """Write the in-memory lockfile (caller holds ``_mutex``)."""
        self.lock = self.store.write(self.lock)

    def _now(self) -> str:
        return rfc3339(self.clock())

    # --- actions -------------------------------------------------------------------------------

    def _spec_for(self, change: Change) -> SessionSpec:
        spec = change.spec or self.specs.get(change.category)
        if spec is None:
            raise ApplyBug(f"{change.category}: the plan has no spec to create from")
        return spec

    def _create(self, change: Change) -> Outcome:
        category = change.category
        spec = self._spec_for(change)
        with self._mutex:
            old = self.lock.bindings.get(category)
            attempt = change.attempt or (old.attempt + 1 if old else 1)
            spec_hash = change.spec_hash or spec.spec_hash()
            self.lock.pending[category] = PendingCreate(
                title=spec.title, spec_hash=spec_hash, started_at=self._now(), attempt=attempt
            )
            self._write()
        how = ""
        try:
            session = self.client.create_session(spec.create_body())
        except AmbiguousCreate as ambiguous:
            try:
                found = self._find_marked(category)
            except ApiError as exc:
                return self._failed(change, f"create outcome unknown and listing sessions failed ({exc})")
            if found is None:
                return self._failed(
                    change,
                    f"create outcome unknown ({ambiguous.where} gave no clear answer; no session with its "
                    "marker found; the next plan looks again)",
                )
            session, how = found, " (found by its marker after a lost response)"
        except QuotaExhausted:
            self._quota_stopped = True
            self._drop_pending(category)
            return self._failed(change, "quota exhausted")
        except ApiError as exc:
            self._drop_pending(category)
            return self._failed(change, str(exc))
        with self._mutex:
            self.lock.pending.pop(category, None)
            self.lock.bindings[category] = Binding(
                session=session.name,
                spec_hash=spec_hash,
                attempt=attempt,
                superseded=[*old.superseded, old.session] if old else [],
                bound_at=self._now(),
                require_plan_approval=spec.require_plan_approval,
                automation_mode=spec.automation_mode,
            )
            self._write()
        verb = {"create": "created", "replace": "replaced by", "recreate": "recreated as"}[change.action]
        detail = f"{verb} {session.name}{how}"
        if old is not None and change.action != "create":
            detail = f"{old.session} {detail} (attempt {attempt})"
            if self.options.archive_replaced:
                detail += self._archive(old.session)
        return Outcome(category, change.action, "done", detail, session.name)

    def _find_marked(self, category: str) -> Session | None:
        """The newest session carrying this category's marker that no binding knows yet."""
        with self._mutex:
            known = {b.session for b in self.lock.bindings.values()}
            known |= {s for b in self.lock.bindings.values() for s in b.superseded}
        candidates = [
            s
            for s in self.client.list_sessions(include_archived=True)
            if parse_marker(s.title) == (self._programme, category) and s.name not in known
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda s: s.create_time or datetime.min.replace(tzinfo=UTC))

    def _drop_pending(self, category: str) -> None:
        """The create certainly did not happen: forget the intent."""
        with self._mutex:
            if self.lock.pending.pop(category, None) is not None:
                self._write()

    def _import(self, change: Change) -> Outcome:
        category, name = change.category, change.session
        if name is None:
            return self._failed(change, "the plan names no session to import")
        spec = self._spec_for(change)
        with self._mutex:
            pending = self.lock.pending.pop(category, None)
            old = self.lock.bindings.get(category)
            superseded = list(old.superseded) if old else []
            if old is not None and old.session != name:
                superseded.append(old.session)
            self.lock.bindings[category] = Binding(
                session=name,
                # The planner says which spec made it (the recorded intent, or what the session echoes).
                spec_hash=change.spec_hash or (pending.spec_hash if pending else spec.spec_hash()),
                attempt=change.attempt or (pending.attempt if pending else 1),
                superseded=superseded,
                bound_at=self._now(),
                require_plan_approval=spec.require_plan_approval,
                automation_mode=spec.automation_mode,
            )
            self._write()
        return Outcome(category, "import", "done", f"imported {name}", name)

    def _approve(self, change: Change) -> Outcome:
        if change.session is None:
            return self._failed(change, "the plan names no session to approve")
        try:
            # Approving twice is not known to be harmless, and a saved plan may be applied after someone
            # approved in the web UI: check the agent plan still waits (activities, not the state field).
            if pending_plan(self.client.list_activities(change.session)) is None:
                return Outcome(change.category, "approve", "unneeded", "its agent plan was already approved",
                               change.session)
            self.client.approve_plan(change.session)
        except ApiError as exc:
            return self._failed(change, str(exc))
        return Outcome(change.category, "approve", "done", f"approved the agent plan of {change.session}",
                       change.session)

    def _message(self, change: Change) -> Outcome:
        if change.session is None or not change.message:
            return self._failed(change, "the plan names no session or message")
        spec = self._spec_for(change)
        try:
            self.client.send_message(change.session, change.message)
        except ApiError as exc:
            return self._failed(change, str(exc))
        with self._mutex:
            binding = self.lock.bindings.get(change.category)
            if binding is not None:
                binding.messaged_spec_hash = change.spec_hash or spec.spec_hash()
                self._write()
        return Outcome(change.category, "message", "done", f"sent the spec change to {change.session}",
                       change.session)

    def _forget(self, change: Change) -> Outcome:
        with self._mutex:
            binding = self.lock.bindings.pop(change.category, None)
            pending = self.lock.pending.pop(change.category, None)
            if binding is not None or pending is not None:
                self._write()
        name = change.session or (binding.session if binding else None)
        detail = f"forgot {name}" if name else "forgot the category"
        if name and self.options.archive_forgotten:
            detail += self._archive(name)
        return Outcome(change.category, "forget", "done", detail, name)

    def _archive(self, name: str) -> str:
        try:
            self.client.archive_session(name)
        except ApiError as exc:
            return f"; archiving it failed ({exc})"
        return f"; archived {name}"

    @staticmethod
    def _failed(change: Change, reason: str) -> Outcome:
        return Outcome(change.category, change.action, "failed", reason, change.session)


class ApplyBug(JulesformError):
    """A plan that cannot be carried out as written (a saved plan edited by hand, or a planner bug)."""


def _headroom(plan: Plan) -> int | None:
    """Creates the plan said the quota allows, or None when the plan did not compute quota."""
    quota = plan.quota
    if quota is None:
        return None
    free = min(quota.daily_limit - quota.daily_used, quota.concurrent_limit - quota.running)
    return max(0, free - quota.planned_elsewhere)
