"""The impure edge that feeds the pure planner: load, read the lockfile, observe, plan.

Shared by ``plan``, ``apply`` and ``status``. Everything here only reads: it sends GET requests and
never writes the lockfile. Observation costs as few round trips as the numbers allow (see
``AccountObserver``); several programmes planned in one run share one account listing and one quota.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from julesform.api.errors import NotFound
from julesform.api.models import Activity, Session
from julesform.errors import UsageError
from julesform.planner.desired import DesiredCategory, desired_categories
from julesform.planner.observed import Observed, observe_session
from julesform.planner.plan import Plan
from julesform.planner.planner import CREATING, PlanRequest, make_plan
from julesform.programme.loader import LoadedProgramme, load_programme
from julesform.state.lockfile import (
    Binding,
    Lockfile,
    LockfileError,
    default_lockfile_path,
    read_lockfile,
)

if TYPE_CHECKING:
    from julesform.api.client import JulesClient
    from julesform.context import AppContext

GET_INSTEAD_OF_LIST = 3
"""Read up to this many bound sessions one by one (in parallel) rather than listing the account.

A list costs one request per 100 sessions of the whole account (archived ones included), which grows
forever; a handful of parallel gets is cheaper and as fast. With more bound sessions the list is read
newest first only until all of them were seen. Anything that needs the account view (an unbound
category, a pending create, a planned create and its quota) lists it all.
"""

ACTIVITY_STATES = frozenset({"STATE_UNSPECIFIED", "PLANNING", "AWAITING_PLAN_APPROVAL", "IN_PROGRESS"})
"""States whose activities matter: an agent plan may wait, or silence may mean a stall."""


def current_time() -> datetime:
    """The planner's "now": the one clock read of a plan run (tests replace it to follow an emulator
    on a manual clock). Quota windows and stalls compare it with the service's timestamps, which
    the served and embedded emulators keep real too."""
    return datetime.now(UTC)


@dataclass
class PlanRun:
    """One programme's plan and everything it was computed from (apply carries it out)."""

    loaded: LoadedProgramme
    lockfile: Lockfile
    lockfile_path: Path
    lockfile_exists: bool
    observed: Observed
    plan: Plan
    client: JulesClient
    desired: dict[str, DesiredCategory]


@dataclass
class Prepared:
    """A programme with its lockfile, before anything is asked of the API."""

    loaded: LoadedProgramme
    desired: dict[str, DesiredCategory]
    lockfile: Lockfile
    lockfile_path: Path
    lockfile_exists: bool
    targets: tuple[str, ...]
    replace: tuple[str, ...]


def compute_plan(
    app: AppContext,
    programme_path: Path,
    *,
    lockfile_path: Path | None = None,
    targets: Sequence[str] = (),
    replace: Sequence[str] = (),
    now: datetime | None = None,
) -> PlanRun:
    """Plan one programme against the live sessions (GET requests only; nothing is written)."""
    client = app.client()
    prepared = prepare(client, programme_path, lockfile_path=lockfile_path, targets=targets, replace=replace)
    return plan_prepared(prepared, account_observer(app), now=now)


def account_observer(app: AppContext) -> AccountObserver:
    """The observer every command uses: activity logs are read through the on-disk cache
    (``state/.cache/``), so a run downloads only activities it has not seen before."""
    from julesform.state.cache import ActivityCache, cache_root

    client = app.client()
    cache = ActivityCache(client, cache_root(app.state_dir), notice=app.console.warn)
    return AccountObserver(client, activity_reader=cache.activities)


