"""Test functions and skip markers in a diff, per language, by the rules each test runner uses.

- Python: ``def test*`` / ``async def test*`` (pytest's default prefix) at module level or as methods
  of ``Test*`` classes, in test files (``test_*.py``, ``*_test.py``, or any ``.py`` under a
  ``tests``/``test`` directory; ``conftest.py`` excluded). A parametrized test counts as one
  function. Skips: ``pytest.skip(`` and ``@pytest.mark.skip`` (not ``skipif``).
- JavaScript/TypeScript: ``it(`` / ``test(`` (``.only``/``.skip`` too) in ``*.test.*`` / ``*.spec.*``
  files. Skips: ``it.skip(`` / ``test.skip(`` / ``xit(``.
- Go: ``func TestX(t *testing.T)`` in ``*_test.go``. Skips: ``t.Skip(``/``t.Skipf(``/``t.SkipNow(``.
- Rust: ``#[test]`` (and ``#[tokio::test]``) in ``.rs`` files. Skips: ``#[ignore]``.

A test is added when its name appears on an added line and not on a removed one of the same file, so
a test whose signature was merely edited counts neither as added nor removed. Only what the patch
shows is known: a hunk that starts inside a class treats an indented ``def test_*`` as a method of a
test class.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from julesform.verify.diff import FileDiff, Hunk

Language = Literal["python", "javascript", "go", "rust"]

_PY_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")
_PY_CLASS = re.compile(r"^(\s*)class\s+(\w+)")
_PY_SKIP = re.compile(r"pytest\.skip\s*\(|pytest\.mark\.skip\b")
_JS_TEST = re.compile(r"(?<![\w.$])(?:it|test)(?:\.(?:only|skip|concurrent))?\s*\(\s*(?:(['\"`])(.*?)\1)?")
_JS_SKIP = re.compile(r"(?<![\w.$])(?:(?:it|test|describe)\.skip\s*\(|xit\s*\()")
_GO_TEST = re.compile(r"^func\s+(Test(?:[^a-z]\w*)?)\s*\(\s*\w+\s+\*testing\.T\s*\)")
_GO_SKIP = re.compile(r"\bt\.Skip(?:f|Now)?\s*\(")
_RS_TEST = re.compile(r"^\s*#\[(?:tokio::)?test\]")
_RS_FN = re.compile(r"^\s*(?:pub\s+)?(?:async\s+)?fn\s+(\w+)")
_RS_SKIP = re.compile(r"^\s*#\[ignore\b")
_JS_FILE = re.compile(r"\.(?:test|spec)\.[cm]?[jt]sx?$")


@dataclass(frozen=True)
class FileTests:
    """What one file of a patch does to tests."""

    path: str
    language: Language
    added: tuple[str, ...]
    removed: tuple[str, ...]
    skips_added: int
    skips_left: int
    skips_removed: int


def language_of(path: str) -> Language | None:
    """The language whose test rules apply to ``path``, or None for a file that holds no tests."""
    name = path.rsplit("/", 1)[-1]
    if path.endswith(".py"):
        if name == "conftest.py":
            return None
        in_tests_dir = any(part in ("tests", "test") for part in path.split("/")[:-1])
        if name.startswith("test_") or name.endswith("_test.py") or in_tests_dir:
            return "python"
        return None
    if _JS_FILE.search(name):
        return "javascript"
    if name.endswith("_test.go"):
        return "go"
    if name.endswith(".rs"):
        return "rust"
    return None


def file_tests(diff: FileDiff) -> FileTests | None:
    """Tests added and removed, and skip markers, in one file of a patch (None: not a test file)."""
    language = language_of(diff.path)
    if language is None:
        return None
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    skips = Counter[str]()
    for hunk in diff.hunks:
        added.update(_tests_on_side(language, hunk, "+"))
        removed.update(_tests_on_side(language, hunk, "-"))
        for kind, text in hunk.lines:
            if _SKIPS[language].search(text):
                skips[kind] += 1
    return FileTests(
        path=diff.path,
        language=language,
        added=tuple(sorted((added - removed).elements())),
        removed=tuple(sorted((removed - added).elements())),
        skips_added=skips["+"],
        skips_left=skips[" "],
        skips_removed=skips["-"],
    )


_SKIPS: dict[Language, re.Pattern[str]] = {
    "python": _PY_SKIP,
    "javascript": _JS_SKIP,
    "go": _GO_SKIP,
    "rust": _RS_SKIP,
}


def _tests_on_side(language: Language, hunk: Hunk, kind: Literal["+", "-"]) -> list[str]:
    """Names of tests defined on the changed lines of one side of a hunk."""
    side = hunk.side(kind)
    if language == "python":
        return _python_tests(side)
    found: list[str] = []
    for index, (changed, text) in enumerate(side):
        if not changed:
            continue
        if language == "javascript":
            for match in _JS_TEST.finditer(text):
                found.append(match.group(2) or f"<unnamed test {len(found) + 1}>")
        elif language == "go":
            go = _GO_TEST.match(text)
            if go:
                found.append(go.group(1))
        elif _RS_TEST.match(text):
            found.append(_rust_name(side, index) or f"<unnamed test {len(found) + 1}>")
    return found


def _rust_name(side: list[tuple[bool, str]], index: int) -> str | None:
    for _, text in side[index + 1 : index + 6]:
        fn = _RS_FN.match(text)
        if fn:
            return fn.group(1)
    return None


def _python_tests(side: list[tuple[bool, str]]) -> list[str]:
    """``def test*`` at module level or in ``Test*`` classes, on changed lines, by indentation."""
    found: list[str] = []
    stack: list[tuple[int, str, str]] = []  # (indent, "class" | "def", name) of open blocks
    for changed, text in side:
        stripped = text.strip()
        if not stripped or stripped.startswith(("#", "@")):
            continue
        indent = len(text) - len(text.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        klass = _PY_CLASS.match(text)
        func = _PY_DEF.match(text)
        if klass:
            stack.append((indent, "class", klass.group(2)))
        elif func:
            name = func.group(2)
            parent = stack[-1] if stack else None
            if changed and name.startswith("test") and _collected(indent, parent):
                found.append(f"{parent[2]}::{name}" if parent else name)
            stack.append((indent, "def", name))
    return found


def _collected(indent: int, parent: tuple[int, str, str] | None) -> bool:
    if parent is None:
        return True  # module level, or a hunk that starts inside a (presumably test) class
    kind, name = parent[1], parent[2]
    return kind == "class" and name.startswith("Test")
