"""Customer lists on the engine: the careful steps of :func:`cxlib.data.schema.build` for role ``customers`` after
the cells are converted, as SQL over the converted table.

- every field converts cell by cell (ids and text stripped, sign-up times read as ISO times);
- duplicates are rows repeating a customer id seen earlier (the careful reader's rule for customer lists).
"""
from __future__ import annotations

from cxlib.data import canonical_labels


def eligible(mapping: dict[str, str], sample) -> bool:
    return True


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need)."""
    return canonical_labels.finish(con, relation, names, deferred, {}, "customer_id")


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return {}


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """Repeated customer ids."""
    return canonical_labels.duplicates(counts, rows_duplicates, "customer_id")


note_templates = canonical_labels.note_templates


__all__ = ["duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
