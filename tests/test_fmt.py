"""``julesform fmt``: canonical key order and indentation, comments kept, invalid files never touched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from julesform.cli import main
from julesform.programme.fmt import CATEGORY_ORDER, TOP_ORDER, canonical
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


def test_a_full_line_comment_moves_with_the_key_below_it() -> None:
    text = """\
version: 1
name: n
source: sources/github/a/b
categories:
  - deliverables:
      - x.py  # the module
    # explains the prompt
    prompt: |
      # Heading inside the prompt, not a comment
      Do it.
    id: a
    title: A
"""
    assert canonical(text) == """\
version: 1
name: n
source: sources/github/a/b
categories:
  - id: a
    title: A
    # explains the prompt
    prompt: |
      # Heading inside the prompt, not a comment
      Do it.
    deliverables:
      - x.py  # the module
"""


CATEGORY_FIELDS = {
    "title": "T",
    "priority": "P1",
    "phase": "2",
    "hours": "1.5",
    "tests": "4",
    "depends_on": "[]",
    "prompt": "|\n      # a heading in the prompt\n      Body.",
    "deliverables": "\n      - src/a.py  # module\n      - src/b.py",
    "approval": "manual",
    "max_attempts": "2",
}
TOP_FIELDS = {
    "version": "1",
    "name": "shuffled",
    "source": "sources/github/a/b",
    "branch": "'1.10'",
    "defaults": "\n  automation_mode: none\n  stall_minutes: 5",
    "quota": "{concurrent: 2, tier: free}",
}


@st.composite
def shuffled_programmes(draw: st.DrawFn) -> str:
    """A valid programme with keys in random order and comments sprinkled above keys."""
    comment_id = iter(range(1000))

    def comment(indent: int) -> str:
        return f"{' ' * indent}# note {next(comment_id)}\n" if draw(st.booleans()) else ""

    categories = ""
    for index in range(draw(st.integers(1, 3))):
        fields = {"id": f"c{index}", **CATEGORY_FIELDS}
        order = draw(st.permutations(list(fields)))
        categories += comment(2) + f"  - {order[0]}: {fields[order[0]]}\n"
        categories += "".join(comment(4) + f"    {key}: {fields[key]}\n" for key in order[1:])
    top = [comment(0) + f"{key}: {TOP_FIELDS[key]}\n" for key in draw(st.permutations(list(TOP_FIELDS)))]
    return "".join(top) + "categories:\n" + categories


@settings(max_examples=40, deadline=None)
@given(text=shuffled_programmes())
def test_canonical_orders_every_shuffle_and_keeps_data_and_comments(text: str) -> None:
    formatted = canonical(text)
    assert parse(formatted).data == parse(text).data
    assert canonical(formatted) == formatted
    assert sorted(re.findall(r"# note \d+", formatted)) == sorted(re.findall(r"# note \d+", text))
    top_keys = [line.split(":")[0] for line in formatted.splitlines() if re.match(r"^[a-z_]+:", line)]
    assert top_keys == [key for key in TOP_ORDER if key in top_keys]
    for block in formatted.split("\n  - ")[1:]:
        keys = re.findall(r"^(?:    )?([a-z_]+):", "    " + block, flags=re.MULTILINE)
        assert keys == [key for key in CATEGORY_ORDER if key in keys]
