"""The lockfile model: which session each category is bound to, and what was sent to make it.

Committed to git, so it is deterministic: sorted keys, stable order, trailing newline, and nothing
that changes unless a binding changes. ``lineage`` is minted once; ``serial`` grows on every write;
``endpoint`` ties it to one API (the emulator's sessions are never confused with real ones).
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from julesform.planner.spec import WireAutomationMode

LOCKFILE_VERSION: Literal[1] = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Binding(_Model):
    """A category's live session."""

    session: str = Field(pattern=r"^sessions/[^/]+$")
    spec_hash: str
    attempt: int = Field(default=1, ge=1)
    superseded: list[str] = Field(default_factory=list)
    """Earlier sessions of this category (replaced or recreated), oldest first."""
    bound_at: str
    """RFC 3339 UTC time the binding was made (create, import or adopt)."""
    require_plan_approval: bool
    automation_mode: WireAutomationMode
    """Input-only fields: the API does not echo them back, so keep what was sent."""
    messaged_spec_hash: str | None = None
    """Set when a ``message`` action told the session about this spec change (sent once)."""


class PendingCreate(_Model):
    """Write-ahead intent recorded before a create, so a crash or lost response is recoverable."""

    title: str
    spec_hash: str
    started_at: str
    attempt: int = Field(default=1, ge=1)


class Lockfile(_Model):
    version: Literal[1] = LOCKFILE_VERSION
    lineage: str
    serial: int = Field(ge=0)
    endpoint: str
    programme: str
    bindings: dict[str, Binding] = Field(default_factory=dict)
    pending: dict[str, PendingCreate] = Field(default_factory=dict)

    @classmethod
    def new(cls, *, endpoint: str, programme: str) -> Lockfile:
        """An empty lockfile; it gets its lineage here, once, and serial 0 until first written."""
        return cls(lineage=str(uuid.uuid4()), serial=0, endpoint=endpoint, programme=programme)
