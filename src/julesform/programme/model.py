"""The programme file as pydantic models: the shape users write, and nothing else.

Shape only. Rules that need the whole file (unique ids, dependency graph, prompt files) live in
``julesform.programme.rules`` so each problem can point at its own line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_CATEGORIES = 10_000
MAX_PROMPT_CHARS = 100_000

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
SourceName = Annotated[str, StringConstraints(pattern=r"^sources/github/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
Branch = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\s~^:?*\[\\]+$")]
Priority = Literal["P0", "P1", "P2", "P3"]
AutomationMode = Literal["auto_create_pr", "none"]
Approval = Literal["auto", "manual"]
OnChange = Literal["report", "replace", "message"]
OnFailure = Literal["report", "recreate"]
Tier = Literal["free", "pro", "ultra"]

TIER_LIMITS: dict[str, tuple[int, int]] = {"free": (15, 3), "pro": (100, 15), "ultra": (300, 60)}
"""Tasks per rolling 24 hours and tasks at once, per Jules plan (jules-api.md §4)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Strict):
    """Per-category settings; every one can be overridden on a category.

    The defaults never spend quota by surprise: a changed or failed session is reported, not replaced.
    """

    automation_mode: AutomationMode = "none"
    require_plan_approval: bool = False
    approval: Approval = "auto"
    on_change: OnChange = "report"
    on_failure: OnFailure = "report"
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 3
    stall_minutes: Annotated[int, Field(ge=1, le=10_080)] = 30


class Quota(_Strict):
    """The account's task quota: a Jules plan tier, or explicit numbers (which win over the tier)."""

    tier: Tier | None = None
    daily: Annotated[int, Field(ge=1, le=100_000)] | None = None
    concurrent: Annotated[int, Field(ge=1, le=10_000)] | None = None

    @model_validator(mode="after")
    def _tier_or_numbers(self) -> Quota:
        if self.tier is None and (self.daily is None or self.concurrent is None):
            raise ValueError("give a tier (free, pro, ultra) or both daily and concurrent")
        return self

    @property
    def limits(self) -> tuple[int, int]:
        """(daily, concurrent) in force."""
        tier_daily, tier_concurrent = TIER_LIMITS[self.tier] if self.tier else (0, 0)
        return (self.daily or tier_daily, self.concurrent or tier_concurrent)


class Category(_Strict):
    """One unit of declared work: one live Jules session at a time."""

    id: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    prompt: Annotated[str, StringConstraints(max_length=MAX_PROMPT_CHARS)] | None = None
    prompt_file: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    tests: Annotated[int, Field(ge=0, le=100_000)] = 0
    hours: Annotated[float, Field(ge=0, le=100_000)] = 0
    priority: Priority = "P2"
    phase: Annotated[int, Field(ge=1, le=1000)] = 1
    depends_on: list[Slug] = Field(default_factory=list)
    deliverables: list[Annotated[str, StringConstraints(min_length=1, max_length=1024)]] = Field(
        default_factory=list
    )
    # Overrides of ``Defaults``; None means "inherit".
    automation_mode: AutomationMode | None = None
    require_plan_approval: bool | None = None
    approval: Approval | None = None
    on_change: OnChange | None = None
    on_failure: OnFailure | None = None
    max_attempts: Annotated[int, Field(ge=1, le=20)] | None = None
    stall_minutes: Annotated[int, Field(ge=1, le=10_080)] | None = None

    @model_validator(mode="after")
    def _one_prompt(self) -> Category:
        if (self.prompt is None) == (self.prompt_file is None):
            raise ValueError("give exactly one of prompt or prompt_file")
        return self

    def settings(self, defaults: Defaults) -> Defaults:
        """This category's effective settings: its overrides on top of the programme defaults."""
        overrides = {
            key: value
            for key in Defaults.model_fields
            if (value := getattr(self, key)) is not None
        }
        return defaults.model_copy(update=overrides) if overrides else defaults


class Programme(_Strict):
    """A programme file: categories of work against one repository and one account quota."""

    version: Literal[1]
    name: Slug
    source: SourceName
    branch: Branch = "main"
    defaults: Defaults = Field(default_factory=Defaults)
    quota: Quota = Field(default_factory=lambda: Quota(tier="free"))
    categories: Annotated[list[Category], Field(min_length=1, max_length=MAX_CATEGORIES)]

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)
