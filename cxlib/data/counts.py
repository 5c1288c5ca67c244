"""A role's units counted once: what the sidebar, the Data page, the CLI and every analysis report.

An experiment assignment log has rows, not units: some rows are exact copies (logging retries), some
lack a unit or a variant, and some units were logged in more than one variant. :func:`assignment_rows`
decides, once, which rows every analysis keeps; loading (``cxlib.data.schema``) reports its counts (rows
read, duplicates, units) and the A/B analysis (``cxlib.analyses.experiment``) aggregates the same rows, so the
numbers agree everywhere and the facts are stated once (:func:`assignment_notes`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.core.messages import Msg, listing, msg


@dataclass(frozen=True)
class AssignmentRows:
    """Which rows of an assignment log count: per row flags and the unit / variant codes."""

    unit: np.ndarray                  # factorized unit ids (-1: missing)
    unit_names: pd.Index
    variant: np.ndarray               # factorized variants (-1: missing)
    variant_names: pd.Index
    missing: np.ndarray               # no unit id or no variant
    duplicate: np.ndarray             # an exact copy of an earlier row (canonical fields)
    multi: np.ndarray                 # a row of a unit seen in more than one variant
    units_in_multiple_variants: int

    @property
    def keep(self) -> np.ndarray:
        return ~self.missing & ~self.duplicate & ~self.multi

    @property
    def rows(self) -> int:
        return len(self.unit)

    @property
    def units(self) -> int:
        """Units every analysis counts: distinct units among the rows kept."""
        return int(len(pd.unique(self.unit[self.keep])))


def assignment_rows(df: pd.DataFrame) -> AssignmentRows:
    """Flag the rows of a canonical assignment table (unit_id, variant, converted, revenue, exposed_at,
    orders) that analyses leave out. Vectorized on integer codes: millions of rows take seconds."""
    n = len(df)
    uid, u_names = pd.factorize(df["unit_id"])
    vid, v_names = pd.factorize(df["variant"])
    nv = max(len(v_names), 1)
    missing = (uid < 0) | (vid < 0)
    cols = {"u": uid, "v": vid}
    for name in ("converted", "revenue", "orders"):
        if name in df.columns:
            cols[name] = pd.to_numeric(df[name], errors="coerce").to_numpy(float)
    if "exposed_at" in df.columns:
        cols["t"] = df["exposed_at"].to_numpy("datetime64[us]").view("int64")
    duplicate = pd.DataFrame(cols, index=range(n)).duplicated().to_numpy() & ~missing
    ok = ~missing & ~duplicate
    pair = uid.astype("int64") * nv + vid
    variants_per_unit = np.bincount(pd.unique(pair[ok]) // nv, minlength=len(u_names))   # pd.unique: hash, fast
    multi = ok & (variants_per_unit[np.maximum(uid, 0)] > 1) if len(u_names) else np.zeros(n, dtype=bool)
    return AssignmentRows(uid, u_names, vid, v_names, missing, duplicate, multi, int((variants_per_unit > 1).sum()))


def assignment_notes(rows: AssignmentRows) -> list[Msg]:
    """What was left out and how many units remain, as sentences (none when every row counts)."""
    return left_out_notes(rows.rows, int(rows.duplicate.sum()), int(rows.missing.sum()), int(rows.multi.sum()),
                          rows.units_in_multiple_variants, rows.units)


def left_out_notes(rows: int, duplicate: int, missing: int, multi_rows: int, multi_units: int, units: int
                   ) -> list[Msg]:
    """:func:`assignment_notes` from its counts (the engine counts them in SQL: cxlib.data.canonical_experiment)."""
    parts = []
    if duplicate:
        parts.append(msg("{count:,} exact duplicate row(s)", count=duplicate))
    if missing:
        parts.append(msg("{count:,} row(s) without a unit id or a variant", count=missing))
    if multi_rows:
        parts.append(msg("the {count:,} row(s) of {units:,} unit(s) seen in more than one variant",
                         count=multi_rows, units=multi_units))
    if not parts:
        return []
    # TRANSLATORS: {parts} lists what was left out, e.g. "6 exact duplicate row(s); the 20 row(s) of 10 unit(s) ..."
    out = [msg("{rows:,} rows read; left out: {parts}. {units:,} units remain, in every analysis.", rows=rows,
               parts=listing(parts, "; "), units=units)]
    if multi_rows:
        out.append(msg("A unit must stay in one variant: check how units were assigned."))
    return out


__all__ = ["AssignmentRows", "assignment_notes", "assignment_rows", "left_out_notes"]
