"""``julesform verify`` end to end: known patches from the emulator, measured over loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from julesform.emulator.state import Behaviour
from overview_support import AUTH_PATCH, PROGRAMME, ROUTES_PATCH, delivered_demo, make_demo

ONLY_AUTH = PROGRAMME[: PROGRAMME.index("  - id: routes")]


def test_a_short_category_fails_with_exit_3(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = delivered_demo(emulator, tmp_path, monkeypatch)
    capsys.readouterr()
    assert demo.run("verify", "demo.yaml") == 3
    out, err = capsys.readouterr()
    assert out == (
        "auth    4/4 tests          2/2 deliverables  ok\n"
        "routes  1/3 tests (+2 -1)  1/1 deliverables  short: 2 tests short, 1 skip marker\n"
        "docs    -/0 tests          -/1 deliverables  no session\n"
        "\n"
        "Total: 5 of 7 tests delivered; 1 category short; 1 not completed\n"
    )
    assert err == "error: 1 completed category falls short of what was promised: routes\n"


def test_everything_delivered_exits_0(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch, ONLY_AUTH)
    demo.apply(Behaviour(patch=AUTH_PATCH))
    demo.emu.advance(3600)
    capsys.readouterr()
    assert demo.run("verify", "demo.yaml") == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "auth  4/4 tests  2/2 deliverables  ok",
        "",
        "Total: 4 of 4 tests delivered; every category delivered",
    ]
    assert err == ""


def test_sessions_still_running_are_not_judged(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    demo.apply(Behaviour(patch=AUTH_PATCH), Behaviour(patch=ROUTES_PATCH))
    demo.emu.advance(120)
    capsys.readouterr()
    assert demo.run("verify", "demo.yaml") == 0
    out = capsys.readouterr().out
    assert "auth    -/4 tests  -/2 deliverables  not completed (IN_PROGRESS)" in out
    assert out.endswith("Total: 0 of 7 tests delivered; 3 not completed\n")


def test_a_missing_deliverable_and_a_missing_patch_fall_short(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    tests_only = AUTH_PATCH[AUTH_PATCH.index("diff --git a/tests/test_auth.py") :]
    nothing_to_test = "diff --git a/README.md b/README.md\nindex 1..2 100644\n"
    nothing_to_test += "--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n"
    demo.apply(Behaviour(patch=tests_only), Behaviour(patch=nothing_to_test))
    demo.emu.advance(3600)
    capsys.readouterr()
    assert demo.run("verify", "--format", "json", "demo.yaml") == 3
    document = json.loads(capsys.readouterr().out)
    auth, routes, docs = document["categories"]
    assert auth["shortfalls"] == ["src/auth.py missing"]
    assert auth["deliverables"] == {"src/auth.py": "missing", "tests/test_auth.py": "created"}
    assert (auth["tests_added"], auth["tests_removed"], auth["tests_delivered"]) == (4, 0, 4)
    assert routes["shortfalls"] == ["3 tests short", "web/routes.test.ts missing"]
    assert docs["verdict"] == "no session" and docs["tests_delivered"] is None
    assert document["ok"] is False
    assert document["total"] == {"delivered": 4, "expected": 7, "not_completed": 1, "short": 2}


def test_json_for_a_delivery_with_removed_tests_and_skips(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = delivered_demo(emulator, tmp_path, monkeypatch)
    capsys.readouterr()
    assert demo.run("verify", "--format", "json", "demo.yaml") == 3
    routes = json.loads(capsys.readouterr().out)["categories"][1]
    assert routes == {
        "category": "routes",
        "deliverables": {"web/routes.test.ts": "changed"},
        "session": demo.session("routes"),
        "shortfalls": ["2 tests short", "1 skip marker"],
        "skips": 1,
        "skips_removed": 0,
        "state": "COMPLETED",
        "tests_added": 2,
        "tests_delivered": 1,
        "tests_expected": 3,
        "tests_removed": 1,
        "verdict": "short",
    }


def test_the_patch_is_read_from_activities_once_and_then_from_the_cache(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch, ONLY_AUTH)
    demo.apply(Behaviour(patch=AUTH_PATCH, patch_in_outputs=False))
    demo.emu.advance(3600)
    session = demo.emu.session(demo.session("auth").removeprefix("sessions/"))
    assert not any("changeSet" in output for output in session.outputs)  # only in the activity log
    capsys.readouterr()
    assert demo.run("verify", "demo.yaml") == 0
    assert capsys.readouterr().out.startswith("auth  4/4 tests  2/2 deliverables  ok\n")
    assert len(demo.activity_queries()) == 1
    requests_before = len(demo.emu.requests)

    assert demo.run("verify", "demo.yaml") == 0
    assert capsys.readouterr().out.startswith("auth  4/4 tests  2/2 deliverables  ok\n")
    assert len(demo.activity_queries()) == 1  # nothing downloaded again
    assert len(demo.emu.requests) - requests_before == 1  # just the session itself

    cached = next((tmp_path / "state" / ".cache").glob("*/activities/*.json"))
    cached.write_text(cached.read_text()[:100])  # truncated: never trusted
    assert demo.run("verify", "demo.yaml") == 0
    out, err = capsys.readouterr()
    assert out.startswith("auth  4/4 tests  2/2 deliverables  ok\n")
    assert "is corrupt" in err and "fetching the log again" in err
    assert demo.activity_queries()[-1] == "pageSize=100"


def test_a_session_that_says_completed_while_its_plan_waits_is_not_judged(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = ONLY_AUTH.replace(
        "  automation_mode: auto_create_pr\n",
        "  automation_mode: auto_create_pr\n  require_plan_approval: true\n  approval: manual\n",
    )
    demo = make_demo(emulator, tmp_path, monkeypatch, programme)
    demo.apply(Behaviour(complete_with_pending_plan=True))
    demo.emu.advance(3600)
    assert demo.emu.session(demo.session("auth").removeprefix("sessions/")).state == "COMPLETED"
    capsys.readouterr()
    assert demo.run("verify", "demo.yaml") == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first == "auth  -/4 tests  -/2 deliverables  not completed (COMPLETED, agent plan waiting)"
    assert demo.run("status", "--format", "json", "demo.yaml") == 0
    row = json.loads(capsys.readouterr().out)["categories"][0]
    assert (row["state"], row["health"], row["tests_delivered"]) == ("COMPLETED", "needs you", None)
