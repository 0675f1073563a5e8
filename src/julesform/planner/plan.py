"""julesform's own plan: what apply would do per category, and why. Serialisable for ``plan --out``.

(Not to be confused with an *agent plan*, the plan a Jules session proposes and waits to have approved.)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from julesform.planner.spec import SessionSpec

FORMAT_VERSION = 1

Action = Literal["create", "approve", "import", "replace", "message", "recreate", "forget"]
"""Kinds of change. A change lists the API-level steps, e.g. replace = ["forget", "create"]."""

AttentionKind = Literal[
    "awaiting_feedback",
    "paused",
    "stalled",
    "manual_approval",
    "no_pull_request",
    "vanished",
    "outdated",
    "failed",
    "duplicate",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Model):
    """One category whose apply would write something (or adopt a session)."""

    category: str
    action: Action
    actions: list[str]
    reason: str
    session: str | None = None
    """The session acted on (approve, message, import, forget) or superseded (replace, recreate)."""
    spec: SessionSpec | None = None
    """What a create sends (create, replace, recreate)."""
    message: str | None = None
    """What a message action sends."""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    prompt_diff: str | None = None
    attempt: int | None = None
    """Attempt number the new session gets (create, replace, recreate) or the adopted one has (import)."""
    spec_hash: str | None = None
    """Spec hash to record in the binding (create, replace, recreate, import, message)."""


class Deferred(_Model):
    category: str
    reason: str
    waiting_on: list[str] = Field(default_factory=list)


class Attention(_Model):
    """Something a human should look at; never an action."""

    category: str
    kind: AttentionKind
    message: str
    session: str | None = None
    prompt_diff: str | None = None


class QuotaView(_Model):
    daily_limit: int
    daily_used: int
    concurrent_limit: int
    running: int
    creates_planned: int
    planned_elsewhere: int = 0
    """Creates already planned by other programmes on the same account (one quota)."""

    @property
    def daily_left(self) -> int:
        return max(self.daily_limit - self.daily_used - self.planned_elsewhere, 0)


class Plan(_Model):
    format_version: int = FORMAT_VERSION
    plan_id: str
    programme: str
    programme_path: str
    programme_hash: str
    endpoint: str
    lineage: str | None
    serial: int
    targets: list[str] = Field(default_factory=list)
    """Non-empty when ``--target`` limited the plan (a partial plan)."""
    changes: list[Change] = Field(default_factory=list)
    deferred: list[Deferred] = Field(default_factory=list)
    attention: list[Attention] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    quota: QuotaView | None = None
    categories: list[str] = Field(default_factory=list)
    """Every category this plan considered, in programme file order (removed ones last)."""
    status: dict[str, str] = Field(default_factory=dict)
    """Category -> its session and state as observed ("sessions/123 IN_PROGRESS"), where known."""

    @model_validator(mode="before")
    @classmethod
    def _drop_summary(cls, data: Any) -> Any:
        """The JSON document carries ``summary`` (derived); accept it back when a saved plan is read."""
        if isinstance(data, dict) and "summary" in data:
            data = {key: value for key, value in data.items() if key != "summary"}
        return data

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        counts = {kind: 0 for kind in Action.__args__}  # type: ignore[attr-defined]
        for change in self.changes:
            counts[change.action] += 1
        counts["defer"] = len(self.deferred)
        return counts
