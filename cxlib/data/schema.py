"""Building a Dataset from a table: conversion to canonical dtypes and validation.

``build(table, role, mapping)`` renames and converts the mapped columns (``coerce`` per field kind),
applies the recognized export's special handling, collapses order line items, and fills the
:class:`~cxlib.data.dataset.Report` (unreadable cells with file rows, missing cells, duplicates,
date range, value inventory). What a table is and which column is which field is guessed in
``cxlib.data.detection``; the roles and their fields are in ``cxlib.data.roles``.

Canonical dtypes by kind:
- ``id``       -> pandas ``string`` (ids are text: leading zeros and >15-digit ids kept exactly)
- ``text``     -> pandas ``string``
- ``datetime`` -> ``datetime64[us, UTC]``
- ``number``   -> ``float64``
- ``flag``     -> ``float64`` holding 0.0/1.0 (NaN when unknown)

Errors, warnings and problem descriptions are :class:`cxlib.core.messages.Msg` sentences. Role names,
field names and recognizer names are keys (mappings, the CLI's JSON) and stay as they are.
"""
from __future__ import annotations

import hashlib

import pandas as pd

from cxlib.core import statuses
from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.core.messages import Msg, msg
from cxlib.data import convert, counts, recognizers
from cxlib.data import values as cxvalues
from cxlib.data.cells import (
    datetime_format_note,
    parse_datetimes,
    parse_flags,
    parse_numbers,
)
from cxlib.data.dataset import ColumnIssue, Dataset, Report
from cxlib.data.detection import Detection, detect, missing_fields, typed, unknown_role
from cxlib.data.recognizers import Recognizer
from cxlib.data.roles import ONE_OF, ROLES_BY_NAME, Field, Kind, Role


def coerce(series: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series]:
    """Convert one column to the canonical dtype of ``kind``.

    Returns ``(values, bad)`` where ``bad`` marks non-empty cells that could not be converted.
    """
    if kind in ("id", "text"):
        if pd.api.types.is_float_dtype(series) and kind == "id":
            # 12923.0 -> "12923" (ids written as floats by some tools)
            s = series.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
            return s.astype("string"), pd.Series(False, index=series.index)
        s = series.astype("string").str.strip()
        s = s.mask(s == "")
        return s, pd.Series(False, index=series.index)
    if kind == "datetime":
        return parse_datetimes(series)
    if kind == "number":
        return parse_numbers(series)
    if kind == "flag":
        return parse_flags(series)
    raise ValueError(f"unknown field kind {kind!r}")


