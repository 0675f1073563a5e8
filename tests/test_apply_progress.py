"""Apply progress: plain lines for logs, a live display on a terminal; both on stderr."""

from __future__ import annotations

import io

import pytest
from rich.console import Console as RichConsole

from julesform.apply.outcome import Outcome
from julesform.apply.progress import LiveReporter, PlainReporter
from julesform.apply.session import reporter_for
from julesform.console import Console
from julesform.context import AppContext


def test_plain_reporter_prints_one_line_per_finished_action(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = PlainReporter(Console())
    reporter.start(3)
    reporter.begin("alpha", "create")
    reporter.finish(Outcome("alpha", "create", "done", "created sessions/1", "sessions/1"))
    reporter.finish(Outcome("beta", "approve", "failed", "the Jules service failed"))
    reporter.finish(Outcome("gamma", "create", "skipped", "depends on beta, which failed"))
    reporter.close()
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "alpha: created sessions/1",
        "beta: approve failed: the Jules service failed",
        "gamma: create skipped: depends on beta, which failed",
    ]


def test_live_reporter_keeps_the_finished_lines_on_a_terminal() -> None:
    console = Console()
    screen = io.StringIO()
    console.__dict__["rich_err"] = RichConsole(file=screen, force_terminal=True, width=100, no_color=True)
    reporter = LiveReporter(console)
    reporter.start(2)
    reporter.begin("alpha", "create")
    reporter.begin("beta", "approve")
    reporter.finish(Outcome("alpha", "create", "done", "created sessions/1", "sessions/1"))
    reporter.finish(Outcome("beta", "approve", "done", "approved the agent plan of sessions/2"))
    reporter.close()
    text = screen.getvalue()
    assert "alpha: created sessions/1" in text
    assert "beta: approved the agent plan of sessions/2" in text


def test_logs_and_pipes_get_plain_lines() -> None:
    assert isinstance(reporter_for(AppContext(console=Console())), PlainReporter)  # pytest captures stderr
