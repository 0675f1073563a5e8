"""What julesform saw of the live sessions, as plain data the pure planner can read.

Built by ``julesform.pipeline`` (the only part that talks to the API). ``plan_pending`` comes from
activities, not the state field: the real service has reported COMPLETED while an agent plan waited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from julesform.api.models import Activity, Session
from julesform.planner.spec import parse_marker

RUNNING_STATES = frozenset(
    {"QUEUED", "PLANNING", "AWAITING_PLAN_APPROVAL", "AWAITING_USER_FEEDBACK", "IN_PROGRESS"}
)
"""States that hold one of the account's concurrent tasks. PAUSED does not: the agent is idle."""

STALL_STATES = frozenset({"QUEUED", "PLANNING", "IN_PROGRESS"})
"""States in which the agent should be producing activity; silence there means stalled."""


@dataclass(frozen=True)
class ObservedSession:
    """One live session, plus what its activities say (when they were read)."""

    session: Session
    plan_pending: bool = False
    pending_plan_id: str | None = None
    last_activity: datetime | None = None
    activities_read: bool = False

    @property
    def name(self) -> str:
        return self.session.name

    @property
    def state(self) -> str:
        return self.session.state

    @property
    def last_seen_active(self) -> datetime | None:
        """Newest sign of life: the last activity, else the session's own update/create time."""
        return self.last_activity or self.session.update_time or self.session.create_time


@dataclass(frozen=True)
class Observed:
    """Sessions seen for one account.

    ``complete`` is True when the whole account was listed (archived too): only then can the planner
    search for marked sessions and count quota. Otherwise ``sessions`` holds just the bound ones it got.
    """

    sessions: dict[str, ObservedSession] = field(default_factory=dict)
    vanished: frozenset[str] = frozenset()
    complete: bool = False

    def marked(self, programme: str) -> dict[str, list[ObservedSession]]:
        """This programme's marked sessions per category, newest first."""
        found: dict[str, list[ObservedSession]] = {}
        for observed in self.sessions.values():
            parsed = parse_marker(observed.session.title)
            if parsed is not None and parsed[0] == programme:
                found.setdefault(parsed[1], []).append(observed)
        for sessions in found.values():
            sessions.sort(key=_newest_first_key)
        return found

    def running(self) -> int:
        return sum(1 for o in self.sessions.values() if o.state in RUNNING_STATES)

    def created_since(self, now: datetime, hours: int = 24) -> int:
        """Sessions created in the rolling window that the daily task quota counts."""
        since = now - timedelta(hours=hours)
        return sum(
            1 for o in self.sessions.values() if o.session.create_time and o.session.create_time > since
        )


def _newest_first_key(observed: ObservedSession) -> tuple[float, str]:
    created = observed.session.create_time
    return (-(created.timestamp() if created else 0.0), observed.name)


def observe_session(session: Session, activities: Sequence[Activity] | None) -> ObservedSession:
    """Combine a session with its activity log (None when the log was not read)."""
    if activities is None:
        return ObservedSession(session=session)
    pending = pending_plan(activities)
    times = [a.create_time for a in activities if a.create_time is not None]
    return ObservedSession(
        session=session,
        plan_pending=pending is not None,
        pending_plan_id=pending,
        last_activity=max(times) if times else None,
        activities_read=True,
    )


def pending_plan(activities: Iterable[Activity]) -> str | None:
    """Id of the newest generated agent plan when no approval came after it, else None."""
    ordered = sorted(enumerate(activities), key=lambda pair: (_ts(pair[1]), pair[0]))
    pending: str | None = None
    for _, activity in ordered:
        if activity.plan_generated is not None:
            pending = activity.plan_generated.plan.id or activity.id
        elif activity.plan_approved is not None:
            pending = None
    return pending


def _ts(activity: Activity) -> float:
    return activity.create_time.timestamp() if activity.create_time else 0.0
