"""Roles, canonical fields, header synonyms and recognizers for known exports.

``ROLES`` is the registry every other module relies on: for each role, its canonical fields,
their kind (which fixes the dtype in ``Dataset.df``) and whether they are required.

Canonical dtypes by kind:
- ``id``       -> pandas ``string`` (ids are text: leading zeros and >15-digit ids kept exactly)
- ``text``     -> pandas ``string``
- ``datetime`` -> ``datetime64[us, UTC]``
- ``number``   -> ``float64``
- ``flag``     -> ``float64`` holding 0.0/1.0 (NaN when unknown)

Role labels and field descriptions are marked with ``N_`` (an interface translates them for display);
errors, warnings and problem descriptions are :class:`cxlib.core.messages.Msg` sentences. Role names, field
names and recognizer names are keys (mappings, the CLI's JSON) and stay as they are.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from cxlib.data import convert
from cxlib.data import counts
from cxlib.data import recognizers
from cxlib.core import statuses
from cxlib.data import values as cxvalues
from cxlib.data.cells import datetime_format_note, parse_datetimes, parse_flags, parse_numbers
from cxlib.data.dataset import ColumnIssue, Dataset, Report
from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.core.messages import Msg, msg
from cxlib.data.recognizers import Recognizer
from cxlib.data.roles import ONE_OF, ROLES, ROLES_BY_NAME, Field, Kind, Role
from cxlib.data.synonyms import norm_header, synonyms_for

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


@dataclass(frozen=True)
class Detection:
    """Best guess of what a table is: role, mapping canonical -> source column, and how sure."""

    role: str | None
    mapping: dict[str, str]
    confidence: float = 0.0          # 0..1; below 0.6 the Data page asks the user to confirm
    recognized_as: str | None = None  # name of a known export, when a recognizer matched
    candidates: tuple[tuple[str, float], ...] = ()   # (role, score) best first
    # When no role fits (``role`` None): the role and columns to offer in the mapping form, never applied
    # without the user: money + a date (+ a status) suggests orders, else the best partial guess.
    suggested: str | None = None
    suggested_mapping: dict[str, str] = field(default_factory=dict)


def _norm(header: str) -> str:
    return norm_header(header)


# ---------------------------------------------------------------- detection
_SAMPLE_ROWS = 500
_STRONG, _KEYWORD, _WEAK, _BY_VALUE = 1.0, 0.8, 0.5, 0.7
CONFIDENT = 0.6                      # detections below this ask the user


@dataclass(frozen=True)
class _RoleGuess:
    role: str
    mapping: dict[str, str]
    score: float                     # 0..1
    evidence: float                  # ranking: 2 x required scores + optional scores
    complete: bool


class _Sample:
    """First rows of a table with cached per-column value checks."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df.head(_SAMPLE_ROWS)
        self.headers = {c: norm_header(c) for c in df.columns}
        self._cache: dict[tuple[str, str], float] = {}
        self._values: dict[str, pd.Series] = {}

    def values(self, col: str) -> pd.Series:
        if col not in self._values:
            s = self.df[col]
            if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
                s = convert.blank_na_tokens(s)
            self._values[col] = s.dropna()
        return self._values[col]

    def fit(self, col: str, role: str, f: Field) -> float:
        key = (col, f"{role}.{f.name}")
        if key not in self._cache:
            self._cache[key] = self._fit(col, role, f)
        return self._cache[key]

    def _fit(self, col: str, role: str, f: Field) -> float:
        """Share of sample values that suit the field (0..1); 0.8 for an empty column (header only)."""
        s = self.values(col)
        if s.empty:
            return 0.8
        if f.name in ("nps", "csat", "ces"):
            v, bad = convert.scores(s, f.name)
            return float((~bad & v.between(0, 10)).mean())
        if role == "orders" and f.name == "status":       # a header says it: unknown labels are reported
            return 0.8 + 0.2 * statuses.share_known(s, statuses.ORDER_STATUS_TABLE)
        if f.name == "satisfaction":
            return 0.8 + 0.2 * statuses.share_known(s, statuses.SATISFACTION_TABLE)
        if f.name.endswith("_minutes"):
            return float(1 - convert.minutes(s, col)[1].mean())
        if f.kind == "datetime":
            return float(1 - convert.datetimes(s)[1].mean())
        if f.kind == "number":
            return float(1 - convert.numbers(s)[1].mean())
        if f.kind == "flag":
            return float(1 - parse_flags(s)[1].mean())
        return 1.0

    def by_value(self, col: str, role: str, f: Field) -> float:
        """Evidence from values alone, for columns whose header says nothing."""
        if (role, f.name) not in _VALUE_HINTS and f.name != "csat":
            return 0.0
        key = (col, f"value:{role}.{f.name}")
        if key not in self._cache:
            self._cache[key] = self._by_value(col, role, f)
        return self._cache[key]

    def _by_value(self, col: str, role: str, f: Field) -> float:
        s = self.values(col)
        if s.empty:
            return 0.0
        if role == "orders" and f.name == "status":
            ok = statuses.share_known(s, statuses.ORDER_STATUS_TABLE) >= 0.8
        elif role == "tickets" and f.name == "satisfaction":
            ok = statuses.share_known(s, statuses.SATISFACTION_TABLE) >= 0.8
        elif f.name == "csat":
            ok = statuses.share_known(s, statuses.csat_table(s)) >= 0.8
        elif role == "experiment" and f.name == "variant":
            u = s.astype("string").str.strip().str.casefold().unique()
            ok = 2 <= len(u) <= 10 and any(x in ("control", "baseline", "a") for x in u)
        else:
            ok = False
        return _BY_VALUE if ok else 0.0


