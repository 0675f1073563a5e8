"""The state directory julesform creates lets only lockfiles into git; one that exists is left alone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from julesform.cli import main

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_a_fresh_repository_commits_the_lockfile_and_nothing_else_of_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "programmes", tmp_path / "programmes")
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    assert main(["--emulator", "apply", "--yes", "programmes/docs-refresh.yaml"]) == 0
    capsys.readouterr()

    on_disk = {p.name for p in (tmp_path / "state").iterdir()}
    assert {"docs-refresh.lock.json", "docs-refresh.lock.backup.json", ".emulator"} <= on_disk
    untracked = _git(tmp_path, "status", "--porcelain", "--untracked-files=all", "state").splitlines()
    assert sorted(untracked) == ["?? state/.gitignore", "?? state/docs-refresh.lock.json"]


def test_an_existing_state_directory_is_left_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPO / "programmes", tmp_path / "programmes")
    (tmp_path / "state").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["--emulator", "apply", "--yes", "programmes/docs-refresh.yaml"]) == 0
    capsys.readouterr()
    assert not (tmp_path / "state" / ".gitignore").exists()
