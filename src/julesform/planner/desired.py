"""What the programme asks for, per category: effective settings and the exact create request.

Pure: turns a loaded programme into ``DesiredCategory`` objects in file order; nothing here reads a
file or the network, so the planner can be table-tested from hand-built programmes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from julesform.planner.spec import SessionSpec, WireAutomationMode, marked_title
from julesform.programme.model import Category, Defaults, Programme

WIRE_AUTOMATION: dict[str, WireAutomationMode] = {
    "auto_create_pr": "AUTO_CREATE_PR",
    "none": "AUTOMATION_MODE_UNSPECIFIED",
}


class _Loaded(Protocol):
    """The parts of ``programme.loader.LoadedProgramme`` this module reads."""

    @property
    def programme(self) -> Programme: ...

    @property
    def prompts(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class DesiredCategory:
    category: Category
    settings: Defaults
    spec: SessionSpec

    @property
    def spec_hash(self) -> str:
        return self.spec.spec_hash()


def desired_from(programme: Programme, prompts: Mapping[str, str]) -> dict[str, DesiredCategory]:
    """Desired categories of ``programme`` in file order; ``prompts`` holds resolved prompt files."""
    desired: dict[str, DesiredCategory] = {}
    for category in programme.categories:
        settings = category.settings(programme.defaults)
        prompt = prompts.get(category.id, category.prompt or "")
        spec = SessionSpec(
            prompt=prompt,
            title=marked_title(category.title, programme.name, category.id),
            source=programme.source,
            starting_branch=programme.branch,
            require_plan_approval=settings.require_plan_approval,
            automation_mode=WIRE_AUTOMATION[settings.automation_mode],
        )
        desired[category.id] = DesiredCategory(category=category, settings=settings, spec=spec)
    return desired


def desired_categories(loaded: _Loaded) -> dict[str, DesiredCategory]:
    """Desired categories of a loaded programme (see ``desired_from``)."""
    return desired_from(loaded.programme, loaded.prompts)
