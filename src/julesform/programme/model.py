"""The programme file as pydantic models: the shape users write, and nothing else.

Shape only. Rules that need the whole file (unique ids, dependency graph, prompt files) live in
``julesform.programme.rules`` so each problem can point at its own line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_CATEGORIES = 1_000
"""A programme is a fleet, not a backlog: at 300 tasks a day (Ultra) 1000 categories is three days' quota."""
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

    automation_mode: AutomationMode = Field(
        "none", description="auto_create_pr: the session opens a pull request when done; none: it does not."
    )
    require_plan_approval: bool = Field(
        False, description="The session waits for its agent plan to be approved before it starts work."
    )
    approval: Approval = Field(
        "auto", description="Who approves a waiting agent plan: auto (julesform apply) or manual (a human)."
    )
    on_change: OnChange = Field(
        "report",
        description="When the prompt/title/branch changes after creation: report it, replace the session "
        "(a new task), or message the change to the live session.",
    )
    on_failure: OnFailure = Field(
        "report", description="When the session fails: report it, or recreate it (a new task)."
    )
    max_attempts: Annotated[int, Field(ge=1, le=20)] = Field(
        3, description="Sessions a category may spend in total (first + replacements/recreations)."
    )
    stall_minutes: Annotated[int, Field(ge=1, le=10_080)] = Field(
        30, description="Minutes without activity after which a running session is reported as stalled."
    )


class Quota(_Strict):
    """The account's task quota: a Jules plan tier, or explicit numbers (which win over the tier)."""

    tier: Tier | None = Field(
        None, description="Jules plan: free (15 tasks a day, 3 at once), pro (100, 15) or ultra (300, 60)."
    )
    daily: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="Tasks per rolling 24 hours; overrides the tier's."
    )
    concurrent: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        None, description="Tasks running at once; overrides the tier's."
    )

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

    id: Slug = Field(description="Stable identifier (a slug); it names the session marker, so keep it.")
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Session title (one line); julesform appends its marker."
    )
    prompt: Annotated[str, StringConstraints(max_length=MAX_PROMPT_CHARS)] | None = Field(
        None, description="The instructions sent to Jules. Give this or prompt_file."
    )
    prompt_file: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = Field(
        None, description="File holding the prompt, relative to the programme file, inside the repository."
    )
    tests: Annotated[int, Field(ge=0, le=100_000)] = Field(
        0, description="Number of tests the work is expected to add (checked by verify)."
    )
    hours: Annotated[float, Field(ge=0, le=100_000)] = Field(0, description="Estimated effort in hours.")
    priority: Priority = Field("P2", description="P0 (blocking) to P3.")
    phase: Annotated[int, Field(ge=1, le=1000)] = Field(
        1,
        description="Phase (e.g. week) of the work; dependencies must be in the same or an earlier phase.",
    )
    depends_on: list[Slug] = Field(
        default_factory=list, description="Ids of categories that must be done before this one starts."
    )
    deliverables: list[Annotated[str, StringConstraints(min_length=1, max_length=1024)]] = Field(
        default_factory=list, description="Repository paths the work must create or change."
    )
    # Overrides of ``Defaults``; None means "inherit".
    automation_mode: AutomationMode | None = Field(None, description="Overrides defaults.automation_mode.")
    require_plan_approval: bool | None = Field(None, description="Overrides defaults.require_plan_approval.")
    approval: Approval | None = Field(None, description="Overrides defaults.approval.")
    on_change: OnChange | None = Field(None, description="Overrides defaults.on_change.")
    on_failure: OnFailure | None = Field(None, description="Overrides defaults.on_failure.")
    max_attempts: Annotated[int, Field(ge=1, le=20)] | None = Field(
        None, description="Overrides defaults.max_attempts."
    )
    stall_minutes: Annotated[int, Field(ge=1, le=10_080)] | None = Field(
        None, description="Overrides defaults.stall_minutes."
    )

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

    version: Literal[1] = Field(description="Format version of the programme file; always 1.")
    name: Slug = Field(description="Programme name (a slug); it is part of every session marker.")
    source: SourceName = Field(description="Jules source of the repository: sources/github/OWNER/REPO.")
    branch: Branch = Field("main", description="Branch every session starts from.")
    defaults: Defaults = Field(default_factory=Defaults, description="Settings for every category.")
    quota: Quota = Field(
        default_factory=lambda: Quota(tier="free"),
        description="The account's task quota (default: free tier).",
    )
    categories: Annotated[list[Category], Field(min_length=1, max_length=MAX_CATEGORIES)] = Field(
        description="The work, one session per category."
    )

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)
