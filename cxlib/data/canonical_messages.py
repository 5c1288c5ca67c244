"""Message logs (campaign recipient activity) on the engine: the careful steps of :func:`cxlib.data.schema.build`
for role ``messages`` after the cells are converted, as SQL over the converted table.

- the yes/no fields (opened, clicked, converted, unsubscribed, bounced) written as text: their distinct cleaned
  values go through the careful converter (:func:`cxlib.data.canonical_labels.flags`) and the SQL maps each
  value; one value it cannot read sends the file the careful way;
- duplicates are copies of a row (a recipient gets many messages).
"""
from __future__ import annotations

from cxlib.data import canonical_labels

FLAGS = ("opened", "clicked", "converted", "unsubscribed", "bounced")


def eligible(mapping: dict[str, str], sample) -> bool:
    return True


def finish(con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
           ) -> tuple[str, dict] | None:
    """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
    must go the careful way."""
    return canonical_labels.finish(con, relation, names, deferred, dict.fromkeys(FLAGS, canonical_labels.flags()),
                                   None)


def inventory(parquet: str, deferred: dict[str, str]) -> dict:
    return {}


def notes(counts: dict) -> list:
    return []


def duplicates(counts: dict, rows_duplicates: int) -> tuple[int, list]:
    """Copies of a row (the careful reader's rule for messages)."""
    return canonical_labels.duplicates(counts, rows_duplicates, "recipient")


note_templates = canonical_labels.note_templates


__all__ = ["FLAGS", "duplicates", "eligible", "finish", "inventory", "note_templates", "notes"]
