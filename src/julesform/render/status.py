"""``status`` output: an aligned text table, a JSON document, or a markdown table.

Attention items first (what to do), the table, then a count per state like the seed document's
"Session State Summary".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from julesform.overview.model import Overview, Row

STATUS_FORMAT_VERSION = 1
HEADERS = ("CATEGORY", "PHASE", "PRI", "STATE", "HEALTH", "SYNC", "PULL REQUEST", "AGE", "TESTS")


def age(created: datetime | None, now: datetime) -> str:
    """``45s``, ``12m``, ``3h05m``, ``2d04h``: how long ago the session was created."""
    if created is None:
        return "-"
    seconds = max(int((now - created).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h{minutes % 60:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"


def tests_cell(row: Row) -> str:
    """``delivered/expected`` once completed, ``-/expected`` before."""
    delivered = str(row.check.delivered_tests) if row.check.completed else "-"
    return f"{delivered}/{row.expected_tests}"


def _cells(row: Row, now: datetime) -> tuple[str, ...]:
    return (
        row.category,
        str(row.phase),
        row.priority,
        row.state or "-",
        row.health,
        row.sync,
        row.pull_request or "-",
        age(row.created, now),
        tests_cell(row),
    )


def state_summary(overview: Overview) -> str:
    counts = overview.state_counts()
    return "Sessions: " + ", ".join(f"{count} {state}" for state, count in counts.items())


def tests_summary(overview: Overview) -> str:
    total = overview.totals
    return f"Tests: {total.delivered} of {total.expected} delivered"


def render_status_text(overview: Overview) -> list[str]:
    lines = [f"Programme {overview.programme} ({overview.programme_path}) against {overview.endpoint}", ""]
    attention = overview.needs_attention()
    if attention:
        lines.append("Attention:")
        lines += [f"  ! {category}: {message}" for category, message in attention]
        lines.append("")
    table = [HEADERS, *(_cells(row, overview.now) for row in overview.rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(HEADERS))]
    for cells in table:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())
    lines += ["", state_summary(overview), tests_summary(overview)]
    return lines


def status_document(overview: Overview) -> dict[str, Any]:
    """The JSON form (``--format json``): stable keys, one object per category in programme order."""
    return {
        "format_version": STATUS_FORMAT_VERSION,
        "programme": overview.programme,
        "programme_path": overview.programme_path,
        "endpoint": overview.endpoint,
        "now": overview.now.isoformat().replace("+00:00", "Z"),
        "attention": [{"category": c, "message": m} for c, m in overview.needs_attention()],
        "categories": [_row_document(row) for row in overview.rows],
        "states": overview.state_counts(),
        "health": overview.health_counts(),
        "tests": {"expected": overview.totals.expected, "delivered": overview.totals.delivered},
    }


def _row_document(row: Row) -> dict[str, Any]:
    return {
        "category": row.category,
        "phase": row.phase,
        "priority": row.priority,
        "session": row.session,
        "url": row.url,
        "state": row.state,
        "health": row.health,
        "sync": row.sync,
        "pull_request": row.pull_request,
        "created": row.created.isoformat().replace("+00:00", "Z") if row.created else None,
        "tests_expected": row.expected_tests,
        "tests_delivered": row.check.delivered_tests if row.check.completed else None,
        "verdict": row.check.verdict,
    }


def render_status_json(overview: Overview) -> str:
    return json.dumps(status_document(overview), indent=2, sort_keys=True, ensure_ascii=False)


def md_cell(text: str) -> str:
    """Text safe inside a markdown table cell (pipes escaped, one line)."""
    return text.replace("|", "\\|").replace("\n", " ")


def session_link(row: Row) -> str:
    if row.session is None:
        return "-"
    label = f"`{row.session}`"
    return f"[{label}]({row.url})" if row.url else label


def pull_request_link(row: Row) -> str:
    if row.pull_request is None:
        return "-"
    number = row.pull_request.rstrip("/").rsplit("/", 1)[-1]
    return f"[#{number}]({row.pull_request})" if number.isdigit() else f"<{row.pull_request}>"


def render_status_markdown(overview: Overview) -> list[str]:
    lines = [f"### julesform status: `{overview.programme}`", ""]
    attention = overview.needs_attention()
    if attention:
        lines += ["**Attention**", ""]
        lines += [f"- `{category}`: {md_cell(message)}" for category, message in attention]
        lines.append("")
    lines += [
        "| category | phase | priority | session | state | health | sync | pull request | age | tests |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in overview.rows:
        cells = (
            f"`{row.category}`",
            str(row.phase),
            row.priority,
            session_link(row),
            row.state or "-",
            row.health,
            row.sync,
            pull_request_link(row),
            age(row.created, overview.now),
            tests_cell(row),
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", state_summary(overview) + ". " + tests_summary(overview) + "."]
    return lines
