"""Symbols, summary and quota sentences shared by every plan renderer, so they never disagree."""

from __future__ import annotations

from julesform.planner.plan import Plan, QuotaView

SYMBOLS: dict[str, str] = {
    "create": "+",
    "approve": "~",
    "message": "~",
    "replace": "-/+",
    "recreate": "-/+",
    "import": "<=",
    "forget": "-",
    "defer": "…",
    "no-op": " ",
}

STYLES: dict[str, str] = {
    "create": "green",
    "approve": "yellow",
    "message": "yellow",
    "replace": "magenta",
    "recreate": "magenta",
    "import": "cyan",
    "forget": "bold red",
    "defer": "dim",
}

NO_CHANGES = "No changes. The programme matches the live sessions."
ALWAYS_COUNTED = ("create", "approve", "import", "replace", "forget")
COUNTED_WHEN_PRESENT = ("recreate", "message")


def summary_line(counts: dict[str, int]) -> str:
    """``Plan: 3 to create, …; 4 deferred.`` or the no-changes sentence."""
    changes = sum(n for kind, n in counts.items() if kind != "defer")
    deferred = counts.get("defer", 0)
    if changes == 0 and deferred == 0:
        return NO_CHANGES
    parts = [f"{counts.get(kind, 0)} to {kind}" for kind in ALWAYS_COUNTED]
    parts += [f"{counts[kind]} to {kind}" for kind in COUNTED_WHEN_PRESENT if counts.get(kind)]
    return f"Plan: {', '.join(parts)}; {deferred} deferred."


def combined_summary(plans: list[Plan]) -> dict[str, int]:
    total: dict[str, int] = {}
    for plan in plans:
        for kind, n in plan.summary().items():
            total[kind] = total.get(kind, 0) + n
    return total


def quota_line(quota: QuotaView | None) -> str:
    """``creates 6 of 85 daily tasks left; 4 + 6 of 15 running``."""
    if quota is None:
        return "quota not read: nothing to create, so the account was not listed"
    others = f" (+{quota.planned_elsewhere} by other programmes)" if quota.planned_elsewhere else ""
    daily_left = max(quota.daily_limit - quota.daily_used, 0)
    new = quota.creates_planned + quota.planned_elsewhere
    return (
        f"creates {quota.creates_planned}{others} of {daily_left} daily tasks left;"
        f" {quota.running} + {new} of {quota.concurrent_limit} running"
    )


def changed_lines(diff: str) -> list[str]:
    """A unified diff collapsed to its changed lines (no headers, hunks or context)."""
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def partial_note(plan: Plan) -> str | None:
    if not plan.targets:
        return None
    return (
        f"Partial plan: only {', '.join(plan.targets)} (--target); other categories were not considered."
    )
