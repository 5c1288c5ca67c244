"""Survey answers cleaned: blanks, answers that are not numbers and answers outside the scale, counted and named.

One rule for both data paths. :func:`parse` reads cells (a whole column in pandas, or the distinct cells the
engine counted); :func:`judge` decides from counts per distinct number, in the order the numbers first appear in
the file, which answers are valid and what the warnings say. :func:`clean_scores` is the pandas path (it keeps
each valid answer's row for breakdowns); :func:`from_cells` is the engine's (distinct cells with their counts).
Statistics are computed from :attr:`Scores.counts` either way (:mod:`cxlib.analyses.survey`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from cxlib.core.definitions import DefinitionSet
from cxlib.core.messages import Msg, msg

SurveyMetric = Literal["nps", "csat", "ces"]

CSAT_LABELS: dict[str, int] = {
    "very dissatisfied": 1, "dissatisfied": 2, "neither satisfied nor dissatisfied": 3, "neutral": 3,
    "satisfied": 4, "very satisfied": 5,
    "非常不满意": 1, "不满意": 2, "一般": 3, "满意": 4, "非常满意": 5,
    "совсем не удовлетворен": 1, "очень недоволен": 1, "недоволен": 2, "нейтрально": 3, "доволен": 4,
    "очень доволен": 5,
}


@dataclass(frozen=True)
class Scores:
    """Valid answers of one score column, with what was dropped and why."""

    values: pd.Series | None         # float64, valid answers only (index = row of the dataset); None on the engine
    blank: int
    non_numeric: int
    out_of_range: int
    warnings: tuple[Msg, ...] = ()
    counts: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"), repr=False)  # valid value -> answers
    bounds: tuple[float, float] = (0.0, 10.0)
    scale_known: bool = True         # False: most answers fit another scale, none is valid

    def keep(self, num: pd.Series) -> pd.Series:
        """Which of the numbers ``num`` are valid answers."""
        return num.notna() & num.between(*self.bounds) & self.scale_known


def bounds(metric: SurveyMetric, defs: DefinitionSet) -> tuple[float, float]:
    if metric == "nps":
        return 0.0, 10.0
    if metric == "csat":
        return 1.0, float(defs.csat.scale_max)
    lo, hi = defs.ces.bounds
    return float(lo), float(hi)


def parse(series: pd.Series, metric: SurveyMetric) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(numbers, blank cells, cells that are not numbers) of ``series``; text CSAT labels map to 1-5."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        num = series.astype("float64")
        return num, num.isna(), pd.Series(False, index=series.index)
    text = series.astype("string").str.strip()
    blank_mask = text.isna() | (text == "")
    num = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").astype("float64")
    if metric == "csat":
        num = num.fillna(text.str.lower().map(CSAT_LABELS).astype("float64"))
    non_num_mask = num.isna() & ~blank_mask
    return num, blank_mask.fillna(True).astype(bool), non_num_mask.fillna(False).astype(bool)


def judge(numbers: pd.Series, blank: int, non_numeric: int, examples, metric: SurveyMetric,
          defs: DefinitionSet) -> Scores:
    """The verdict on one score column from ``numbers`` (distinct number -> answers, in the order they first
    appear), the blank and non-numeric counts and the first non-numeric cells as written (``examples``)."""
    lo, hi = bounds(metric, defs)
    label = metric.upper()
    vals, cnt = numbers.index.to_numpy(dtype="float64"), numbers.to_numpy(dtype="int64")
    out = (vals < lo) | (vals > hi)
    warnings: list[Msg] = []
    if non_numeric:
        ex = ", ".join(repr(str(v)) for v in list(examples)[:3])                   # the file's text
        # TRANSLATORS: {metric} is NPS, CSAT or CES; {examples} are answers quoted from the file
        warnings.append(msg("{count} {metric} answer(s) are not numbers (e.g. {examples}) and were excluded.",
                            count=int(non_numeric), metric=label, examples=ex))
    out_note = None
    n_out, n_num = int(cnt[out].sum()), int(cnt.sum())
    if out.any():
        ex = ", ".join(f"{v:g}" for v in vals[out][:3])                   # answers as written in the file
        if metric == "csat" and vals[out].max() <= 10:
            out_note = msg("{count} {metric} answer(s) are outside the {low:g}-{high:g} scale (e.g. {examples}) and "
                           "were excluded. If this survey uses a 1-7 or 1-10 scale, change the CSAT scale in "
                           "Definitions.", count=n_out, metric=label, low=lo, high=hi, examples=ex)
        else:
            out_note = msg("{count} {metric} answer(s) are outside the {low:g}-{high:g} scale (e.g. {examples}) and "
                           "were excluded.", count=n_out, metric=label, low=lo, high=hi, examples=ex)
        warnings.append(out_note)
    known = True
    if metric != "nps" and n_out >= max(5, 0.1 * n_num) and bool(((vals >= 0) & (vals <= 10)).all()):
        # Many answers beyond the defined scale that fit a wider one (1-7, 1-10, 0-10): the survey
        # uses another scale. A share computed on the answers that happen to fit would be biased,
        # so nothing is computed until the definition says which scale it is.
        warnings = [w for w in warnings if w is not out_note]       # keep the non-numeric note
        warnings.append(msg("{count} of {total} {metric} answers are outside the {low:g}-{high:g} scale of the "
                            "definition (answers from {lowest:g} to {highest:g}): the survey seems to use another "
                            "scale. {metric} is not computed until its scale is set in Definitions (or with "
                            "--definitions).", count=n_out, total=n_num, metric=label, low=lo, high=hi,
                            lowest=vals.min(), highest=vals.max()))
        known, n_out = False, n_num             # every numeric answer is excluded: its scale is unknown
    counts = numbers[~out & known].sort_index().astype("int64")
    return Scores(values=None, blank=int(blank), non_numeric=int(non_numeric), out_of_range=n_out,
                  warnings=tuple(warnings), counts=counts, bounds=(lo, hi), scale_known=known)


def clean_scores(series: pd.Series, metric: SurveyMetric, defs: DefinitionSet | None = None) -> Scores:
    """Parse one score column; count and drop blanks, non-numeric and out-of-range answers.

    Text CSAT labels ("Very satisfied" ... "Very dissatisfied", also zh/ru) map to 1-5.
    Non-integer answers (e.g. 7.5) are kept if within the scale.
    """
    defs = defs or DefinitionSet.default()
    num, blank_mask, non_num_mask = parse(series, metric)
    nums = num[num.notna()]
    numbers = nums.value_counts().reindex(pd.unique(nums.to_numpy()))      # in the order of first appearance
    examples = series[non_num_mask].astype(str).unique()[:3]
    sc = judge(numbers, int(blank_mask.sum()), int(non_num_mask.sum()), examples, metric, defs)
    return replace(sc, values=num[sc.keep(num)])


def from_cells(cells: pd.Series, n, metric: SurveyMetric, defs: DefinitionSet) -> tuple[Scores, pd.Series]:
    """(the verdict, each cell's number) from the distinct ``cells`` of a column in the order they first appear
    and how many answers hold each (``n``): what :func:`clean_scores` says of the whole column."""
    cells = cells.reset_index(drop=True)
    n = pd.Series(np.asarray(n, dtype="int64"))
    num, blank_mask, non_num_mask = parse(cells, metric)
    has = num.notna()
    numbers = n[has].groupby(num[has].to_numpy(), sort=False).sum()
    examples = cells[non_num_mask].astype(str).unique()[:3]
    return judge(numbers, int(n[blank_mask].sum()), int(n[non_num_mask].sum()), examples, metric, defs), num


__all__ = ["CSAT_LABELS", "Scores", "SurveyMetric", "bounds", "clean_scores", "from_cells", "judge", "parse"]
