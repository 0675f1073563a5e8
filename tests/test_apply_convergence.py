"""Convergence: whatever the programme, the progress and the faults, applying until done ends with an
empty plan and exactly one live marked session per category (never a duplicate, never a lost one)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apply_support import Category, write_programme
from julesform.cli import main
from julesform.emulator import Emulator
from julesform.emulator.server import serve_emulator
from julesform.planner.spec import parse_marker
from julesform.state.lockfile import read_lockfile

KEY = "convergence-key"
ROUNDS = 30
FAULTS = ("none", "drop_create", "post_500", "burst_429")


@st.composite
def programmes(draw: st.DrawFn) -> list[Category]:
    count = draw(st.integers(min_value=1, max_value=5))
    categories: list[Category] = []
    for index in range(count):
        earlier = [c.id for c in categories]
        depends = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)) if earlier else []
        categories.append(Category(f"cat-{index}", depends_on=tuple(depends), phase=1))
    return categories


def inject(emulator: Emulator, fault: str) -> None:
    if fault == "drop_create":
        emulator.faults.drop_next_creates = 1
    elif fault == "post_500":
        emulator.faults.update({"error_status": 500, "error_next": 1, "error_methods": ["POST"]})
    elif fault == "burst_429":
        emulator.faults.update({"rate_limit_burst": 2, "retry_after": 0})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    categories=programmes(),
    approval=st.booleans(),
    faults=st.lists(st.sampled_from(FAULTS), min_size=ROUNDS, max_size=ROUNDS),
    steps=st.lists(st.sampled_from([0, 20, 120, 900, 3600]), min_size=ROUNDS, max_size=ROUNDS),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_apply_until_done_converges(
    categories: list[Category],
    approval: bool,
    faults: list[str],
    steps: list[int],
    seed: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator = Emulator(seed=seed, api_keys=[KEY], sleep=lambda _s: None)
    with tempfile.TemporaryDirectory() as tmp, serve_emulator(emulator, KEY) as served:
        root = Path(tmp)
        monkeypatch.chdir(root)
        monkeypatch.setenv("JULES_API_KEY", KEY)
        programme = write_programme(root, "prop", categories, require_plan_approval=approval, tier="ultra")
        cli = ["--api-url", served.url]
        plan_code = -1
        for fault, step in zip(faults, steps, strict=True):
            inject(emulator, fault)
            assert main([*cli, "apply", "--yes", str(programme)]) in (0, 1)
            emulator.advance(max(step, 600) if plan_code == 0 else step)
            plan_code = main([*cli, "plan", "--detailed-exitcode", str(programme)])
            assert plan_code in (0, 2)
            if plan_code == 0 and _all_bound(root, categories):
                break
        capsys.readouterr()
        # One more clean round settles whatever the last fault left behind, then the plan must be empty.
        emulator.faults.update({"drop_next_creates": 0, "error_next": 0, "rate_limit_burst": 0})
        for _ in range(ROUNDS):
            settled = main([*cli, "plan", "--detailed-exitcode", str(programme)]) == 0
            if settled and _all_bound(root, categories):
                break
            assert main([*cli, "apply", "--yes", str(programme)]) == 0, capsys.readouterr()
            emulator.advance(3600)
        assert main([*cli, "plan", "--detailed-exitcode", str(programme)]) == 0
        _assert_one_live_session_each(emulator, root, categories)


def _all_bound(root: Path, categories: list[Category]) -> bool:
    lock = read_lockfile(root / "state" / "prop.lock.json")
    return lock is not None and sorted(lock.bindings) == sorted(c.id for c in categories)


def _assert_one_live_session_each(emulator: Any, root: Path, categories: list[Category]) -> None:
    lock = read_lockfile(root / "state" / "prop.lock.json")
    assert lock is not None and lock.pending == {}
    live: dict[str, list[str]] = {}
    for session in emulator.sessions():
        parsed = parse_marker(session.title)
        if parsed is not None and not session.archived:
            live.setdefault(parsed[1], []).append(f"sessions/{session.id}")
    assert {cid: len(names) for cid, names in live.items()} == {c.id: 1 for c in categories}
    assert {cid: b.session for cid, b in lock.bindings.items()} == {cid: n[0] for cid, n in live.items()}