_VALUE_HINTS = {("orders", "status"), ("tickets", "satisfaction"), ("experiment", "variant")}


def _header_score(header: str, role: str, f: Field) -> float:
    strong, weak, keywords = synonyms_for(role, f.name)
    if header in strong:
        return _STRONG
    if any(k and k in header for k in keywords):
        return _KEYWORD
    if header in weak:
        return _WEAK
    return 0.0


def _assign(sample: _Sample, spec: Role, fields: tuple[str, ...] | None = None,
            taken: frozenset[str] = frozenset()) -> dict[str, tuple[str, float]]:
    """Greedy best field <- column assignment: canonical -> (column, score)."""
    options = []
    for order, f in enumerate(spec.fields):
        if fields is not None and f.name not in fields:
            continue
        for col, header in sample.headers.items():
            if col in taken:
                continue
            h = _header_score(header, spec.name, f)
            if h:
                factor = _fit_factor(sample.fit(col, spec.name, f))
                # an exact header name is strong evidence even when values disagree: map it, report cells
                score = h * (max(factor, 0.3) if h == _STRONG else factor)
            else:
                score = sample.by_value(col, spec.name, f)
            if score >= 0.2:
                options.append((-score, -int(f.required), order, col, f.name, score))
    # required fields choose first (so "email" can stand in for a missing customer id), best score first
    options.sort(key=lambda t: (t[1], t[0], t[2]))
    chosen: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    for *_, col, name, score in options:
        if name not in chosen and col not in used:
            chosen[name] = (col, score)
            used.add(col)
    return chosen


def _fit_factor(share: float) -> float:
    return share if share >= 0.8 else 0.3 * share


def _guess(sample: _Sample, spec: Role) -> _RoleGuess:
    chosen = _assign(sample, spec)
    got = {k: s for k, (_, s) in chosen.items()}
    needed: list[float] = []
    for name in spec.required:
        if spec.name == "orders" and name == "amount" and "amount" not in got:
            needed.append(min(got.get("quantity", 0.0), got.get("unit_price", 0.0)))
        elif spec.name == "tickets" and name == "ticket_id" and name not in got:    # numbered by row instead
            needed.append(max(got.get("first_reply_minutes", 0.0), got.get("resolution_minutes", 0.0)))
        else:
            needed.append(got.get(name, 0.0))
    if spec.name in ONE_OF:
        needed.append(max(got.get(n, 0.0) for n in ONE_OF[spec.name]))
    complete = all(v > 0 for v in needed)
    req_cov = sum(needed) / len(needed)
    optional = sum(s for k, s in got.items() if k not in spec.required)
    if complete:
        score = req_cov * (0.75 + 0.25 * min(1.0, optional / 2))
    else:
        score = 0.4 * req_cov
    evidence = 2 * sum(needed) + optional
    return _RoleGuess(spec.name, {k: c for k, (c, _) in chosen.items()}, round(score, 3), evidence, complete)