# ---------------------------------------------------------------- build
def build(table, role: str, mapping: dict[str, str], *, content_hash: str = "",
          detection: Detection | None = None, values: cxvalues.ValueMap | None = None,
          copies: int | None = None, formulas_elsewhere: int = 0) -> Dataset:
    """Turn a table into a Dataset of ``role`` using ``mapping`` (canonical field -> source column).

    Renames and converts the mapped columns to canonical dtypes (categorical values through ``values``, a
    value map as in :mod:`cxlib.data.values`, then the status tables), applies the recognized export's special
    handling, collapses order line items to one row per order, keeps the other source columns as text, and
    fills the :class:`~cxlib.data.dataset.Report` (issues with file rows, missing cells, duplicates, date range,
    formula-looking cells, each categorical value with its count, warnings). Raises :class:`CxDataError`
    when a required field is not mapped or the value map cannot be used.

    A table read column by column (:mod:`cxlib.data.connected`) counts on its engine what needs every column:
    ``copies``, rows that are exact copies of an earlier row (None: counted on ``table``), and
    ``formulas_elsewhere``, formula-looking text cells in the columns not read.
    """
    if role not in ROLES_BY_NAME:
        raise unknown_role(table, role)
    spec = ROLES_BY_NAME[role]
    _check_mapping(table, spec, mapping)
    value_map = cxvalues.check(role, values, file=table.name)
    rec = _recognizer_for(table, role, mapping, detection)
    df, use_map, notes = table.df, dict(mapping), []
    if rec is not None and rec.prepare is not None:
        df, use_map, notes = rec.prepare(df, use_map)
        notes = list(notes)
    missing = missing_fields(spec, use_map, rec)
    if missing:
        raise _missing_error(table, spec, missing, mapping)
    notes += _check_value_map(table, value_map, df, use_map, mapping)
    canon, issues, value_notes = _convert_all(df, spec, use_map, mapping, table, rec, value_map)
    if role == "orders" and "currency" not in use_map:
        canon = _currency_from_amounts(canon, df, use_map)
    extras = _extras(table.df, mapping, spec)
    frame = pd.concat([canon, extras, _raw_values(df, spec, use_map)], axis=1)
    for name in (rec.absent_ok if rec else ()):
        if name not in frame:
            frame.insert(0, name, pd.Series(pd.NA, index=frame.index, dtype="string"))
    if role == "tickets" and "ticket_id" not in frame:
        frame.insert(0, "ticket_id", pd.Series(range(1, len(frame) + 1), index=frame.index).astype("string"))
        notes.append(msg("The file has no ticket id column: tickets are numbered by row (1 to {count}).",
                         count=len(frame)))
    hashes = convert.row_hashes(table.df)
    duplicates, dup_notes, units = _duplicates(hashes, frame, spec, copies)
    if role == "orders":
        frame, order_notes = _orders(frame, rec)
        notes += order_notes
    frame, inventory = _value_inventory(frame, spec, value_map)
    frame = _ordered(frame, spec)
    absent = rec is not None and any(f not in use_map for f in rec.absent_ok)
    warnings = list(getattr(table, "warnings", ())) + ([rec.note] if absent and rec.note else [])
    warnings += value_notes + notes + dup_notes
    missing = {f.name: int(frame[f.name].isna().sum()) for f in spec.fields if f.name in frame}
    warnings += empty_required(missing, len(frame), spec, mapping, rec)
    formulas = convert.formula_cells(table.df) + formulas_elsewhere
    warnings += formula_warnings(formulas)
    report = Report(
        rows_in=len(table.df), rows=len(frame) if units is None else units, encoding=getattr(table, "encoding", "utf-8"),
        delimiter=getattr(table, "delimiter", ","), header_rows=getattr(table, "header_rows", 1),
        file_format=getattr(table, "file_format", "csv"), recognized_as=rec.name if rec else None,
        confidence=_confidence(role, mapping, detection), issues=tuple(issues),
        missing=missing,
        duplicates=duplicates, date_range=_date_range(frame, spec), formulas=formulas,
        warnings=tuple(dict.fromkeys(warnings)), values=inventory, value_map=value_map)
    digest = content_hash or hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()
    return Dataset(name=table.name, role=role, df=frame, mapping=dict(mapping), report=report, content_hash=digest)


# "<role label, lower case> data" as one phrase, so a translator writes it whole.
_DATA_OF: dict[str, Msg] = {
    # TRANSLATORS: kinds of data, used inside sentences such as "'x' is not a field of {data}."
    "events": msg("events data"), "orders": msg("orders data"), "responses": msg("survey responses data"),
    "tickets": msg("support tickets data"), "experiment": msg("experiment assignments data"),
    "customers": msg("customers data"), "messages": msg("messages data"),
}


def _check_mapping(table, spec: Role, mapping: dict[str, str]) -> None:
    for canon, src in mapping.items():
        if spec.field(canon) is None:
            raise CxDataError(msg("'{field}' is not a field of {data}.", field=canon, data=_DATA_OF[spec.name]),
                              file=table.name,
                              hint=msg("Fields: {fields}.", fields=", ".join(f.name for f in spec.fields)))
        if src not in table.df.columns:
            raise CxDataError(msg("column '{column}' (for {field}) is not in the file.", column=src, field=canon),
                              file=table.name, hint=msg("Columns found: {columns}.", columns=_columns_list(table)))
    if len(set(mapping.values())) < len(mapping):
        raise CxDataError(msg("the same column is mapped to two fields."), file=table.name,
                          hint=msg("Pick a different column for one of them on the Data page."))


def _columns_list(table) -> str:
    """The file's headers (data), the first 15 of them when there are more."""
    cols = [str(c) for c in table.df.columns]
    if len(cols) > 15:
        # TRANSLATORS: {columns} lists the first 15 column headers of a file, {more} how many are not listed
        return msg("{columns} and {more} more", columns=", ".join(cols[:15]), more=len(cols) - 15)
    return ", ".join(cols)


