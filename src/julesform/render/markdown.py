"""The plan as a pull-request comment: summary table, attention, a ``<details>`` block per category.

GitHub refuses comments over 65,536 characters, so blocks are added until the budget is spent and a
pointer to the JSON plan replaces the rest. The first line is a hidden marker so CI can find and
update its previous comment instead of adding a new one.
"""

from __future__ import annotations

import html
import re

from julesform.planner.plan import Plan
from julesform.render.words import SYMBOLS, changed_lines, partial_note, quota_line, summary_line

GITHUB_COMMENT_LIMIT = 65_536
_RESERVE = 600  # room for the truncation note


def comment_marker(programme: str) -> str:
    return f"<!-- julesform-plan: {programme} -->"


def render_markdown(plans: list[Plan], *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """One comment for every plan of the run, never longer than ``limit`` characters."""
    blocks: list[str] = []
    for plan in plans:
        blocks += _plan_blocks(plan)
    out: list[str] = []
    used = 0
    for index, block in enumerate(blocks):
        if used + len(block) + 1 > limit - _RESERVE:
            left = len(blocks) - index
            out.append(
                f"\n> **Truncated**: {left} more part(s) of this plan do not fit in one comment"
                f" ({limit:,} characters). Run `julesform plan --format json` for the whole plan."
            )
            break
        out.append(block)
        used += len(block) + 1
    return "\n".join(out).rstrip("\n") + "\n"


def _plan_blocks(plan: Plan) -> list[str]:
    blocks = [
        comment_marker(plan.programme),
        f"### julesform plan: `{plan.programme}`\n",
        f"**{summary_line(plan.summary())}**\n",
    ]
    note = partial_note(plan)
    if note:
        blocks.append(f"> {note}\n")
    rows: list[tuple[str, str, str]] = [(c.category, c.action, c.reason) for c in plan.changes]
    rows += [(d.category, "defer", d.reason) for d in plan.deferred]
    if rows:
        blocks.append("| | category | action | why |\n|---|---|---|---|")
        blocks += [
            f"| `{SYMBOLS[action]}` | `{cid}` | {action} | {_cell(reason)} |"
            for cid, action, reason in rows
        ]
        blocks.append("")
    if plan.attention:
        blocks.append("**Attention**\n")
        blocks += [
            f"- `{item.category}` ({item.kind}): {_inline(item.message)}" for item in plan.attention
        ]
        blocks.append("")
    for change in plan.changes:
        body = [
            f"<details><summary><code>{html.escape(SYMBOLS[change.action])} {change.category}</code>"
            f" {change.action}</summary>\n",
            _inline(change.reason) + "\n",
        ]
        if change.session:
            body.append(f"Session: `{change.session}`\n")
        if change.prompt_diff:
            body.append(_fenced("\n".join(changed_lines(change.prompt_diff)), "diff"))
        body.append("</details>\n")
        blocks.append("\n".join(body))
    for item in plan.attention:
        if item.prompt_diff:
            blocks.append(
                f"<details><summary><code>{item.category}</code> outdated (prompt diff)</summary>\n\n"
                + _fenced("\n".join(changed_lines(item.prompt_diff)), "diff")
                + "</details>\n"
            )
    blocks.append(f"Quota: {quota_line(plan.quota)}\n")
    return blocks


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


def _inline(text: str) -> str:
    """User text on one line, with HTML neutralised so a prompt cannot inject markup."""
    return html.escape(" ".join(text.split()), quote=False)


def _fenced(text: str, language: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}\n"
