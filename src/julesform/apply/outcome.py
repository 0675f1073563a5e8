"""What happened to each change of an apply, and the one-line summary a user reads at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["done", "unneeded", "failed", "skipped"]
"""unneeded: the change had already happened (e.g. someone approved the agent plan meanwhile)."""

# Past tense of each action, in the order the summary lists them.
DONE_WORDS: dict[str, str] = {
    "create": "created",
    "replace": "replaced",
    "recreate": "recreated",
    "approve": "approved",
    "import": "imported",
    "message": "messaged",
    "forget": "forgotten",
}


@dataclass(frozen=True)
class Outcome:
    """The result of one change: done (with the session it touched), failed or skipped (with why)."""

    category: str
    action: str
    status: Status
    detail: str
    session: str | None = None


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)
    order: dict[str, int] = field(default_factory=dict)
    """Category -> position in the plan: the summary lists them in plan order, not finishing order."""

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "skipped"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    def summary(self, title: str = "Apply complete", extra: Sequence[str] = ()) -> str:
        """``Apply complete: 3 created, 2 approved; 1 failed (strict-auth: quota exhausted).``"""
        done = [o for o in self.outcomes if o.status == "done"]
        counts = [
            f"{sum(1 for o in done if o.action == action)} {word}"
            for action, word in DONE_WORDS.items()
            if any(o.action == action for o in done)
        ]
        counts.extend(extra)
        text = f"{title}: " + (", ".join(counts) if counts else "nothing changed")
        unneeded = [o for o in self.outcomes if o.status == "unneeded"]
        for label, group in (("already done", unneeded), ("failed", self.failed), ("skipped", self.skipped)):
            if group:
                ordered = sorted(group, key=lambda o: self.order.get(o.category, len(self.order)))
                reasons = "; ".join(f"{o.category}: {o.detail}" for o in ordered)
                text += f"; {len(group)} {label} ({reasons})"
        return text + "."