def _missing_error(table, spec: Role, missing: list[str], mapping: dict[str, str]) -> CxNeedsMapping:
    fields = missing[0] if len(missing) == 1 else ", ".join(missing)   # one item may be a Msg ("nps or ...")
    data = _DATA_OF[spec.name]
    message = msg("no column for the required field(s) {fields} of {data}.", fields=fields, data=data)
    try:
        other = detect(table)
        if other.role and other.role != spec.name:
            if other.recognized_as:
                message = msg("no column for the required field(s) {fields} of {data}. "
                              "This file looks like {export} data.",
                              fields=fields, data=data, export=recognizers.display_name(other.recognized_as))
            else:
                message = msg("no column for the required field(s) {fields} of {data}. This file looks like {other}.",
                              fields=fields, data=data, other=_DATA_OF[other.role])
    except CxDataError:
        pass
    return CxNeedsMapping(
        message, file=table.name,
        hint=msg("Columns found: {columns}. Pick the column on the Data page or rename it (e.g. to '{example}').",
                 columns=_columns_list(table), example=missing[0].split(" or ")[0]),
        columns=[str(c) for c in table.df.columns], role=spec.name, mapping=dict(mapping), missing=missing)


def _recognizer_for(table, role: str, mapping: dict[str, str], detection: Detection | None) -> Recognizer | None:
    if detection is not None:
        rec = recognizers.RECOGNIZERS_BY_NAME.get(detection.recognized_as or "")
        return rec if rec is not None and rec.role == role else None
    found = recognizers.match(table.df)
    return found[0] if found and found[0].role == role else None


def _convert_all(df: pd.DataFrame, spec: Role, mapping: dict[str, str], given: dict[str, str], table,
                 rec: Recognizer | None, value_map: cxvalues.ValueMap):
    first_row = getattr(table, "first_data_row", 2)
    cols, issues, notes = {}, [], []
    for f in spec.fields:
        if f.name not in mapping:
            continue
        src = mapping[f.name]
        raw = df[src]
        values, bad, problem = _convert_one(cxvalues.apply(raw, value_map.get(f.name, {})), spec.name, f, src)
        if f.kind == "datetime":
            if rec is not None and rec.local_tz:
                values = convert.localize(values, raw, rec.local_tz)
            note = datetime_format_note(convert.spread_sample(raw)) if not typed(raw) else None
            if note:
                notes.append(msg("Column '{column}' ({field}): {note}", column=given.get(f.name, src), field=f.name,
                                 note=note))
        # TRANSLATORS: what was done with unreadable cells: "N cell(s) in column 'x' (field) are ... and {action}"
        action = msg("were left empty")
        if spec.name == "orders" and f.name == "status" and bad.any():
            # An unknown label is not a missing one: blank statuses count as completed, unknown ones
            # must not, so they keep a value of their own that no definition counts as valid.
            values = values.astype("object").mask(bad, UNKNOWN_STATUS)
            action = msg("are not counted as valid orders")
        cols[f.name] = values
        if bad.any():
            issues.append(ColumnIssue(f.name, str(given.get(f.name, src)), problem, int(bad.sum()),
                                      convert.examples(raw, bad, first_row, distinct=problem != _NOT[f.kind]),
                                      action=action))
    return pd.DataFrame(cols, index=df.index), issues, notes


UNKNOWN_STATUS = cxvalues.UNKNOWN      # an order status label no table knows (kept apart from blank)
# What unreadable cells are, completing ColumnIssue.sentence() ("... are {problem} and {action}").
# TRANSLATORS: what unreadable cells are: "N cell(s) in column 'x' (field) are {problem} and ..."
_NOT = {"datetime": msg("not dates"), "number": msg("not numbers"), "flag": msg("not yes/no or 0/1 values"),
        "id": "", "text": ""}


