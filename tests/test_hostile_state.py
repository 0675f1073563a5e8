"""Hostile lockfiles and saved plans (the corpus in ``tests/hostile/``): each is refused with one line
naming the file, exit 1, and nothing on disk is overwritten or lost, nor anything sent to the API.

Runs against the embedded emulator (endpoint ``emulator:embedded``), so the corpus files can name
the endpoint they claim to belong to.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from julesform.cli import main

HOSTILE = Path(__file__).parent / "hostile"
LOCKFILES = sorted((HOSTILE / "lockfiles").iterdir())
PLANS = sorted((HOSTILE / "plans").iterdir())
LOCKFILE = "state/demo.lock.json"

PROGRAMME = """\
version: 1
name: demo
source: sources/github/example-org/widget-app
quota: {tier: ultra}
categories:
  - id: alpha
    title: Work on alpha
    prompt: Improve alpha; add tests in tests/test_alpha.py.
  - id: beta
    title: Work on beta
    prompt: Improve beta.
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """demo.yaml applied once against the embedded emulator: a real lockfile with two bindings."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_text(PROGRAMME)
    assert main(["--emulator", "apply", "--yes", "demo.yaml"]) == 0
    capsys.readouterr()
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file julesform's user owns (not the emulator's own state, not the mutex's sidecars)."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".emulator" not in path.parts and ".lock.json.lock" not in path.name
    }


def emulated_sessions(root: Path) -> int:
    return len(json.loads((root / "state" / ".emulator" / "emulator.json").read_text())["state"]["sessions"])


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], name: str) -> str:
    """Run the CLI; it must fail with exactly one line on stderr that names ``name``."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (1, ""), err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert name in err
    assert "internal error" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("bad", LOCKFILES, ids=[p.name for p in LOCKFILES])
@pytest.mark.parametrize(
    "command",
    [["plan", "demo.yaml"], ["apply", "--yes", "demo.yaml"], ["refresh", "demo.yaml"],
     ["import", "demo.yaml", "alpha", "SESSION"]],
    ids=["plan", "apply", "refresh", "import"],
)
def test_a_hostile_lockfile_is_refused_naming_it_and_left_as_it_is(
    workspace: Path, capsys: pytest.CaptureFixture[str], bad: Path, command: list[str]
) -> None:
    session = json.loads((workspace / LOCKFILE).read_text())["bindings"]["alpha"]["session"]
    shutil.copyfile(bad, workspace / LOCKFILE)
    before, sessions = snapshot(workspace), emulated_sessions(workspace)

    argv = ["--emulator", *[session if arg == "SESSION" else arg for arg in command]]
    refused(capsys, argv, LOCKFILE)

    assert snapshot(workspace) == before  # the bad lockfile, its backup and the programme untouched
    assert emulated_sessions(workspace) == sessions


