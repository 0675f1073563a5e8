"""The lockfile model: which session each category is bound to, and what was sent to make it.

Committed to git, so it is deterministic: sorted keys, stable order, trailing newline, and nothing
that changes unless a binding changes. ``lineage`` is minted once; ``serial`` grows on every write;
``endpoint`` ties it to one API (the emulator's sessions are never confused with real ones).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from julesform.errors import JulesformError, first_problem
from julesform.planner.spec import WireAutomationMode

LOCKFILE_VERSION: Literal[1] = 1
SESSION_NAME = r"^sessions/[A-Za-z0-9_-][A-Za-z0-9_.~-]*$"
"""A session name as the API client accepts it (``api/names.py``): no ``..``, ``/``, ``?`` or ``#``
in the id, so a tampered lockfile is refused as such rather than failing later without its name."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Binding(_Model):
    """A category's live session."""

    session: str = Field(pattern=SESSION_NAME)
    spec_hash: str
    attempt: int = Field(default=1, ge=1)
    superseded: list[Annotated[str, Field(pattern=SESSION_NAME)]] = Field(default_factory=list)
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


class LockfileError(JulesformError):
    """The lockfile cannot be trusted (unreadable, corrupt, wrong version or endpoint); never overwrite it."""


def default_lockfile_path(programme_path: Path) -> Path:
    """``state/<programme-file-stem>.lock.json``, relative to where julesform runs."""
    return Path("state") / f"{programme_path.stem}.lock.json"


def read_lockfile(path: Path) -> Lockfile | None:
    """The lockfile at ``path``, or None when there is none yet ("nothing bound")."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"cannot read lockfile {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            f"lockfile {path} is not valid JSON (corrupt or truncated?) at line {exc.lineno}: {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
        raise LockfileError(f"lockfile {path} is not a lockfile: {_first_line(exc)}") from None
    if not isinstance(data, dict):
        raise LockfileError(f"lockfile {path} is not a JSON object")
    if data.get("version") != LOCKFILE_VERSION:
        raise LockfileError(
            f"lockfile {path} has version {data.get('version')!r};"
            f" this julesform reads version {LOCKFILE_VERSION}"
        )
    try:
        return Lockfile.model_validate(data)
    except ValidationError as exc:
        where, problem = first_problem(exc, "(top level)")
        raise LockfileError(f"lockfile {path} does not match its schema at {where}: {problem}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def dump_lockfile(lock: Lockfile) -> str:
    """Deterministic JSON (sorted keys, 2-space indent, trailing newline): diffs show real changes only."""
    return json.dumps(lock.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
