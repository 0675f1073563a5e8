"""The CI soak (about a minute): 200 categories through faults and SIGKILLs until the plan is empty.

The harness lives in ``tests/soak/harness.py`` (run it by hand with ``--long`` for hours). The two
small tests first check that its bookkeeping can see a duplicate and a lost binding at all, so the
zeros of the big one mean something.
"""

from __future__ import annotations

from pathlib import Path

from julesform.state.lockfile import Binding, Lockfile, dump_lockfile
from soak.harness import PROGRAMME, SoakConfig, run_soak
from soak.harness import Soak as SoakRun

BOUND_AT = "2026-12-03T10:00:00Z"


def _binding(session: str, superseded: list[str] | None = None) -> Binding:
    return Binding(session=session, spec_hash="sha256:x", bound_at=BOUND_AT, require_plan_approval=True,
                   automation_mode="AUTO_CREATE_PR", superseded=superseded or [],
                   attempt=1 + len(superseded or []))


def _soak_with(tmp_path: Path, titles: list[str]) -> tuple[SoakRun, list[str]]:
    soak = SoakRun(SoakConfig(seed=3, categories=2, log=lambda _line: None), tmp_path)
    names = [f"sessions/{soak.emulator.seed_session(title=title).id}" for title in titles]
    return soak, names


def _write(soak: SoakRun, bindings: dict[str, Binding]) -> None:
    lock = Lockfile.new(endpoint="http://127.0.0.1:1/v1alpha", programme=PROGRAMME)
    lock.bindings = bindings
    soak.lockfile.parent.mkdir(parents=True, exist_ok=True)
    soak.lockfile.write_text(dump_lockfile(lock))


def test_the_tally_counts_a_second_session_for_one_attempt_as_a_duplicate(tmp_path: Path) -> None:
    soak, names = _soak_with(tmp_path, [
        "Soak work item 0 [jf:soak/c0000]", "Soak work item 0 [jf:soak/c0000]",  # same attempt twice
        "Soak work item 1 [jf:soak/c0001]", "Soak work item 1 [jf:soak/c0001]",  # failed, then recreated
        "made by hand",
    ])
    _write(soak, {"c0000": _binding(names[0]), "c0001": _binding(names[3], superseded=[names[2]])})
    soak.tally()
    assert (soak.report.duplicates, soak.report.bindings_lost) == (1, 0)
    assert (soak.report.bound, soak.report.superseded, soak.report.unmarked) == (2, 1, 1)


def test_the_tally_counts_more_sessions_than_attempts_as_duplicates(tmp_path: Path) -> None:
    """Even when the lockfile lists every session, attempt 1 cannot have made two of them."""
    soak, names = _soak_with(tmp_path, ["Soak work item 0 [jf:soak/c0000]"] * 3)
    binding = _binding(names[0], superseded=[names[1], names[2]]).model_copy(update={"attempt": 1})
    _write(soak, {"c0000": binding})
    soak.tally()
    assert soak.report.duplicates == 2


def test_the_tally_counts_a_binding_that_dropped_out_of_the_lockfile_as_lost(tmp_path: Path) -> None:
    titles = ["Soak work item 0 [jf:soak/c0000]", "Soak work item 1 [jf:soak/c0001]"]
    soak, names = _soak_with(tmp_path, titles)
    _write(soak, {"c0000": _binding(names[0]), "c0001": _binding(names[1])})
    soak.check_lockfile(after="apply")
    _write(soak, {"c0000": _binding(names[0])})  # c0001's binding vanished
    soak.tally()
    assert soak.report.bindings_lost == 2  # the session once bound, and the category left unbound
    assert soak.report.duplicates == 1  # its session is now one the lockfile does not account for


def test_soak_200_categories_through_faults_and_kills_ends_with_one_session_each(tmp_path: Path) -> None:
    lines: list[str] = []
    report = run_soak(SoakConfig(seed=8, categories=200, log=lines.append), tmp_path)
    print("\n".join([*lines, *report.figures()]))  # shown with -s, and on failure
    assert report.problems == []
    assert report.converged, report.figures()
    assert report.duplicates == 0
    assert report.bindings_lost == 0
    assert report.unmarked == 0
    assert report.bound == 200
    # The run was a real soak, not a quiet one.
    assert report.kills >= 3
    assert report.faults["429"] > 0 and report.faults["5xx"] > 0 and report.faults["dropped after create"] > 0
    assert report.retried > 0