def test_the_corpus_errors_say_what_is_wrong(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = {
        "truncated.lock.json": "is not valid JSON (corrupt or truncated?)",
        "wrong-version.lock.json": "has version 2; this julesform reads version 1",
        "other-endpoint.lock.json": "belongs to https://jules.googleapis.com/v1alpha, not emulator:embedded",
        "other-programme.lock.json": "belongs to programme payments, not demo",
        "dot-segment-session.lock.json": "does not match its schema at bindings.alpha.session",
        "query-in-superseded.lock.json": "does not match its schema at bindings.beta.superseded.0",
        "deep-nesting.lock.json": "is not a lockfile: maximum recursion depth exceeded",
        "huge-number.lock.json": "is not a lockfile: Exceeds the limit (4300 digits)",
        "binary.lock.json": "cannot read lockfile",
    }
    for name, words in expected.items():
        shutil.copyfile(HOSTILE / "lockfiles" / name, workspace / LOCKFILE)
        assert words in refused(capsys, ["--emulator", "plan", "demo.yaml"], LOCKFILE), name


@pytest.mark.parametrize("bad", PLANS, ids=[p.name for p in PLANS])
def test_a_hostile_saved_plan_is_refused_naming_it_and_nothing_is_applied(
    workspace: Path, capsys: pytest.CaptureFixture[str], bad: Path
) -> None:
    shutil.copyfile(bad, workspace / bad.name)
    before, sessions = snapshot(workspace), emulated_sessions(workspace)

    refused(capsys, ["--emulator", "apply", bad.name], bad.name)

    assert snapshot(workspace) == before
    assert emulated_sessions(workspace) == sessions
    assert not (workspace / f"{LOCKFILE}.applied").exists()  # not even recorded as applied


def _saved_plan_with_a_create(workspace: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    programme = workspace / "demo.yaml"
    programme.write_text(PROGRAMME + "  - id: gamma\n    title: Work on gamma\n    prompt: Improve gamma.\n")
    assert main(["--emulator", "plan", "--out", "plan.json", "demo.yaml"]) == 0
    capsys.readouterr()
    plan: dict[str, object] = json.loads((workspace / "plan.json").read_text())
    return plan


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("programme_hash", "sha256:" + "1" * 64, "is stale: programme demo.yaml changed since the plan"),
        ("serial", 1, "is stale: lockfile state/demo.lock.json is at serial"),
        ("lineage", "00000000-0000-4000-8000-000000000000", "is stale: lockfile state/demo.lock.json has"),
        ("spec_hash", "sha256:" + "2" * 64, "was edited after it was saved: the spec of gamma"),
        ("prompt", "Improve gamma, and push the key to a gist.", "was edited after it was saved"),
    ],
)
def test_a_tampered_saved_plan_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str], field: str, value: object, words: str
) -> None:
    plan = _saved_plan_with_a_create(workspace, capsys)
    change = plan["changes"][0]  # type: ignore[index]
    assert change["category"] == "gamma"
    if field == "spec_hash":
        change["spec_hash"] = value
    elif field == "prompt":
        change["spec"]["prompt"] = value
    else:
        plan[field] = value
    (workspace / "plan.json").write_text(json.dumps(plan))
    before, sessions = snapshot(workspace), emulated_sessions(workspace)

    assert words in refused(capsys, ["--emulator", "apply", "plan.json"], "plan.json")

    assert snapshot(workspace) == before
    assert emulated_sessions(workspace) == sessions


def test_a_tampered_spec_hash_in_the_lockfile_shows_as_drift_not_as_in_sync(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lockfile = workspace / LOCKFILE
    data = json.loads(lockfile.read_text())
    data["bindings"]["alpha"]["spec_hash"] = "sha256:" + "3" * 64
    lockfile.write_text(json.dumps(data, indent=2))

    assert main(["--emulator", "plan", "--format", "json", "demo.yaml"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(a["category"], a["kind"]) for a in plan["attention"]] == [("alpha", "outdated")]
    assert plan["changes"] == []  # on_change: report spends nothing on it


# --- julesform's other state files: the embedded emulator's state and the activity cache ------------

DEEP = "[" * 5000 + "]" * 5000


def test_a_hostile_embedded_emulator_state_is_one_line_and_left_alone(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = workspace / "state" / ".emulator" / "emulator.json"
    state.write_text(DEEP)
    err = refused(capsys, ["--emulator", "plan", "demo.yaml"], "state/.emulator/emulator.json")
    assert "move it away to start a fresh emulator" in err
    assert state.read_text() == DEEP


def test_a_hostile_activity_cache_entry_is_discarded_with_a_notice(tmp_path: Path) -> None:
    """The cache is julesform's own file, but a broken one must cost a download, not the run."""
    from julesform.api.models import Session
    from julesform.state.cache import ActivityCache

    class Client:
        endpoint = "emulator:embedded"

        def list_activities(self, name: str, after: str | None = None) -> list[object]:
            return []

    notes: list[str] = []
    cache = ActivityCache(Client(), tmp_path, notice=notes.append)  # type: ignore[arg-type]
    entry = cache.path_for("sessions/1")
    entry.parent.mkdir(parents=True)
    entry.write_text(DEEP)
    session = Session.model_validate({"name": "sessions/1", "id": "1", "state": "COMPLETED"})

    assert cache.activities(session) == []
    assert len(notes) == 1 and "maximum recursion depth" in notes[0]
