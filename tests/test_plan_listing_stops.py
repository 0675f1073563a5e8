"""``plan`` with every category bound lists the account only until it has seen all bound sessions
(newest first), so an account's old history costs nothing; a session it cannot find makes it read on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from julesform.api.models import Activity, Session
from julesform.pipeline import AccountObserver
from julesform.state.lockfile import Binding
from test_plan_cli import PROGRAMME, SOURCE, run, seed, workdir, write_lockfile

__all__ = ["workdir"]  # the fixture, shared with the CLI tests

EXTRA = "".join(f"  - id: extra{i}\n    title: Extra {i}\n    prompt: Extra.\n" for i in range(3))


def bind_six(emulator: Any, *, age: float = 0.0) -> dict[str, str]:
    """The three categories of sec.yaml plus three extra ones, all bound to finished sessions."""
    Path("sec.yaml").write_text(PROGRAMME + EXTRA)
    names = {cid: seed(emulator, cid, state="COMPLETED", age=age) for cid in ("auth", "routes", "docs")}
    for i in range(3):
        made = emulator.emulator.seed_session(
            prompt="Extra.", title=f"Extra {i} [jf:sec/extra{i}]", source=SOURCE, state="COMPLETED", age=age
        )
        names[f"extra{i}"] = f"sessions/{made.id}"
    write_lockfile(emulator, names)
    return names


def history(emulator: Any, count: int, *, age: float) -> None:
    for i in range(count):
        emulator.emulator.seed_session(prompt=f"Old task {i}.", source=SOURCE, age=age + i, state="COMPLETED")


def list_requests(emulator: Any) -> list[str]:
    return [r.query for r in emulator.emulator.requests if r.path == "/v1alpha/sessions"]


def test_old_history_is_not_read_when_every_bound_session_is_on_the_first_page(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    history(emulator, 250, age=3 * 24 * 3600)
    bind_six(emulator)
    emulator.emulator.requests.clear()
    assert run(emulator, "sec.yaml") == 0
    # 256 sessions would be three pages; the six bound ones are the newest, so one page does.
    assert len(list_requests(emulator)) == 1
    out = capsys.readouterr().out
    assert "No changes. The programme matches the live sessions." in out
    assert "quota not read" in out


def test_the_list_reads_on_until_the_oldest_bound_session(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bind_six(emulator, age=3 * 24 * 3600)
    history(emulator, 150, age=60)  # newer than every bound session
    emulator.emulator.requests.clear()
    assert run(emulator, "sec.yaml") == 0
    assert len(list_requests(emulator)) == 2  # 156 sessions: the bound ones are on the second page
    assert "No changes. The programme matches the live sessions." in capsys.readouterr().out


class PagedClient:
    """Two pages of sessions; the second page is only "fetched" once the first page's activity log
    read has started, or after 5 s if it never does (then the test fails, it does not hang)."""

    parallel_reads = 8

    def __init__(self) -> None:
        self.log_started = threading.Event()
        self.started_before_page_two = False
        self.logs_read: list[str] = []

    def iter_sessions(self, *, include_archived: bool = True) -> Iterator[Session]:
        assert include_archived
        yield Session(name="sessions/1", state="COMPLETED")
        yield Session(name="sessions/2", state="FAILED")
        self.started_before_page_two = self.log_started.wait(timeout=5)
        yield Session(name="sessions/3", state="COMPLETED")

    def list_activities(self, name: str) -> list[Activity]:
        self.logs_read.append(name)
        self.log_started.set()
        return []


def binding(name: str) -> Binding:
    return Binding(session=name, spec_hash="sha256:0", bound_at="2026-03-02T08:00:00Z",
                   require_plan_approval=True, automation_mode="AUTO_CREATE_PR")


def test_activity_logs_are_read_while_later_pages_are_still_coming() -> None:
    client = PagedClient()
    observer = AccountObserver(client)  # type: ignore[arg-type]
    bound = {name: binding(name) for name in ("sessions/1", "sessions/2")}
    listed = observer.list_all(prefetch=bound)
    assert sorted(listed) == ["sessions/1", "sessions/2", "sessions/3"]
    assert client.started_before_page_two
    # Only where the log can change the plan: a FAILED session's is never read, nor an unbound one's.
    assert client.logs_read == ["sessions/1"]
