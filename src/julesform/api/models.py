"""Pydantic models of the Jules v1alpha wire format, read with proto3 JSON rules.

A missing field is its default, unknown fields are ignored (the API grows without a version bump),
ids stay strings (they exceed int64), and enum values stay plain strings so a new state does not
break parsing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


# --- sources -----------------------------------------------------------------------------------


class Branch(WireModel):
    display_name: str = ""


class GitHubRepo(WireModel):
    owner: str = ""
    repo: str = ""
    is_private: bool = False
    default_branch: Branch | None = None
    branches: list[Branch] = Field(default_factory=list)


class Source(WireModel):
    name: str = ""
    id: str = ""
    github_repo: GitHubRepo | None = None


# --- sessions ----------------------------------------------------------------------------------

SESSION_STATES = (
    "STATE_UNSPECIFIED",
    "QUEUED",
    "PLANNING",
    "AWAITING_PLAN_APPROVAL",
    "AWAITING_USER_FEEDBACK",
    "IN_PROGRESS",
    "PAUSED",
    "FAILED",
    "COMPLETED",
)
AUTOMATION_MODES = ("AUTOMATION_MODE_UNSPECIFIED", "AUTO_CREATE_PR")


class GitHubRepoContext(WireModel):
    starting_branch: str = ""


class SourceContext(WireModel):
    source: str = ""
    github_repo_context: GitHubRepoContext | None = None
    working_branch: str = ""
    environment_variables_enabled: bool = False


class GitPatch(WireModel):
    unidiff_patch: str = ""
    base_commit_id: str = ""
    suggested_commit_message: str = ""


class ChangeSet(WireModel):
    source: str = ""
    git_patch: GitPatch | None = None


class PullRequest(WireModel):
    url: str = ""
    title: str = ""
    description: str = ""
    base_ref: str = ""
    head_ref: str = ""


class SessionOutput(WireModel):
    pull_request: PullRequest | None = None
    change_set: ChangeSet | None = None


class Session(WireModel):
    name: str = ""
    id: str = ""
    prompt: str = ""
    title: str = ""
    source_context: SourceContext | None = None
    # Input-only on the real service: usually absent from responses.
    require_plan_approval: bool | None = None
    automation_mode: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    state: str = "STATE_UNSPECIFIED"
    url: str = ""
    outputs: list[SessionOutput] = Field(default_factory=list)
    archived: bool = False

    @property
    def pull_request(self) -> PullRequest | None:
        return next((o.pull_request for o in self.outputs if o.pull_request), None)

    @property
    def change_set(self) -> ChangeSet | None:
        return next((o.change_set for o in self.outputs if o.change_set), None)


# --- activities --------------------------------------------------------------------------------


class PlanStep(WireModel):
    id: str = ""
    title: str = ""
    description: str = ""
    index: int = 0


class Plan(WireModel):
    id: str = ""
    steps: list[PlanStep] = Field(default_factory=list)
    create_time: datetime | None = None


class PlanGenerated(WireModel):
    plan: Plan = Field(default_factory=Plan)


class PlanApproved(WireModel):
    plan_id: str = ""


class UserMessaged(WireModel):
    user_message: str = ""


class AgentMessaged(WireModel):
    agent_message: str = ""


class ProgressUpdated(WireModel):
    title: str = ""
    description: str = ""


class SessionCompleted(WireModel):
    pass


class SessionFailed(WireModel):
    reason: str = ""


class BashOutput(WireModel):
    command: str = ""
    output: str = ""
    exit_code: int = 0


class Media(WireModel):
    data: str = ""
    mime_type: str = ""


class Artifact(WireModel):
    change_set: ChangeSet | None = None
    bash_output: BashOutput | None = None
    media: Media | None = None


ACTIVITY_KINDS = (
    "planGenerated",
    "planApproved",
    "userMessaged",
    "agentMessaged",
    "progressUpdated",
    "sessionCompleted",
    "sessionFailed",
)


class Activity(WireModel):
    name: str = ""
    id: str = ""
    description: str = ""
    create_time: datetime | None = None
    originator: str = ""
    artifacts: list[Artifact] = Field(default_factory=list)
    plan_generated: PlanGenerated | None = None
    plan_approved: PlanApproved | None = None
    user_messaged: UserMessaged | None = None
    agent_messaged: AgentMessaged | None = None
    progress_updated: ProgressUpdated | None = None
    session_completed: SessionCompleted | None = None
    session_failed: SessionFailed | None = None

    @property
    def kind(self) -> str:
        """Which member of the activity union is present ("unknown" for kinds newer than us)."""
        for wire_name in ACTIVITY_KINDS:
            if getattr(self, _snake(wire_name)) is not None:
                return wire_name
        return "unknown"


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


# --- list responses and errors -----------------------------------------------------------------


class ListSessionsResponse(WireModel):
    sessions: list[Session] = Field(default_factory=list)
    next_page_token: str = ""


class ListActivitiesResponse(WireModel):
    activities: list[Activity] = Field(default_factory=list)
    next_page_token: str = ""


class ListSourcesResponse(WireModel):
    sources: list[Source] = Field(default_factory=list)
    next_page_token: str = ""


class Status(WireModel):
    """google.rpc.Status, the body of every error response."""

    code: int = 0
    message: str = ""
    status: str = ""
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorEnvelope(WireModel):
    error: Status
