"""Everything the emulator remembers, as plain dataclasses that round-trip through JSON.

Activities and future events are stored in wire-ready pieces (payload dicts already in proto3 JSON
form) so serving them is a matter of assembling, and the embedded mode can persist the lot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

JsonDict = dict[str, Any]

# States in which a session holds one of the account's concurrent task slots.
RUNNING_STATES = frozenset(
    {"QUEUED", "PLANNING", "AWAITING_PLAN_APPROVAL", "AWAITING_USER_FEEDBACK", "IN_PROGRESS"}
)


@dataclass
class Behaviour:
    """How a session will play out, decided at create (from the fault shares) or forced by a test.

    ``outcome``: complete | fail | stall (stays IN_PROGRESS) | pause (goes PAUSED mid-work).
    ``complete_with_pending_plan``: with plan approval required, report COMPLETED while the plan waits.
    ``revive``: after COMPLETED, wake up again with more progress and complete a second time.
    """

    outcome: str = "complete"
    ask_feedback: bool = False
    complete_with_pending_plan: bool = False
    revive: bool = False
    patch: str | None = None
    """A unified diff the final change set carries instead of one derived from the prompt (tests)."""
    patch_in_outputs: bool = True
    """False: the change set is only in the ``sessionCompleted`` activity, not in ``outputs``."""


@dataclass
class Activity:
    id: str
    create_us: int
    originator: str
    kind: str
    payload: JsonDict
    artifacts: list[JsonDict] = field(default_factory=list)
    description: str = ""


@dataclass
class Event:
    """A change scheduled on the emulator clock: ``state``, ``activity``, ``outputs`` or ``block``."""

    at_us: int
    action: str
    data: JsonDict


@dataclass
class Session:
    id: str
    prompt: str
    title: str
    source_context: JsonDict | None
    require_plan_approval: bool
    automation_mode: str
    create_us: int
    update_us: int
    state: str = "QUEUED"
    archived: bool = False
    outputs: list[JsonDict] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    script: list[Event] = field(default_factory=list)
    behaviour: Behaviour = field(default_factory=Behaviour)
    # What the session waits for: {"on": "plan"|"feedback"|"stall"|"pause"|"done", ...} or None.
    blocked: JsonDict | None = None
    blocked_us: int = 0
    activity_seq: int = 0
    pace: float = 1.0
    """How many times faster than a real agent this session works (demo emulators speed it up)."""

    @property
    def source(self) -> str:
        return str((self.source_context or {}).get("source", ""))

    @property
    def starting_branch(self) -> str:
        context = (self.source_context or {}).get("githubRepoContext") or {}
        return str(context.get("startingBranch", ""))

    @staticmethod
    def from_dict(data: JsonDict) -> Session:
        data = dict(data)
        data["activities"] = [Activity(**a) for a in data.get("activities", [])]
        data["script"] = [Event(**e) for e in data.get("script", [])]
        data["behaviour"] = Behaviour(**data.get("behaviour", {}))
        return Session(**data)


@dataclass
class Source:
    owner: str
    repo: str
    is_private: bool = False
    default_branch: str = "main"
    branches: list[str] = field(default_factory=lambda: ["main"])

    @property
    def name(self) -> str:
        return f"sources/github/{self.owner}/{self.repo}"


@dataclass
class EmulatorState:
    sessions: dict[str, Session] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    # Emulated instants of every accepted create: the rolling 24 h daily-task counter.
    create_log_us: list[int] = field(default_factory=list)
    # How many sessions were ever created: feeds the seeded id/behaviour generators.
    created_count: int = 0
    # Bumped on every change so the embedded mode knows when to save.
    version: int = 0

    def to_dict(self) -> JsonDict:
        return asdict(self)

    @staticmethod
    def from_dict(data: JsonDict) -> EmulatorState:
        return EmulatorState(
            sessions={k: Session.from_dict(v) for k, v in data.get("sessions", {}).items()},
            sources={k: Source(**v) for k, v in data.get("sources", {}).items()},
            create_log_us=list(data.get("create_log_us", [])),
            created_count=int(data.get("created_count", 0)),
            version=int(data.get("version", 0)),
        )