def _convert_one(raw: pd.Series, role: str, f: Field, header: str) -> tuple[pd.Series, pd.Series, str]:
    if role == "orders" and f.name == "status":
        v, bad = convert.labels(raw, statuses.ORDER_STATUS_TABLE)
        return v, bad, msg("order statuses we do not know")
    if f.name == "satisfaction":
        v, bad = convert.labels(raw, statuses.SATISFACTION_TABLE)
        return v, bad, msg("ratings we do not know (expected good, bad, offered or unoffered)")
    if f.name in ("nps", "csat", "ces"):
        v, bad = convert.scores(raw, f.name)
        return v, bad, msg("not scores")
    if f.name.endswith("_minutes"):
        v, bad = convert.minutes(raw, header)
        return v, bad, msg("not durations")
    if f.kind == "id":
        v, bad = convert.ids(raw)
        return v, bad, ""
    if f.kind == "number":
        v, bad = convert.numbers(raw)
        return v, bad, _NOT["number"]
    if f.kind == "datetime":
        v, bad = convert.datetimes(raw)
        return v, bad, _NOT[f.kind]
    if f.kind == "flag":
        v, bad = coerce(convert.blank_na_tokens(raw) if not typed(raw) else raw, f.kind)
        return v, bad, _NOT[f.kind]
    v, bad = coerce(raw, f.kind)
    return v, bad, ""


def _extras(source: pd.DataFrame, mapping: dict[str, str], spec: Role) -> pd.DataFrame:
    """Unmapped source columns as text; a name equal to a canonical field gets ' (source)'."""
    used = set(mapping.values())
    keep = [c for c in source.columns if c not in used]
    out = pd.DataFrame({c: source[c] if not typed(source[c]) else source[c].astype("string") for c in keep},
                       index=source.index)
    names = {f.name for f in spec.fields} | {"items"}
    return out.rename(columns={c: f"{c} (source)" for c in keep if c in names})


def _orders(frame: pd.DataFrame, rec: Recognizer | None) -> tuple[pd.DataFrame, list[str]]:
    frame, notes = convert.collapse_orders(frame, rec.amount_agg if rec else "auto")
    frame, more = convert.credit_notes(frame)
    notes += more
    frame, more = convert.refund_statuses(frame)
    return frame, notes + more


def _currency_from_amounts(canon: pd.DataFrame, df: pd.DataFrame, use_map: dict[str, str]) -> pd.DataFrame:
    """An orders table without a currency column: the currency the amounts are written in (``2.370,13 €``
    -> EUR, or the amount header's ``(руб.)``), so figures show it."""
    src = use_map.get("amount") or use_map.get("unit_price")
    codes = convert.currencies(df[src], src) if src else None
    return canon if codes is None else canon.assign(currency=codes)


_RAW = "\x00raw:"        # prefix of the columns that carry a categorical field's text through the order collapse
_INVENTORY_MAX = 50       # distinct values listed per field (the most frequent)


def _raw_values(df: pd.DataFrame, spec: Role, use_map: dict[str, str]) -> pd.DataFrame:
    """The text of each mappable categorical field, kept (as hidden columns) until the units are final."""
    cols = {_RAW + name: convert.blank_na_tokens(df[use_map[name]]) for name in cxvalues.fields_of(spec.name)
            if name in use_map and not typed(df[use_map[name]])}
    return pd.DataFrame(cols, index=df.index)


def _value_inventory(frame: pd.DataFrame, spec: Role, value_map: cxvalues.ValueMap):
    """Each categorical field's distinct values with their count (in units: orders after the collapse),
    what each is read as now and what the tables alone would read it as: ``{field: ((value, count,
    canonical, default), ...)}``, most frequent first. Score fields are listed only when written as labels."""
    inventory: dict[str, tuple[tuple[str, int, str, str], ...]] = {}
    for col in [c for c in frame.columns if isinstance(c, str) and c.startswith(_RAW)]:
        name = col[len(_RAW):]
        counts = frame[col].value_counts(sort=True)
        uniques = pd.Series(counts.index.astype(str), dtype="object")
        if spec.name == "responses" and convert.numbers(uniques)[1].sum() == 0:
            continue                                     # plain numbers: nothing to map
        f = spec.field(name)
        default = _canonical(uniques, spec.name, f)
        current = _canonical(cxvalues.apply(uniques, value_map.get(name, {})), spec.name, f)
        inventory[name] = tuple((str(v), int(n), c, d) for v, n, c, d in
                                zip(uniques, counts.to_numpy(), current, default))[:_INVENTORY_MAX]
    return frame.drop(columns=[c for c in frame.columns if isinstance(c, str) and c.startswith(_RAW)]), inventory


def _canonical(uniques: pd.Series, role: str, f: Field) -> list[str]:
    """What each value is read as: a canonical value, ``unknown`` when no table knows it."""
    values, bad, _ = _convert_one(uniques, role, f, "")
    return [cxvalues.UNKNOWN if b else "" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v))
            for v, b in zip(values, bad)]