def detect(table, role: str | None = None) -> Detection:
    """Guess the role and the mapping of a table (``cxlib.data.table.Table``).

    Known exports (Shopify, Taobao, Ozon, Wildberries, UCI Online Retail, CDNOW, GA4, REES46, SurveyMonkey,
    Typeform, Google Forms, Zendesk, Freshdesk, experiment logs) are recognized by their headers and get a
    fixed mapping. Otherwise every role is scored by how well its required fields are covered by header
    synonyms (en/zh/ru) confirmed by values; ties and weak evidence give ``confidence`` < 0.6.
    With ``role`` given, returns the best mapping for that role.
    """
    if role is not None and role not in ROLES_BY_NAME:
        raise _unknown_role(table, role)
    sample = _Sample(table.df)
    guesses = [_guess(sample, spec) for spec in ROLES if role in (None, spec.name)]
    guesses.sort(key=lambda g: (g.complete, g.evidence, g.score), reverse=True)
    candidates = tuple((g.role, g.score) for g in guesses)
    found = recognizers.match(table.df)
    if found and role in (None, found[0].role):
        return _recognized(sample, found[0], found[1], candidates)
    best = guesses[0]
    if role is None and not best.complete:
        suggested, partial = _suggest(sample, best)
        return Detection(None, {}, best.score, None, candidates, suggested, partial)
    runner = guesses[1] if len(guesses) > 1 else None
    tie = runner is not None and runner.complete and runner.evidence >= 0.8 * best.evidence
    recognized = _generic_recognizer(table.df, best)
    if tie:
        confidence = min(best.score, 0.55)       # two roles fit about equally: ask
    else:
        confidence = max(best.score, 0.9) if recognized else best.score
    return Detection(best.role, best.mapping, round(confidence, 3), recognized, candidates)


def _suggest(sample: _Sample, best: _RoleGuess) -> tuple[str | None, dict[str, str]]:
    """What to offer when no role's required fields are all found: orders when the values show money
    and dates (headers in a language the synonyms do not know), else the best partial guess, if any."""
    by_values = _orders_by_values(sample)
    if {"amount", "ordered_at"} <= set(by_values):
        mapping = {**{k: v for k, v in best.mapping.items() if best.role == "orders"}, **by_values}
        return "orders", {k: c for k, c in mapping.items() if list(mapping.values()).count(c) == 1}
    return (best.role, dict(best.mapping)) if best.mapping else (None, {})


def _orders_by_values(sample: _Sample) -> dict[str, str]:
    """Columns that look like an order's amount (money: a currency mark or two decimals), date and status
    (known status words, or a text column with a few repeated values), judged on values alone."""
    found: dict[str, str] = {}
    for col in sample.df.columns:
        s = sample.values(col)
        if s.empty:
            continue
        if _typed(s):                                    # Parquet / Excel: the type says it
            kind = ("ordered_at" if pd.api.types.is_datetime64_any_dtype(s)
                    else "amount" if pd.api.types.is_float_dtype(s) else None)
            if kind and kind not in found:
                found[kind] = col
            continue
        text = s.astype("string")
        if "amount" not in found and _money_like(text):
            found["amount"] = col
        elif "ordered_at" not in found and not text.str.fullmatch(r"\s*[\d.,]+\s*").all()                 and convert.datetimes(text)[1].mean() <= 0.1:
            found["ordered_at"] = col
        elif "status" not in found and (statuses.share_known(text, statuses.ORDER_STATUS_TABLE) >= 0.5
                                        or 2 <= text.nunique() <= 10 < len(text) and text.nunique() * 3 <= len(text)):
            found["status"] = col
    return found


def _money_like(text: pd.Series) -> bool:
    """Amounts of money: numbers, most with a currency mark or with exactly two decimals."""
    if convert.numbers(text)[1].mean() > 0.1:
        return False
    marked = text.str.contains(r"[￥¥€$£₽元₹₩₺₴₸]|\b[A-Z]{3}\b", regex=True).mean()
    cents = text.str.contains(r"\d[.,]\d{2}(?:\D*)$", regex=True).mean()
    return bool(marked >= 0.5 or cents >= 0.8)


