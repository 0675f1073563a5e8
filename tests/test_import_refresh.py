"""``julesform import`` and ``julesform refresh`` against the emulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apply_support import Workspace, make_workspace
from julesform.state.lockfile import read_lockfile


@pytest.fixture
def ws(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    return make_workspace(emulator, tmp_path, monkeypatch)


def _seed_by_hand(ws: Workspace, title: str = "Strict auth middleware (by hand)") -> str:
    session = ws.emu.seed_session(title=title, prompt="Add strict auth.", require_plan_approval=True)
    return f"sessions/{session.id}"


def test_import_binds_a_hand_made_session_and_shows_it_in_sync(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    name = _seed_by_hand(ws)
    assert ws.run("import", str(ws.programme), "alpha", name.removeprefix("sessions/")) == 0
    out, err = capsys.readouterr()
    assert out == f"Imported {name} (QUEUED) into alpha; state/demo.lock.json is now at serial 1.\n"
    assert err.startswith("note: the binding records the current spec of alpha")
    binding = ws.lock()["bindings"]["alpha"]
    assert binding["session"] == name and binding["attempt"] == 1 and binding["superseded"] == []
    assert [r.method for r in ws.emu.requests] == ["GET"]  # one get: import writes to no session
    assert ws.run("plan", "--detailed-exitcode", "--target", "alpha", str(ws.programme)) == 0
    assert "      alpha  no change" in capsys.readouterr().out.splitlines()
    assert ws.run("import", str(ws.programme), "alpha", name) == 0
    assert capsys.readouterr().out == f"alpha is already bound to {name}; nothing to do.\n"


def test_import_over_a_binding_supersedes_it(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert ws.apply("--target", "alpha") == 0
    old = ws.lock()["bindings"]["alpha"]["session"]
    name = _seed_by_hand(ws)
    capsys.readouterr()
    assert ws.run("import", str(ws.programme), "alpha", name) == 0
    assert f"into alpha (it supersedes {old})" in capsys.readouterr().out
    binding = ws.lock()["bindings"]["alpha"]
    assert binding["session"] == name and binding["superseded"] == [old] and binding["attempt"] == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nope", "sessions/1"], 64, "has no category nope (categories: alpha, beta, gamma)"),
        (["alpha", "sessions/4242"], 1, "error: cannot import sessions/4242: no such session (check the id)"),
    ],
)
def test_import_refuses_unknown_categories_and_sessions(
    ws: Workspace, args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.run("import", str(ws.programme), *args) == code
    assert message in capsys.readouterr().err
    assert not ws.lockfile.exists()


def test_import_refuses_sessions_of_other_programmes_and_other_categories(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = _seed_by_hand(ws, title="Their work [jf:other/alpha]")
    assert ws.run("import", str(ws.programme), "alpha", foreign) == 1
    assert capsys.readouterr().err == (
        f"error: {foreign} carries the marker of other/alpha, not demo/alpha\n"
    )
    assert ws.apply("--target", "beta") == 0
    beta = ws.lock()["bindings"]["beta"]["session"]
    capsys.readouterr()
    assert ws.run("import", str(ws.programme), "alpha", beta) == 1
    assert capsys.readouterr().err == f"error: {beta} is already bound to category beta\n"


def _drop_binding(lockfile: Path, category: str) -> None:
    data = json.loads(lockfile.read_text())
    del data["bindings"][category]
    lockfile.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_refresh_adopts_marked_sessions_and_unbinds_vanished_ones_without_writing(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply() == 0
    bindings = ws.lock()["bindings"]
    alpha, beta = bindings["alpha"]["session"], bindings["beta"]["session"]
    _drop_binding(ws.lockfile, "beta")  # e.g. an apply elsewhere whose lockfile never got committed
    ws.emu.delete_session(alpha.removeprefix("sessions/"))
    writes_before = len(ws.posts())
    capsys.readouterr()
    assert ws.run("refresh", str(ws.programme)) == 0
    out, err = capsys.readouterr()
    assert out == "Refresh complete: 1 imported, 1 unbound.\n"
    assert f"alpha: unbound {alpha} (it no longer exists)" in err.splitlines()
    assert f"beta: imported {beta}" in err.splitlines()
    assert len(ws.posts()) == writes_before  # refresh never writes to a session
    lock = read_lockfile(ws.lockfile)
    assert lock is not None
    assert {cid: b.session for cid, b in lock.bindings.items()} == {"beta": beta}
    assert ws.run("refresh", str(ws.programme)) == 0
    assert capsys.readouterr().out == "Refresh complete: state/demo.lock.json matches the live sessions.\n"


def test_refresh_resolves_a_pending_create_whose_response_was_lost(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ws.apply("--target", "alpha") == 0
    data = json.loads(ws.lockfile.read_text())
    binding = data["bindings"].pop("alpha")
    data["pending"]["alpha"] = {
        "title": "Work on alpha [jf:demo/alpha]",
        "spec_hash": binding["spec_hash"],
        "started_at": binding["bound_at"],
        "attempt": 1,
    }
    ws.lockfile.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    capsys.readouterr()
    assert ws.run("refresh", str(ws.programme)) == 0
    assert capsys.readouterr().out == "Refresh complete: 1 imported.\n"
    lock = ws.lock()
    assert lock["pending"] == {}
    assert lock["bindings"]["alpha"]["session"] == binding["session"]
    assert lock["bindings"]["alpha"]["spec_hash"] == binding["spec_hash"]
