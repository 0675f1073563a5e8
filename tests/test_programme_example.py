"""The committed programmes: the seed document's numbers, real prompts, canonical form, schema-valid."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from julesform.programme.fmt import canonical
from julesform.programme.loader import load_programme
from julesform.programme.yamlio import parse

REPO = Path(__file__).resolve().parent.parent
PROGRAMMES = sorted((REPO / "programmes").glob("*.yaml"))
SECURITY = REPO / "programmes" / "security-hardening.yaml"

# Category number -> (hours, tests) as the user's document (seed) gives them.
SEED = {1: (8, 12), 2: (12, 31), 3: (6, 16), 4: (4, 24), 5: (16, 20), 6: (12, 30),
        7: (8, 12), 8: (6, 15), 9: (12, 25), 10: (6, 20)}


def test_there_are_example_programmes() -> None:
    assert {"docs-refresh.yaml", "security-hardening.yaml"} <= {p.name for p in PROGRAMMES}


def test_security_hardening_carries_the_seed_numbers() -> None:
    loaded = load_programme(SECURITY)
    categories = loaded.programme.categories
    assert len(categories) == 10
    for number, category in enumerate(categories, start=1):
        assert category.title.startswith(f"Category {number}: ")
        assert (category.hours, category.tests) == SEED[number]
    assert (loaded.total_hours, loaded.total_tests) == (90, 205)
    blocking = [c for c in categories if c.priority == "P0"]
    assert [categories.index(c) + 1 for c in blocking] == [1, 2, 3, 4, 5, 6]
    assert (sum(c.hours for c in blocking), sum(c.tests for c in blocking)) == (58, 133)
    assert [c.phase for c in categories] == [1, 1, 1, 1, 1, 1, 2, 2, 3, 3]
    assert [c.priority for c in categories[6:]] == ["P1", "P1", "P2", "P2"]
    assert blocking == [c for c in categories if c.phase == 1]  # the document's BLOCKING phase


def test_security_hardening_defaults_show_plan_approval() -> None:
    defaults = load_programme(SECURITY).programme.defaults
    assert (defaults.automation_mode, defaults.require_plan_approval, defaults.approval) == (
        "auto_create_pr",
        True,
        "auto",
    )


def test_security_hardening_middleware_comes_first() -> None:
    programme = load_programme(SECURITY).programme
    for category_id in ("serve-routes-security", "openai-routes-security"):
        assert programme.category(category_id).depends_on == ["strict-auth-middleware"]
    assert programme.category("strict-auth-middleware").depends_on == []


def test_security_hardening_prompts_are_real() -> None:
    loaded = load_programme(SECURITY)
    for category in loaded.programme.categories:
        prompt = loaded.prompts[category.id]
        assert category.prompt_file is not None
        assert len(prompt) > 600, category.id
        assert "## Acceptance criteria" in prompt
        assert f"## Tests ({category.tests})" in prompt
        assert "Run: `python -m pytest " in prompt
        for deliverable in category.deliverables:
            if deliverable.startswith("tests/"):
                assert deliverable in prompt, (category.id, deliverable)


@pytest.mark.parametrize("path", PROGRAMMES, ids=lambda p: p.name)
def test_example_is_valid_and_canonical(path: Path) -> None:
    load_programme(path)
    text = path.read_text()
    assert canonical(text) == text, f"run: julesform fmt {path.relative_to(REPO)}"


@pytest.mark.parametrize("path", PROGRAMMES, ids=lambda p: p.name)
def test_example_points_editors_at_the_schema_and_matches_it(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/programme.schema.json\n")
    schema = json.loads((REPO / "schemas" / "programme.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(parse(text).data)


def test_source_is_a_placeholder_the_user_edits() -> None:
    text = SECURITY.read_text()
    assert "source: sources/github/your-org/your-repo  # edit:" in text


def test_readme_shows_the_small_example_verbatim() -> None:
    readme = (REPO / "README.md").read_text()
    small = (REPO / "programmes" / "docs-refresh.yaml").read_text()
    assert f"```yaml\n{small}```" in readme


def test_readme_validate_output_is_real(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from julesform.cli import main

    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text()
    command = "julesform validate programmes/security-hardening.yaml programmes/docs-refresh.yaml"
    assert main(command.split()[1:]) == 0
    assert f"$ {command}\n{capsys.readouterr().out}```" in readme
