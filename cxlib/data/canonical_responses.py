"""Survey responses on the engine: the careful steps of :func:`cxlib.data.schema.build` for role ``responses``
after the cells are converted, as SQL over the converted table.

- NPS, CSAT and CES answers: their distinct cleaned values go through the careful converter
  (:func:`cxlib.data.convert.scores`, which also picks the CSAT scale from the labels present) and the SQL maps
  each value to its score (:mod:`cxlib.data.canonical_labels`); answers already typed as numbers are cast;
- duplicates are rows repeating a respondent id seen earlier (when the file has one), else copies of a row;
- the value inventory of scores written as labels, by the careful code.
"""
from __future__ import annotations

from cxlib.data import canonical_labels
from cxlib.data.canonical_labels import q

SCORES = ("nps", "csat", "ces")


def eligible(mapping: dict[str, str], sample) -> bool:
    """Every responses file the engine reads is row by row (no unit is combined from several rows)."""
    return True


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    from cxlib.data import convert
    exprs = {}
    for field in SCORES:
        if field in deferred:
            sql = canonical_labels.mapped(con, relation, field, lambda v, f=field: convert.scores(v, f), "DOUBLE")
            if sql is None:
                return None
            exprs[field] = sql
    counts: dict = {}
    if "respondent_id" in mapping:
        rid = q("respondent_id")
        counts["repeated"] = int(con.sql(f"SELECT count({rid}) - count(DISTINCT {rid}) FROM {relation}").fetchall()[0][0])
    cols = [f"{exprs[n]} AS {q(n)}" if n in exprs else q(n) for n in names]
    return f"SELECT {', '.join(cols)} FROM {relation}", counts


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return canonical_labels.inventory(parquet, "responses", [f for f in SCORES if f in deferred])


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """The report's duplicates and its sentence: repeated respondent ids when the file has them, else copies."""
    from cxlib.data import schema
    if "repeated" in counts:
        return counts["repeated"], schema.repeated_id_warnings(counts["repeated"], "respondent_id")
    return rows_duplicates, schema.duplicate_row_warnings(rows_duplicates)


def note_templates() -> set[str]:
    from cxlib.data import schema
    return {m.template for m in schema.repeated_id_warnings(1, "respondent_id")}


__all__ = ["SCORES", "duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
