"""``julesform validate`` as a user runs it: exit codes, stdout vs stderr, exact locations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from julesform.cli import main

REPO = Path(__file__).resolve().parent.parent
BAD = "tests/programmes/bad"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_valid_files_print_one_summary_each(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "programmes/security-hardening.yaml", "programmes/docs-refresh.yaml"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out == (
        "programmes/security-hardening.yaml: 10 categories, 3 phases, 90 h, 205 tests\n"
        "programmes/docs-refresh.yaml: 2 categories, 2 phases, 5 h, 3 tests\n"
    )
    assert captured.err == ""


def test_invalid_file_lists_every_problem_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", f"{BAD}/unknown-keys.yaml"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[:2] == [
        f"{BAD}/unknown-keys.yaml:4:1: defualts: unknown key 'defualts'; did you mean 'defaults'?",
        f"{BAD}/unknown-keys.yaml:10:5: categories[0].test: unknown key 'test'; did you mean 'tests'?",
    ]
    assert lines[2].startswith(f"{BAD}/unknown-keys.yaml:11:5: categories[0].colour: unknown key 'colour'")
    assert lines[3:] == ["3 problems in 1 of 1 file"]
    assert "Traceback" not in captured.err


def test_mixed_files_exit_1_but_still_summarise_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "programmes/docs-refresh.yaml", f"{BAD}/python-tag.yaml", "missing.yaml"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == "programmes/docs-refresh.yaml: 2 categories, 2 phases, 5 h, 3 tests\n"
    assert captured.err.splitlines() == [
        f"{BAD}/python-tag.yaml:6:5: categories[0].title: tag !!python/object/apply:os.system is not"
        " allowed (only plain YAML)",
        "missing.yaml:1:1: (file): programme file not found",
        "2 problems in 2 of 3 files",
    ]


def test_json_format_puts_the_same_diagnostics_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--format", "json", "programmes/docs-refresh.yaml", f"{BAD}/custom-tag.yaml"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == ""
    report = json.loads(captured.out)
    assert report["valid"] is False
    good, bad = report["files"]
    assert good["valid"] is True and good["diagnostics"] == []
    assert {key: good["summary"][key] for key in ("name", "categories", "phases", "hours", "tests")} == {
        "name": "docs-refresh",
        "categories": 2,
        "phases": 2,
        "hours": 5,
        "tests": 3,
    }
    assert good["summary"]["source_hash"].startswith("sha256:")
    assert bad == {
        "file": f"{BAD}/custom-tag.yaml",
        "valid": False,
        "summary": None,
        "diagnostics": [
            {
                "file": f"{BAD}/custom-tag.yaml",
                "line": 3,
                "column": 1,
                "path": "source",
                "message": "tag !env is not allowed (only plain YAML)",
            }
        ],
    }


def test_json_format_valid_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format=json", "programmes/security-hardening.yaml"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True
    assert report["files"][0]["summary"]["tests"] == 205


def test_no_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 64
    assert "Missing argument 'FILES...'" in capsys.readouterr().err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "xml", "programmes/docs-refresh.yaml"]) == 64
    assert "'xml' is not one of 'text', 'json'" in capsys.readouterr().err


def test_python_dash_m_runs_validate_in_a_fresh_process() -> None:
    env = {key: value for key, value in os.environ.items() if key != "JULES_API_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "julesform", "validate", f"{BAD}/tabs.yaml"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        f"{BAD}/tabs.yaml:5:1: (file): tab character in indentation; indent with spaces"
    )
