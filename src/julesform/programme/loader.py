"""Loading a programme file: read, parse, validate, resolve prompts, and hash what was read.

``check_programme`` collects every problem; ``load_programme`` is what other commands call, and raises
``ProgrammeInvalid`` with all of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from julesform.programme import rules
from julesform.programme.errors import FILE_PATH, Diagnostic, ProgrammeInvalid
from julesform.programme.files import MAX_PROGRAMME_BYTES, FileProblem, read_text, repository_root
from julesform.programme.messages import describe, render_path
from julesform.programme.model import Programme
from julesform.programme.yamlio import ParsedYaml, Position, YamlPath, parse


@dataclass(frozen=True)
class LoadedProgramme:
    """A valid programme with its prompts resolved, ready to turn into session specs."""

    path: Path
    programme: Programme
    prompts: dict[str, str]
    """Category id -> the prompt text sent to Jules (prompt files read, surrounding whitespace stripped)."""
    source_hash: str
    """``sha256:...`` over the programme file and every prompt file, so a saved plan notices edits."""

    @property
    def phases(self) -> list[int]:
        return sorted({category.phase for category in self.programme.categories})

    @property
    def total_hours(self) -> float:
        return sum(category.hours for category in self.programme.categories)

    @property
    def total_tests(self) -> int:
        return sum(category.tests for category in self.programme.categories)

    def summary(self) -> str:
        """``10 categories, 3 phases, 90 h, 205 tests``."""
        count, phases = len(self.programme.categories), len(self.phases)
        hours = f"{self.total_hours:g}"
        return (
            f"{count} categor{'y' if count == 1 else 'ies'}, {phases} phase{'' if phases == 1 else 's'}, "
            f"{hours} h, {self.total_tests} test{'' if self.total_tests == 1 else 's'}"
        )


class _Collector:
    """Turns (path, message) pairs into located diagnostics, one per spot."""

    def __init__(self, file: str, parsed: ParsedYaml | None = None) -> None:
        self.file = file
        self.parsed = parsed
        self.diagnostics: list[Diagnostic] = []
        self.reported: list[YamlPath] = []

    def at(self, position: Position, path: YamlPath, message: str) -> None:
        self.reported.append(path)
        shown = render_path(path) or FILE_PATH
        self.diagnostics.append(Diagnostic(self.file, position.line, position.column, shown, message))

    def report(self, path: YamlPath, message: str, *, key: bool = False) -> None:
        self.at(self.locate(path, key=key), path, message)

    def covered(self, path: YamlPath) -> bool:
        """Whether a YAML-level problem was already reported at or above ``path``."""
        return any(path[: len(done)] == done for done in self.reported)

    def locate(self, path: YamlPath, *, key: bool) -> Position:
        """The spot of ``path``, or of its nearest ancestor written in the file (for missing keys)."""
        if self.parsed is None:
            return Position(1, 1)
        current = path
        while True:
            if key and current in self.parsed.keys:
                return self.parsed.keys[current]
            if current in self.parsed.values:
                return self.parsed.values[current]
            if current in self.parsed.keys:
                return self.parsed.keys[current]
            if not current:
                return Position(1, 1)
            current = current[:-1]


def check_programme(
    path: Path, display: str | None = None
) -> tuple[LoadedProgramme | None, list[Diagnostic]]:
    """Every problem with the programme at ``path``; the loaded programme only when there are none."""
    file = display if display is not None else str(path)
    try:
        text, raw = read_text(path, limit=MAX_PROGRAMME_BYTES, what="programme file")
    except FileProblem as problem:
        return None, [Diagnostic(file, problem.line, problem.column, FILE_PATH, problem.message)]
    parsed = parse(text, fast=True)
    loaded, diagnostics = _check(path, file, raw, parsed)
    if diagnostics and parsed.fast:
        # A valid document with invalid content: positions as the pure parser reports them.
        loaded, diagnostics = _check(path, file, raw, parse(text))
    return loaded, diagnostics


def _check(
    path: Path, file: str, raw: bytes, parsed: ParsedYaml
) -> tuple[LoadedProgramme | None, list[Diagnostic]]:
    collect = _Collector(file, parsed)
    for found in parsed.problems:
        collect.at(found.position, found.path, found.message)
    data = parsed.data
    if data is None:
        return None, _sorted(collect.diagnostics)
    if not isinstance(data, dict):
        collect.at(Position(1, 1), (), "the file must be a mapping of keys (version, name, source, ...)")
        return None, _sorted(collect.diagnostics)
    programme = _validate(data, collect)
    ids = rules.check_ids(data, collect.report)
    rules.check_dependencies(data, ids, collect.report)
    rules.check_text_fields(data, collect.report)
    rules.check_quota(data, collect.report)
    prompts, prompt_bytes = rules.collect_prompts(data, path, repository_root(path), collect.report)
    if collect.diagnostics or programme is None:
        return None, _sorted(collect.diagnostics)
    loaded = LoadedProgramme(
        path=path, programme=programme, prompts=prompts, source_hash=_source_hash(raw, prompt_bytes)
    )
    return loaded, []


def _validate(data: dict[str, Any], collect: _Collector) -> Programme | None:
    try:
        return Programme.model_validate(data, strict=True)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc: YamlPath = tuple(error["loc"])
            if collect.covered(loc):
                continue
            collect.report(loc, describe(error), key=error["type"] == "extra_forbidden")
        return None


def _source_hash(programme: bytes, prompt_files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    digest.update(b"programme\0" + programme)
    for name in sorted(prompt_files):
        digest.update(b"\0prompt_file\0" + name.encode() + b"\0" + prompt_files[name])
    return "sha256:" + digest.hexdigest()


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """In file order, each problem once (a rule may restate what the model already said)."""
    return sorted(dict.fromkeys(diagnostics), key=lambda d: (d.line, d.column))


def load_programme(path: Path) -> LoadedProgramme:
    """The valid programme at ``path``, or ``ProgrammeInvalid`` listing every problem."""
    loaded, diagnostics = check_programme(path)
    if loaded is None:
        raise ProgrammeInvalid(str(path), diagnostics)
    return loaded
