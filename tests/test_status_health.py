"""The health and sync rules of ``status`` (pure, table-tested), the age column and the live terminal view."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console as RichConsole

from julesform.api.models import Session
from julesform.commands import status as status_command
from julesform.console import Console
from julesform.context import AppContext
from julesform.overview.model import health_of, sync_of
from julesform.planner.plan import Change
from julesform.render.status import age
from julesform.verify.measure import CategoryCheck, check_category

AUTH_TESTS = (
    "diff --git a/tests/test_a.py b/tests/test_a.py\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/tests/test_a.py\n@@ -0,0 +1 @@\n+def test_a(): pass\n"
)


def check(state: str | None, patch: str | None = AUTH_TESTS, expected: int = 1) -> CategoryCheck:
    if state is None:
        return check_category("c", expected_tests=expected, deliverables=[], session=None)
    outputs = [{"changeSet": {"gitPatch": {"unidiffPatch": patch}}}] if patch is not None else []
    session = Session.model_validate({"name": "sessions/1", "state": state, "outputs": outputs})
    return check_category("c", expected_tests=expected, deliverables=[], session=session)


APPROVE = Change(category="c", action="approve", actions=["approve"], reason="an agent plan waits")


@pytest.mark.parametrize(
    ("state", "attention", "change", "delivered", "health"),
    [
        (None, set(), None, check(None), "missing"),
        (None, {"vanished"}, None, check(None), "missing"),
        ("QUEUED", set(), None, check("QUEUED"), "progressing"),
        ("PLANNING", set(), None, check("PLANNING"), "progressing"),
        ("IN_PROGRESS", set(), None, check("IN_PROGRESS"), "progressing"),
        ("IN_PROGRESS", {"stalled"}, None, check("IN_PROGRESS"), "degraded"),
        ("AWAITING_PLAN_APPROVAL", set(), APPROVE, check("AWAITING_PLAN_APPROVAL"), "needs you"),
        ("AWAITING_PLAN_APPROVAL", {"manual_approval"}, None, check("AWAITING_PLAN_APPROVAL"), "needs you"),
        ("AWAITING_USER_FEEDBACK", {"awaiting_feedback"}, None, check("AWAITING_USER_FEEDBACK"), "needs you"),
        ("PAUSED", {"paused"}, None, check("PAUSED"), "degraded"),
        ("FAILED", {"failed"}, None, check("FAILED"), "needs you"),
        ("IN_PROGRESS", {"duplicate"}, None, check("IN_PROGRESS"), "needs you"),
        ("COMPLETED", set(), None, check("COMPLETED"), "healthy"),
        ("COMPLETED", {"no_pull_request"}, None, check("COMPLETED"), "degraded"),
        ("COMPLETED", set(), None, check("COMPLETED", expected=2), "degraded"),
        ("COMPLETED", set(), None, check("COMPLETED", patch=None), "degraded"),
        ("COMPLETED", {"manual_approval"}, None, check("COMPLETED"), "needs you"),  # state lies: plan waits
        ("COMPLETED", {"outdated"}, None, check("COMPLETED"), "healthy"),  # drift is the sync column's
    ],
)
def test_health(
    state: str | None, attention: set[str], change: Change | None, delivered: CategoryCheck, health: str
) -> None:
    assert health_of(state, attention, change, delivered) == health


@pytest.mark.parametrize(
    ("bound", "messaged", "wanted", "sync"),
    [
        (None, None, "h1", "unbound"),
        ("h1", None, "h1", "in sync"),
        ("h1", None, "h2", "outdated"),
        ("h1", "h2", "h2", "in sync"),  # the session was told about the change
        ("h1", "h2", "h3", "outdated"),
    ],
)
def test_sync(bound: str | None, messaged: str | None, wanted: str, sync: str) -> None:
    assert sync_of(bound, messaged, wanted) == sync


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (None, "-"),
        (timedelta(seconds=0), "0s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=12, seconds=30), "12m"),
        (timedelta(hours=3, minutes=5), "3h05m"),
        (timedelta(days=2, hours=4, minutes=59), "2d04h"),
        (timedelta(seconds=-30), "0s"),  # a clock slightly behind the service's
    ],
)
def test_age(ago: timedelta | None, shown: str) -> None:
    assert age(None if ago is None else NOW - ago, NOW) == shown


def test_watch_on_a_terminal_refreshes_in_place(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = io.StringIO()
    console = Console()
    console.__dict__["rich_out"] = RichConsole(file=screen, force_terminal=True, width=60, color_system=None)
    app = AppContext(console=console)
    renders = iter([["first view"], ["second view"]])
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(status_command, "SLEEP", sleep)
    with pytest.raises(KeyboardInterrupt):
        status_command._watch(app, lambda: next(renders), 5.0)
    assert sleeps == [5.0, 5.0]
    shown = screen.getvalue()
    assert "first view" in shown and "second view" in shown
    assert "\x1b[" in shown  # cursor movement: redrawn in place, not appended
    assert capsys.readouterr().out == ""  # nothing appended to plain stdout
