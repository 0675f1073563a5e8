"""Where processes matter: ``kill -9`` mid-apply, and two applies at once, as real CLI processes.

The emulator is served on loopback by the test process; the CLI runs as a subprocess talking to it.
A gate in the emulator's latency hook holds requests at a chosen point, so the CLI is caught in the
middle deterministically (not by timing); waits poll the gate or the lock's holder record.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apply_support import Category, write_programme
from julesform.emulator import Emulator
from julesform.emulator.server import serve_emulator
from julesform.planner.spec import parse_marker
from julesform.state.lockfile import read_lockfile
from julesform.state.mutex import holder_path

KEY = "process-test-key"
SAFETY_NET_S = 120.0  # only so a broken build cannot hang the suite; no assertion depends on time


class Gate:
    """The emulator's latency hook: lets requests through until ``hold_after`` of them, then holds them."""

    def __init__(self) -> None:
        self.calls = 0
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, _seconds: float) -> None:
        with self._lock:
            self.calls += 1
            hold = self.hold_after is not None and self.calls > self.hold_after
            release = self.release
        if hold:
            self.holding.set()
            release.wait()

    def hold_from_now(self, requests: int) -> None:
        with self._lock:
            self.hold_after = self.calls + requests
            self.holding, self.release = threading.Event(), threading.Event()

    def open(self) -> None:
        with self._lock:
            self.hold_after = None
            self.release.set()


@pytest.fixture
def gated() -> Iterator[tuple[Any, Gate]]:
    gate = Gate()
    live = Emulator(seed=99, api_keys=[KEY], sleep=gate)
    live.faults.latency = 0.001  # any latency: the gate decides how long
    with serve_emulator(live, KEY) as served:
        try:
            yield served, gate
        finally:
            gate.open()


def cli(served: Any, *args: str) -> list[str]:
    return [sys.executable, "-m", "julesform", "--api-url", served.url, *args]


def env() -> dict[str, str]:
    return {**os.environ, "JULES_API_KEY": KEY, "NO_COLOR": "1"}


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SAFETY_NET_S
    while not condition():
        assert process.poll() is None, f"the apply ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.005)


