"""A unified diff (``git diff`` style) read into files and their hunk lines.

Hunk lengths from the ``@@`` headers decide where a hunk ends, so a removed line that starts with
``--`` is never mistaken for a file header. Anything unreadable is skipped rather than guessed at: a
delivery is measured from what the patch clearly says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

FileStatus = Literal["created", "changed", "deleted"]
LineKind = Literal["+", "-", " "]

_HUNK_RE = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_GIT_RE = re.compile(r"^diff --git a/(.+) b/(.+)$")


@dataclass
class Hunk:
    """One ``@@`` block: its lines in order, each tagged ``+`` (added), ``-`` (removed) or `` `` (context)."""

    lines: list[tuple[LineKind, str]] = field(default_factory=list)

    def side(self, kind: Literal["+", "-"]) -> list[tuple[bool, str]]:
        """The post-image (``+``) or pre-image (``-``) of the hunk: (changed here?, text) per line."""
        return [(k == kind, text) for k, text in self.lines if k in (kind, " ")]


@dataclass
class FileDiff:
    path: str
    status: FileStatus
    hunks: list[Hunk] = field(default_factory=list)


def parse_unified_diff(patch: str) -> list[FileDiff]:
    """Files touched by ``patch``, in patch order (a rename counts as changing its new path)."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    old_path: str | None = None
    lines = patch.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        git = _GIT_RE.match(line)
        hunk = _HUNK_RE.match(line)
        if git:
            current = FileDiff(path=git.group(2), status="changed")
            files.append(current)
            old_path = git.group(1)
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old_path = _strip_prefix(line[4:], "a/")
            new_path = _strip_prefix(lines[i + 1][4:], "b/")
            if current is None or current.hunks:  # a plain diff without "diff --git" lines
                current = FileDiff(path=new_path or old_path or "", status="changed")
                files.append(current)
            if old_path is None:
                current.status = "created"
            if new_path is None:
                current.status = "deleted"
                current.path = old_path or current.path
            else:
                current.path = new_path
            i += 1
        elif line.startswith("new file mode") and current is not None:
            current.status = "created"
        elif line.startswith("deleted file mode") and current is not None:
            current.status = "deleted"
            current.path = old_path or current.path
        elif hunk and current is not None:
            old_left = int(hunk.group(1) or "1")
            new_left = int(hunk.group(2) or "1")
            block = Hunk()
            while (old_left > 0 or new_left > 0) and i + 1 < len(lines):
                i += 1
                text = lines[i]
                if text.startswith("\\"):  # "\ No newline at end of file"
                    continue
                kind = text[:1] or " "
                if kind == "+":
                    new_left -= 1
                elif kind == "-":
                    old_left -= 1
                elif kind == " ":
                    old_left -= 1
                    new_left -= 1
                else:
                    i -= 1
                    break
                block.lines.append((kind, text[1:]))  # type: ignore[arg-type]
            current.hunks.append(block)
        i += 1
    return files


def _strip_prefix(path: str, prefix: str) -> str | None:
    path = path.split("\t", 1)[0].strip()
    if path == "/dev/null":
        return None
    return path.removeprefix(prefix)
