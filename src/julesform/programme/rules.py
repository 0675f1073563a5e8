"""Rules that need the whole programme: unique ids, the dependency graph, phases, prompts, paths.

They read the raw parsed data, not the validated model, so they still run (and still point at the
right line) when some other part of the file has a type error: ``validate`` lists every problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from julesform.console import visible
from julesform.programme.files import MAX_PROMPT_FILE_BYTES, FileProblem, read_text, resolve_prompt_file
from julesform.programme.model import MAX_PROMPT_CHARS
from julesform.programme.yamlio import YamlPath

Report = Callable[[YamlPath, str], None]

ONE_PROMPT = "give exactly one of prompt or prompt_file"


def _categories(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    raw = data.get("categories")
    if not isinstance(raw, list):
        return []
    return [(index, item) for index, item in enumerate(raw) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _phase(category: dict[str, Any]) -> int:
    phase = category.get("phase", 1)
    return phase if isinstance(phase, int) and not isinstance(phase, bool) else 1


def check_ids(data: dict[str, Any], report: Report) -> dict[str, int]:
    """Report duplicate ids; returns id -> index of its first category."""
    first: dict[str, int] = {}
    for index, category in _categories(data):
        cid = _text(category.get("id"))
        if cid is None:
            continue
        if cid in first:
            report(("categories", index, "id"), f"duplicate id {cid!r} (also categories[{first[cid]}])")
        else:
            first[cid] = index
    return first


def check_dependencies(data: dict[str, Any], ids: dict[str, int], report: Report) -> None:
    """Every dependency exists, is listed once, is in the same or an earlier phase, and there is no cycle."""
    categories = dict(_categories(data))
    graph: dict[str, list[str]] = {}
    for index, category in categories.items():
        cid = _text(category.get("id"))
        deps = category.get("depends_on")
        if not isinstance(deps, list):
            continue
        seen: set[str] = set()
        for position, dep in enumerate(deps):
            where: YamlPath = ("categories", index, "depends_on", position)
            if not isinstance(dep, str):
                continue
            if dep in seen:
                report(where, f"{dep!r} is listed twice")
                continue
            seen.add(dep)
            if dep not in ids:
                close = difflib.get_close_matches(dep, list(ids), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                report(where, f"unknown category {dep!r}{hint}")
                continue
            if dep == cid:
                report(where, "a category cannot depend on itself")
                continue
            dep_phase, own_phase = _phase(categories[ids[dep]]), _phase(category)
            if dep_phase > own_phase:
                report(where, f"{dep!r} is in phase {dep_phase}, after this category's phase {own_phase}")
            if cid is not None and ids.get(cid) == index:
                graph.setdefault(cid, []).append(dep)
    for cycle in _cycles(graph, list(ids)):
        index = ids[cycle[0]]
        position = categories[index]["depends_on"].index(cycle[1])
        report(("categories", index, "depends_on", position), "dependency cycle: " + " -> ".join(cycle))


def _cycles(graph: dict[str, list[str]], order: list[str]) -> list[list[str]]:
    """Cycles found by a depth-first walk, each once, starting at its member first in the file: [a, b, a].

    Iterative, so a long chain of a thousand categories cannot hit the recursion limit.
    """
    rank = {cid: index for index, cid in enumerate(order)}
    state: dict[str, str] = {}
    found: list[list[str]] = []
    for start in order:
        if start in state:
            continue
        trail, pending = [start], [iter(graph.get(start, []))]
        state[start] = "open"
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[trail.pop()] = "done"
                pending.pop()
            elif state.get(nxt) == "open":
                members = trail[trail.index(nxt) :]
                first = min(range(len(members)), key=lambda i: rank.get(members[i], 0))
                rotated = members[first:] + members[:first]
                found.append([*rotated, rotated[0]])
            elif nxt not in state:
                state[nxt] = "open"
                trail.append(nxt)
                pending.append(iter(graph.get(nxt, [])))
    return found


def check_text_fields(data: dict[str, Any], report: Report) -> None:
    """Titles are one line of printable text (they become session titles, shown in terminals and
    pull requests); deliverables are paths inside the repository, each listed once."""
    for index, category in _categories(data):
        title = _text(category.get("title"))
        if title is not None and ("\n" in title or "\r" in title):
            report(("categories", index, "title"), "a title must be one line")
        elif title is not None and visible(title) != title:
            shown = visible(title)
            report(("categories", index, "title"), f"a title must not hold control characters: {shown}")
        deliverables = category.get("deliverables")
        if not isinstance(deliverables, list):
            continue
        seen: set[str] = set()
        for position, item in enumerate(deliverables):
            if not isinstance(item, str):
                continue
            where: YamlPath = ("categories", index, "deliverables", position)
            pure = PurePosixPath(item)
            if pure.is_absolute() or ".." in pure.parts or "\\" in item or not item.strip():
                report(where, f"{item!r} must be a relative path inside the repository (no '..')")
            elif item in seen:
                report(where, f"{item!r} is listed twice")
            seen.add(item)


def check_quota(data: dict[str, Any], report: Report) -> None:
    quota = data.get("quota")
    if not isinstance(quota, dict):
        return
    daily, concurrent = quota.get("daily"), quota.get("concurrent")
    if isinstance(daily, int) and isinstance(concurrent, int) and concurrent > daily:
        report(("quota", "concurrent"), f"cannot exceed daily ({concurrent} > {daily})")


def collect_prompts(
    data: dict[str, Any], programme: Path, root: Path, report: Report
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Each category's prompt text (inline or read from its file) and the raw bytes of every prompt file.

    Prompts are sent with surrounding whitespace stripped, so moving a prompt between inline and a
    file does not count as a change.
    """
    prompts: dict[str, str] = {}
    file_bytes: dict[str, bytes] = {}
    for index, category in _categories(data):
        cid = _text(category.get("id")) or f"#{index}"
        inline, relative = category.get("prompt"), category.get("prompt_file")
        if (inline is None) == (relative is None):
            report(("categories", index), ONE_PROMPT)
        if isinstance(inline, str):
            if not inline.strip():
                report(("categories", index, "prompt"), "the prompt is empty")
            else:
                prompts[cid] = inline.strip()
        if not isinstance(relative, str) or not relative:
            continue
        where: YamlPath = ("categories", index, "prompt_file")
        try:
            target = resolve_prompt_file(programme, relative, root)
            text, raw = read_text(target, limit=MAX_PROMPT_FILE_BYTES, what=f"prompt file {relative!r}")
        except FileProblem as problem:
            located = (problem.line, problem.column) != (1, 1)
            detail = f" (line {problem.line}, column {problem.column})" if located else ""
            report(where, problem.message + detail)
            continue
        if not text.strip():
            report(where, f"prompt file {relative!r} is empty")
        elif len(text.strip()) > MAX_PROMPT_CHARS:
            report(where, f"prompt file {relative!r} is too long (limit {MAX_PROMPT_CHARS} characters)")
        else:
            prompts[cid] = text.strip()
            file_bytes[relative] = raw
    return prompts, file_bytes