def marked(served: Any, programme: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for session in served.emulator.sessions():
        parsed = parse_marker(session.title)
        if parsed is not None and parsed[0] == programme:
            found.setdefault(parsed[1], []).append(f"sessions/{session.id}")
    return found


def test_kill_9_in_the_middle_of_a_30_category_apply_then_apply_again(
    gated: tuple[Any, Gate], tmp_path: Path
) -> None:
    served, gate = gated
    cids = [f"c{i:02d}" for i in range(30)]
    programme = write_programme(
        tmp_path, "big", [Category(cid) for cid in cids], require_plan_approval=False, tier="ultra"
    )
    lockfile = tmp_path / "state" / "big.lock.json"
    apply = cli(served, "apply", "--yes", str(programme))
    # Two crashes, each while requests (creates, mostly) are held at the server; the held requests are
    # then let through, so creates commit after their client died: responses lost, as in a real crash.
    interrupted = None
    for requests_before_kill in (9, 8):
        gate.hold_from_now(requests_before_kill)
        first = subprocess.Popen(apply, cwd=tmp_path, env=env(), text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_until(gate.holding.is_set, first)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate()
        assert first.returncode == -signal.SIGKILL
        gate.open()

        interrupted = read_lockfile(lockfile)  # never torn: it parses, whatever the moment of the kill
        assert interrupted is not None
        assert interrupted.pending  # the held creates were recorded as intents before they were sent
        assert len(interrupted.bindings) < 30
    assert interrupted is not None

    second = subprocess.run(apply, cwd=tmp_path, env=env(), text=True, capture_output=True, check=False)
    assert second.returncode == 0, second.stderr
    assert "Apply complete:" in second.stdout

    final = read_lockfile(lockfile)
    assert final is not None and final.pending == {}
    live = marked(served, "big")
    assert sorted(live) == cids
    assert {cid: len(names) for cid, names in live.items()} == dict.fromkeys(cids, 1)  # no duplicates
    bound = {cid: b.session for cid, b in final.bindings.items()}
    assert bound == {cid: names[0] for cid, names in live.items()}
    assert final.serial > interrupted.serial

    check = subprocess.run(cli(served, "plan", "--detailed-exitcode", str(programme)),
                           cwd=tmp_path, env=env(), text=True, capture_output=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_second_apply_fails_at_once_naming_the_first(tmp_path: Path) -> None:
    gate = threading.Event()
    live = Emulator(seed=5, api_keys=[KEY], sleep=lambda _seconds: gate.wait())
    live.faults.latency = 1.0  # every request waits at the gate: the first apply holds the lock meanwhile
    with serve_emulator(live, KEY) as served:
        programme = write_programme(tmp_path, "pair", [Category(f"c{i}") for i in range(3)], tier="ultra")
        lockfile = tmp_path / "state" / "pair.lock.json"
        apply = cli(served, "apply", "--yes", str(programme))
        first = subprocess.Popen(apply, cwd=tmp_path, env=env(), text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            def first_holds_the_lock() -> bool:
                try:
                    return bool(json.loads(holder_path(lockfile).read_text())["pid"] == first.pid)
                except (OSError, ValueError):
                    return False

            wait_until(first_holds_the_lock, first)
            second = subprocess.run(apply, cwd=tmp_path, env=env(), text=True, capture_output=True,
                                    check=False)
            gate.set()
            out, err = first.communicate()
        finally:
            gate.set()
            if first.poll() is None:
                first.kill()
                first.communicate()
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr.startswith(f"error: state/pair.lock.json is locked by apply (pid {first.pid} on ")
    assert "julesform force-unlock " in second.stderr
    assert len(second.stderr.splitlines()) == 1
    assert first.returncode == 0, err
    assert out.endswith("Apply complete: 3 created.\n")


def test_lost_create_response_and_saved_plans_as_separate_processes(emulator: Any, tmp_path: Path) -> None:
    """Each step is its own process, as in CI: nothing is carried over but the files and the API."""
    programme = write_programme(tmp_path, "ci", [Category("alpha"), Category("beta")], tier="ultra")
    served_env = {**env(), "JULES_API_KEY": emulator.api_key}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cli(emulator, *args), cwd=tmp_path, env=served_env, text=True,
                              capture_output=True, check=False)

    emulator.emulator.faults.drop_next_creates = 1  # the first create commits, its response is lost
    first = run("apply", "--yes", "--parallelism", "1", str(programme))
    assert first.returncode == 0, first.stderr
    assert "(found by its marker after a lost response)" in first.stderr
    again = run("apply", "--yes", str(programme))
    assert again.returncode == 0
    assert again.stdout.endswith("No changes. The programme matches the live sessions.\n")
    assert {cid: len(names) for cid, names in marked(emulator, "ci").items()} == {"alpha": 1, "beta": 1}

    emulator.emulator.advance(600)  # agent plans now wait for approval
    saved = run("plan", "--out", "plan.json", str(programme))
    assert saved.returncode == 0, saved.stderr
    stale = run("plan", "--out", "stale.json", str(programme))
    assert run("apply", "plan.json").returncode == 0
    twice = run("apply", "plan.json")
    assert twice.returncode == 1
    assert "was already applied to state/ci.lock.json" in twice.stderr
    assert stale.returncode == 0
    # stale.json was made at the same serial, and approvals change no binding, so it is not stale; its
    # approvals find the agent plans approved already and do nothing.
    other = run("apply", "stale.json")
    assert other.returncode == 0, other.stderr
    assert other.stdout == (
        "Apply complete: nothing changed; 2 already done (alpha: its agent plan was already approved;"
        " beta: its agent plan was already approved).\n"
    )
    assert sum(1 for r in emulator.emulator.requests if r.path.endswith(":approvePlan")) == 2
