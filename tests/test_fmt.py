"""``julesform fmt``: canonical key order and indentation, comments kept, invalid files never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from julesform.cli import main
from julesform.programme.fmt import canonical
from julesform.programme.yamlio import parse

MESSY = """\
# yaml-language-server: $schema=../schemas/programme.schema.json
# Team programme.
name: messy   # the name
version: 1
categories:
- title: "Second thing"  # quoted on purpose
  id: b
  prompt: |
    Do B.
      Keep this indentation.
  depends_on: [a]
  phase: 2

# The first category.
- id: a
  tests: 3
  title: First thing
  prompt: Do A.
quota:
    concurrent: 2
    tier: free
source: sources/github/acme/app
"""

CANONICAL = """\
# yaml-language-server: $schema=../schemas/programme.schema.json
# Team programme.
version: 1
name: messy   # the name
source: sources/github/acme/app
quota:
  tier: free
  concurrent: 2
categories:
  - id: b
    title: "Second thing" # quoted on purpose
    phase: 2
    depends_on: [a]
    prompt: |
      Do B.
        Keep this indentation.

# The first category.
  - id: a
    title: First thing
    tests: 3
    prompt: Do A.
"""


def test_canonical_orders_keys_indents_and_keeps_comments() -> None:
    assert canonical(MESSY) == CANONICAL


def test_canonical_is_idempotent_and_keeps_the_data() -> None:
    assert canonical(CANONICAL) == CANONICAL
    assert parse(CANONICAL).data == parse(MESSY).data


def test_fmt_rewrites_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "messy.yaml"
    path.write_text(MESSY)
    path.chmod(0o640)
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == CANONICAL
    assert path.stat().st_mode & 0o777 == 0o640
    assert capsys.readouterr().out == f"reformatted {path}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["messy.yaml"]


def test_fmt_check_lists_files_and_exits_3_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy, tidy = tmp_path / "messy.yaml", tmp_path / "tidy.yaml"
    messy.write_text(MESSY)
    tidy.write_text(CANONICAL)
    assert main(["fmt", "--check", str(messy), str(tidy)]) == 3
    captured = capsys.readouterr()
    assert captured.out == f"would reformat {messy}\n"
    assert captured.err == "error: 1 file would be reformatted (run julesform fmt)\n"
    assert messy.read_text() == MESSY


def test_fmt_check_passes_on_canonical_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(CANONICAL)
    assert main(["fmt", "--check", str(tidy)]) == 0
    assert capsys.readouterr() == ("", "1 file already canonical\n")


def test_fmt_never_rewrites_an_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    broken = MESSY.replace("tests: 3", "tests: three")
    path.write_text(broken)
    assert main(["fmt", str(path)]) == 1
    assert path.read_text() == broken
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{path}:16:10: categories[1].tests: must be a whole number (got 'three')",
        f"{path}: not formatted: the programme is invalid",
    ]


def test_fmt_on_the_committed_programmes_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parent.parent
    files = [str(p) for p in sorted((repo / "programmes").glob("*.yaml"))]
    assert main(["fmt", "--check", *files]) == 0
    assert capsys.readouterr().out == ""
