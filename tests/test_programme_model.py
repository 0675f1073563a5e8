"""The loaded programme other commands build on: settings, quota, prompts, and the source hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from julesform.programme.loader import load_programme
from julesform.programme.model import TIER_LIMITS, Category, Defaults, Programme, Quota

PROGRAMME = """\
version: 1
name: demo
source: sources/github/acme/app
defaults:
  automation_mode: auto_create_pr
  require_plan_approval: true
quota:
  tier: pro
  concurrent: 4
categories:
  - id: a
    title: A
    prompt_file: prompts/a.md
  - id: b
    title: B
    prompt: "  Inline prompt.  "
    require_plan_approval: false
    on_failure: recreate
    max_attempts: 5
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text("\ufeffBuild A.\n\nThen test it.\n")
    (tmp_path / "demo.yaml").write_text(PROGRAMME)
    return tmp_path


def test_prompts_are_resolved_and_stripped(repo: Path) -> None:
    loaded = load_programme(repo / "demo.yaml")
    assert loaded.prompts == {"a": "Build A.\n\nThen test it.", "b": "Inline prompt."}
    assert loaded.path == repo / "demo.yaml"


def test_category_overrides_win_over_defaults(repo: Path) -> None:
    programme = load_programme(repo / "demo.yaml").programme
    a, b = (category.settings(programme.defaults) for category in programme.categories)
    assert (a.automation_mode, a.require_plan_approval, a.on_failure, a.max_attempts) == (
        "auto_create_pr",
        True,
        "report",
        3,
    )
    assert (b.automation_mode, b.require_plan_approval, b.on_failure, b.max_attempts) == (
        "auto_create_pr",
        False,
        "recreate",
        5,
    )


def test_explicit_quota_numbers_override_the_tier(repo: Path) -> None:
    assert load_programme(repo / "demo.yaml").programme.quota.limits == (100, 4)
    assert Quota(daily=7, concurrent=2).limits == (7, 2)
    assert {tier: Quota(tier=tier).limits for tier in TIER_LIMITS} == {
        "free": (15, 3),
        "pro": (100, 15),
        "ultra": (300, 60),
    }


def test_quota_needs_a_tier_or_both_numbers() -> None:
    with pytest.raises(ValidationError, match="give a tier"):
        Quota(daily=10)


def test_source_hash_covers_programme_and_prompt_files(repo: Path) -> None:
    first = load_programme(repo / "demo.yaml").source_hash
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 64
    assert load_programme(repo / "demo.yaml").source_hash == first
    (repo / "prompts" / "a.md").write_text("Build A differently.\n")
    second = load_programme(repo / "demo.yaml").source_hash
    assert second != first
    (repo / "demo.yaml").write_text(PROGRAMME.replace("title: B", "title: Bee"))
    assert load_programme(repo / "demo.yaml").source_hash not in (first, second)


def test_summary_counts_categories_phases_hours_tests(repo: Path) -> None:
    text = PROGRAMME.replace("    title: A\n", "    title: A\n    hours: 1.5\n    tests: 4\n    phase: 2\n")
    (repo / "demo.yaml").write_text(text)
    assert load_programme(repo / "demo.yaml").summary() == "2 categories, 2 phases, 1.5 h, 4 tests"


def test_model_rejects_unknown_keys_and_double_prompts() -> None:
    with pytest.raises(ValidationError):
        Defaults.model_validate({"automation": "none"})
    with pytest.raises(ValidationError, match="exactly one of prompt or prompt_file"):
        Category(id="a", title="A", prompt="x", prompt_file="x.md")
    with pytest.raises(ValidationError):
        Programme.model_validate(
            {"version": 1, "name": "x", "source": "sources/github/a/b", "categories": []}
        )


def test_programme_category_lookup(repo: Path) -> None:
    programme = load_programme(repo / "demo.yaml").programme
    assert programme.category("b").title == "B"
    with pytest.raises(KeyError):
        programme.category("zzz")
