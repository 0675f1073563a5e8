"""How ``plan`` observes: which requests it sends for which situation (as few as the numbers allow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from julesform.emulator import Behaviour
from test_plan_cli import PROGRAMME, run, seed, workdir, write_lockfile

__all__ = ["workdir"]  # the fixture, shared with the CLI tests


def requests(emulator: Any) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.emulator.requests]


def recreate_programme() -> None:
    edited = PROGRAMME.replace("    priority: P0\n", "    priority: P0\n    on_failure: recreate\n")
    Path("sec.yaml").write_text(edited)


def test_a_waiting_agent_plan_costs_one_get_and_one_activity_read(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = seed(emulator, "auth", require_plan_approval=True)
    emulator.emulator.advance(120)
    write_lockfile(emulator, {"auth": auth})
    emulator.emulator.requests.clear()
    assert run(emulator, "--target", "auth", "sec.yaml") == 0
    assert requests(emulator) == [f"GET /v1alpha/{auth}", f"GET /v1alpha/{auth}/activities"]
    assert "approve: an agent plan waits for approval" in capsys.readouterr().out


def test_a_failed_session_is_not_asked_for_activities_and_a_recreate_lists_for_quota(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    recreate_programme()
    auth = seed(emulator, "auth", state="FAILED")
    write_lockfile(emulator, {"auth": auth})
    emulator.emulator.requests.clear()
    assert run(emulator, "--target", "auth", "sec.yaml") == 0
    # The get shows FAILED; a recreate needs the quota, so the account is listed once after all.
    assert requests(emulator) == [f"GET /v1alpha/{auth}", "GET /v1alpha/sessions"]
    assert "filter=" in emulator.emulator.requests[1].query  # archived sessions too
    out = capsys.readouterr().out
    assert f"  -/+ auth  recreate: {auth} FAILED; on_failure is recreate (attempt 2 of 3)" in out
    assert "Quota: creates 1 of 9 daily tasks left; 0 + 1 of 3 running" in out


def test_many_bound_sessions_are_listed_once_instead_of_got_one_by_one(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("sec.yaml").write_text(
        PROGRAMME + "".join(f"  - id: extra{i}\n    title: Extra {i}\n    prompt: Extra.\n" for i in range(3))
    )
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes", "docs")}
    for i in range(3):
        made = emulator.emulator.seed_session(
            prompt="Extra.",
            title=f"Extra {i} [jf:sec/extra{i}]",
            source="sources/github/example-org/widget-app",
            state="COMPLETED",
        )
        names[f"extra{i}"] = f"sessions/{made.id}"
    write_lockfile(emulator, names)
    emulator.emulator.requests.clear()
    assert run(emulator, "--detailed-exitcode", "sec.yaml") == 0
    assert requests(emulator) == ["GET /v1alpha/sessions"]


def test_completed_with_a_plan_still_waiting_is_approved(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    approval = PROGRAMME.replace("quota:", "defaults:\n  require_plan_approval: true\nquota:")
    Path("sec.yaml").write_text(approval)
    auth = seed(
        emulator, "auth", require_plan_approval=True, behaviour=Behaviour(complete_with_pending_plan=True)
    )
    emulator.emulator.advance(3600)
    assert emulator.emulator.session(auth.removeprefix("sessions/")).state == "COMPLETED"
    write_lockfile(emulator, {"auth": auth})
    assert run(emulator, "--target", "auth", "sec.yaml") == 0
    out = capsys.readouterr().out
    assert f"approve: an agent plan waits for approval ({auth} is COMPLETED); approval is auto" in out


def test_archived_sessions_are_seen_for_quota_and_bindings(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = seed(emulator, "auth", state="COMPLETED", archived=True)
    for _ in range(8):  # eight tasks spent today, archived or not
        emulator.emulator.seed_session(title="by hand", archived=True, state="COMPLETED")
    write_lockfile(emulator, {"auth": auth})
    assert run(emulator, "sec.yaml") == 0
    out = capsys.readouterr().out
    assert "vanished" not in out
    assert "Quota: creates 1 of 1 daily tasks left; 0 + 1 of 3 running" in out
    assert "  …   docs    defer: quota: no daily headroom (9 of 10 tasks used in the last 24 h" in out


def test_a_silent_running_session_is_reported_stalled(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = seed(emulator, "auth", behaviour=Behaviour(outcome="stall"))
    emulator.emulator.advance(600)
    assert emulator.emulator.session(auth.removeprefix("sessions/")).state == "IN_PROGRESS"
    write_lockfile(emulator, {"auth": auth})
    assert run(emulator, "--target", "auth", "sec.yaml") == 0
    assert "stalled" not in capsys.readouterr().out
    emulator.emulator.advance(3 * 3600)
    assert run(emulator, "--detailed-exitcode", "--target", "auth", "sec.yaml") == 0  # attention only
    out = capsys.readouterr().out
    assert f"  ! auth: {auth} (IN_PROGRESS) shows no activity for " in out
    assert "(stall_minutes 30) [stalled]" in out


def test_a_category_removed_from_the_programme_is_forgotten_loudly(
    workdir: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {cid: seed(emulator, cid, state="COMPLETED") for cid in ("auth", "routes", "docs")}
    write_lockfile(emulator, names)
    Path("sec.yaml").write_text(PROGRAMME.split("  - id: docs")[0])
    assert run(emulator, "--detailed-exitcode", "sec.yaml") == 2
    out = capsys.readouterr().out
    assert (
        f"  -   docs    forget: removed from the programme; apply drops the binding of {names['docs']}"
        " (and archives it only if asked)"
    ) in out.splitlines()
    assert out.splitlines()[-1] == (
        "Plan: 0 to create, 0 to approve, 0 to import, 0 to replace, 1 to forget; 0 deferred."
    )
