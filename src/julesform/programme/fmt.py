"""Canonical form of a programme file, so diffs in pull requests show only real changes.

Keys in a fixed order, 2-space indentation, list items indented under their key; comments, quoting
and block scalars as the author wrote them.

Block mappings are reordered as whole line ranges ("chunks"): a key's chunk is its own lines plus
the full-line comments directly above it, so a comment travels with the key it describes. Comments
above a mapping's first key, and blank lines or shallower comments after its last key, stay put.
"""

from __future__ import annotations

from julesform.errors import JulesformError
from julesform.programme.model import Defaults
from julesform.programme.yamlio import Position, YamlPath, parse, reindent

TOP_ORDER = ["version", "name", "source", "branch", "defaults", "quota", "categories"]
QUOTA_ORDER = ["tier", "daily", "concurrent"]
DEFAULTS_ORDER = list(Defaults.model_fields)
CATEGORY_ORDER = [
    "id",
    "title",
    "priority",
    "phase",
    "hours",
    "tests",
    "depends_on",
    "prompt",
    "prompt_file",
    "deliverables",
    *DEFAULTS_ORDER,
]


class FormatChangedData(JulesformError):
    """Formatting would change what the file means; refuse rather than corrupt it (a bug if raised)."""


def key_order(path: YamlPath) -> list[str] | None:
    if path == ():
        return TOP_ORDER
    if path == ("defaults",):
        return DEFAULTS_ORDER
    if path == ("quota",):
        return QUOTA_ORDER
    if len(path) == 2 and path[0] == "categories" and isinstance(path[1], int):
        return CATEGORY_ORDER
    return None


def canonical(text: str) -> str:
    """``text`` in canonical form; the text of a valid programme only (``fmt`` validates first)."""
    result = _reorder_block_mappings(reindent(text, key_order))
    if parse(result).data != parse(text).data:
        raise FormatChangedData("cannot format this file safely (the data would change); file a bug")
    return result


def _reorder_block_mappings(text: str) -> str:
    lines = text.splitlines(keepends=True)
    mappings: dict[YamlPath, list[tuple[str, Position]]] = {}
    for path, position in parse(text).keys.items():
        mappings.setdefault(path[:-1], []).append((str(path[-1]), position))
    # Deepest first: a mapping's lines only move inside its own range, so the outer keys stay put.
    for path in sorted(mappings, key=len, reverse=True):
        wanted = key_order(path)
        if wanted is not None:
            lines = _reorder(lines, mappings[path], wanted)
    return "".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _owned_comment(line: str, column: int) -> bool:
    """A full-line comment no deeper than the key below it (deeper ones end the value above)."""
    return _is_comment(line) and _indent(line) <= column


def _reorder(lines: list[str], keys: list[tuple[str, Position]], wanted: list[str]) -> list[str]:
    rank = {key: index for index, key in enumerate(wanted)}
    target = sorted(keys, key=lambda item: rank.get(item[0], len(rank)))
    if target == keys:
        return lines
    rows = [position.line - 1 for _, position in keys]
    column = keys[0][1].column - 1
    first = lines[rows[0]]
    if len(set(rows)) != len(rows) or any(lines[row][:column].strip() for row in rows[1:]):
        return lines  # not one key per line (a flow mapping): reindent already ordered it
    prefix = first[:column]  # "  - " when the mapping is a list item, else spaces
    starts = [rows[0]]
    for row in rows[1:]:
        start = row
        while start - 1 > starts[-1] and _owned_comment(lines[start - 1], column):
            start -= 1
        starts.append(start)
    end = rows[-1] + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= column):
        end += 1
    while end - 1 > rows[-1] and not lines[end - 1].strip():
        end -= 1
    bounds = [*starts, end]
    chunks = {key: lines[bounds[i] : bounds[i + 1]] for i, (key, _) in enumerate(keys)}
    chunks[keys[0][0]] = [" " * column + first[column:], *chunks[keys[0][0]][1:]]
    ordered = [line for key, _ in target for line in chunks[key]]
    head_row = next(i for i, line in enumerate(ordered) if not _is_comment(line) and line.strip())
    ordered[head_row] = prefix + ordered[head_row][column:]
    return lines[: rows[0]] + ordered + lines[end:]
