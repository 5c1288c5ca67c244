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

SCORES = ("nps", "csat", "ces")


def eligible(mapping: dict[str, str], sample) -> bool:
    """Every responses file the engine reads is row by row (no unit is combined from several rows)."""
    return True


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    from cxlib.data import convert
    fields = {f: ((lambda v, f=f: convert.scores(v, f)), "DOUBLE") for f in SCORES}
    return canonical_labels.finish(con, relation, names, deferred, fields,
                                   "respondent_id" if "respondent_id" in mapping else None)


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return canonical_labels.inventory(parquet, "responses", [f for f in SCORES if f in deferred])


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """Repeated respondent ids when the file has them, else copies of a row."""
    return canonical_labels.duplicates(counts, rows_duplicates, "respondent_id")


note_templates = canonical_labels.note_templates


__all__ = ["SCORES", "duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
