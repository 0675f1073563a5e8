"""Hostile programme files, from the command line: ``plan`` and ``apply`` stop with one line naming
the file, ``validate`` lists the problems, ``fmt`` rewrites nothing, exit 1 every time, and nothing is
written (no lockfile, the programme byte for byte as it was).

The corpus is ``tests/hostile/programmes/`` plus the programme engineer's ``tests/programmes/bad/``
(whose exact diagnostics are checked in test_programme_validation.py). Symlinks and FIFOs cannot be
kept in git usefully, so those prompt files are made here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from julesform.cli import main

TESTS = Path(__file__).parent
CORPUS = sorted((TESTS / "hostile" / "programmes").glob("*.yaml")) + sorted(
    (TESTS / "programmes" / "bad").glob("*.yaml")
)
OUTSIDE = "a symlink that leads outside the repository"
HEAD = "version: 1\nname: hostile\nsource: sources/github/acme/app\ncategories:\n  - id: a\n    title: A\n"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty directory, so anything julesform writes would show up there."""
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.chdir(run)
    return run


def written(directory: Path) -> list[str]:
    """Files written under ``directory``, but for the embedded emulator's, apply's mutex sidecar
    (``state/<stem>.lock.json.lock``: apply takes the lock before it reads the programme) and the
    ``state/.gitignore`` of a state directory julesform created for them."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*")
                  if p.is_file() and ".emulator" not in p.parts and not p.name.endswith(".lock.json.lock")
                  and str(p.relative_to(directory)) != "state/.gitignore")


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], name: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (1, ""), err[:500]
    assert err.startswith("error: ") and err.count("\n") == 1, err[:500]
    assert name in err and "internal error" not in err
    return err


@pytest.mark.parametrize("programme", CORPUS, ids=[f"{p.parent.name}/{p.name}" for p in CORPUS])
def test_a_hostile_programme_is_refused_by_every_command_and_nothing_is_written(
    programme: Path, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = programme.read_bytes()
    path = str(programme)

    for command in (["plan"], ["apply", "--yes"]):
        err = one_line_error(capsys, ["--emulator", *command, path], path)
        assert err.startswith(f"error: {path}:")  # FILE:LINE:COL: ..., or FILE: N problems (first: ...)

    assert main(["validate", path]) == 1
    out, err = capsys.readouterr()
    *problems, summary = err.splitlines()
    assert out == "" and problems and summary.endswith("in 1 of 1 file")
    assert all(line.startswith(f"{path}:") for line in problems)

    assert main(["fmt", path]) == 1
    capsys.readouterr()

    assert programme.read_bytes() == before
    assert written(elsewhere) == []


def _huge_file_behind_a_symlink(directory: Path) -> None:
    (directory / "big.md").write_text("x" * (256 * 1024 + 1))
    (directory / "prompt.md").symlink_to(directory / "big.md")


def _programme_with_prompt_file(directory: Path, prompt_file: str) -> Path:
    path = directory / "hostile.yaml"
    path.write_text(HEAD + f"    prompt_file: {prompt_file}\n")
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: (d / "prompt.md").symlink_to("/proc/self/environ"), OUTSIDE),
        (lambda d: (d / "prompt.md").symlink_to("/dev/zero"), OUTSIDE),
        (lambda d: os.mkfifo(d / "prompt.md"), "is not a regular file"),
        (lambda d: (d / "prompt.md").symlink_to(d / "prompt.md"), "cannot be resolved (a symlink loop?)"),
        (lambda d: _huge_file_behind_a_symlink(d), "is too large"),
    ],
    ids=["symlink-to-proc-environ", "symlink-to-dev-zero", "fifo", "symlink-loop", "symlink-to-huge-file"],
)
def test_a_hostile_prompt_file_is_refused_without_being_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    make: Callable[[Path], object], words: str,
) -> None:
    """A FIFO would block a reader forever and /proc/self/environ holds JULES_API_KEY: neither is opened."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    make(repo)
    _programme_with_prompt_file(repo, "prompt.md")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("JULES_API_KEY", "never-sent-anywhere")

    err = one_line_error(capsys, ["--emulator", "plan", "hostile.yaml"], "hostile.yaml")
    assert words in err
    assert "never-sent-anywhere" not in err
    assert not (repo / "state" / "hostile.lock.json").exists()


def test_a_prompt_file_inside_the_repository_but_above_the_programme_is_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The boundary is the repository, not the programme's folder: ../prompts/x.md from programmes/ works."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "prompts").mkdir()
    (repo / "prompts" / "a.md").write_text("Improve a.\n")
    (repo / "programmes").mkdir()
    programme = _programme_with_prompt_file(repo / "programmes", "../prompts/a.md")
    assert main(["validate", str(programme)]) == 0
    assert capsys.readouterr().out.endswith("1 category, 1 phase, 0 h, 0 tests\n")
    shutil.rmtree(repo / ".git")  # without a repository, the programme's own folder is the boundary
    assert main(["validate", str(programme)]) == 1
    assert "is a path outside the repository" in capsys.readouterr().err
