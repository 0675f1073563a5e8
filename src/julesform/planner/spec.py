"""What julesform sends to create a session, the marker that finds it again, and the spec hash.

The marker sits in the session title (the only free-text field echoed back) and names the
programme and the category, so a session whose create response was lost can be found and adopted,
and sessions of other programmes are never touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

WireAutomationMode = Literal["AUTO_CREATE_PR", "AUTOMATION_MODE_UNSPECIFIED"]

_MARKER_RE = re.compile(r"\[jf:(?P<programme>[a-z0-9-]+)/(?P<category>[a-z0-9-]+)\]\s*$")


def marker(programme: str, category: str) -> str:
    return f"[jf:{programme}/{category}]"


def marked_title(title: str, programme: str, category: str) -> str:
    """The session title julesform sends: the category title followed by its marker."""
    return f"{title} {marker(programme, category)}"


def parse_marker(title: str) -> tuple[str, str] | None:
    """(programme, category) named by a session title's marker, or None for unmarked sessions."""
    match = _MARKER_RE.search(title)
    return (match["programme"], match["category"]) if match else None


class SessionSpec(BaseModel):
    """Everything a create sends; its hash is recorded in the lockfile to detect drift."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str
    title: str
    source: str
    starting_branch: str
    require_plan_approval: bool
    automation_mode: WireAutomationMode

    def spec_hash(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def create_body(self) -> dict[str, object]:
        """The flat Session body of ``POST /v1alpha/sessions``."""
        return {
            "prompt": self.prompt,
            "title": self.title,
            "sourceContext": {
                "source": self.source,
                "githubRepoContext": {"startingBranch": self.starting_branch},
            },
            "requirePlanApproval": self.require_plan_approval,
            "automationMode": self.automation_mode,
        }
