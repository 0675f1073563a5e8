"""What an emulated agent "writes": plan steps, bash output and a final unified diff, all derived from
the prompt so a programme's deliverables and promised test counts show up in the delivered patch.

Recognised in a prompt: relative file paths with a directory (``tests/.../test_*.py`` are test files),
``(N tests)`` after a path, and an overall ``N tests``. Anything unmentioned gets a plausible default.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# A relative file path with at least one directory and an extension, backticked or not (not a URL).
_PATH_RE = re.compile(r"(?<![\w/.:-])((?:[\w-][\w.-]*/)+[\w-][\w.-]*\.[A-Za-z0-9]+)(?![\w/])")
_TOTAL_RES = (
    re.compile(r"^\W*tests?\W*\(\s*(\d{1,4})\s*\)", re.IGNORECASE | re.MULTILINE),  # "## Tests (12)"
    re.compile(r"\btests?\W{0,4}:\W*(\d{1,4})\b", re.IGNORECASE),  # "**Tests**: 12 tests"
    re.compile(r"\b(\d{1,4})\s+tests?\b", re.IGNORECASE),  # "with 12 tests"
)
_AFTER_PATH_COUNT = re.compile(r"^[\s`:(\-\u2013\u2014]*(\d{1,4})\s+tests?\b", re.IGNORECASE)
_SECTION_RE = re.compile(r"^\W*(tests?|deliverables)\b", re.IGNORECASE)
_HEADING_RE = re.compile(r"^\s*(#|\*\*)")
_BULLET_RE = re.compile(r"^\s*[-*]\s+(.+?)\s*$")
DEFAULT_TESTS = 3


@dataclass(frozen=True)
class Deliverable:
    path: str
    tests: int  # test functions to add (0 for non-test files)


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return (slug[:limit].rstrip("_")) or "change"


def is_test_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _total(prompt: str) -> int | None:
    for pattern in _TOTAL_RES:
        match = pattern.search(prompt)
        if match:
            return int(match.group(1))
    return None


def deliverables(prompt: str, title: str) -> list[Deliverable]:
    """Files the final patch creates, with how many test functions each test file gets.

    Test files with their own count ("`tests/x.py` (15 tests)") get it; the rest of the prompt's total
    goes to the test files named in a Tests/Deliverables section (else the first one named). Test files
    only mentioned in passing (helpers to reuse) are left out of the patch.
    """
    paths: list[str] = []
    explicit: dict[str, int] = {}
    in_section: list[str] = []
    section = False
    for line in prompt.splitlines():
        if _SECTION_RE.match(line):
            section = True
        elif _HEADING_RE.match(line):
            section = False
        for match in _PATH_RE.finditer(line):
            path = match.group(1)
            if path not in paths:
                paths.append(path)
            if section and path not in in_section:
                in_section.append(path)
            count = _AFTER_PATH_COUNT.match(line[match.end() :])
            if count:
                explicit[path] = int(count.group(1))
    test_paths = [p for p in paths if is_test_path(p)]
    if not test_paths:
        test_paths = [f"tests/test_{_slug(title)}.py"]
        paths.append(test_paths[0])
    total = _total(prompt)
    left = max(0, (DEFAULT_TESTS if total is None else total) - sum(explicit.values()))
    receivers = [p for p in test_paths if p in in_section and p not in explicit]
    if not receivers and not explicit:
        receivers = test_paths[:1]
    counts = dict(explicit)
    for i, path in enumerate(receivers):
        counts[path] = left // len(receivers) + (1 if i < left % len(receivers) else 0)
    return [
        Deliverable(p, counts.get(p, 0))
        for p in paths
        if not is_test_path(p) or counts.get(p, 0) > 0
    ]


def plan_steps(prompt: str, files: list[Deliverable]) -> list[str]:
    """Agent plan step titles: one per deliverable bullet or file, framed by explore and submit."""
    bullets: list[str] = []
    in_deliverables = False
    for line in prompt.splitlines():
        if re.match(r"^\W*deliverables\W*:?", line, re.IGNORECASE):
            in_deliverables = True
            continue
        bullet = _BULLET_RE.match(line)
        if in_deliverables and bullet:
            bullets.append(bullet.group(1).replace("`", ""))
        elif in_deliverables and line.strip() and not bullet:
            in_deliverables = False
    middle = [f"Implement: {b}" for b in bullets] or [
        f"Write {f.path}" + (f" with {f.tests} tests" if f.tests else "") for f in files
    ]
    return [
        "Explore the repository and read the code the task touches.",
        *middle,
        "Run the test suite and fix any failures.",
        "Submit the changes.",
    ]


def _file_lines(item: Deliverable, title: str) -> list[str]:
    if item.tests:
        base = _slug(item.path.rsplit("/", 1)[-1].removesuffix(".py").removeprefix("test_"), 30)
        lines = [f'"""Tests for: {title}."""']
        for n in range(1, item.tests + 1):
            lines += ["", "", f"def test_{base}_{n}() -> None:", f"    assert {n} == {n}"]
        return lines
    if item.path.endswith(".py"):
        return [f'"""{title}."""', "", "", "def apply() -> None:", "    return None"]
    return [f"# {title}"]


def unified_diff(files: list[Deliverable], title: str, rng: random.Random) -> str:
    """A ``git diff``-style patch that creates every deliverable file."""
    chunks: list[str] = []
    for item in files:
        lines = _file_lines(item, title)
        blob = f"{rng.getrandbits(28):07x}"
        chunks += [
            f"diff --git a/{item.path} b/{item.path}",
            "new file mode 100644",
            f"index 0000000..{blob}",
            "--- /dev/null",
            f"+++ b/{item.path}",
            f"@@ -0,0 +1,{len(lines)} @@",
            *[f"+{line}" for line in lines],
        ]
    return "\n".join(chunks) + "\n"


def commit_message(title: str, files: list[Deliverable]) -> str:
    tests = sum(f.tests for f in files)
    names = ", ".join(f.path for f in files)
    return f"{title}\n\nAdds {names} ({tests} tests)."


BASH_COMMANDS = (
    ("\npip install -e '.[test]'", "Successfully installed 14 packages"),
    ("\nls -R src tests | head -n 40", "src\ntests"),
    ("\npython -m pytest -q", "{tests} passed in 2.41s"),
    ("\ngit status --short", "?? {path}"),
)
