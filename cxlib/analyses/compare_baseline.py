"""Who a segment comparison counts (its baseline) and the warnings when the groups differ in it.

By default (``population="auto"``) the fair baseline: buyers (at least one valid order) when the metric
comes from orders, and customers who answered the question when the metric or a group comes from the
survey; ``"all"``, ``"buyers"`` and ``"respondents"`` choose one. ``cxlib.analyses.compare`` uses it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.analyses.segments import CustomerView, index_in, join_list, join_sentences, name_msg
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg

ORDER_METRICS = frozenset({"aov", "revenue_per_customer", "repeat_rate"})     # measured on valid orders
SURVEY_FIELDS = {"nps": "nps", "nps_band": "nps", "csat": "csat"}        # customer fields answered in the survey


@dataclass(frozen=True, slots=True)
class Population:
    """Who a comparison counts (its baseline): buyers and/or customers who answered ``answered``
    (``nps``, ``csat``, or ``survey`` for any answer); ``chosen`` is what was asked (auto, all,
    buyers, respondents)."""

    buyers: bool
    answered: tuple[str, ...]
    customers: int                   # customers in the baseline
    total: int                       # customers in the view
    chosen: str = "auto"
    reason: str = ""                 # auto: "orders", "survey" or "both" (why this baseline is the fair one)

    @property
    def name(self) -> str:
        """all | buyers | respondents | buyers_respondents"""
        return ("buyers_respondents" if self.buyers and self.answered else "buyers" if self.buyers
                else "respondents" if self.answered else "all")

    def _questions(self) -> Msg:
        if self.answered == ("nps",):
            return msg("the NPS question")
        if self.answered == ("csat",):
            return msg("the CSAT question")
        if set(self.answered) == {"nps", "csat"}:
            return msg("the NPS and CSAT questions")
        return msg("the survey")

    def describe(self, metric: Msg | str = "") -> Msg:
        """The baseline in one or two sentences: who is counted, and why when it was chosen automatically."""
        n = dict(customers=self.customers, total=self.total)
        if self.name == "buyers":
            who = msg("Compared among customers with at least one valid order: {customers:,} of {total:,}.", **n)
        elif self.name == "respondents":
            who = msg("Compared among customers who answered {questions}: {customers:,} of {total:,}.",
                      questions=self._questions(), **n)
        elif self.name == "buyers_respondents":
            who = msg("Compared among customers who answered {questions} and have at least one valid order: "
                      "{customers:,} of {total:,}.", questions=self._questions(), **n)
        else:
            who = msg("Compared among all {total:,} customers, whether or not they bought or answered the survey.",
                      total=self.total)
        if self.chosen != "auto" or not self.reason:
            return who
        why = {"orders": msg("This is the fair baseline for {metric}, which comes from orders.", metric=metric),
               "survey": msg("This is the fair baseline when the groups or the metric come from the survey."),
               "both": msg("This is the fair baseline: the groups come from the survey and {metric} from orders.",
                           metric=metric)}[self.reason]
        return join_sentences([who, why])

    def to_json(self) -> dict:
        return {"baseline": self.name, "chosen": self.chosen, "answered": list(self.answered),
                "customers": self.customers, "total": self.total}


Criteria = tuple[bool, tuple[str, ...]]          # (buyers only, survey questions answered)


def baseline_criteria(view: CustomerView, m, groups, population: str) -> tuple[Criteria, Criteria, np.ndarray]:
    """(fair criteria, chosen criteria, baseline mask over view.customers) for the metric ``m`` (a
    ``CompareMetric``) and the compared ``groups`` (``Group`` objects: their ``fields`` are read)."""
    asked = {SURVEY_FIELDS[f] for g in groups for f in g.fields if f in SURVEY_FIELDS}
    if m.name in ("nps", "csat"):
        asked.add(m.name)
    fair: Criteria = (m.name in ORDER_METRICS, tuple(sorted(asked)))
    if population == "auto":
        chosen = fair
    elif population == "all":
        chosen = (False, ())
    elif population == "buyers":
        chosen = (True, ())
    else:
        if not _answered(view, "survey").any():
            raise CxDataError(msg("no survey answers are joined to customers, so there are no respondents to compare."),
                              hint=msg("Pick a responses file with a customer id or email column, or another baseline."))
        chosen = (False, fair[1] or ("survey",))
    return fair, chosen, _criteria_mask(view, chosen)


def _answered(view: CustomerView, question: str) -> np.ndarray:
    """Customers with at least one usable answer to ``question`` (nps 0-10, csat; ``survey``: either). With the
    answers on the engine: the customers whose latest usable answer is there, the same customers."""
    c, r = view.customers, view.responses
    found = []
    for col in (("nps", "csat") if question == "survey" else (question,)):
        if isinstance(r, pd.DataFrame) and col in r.columns:
            ok = r[col].between(0, 10) if col == "nps" else r[col].notna()
            found.append(index_in(c["customer_id"], r.loc[ok, "customer_id"].drop_duplicates()) >= 0)
        elif col in c.columns:
            found.append(c[col].notna().to_numpy(dtype=bool))
    return np.logical_or.reduce(found) if found else np.zeros(len(c), dtype=bool)


def _criteria_mask(view: CustomerView, criteria: Criteria) -> np.ndarray:
    c = view.customers
    mask = np.ones(len(c), dtype=bool)
    if criteria[0]:
        mask &= (c["orders"].fillna(0) > 0).to_numpy(dtype=bool)
    for q in criteria[1]:
        mask &= _answered(view, q)
    return mask


def selection_warnings(view: CustomerView, m, masks: dict[str, np.ndarray], fair: Criteria,
                       chosen: Criteria) -> list[Msg]:
    """A warning per criterion of the fair baseline that the chosen one drops, when the groups differ
    in the share of members who meet it (e.g. 'Everyone else' holds non-respondents, 'Detractors' none)."""
    c = view.customers
    checks = []
    if fair[0] and not chosen[0]:
        checks.append(("buyers", (c["orders"].fillna(0) > 0).to_numpy(dtype=bool)))
    missing = tuple(q for q in fair[1] if q not in chosen[1])
    if missing:
        checks.append(("survey", _criteria_mask(view, (False, missing))))
    out: list[Msg] = []
    for kind, ok in checks:
        shares = {name: float((~ok[mask]).mean()) for name, mask in masks.items() if mask.any()}
        if len(shares) < 2 or max(shares.values()) - min(shares.values()) <= 0.01:
            continue
        groups = join_list([msg("{share:.0%} of '{segment}'", share=v, segment=name_msg(k)) for k, v in shares.items()])
        if kind == "buyers":
            out.append(msg("The groups differ in who can have {metric}: customers without a valid order make up "
                           "{groups}, so a difference may come from who is in each group. Compare among buyers "
                           "(the fair baseline) instead.", metric=m.label, groups=groups))
        else:
            out.append(msg("The groups differ in who answered the survey: customers who did not answer make up "
                           "{groups}, so a difference may come from who answers surveys rather than from the "
                           "answers. Compare among respondents (the fair baseline) instead.", groups=groups))
    return out