def _check_value_map(table, value_map: cxvalues.ValueMap, df: pd.DataFrame, use_map: dict[str, str],
                     given: dict[str, str]) -> list[str]:
    """A value map needs its fields mapped to a column; values no cell has are reported (typos)."""
    notes = []
    for name, pairs in value_map.items():
        if name not in use_map:
            raise CxDataError(msg("no column is mapped to '{field}', so its values cannot be mapped.", field=name),
                              file=table.name, hint=msg("Map a column to {field} first (on the Data page, or "
                                                        "under \"columns\" in the mapping file).", field=name))
        for value in cxvalues.unused(df[use_map[name]], pairs):
            notes.append(msg("The value mapping names '{value}' for {field}, but column '{column}' has no such "
                             "value.", value=value, field=name, column=given.get(name, use_map[name])))
    return notes


def _ordered(frame: pd.DataFrame, spec: Role) -> pd.DataFrame:
    canon = [f.name for f in spec.fields if f.name in frame]
    return frame[canon + [c for c in frame.columns if c not in canon]].reset_index(drop=True)


def _duplicates(hashes: pd.Series, frame: pd.DataFrame, spec: Role,
                copies: int | None = None) -> tuple[int, list[str], int | None]:
    """(duplicates, notes, units): duplicate unit ids for one-row-per-unit roles, else rows identical to an
    earlier row. ``units`` is what ``rows`` counts (DESIGN: the role's units) when it is not one per row of
    the final table: for an assignment log, the units every analysis keeps (``cxlib.data.counts``), with exact
    duplicates and units in several variants left out and stated once."""
    if spec.name == "experiment":
        kept = counts.assignment_rows(frame)
        return int(kept.duplicate.sum()), list(counts.assignment_notes(kept)), kept.units
    id_field = {"tickets": "ticket_id", "responses": "respondent_id", "customers": "customer_id"}.get(spec.name)
    if id_field and id_field in frame:
        ids = frame[id_field].dropna()
        n = int(ids.duplicated().sum())
        return n, repeated_id_warnings(n, id_field), None
    n = int(hashes.duplicated().sum()) if copies is None else int(copies)
    return n, duplicate_row_warnings(n), None


def repeated_id_warnings(count: int, field: str) -> list[Msg]:
    """The report's sentence on rows whose unit id (ticket, respondent, customer) was seen earlier."""
    return [msg("{count:,} row(s) repeat a {field} seen earlier in the file.", count=count, field=field)] if count else []


def duplicate_row_warnings(count: int) -> list[Msg]:
    """The report's sentence on rows identical to an earlier row (none when there are none)."""
    return [msg("{count:,} row(s) are exact copies of an earlier row.", count=count)] if count else []


def formula_warnings(count: int) -> list[Msg]:
    """The report's sentence on formula-looking text cells (none when there are none)."""
    return [msg("{count:,} text cell(s) look like spreadsheet formulas (start with =, +, - or @); they are kept "
                "as text and neutralized in every export.", count=count)] if count else []


def empty_required(missing: dict[str, int], rows: int, spec: Role, mapping: dict[str, str],
                   rec: Recognizer | None) -> list[Msg]:
    """A sentence per required field that is empty in every row (``missing``: empty cells per field)."""
    out = []
    skip = set(rec.absent_ok) if rec else set()
    fields = list(spec.required) + list(ONE_OF.get(spec.name, ()))
    for name in fields:
        if name in missing and name not in skip and rows and missing[name] == rows:
            out.append(msg("Required field '{field}' (column '{column}') has no usable value.", field=name,
                           column=mapping.get(name, name)))
    return out


def _date_range(frame: pd.DataFrame, spec: Role) -> tuple[str, str] | None:
    if not spec.main_time or spec.main_time not in frame:
        return None
    s = frame[spec.main_time].dropna()
    if s.empty:
        return None
    return s.min().date().isoformat(), s.max().date().isoformat()


def _confidence(role: str, mapping: dict[str, str], detection: Detection | None) -> float:
    """Detection's confidence when its guess is used as is; 1.0 when the caller chose role and mapping."""
    if detection is None or detection.role != role or dict(detection.mapping) != dict(mapping):
        return 1.0
    return float(detection.confidence)
