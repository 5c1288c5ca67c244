"""Support tickets on the engine: the careful steps of :func:`cxlib.data.schema.build` for role ``tickets`` after
the cells are converted, as SQL over the converted table.

- satisfaction ratings: their distinct cleaned labels go through the careful table (good, bad, offered,
  unoffered; :func:`cxlib.data.convert.labels`) and the SQL maps each label (:mod:`cxlib.data.canonical_labels`);
- reply and resolution times are plain numbers in the header's unit (converted with the other cells; a clock
  duration such as ``1:20`` sends the file the careful way);
- duplicates are rows repeating a ticket id seen earlier; a file without a ticket id column (the careful reader
  numbers its rows) goes the careful way;
- the value inventory of channels and ratings, by the careful code.
"""
from __future__ import annotations

from cxlib.data import canonical_labels

LISTED = ("satisfaction", "channel")


def eligible(mapping: dict[str, str], sample) -> bool:
    return "ticket_id" in mapping


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    from cxlib.core import statuses
    from cxlib.data import convert
    fields = {"satisfaction": ((lambda v: convert.labels(v, statuses.SATISFACTION_TABLE)), "VARCHAR")}
    return canonical_labels.finish(con, relation, names, deferred, fields, "ticket_id")


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return canonical_labels.inventory(parquet, "tickets", [f for f in LISTED if f in deferred])


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """Repeated ticket ids (the careful reader's rule for tickets)."""
    return canonical_labels.duplicates(counts, rows_duplicates, "ticket_id")


note_templates = canonical_labels.note_templates


__all__ = ["LISTED", "duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