def _recognized(sample: _Sample, rec: Recognizer, mapping: dict[str, str],
                candidates: tuple[tuple[str, float], ...]) -> Detection:
    mapping = dict(mapping)
    spec = ROLES_BY_NAME[rec.role]
    if rec.generic:
        extra = _assign(sample, spec, rec.generic, frozenset(mapping.values()))
        mapping.update({k: c for k, (c, _) in extra.items() if k not in mapping})
    complete = _missing_required(spec, mapping, rec) == []
    confidence = 0.95 if complete else 0.5
    others = tuple((r, s) for r, s in candidates if r != rec.role)
    return Detection(rec.role, mapping, confidence, rec.name, ((rec.role, confidence),) + others)


def _generic_recognizer(df: pd.DataFrame, guess: _RoleGuess) -> str | None:
    """Names for exports recognized by shape rather than exact headers."""
    if not guess.complete:
        return None
    if guess.role == "responses" and len(df.columns) and norm_header(df.columns[0]) in {
            norm_header(h) for h in recognizers.GOOGLE_FORMS.signature[0]}:
        return recognizers.GOOGLE_FORMS.name
    if guess.role == "experiment":
        return recognizers.EXPERIMENT_LOG.name
    return None


def missing_required(role: str, mapping: dict[str, str], recognized_as: str | None = None) -> list[str]:
    """Required fields of ``role`` that ``mapping`` leaves without a column ([] when usable).

    Knows the alternatives: orders need amount *or* quantity and unit_price; responses need one of
    nps/csat/ces; a recognized export may lack a field by design (Ozon and Wildberries have no buyer id).
    """
    return _missing_required(ROLES_BY_NAME[role], mapping, recognizers.RECOGNIZERS_BY_NAME.get(recognized_as or ""))


def _missing_required(spec: Role, mapping: dict[str, str], rec: Recognizer | None = None) -> list[str]:
    ok_absent = set(rec.absent_ok) if rec else set()
    missing = [f for f in spec.required if f not in mapping and f not in ok_absent]
    if spec.name == "orders" and "amount" in missing and {"quantity", "unit_price"} <= set(mapping):
        missing.remove("amount")
    if spec.name == "tickets" and "ticket_id" in missing:      # absent: tickets are numbered by row (build)
        missing.remove("ticket_id")
    if spec.name in ONE_OF and not any(f in mapping for f in ONE_OF[spec.name]):
        missing.append(_any_of(ONE_OF[spec.name]))
    return missing


def _any_of(names: tuple[str, ...]) -> str:
    """``"nps or csat or ces"``: field names (keys) joined by a translatable "or"."""
    # TRANSLATORS: alternatives among field names (nps, csat, ces): any one of them is enough
    if len(names) == 2:
        return msg("{first} or {second}", first=names[0], second=names[1])
    if len(names) == 3:
        return msg("{first} or {second} or {third}", first=names[0], second=names[1], third=names[2])
    return " or ".join(names)      # not used: ONE_OF lists three fields


