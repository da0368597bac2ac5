"""Errors that reach a user: bad input named by file, field and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected there."""

    field: str
    """Dotted path of the offending field, e.g. ``arcs[3].to`` (empty for the whole file)."""
    expected: str
    """What was expected, in words a user can act on."""
    got: str | None = None
    """What was found instead, when that helps."""
    file: str | None = None
    """The file the field came from (a scenario, or a CSV table it points to)."""
    row: int | None = None
    """Row number in a CSV file (1 = first data row, header excluded)."""

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(self.field)
        text = ": ".join([", ".join(where), self.expected] if where else [self.expected])
        if self.got is not None:
            text += f" (got {self.got})"
        return text


@dataclass
class InputError(Exception):
    """Input that cannot be used as given. The CLI prints it and exits with code 2."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @classmethod
    def single(
        cls,
        expected: str,
        *,
        field: str = "",
        got: str | None = None,
        file: str | Path | None = None,
        row: int | None = None,
    ) -> InputError:
        return cls([Problem(field, expected, got, None if file is None else str(file), row)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class FieldError(ValueError):
    """Raised inside schema validators to blame a specific field of the scenario."""

    def __init__(self, field: str, expected: str, got: str | None = None) -> None:
        super().__init__(f"{field}: {expected}" + (f" (got {got})" if got is not None else ""))
        self.field = field
        self.expected = expected
        self.got = got
