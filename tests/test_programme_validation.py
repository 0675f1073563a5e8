"""Every validation rule, on bad programme files kept under tests/programmes/bad/, with exact locations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from julesform.programme import yamlio
from julesform.programme.errors import Diagnostic, ProgrammeInvalid
from julesform.programme.files import MAX_PROGRAMME_BYTES
from julesform.programme.loader import check_programme, load_programme

BAD = Path(__file__).parent / "programmes" / "bad"
GOOD = Path(__file__).parent / "programmes" / "good"

EXPECTED: dict[str, list[str]] = {
    "syntax-error.yaml": [
        "4:1: (file): YAML syntax error: expected ',' or ']', but got '<stream end>'"
        " (while parsing a flow sequence at 3:13)"
    ],
    "duplicate-keys.yaml": [
        "4:1: name: duplicate key 'name' (first at line 2)",
        "10:5: categories[0].tests: duplicate key 'tests' (first at line 9)",
    ],
    "tabs.yaml": [
        "5:1: (file): tab character in indentation; indent with spaces",
        "6:1: (file): tab character in indentation; indent with spaces",
    ],
    "python-tag.yaml": [
        "6:5: categories[0].title: tag !!python/object/apply:os.system is not allowed (only plain YAML)"
    ],
    "custom-tag.yaml": ["3:1: source: tag !env is not allowed (only plain YAML)"],
    "alias-bomb.yaml": ["6:1: c: more than 100 alias uses; refusing to expand them"],
    "recursive-alias.yaml": ["4:1: categories: an alias refers to its own anchor (recursive structure)"],
    "wrong-types.yaml": [
        "1:10: version: must be 1 (got '1')",
        "5:26: defaults.require_plan_approval: must be true or false (got 'yes')",
        "6:17: defaults.max_attempts: must be a whole number (got 2.5)",
        "7:8: quota: must be a mapping of keys (got 'free')",
        "10:12: categories[0].title: must be text (got a list)",
        "12:12: categories[0].tests: must be a whole number (got 'ten')",
        "13:12: categories[0].hours: must be a number (got true)",
        "14:17: categories[0].depends_on: must be a list (got 'a')",
    ],
    "unknown-keys.yaml": [
        "4:1: defualts: unknown key 'defualts'; did you mean 'defaults'?",
        "10:5: categories[0].test: unknown key 'test'; did you mean 'tests'?",
        "11:5: categories[0].colour: unknown key 'colour' (allowed: id, title, prompt, prompt_file, tests,"
        " hours, priority, phase, depends_on, deliverables, automation_mode, require_plan_approval,"
        " approval, on_change, on_failure, max_attempts, stall_minutes)",
    ],
    "missing-fields.yaml": [
        "1:1: name: required key is missing",
        "1:1: source: required key is missing",
        "3:5: categories[0].title: required key is missing",
    ],
    "empty.yaml": ["1:1: (file): the file is empty"],
    "comments-only.yaml": ["1:1: (file): the file is empty"],
    "binary.yaml": ["2:10: (file): programme file is binary, not text (NUL byte)"],
    "latin1.yaml": ["2:10: (file): programme file is not UTF-8 text (byte 0xe9)"],
    "not-a-mapping.yaml": ["1:1: (file): the file must be a mapping of keys (version, name, source, ...)"],
    "two-documents.yaml": ["2:1: (file): only one YAML document allowed"],
    "merge-key.yaml": [
        "9:5: categories[1].<<: merge keys (<<) are not supported; write the keys out",
        "9:5: categories[1].title: required key is missing",
        "9:5: categories[1]: give exactly one of prompt or prompt_file",
    ],
    "graph.yaml": [
        "9:18: categories[0].depends_on[0]: dependency cycle: a -> c -> a",
        "14:21: categories[1].depends_on[1]: 'a' is listed twice",
        "14:24: categories[1].depends_on[2]: a category cannot depend on itself",
        "14:27: categories[1].depends_on[3]: unknown category 'z'",
        "20:9: categories[3].id: duplicate id 'b' (also categories[1])",
        "23:18: categories[3].depends_on[0]: unknown category 'cc'; did you mean 'c'?",
    ],
    "prompts.yaml": [
        "5:5: categories[0]: give exactly one of prompt or prompt_file",
        "9:5: categories[1]: give exactly one of prompt or prompt_file",
        "13:13: categories[2].prompt: the prompt is empty",
        "16:18: categories[3].prompt_file: prompt file 'prompts/nope.md' not found",
        "19:18: categories[4].prompt_file: prompt_file '../../../../../etc/hostname' is a path outside"
        " the repository",
        "22:18: categories[5].prompt_file: prompt_file '/etc/hostname' must be relative to the"
        " programme file",
        "25:18: categories[6].prompt_file: prompt file 'prompts' is a directory, not a file",
        "28:18: categories[7].prompt_file: prompt file 'prompts/empty.md' is empty",
        "31:18: categories[8].prompt_file: prompt file 'prompts/binary.md' is binary, not text (NUL byte)"
        " (line 1, column 3)",
    ],
    "fields.yaml": [
        "4:9: branch: must be a git branch name (no spaces or any of ~^:?*[\\) (got 'has space')",
        "7:15: quota.concurrent: cannot exceed daily (5 > 2)",
        "9:9: categories[0].id: must be a slug: lowercase letters, digits and dashes, starting and ending"
        " with a letter or digit (got 'Bad_Id')",
        "10:12: categories[0].title: a title must be one line",
        "12:15: categories[0].priority: must be 'P0', 'P1', 'P2' or 'P3' (got 'P9')",
        "13:12: categories[0].phase: must be at least 1 (got 0)",
        "14:20: categories[0].deliverables[0]: '/etc/passwd' must be a relative path inside the"
        " repository (no '..')",
        "14:33: categories[0].deliverables[1]: '../outside.py' must be a relative path inside the"
        " repository (no '..')",
        "14:58: categories[0].deliverables[3]: 'src/a.py' is listed twice",
        "15:22: categories[0].automation_mode: must be 'auto_create_pr' or 'none' (got 'AUTO_CREATE_PR')",
    ],
}


def located(diagnostics: list[Diagnostic]) -> list[str]:
    return [f"{d.line}:{d.column}: {d.path}: {d.message}" for d in diagnostics]


def test_every_bad_file_has_expectations() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_reports_every_problem_at_its_line(name: str) -> None:
    loaded, diagnostics = check_programme(BAD / name, display=name)
    assert loaded is None
    assert located(diagnostics) == EXPECTED[name]
    assert all(d.file == name for d in diagnostics)


def test_diagnostic_renders_as_file_line_column_path_message() -> None:
    diagnostic = Diagnostic("p.yaml", 3, 7, "categories[0].tests", "must be at least 0 (got -1)")
    assert str(diagnostic) == "p.yaml:3:7: categories[0].tests: must be at least 0 (got -1)"


def test_missing_file() -> None:
    _, diagnostics = check_programme(BAD / "nope.yaml", display="nope.yaml")
    assert [str(d) for d in diagnostics] == ["nope.yaml:1:1: (file): programme file not found"]


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * (MAX_PROGRAMME_BYTES // 10 + 1))
    _, diagnostics = check_programme(huge, display="huge.yaml")
    assert len(diagnostics) == 1
    assert diagnostics[0].message.startswith("programme file is too large (")
    assert f"the limit is {MAX_PROGRAMME_BYTES})" in diagnostics[0].message


def test_many_values_without_aliases_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_NODES", 50)
    wide = tmp_path / "wide.yaml"
    wide.write_text("version: 1\nextra: [" + "1, " * 50 + "1]\n")
    _, diagnostics = check_programme(wide, display="wide.yaml")
    assert located(diagnostics) == ["2:1: extra: the document holds more than 50 values"]


def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _, diagnostics = check_programme(fifo, display="pipe.yaml")
    assert located(diagnostics) == ["1:1: (file): programme file is not a regular file"]


def _programme_with_prompt_file(directory: Path, prompt_file: str) -> Path:
    path = directory / "p.yaml"
    path.write_text(
        "version: 1\nname: p\nsource: sources/github/acme/app\ncategories:\n"
        f"  - id: a\n    title: A\n    prompt_file: {prompt_file}\n"
    )
    return path


def test_prompt_file_symlink_out_of_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours\n")
    (repo / "prompt.md").symlink_to(outside)
    _, diagnostics = check_programme(_programme_with_prompt_file(repo, "prompt.md"), display="p.yaml")
    assert located(diagnostics) == [
        "7:18: categories[0].prompt_file: prompt_file 'prompt.md' is a symlink that leads outside"
        " the repository"
    ]


def test_prompt_file_symlink_inside_repository_is_fine(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "prompts").mkdir()
    (repo / "prompts" / "real.md").write_text("Build it.\n")
    (repo / "programmes").mkdir()
    (repo / "programmes" / "link.md").symlink_to(repo / "prompts" / "real.md")
    loaded = load_programme(_programme_with_prompt_file(repo / "programmes", "link.md"))
    assert loaded.prompts == {"a": "Build it."}


def test_prompt_file_may_climb_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "prompts").mkdir()
    (repo / "prompts" / "a.md").write_text("Shared prompt.\n")
    (repo / "programmes").mkdir()
    loaded = load_programme(_programme_with_prompt_file(repo / "programmes", "../prompts/a.md"))
    assert loaded.prompts == {"a": "Shared prompt."}


def test_without_git_the_programme_directory_is_the_boundary(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Above.\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    _, diagnostics = check_programme(_programme_with_prompt_file(inner, "../a.md"), display="p.yaml")
    assert located(diagnostics) == [
        "7:18: categories[0].prompt_file: prompt_file '../a.md' is a path outside the repository"
    ]


def test_prompt_file_not_utf8_names_the_spot(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "p.md").write_bytes("line one\nna\u00efve ".encode() + b"\xff")
    _, diagnostics = check_programme(_programme_with_prompt_file(tmp_path, "p.md"), display="p.yaml")
    assert located(diagnostics) == [
        "7:18: categories[0].prompt_file: prompt file 'p.md' is not UTF-8 text (byte 0xff) (line 2, column 7)"
    ]


def test_load_programme_raises_with_every_diagnostic_and_a_one_line_summary() -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme(BAD / "graph.yaml")
    assert len(caught.value.diagnostics) == 6
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        f"{BAD / 'graph.yaml'}: 6 problems (first: 9:18: categories[0].depends_on[0]: dependency cycle:"
        " a -> c -> a; run julesform validate for all)"
    )


def test_single_problem_summary_is_the_diagnostic_itself() -> None:
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme(BAD / "empty.yaml")
    assert str(caught.value) == f"{BAD / 'empty.yaml'}:1:1: (file): the file is empty"


def test_a_long_dependency_chain_is_fine(tmp_path: Path) -> None:
    lines = ["version: 1", "name: chain", "source: sources/github/acme/app", "categories:"]
    for index in range(1000):
        lines += [f"  - id: c{index}", f"    title: C{index}", "    prompt: Do it."]
        if index:
            lines.append(f"    depends_on: [c{index - 1}]")
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert len(load_programme(path).programme.categories) == 1000


def test_a_long_cycle_is_named_from_its_first_member(tmp_path: Path) -> None:
    lines = ["version: 1", "name: ring", "source: sources/github/acme/app", "categories:"]
    for index in range(4):
        lines += [f"  - id: c{index}", "    title: C", "    prompt: Do it."]
        lines.append(f"    depends_on: [c{(index + 1) % 4}]")
    path = tmp_path / "ring.yaml"
    path.write_text("\n".join(lines) + "\n")
    _, diagnostics = check_programme(path)
    assert [d.message for d in diagnostics] == ["dependency cycle: c0 -> c1 -> c2 -> c3 -> c0"]


def test_too_many_categories(tmp_path: Path) -> None:
    lines = ["version: 1", "name: many", "source: sources/github/acme/app", "categories:"]
    for index in range(1001):
        lines += [f"  - id: c{index}", "    title: C", "    prompt: Do it."]
    path = tmp_path / "many.yaml"
    path.write_text("\n".join(lines) + "\n")
    _, diagnostics = check_programme(path, display="many.yaml")
    assert located(diagnostics) == ["5:3: categories: has too many items (the limit is 1000)"]


def test_prompt_too_long(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(
        "version: 1\nname: long\nsource: sources/github/acme/app\ncategories:\n"
        f"  - id: a\n    title: A\n    prompt: {'x' * 100_001}\n"
    )
    _, diagnostics = check_programme(path, display="long.yaml")
    assert located(diagnostics) == [
        "7:13: categories[0].prompt: is too long (100001 characters; the limit is 100000)"
    ]


def test_good_minimal_programme_gets_defaults() -> None:
    loaded = load_programme(GOOD / "minimal.yaml")
    programme = loaded.programme
    assert programme.branch == "main"
    assert programme.quota.limits == (15, 3)
    category = programme.categories[0]
    assert (category.priority, category.phase, category.tests, category.hours) == ("P2", 1, 0, 0)
    assert category.settings(programme.defaults) == programme.defaults
    assert loaded.prompts == {"only": "Add a test that runs the CLI with --help."}


def test_version_like_text_gets_a_quoting_hint(tmp_path: Path) -> None:
    path = tmp_path / "branch.yaml"
    path.write_text((GOOD / "minimal.yaml").read_text().replace("version: 1\n", "version: 1\nbranch: 1.10\n"))
    _, diagnostics = check_programme(path, display="branch.yaml")
    assert located(diagnostics) == [
        "2:9: branch: must be text (got 1.1; YAML read a number or true/false: put it in quotes)"
    ]


def test_prompt_file_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    _, diagnostics = check_programme(_programme_with_prompt_file(tmp_path, "loop.md"), display="p.yaml")
    assert len(diagnostics) == 1
    assert diagnostics[0].path == "categories[0].prompt_file"
    assert "loop.md" in diagnostics[0].message


def test_a_title_with_control_characters_is_refused_where_it_stands(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        'version: 1\nname: p\nsource: sources/github/acme/app\ncategories:\n'
        '  - id: a\n    title: "Fix \\e[31mred\\u202e"\n    prompt: Do it.\n'
    )
    _, diagnostics = check_programme(path)
    assert [f"{d.line}:{d.column}: {d.path}: {d.message}" for d in diagnostics] == [
        "6:12: categories[0].title: a title must not hold control characters: Fix \\u001b[31mred\\u202e"
    ]
