"""What the interchange export and import hand back, and their progress callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from painreg.errors import UserError
from painreg.tidy.validation import ValidationOutcome

#: ``progress(what, done, total)``: called as work advances (``total`` None when unknown).
Progress = Callable[[str, int, int | None], None]


def no_progress(_what: str, _done: int, _total: int | None) -> None:
    return None


@dataclass
class ExportResult:
    directory: Path
    rows: dict[str, int] = field(default_factory=dict)
    patients: int = 0


class ImportRejected(UserError):
    """Validation failed: nothing was written. ``report`` holds every problem."""

    def __init__(self, report: ValidationOutcome) -> None:
        self.report = report
        super().__init__(f"{report.total_problems:,} problem(s) in the files; nothing was imported")


@dataclass
class ImportResult:
    report: ValidationOutcome
    added: dict[str, int] = field(default_factory=dict)
    already_present: dict[str, int] = field(default_factory=dict)
    #: Existing rows changed by an update import (``units``).
    updated: dict[str, int] = field(default_factory=dict)
    written: bool = False
