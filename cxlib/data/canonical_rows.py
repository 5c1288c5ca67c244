"""Roles whose rows are their units, on the engine: the careful steps of :func:`cxlib.data.schema.build` after the
cells are converted, as SQL over the converted table, for survey answers, support tickets, message logs and
customer lists. Each role is configuration (:class:`RowRole`); orders and experiment assignments, whose rows are
combined into their units, have modules of their own (:mod:`canonical_orders`, :mod:`canonical_experiment`).

- labelled fields (NPS/CSAT/CES answers, ticket ratings, yes/no fields): their distinct cleaned values go through
  the careful converter, which also makes column-level choices such as the CSAT scale, and the SQL maps each
  value (:mod:`cxlib.data.canonical_labels`); one value it cannot read sends the file the careful way;
- duplicates: rows repeating the role's id seen earlier when the file has that id, else copies of a row;
- the value inventory of the listed fields, by the careful code.

Per role:

- ``responses``: scores; duplicates by respondent id when the file has one;
- ``tickets``: satisfaction ratings (good, bad, offered, unoffered); reply and resolution times are plain numbers
  in the header's unit, converted with the other cells (a clock duration such as ``1:20`` sends the file the
  careful way); a file without a ticket id column (the careful reader numbers its rows) goes the careful way;
- ``messages``: opened, clicked, converted, unsubscribed and bounced as yes/no; duplicates are copies of a row
  (a recipient gets many messages);
- ``customers``: every field converts cell by cell; duplicates by customer id.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cxlib.data import canonical_labels

SCORES = ("nps", "csat", "ces")
FLAGS = ("opened", "clicked", "converted", "unsubscribed", "bounced")


def _scores() -> dict:
    from cxlib.data import convert
    return {f: ((lambda v, f=f: convert.scores(v, f)), "DOUBLE") for f in SCORES}


def _ratings() -> dict:
    from cxlib.core import statuses
    from cxlib.data import convert
    return {"satisfaction": ((lambda v: convert.labels(v, statuses.SATISFACTION_TABLE)), "VARCHAR")}


def _flags() -> dict:
    return dict.fromkeys(FLAGS, canonical_labels.flags())


@dataclass(frozen=True)
class RowRole:
    """How one role's second pass goes: its labelled fields (field -> (careful converter, SQL type), built when
    asked, so the converters are imported only then), its id, the fields its report lists, and a field the file
    must map for the engine to read it."""

    role: str
    fields: Callable[[], dict] = dict
    id_field: str | None = None
    listed: tuple[str, ...] = ()
    needs: str | None = None

    def eligible(self, mapping: dict[str, str], sample) -> bool:
        return self.needs is None or self.needs in mapping

    def finish(self, con, relation: str, names: list[str], mapping: dict[str, str], deferred: dict[str, str]
               ) -> tuple[str, dict] | None:
        """(the SELECT of the finished table from ``relation``, the counts its notes need), or None when the file
        must go the careful way."""
        ids = self.id_field if self.id_field in mapping else None
        return canonical_labels.finish(con, relation, names, deferred, self.fields(), ids)

    def inventory(self, parquet: str, deferred: dict[str, str]) -> dict:
        return canonical_labels.inventory(parquet, self.role, [f for f in self.listed if f in deferred])

    def notes(self, counts: dict) -> list:
        return []

    def duplicates(self, counts: dict, rows_duplicates: int) -> tuple[int, list]:
        """Rows repeating the id when :meth:`finish` counted them, else copies of a row."""
        return canonical_labels.duplicates(counts, rows_duplicates, self.id_field or "")

    @staticmethod
    def note_templates() -> set[str]:
        return canonical_labels.note_templates()


RESPONSES = RowRole("responses", _scores, "respondent_id", SCORES)
TICKETS = RowRole("tickets", _ratings, "ticket_id", ("satisfaction", "channel"), needs="ticket_id")
MESSAGES = RowRole("messages", _flags)
CUSTOMERS = RowRole("customers", id_field="customer_id")


__all__ = ["CUSTOMERS", "FLAGS", "MESSAGES", "RESPONSES", "SCORES", "TICKETS", "RowRole"]