def prepare(
    client: JulesClient,
    programme_path: Path,
    *,
    lockfile_path: Path | None = None,
    targets: Sequence[str] = (),
    replace: Sequence[str] = (),
    only_known: bool = False,
) -> Prepared:
    """Load and check the programme and its lockfile (files only, no requests).

    ``only_known`` (several programmes in one run) keeps the targets and replaces that name one of
    this programme's categories instead of refusing the others.
    """
    loaded = load_programme(programme_path)
    programme = loaded.programme
    desired = desired_categories(loaded)
    path = lockfile_path or default_lockfile_path(programme_path)
    found = read_lockfile(path)
    if found is not None:
        if found.endpoint != client.endpoint:
            raise LockfileError(f"lockfile {path} belongs to {found.endpoint}, not {client.endpoint}")
        if found.programme != programme.name:
            raise LockfileError(
                f"lockfile {path} belongs to programme {found.programme}, not {programme.name}"
            )
    lockfile = found or Lockfile.new(endpoint=client.endpoint, programme=programme.name)
    known = set(desired) | set(lockfile.bindings)
    if only_known:
        targets = [t for t in targets if t in known]
        replace = [r for r in replace if r in desired]
    for target in targets:
        if target not in known:
            raise UsageError(f"--target {target}: {programme_path} has no category {target}")
    for cid in replace:
        if cid not in desired or cid not in lockfile.bindings:
            raise UsageError(f"--replace {cid}: category {cid} has no bound session to replace")
    return Prepared(
        loaded=loaded,
        desired=desired,
        lockfile=lockfile,
        lockfile_path=path,
        lockfile_exists=found is not None,
        targets=tuple(dict.fromkeys(targets)),
        replace=tuple(dict.fromkeys(replace)),
    )


def plan_prepared(
    prepared: Prepared, observer: AccountObserver, *, now: datetime | None = None, planned_elsewhere: int = 0
) -> PlanRun:
    """Observe what ``prepared`` needs and plan it; lists the account only when the plan needs it."""
    moment = now or current_time()
    plan_id = str(uuid.uuid4())
    observed = observer.observe(prepared, full=False)
    plan = _make(prepared, observed, moment, plan_id, planned_elsewhere)
    if not observed.complete and any(c.action in CREATING for c in plan.changes):
        # A create needs the quota and the marker search: look at the whole account after all.
        observed = observer.observe(prepared, full=True)
        plan = _make(prepared, observed, moment, plan_id, planned_elsewhere)
    return PlanRun(
        loaded=prepared.loaded,
        lockfile=prepared.lockfile,
        lockfile_path=prepared.lockfile_path,
        lockfile_exists=prepared.lockfile_exists,
        observed=observed,
        plan=plan,
        client=observer.client,
        desired=prepared.desired,
    )


def _make(prepared: Prepared, observed: Observed, now: datetime, plan_id: str, elsewhere: int) -> Plan:
    request = PlanRequest(
        now=now,
        plan_id=plan_id,
        programme_path=str(prepared.loaded.path),
        programme_hash=prepared.loaded.source_hash,
        endpoint=prepared.lockfile.endpoint,
        lockfile_exists=prepared.lockfile_exists,
        targets=prepared.targets,
        replace=prepared.replace,
        planned_elsewhere=elsewhere,
    )
    return make_plan(prepared.loaded.programme, prepared.desired, prepared.lockfile, observed, request)


