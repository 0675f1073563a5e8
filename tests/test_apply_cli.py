"""``julesform apply`` end to end, in-process, against the emulator served on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apply_support import Workspace, make_workspace
from julesform.commands import apply as apply_command


@pytest.fixture
def ws(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    return make_workspace(emulator, tmp_path, monkeypatch)


def test_apply_creates_what_the_plan_shows_and_records_each_binding(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply() == 0
    out, err = capsys.readouterr()
    assert "+   alpha  create: not created yet" in out  # the plan is shown first
    assert "+   beta   create: not created yet" in out
    assert out.rstrip().endswith("Apply complete: 2 created.")
    lock = ws.lock()
    assert sorted(lock["bindings"]) == ["alpha", "beta"]  # gamma waits for alpha to complete
    assert lock["pending"] == {}
    err_lines = err.splitlines()
    for cid in ("alpha", "beta"):
        assert f"{cid}: created {lock['bindings'][cid]['session']}" in err_lines
    # Each session got exactly what the programme says.
    session = ws.emu.session(lock["bindings"]["alpha"]["session"].removeprefix("sessions/"))
    assert session.title == "Work on alpha [jf:demo/alpha]"
    assert session.prompt == "Improve alpha; add tests in tests/test_alpha.py."
    assert session.source_context == {
        "source": "sources/github/example-org/widget-app",
        "githubRepoContext": {"startingBranch": "main"},
    }
    assert session.require_plan_approval is True
    assert session.automation_mode == "AUTO_CREATE_PR"
    assert ws.marked() == {cid: [lock["bindings"][cid]["session"]] for cid in ("alpha", "beta")}
    # Write-ahead: each create wrote the lockfile twice (intent, then binding).
    assert lock["serial"] == 4
    assert ws.run("plan", "--detailed-exitcode", str(ws.programme)) == 0


def test_apply_approves_waiting_agent_plans_and_then_creates_dependents(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply() == 0
    ws.emu.advance(600)  # both sessions now wait for approval
    capsys.readouterr()
    assert ws.apply() == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("Apply complete: 2 approved.")
    assert sum(1 for p in ws.posts() if p.endswith(":approvePlan")) == 2
    ws.emu.advance(24 * 3600)  # alpha completes, so gamma may start
    assert ws.apply() == 0
    assert sorted(ws.lock()["bindings"]) == ["alpha", "beta", "gamma"]


def test_without_a_terminal_apply_refuses_unless_yes(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.run("apply", str(ws.programme)) == 1
    out, err = capsys.readouterr()
    assert "alpha  create: not created yet" in out
    assert err == "error: not applying: no terminal to confirm on; pass --yes, or apply a saved plan file\n"
    assert ws.posts() == []
    assert not ws.lockfile.exists()


@pytest.mark.parametrize(("answer", "code"), [("yes\n", 0), ("y\n", 1), ("\n", 1)])
def test_on_a_terminal_only_yes_applies(
    ws: Workspace,
    answer: str,
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io
    import sys

    monkeypatch.setattr(apply_command, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    assert ws.run("apply", str(ws.programme)) == code
    err = capsys.readouterr().err
    assert "Apply these changes? Only 'yes' is accepted" in err
    if code:
        assert err.endswith("error: apply cancelled: only 'yes' is accepted\n")
        assert ws.posts() == []
    else:
        assert len(ws.posts()) == 2


def test_nothing_to_do_asks_nothing(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert ws.apply() == 0
    capsys.readouterr()
    assert ws.run("apply", str(ws.programme)) == 0  # no --yes, no terminal: fine, nothing to apply
    out, err = capsys.readouterr()
    assert out.endswith(
        "Plan: 0 to create, 0 to approve, 0 to import, 0 to replace, 0 to forget; 1 deferred.\n"
    )
    assert err == ""


# --- saved plans ---------------------------------------------------------------------------------


def test_saved_plan_applies_once_without_asking(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert ws.run("plan", "--out", "p.json", str(ws.programme)) == 0
    capsys.readouterr()
    assert ws.run("apply", "p.json") == 0
    out, err = capsys.readouterr()
    assert out == "Apply complete: 2 created.\n"
    assert err.startswith("Applying saved plan p.json (plan id ")
    assert ws.run("apply", "p.json") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: saved plan p.json (plan id ")
    assert "was already applied to state/demo.lock.json; run plan again" in err
    assert len(ws.marked()) == 2


def test_saved_plan_is_refused_when_the_lockfile_moved(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply("--target", "alpha") == 0
    assert ws.run("plan", "--out", "p.json", str(ws.programme)) == 0
    assert ws.apply("--target", "beta") == 0  # the lockfile is written after the plan was saved
    capsys.readouterr()
    assert ws.run("apply", "p.json") == 1
    err = capsys.readouterr().err
    assert err == (
        "error: saved plan p.json is stale: lockfile state/demo.lock.json is at serial 4, the plan was "
        "made at serial 2 (it was written since); run plan again and review the new plan\n"
    )
    assert sorted(ws.marked()) == ["alpha", "beta"]


def test_saved_plan_is_refused_when_the_programme_changed(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.run("plan", "--out", "p.json", str(ws.programme)) == 0
    ws.programme.write_text(ws.programme.read_text().replace("Improve beta", "Improve beta a lot"))
    capsys.readouterr()
    assert ws.run("apply", "p.json") == 1
    assert capsys.readouterr().err == (
        f"error: saved plan p.json is stale: programme {ws.programme} changed since the plan was made; "
        "run plan again and review the new plan\n"
    )
    assert ws.posts() == []


def test_saved_plan_rejects_target_and_a_broken_file(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("p.json").write_text('{"plan_id": ')
    assert ws.run("apply", "p.json") == 1
    assert capsys.readouterr().err.startswith("error: p.json is not a saved plan: not JSON (")
    assert ws.run("apply", "--target", "alpha", "p.json") == 64


# --- faults --------------------------------------------------------------------------------------


def test_dropped_connection_after_create_binds_the_session_instead_of_duplicating(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.emu.faults.drop_next_creates = 1
    assert ws.apply() == 0
    out, err = capsys.readouterr()
    assert "(found by its marker after a lost response)" in err
    assert out.rstrip().endswith("Apply complete: 2 created.")
    marked = ws.marked()
    assert {cid: len(names) for cid, names in marked.items()} == {"alpha": 1, "beta": 1}
    assert {cid: b["session"] for cid, b in ws.lock()["bindings"].items()} == {
        cid: names[0] for cid, names in marked.items()
    }
    assert ws.run("plan", "--detailed-exitcode", str(ws.programme)) == 0


def test_5xx_on_approve_fails_that_category_only_and_a_rerun_finishes(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply() == 0
    ws.emu.advance(600)
    ws.run("plan", "--out", "p.json", str(ws.programme))
    ws.emu.faults.update({"error_status": 500, "error_next": 1, "error_methods": ["POST"]})
    capsys.readouterr()
    assert ws.run("apply", "p.json") == 1
    out, err = capsys.readouterr()
    # Approvals run in parallel: whichever went first met the 500; the other was approved.
    failed = [line.split(":")[0] for line in err.splitlines() if ": approve failed: " in line]
    assert len(failed) == 1
    (other,) = {"alpha", "beta"} - set(failed)
    assert f"{failed[0]}: approve failed: the Jules service failed" in err
    assert f"{other}: approved the agent plan of sessions/" in err
    assert out.startswith(f"Apply complete: 1 approved; 1 failed ({failed[0]}: the Jules service failed")
    assert ws.apply() == 0
    assert capsys.readouterr().out.rstrip().endswith("Apply complete: 1 approved.")


def test_429_on_create_stops_creating_and_the_next_apply_finishes(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.run("plan", "--out", "p.json", str(ws.programme))
    ws.emu.faults.update({"rate_limit_burst": 1, "retry_after": 0})
    capsys.readouterr()
    assert ws.run("apply", "--parallelism", "1", "p.json") == 1
    out = capsys.readouterr().out
    assert out == (
        "Apply complete: nothing changed; 1 failed (alpha: quota exhausted);"
        " 1 skipped (beta: quota exhausted).\n"
    )
    assert ws.lock()["pending"] == {} and ws.lock()["bindings"] == {}
    assert ws.apply() == 0
    assert {cid: len(v) for cid, v in ws.marked().items()} == {"alpha": 1, "beta": 1}


def test_a_session_deleted_out_of_band_is_created_again(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply() == 0
    gone = ws.lock()["bindings"]["beta"]["session"]
    ws.emu.delete_session(gone.removeprefix("sessions/"))
    capsys.readouterr()
    assert ws.apply() == 0
    out = capsys.readouterr().out
    assert f"bound session {gone} no longer exists" in out
    beta = ws.lock()["bindings"]["beta"]
    assert beta["session"] != gone
    assert beta["superseded"] == [gone]
    assert beta["attempt"] == 2
    assert ws.run("plan", "--detailed-exitcode", str(ws.programme)) == 0


def test_an_unwritable_lockfile_stops_the_apply_and_leaves_a_recovery_file(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    from julesform.state import store

    state = ws.lockfile.parent.resolve()
    writes = {"n": 0}
    real_mkstemp = tempfile.mkstemp

    def disk_full_after_two_writes(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs["dir"]).resolve() == state:
            if kwargs["prefix"] == ".demo.lock.json.":
                writes["n"] += 1
            if writes["n"] > 2:  # the disk is full from the third lockfile write on
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(store.tempfile, "mkstemp", disk_full_after_two_writes)
    monkeypatch.setattr(store.tempfile, "gettempdir", lambda: str(ws.root))
    assert ws.apply("--parallelism", "1") == 1
    out, err = capsys.readouterr()
    error = err.splitlines()[-1]
    assert error.startswith("error: could not write lockfile state/demo.lock.json (No space left on device);")
    recovery = Path(error.split("restore them with: cp ")[1].split(" ")[0])
    assert error.endswith(f"cp {recovery} state/demo.lock.json")
    saved = json.loads(recovery.read_text())
    # alpha was created and recorded; beta's intent could not be written, so beta was never created.
    assert sorted(saved["bindings"]) == ["alpha"] and sorted(saved["pending"]) == ["beta"]
    assert sorted(ws.marked()) == ["alpha"]
    assert "1 failed (beta: the lockfile could not be written)" in out
    monkeypatch.setattr(store.tempfile, "mkstemp", real_mkstemp)  # space freed again
    recovery.replace(ws.lockfile)  # the restore the message describes
    assert ws.apply() == 0
    assert {cid: len(v) for cid, v in ws.marked().items()} == {"alpha": 1, "beta": 1}


def test_a_held_lock_fails_at_once_naming_the_holder(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from julesform.state.mutex import LockfileMutex

    with LockfileMutex(ws.lockfile, operation="apply") as holder:
        assert ws.apply() == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: state/demo.lock.json is locked by apply (pid {holder.pid} on ")
    assert f"julesform force-unlock {holder.lock_id}" in err
    assert ws.posts() == []


# --- replace, recreate, forget -------------------------------------------------------------------


def test_replace_and_archive_the_old_session(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert ws.apply("--target", "alpha") == 0
    old = ws.lock()["bindings"]["alpha"]["session"]
    capsys.readouterr()
    assert ws.apply("--replace", "alpha", "--archive-replaced") == 0
    out, err = capsys.readouterr()
    new, attempt = ws.lock()["bindings"]["alpha"]["session"], ws.lock()["bindings"]["alpha"]["attempt"]
    assert f"alpha: {old} replaced by {new} (attempt {attempt}); archived {old}" in err.splitlines()
    assert "1 replaced" in out.splitlines()[-1]
    assert ws.lock()["bindings"]["alpha"]["superseded"] == [old]
    archived = {f"sessions/{s.id}": s.archived for s in ws.emu.sessions()}
    assert archived[old] is True and archived[new] is False


def test_a_failed_session_is_recreated_when_the_programme_says_so(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from apply_support import Category, write_programme

    write_programme(ws.root, "demo", [Category("alpha")], require_plan_approval=False,
                    defaults={"on_failure": "recreate", "max_attempts": "2"})
    ws.emu.faults.fail_share = 1.0
    assert ws.apply() == 0
    first = ws.lock()["bindings"]["alpha"]["session"]
    ws.emu.advance(24 * 3600)  # it fails
    ws.emu.faults.fail_share = 0.0
    capsys.readouterr()
    assert ws.apply() == 0
    out, err = capsys.readouterr()
    binding = ws.lock()["bindings"]["alpha"]
    assert f"alpha: {first} recreated as {binding['session']} (attempt 2)" in err.splitlines()
    assert out.splitlines()[-1] == "Apply complete: 1 recreated."
    assert binding["attempt"] == 2 and binding["superseded"] == [first]


def test_a_removed_category_is_forgotten_and_archived_only_when_asked(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from apply_support import Category, write_programme

    assert ws.apply() == 0
    beta = ws.lock()["bindings"]["beta"]["session"]
    write_programme(ws.root, "demo", [Category("alpha"), Category("gamma", depends_on=("alpha",))])
    capsys.readouterr()
    assert ws.apply("--archive-forgotten") == 0
    out, err = capsys.readouterr()
    assert f"beta: forgot {beta}; archived {beta}" in err.splitlines()
    assert out.splitlines()[-1] == "Apply complete: 1 forgotten."
    assert sorted(ws.lock()["bindings"]) == ["alpha"]
    assert {f"sessions/{s.id}": s.archived for s in ws.emu.sessions()}[beta] is True
