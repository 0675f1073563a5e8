"""Saved plans: told apart from programmes, and refused (naming why) when anything they came from moved."""

from __future__ import annotations

from pathlib import Path

import pytest

from julesform.apply.saved_plan import (
    PlanAlreadyApplied,
    StalePlan,
    check_fresh,
    load_saved_plan,
    looks_like_saved_plan,
    record_applied,
)
from julesform.errors import JulesformError
from julesform.planner.plan import Plan
from julesform.state.lockfile import Lockfile

ENDPOINT = "http://127.0.0.1:9/v1alpha"


def _plan(**changes: object) -> Plan:
    base: dict[str, object] = {
        "plan_id": "p-1",
        "programme": "demo",
        "programme_path": "programmes/demo.yaml",
        "programme_hash": "sha256:aaa",
        "endpoint": ENDPOINT,
        "lineage": "L1",
        "serial": 3,
    }
    return Plan.model_validate({**base, **changes})


def _lock(lineage: str = "L1", serial: int = 3) -> Lockfile:
    return Lockfile(lineage=lineage, serial=serial, endpoint=ENDPOINT, programme="demo")


def _check(plan: Plan, lock: Lockfile | None, tmp_path: Path, programme_hash: str = "sha256:aaa") -> None:
    check_fresh(
        plan,
        plan_path=Path("plan.json"),
        lockfile=lock,
        lockfile_path=tmp_path / "demo.lock.json",
        programme_hash=programme_hash,
        endpoint=ENDPOINT,
    )


def test_a_fresh_plan_passes(tmp_path: Path) -> None:
    _check(_plan(), _lock(), tmp_path)
    _check(_plan(lineage=None, serial=0), None, tmp_path)  # planned before any lockfile existed


@pytest.mark.parametrize(
    ("plan", "lock", "programme_hash", "reason"),
    [
        (_plan(endpoint="emulator:embedded"), _lock(), "sha256:aaa",
         f"it was made against emulator:embedded, this run uses {ENDPOINT}"),
        (_plan(), None, "sha256:aaa", "its lockfile"),
        (_plan(lineage=None, serial=0), _lock(), "sha256:aaa", "it was made before lockfile"),
        (_plan(), _lock(lineage="L2"), "sha256:aaa", "has lineage L2, the plan was made against lineage L1"),
        (_plan(), _lock(serial=5), "sha256:aaa", "is at serial 5, the plan was made at serial 3"),
        (_plan(), _lock(), "sha256:bbb", "programme programmes/demo.yaml changed since the plan was made"),
    ],
)
def test_a_stale_plan_names_what_moved(
    plan: Plan, lock: Lockfile | None, programme_hash: str, reason: str, tmp_path: Path
) -> None:
    with pytest.raises(StalePlan) as caught:
        _check(plan, lock, tmp_path, programme_hash)
    assert not isinstance(caught.value, PlanAlreadyApplied)
    message = str(caught.value)
    assert message.startswith("saved plan plan.json is stale: ")
    assert reason in message
    assert message.endswith("; run plan again and review the new plan")


def test_an_applied_plan_is_refused_as_such(tmp_path: Path) -> None:
    record_applied(tmp_path / "demo.lock.json", "p-0")
    _check(_plan(), _lock(), tmp_path)
    record_applied(tmp_path / "demo.lock.json", "p-1")
    with pytest.raises(PlanAlreadyApplied, match=r"\(plan id p-1\) was already applied to "):
        _check(_plan(), _lock(), tmp_path)


def test_plan_files_are_told_from_programmes(tmp_path: Path) -> None:
    yaml_named_json = tmp_path / "plan"
    yaml_named_json.write_text('  {"plan_id": "x"}')
    programme = tmp_path / "p.yaml"
    programme.write_text("version: 1\n")
    assert looks_like_saved_plan(tmp_path / "plan.json")
    assert looks_like_saved_plan(yaml_named_json)
    assert not looks_like_saved_plan(programme)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format_version": 9}', "is a plan of format 9; this julesform reads format 1: make a new plan"),
        ('{"format_version": 1, "plans": []}', "holds the plans of several programmes"),
        ('{"format_version": 1}', "is not a saved plan: plan_id: Field required"),
        ("[1, 2", "is not a saved plan: not JSON ("),
    ],
)
def test_broken_plan_files_get_one_line_errors(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(JulesformError) as caught:
        load_saved_plan(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
