"""In which order a plan's changes may run: a change waits for the changes of the categories it depends on.

The planner already defers categories whose dependencies have not completed, so most plans are one
wave. Waves matter when an upstream category is itself changing (a replace, a message) in the same
plan: its dependents run after it, and are skipped if it fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from julesform.planner.plan import Change


def upstream_in_plan(category: str, depends_on: Mapping[str, Sequence[str]], in_plan: set[str]) -> set[str]:
    """Categories in the plan that ``category`` depends on, directly or through others."""
    found: set[str] = set()
    stack = list(depends_on.get(category, ()))
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in in_plan:
            found.add(current)
        stack.extend(depends_on.get(current, ()))
    return found


def waves(changes: Sequence[Change], depends_on: Mapping[str, Sequence[str]]) -> list[list[Change]]:
    """Group changes so each wave only depends on earlier waves; plan order is kept within a wave."""
    in_plan = {change.category for change in changes}
    upstream = {c.category: upstream_in_plan(c.category, depends_on, in_plan) for c in changes}
    level: dict[str, int] = {}

    def level_of(category: str, path: frozenset[str]) -> int:
        if category not in level:
            parents = upstream[category] - path  # a cycle (rejected by validate) cannot recurse forever
            level[category] = 1 + max((level_of(p, path | {category}) for p in parents), default=-1)
        return level[category]

    grouped: dict[int, list[Change]] = {}
    for change in changes:
        grouped.setdefault(level_of(change.category, frozenset()), []).append(change)
    return [grouped[key] for key in sorted(grouped)]
