"""A category's promise (tests, deliverables) against what its session's final patch delivers.

A completed category falls short when its patch adds fewer test functions than promised (net of the
tests it removes), leaves a declared deliverable untouched (or deletes it), or adds or keeps skip
markers in its test files: a skipped test is not a delivered one. Categories whose session has not
completed are reported, never judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from julesform.api.models import Activity, Session
from julesform.verify.diff import FileStatus, parse_unified_diff
from julesform.verify.testfinder import FileTests, file_tests

DeliverableStatus = Literal["created", "changed", "deleted", "missing"]
Verdict = Literal["ok", "short", "no patch", "not completed", "no session"]
DELIVERED: frozenset[str] = frozenset({"created", "changed"})


@dataclass(frozen=True)
class Delivery:
    """What one patch delivers: the files it touches and the tests in them."""

    files: dict[str, FileStatus]
    tests: tuple[FileTests, ...]

    @property
    def tests_added(self) -> int:
        return sum(len(t.added) for t in self.tests)

    @property
    def tests_removed(self) -> int:
        return sum(len(t.removed) for t in self.tests)

    @property
    def net_tests(self) -> int:
        return self.tests_added - self.tests_removed

    @property
    def skips(self) -> int:
        """Skip markers added or left in the visible post-image of the patch's test files."""
        return sum(t.skips_added + t.skips_left for t in self.tests)

    @property
    def skips_removed(self) -> int:
        return sum(t.skips_removed for t in self.tests)


def measure_patch(patch: str) -> Delivery:
    diffs = parse_unified_diff(patch)
    found = (file_tests(d) for d in diffs)
    return Delivery(files={d.path: d.status for d in diffs}, tests=tuple(t for t in found if t is not None))


def final_patch(session: Session, activities: Sequence[Activity] | None) -> str | None:
    """The session's final patch: the change set in its outputs, else the last one in its activities."""
    change_set = session.change_set
    if change_set is not None and change_set.git_patch is not None:
        return change_set.git_patch.unidiff_patch
    for activity in reversed(list(activities or ())):
        for artifact in reversed(activity.artifacts):
            if artifact.change_set is not None and artifact.change_set.git_patch is not None:
                return artifact.change_set.git_patch.unidiff_patch
    return None


def deliverable_status(path: str, files: dict[str, FileStatus]) -> DeliverableStatus:
    """How a declared deliverable fares in a patch (a path ending in ``/`` is a directory)."""
    wanted = path.removeprefix("./")
    if wanted.endswith("/"):
        statuses = [status for name, status in files.items() if name.startswith(wanted)]
        live = [s for s in statuses if s in DELIVERED]
        if live:
            return "created" if all(s == "created" for s in live) else "changed"
        return "deleted" if statuses else "missing"
    return files.get(wanted, "missing")


@dataclass(frozen=True)
class CategoryCheck:
    """One category's verification (``delivery`` is None unless its session completed with a patch)."""

    category: str
    expected_tests: int
    deliverables: dict[str, DeliverableStatus]
    session: str | None
    state: str | None
    delivery: Delivery | None
    plan_pending: bool = False
    """The session says COMPLETED while its agent plan still waits: the work has not been done."""

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED" and not self.plan_pending

    @property
    def delivered_tests(self) -> int:
        return self.delivery.net_tests if self.delivery else 0

    @property
    def deliverables_met(self) -> int:
        return sum(1 for status in self.deliverables.values() if status in DELIVERED)

    @property
    def shortfalls(self) -> list[str]:
        """Why a completed category falls short, one phrase each (empty: it delivered)."""
        if not self.completed:
            return []
        if self.delivery is None:
            return ["no final patch"]
        found: list[str] = []
        if self.delivered_tests < self.expected_tests:
            found.append(f"{self.expected_tests - self.delivered_tests} tests short")
        for path, status in self.deliverables.items():
            if status not in DELIVERED:
                found.append(f"{path} {status}")
        if self.delivery.skips:
            skips = self.delivery.skips
            found.append(f"{skips} skip marker{'' if skips == 1 else 's'}")
        return found

    @property
    def verdict(self) -> Verdict:
        if self.session is None:
            return "no session"
        if not self.completed:
            return "not completed"
        if self.delivery is None:
            return "no patch"
        return "short" if self.shortfalls else "ok"

    @property
    def falls_short(self) -> bool:
        return self.verdict in ("short", "no patch")


def check_category(
    category: str,
    *,
    expected_tests: int,
    deliverables: Sequence[str],
    session: Session | None,
    activities: Sequence[Activity] | None = None,
    plan_pending: bool = False,
) -> CategoryCheck:
    """Verify one category; ``activities`` are needed only when the outputs carry no change set."""
    state = session.state if session else None
    done = session is not None and state == "COMPLETED" and not plan_pending
    patch = final_patch(session, activities) if session is not None and done else None
    delivery = measure_patch(patch) if patch is not None else None
    files = delivery.files if delivery else {}
    return CategoryCheck(
        category=category,
        expected_tests=expected_tests,
        deliverables={path: deliverable_status(path, files) for path in deliverables},
        session=session.name if session else None,
        state=state,
        delivery=delivery,
        plan_pending=plan_pending,
    )


@dataclass(frozen=True)
class Totals:
    expected: int
    delivered: int
    """Tests delivered, counting each category at most up to its promise (no one covers for another)."""
    short: int
    unfinished: int
    """Categories whose session has not completed (or has none yet)."""


def totals(checks: Sequence[CategoryCheck]) -> Totals:
    return Totals(
        expected=sum(c.expected_tests for c in checks),
        delivered=sum(min(max(c.delivered_tests, 0), c.expected_tests) for c in checks if c.completed),
        short=sum(1 for c in checks if c.falls_short),
        unfinished=sum(1 for c in checks if not c.completed),
    )
