"""``julesform status`` end to end against the emulator over loopback, as a user sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from julesform.emulator.state import Behaviour
from overview_support import PROGRAMME, delivered_demo, make_demo


def test_just_created_sessions_are_progressing(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    demo.apply(Behaviour(), Behaviour())
    demo.emu.advance(5)
    capsys.readouterr()
    assert demo.run("status", "demo.yaml") == 0
    out, err = capsys.readouterr()
    assert out == (
        f"Programme demo (demo.yaml) against {emulator.url}\n"
        "\n"
        "CATEGORY  PHASE  PRI  STATE   HEALTH       SYNC     PULL REQUEST  AGE  TESTS\n"
        "auth      1      P0   QUEUED  progressing  in sync  -             5s   -/4\n"
        "routes    1      P1   QUEUED  progressing  in sync  -             5s   -/3\n"
        "docs      2      P3   -       missing      unbound  -             -    -/0\n"
        "\n"
        "Sessions: 2 QUEUED, 1 not created\n"
        "Tests: 0 of 7 delivered\n"
    )
    assert err == ""


def test_delivered_sessions_with_attention_on_top_and_counts_underneath(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = delivered_demo(emulator, tmp_path, monkeypatch)
    capsys.readouterr()
    assert demo.run("status", "demo.yaml") == 0
    out, _ = capsys.readouterr()
    auth_pr, routes_pr = demo.pull_request("auth"), demo.pull_request("routes")
    width = max(len(auth_pr), len(routes_pr), len("PULL REQUEST"))
    header = f"{'PULL REQUEST':<{width}}"
    assert out.splitlines() == [
        f"Programme demo (demo.yaml) against {emulator.url}",
        "",
        "Attention:",
        "  ! routes: completed but falls short: 2 tests short, 1 skip marker",
        "",
        f"CATEGORY  PHASE  PRI  STATE      HEALTH    SYNC     {header}  AGE    TESTS",
        f"auth      1      P0   COMPLETED  healthy   in sync  {auth_pr:<{width}}  1h00m  4/4",
        f"routes    1      P1   COMPLETED  degraded  in sync  {routes_pr:<{width}}  1h00m  1/3",
        f"docs      2      P3   -          missing   unbound  {'-':<{width}}  -      -/0",
        "",
        "Sessions: 2 COMPLETED, 1 not created",
        "Tests: 5 of 7 delivered",
    ]


def test_an_agent_plan_waiting_and_a_question_need_you(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manual = "  automation_mode: auto_create_pr\n  require_plan_approval: true\n  approval: manual\n"
    programme = PROGRAMME.replace("  automation_mode: auto_create_pr\n", manual)
    demo = make_demo(emulator, tmp_path, monkeypatch, programme)
    demo.apply(Behaviour(), Behaviour())
    demo.emu.advance(600)
    capsys.readouterr()
    assert demo.run("status", "--format", "json", "demo.yaml") == 0
    document = json.loads(capsys.readouterr().out)
    rows = {row["category"]: row for row in document["categories"]}
    assert rows["auth"]["state"] == "AWAITING_PLAN_APPROVAL"
    assert rows["auth"]["health"] == "needs you"
    assert [a["category"] for a in document["attention"]] == ["auth", "routes"]
    assert "approval is manual" in document["attention"][0]["message"]
    assert document["health"] == {"missing": 1, "needs you": 2}


def test_json_document(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = delivered_demo(emulator, tmp_path, monkeypatch)
    capsys.readouterr()
    assert demo.run("status", "--format", "json", "demo.yaml") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format_version"] == 1
    assert document["programme"] == "demo"
    assert document["states"] == {"COMPLETED": 2, "not created": 1}
    assert document["tests"] == {"delivered": 5, "expected": 7}
    auth, routes, docs = document["categories"]
    assert auth == {
        "category": "auth",
        "created": auth["created"],
        "health": "healthy",
        "phase": 1,
        "priority": "P0",
        "pull_request": demo.pull_request("auth"),
        "session": demo.session("auth"),
        "state": "COMPLETED",
        "sync": "in sync",
        "tests_delivered": 4,
        "tests_expected": 4,
        "url": auth["url"],
        "verdict": "ok",
    }
    assert auth["url"].startswith("https://") and auth["created"].endswith("Z")
    assert (routes["health"], routes["tests_delivered"], routes["verdict"]) == ("degraded", 1, "short")
    assert (docs["session"], docs["sync"], docs["tests_delivered"]) == (None, "unbound", None)


def test_markdown_table_links_sessions_and_pull_requests(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = delivered_demo(emulator, tmp_path, monkeypatch)
    capsys.readouterr()
    assert demo.run("status", "--format", "markdown", "demo.yaml") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "### julesform status: `demo`"
    session = demo.session("auth")
    url = demo.emu.session(session.removeprefix("sessions/")).id
    pr = demo.pull_request("auth")
    number = pr.rsplit("/", 1)[1]
    assert (
        f"| `auth` | 1 | P0 | [`{session}`](https://jules.google.com/session/{url}) | COMPLETED | healthy"
        f" | in sync | [#{number}]({pr}) | 1h00m | 4/4 |"
    ) in lines
    assert "| `docs` | 2 | P3 | - | - | missing | unbound | - | - | -/0 |" in lines
    assert lines[-1] == "Sessions: 2 COMPLETED, 1 not created. Tests: 5 of 7 delivered."


def test_an_edited_prompt_shows_outdated(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = delivered_demo(emulator, tmp_path, monkeypatch)
    programme = tmp_path / "demo.yaml"
    programme.write_text(programme.read_text().replace("Secure the routes", "Secure every route"))
    capsys.readouterr()
    assert demo.run("status", "--format", "json", "demo.yaml") == 0
    rows = {row["category"]: row for row in json.loads(capsys.readouterr().out)["categories"]}
    assert (rows["auth"]["sync"], rows["routes"]["sync"]) == ("in sync", "outdated")


def test_watch_appends_refreshed_tables_until_interrupted(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    demo.apply(Behaviour(), Behaviour())
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        """Stands in for the interval: time passes on the emulator; the third wait is a Ctrl-C."""
        waits.append(seconds)
        if len(waits) == 3:
            raise KeyboardInterrupt
        demo.emu.advance(3600)

    monkeypatch.setattr("julesform.commands.status.SLEEP", sleep)
    capsys.readouterr()
    assert demo.run("status", "demo.yaml", "--watch", "2") == 130
    out, err = capsys.readouterr()
    assert waits == [2.0, 2.0, 2.0]
    blocks = out.split(f"Programme demo (demo.yaml) against {emulator.url}\n")[1:]
    assert len(blocks) == 3
    assert "Sessions: 2 QUEUED, 1 not created" in blocks[0]
    assert "Sessions: 2 COMPLETED, 1 not created" in blocks[1]
    assert err.strip() == "interrupted"  # no traceback


def test_watch_without_a_value_uses_the_default_interval(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr("julesform.commands.status.SLEEP", sleep)
    assert demo.run("status", "demo.yaml", "--watch") == 130
    assert waits == [10.0]


def test_watch_keeps_going_when_a_refresh_fails(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    demo.apply(Behaviour(), Behaviour())
    calls: list[float] = []
    lockfile = tmp_path / "state" / "demo.lock.json"

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == 1:
            lockfile.write_text("{")  # the next refresh cannot read the lockfile
        else:
            raise KeyboardInterrupt

    monkeypatch.setattr("julesform.commands.status.SLEEP", sleep)
    capsys.readouterr()
    assert demo.run("status", "demo.yaml", "--watch", "1") == 130
    out, err = capsys.readouterr()
    assert out.count("Sessions: 2 QUEUED, 1 not created") == 2  # the previous status shown again
    assert err.splitlines()[0] == (
        "error: lockfile state/demo.lock.json is not valid JSON (corrupt or truncated?) at line 1:"
        " Expecting property name enclosed in double quotes (showing the previous status; retrying)"
    )


def test_an_invalid_programme_is_one_line_error(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch, "version: 1\nname: demo\n")
    assert demo.run("status", "demo.yaml") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: demo.yaml: ") and err.count("\n") == 1


def test_before_any_apply_everything_is_missing_and_nothing_is_written(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = make_demo(emulator, tmp_path, monkeypatch)
    for command in ("status", "verify", "report"):
        assert demo.run(command, "demo.yaml") == 0
    out = capsys.readouterr().out
    assert "Sessions: 3 not created\nTests: 0 of 7 delivered\n" in out
    assert "Total: 0 of 7 tests delivered; 3 not completed\n" in out
    assert "- `auth` (create): not created yet" in out
    assert not (tmp_path / "state" / "demo.lock.json").exists()
    assert {r.method for r in demo.emu.requests} == {"GET"}
