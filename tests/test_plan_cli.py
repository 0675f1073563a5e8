"""``julesform plan`` end to end: the CLI against the emulator over loopback, as a user sees it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from julesform.api.endpoint import normalise_base_url
from julesform.cli import main
from julesform.planner.desired import desired_categories
from julesform.planner.plan import Plan
from julesform.programme.loader import load_programme
from julesform.state.lockfile import Binding, Lockfile, dump_lockfile

REPO = Path(__file__).resolve().parent.parent
SOURCE = "sources/github/example-org/widget-app"

PROGRAMME = f"""\
version: 1
name: sec
source: {SOURCE}
quota:
  daily: 10
  concurrent: 3
categories:
  - id: auth
    title: Auth middleware
    priority: P0
    prompt: Write the auth middleware, with tests.
  - id: routes
    title: Secure routes
    depends_on: [auth]
    prompt: Secure the routes, with tests.
  - id: docs
    title: Security docs
    priority: P3
    prompt: Document the security model.
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any) -> Path:
    """A project directory (programme file, state/) whose julesform talks to the emulator at its time."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JULES_API_KEY", emulator.api_key)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "sec.yaml").write_text(PROGRAMME)
    (tmp_path / "state").mkdir()
    emulator.emulator.faults.fail_share = 0.0

    def emulator_now() -> datetime:
        return datetime.fromtimestamp(emulator.emulator.now_us() / 1_000_000, UTC)

    monkeypatch.setattr("julesform.pipeline.current_time", emulator_now)
    return tmp_path


def run(emulator: Any, *args: str) -> int:
    return main(["--api-url", emulator.url, "plan", *args])


def endpoint(emulator: Any) -> str:
    return normalise_base_url(emulator.url)


def marked(title: str, cid: str, programme: str = "sec") -> str:
    return f"{title} [jf:{programme}/{cid}]"


def write_lockfile(emulator: Any, bindings: dict[str, str], *, path: str = "state/sec.lock.json") -> Path:
    """A lockfile binding each category to a session, with the hash of sec.yaml's spec as it is now."""
    want = desired_categories(load_programme(Path("sec.yaml")))
    lock = Lockfile(
        lineage="0b5d6c1e-5f0e-4e4c-9a51-7d1f0d7f7c11",
        serial=3,
        endpoint=endpoint(emulator),
        programme="sec",
        bindings={
            cid: Binding(
                session=name,
                spec_hash=want[cid].spec_hash,
                bound_at="2026-03-02T08:00:00Z",
                require_plan_approval=want[cid].spec.require_plan_approval,
                automation_mode=want[cid].spec.automation_mode,
            )
            for cid, name in bindings.items()
        },
    )
    target = Path(path)
    target.write_text(dump_lockfile(lock))
    return target


def seed(emulator: Any, cid: str, *, title: str | None = None, **kwargs: Any) -> str:
    prompts = {
        "auth": "Write the auth middleware, with tests.",
        "routes": "Secure the routes, with tests.",
        "docs": "Document the security model.",
    }
    titles = {"auth": "Auth middleware", "routes": "Secure routes", "docs": "Security docs"}
    created = emulator.emulator.seed_session(
        prompt=prompts[cid], title=title or marked(titles[cid], cid), source=SOURCE, **kwargs
    )
    return f"sessions/{created.id}"


# --- text -------------------------------------------------------------------------------------


