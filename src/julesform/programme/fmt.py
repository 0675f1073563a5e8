"""Canonical form of a programme file, so diffs in pull requests show only real changes.

Keys in a fixed order, 2-space indentation, list items indented under their key; comments, quoting
and block scalars as the author wrote them. A comment sits with the key it follows, so moving keys
can carry a comment along with the key above it.
"""

from __future__ import annotations

from julesform.programme.model import Defaults
from julesform.programme.yamlio import YamlPath, parse, reorder_keys

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


class FormatChangedData(Exception):
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
    result = reorder_keys(text, key_order)
    if parse(result).data != parse(text).data:
        raise FormatChangedData("formatting would change the programme's data")
    return result
