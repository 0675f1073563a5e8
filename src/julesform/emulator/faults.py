"""Trouble on demand: latency, 429 bursts, 5xx, dropped creates, task quotas, and shares of sessions
that fail, stall, pause or ask for feedback. Every random choice comes from the emulator's seed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

# Task quotas per Google account (jules-api.md §4): (daily tasks per rolling 24 h, concurrent tasks).
PLAN_QUOTAS: dict[str, tuple[int, int]] = {"free": (15, 3), "pro": (100, 15), "ultra": (300, 60)}
QUOTA_ERRORS = ("RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "QUEUED")
SHARES = ("fail_share", "stall_share", "pause_share", "feedback_share", "pending_plan_share", "revive_share")


@dataclass
class Faults:
    # Real seconds slept before answering each API request.
    latency: float = 0.0
    # The next N API requests are answered 429 RESOURCE_EXHAUSTED, with Retry-After when set.
    rate_limit_burst: int = 0
    retry_after: float | None = 1.0
    # 5xx on chosen HTTP methods: the next N matching requests, and/or a seeded share of them.
    error_status: int = 503
    error_next: int = 0
    error_rate: float = 0.0
    error_methods: list[str] = field(default_factory=lambda: ["GET", "POST", "DELETE"])
    # The next N creates commit the session, then the connection is dropped without a response.
    drop_next_creates: int = 0
    # Task quotas (None = unlimited) and what a create gets when one is spent: 429 RESOURCE_EXHAUSTED,
    # 400 FAILED_PRECONDITION, or QUEUED (concurrent quota only: accepted, but sits in QUEUED until a
    # slot frees; the daily quota then answers 429).
    daily_quota: int | None = None
    concurrent_quota: int | None = None
    quota_error: str = "RESOURCE_EXHAUSTED"
    # Sources (sources/github/OWNER/REPO) the account sees but may not use: a create on one gets 403.
    forbidden_sources: list[str] = field(default_factory=list)
    # activities.list answers 404 for this many emulated seconds after a create (eventual consistency).
    fresh_activities_404: float = 0.0
    # Shares (0..1) of new sessions that fail, stall in IN_PROGRESS, go PAUSED, ask for feedback,
    # report COMPLETED while their plan still waits, or wake up again after COMPLETED.
    fail_share: float = 0.0
    stall_share: float = 0.0
    pause_share: float = 0.0
    feedback_share: float = 0.0
    pending_plan_share: float = 0.0
    revive_share: float = 0.0

    def update(self, changes: dict[str, Any]) -> None:
        """Apply settings by name (admin endpoint, CLI flags); unknown names and bad values raise and
        leave every setting as it was."""
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise ValueError(f"unknown fault setting {name!r}")
        trial = replace(self, **changes)
        trial.check()
        for name in known:
            setattr(self, name, getattr(trial, name))

    def set_plan(self, plan: str) -> None:
        """Use the daily and concurrent task quotas of a Jules plan (free, pro, ultra)."""
        if plan not in PLAN_QUOTAS:
            raise ValueError(f"unknown plan {plan!r} (choose from {', '.join(PLAN_QUOTAS)})")
        self.daily_quota, self.concurrent_quota = PLAN_QUOTAS[plan]

    def check(self) -> None:
        for name in (*SHARES, "error_rate"):
            share = getattr(self, name)
            if not isinstance(share, int | float) or not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.quota_error not in QUOTA_ERRORS:
            raise ValueError(f"quota_error must be one of {', '.join(QUOTA_ERRORS)}")
        if not 500 <= int(self.error_status) <= 599:
            raise ValueError("error_status must be a 5xx code")
        self.error_methods = [m.upper() for m in self.error_methods]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