# ---------------------------------------------------------------- build
def build(table, role: str, mapping: dict[str, str], *, content_hash: str = "",
          detection: Detection | None = None, values: cxvalues.ValueMap | None = None) -> Dataset:
    """Turn a table into a Dataset of ``role`` using ``mapping`` (canonical field -> source column).

    Renames and converts the mapped columns to canonical dtypes (categorical values through ``values``, a
    value map as in :mod:`cxlib.data.values`, then the status tables), applies the recognized export's special
    handling, collapses order line items to one row per order, keeps the other source columns as text, and
    fills the :class:`~cxlib.data.dataset.Report` (issues with file rows, missing cells, duplicates, date range,
    formula-looking cells, each categorical value with its count, warnings). Raises :class:`CxDataError`
    when a required field is not mapped or the value map cannot be used.
    """
    if role not in ROLES_BY_NAME:
        raise _unknown_role(table, role)
    spec = ROLES_BY_NAME[role]
    _check_mapping(table, spec, mapping)
    value_map = cxvalues.check(role, values, file=table.name)
    rec = _recognizer_for(table, role, mapping, detection)
    df, use_map, notes = table.df, dict(mapping), []
    if rec is not None and rec.prepare is not None:
        df, use_map, notes = rec.prepare(df, use_map)
        notes = list(notes)
    missing = _missing_required(spec, use_map, rec)
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
    duplicates, dup_notes, units = _duplicates(hashes, frame, spec)
    if role == "orders":
        frame, order_notes = _orders(frame, rec)
        notes += order_notes
    frame, inventory = _value_inventory(frame, spec, value_map)
    frame = _ordered(frame, spec)
    absent = rec is not None and any(f not in use_map for f in rec.absent_ok)
    warnings = list(getattr(table, "warnings", ())) + ([rec.note] if absent and rec.note else [])
    warnings += value_notes + notes + dup_notes
    warnings += _empty_required(frame, spec, mapping, rec)
    formulas = convert.formula_cells(table.df)
    if formulas:
        warnings.append(msg("{count:,} text cell(s) look like spreadsheet formulas (start with =, +, - or @); "
                            "they are kept as text and neutralized in every export.", count=formulas))
    report = Report(
        rows_in=len(table.df), rows=len(frame) if units is None else units, encoding=getattr(table, "encoding", "utf-8"),
        delimiter=getattr(table, "delimiter", ","), header_rows=getattr(table, "header_rows", 1),
        file_format=getattr(table, "file_format", "csv"), recognized_as=rec.name if rec else None,
        confidence=_confidence(role, mapping, detection), issues=tuple(issues),
        missing={f.name: int(frame[f.name].isna().sum()) for f in spec.fields if f.name in frame},
        duplicates=duplicates, date_range=_date_range(frame, spec), formulas=formulas,
        warnings=tuple(dict.fromkeys(warnings)), values=inventory, value_map=value_map)
    digest = content_hash or hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()
    return Dataset(name=table.name, role=role, df=frame, mapping=dict(mapping), report=report, content_hash=digest)


# "<role label, lower case> data" as one phrase, so a translator writes it whole.
_DATA_OF: dict[str, Msg] = {
    # TRANSLATORS: kinds of data, used inside sentences such as "'x' is not a field of {data}."
    "events": msg("events data"), "orders": msg("orders data"), "responses": msg("survey responses data"),
    "tickets": msg("support tickets data"), "experiment": msg("experiment assignments data"),
    "customers": msg("customers data"),
}


def _unknown_role(table, role: str) -> CxDataError:
    return CxDataError(msg("unknown role '{role}'.", role=role), file=table.name,
                       hint=msg("Use one of: {roles}.", roles=", ".join(ROLES_BY_NAME)))


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
            note = datetime_format_note(convert.spread_sample(raw)) if not _typed(raw) else None
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
        v, bad = coerce(convert.blank_na_tokens(raw) if not _typed(raw) else raw, f.kind)
        return v, bad, _NOT[f.kind]
    v, bad = coerce(raw, f.kind)
    return v, bad, ""


def _typed(s: pd.Series) -> bool:
    return not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype))


def _extras(source: pd.DataFrame, mapping: dict[str, str], spec: Role) -> pd.DataFrame:
    """Unmapped source columns as text; a name equal to a canonical field gets ' (source)'."""
    used = set(mapping.values())
    keep = [c for c in source.columns if c not in used]
    out = pd.DataFrame({c: source[c] if not _typed(source[c]) else source[c].astype("string") for c in keep},
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
            if name in use_map and not _typed(df[use_map[name]])}
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


def _duplicates(hashes: pd.Series, frame: pd.DataFrame, spec: Role) -> tuple[int, list[str], int | None]:
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
        return n, ([msg("{count:,} row(s) repeat a {field} seen earlier in the file.", count=n, field=id_field)]
                   if n else []), None
    n = int(hashes.duplicated().sum())
    return n, ([msg("{count:,} row(s) are exact copies of an earlier row.", count=n)] if n else []), None


def _empty_required(frame: pd.DataFrame, spec: Role, mapping: dict[str, str], rec: Recognizer | None) -> list[str]:
    out = []
    skip = set(rec.absent_ok) if rec else set()
    fields = list(spec.required) + list(ONE_OF.get(spec.name, ()))
    for name in fields:
        if name in frame and name not in skip and len(frame) and frame[name].isna().all():
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

