"""The emulator proper: state, clock and faults, and one method per API call returning wire JSON.

HTTP concerns (routing, auth, the fault injection that happens before a handler, the request log)
live in ``app``; this module is what tests and the admin endpoints control directly.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from julesform.emulator import lifecycle, validation
from julesform.emulator.clock import Clock, ManualClock
from julesform.emulator.faults import Faults
from julesform.emulator.seeding import seeded
from julesform.emulator.state import RUNNING_STATES, Behaviour, EmulatorState, JsonDict, Session, Source
from julesform.emulator.wire import (
    activity_body,
    decode_page_token,
    encode_page_token,
    failed_precondition,
    not_found,
    permission_denied,
    resource_exhausted,
    session_body,
    source_body,
)

DAY_US = 24 * 3600 * 1_000_000
DEFAULT_SOURCES = ("example-org/widget-app", "your-org/your-repo")
_SOURCE_NAME = "sources/github/{owner}/{repo}"


P = ParamSpec("P")
R = TypeVar("R")


def _locked(method: Callable[Concatenate[Emulator, P], R]) -> Callable[Concatenate[Emulator, P], R]:
    """API calls hold the emulator's lock, whether they come over HTTP or straight from a test."""

    @functools.wraps(method)
    def locked(self: Emulator, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.lock:
            return method(self, *args, **kwargs)

    return locked


@dataclass(frozen=True)
class RequestRecord:
    """One API request as the emulator saw it (``status`` 0 = connection dropped, no response)."""

    method: str
    path: str
    query: str
    status: int


class Emulator:
    """A stateful, seeded Jules API. Thread-safe: every call holds ``lock``."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        api_keys: Iterable[str] | None = None,
        sources: Iterable[str | Source] | None = None,
        auto_connect_sources: bool = False,
        faults: Faults | None = None,
        state: EmulatorState | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pace: float = 1.0,
    ) -> None:
        if pace <= 0:
            raise ValueError("pace must be positive")
        self.seed = seed
        self.pace = pace
        self.clock: Clock = clock or ManualClock()
        # None: accept any non-empty key (served mode without --api-key). A missing key is always 401.
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.auto_connect_sources = auto_connect_sources
        self.faults = faults or Faults()
        self.state = state or EmulatorState()
        self.sleep = sleep
        self.lock = threading.RLock()
        self.requests: list[RequestRecord] = []
        self.next_behaviours: list[Behaviour] = []
        self.fault_rng = seeded(seed, "faults")
        self._order: list[Session] = []
        self._order_of: dict[str, Session] | None = None
        self._unsettled_of: dict[str, Session] | None = None
        self._unsettled: set[str] = set()
        self._order_key: tuple[int, int] = (0, 0)
        if state is None:
            for source in DEFAULT_SOURCES if sources is None else sources:
                self.add_source(source)

    # --- control (tests, admin endpoints, CLI) ---------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move emulated time forward; sessions progress on the next request or inspection."""
        with self.lock:
            self.clock.advance(seconds)

    def now_us(self) -> int:
        return self.clock.now_us()

    def accepts_key(self, key: str | None) -> bool:
        if not key:
            return False
        return self.api_keys is None or key in self.api_keys

    def add_source(
        self, source: str | Source, *, private: bool = False, branches: Iterable[str] = ("main",)
    ) -> Source:
        """Connect a repository (``owner/repo`` or a Source) so sessions may use it."""
        if isinstance(source, str):
            owner, _, repo = source.removeprefix("sources/github/").partition("/")
            if not owner or not repo or "/" in repo:
                raise ValueError(f"a source is owner/repo, not {source!r}")
            branch_list = list(branches)
            source = Source(owner, repo, private, branch_list[0], branch_list)
        with self.lock:
            self.state.sources[source.name] = source
            self.state.version += 1
        return source

    def sessions(self, *, include_archived: bool = True) -> list[Session]:
        """Every session, newest first (archived included unless asked otherwise), progressed to now."""
        with self.lock:
            self.tick()
            found = [s for s in self.state.sessions.values() if include_archived or not s.archived]
            return sorted(found, key=_newest_first)

    def session(self, session_id: str) -> Session:
        with self.lock:
            self.tick()
            return self.state.sessions[session_id]

    def seed_session(
        self,
        *,
        prompt: str = "Improve the test coverage of the project.",
        title: str | None = None,
        source: str | None = "sources/github/example-org/widget-app",
        starting_branch: str = "main",
        require_plan_approval: bool = False,
        automation_mode: str = "AUTOMATION_MODE_UNSPECIFIED",
        archived: bool = False,
        age: float = 0.0,
        behaviour: Behaviour | None = None,
        state: str | None = None,
    ) -> Session:
        """Put a session in place as if created ``age`` emulated seconds ago (other programmes, unmarked
        titles, archived ones...). ``state`` forces the reported state afterwards: the service's "state
        lies" quirk, with no activities to match. Quotas are not checked; the task is counted.
        """
        body: JsonDict = {"prompt": prompt, "requirePlanApproval": require_plan_approval,
                          "automationMode": automation_mode}
        if title is not None:
            body["title"] = title
        if source is not None:
            repo_context = {"startingBranch": starting_branch}
            body["sourceContext"] = {"source": source, "githubRepoContext": repo_context}
        with self.lock:
            at_us = self.now_us() - int(age * 1_000_000)
            created = self._create(validation.create_body(body), at_us, behaviour)
            lifecycle.materialise(created, self.now_us(), self.seed)
            created.archived = archived
            if state is not None:
                created.state = state
                created.script = []
                created.blocked = {"on": "done", "resume_step": 0}
            return created

    # --- the API ---------------------------------------------------------------------------------

    @_locked
    def tick(self) -> None:
        """Bring every session up to the current emulated time, then start held sessions that now fit."""
        now = self.now_us()
        held: list[Session] = []
        for session in self._moving():
            if lifecycle.materialise(session, now, self.seed):
                self.state.version += 1
            if _held(session):
                held.append(session)
            elif not session.script and not session.behaviour.complete_with_pending_plan:
                self._unsettled.discard(session.id)  # nothing left that time alone could change
        for session in sorted(held, key=lambda s: (s.create_us, int(s.id))):
            limit = self.faults.concurrent_quota
            if limit is not None and self._running() >= limit:
                break
            session.blocked = None
            lifecycle.start_script(session, now, self.seed)
            lifecycle.materialise(session, now, self.seed)
            self.state.version += 1

    @_locked
    def create_session(self, body: Any) -> JsonDict:
        fields = validation.create_body(body)
        source = fields.get("sourceContext", {}).get("source")
        if source is not None:
            self._source(source)
            if source in self.faults.forbidden_sources:
                raise permission_denied()
        self.tick()
        now = self.now_us()
        hold = self._check_quota(now)
        return session_body(self._create(fields, now, None, hold=hold), sparse=True)

    @_locked
    def get_session(self, session_id: str) -> JsonDict:
        return session_body(self._session(session_id))

    @_locked
    def list_sessions(self, args: Mapping[str, str]) -> JsonDict:
        validation.check_query(args, validation.LIST_PARAMS)
        size = validation.page_size(args, 30)
        wanted = validation.archived_filter(args.get("filter"))
        self.tick()
        order = self._newest_first_order()
        start = 0
        if args.get("pageToken"):
            create_us, numeric_id = decode_page_token("sessions", args["pageToken"], (int, int))
            start = bisect.bisect_right(order, (-create_us, -numeric_id), key=_newest_first)
        page: list[Session] = []
        more = False
        for session in itertools.islice(order, start, None):
            if session.archived in wanted:
                if len(page) == size:
                    more = True
                    break
                page.append(session)
        body: JsonDict = {}
        if page:
            body["sessions"] = [session_body(s) for s in page]
        if more:
            body["nextPageToken"] = encode_page_token("sessions", [page[-1].create_us, int(page[-1].id)])
        return body

    @_locked
    def delete_session(self, session_id: str) -> JsonDict:
        self._session(session_id)
        del self.state.sessions[session_id]
        self.state.version += 1
        return {}

    @_locked
    def set_archived(self, session_id: str, body: Any, archived: bool) -> JsonDict:
        validation.empty_body(body, "archive" if archived else "unarchive")
        session = self._session(session_id)
        session.archived = archived
        session.update_us = max(session.update_us, self.now_us())
        self.state.version += 1
        return session_body(session)

    @_locked
    def approve_plan(self, session_id: str, body: Any) -> JsonDict:
        validation.empty_body(body, "approve_plan_request")
        session = self._session(session_id)
        if lifecycle.pending_plan_id(session) is None:
            raise failed_precondition()
        lifecycle.approve(session, self.now_us(), self.seed)
        self.state.version += 1
        return {}

    @_locked
    def send_message(self, session_id: str, body: Any) -> JsonDict:
        text = validation.message_body(body)
        session = self._session(session_id)
        lifecycle.message(session, self.now_us(), self.seed, text)
        self.state.version += 1
        return {}

    @_locked
    def list_activities(self, session_id: str, args: Mapping[str, str]) -> JsonDict:
        validation.check_query(args, validation.LIST_PARAMS)
        size = validation.page_size(args, 50)
        after = validation.create_time_filter(args.get("filter"))
        session = self._session(session_id)
        fresh_for = int(self.faults.fresh_activities_404 * 1_000_000)
        if self.now_us() - session.create_us < fresh_for:
            raise not_found()
        indexed = [(i, a) for i, a in enumerate(session.activities) if after is None or a.create_us > after]
        if args.get("pageToken"):
            (last,) = decode_page_token(f"activities/{session_id}", args["pageToken"], (int,))
            indexed = [(i, a) for i, a in indexed if i > last]
        page = indexed[:size]
        body: JsonDict = {}
        if page:
            body["activities"] = [activity_body(session.id, a) for _, a in page]
        if len(indexed) > size:
            body["nextPageToken"] = encode_page_token(f"activities/{session_id}", [page[-1][0]])
        return body

    @_locked
    def get_activity(self, session_id: str, activity_id: str) -> JsonDict:
        session = self._session(session_id)
        for activity in session.activities:
            if activity.id == activity_id:
                return activity_body(session.id, activity)
        raise not_found()

    @_locked
    def list_sources(self, args: Mapping[str, str]) -> JsonDict:
        validation.check_query(args, validation.LIST_PARAMS)
        size = validation.page_size(args, 30)
        names = validation.name_filter(args.get("filter"))
        items = sorted(s for s in self.state.sources if names is None or s in names)
        if args.get("pageToken"):
            (last,) = decode_page_token("sources", args["pageToken"], (str,))
            items = [name for name in items if name > last]
        page = items[:size]
        body: JsonDict = {}
        if page:
            body["sources"] = [source_body(self.state.sources[name]) for name in page]
        if len(items) > size:
            body["nextPageToken"] = encode_page_token("sources", [page[-1]])
        return body

    @_locked
    def get_source(self, name: str) -> JsonDict:
        return source_body(self._source(name))

    # --- internals -------------------------------------------------------------------------------

    def _session(self, session_id: str) -> Session:
        self.tick()
        session = self.state.sessions.get(session_id)
        if session is None:
            raise not_found()
        self._unsettled_ids().add(session_id)  # the caller may give it new events (approve, message)
        return session

    def _moving(self) -> list[Session]:
        """Sessions that time alone might still change (new, scripted, held, or handed to an API call).

        Settled ones (nothing scripted) are skipped, so a request in an account of thousands of
        sessions does not walk them all; a replaced ``state`` starts with every session unsettled.
        """
        sessions = self.state.sessions
        unsettled = self._unsettled_ids()
        unsettled.intersection_update(sessions)
        return [sessions[sid] for sid in unsettled]

    def _unsettled_ids(self) -> set[str]:
        if self._unsettled_of is not self.state.sessions:
            self._unsettled_of, self._unsettled = self.state.sessions, set(self.state.sessions)
        return self._unsettled

    def _source(self, name: str) -> Source:
        """A connected source; the embedded mode connects any ``sources/github/OWNER/REPO`` on demand."""
        source = self.state.sources.get(name)
        if source is None and self.auto_connect_sources:
            parts = name.split("/")
            if len(parts) == 4 and parts[:2] == ["sources", "github"] and all(parts[2:]):
                source = self.add_source(f"{parts[2]}/{parts[3]}")
        if source is None:
            raise not_found()
        return source

    def _newest_first_order(self) -> list[Session]:
        """Every session, newest first; re-sorted only when sessions were added or removed since the
        last call (the order never changes otherwise), so paging a big account is not quadratic."""
        sessions = self.state.sessions
        key = (len(sessions), self.state.created_count)
        if self._order_of is not sessions or self._order_key != key:
            self._order = sorted(sessions.values(), key=_newest_first)
            self._order_of, self._order_key = sessions, key
        return self._order

    def _running(self) -> int:
        """Sessions holding a concurrent slot (held ones wait for a slot, they do not hold one)."""
        return sum(1 for s in self.state.sessions.values() if s.state in RUNNING_STATES and not _held(s))

    def _check_quota(self, now: int) -> bool:
        """Raise the configured error when a quota is spent; True = accept but hold in QUEUED."""
        faults = self.faults
        recent = [t for t in self.state.create_log_us if t > now - DAY_US]
        daily_out = faults.daily_quota is not None and len(recent) >= faults.daily_quota
        concurrent_out = faults.concurrent_quota is not None and self._running() >= faults.concurrent_quota
        if concurrent_out and not daily_out and faults.quota_error == "QUEUED":
            return True
        if daily_out or concurrent_out:
            if faults.quota_error == "FAILED_PRECONDITION":
                raise failed_precondition()
            raise resource_exhausted()
        return False

    def _create(
        self, fields: JsonDict, at_us: int, behaviour: Behaviour | None, *, hold: bool = False
    ) -> Session:
        count = self.state.created_count
        rng = seeded(self.seed, "session", count)
        session_id = str(rng.randrange(10**18, 2**64))  # 19-20 digits: more than int64 holds
        while session_id in self.state.sessions:
            session_id = str(rng.randrange(10**18, 2**64))
        prompt = str(fields["prompt"])
        title = str(fields.get("title") or prompt.strip().splitlines()[0][:60])
        session = Session(
            id=session_id,
            prompt=prompt,
            title=title,
            source_context=fields.get("sourceContext"),
            require_plan_approval=bool(fields.get("requirePlanApproval", False)),
            automation_mode=str(fields.get("automationMode", "AUTOMATION_MODE_UNSPECIFIED")),
            create_us=at_us,
            update_us=at_us,
            behaviour=behaviour or self._behaviour(count),
            pace=self.pace,
        )
        if hold:
            session.blocked = {"on": "queue", "resume_step": 0}
        else:
            lifecycle.start_script(session, at_us, self.seed)
        self.state.sessions[session_id] = session
        self._unsettled_ids().add(session_id)
        # Readers count only the last 24 h, so pruning is housekeeping: done when the oldest entry has
        # left the window, not on every create (that made seeding thousands of sessions quadratic).
        log = self.state.create_log_us
        if log and log[0] <= at_us - DAY_US:
            log = self.state.create_log_us = [t for t in log if t > at_us - DAY_US]
        log.append(at_us)
        self.state.created_count += 1
        self.state.version += 1
        return session

    def _behaviour(self, count: int) -> Behaviour:
        if self.next_behaviours:
            return self.next_behaviours.pop(0)
        f = self.faults
        rng = seeded(self.seed, "behaviour", count)
        roll = rng.random()
        outcome = "complete"
        if roll < f.fail_share:
            outcome = "fail"
        elif roll < f.fail_share + f.stall_share:
            outcome = "stall"
        elif roll < f.fail_share + f.stall_share + f.pause_share:
            outcome = "pause"
        return Behaviour(
            outcome=outcome,
            ask_feedback=rng.random() < f.feedback_share,
            complete_with_pending_plan=rng.random() < f.pending_plan_share,
            revive=rng.random() < f.revive_share,
        )


def _held(session: Session) -> bool:
    return session.blocked is not None and session.blocked["on"] == "queue"


def _newest_first(session: Session) -> tuple[int, int]:
    """Sort key: createTime descending, ties broken by id (descending) so pages never overlap."""
    return (-session.create_us, -int(session.id))
