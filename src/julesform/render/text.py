"""The plan for a terminal: one line per category, then attention items, quota and a summary."""

from __future__ import annotations

from dataclasses import dataclass

from julesform.planner.plan import Plan
from julesform.render.words import (
    STYLES,
    SYMBOLS,
    changed_lines,
    partial_note,
    quota_line,
    summary_line,
)


@dataclass(frozen=True)
class Line:
    """One output line and the style it gets on a colour terminal (None: plain)."""

    text: str = ""
    style: str | None = None


def render_text(plan: Plan) -> list[Line]:
    changes = {c.category: c for c in plan.changes}
    deferred = {d.category: d for d in plan.deferred}
    width = max((len(cid) for cid in plan.categories), default=0)
    lines = [Line(f"Programme {plan.programme} ({plan.programme_path}) against {plan.endpoint}")]
    note = partial_note(plan)
    if note:
        lines.append(Line(note, "yellow"))
    lines.append(Line())
    for cid in plan.categories:
        if cid in changes:
            change = changes[cid]
            lines.append(_row(change.action, cid, width, f"{change.action}: {change.reason}"))
            if change.prompt_diff:
                lines += [_diff_line(text) for text in changed_lines(change.prompt_diff)]
        elif cid in deferred:
            lines.append(_row("defer", cid, width, f"defer: {deferred[cid].reason}"))
        else:
            lines.append(_row("no-op", cid, width, "no change"))
    if plan.attention:
        lines += [Line(), Line("Attention:", "bold")]
        for item in plan.attention:
            lines.append(Line(f"  ! {item.category}: {item.message} [{item.kind}]", "yellow"))
            if item.prompt_diff:
                lines += [_diff_line(text) for text in changed_lines(item.prompt_diff)]
    lines += [Line(), Line(f"Quota: {quota_line(plan.quota)}")]
    lines.append(Line(summary_line(plan.summary()), "bold"))
    return lines


def _row(kind: str, cid: str, width: int, text: str) -> Line:
    return Line(f"  {SYMBOLS[kind]:<3} {cid:<{width}}  {text}", STYLES.get(kind))


def _diff_line(text: str) -> Line:
    return Line(f"        {text}", "red" if text.startswith("-") else "green")