@dataclass
class AccountObserver:
    """Reads sessions for one account, remembering what it already fetched within this run.

    ``activity_reader`` replaces ``client.list_activities`` (``status`` and ``verify`` read through the
    on-disk activity cache, so repeated runs do not download immutable activities again).
    """

    client: JulesClient
    activity_reader: Callable[[Session], list[Activity]] | None = None
    _listed: dict[str, Session] | None = None
    _got: dict[str, Session | None] = field(default_factory=dict)
    _activities: dict[str, list[Activity]] = field(default_factory=dict)

    def observe(self, prepared: Prepared, *, full: bool) -> Observed:
        bound = _relevant_bindings(prepared)
        needs_account = (
            full
            or self._listed is not None
            or any(cid not in prepared.lockfile.bindings for cid in _selected(prepared))
            or any(cid in prepared.lockfile.pending for cid in _selected(prepared))
        )
        by_name = {b.session: b for b in bound.values()}
        sessions: dict[str, Session] = {}
        if needs_account:
            sessions = dict(self.list_all(prefetch=by_name))
        elif len(bound) > GET_INSTEAD_OF_LIST:
            sessions, needs_account = self._scan(by_name, until_seen=True)
        missing = [b.session for b in bound.values() if b.session not in sessions]
        self._get_many(missing)
        vanished = frozenset(name for name in missing if self._got.get(name) is None)
        for name in missing:
            got = self._got.get(name)
            if got is not None:
                sessions[name] = got

        wanted = [
            sessions[b.session]
            for b in bound.values()
            if b.session in sessions and _activities_matter(sessions[b.session], b)
        ]
        self._read_activities(wanted)
        observed = {
            name: observe_session(session, self._activities.get(name)) for name, session in sessions.items()
        }
        return Observed(sessions=observed, vanished=vanished, complete=needs_account)

    def list_all(self, prefetch: Mapping[str, Binding] | None = None) -> dict[str, Session]:
        """The whole account, archived sessions too (listed once per run).

        ``prefetch`` (bindings by session name): read the activity logs that will be wanted while
        later pages are still coming, instead of after the last one.
        """
        if self._listed is None:
            self._scan(prefetch or {}, until_seen=False)
        assert self._listed is not None
        return self._listed

    def _scan(self, bound: Mapping[str, Binding], *, until_seen: bool) -> tuple[dict[str, Session], bool]:
        """List the account newest first; True as second value when the list ran to its end.

        Pages come one after another (each needs the last one's token), so the activity logs of
        bound sessions are read on the other connections as soon as a page shows they matter
        (bench: 1,000 categories, 500 bound, in an account of 10,000 sessions: 105 pages and then
        63 rounds of logs became 105 pages with the logs alongside).

        ``until_seen`` stops once every bound session was seen: a programme's sessions are usually
        the newest of an account that keeps years of history, so a page or two does where a full
        listing reads one page per 100 sessions ever made (bench: 10 bound categories in an account
        of 10,000 sessions, 101 pages -> 1).
        """
        seen: dict[str, Session] = {}
        todo = set(bound)
        complete = True
        logs: dict[str, Future[list[Activity]]] = {}
        pool: ThreadPoolExecutor | None = None
        try:
            for session in self.client.iter_sessions(include_archived=True):
                seen[session.name] = session
                binding = bound.get(session.name)
                if binding is not None and session.name not in self._activities and _activities_matter(
                    session, binding
                ):
                    if pool is None:
                        workers = max(1, self.client.parallel_reads - 1)  # one connection lists
                        pool = ThreadPoolExecutor(workers, thread_name_prefix="julesform-read")
                    logs[session.name] = pool.submit(self._activities_of, session)
                todo.discard(session.name)
                if until_seen and not todo:
                    complete = False
                    break
            for name, log in logs.items():
                self._activities[name] = log.result()
        except BaseException:
            for log in logs.values():
                log.cancel()
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        if complete:
            self._listed = seen
        return dict(seen), complete

    def _get_many(self, names: list[str]) -> None:
        todo = [name for name in names if name not in self._got]
        if todo:
            for name, session in zip(todo, self.client.map_parallel(self._get_or_none, todo), strict=True):
                self._got[name] = session

    def _get_or_none(self, name: str) -> Session | None:
        try:
            return self.client.get_session(name)
        except NotFound:
            return None

    def read_activities(self, session: Session) -> list[Activity]:
        """One session's activity log (memoised for this run)."""
        self._read_activities([session])
        return self._activities[session.name]

    def _read_activities(self, sessions: list[Session]) -> None:
        todo = [s for s in sessions if s.name not in self._activities]
        if todo:
            for session, log in zip(todo, self.client.map_parallel(self._activities_of, todo), strict=True):
                self._activities[session.name] = log

    def _activities_of(self, session: Session) -> list[Activity]:
        try:
            if self.activity_reader is not None:
                return self.activity_reader(session)
            return list(self.client.list_activities(session.name))
        except NotFound:
            # Just after a create the log can 404 for a few seconds: treat it as empty.
            return []


def _selected(prepared: Prepared) -> list[str]:
    return [cid for cid in prepared.desired if not prepared.targets or cid in prepared.targets]


def _relevant_bindings(prepared: Prepared) -> dict[str, Binding]:
    bindings = prepared.lockfile.bindings
    return {cid: bindings[cid] for cid in _selected(prepared) if cid in bindings}


def _activities_matter(session: Session, binding: Binding) -> bool:
    """Read a session's activities only when they can change the plan (plan pending, stall)."""
    if session.state in ACTIVITY_STATES:
        return True
    # COMPLETED has been seen with an agent plan still waiting, but only when approval was required.
    return session.state == "COMPLETED" and binding.require_plan_approval

