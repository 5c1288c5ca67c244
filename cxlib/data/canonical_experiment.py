"""Experiment assignments on the engine: the careful steps of :func:`cxlib.data.schema.build` for role
``experiment`` after the cells are converted, as SQL over the converted table.

- conversion flags written as text (1/0, yes/no, true/false, да/нет, 是/否, ...): their distinct cleaned values go
  through the careful converter (:func:`cxlib.data.canonical_labels.flags`) and the SQL maps each value
  (:mod:`cxlib.data.canonical_labels`); one value it cannot read sends the file the careful way;
- the rows every analysis keeps, counted as :func:`cxlib.data.counts.assignment_rows` decides them: rows without a
  unit or a variant, exact copies of an earlier row (on the canonical fields), units seen in more than one
  variant; the report counts the units that remain and states what was left out with the same sentences;
- the value inventory of variants, by the careful code.

A file with an unmapped ``orders`` column (read as numbers by the duplicate rule) goes the careful way.
"""
from __future__ import annotations

from cxlib.data import canonical_labels
from cxlib.data.canonical_labels import q

LISTED = ("variant",)
KEY = ("unit_id", "variant", "converted", "revenue", "exposed_at")     # the canonical fields a copy repeats


def eligible(mapping: dict[str, str], sample) -> bool:
    return "orders" not in [str(c) for c in sample.df.columns if str(c) not in mapping.values()]


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    done = canonical_labels.finish(con, relation, names, deferred, {"converted": canonical_labels.flags()}, None)
    if done is None:
        return None
    select, counts = done
    key = ", ".join(q(f) for f in KEY if f in names)
    present = "unit_id IS NOT NULL AND variant IS NOT NULL"
    rows, missing = con.sql(f"SELECT count(*), count(*) FILTER (WHERE NOT ({present})) FROM ({select})").fetchall()[0]
    # rows kept once (a copy of an earlier row is left out), the variants of each unit among them
    distinct, multi_units, multi_rows, units = con.sql(
        f"SELECT coalesce(sum(n), 0), count(*) FILTER (WHERE nv > 1), coalesce(sum(n) FILTER (WHERE nv > 1), 0), "
        f"count(*) FILTER (WHERE nv = 1) FROM (SELECT unit_id, count(DISTINCT variant) AS nv, count(*) AS n FROM "
        f"(SELECT DISTINCT {key} FROM ({select}) WHERE {present}) GROUP BY unit_id)").fetchall()[0]
    counts.update(rows=int(rows), missing=int(missing), duplicate=int(rows - missing - distinct),
                  multi_rows=int(multi_rows), multi_units=int(multi_units), units=int(units))
    return select, counts


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return canonical_labels.inventory(parquet, "experiment", [f for f in LISTED if f in deferred])


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """Exact copies of an earlier row on the canonical fields, and what every analysis leaves out
    (:func:`cxlib.data.counts.left_out_notes`)."""
    from cxlib.data.counts import left_out_notes
    said = left_out_notes(counts["rows"], counts["duplicate"], counts["missing"], counts["multi_rows"],
                          counts["multi_units"], counts["units"])
    return counts["duplicate"], said


def note_templates() -> set[str]:
    """Templates of the sentences :func:`duplicates` writes."""
    from cxlib.data.counts import left_out_notes
    return {m.template for m in left_out_notes(2, 1, 1, 1, 1, 1)}


__all__ = ["KEY", "LISTED", "duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
