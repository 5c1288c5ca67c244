"""Roles, canonical fields, header synonyms and recognizers for known exports.

``ROLES`` is the registry every other module relies on: for each role, its canonical fields,
their kind (which fixes the dtype in ``Dataset.df``) and whether they are required.

Canonical dtypes by kind:
- ``id``       -> pandas ``string`` (ids are text: leading zeros and >15-digit ids kept exactly)
- ``text``     -> pandas ``string``
- ``datetime`` -> ``datetime64[us, UTC]``
- ``number``   -> ``float64``
- ``flag``     -> ``float64`` holding 0.0/1.0 (NaN when unknown)
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from cxlib.dataset import Dataset, Report

Kind = str  # "id" | "text" | "datetime" | "number" | "flag"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    unit: str                        # what one row counts ("events", "orders", ...)
    fields: tuple[Field, ...]
    main_time: str | None = None     # the field used for date ranges and trends

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


ROLES: tuple[Role, ...] = (
    Role("events", "Events", "events", (
        Field("user_id", "id", True, "who did it"),
        Field("event", "text", True, "event name"),
        Field("timestamp", "datetime", True, "when"),
        Field("session_id", "id"), Field("device", "text"), Field("country", "text"),
        Field("channel", "text"), Field("revenue", "number"),
    ), main_time="timestamp"),
    Role("orders", "Orders", "orders", (
        Field("order_id", "id", False, "absent: each row is one order"),
        Field("customer_id", "id", True), Field("ordered_at", "datetime", True),
        Field("amount", "number", True, "order total (or quantity x unit price, summed per order)"),
        Field("quantity", "number"), Field("unit_price", "number"),
        Field("status", "text", False, "normalized: completed, in_transit, pending, cancelled, "
              "refunded, partially_refunded"),
        Field("refunded", "number"), Field("currency", "text"), Field("items", "number"),
        Field("channel", "text"), Field("country", "text"), Field("email", "text"),
    ), main_time="ordered_at"),
    Role("responses", "Survey responses", "responses", (
        Field("respondent_id", "id"), Field("customer_id", "id"), Field("email", "text"),
        Field("answered_at", "datetime"),
        Field("nps", "number", False, "0-10 likelihood to recommend"),
        Field("csat", "number", False, "satisfaction score (text labels mapped to 1-5)"),
        Field("ces", "number", False, "customer effort score"),
        Field("comment", "text"),
    ), main_time="answered_at"),
    Role("tickets", "Support tickets", "tickets", (
        Field("ticket_id", "id", True), Field("created_at", "datetime", True),
        Field("channel", "text"), Field("first_reply_minutes", "number"),
        Field("resolution_minutes", "number"), Field("status", "text"),
        Field("satisfaction", "text", False, "normalized: good, bad, offered, unoffered"),
        Field("requester", "text"),
    ), main_time="created_at"),
    Role("experiment", "Experiment assignments", "units", (
        Field("unit_id", "id", True), Field("variant", "text", True),
        Field("converted", "flag"), Field("revenue", "number"), Field("exposed_at", "datetime"),
    ), main_time="exposed_at"),
    Role("customers", "Customers", "customers", (
        Field("customer_id", "id", True), Field("email", "text"), Field("gender", "text"),
        Field("country", "text"), Field("city", "text"), Field("signup_at", "datetime"),
        Field("tags", "text"),
    ), main_time="signup_at"),
)
ROLES_BY_NAME: dict[str, Role] = {r.name: r for r in ROLES}

# Roles whose "one-of" requirement is not expressible as required fields.
ONE_OF: dict[str, tuple[str, ...]] = {"responses": ("nps", "csat", "ces")}


def coerce(series: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series]:
    """Convert one column to the canonical dtype of ``kind``.

    Returns ``(values, bad)`` where ``bad`` marks non-empty cells that could not be converted.
    """
    from cxlib import io as cxio
    if kind in ("id", "text"):
        if pd.api.types.is_float_dtype(series) and kind == "id":
            # 12923.0 -> "12923" (ids written as floats by some tools)
            s = series.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
            return s.astype("string"), pd.Series(False, index=series.index)
        s = series.astype("string").str.strip()
        s = s.mask(s == "")
        return s, pd.Series(False, index=series.index)
    if kind == "datetime":
        return cxio.parse_datetimes(series)
    if kind == "number":
        return cxio.parse_numbers(series)
    if kind == "flag":
        return cxio.parse_flags(series)
    raise ValueError(f"unknown field kind {kind!r}")


def from_canonical(df: pd.DataFrame, role: str, name: str = "frame") -> Dataset:
    """Dataset from a frame that already uses canonical column names (tests, notebooks)."""
    spec = ROLES_BY_NAME[role]
    missing = [f for f in spec.required if f not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing required column(s) {missing} for role {role!r}")
    out = {}
    for f in spec.fields:
        if f.name in df.columns:
            out[f.name] = coerce(df[f.name], f.kind)[0]
    extra = [c for c in df.columns if c not in out]
    frame = pd.concat([pd.DataFrame(out, index=df.index), df[extra]], axis=1).reset_index(drop=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes()).hexdigest()
    mapping = {c: c for c in out}
    return Dataset(name=name, role=role, df=frame, mapping=mapping,
                   report=Report(rows_in=len(frame), rows=len(frame)), content_hash=digest)


@dataclass(frozen=True)
class Detection:
    """Best guess of what a table is: role, mapping canonical -> source column, and how sure."""

    role: str | None
    mapping: dict[str, str]
    confidence: float = 0.0          # 0..1
    recognized_as: str | None = None  # name of a known export, when a recognizer matched
    candidates: tuple[tuple[str, float], ...] = ()   # (role, score) best first


def _norm(header: str) -> str:
    return "".join(ch for ch in str(header).lower() if ch.isalnum())


def detect(table, role: str | None = None) -> Detection:
    """STUB: exact canonical-name matching only (the full version adds synonyms and recognizers).

    With ``role`` given, returns the best mapping for that role."""
    cols = {_norm(c): c for c in table.df.columns}
    scores = []
    for spec in ROLES:
        mapping = {f.name: cols[_norm(f.name)] for f in spec.fields if _norm(f.name) in cols}
        ok = all(r in mapping for r in spec.required) and (
            spec.name not in ONE_OF or any(f in mapping for f in ONE_OF[spec.name]))
        scores.append((spec.name, (len(mapping) / len(spec.fields)) if ok else 0.0, mapping))
    if role:
        scores = [t for t in scores if t[0] == role] or [(role, 0.0, {})]
    scores.sort(key=lambda t: -t[1])
    best = scores[0]
    return Detection(role=best[0] if (best[1] > 0 or role) else None, mapping=best[2], confidence=best[1],
                     candidates=tuple((r, s) for r, s, _ in scores))


def build(table, role: str, mapping: dict[str, str], *, content_hash: str = "", detection: Detection | None = None) -> Dataset:
    """STUB: coerce mapped columns to canonical dtypes (the full version reports issues)."""
    spec = ROLES_BY_NAME[role]
    frame = pd.DataFrame({canon: table.df[src] for canon, src in mapping.items()})
    ds = from_canonical(pd.concat([frame, table.df[[c for c in table.df.columns if c not in mapping.values()]]], axis=1),
                        role, name=table.name)
    return Dataset(name=table.name, role=role, df=ds.df, mapping=dict(mapping),
                   report=Report(rows_in=len(table.df), rows=len(ds.df), encoding=table.encoding,
                                 delimiter=table.delimiter, header_rows=table.header_rows),
                   content_hash=content_hash or ds.content_hash)