def test_first_plan_creates_what_it_can_and_defers_the_rest(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(emulator, "sec.yaml") == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"Programme sec (sec.yaml) against {endpoint(emulator)}"
    assert "  +   auth    create: not created yet" in lines
    assert "  …   routes  defer: depends on auth, not completed yet" in lines
    assert "  +   docs    create: not created yet" in lines
    assert "Quota: creates 2 of 10 daily tasks left; 0 + 2 of 3 running" in lines
    assert lines[-1] == "Plan: 2 to create, 0 to approve, 0 to import, 0 to replace, 0 to forget; 1 deferred."


def test_detailed_exitcode_is_2_with_changes_and_0_without(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(emulator, "--detailed-exitcode", "sec.yaml") == 2
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes", "docs")}
    write_lockfile(emulator, names)
    capsys.readouterr()
    assert run(emulator, "--detailed-exitcode", "sec.yaml") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "No changes. The programme matches the live sessions."
    assert "      auth    no change" in out


def test_lost_create_is_imported_and_other_sessions_are_left_alone(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = seed(emulator, "auth", state="IN_PROGRESS")
    seed(emulator, "docs", title=marked("Security docs", "docs", programme="other-team"), state="COMPLETED")
    seed(emulator, "routes", title="Secure routes", state="COMPLETED")  # unmarked, made by hand
    assert run(emulator, "sec.yaml") == 0
    out = capsys.readouterr().out
    assert f"  <=  auth    import: {mine} (IN_PROGRESS) carries the marker [jf:sec/auth]" in out
    assert "  +   docs    create: not created yet" in out
    # The imported session is running, not completed: routes still waits for it.
    assert "  …   routes  defer: depends on auth, not completed yet" in out


def test_waiting_agent_plan_is_approved_and_feedback_is_flagged(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = seed(emulator, "auth", require_plan_approval=True)
    docs = seed(emulator, "docs", state="AWAITING_USER_FEEDBACK")
    emulator.emulator.advance(120)  # auth: QUEUED -> PLANNING -> AWAITING_PLAN_APPROVAL
    write_lockfile(emulator, {"auth": auth, "docs": docs})
    assert run(emulator, "sec.yaml") == 0
    out = capsys.readouterr().out
    assert (
        f"  ~   auth    approve: an agent plan waits for approval ({auth} is AWAITING_PLAN_APPROVAL);"
        " approval is auto"
    ) in out.splitlines()
    assert f"  ! docs: {docs} asks for your feedback [awaiting_feedback]" in out
    assert "  …   routes  defer: depends on auth, not completed yet" in out


def test_changed_prompt_shows_the_changed_lines(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes", "docs")}
    write_lockfile(emulator, names)
    edited = PROGRAMME.replace("Document the security model.", "Document the threat model.")
    Path("sec.yaml").write_text(edited)
    assert run(emulator, "--detailed-exitcode", "sec.yaml") == 0  # on_change report: no change
    out = capsys.readouterr().out
    assert "spec changed (prompt); on_change is report" in out
    assert "        -Document the security model." in out
    assert "        +Document the threat model." in out
    assert "@@" not in out and "+++" not in out


def test_target_makes_a_partial_plan_that_says_so(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(emulator, "--target", "docs", "sec.yaml") == 0
    out = capsys.readouterr().out
    assert "Partial plan: only docs (--target); other categories were not considered." in out
    assert "auth" not in out.split("Partial plan")[1]


def test_unknown_target_is_a_usage_error(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(emulator, "--target", "nope", "sec.yaml") == 64
    assert capsys.readouterr().err == "error: --target nope: sec.yaml has no category nope\n"


# --- json and markdown ------------------------------------------------------------------------


def test_json_output_matches_its_schema_and_holds_no_key(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(emulator, "auth", age=60)
    assert run(emulator, "--format", "json", "sec.yaml") == 0
    out = capsys.readouterr().out
    document = json.loads(out)
    schema = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["format_version"] == 1
    assert document["summary"]["import"] == 1 and document["summary"]["create"] == 1
    assert [(c["category"], c["actions"]) for c in document["changes"]] == [
        ("auth", ["import"]),
        ("docs", ["create"]),
    ]
    assert document["deferred"] == [
        {"category": "routes", "reason": "depends on auth, not completed yet", "waiting_on": ["auth"]}
    ]
    assert emulator.api_key not in out


def test_markdown_is_a_pull_request_comment(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(emulator, "--format", "markdown", "sec.yaml") == 0
    out = capsys.readouterr().out
    assert out.startswith("<!-- julesform-plan: sec -->\n### julesform plan: `sec`\n")
    assert "**Plan: 2 to create, 0 to approve, 0 to import, 0 to replace, 0 to forget; 1 deferred.**" in out
    assert "| `+` | `auth` | create | not created yet |" in out
    assert "<details><summary><code>+ auth</code> create</summary>" in out
    assert len(out) <= 65_536


# --- plan only reads ---------------------------------------------------------------------------


def test_plan_sends_only_gets_and_never_writes_the_lockfile(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = seed(emulator, "auth", require_plan_approval=True)
    emulator.emulator.advance(120)
    lock = write_lockfile(emulator, {"auth": auth})
    before = lock.read_bytes(), lock.stat().st_mtime_ns
    emulator.emulator.requests.clear()
    assert run(emulator, "--detailed-exitcode", "sec.yaml") == 2  # approve + creates planned
    methods = {record.method for record in emulator.emulator.requests}
    assert methods == {"GET"}
    assert (lock.read_bytes(), lock.stat().st_mtime_ns) == before
    # Besides the untouched lockfile only the git-ignored activity cache is written.
    assert sorted(p.name for p in Path("state").iterdir()) == [".cache", "sec.lock.json"]


def test_fully_bound_small_programme_is_read_with_gets_not_a_listing(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes", "docs")}
    write_lockfile(emulator, names)
    emulator.emulator.requests.clear()
    assert run(emulator, "sec.yaml") == 0
    paths = sorted(record.path for record in emulator.emulator.requests)
    # Three gets, no account listing, no activities (COMPLETED without plan approval cannot hide a plan).
    assert paths == sorted(f"/v1alpha/{name}" for name in names.values())
    out = capsys.readouterr().out
    assert "Quota: quota not read: nothing to create, so the account was not listed" in out


def test_a_second_plan_reads_finished_sessions_logs_from_the_activity_cache(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # With plan approval required even a COMPLETED session's log is read (an agent plan may still wait).
    Path("sec.yaml").write_text(
        PROGRAMME.replace("categories:", "defaults:\n  require_plan_approval: true\ncategories:", 1)
    )
    names = {cid: seed(emulator, cid) for cid in ("auth", "routes", "docs")}
    emulator.emulator.advance(3600)
    assert {s.state for s in emulator.emulator.sessions()} == {"COMPLETED"}
    write_lockfile(emulator, names)

    def activity_reads() -> list[str]:
        return [r.path for r in emulator.emulator.requests if r.path.endswith("/activities")]

    emulator.emulator.requests.clear()
    assert run(emulator, "sec.yaml") == 0
    assert len(activity_reads()) == 3
    emulator.emulator.requests.clear()
    assert run(emulator, "sec.yaml") == 0
    assert activity_reads() == []  # finished and unchanged: nothing to download again
    assert capsys.readouterr().out.count("No changes. The programme matches the live sessions.") == 2


def test_vanished_bound_session_is_planned_again(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes")}
    names["docs"] = "sessions/999999999999999999"
    write_lockfile(emulator, names)
    assert run(emulator, "sec.yaml") == 0
    out = capsys.readouterr().out
    assert "  +   docs    create: bound session sessions/999999999999999999 no longer exists" in out
    assert "[vanished]" in out


# --- lockfile trouble --------------------------------------------------------------------------


def test_lockfile_of_another_endpoint_is_refused(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = write_lockfile(emulator, {})
    lock.write_text(lock.read_text().replace(endpoint(emulator), "https://jules.googleapis.com/v1alpha"))
    assert run(emulator, "sec.yaml") == 1
    assert capsys.readouterr().err == (
        "error: lockfile state/sec.lock.json belongs to https://jules.googleapis.com/v1alpha,"
        f" not {endpoint(emulator)}\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"version": 1, "lineage": "x", "ser', "is not valid JSON (corrupt or truncated?) at line 1"),
        ('{"version": 2}', "has version 2; this julesform reads version 1"),
        ('{"version": 1, "lineage": "x", "serial": -1}', "does not match its schema at serial"),
    ],
)
def test_unreadable_lockfile_is_an_error_and_left_untouched(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    Path("state/sec.lock.json").write_text(content)
    assert run(emulator, "sec.yaml") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: lockfile state/sec.lock.json ") and message in err
    assert err.count("\n") == 1
    assert Path("state/sec.lock.json").read_text() == content


def test_lockfile_option_reads_another_file(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = seed(emulator, "auth", state="COMPLETED")
    write_lockfile(emulator, {"auth": auth}, path="elsewhere.json")
    assert run(emulator, "--lockfile", "elsewhere.json", "sec.yaml") == 0
    out = capsys.readouterr().out
    assert "  +   routes  create: not created yet" in out  # auth is bound and completed there


# --- saved plans --------------------------------------------------------------------------------


def test_out_saves_a_plan_apply_can_check(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lockfile(emulator, {})
    assert run(emulator, "--out", "plan.json", "sec.yaml") == 0
    captured = capsys.readouterr()
    assert "Saved the plan to plan.json; carry it out with: julesform apply plan.json" in captured.err
    plan = Plan.model_validate_json(Path("plan.json").read_text())
    assert (plan.lineage, plan.serial, plan.programme, plan.endpoint) == (
        "0b5d6c1e-5f0e-4e4c-9a51-7d1f0d7f7c11",
        3,
        "sec",
        endpoint(emulator),
    )
    assert plan.programme_hash.startswith("sha256:") and plan.plan_id
    assert [c.action for c in plan.changes] == ["create", "create"]


# --- several programmes -------------------------------------------------------------------------


def test_a_directory_of_programmes_shares_one_quota_and_aggregates_exit_codes(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path("programmes")
    folder.mkdir()
    tight = PROGRAMME.replace("daily: 10", "daily: 3")
    (folder / "a.yaml").write_text(tight)
    (folder / "b.yaml").write_text(tight.replace("name: sec", "name: web"))
    assert run(emulator, "--detailed-exitcode", "programmes") == 2
    out = capsys.readouterr().out
    first, second = out.split("\nProgramme web")
    assert "Plan: 2 to create" in first
    # Two of the three daily tasks went to the first programme: one is left for the second.
    assert "creates 1 (+2 by other programmes) of 3 daily tasks left" in second
    assert "  …   docs    defer: quota: no daily headroom" in second
    assert out.splitlines()[-1] == (
        "All programmes: Plan: 3 to create, 0 to approve, 0 to import, 0 to replace, 0 to forget; 3 deferred."
    )


def test_one_broken_programme_fails_the_run_but_the_others_are_planned(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("broken.yaml").write_text("version: 1\nname: Broken!\n")
    assert run(emulator, "--detailed-exitcode", "broken.yaml", "sec.yaml") == 1
    out, err = capsys.readouterr()
    assert "Programme sec (sec.yaml)" in out
    assert err.startswith("error: broken.yaml: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "p.json", "sec.yaml", "sec.yaml2"], "--out saves the plan of exactly one programme file"),
        (["--lockfile", "x.json", "sec.yaml", "sec.yaml2"], "--lockfile needs exactly one programme file"),
        (["--replace", "auth", "sec.yaml"], "--replace auth: category auth has no bound session to replace"),
        (["empty"], "empty holds no programme files (*.yaml, *.yml)"),
    ],
)
def test_flags_that_make_no_sense_are_usage_errors(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    Path("sec.yaml2").write_text(PROGRAMME)
    Path("empty").mkdir()
    assert run(emulator, *args) == 64
    assert capsys.readouterr().err == f"error: {message}\n"
    assert emulator.emulator.requests == []


def test_replace_flag_plans_a_replace_of_a_bound_session(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes", "docs")}
    write_lockfile(emulator, names)
    assert run(emulator, "--detailed-exitcode", "--replace", "docs", "sec.yaml") == 2
    out = capsys.readouterr().out
    assert f"  -/+ docs    replace: --replace was given: a new session supersedes {names['docs']}" in out
    assert out.splitlines()[-1] == (
        "Plan: 0 to create, 0 to approve, 0 to import, 1 to replace, 0 to forget; 0 deferred."
    )


def test_target_across_several_programmes_plans_only_where_it_is_found(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("web.yaml").write_text(PROGRAMME.replace("name: sec", "name: web").replace("id: docs", "id: pages"))
    assert run(emulator, "--target", "pages", "sec.yaml", "web.yaml") == 0
    out = capsys.readouterr().out
    assert "Programme sec" not in out
    assert "Partial plan: only pages (--target)" in out and "  +   pages  create: not created yet" in out
    assert run(emulator, "--target", "nowhere", "sec.yaml", "web.yaml") == 64
    assert capsys.readouterr().err == "error: --target nowhere: no programme has a category nowhere\n"
