"""The executor on hand-built plans: ordering, skips, quota budget, concurrency, replace/forget/message."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from julesform.api.client import JulesClient
from julesform.apply.executor import ApplyOptions, Executor
from julesform.apply.outcome import ApplyReport, Outcome
from julesform.apply.progress import PlainReporter
from julesform.console import Console
from julesform.planner.plan import Change, Plan, QuotaView
from julesform.planner.spec import SessionSpec, marked_title
from julesform.state.lockfile import Lockfile, read_lockfile
from julesform.state.store import LockfileStore

GOOD_SOURCE = "sources/github/example-org/widget-app"


def spec(cid: str, *, source: str = GOOD_SOURCE, prompt: str | None = None) -> SessionSpec:
    return SessionSpec(
        prompt=prompt or f"Work on {cid}.",
        title=marked_title(f"Work on {cid}", "demo", cid),
        source=source,
        starting_branch="main",
        require_plan_approval=False,
        automation_mode="AUTOMATION_MODE_UNSPECIFIED",
    )


def create(cid: str, **kwargs: Any) -> Change:
    return Change(category=cid, action="create", actions=["create"], reason="test", spec=spec(cid, **kwargs))


class Harness:
    def __init__(self, served: Any, tmp_path: Path) -> None:
        self.served = served
        self.client = JulesClient(served.url, served.api_key)
        self.path = tmp_path / "demo.lock.json"
        self.lock = Lockfile.new(endpoint=self.client.endpoint, programme="demo")
        self.exists = False

    def run(
        self,
        changes: list[Change],
        *,
        depends_on: dict[str, list[str]] | None = None,
        quota: QuotaView | None = None,
        options: ApplyOptions | None = None,
    ) -> ApplyReport:
        plan = Plan(
            plan_id="p1",
            programme="demo",
            programme_path="demo.yaml",
            programme_hash="sha256:0",
            endpoint=self.client.endpoint,
            lineage=None,
            serial=self.lock.serial,
            changes=changes,
            quota=quota,
        )
        specs = {c.category: c.spec for c in changes if c.spec is not None}
        store = LockfileStore(self.path, expected_serial=self.lock.serial if self.exists else None)
        executor = Executor(
            client=self.client,
            store=store,
            lockfile=self.lock,
            specs=specs or {"alpha": spec("alpha")},
            depends_on=depends_on or {},
            reporter=PlainReporter(Console()),
            options=options,
        )
        report = executor.run(plan)
        assert executor.fatal is None
        self.lock, self.exists = executor.lock, True
        return report

    def sessions(self) -> list[Any]:
        return list(self.served.emulator.sessions())


@pytest.fixture
def h(emulator: Any, tmp_path: Path) -> Harness:
    return Harness(emulator, tmp_path)


def statuses(report: ApplyReport) -> dict[str, tuple[str, str]]:
    return {o.category: (o.status, o.detail) for o in report.outcomes}


def test_dependents_of_a_failed_category_are_skipped_and_independent_ones_go_on(h: Harness) -> None:
    report = h.run(
        [create("alpha", source="sources/github/nobody/nothing"), create("beta"), create("gamma")],
        depends_on={"gamma": ["alpha"], "delta": ["gamma"]},
    )
    result = statuses(report)
    assert result["alpha"][0] == "failed"
    assert result["beta"][0] == "done"
    assert result["gamma"] == ("skipped", "depends on alpha, which failed")
    assert [o.category for o in report.outcomes][-1] == "gamma"  # it waited for alpha
    on_disk = read_lockfile(h.path)
    assert on_disk is not None
    assert sorted(on_disk.bindings) == ["beta"]
    assert on_disk.pending == {}  # a definite failure leaves no intent behind
    assert report.summary().startswith("Apply complete: 1 created; 1 failed (alpha: ")
    assert report.summary().endswith("; 1 skipped (gamma: depends on alpha, which failed).")


def test_creates_never_exceed_the_quota_headroom_of_the_plan(h: Harness) -> None:
    quota = QuotaView(daily_limit=15, daily_used=13, concurrent_limit=3, running=0, creates_planned=2)
    report = h.run([create("alpha"), create("beta"), create("gamma")], quota=quota)
    assert statuses(report)["gamma"] == ("skipped", "no quota headroom left")
    assert len(h.sessions()) == 2


def test_creates_run_at_most_parallelism_at_a_time(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    in_flight, peak = 0, 0
    guard = threading.Lock()
    two_at_once = threading.Event()
    real_create = h.client.create_session

    def counting_create(body: dict[str, object]) -> Any:
        nonlocal in_flight, peak
        with guard:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == 2:
                two_at_once.set()
        try:
            two_at_once.wait(timeout=30)  # the first create waits for a second one to be in flight
            return real_create(body)
        finally:
            with guard:
                in_flight -= 1

    monkeypatch.setattr(h.client, "create_session", counting_create)
    cids = ["a1", "a2", "a3", "a4", "a5", "a6"]
    report = h.run([create(cid) for cid in cids], options=ApplyOptions(parallelism=2))
    assert all(o.status == "done" for o in report.outcomes)
    assert peak == 2
    assert len(h.sessions()) == 6


def test_replace_binds_a_new_session_and_archives_the_old_only_when_asked(h: Harness) -> None:
    h.run([create("alpha")])
    old = h.lock.bindings["alpha"].session
    new_spec = spec("alpha", prompt="Work on alpha, differently.")
    replace = Change(category="alpha", action="replace", actions=["forget", "create"], reason="t",
                     session=old, spec=new_spec, attempt=1, spec_hash=new_spec.spec_hash())
    report = h.run([replace], options=ApplyOptions(archive_replaced=True))
    (outcome,) = report.outcomes
    binding = h.lock.bindings["alpha"]
    assert binding.superseded == [old] and binding.session != old
    assert binding.spec_hash == new_spec.spec_hash()
    assert outcome.detail == f"{old} replaced by {binding.session} (attempt 1); archived {old}"
    archived = {f"sessions/{s.id}": s.archived for s in h.sessions()}
    assert archived == {old: True, binding.session: False}


def test_forget_drops_the_binding_and_archives_only_when_asked(h: Harness) -> None:
    h.run([create("alpha"), create("beta")])
    alpha, beta = h.lock.bindings["alpha"].session, h.lock.bindings["beta"].session
    h.run([Change(category="alpha", action="forget", actions=["forget"], reason="t", session=alpha)])
    h.run(
        [Change(category="beta", action="forget", actions=["forget"], reason="t", session=beta)],
        options=ApplyOptions(archive_forgotten=True),
    )
    assert h.lock.bindings == {}
    archived = {f"sessions/{s.id}": s.archived for s in h.sessions()}
    assert archived == {alpha: False, beta: True}


def test_message_is_sent_once_and_recorded(h: Harness) -> None:
    h.run([create("alpha")])
    name = h.lock.bindings["alpha"].session
    h.served.emulator.advance(3600)
    report = h.run([Change(category="alpha", action="message", actions=["message"], reason="t",
                           session=name, message="The task changed: also cover logout.",
                           spec_hash="sha256:new")])
    assert statuses(report)["alpha"] == ("done", f"sent the spec change to {name}")
    assert h.lock.bindings["alpha"].messaged_spec_hash == "sha256:new"
    activities = h.client.list_activities(name)
    assert [a.user_messaged.user_message for a in activities if a.user_messaged] == [
        "The task changed: also cover logout."
    ]


def test_summary_lists_counts_in_a_fixed_order() -> None:
    report = ApplyReport()
    for outcome in [
        Outcome("a", "approve", "done", ""),
        Outcome("b", "create", "done", ""),
        Outcome("c", "import", "done", ""),
        Outcome("d", "create", "done", ""),
        Outcome("e", "create", "failed", "quota exhausted"),
    ]:
        report.add(outcome)
    assert report.summary() == (
        "Apply complete: 2 created, 1 approved, 1 imported; 1 failed (e: quota exhausted)."
    )
    assert not report.ok


def test_an_agent_plan_approved_meanwhile_is_not_approved_again_and_blocks_nothing(h: Harness) -> None:
    h.run([create("alpha")])
    name = h.lock.bindings["alpha"].session
    h.served.emulator.advance(600)  # plan approval not required: the emulator approved it itself
    approve = Change(category="alpha", action="approve", actions=["approve"], reason="t", session=name)
    report = h.run([approve, create("gamma")], depends_on={"gamma": ["alpha"]})
    assert statuses(report) == {
        "alpha": ("unneeded", "its agent plan was already approved"),
        "gamma": ("done", f"created {h.lock.bindings['gamma'].session}"),
    }
    assert report.ok
    assert not any(r.path.endswith(":approvePlan") for r in h.served.emulator.requests)
    assert report.summary() == (
        "Apply complete: 1 created; 1 already done (alpha: its agent plan was already approved)."
    )


def test_ctrl_c_starts_nothing_new_and_records_what_was_in_flight(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal
    import threading

    real_create = h.client.create_session
    calls = 0
    interrupted = threading.Event()

    def on_sigint(signum: int, frame: object) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    def create_then_ctrl_c(body: dict[str, object]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C while the first create is in flight
            # Finish only once the main thread has taken the interrupt, however loaded the machine is.
            assert interrupted.wait(10)
        return real_create(body)

    previous = signal.signal(signal.SIGINT, on_sigint)
    monkeypatch.setattr(h.client, "create_session", create_then_ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            h.run([create(f"a{i}") for i in range(6)], options=ApplyOptions(parallelism=1))
    finally:
        signal.signal(signal.SIGINT, previous)
    on_disk = read_lockfile(h.path)
    assert on_disk is not None
    created = {f"sessions/{s.id}" for s in h.sessions()}
    bound = {b.session for b in on_disk.bindings.values()}
    assert len(created) < 6  # the queued creates were never sent
    assert bound == created and on_disk.pending == {}  # what was in flight finished and was recorded
