"""A programme at a glance: per-category rows with health and sync, derived from a plan and a delivery check.

Health (the first rule that applies wins; the README has the same table):

- missing: no live session: not created yet (waiting its turn, or to be created), or the bound one
  vanished.
- needs you: a person must act: an agent plan waits for approval (``apply`` approves it when approval
  is auto), the agent asked a question, the session FAILED, or two sessions carry the marker.
- degraded: it will not finish well on its own: stalled, PAUSED, COMPLETED without the pull request it
  should open, or COMPLETED short of its promise (see ``verify``).
- progressing: QUEUED, PLANNING or IN_PROGRESS, and not stalled.
- healthy: COMPLETED and delivered what it promised.

Sync: ``unbound`` (no session in the lockfile), ``outdated`` (the programme's spec changed since the
session was created, and the session was not told by a ``message``), ``in sync``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from julesform.api.models import SESSION_STATES
from julesform.planner.plan import Attention, Change, Deferred
from julesform.verify.measure import CategoryCheck, Totals

Health = Literal["missing", "needs you", "degraded", "progressing", "healthy"]
Sync = Literal["in sync", "outdated", "unbound"]
HEALTHS: tuple[Health, ...] = ("missing", "needs you", "degraded", "progressing", "healthy")
NOT_CREATED = "not created"

NEEDS_YOU_ATTENTION = frozenset({"awaiting_feedback", "manual_approval", "failed", "duplicate"})
DEGRADED_ATTENTION = frozenset({"stalled", "paused", "no_pull_request"})
PROGRESSING_STATES = frozenset({"STATE_UNSPECIFIED", "QUEUED", "PLANNING", "IN_PROGRESS"})


@dataclass(frozen=True)
class Row:
    """One category as it stands now."""

    category: str
    title: str
    phase: int
    priority: str
    hours: float
    depends_on: tuple[str, ...]
    session: str | None
    url: str | None
    state: str | None
    """The live session's state; None when there is no live session."""
    created: datetime | None
    pull_request: str | None
    sync: Sync
    check: CategoryCheck
    change: Change | None = None
    deferred: Deferred | None = None
    attention: tuple[Attention, ...] = ()
    question: str | None = None
    """The agent's latest message when the session waits for feedback (what it asks)."""

    @property
    def expected_tests(self) -> int:
        return self.check.expected_tests

    @property
    def health(self) -> Health:
        return health_of(self.state, {a.kind for a in self.attention}, self.change, self.check)


def health_of(state: str | None, attention: set[str], change: Change | None, check: CategoryCheck) -> Health:
    """The health rules of the module docstring, in order."""
    if state is None:
        return "missing"
    plan_waits = change is not None and change.action == "approve"
    if plan_waits or attention & NEEDS_YOU_ATTENTION or state in ("FAILED", "AWAITING_USER_FEEDBACK"):
        return "needs you"
    if attention & DEGRADED_ATTENTION or check.falls_short or state == "PAUSED":
        return "degraded"
    if state in PROGRESSING_STATES:
        return "progressing"
    if state == "AWAITING_PLAN_APPROVAL":
        return "needs you"  # a plan waits though none is pending in the log: a person should look
    return "healthy" if state == "COMPLETED" else "degraded"


def sync_of(bound_hash: str | None, messaged_hash: str | None, wanted_hash: str) -> Sync:
    if bound_hash is None:
        return "unbound"
    return "in sync" if wanted_hash in (bound_hash, messaged_hash) else "outdated"


@dataclass(frozen=True)
class Overview:
    """Everything ``status`` and ``report`` print about one programme."""

    programme: str
    programme_path: str
    endpoint: str
    now: datetime
    rows: list[Row]
    totals: Totals
    attention: list[Attention] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)

    def state_counts(self) -> dict[str, int]:
        """Sessions per state in the API's enum order, then categories with no live session."""
        counts = Counter(row.state or NOT_CREATED for row in self.rows)
        order = [*SESSION_STATES, *sorted(set(counts) - set(SESSION_STATES) - {NOT_CREATED}), NOT_CREATED]
        return {state: counts[state] for state in order if counts[state]}

    def health_counts(self) -> dict[str, int]:
        counts = Counter(row.health for row in self.rows)
        return {health: counts[health] for health in HEALTHS if counts[health]}

    def needs_attention(self) -> list[tuple[str, str]]:
        """(category, what to look at) in programme order: plan attention, waiting approvals, shortfalls."""
        items: list[tuple[str, str]] = []
        for row in self.rows:
            if row.change is not None and row.change.action == "approve":
                items.append((row.category, f"{row.change.reason}; run julesform apply"))
            items += [(row.category, a.message) for a in row.attention]
            if row.check.falls_short:
                shortfalls = ", ".join(row.check.shortfalls)
                items.append((row.category, f"completed but falls short: {shortfalls}"))
        shown = {row.category for row in self.rows}
        items += [(a.category, a.message) for a in self.attention if a.category not in shown]
        return items
