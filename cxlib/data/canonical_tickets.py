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
from cxlib.data.canonical_labels import q

LISTED = ("satisfaction", "channel")


def eligible(mapping: dict[str, str], sample) -> bool:
    return "ticket_id" in mapping


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    from cxlib.core import statuses
    from cxlib.data import convert
    exprs = {}
    if "satisfaction" in deferred:
        sql = canonical_labels.mapped(con, relation, "satisfaction",
                                      lambda v: convert.labels(v, statuses.SATISFACTION_TABLE))
        if sql is None:
            return None
        exprs["satisfaction"] = sql
    tid = q("ticket_id")
    repeated = int(con.sql(f"SELECT count({tid}) - count(DISTINCT {tid}) FROM {relation}").fetchall()[0][0])
    cols = [f"{exprs[n]} AS {q(n)}" if n in exprs else q(n) for n in names]
    return f"SELECT {', '.join(cols)} FROM {relation}", {"repeated": repeated}


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return canonical_labels.inventory(parquet, "tickets", [f for f in LISTED if f in deferred])


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """Repeated ticket ids and their sentence (the careful reader's rule for tickets)."""
    from cxlib.data import schema
    return counts["repeated"], schema.repeated_id_warnings(counts["repeated"], "ticket_id")


def note_templates() -> set[str]:
    from cxlib.data import schema
    return {m.template for m in schema.repeated_id_warnings(1, "ticket_id")}


__all__ = ["LISTED", "duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
