"""``verify`` output: one aligned line per category and a total, or a JSON document."""

from __future__ import annotations

import json
from typing import Any

from julesform.verify.measure import CategoryCheck, Totals

VERIFY_FORMAT_VERSION = 1


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def verdict_text(check: CategoryCheck) -> str:
    if check.verdict == "short" or check.verdict == "no patch":
        return "short: " + ", ".join(check.shortfalls)
    if check.verdict == "not completed":
        waits = ", agent plan waiting" if check.plan_pending else ""
        return f"not completed ({check.state}{waits})"
    return check.verdict


def _cells(check: CategoryCheck) -> tuple[str, str, str, str]:
    measured = check.completed
    tests = f"{check.delivered_tests if measured else '-'}/{check.expected_tests} tests"
    if check.delivery is not None and check.delivery.tests_removed:
        tests += f" (+{check.delivery.tests_added} -{check.delivery.tests_removed})"
    met = check.deliverables_met if measured else "-"
    deliverables = f"{met}/{len(check.deliverables)} deliverables"
    return check.category, tests, deliverables, verdict_text(check)


def total_line(total: Totals) -> str:
    parts = []
    if total.short:
        parts.append(plural(total.short, "category", "categories") + " short")
    if total.unfinished:
        parts.append(f"{total.unfinished} not completed")
    tail = "; ".join(parts) if parts else "every category delivered"
    return f"Total: {total.delivered} of {total.expected} tests delivered; {tail}"


def render_verify_text(checks: list[CategoryCheck], total: Totals) -> list[str]:
    rows = [_cells(check) for check in checks]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)), row[3]])
        for row in rows
    ]
    return [*lines, "", total_line(total)]


def verify_document(programme: str, checks: list[CategoryCheck], total: Totals) -> dict[str, Any]:
    return {
        "format_version": VERIFY_FORMAT_VERSION,
        "programme": programme,
        "ok": total.short == 0,
        "categories": [_check_document(check) for check in checks],
        "total": {
            "expected": total.expected,
            "delivered": total.delivered,
            "short": total.short,
            "not_completed": total.unfinished,
        },
    }


def _check_document(check: CategoryCheck) -> dict[str, Any]:
    delivery = check.delivery
    return {
        "category": check.category,
        "session": check.session,
        "state": check.state,
        "verdict": check.verdict,
        "shortfalls": check.shortfalls,
        "tests_expected": check.expected_tests,
        "tests_added": delivery.tests_added if delivery else None,
        "tests_removed": delivery.tests_removed if delivery else None,
        "tests_delivered": check.delivered_tests if delivery else None,
        "skips": delivery.skips if delivery else None,
        "skips_removed": delivery.skips_removed if delivery else None,
        "deliverables": check.deliverables,
    }


def render_verify_json(programme: str, checks: list[CategoryCheck], total: Totals) -> str:
    return json.dumps(verify_document(programme, checks, total), indent=2, sort_keys=True, ensure_ascii=False)
