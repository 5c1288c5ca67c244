"""Errors and warnings raised by cxlib.

Misuse or unusable input raises :class:`CxDataError` (a ``ValueError``) whose message names
the file, the row/column when known, and what to do. Valid but weak input does not raise:
results carry ``warnings`` (plain strings) that pages show and the CLI prints in JSON.
"""
from __future__ import annotations


class CxDataError(ValueError):
    """Input that cannot be used as given. ``str(err)`` is a complete, user-facing sentence."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, hint: str | None = None) -> None:
        self.file, self.row, self.column, self.hint = file, row, column, hint
        where = []
        if file:
            where.append(f"{file}")
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column '{column}'")
        text = (": ".join([", ".join(where), message]) if where else message)
        if hint:
            text = f"{text.rstrip('.')}. {hint}"
        super().__init__(text)


class CxLimitError(CxDataError):
    """Input larger than the configured limits (size, rows, decompressed size)."""


class CxNeedsMapping(CxDataError):
    """The file was read, but its role or a required column could not be told: ask the user.

    ``columns`` are the file's headers, ``role`` the best guess (or None), ``mapping`` the
    partial mapping found, ``missing`` the required fields not found.
    """

    def __init__(self, message: str, *, file: str, columns: list[str], role: str | None,
                 mapping: dict[str, str], missing: list[str], hint: str | None = None) -> None:
        super().__init__(message, file=file, hint=hint)
        self.columns, self.role, self.mapping, self.missing = columns, role, mapping, missing
