"""The example GitHub Actions workflows: their shape, and the shell that picks the programmes to plan."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "github-actions"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((EXAMPLES / name).read_text())
    return data


def test_plan_on_pull_requests_and_apply_on_merge() -> None:
    workflow = load("julesform.yml")
    assert workflow["on"] == {
        "pull_request": {"paths": ["programmes/**"]},
        "push": {"branches": ["main"], "paths": ["programmes/**"]},
    }
    plan, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    plan_steps = "\n".join(step.get("run", "") for step in plan["steps"])
    assert "julesform plan --format markdown" in plan_steps
    assert 'julesform plan --out "plan-$stem.json"' in plan_steps
    assert "select(.body | startswith(" in plan_steps and "--method PATCH" in plan_steps
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}

    assert apply["concurrency"] == {
        "group": "julesform-apply-${{ matrix.programme }}",
        "cancel-in-progress": False,
    }
    apply_steps = "\n".join(step.get("run", "") for step in apply["steps"])
    assert 'julesform apply "plan-$STEM.json"' in apply_steps  # the saved, reviewed plan; never --yes
    assert "--yes" not in apply_steps
    assert 'git add "$lock"' in apply_steps and "git push" in apply_steps
    assert apply["permissions"]["contents"] == "write"


def test_the_verify_workflow_fails_on_a_shortfall_and_keeps_the_reports() -> None:
    workflow = load("julesform-verify.yml")
    steps = workflow["jobs"]["verify"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert 'julesform verify "$programme" || status=$?' in runs and "exit $status" in runs
    assert any(step.get("with", {}).get("path") == "state/.cache" for step in steps)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_changed_programmes_step_maps_prompt_files_to_their_programme(tmp_path: Path) -> None:
    steps = load("julesform.yml")["jobs"]["changed"]["steps"]
    script = next(step["run"] for step in steps if step.get("id") == "list")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
        return done.stdout.decode().strip()

    git("init", "-q")
    (tmp_path / "programmes" / "sec").mkdir(parents=True)
    for name in ("sec.yaml", "docs.yaml", "other.yaml", "sec/auth.md"):
        (tmp_path / "programmes" / name).write_text("v1\n")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    base = git("rev-parse", "HEAD")
    (tmp_path / "programmes" / "sec" / "auth.md").write_text("v2\n")  # a prompt file of sec
    (tmp_path / "programmes" / "docs.yaml").write_text("v2\n")
    (tmp_path / "programmes" / "gone.yaml").write_text("v1\n")
    git("add", ".")
    git("commit", "-q", "-m", "change")
    git("rm", "-q", "programmes/gone.yaml")
    git("commit", "-q", "-m", "remove")
    output = tmp_path / "github_output"
    subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env={**env, "BASE": base, "GITHUB_SHA": git("rev-parse", "HEAD"), "GITHUB_OUTPUT": str(output)},
        check=True,
    )
    assert output.read_text() == 'programmes=["programmes/docs.yaml","programmes/sec.yaml"]\n'
