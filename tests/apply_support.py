"""Shared by the apply, import and refresh tests: programme files and a workspace on the emulator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from julesform.cli import main
from julesform.planner.spec import parse_marker


@dataclass
class Category:
    id: str
    depends_on: tuple[str, ...] = ()
    phase: int = 1


def programme_text(
    name: str,
    categories: list[Category],
    *,
    require_plan_approval: bool = True,
    automation_mode: str = "auto_create_pr",
    tier: str = "ultra",
    prompt_suffix: str = "",
    defaults: dict[str, str] | None = None,
) -> str:
    lines = [
        "version: 1",
        f"name: {name}",
        "source: sources/github/example-org/widget-app",
        "branch: main",
        "defaults:",
        f"  automation_mode: {automation_mode}",
        f"  require_plan_approval: {'true' if require_plan_approval else 'false'}",
        "  approval: auto",
        *(f"  {key}: {value}" for key, value in (defaults or {}).items()),
        "quota:",
        f"  tier: {tier}",
        "categories:",
    ]
    for category in categories:
        lines += [
            f"  - id: {category.id}",
            f"    title: Work on {category.id}",
            f"    phase: {category.phase}",
        ]
        if category.depends_on:
            lines.append(f"    depends_on: [{', '.join(category.depends_on)}]")
        prompt = f"Improve {category.id}; add tests in tests/test_{category.id}.py.{prompt_suffix}"
        lines.append(f"    prompt: {prompt}")
    return "\n".join(lines) + "\n"


def write_programme(directory: Path, name: str, categories: list[Category], **options: Any) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(programme_text(name, categories, **options))
    return path


@dataclass
class Workspace:
    """A programme, its lockfile, and the CLI pointed at the served emulator."""

    root: Path
    programme: Path
    lockfile: Path
    served: Any

    @property
    def emu(self) -> Any:
        return self.served.emulator

    def run(self, *args: str) -> int:
        return main(["--api-url", self.served.url, *args])

    def apply(self, *extra: str) -> int:
        return self.run("apply", "--yes", str(self.programme), *extra)

    def lock(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.lockfile.read_text())
        return data

    def marked(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for session in self.emu.sessions():
            parsed = parse_marker(session.title)
            if parsed is not None:
                found.setdefault(parsed[1], []).append(f"sessions/{session.id}")
        return found

    def posts(self) -> list[str]:
        return [r.path for r in self.emu.requests if r.method != "GET"]


def make_workspace(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """alpha and beta (independent), gamma (after alpha, phase 2); the CLI talks to ``emulator``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JULES_API_KEY", emulator.api_key)
    cats = [Category("alpha"), Category("beta"), Category("gamma", depends_on=("alpha",), phase=2)]
    programme = write_programme(tmp_path, "demo", cats)
    return Workspace(tmp_path, programme, tmp_path / "state" / "demo.lock.json", emulator)
