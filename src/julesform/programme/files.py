"""Reading programme and prompt files defensively: regular files only, bounded size, UTF-8 text.

A programme is often written by one person and run by another (or by CI), so a prompt file must not
reach outside the repository, neither by ``..`` nor by a symlink.
"""

from __future__ import annotations

import stat
from pathlib import Path

MAX_PROGRAMME_BYTES = 512 * 1024
"""Far above any real programme (big prompts belong in prompt files), and bounds parsing time."""
MAX_PROMPT_FILE_BYTES = 256 * 1024


class FileProblem(Exception):
    """Why a file cannot be used, and (when it is about its content) where in it."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_text(path: Path, *, limit: int, what: str) -> tuple[str, bytes]:
    """The file's text (BOM dropped) and its raw bytes; refuses what is not a small UTF-8 text file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileProblem(f"{what} not found") from None
    except OSError as exc:
        raise FileProblem(f"cannot read {what}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileProblem(f"{what} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"{what} is not a regular file")
    if info.st_size > limit:
        raise FileProblem(f"{what} is too large ({info.st_size} bytes; the limit is {limit})")
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise FileProblem(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise FileProblem(f"{what} is too large (the limit is {limit} bytes)")
    if b"\0" in raw:
        line, column = _locate(raw, raw.index(b"\0"))
        raise FileProblem(f"{what} is binary, not text (NUL byte)", line, column)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _locate(raw, exc.start)
        raise FileProblem(f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x})", line, column) from None
    return text.removeprefix("\ufeff"), raw


def _locate(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, column


def repository_root(programme: Path) -> Path:
    """The nearest ancestor holding ``.git``, else the programme's own directory."""
    directory = programme.resolve().parent
    for candidate in (directory, *directory.parents):
        try:
            if (candidate / ".git").exists():
                return candidate
        except OSError:  # an unreadable ancestor: stop looking, stay strict
            break
    return directory


def resolve_prompt_file(programme: Path, relative: str, root: Path) -> Path:
    """The prompt file named in ``programme``, refusing anything that ends up outside ``root``."""
    if "\0" in relative:
        raise FileProblem("prompt_file contains a NUL character")
    given = Path(relative)
    if given.is_absolute() or relative.startswith("~"):
        raise FileProblem(f"prompt_file {relative!r} must be relative to the programme file")
    base = programme.resolve().parent
    try:
        target = (base / given).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        raise FileProblem(f"prompt_file {relative!r} cannot be resolved (a symlink loop?)") from None
    if not target.is_relative_to(root):
        lexical = Path(*(base / given).parts)
        via = "a symlink that leads" if _inside(lexical, root) else "a path"
        raise FileProblem(f"prompt_file {relative!r} is {via} outside the repository")
    return target


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` stays in ``root`` when only ``..`` is folded (no symlinks followed)."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return Path(*parts).is_relative_to(root) if parts else False
