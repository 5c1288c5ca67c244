"""Errors and warnings raised by cxlib.

Misuse or unusable input raises :class:`CxDataError` (a ``ValueError``) whose message names
the file, the row/column when known, and what to do. Valid but weak input does not raise:
results carry ``warnings`` (sentences, :class:`cxlib.core.messages.Msg`) that pages show and the CLI
prints in JSON.

``str(err)`` is the English sentence; ``err.msg`` is the same sentence as a ``Msg`` built from
whole templates (one per combination of file/row/column, and one joining the hint), so an
interface can translate it with ``tr(err.msg)``::

    >>> from cxlib.core.messages import msg
    >>> err = CxDataError(msg("file not found."), file="a.csv", hint=msg("Check the path and try again."))
    >>> str(err)
    'a.csv: file not found. Check the path and try again.'
    >>> err.msg.template, err.msg.params["text"].template
    ('{text} {hint}', '{file}: {message}')
"""
from __future__ import annotations

from cxlib.core.messages import Msg, msg


def _as_msg(text: str) -> Msg:
    """A sentence given as a plain ``str`` becomes a ``Msg`` looked up by its English text."""
    return text if isinstance(text, Msg) else Msg(str(text))


def _located(message: Msg, file: str | None, row: int | None, column: str | None) -> Msg:
    """``message`` prefixed with where it happened: one whole template per combination."""
    has_file, has_row, has_column = bool(file), row is not None, bool(column)
    file, column = (str(file) if has_file else None), (str(column) if has_column else None)
    # TRANSLATORS: where an error happened; {file} is a file name, {column} a column header from the file,
    # {message} the error sentence itself (translated on its own).
    if has_file and has_row and has_column:
        return msg("{file}, row {row}, column '{column}': {message}", file=file, row=row, column=column,
                   message=message)
    if has_file and has_row:
        return msg("{file}, row {row}: {message}", file=file, row=row, message=message)
    if has_file and has_column:
        return msg("{file}, column '{column}': {message}", file=file, column=column, message=message)
    if has_row and has_column:
        return msg("row {row}, column '{column}': {message}", row=row, column=column, message=message)
    if has_file:
        return msg("{file}: {message}", file=file, message=message)
    if has_row:
        return msg("row {row}: {message}", row=row, message=message)
    if has_column:
        return msg("column '{column}': {message}", column=column, message=message)
    return message


def _with_hint(text: Msg, hint: Msg) -> Msg:
    """``text`` and then ``hint``, separated by exactly one full stop (as ``text.rstrip('.')`` + '. ')."""
    stripped = str(text).rstrip(".")
    if stripped == text:
        # TRANSLATORS: an error sentence without its full stop, then what to do about it
        return msg("{text}. {hint}", text=text, hint=hint)
    if stripped + "." == text:                       # the sentence already ends with its full stop
        # TRANSLATORS: an error sentence (with its full stop), then what to do about it
        return msg("{text} {hint}", text=text, hint=hint)
    # several trailing dots ("..."): only the stripped English can be kept
    return msg("{text}. {hint}", text=Msg(stripped), hint=hint)


class CxDataError(ValueError):
    """Input that cannot be used as given. ``str(err)`` is a complete, user-facing sentence.

    ``message`` and ``hint`` may be ``Msg`` sentences or plain strings; ``err.msg`` is the whole
    text as a ``Msg`` (equal to ``str(err)``) for an interface to translate.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, hint: str | None = None) -> None:
        self.file, self.row, self.column, self.hint = file, row, column, hint
        self.message = message
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
        located = _located(_as_msg(message), file, row, column)
        self.msg: Msg = _with_hint(located, _as_msg(hint)) if hint else located
        super().__init__(str(text))


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
