"""What goes wrong in a programme file: located diagnostics, and the one error that carries them all."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from julesform.errors import JulesformError

FILE_PATH = "(file)"
"""The field path of a problem with the file as a whole (missing, unreadable, not YAML)."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located the way editors and CI annotations expect (1-based line and column)."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)


class ProgrammeInvalid(JulesformError):
    """A programme that cannot be used; carries every problem found, not only the first."""

    def __init__(self, file: str, diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.diagnostics = diagnostics
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line for commands that load a programme: how many problems, and the first."""
        count = len(self.diagnostics)
        if count == 0:
            return f"{self.file}: invalid programme"
        first = self.diagnostics[0]
        where = f"{first.line}:{first.column}: {first.path}: {first.message}"
        if count == 1:
            return f"{self.file}:{where}"
        return f"{self.file}: {count} problems (first: {where}; run julesform validate for all)"
