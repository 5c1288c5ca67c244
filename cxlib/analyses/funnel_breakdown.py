"""A funnel broken down by a field: units per value and step, the chi-square test of conversion
differences (overall and pairwise, Holm-adjusted), and the labels cxlib gives missing and grouped values.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.core.messages import N_, Msg, msg
from cxlib.core.stats import holm

# Breakdown values cxlib makes itself (stored in English, e.g. in the JSON; an interface shows tr(value)).
MISSING = N_("(missing)")
OTHER = N_("Other")


# --------------------------------------------------------------------------------- statistics
def chi_square(table: np.ndarray) -> tuple[float, int, float, float]:
    """Pearson chi-square test of independence (no continuity correction).

    Returns ``(statistic, dof, p_value, min_expected)``; NaN statistic when a margin is empty."""
    obs = np.asarray(table, dtype=float)
    obs = obs[obs.sum(axis=1) > 0][:, obs.sum(axis=0) > 0]
    if obs.ndim != 2 or min(obs.shape) < 2:
        return math.nan, 0, math.nan, math.nan
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / obs.sum()
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    from scipy.special import chdtrc       # here, not at import (see cxlib.core.stats.wilson_ci)
    return chi2, dof, float(chdtrc(dof, chi2)), float(expected.min())


# --------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class BreakdownTest:
    """Does full-funnel conversion differ across breakdown values? Pearson chi-square + Holm pairs."""

    chi2: float
    dof: int
    p_value: float
    pairwise: pd.DataFrame           # a, b, chi2, p_value, p_holm, significant

    def to_json(self) -> dict:
        return {"chi2": self.chi2, "dof": self.dof, "p_value": self.p_value,
                "pairwise": self.pairwise.to_dict(orient="records")}


def compute_breakdown(spec, values: pd.Series, level: np.ndarray, name: str,
                      warnings: list[Msg]) -> tuple[pd.DataFrame, BreakdownTest, tuple[np.ndarray, list]]:
    k = len(spec.steps)
    codes, uniq = pd.factorize(values)
    counts = np.bincount(codes, minlength=len(uniq))
    names = np.asarray(uniq, dtype=object)
    rank = np.lexsort((names.astype(str), -counts))            # most units first, then by value
    pos = np.empty(len(uniq), dtype=np.int64)
    if len(uniq) > spec.top_n:
        warnings.append(msg("{field} has {count:,} values; the {shown} largest are shown and the other {rest:,} are "
                            "grouped as '{other}'.", field=spec.by, count=len(uniq), shown=spec.top_n,
                            rest=len(uniq) - spec.top_n, other=Msg(OTHER)))
        pos[rank[:spec.top_n]] = np.arange(spec.top_n)
        pos[rank[spec.top_n:]] = spec.top_n
        order = list(names[rank[:spec.top_n]]) + [OTHER]
    else:
        pos[rank] = np.arange(len(uniq))
        order = list(names[rank])
    codes = pos[codes]
    per = np.zeros((len(order), k), dtype=np.int64)          # units reaching >= step j, per value
    for j in range(1, k + 1):
        per[:, j - 1] = np.bincount(codes[level >= j], minlength=len(order))
    rows = [{"value": v, "step_index": j, "step": spec.steps[j - 1].label, "units": int(per[i, j - 1]),
             "conversion": per[i, j - 1] / per[i, 0] if per[i, 0] else math.nan}
            for i, v in enumerate(order) for j in range(1, k + 1)]
    frame = pd.DataFrame(rows, columns=["value", "step_index", "step", "units", "conversion"])
    conv, total = per[:, k - 1], per[:, 0]
    table = np.column_stack([conv, total - conv])
    chi2, dof, p, min_exp = chi_square(table)
    if not math.isnan(min_exp) and min_exp < 5:
        warnings.append(msg("Some breakdown groups are small (expected count below 5): the chi-square test of "
                            "conversion differences is approximate."))
    pairs = []
    for a in range(len(order)):
        for b in range(a + 1, len(order)):
            c2, _, pv, _ = chi_square(table[[a, b]])
            pairs.append({"a": order[a], "b": order[b], "rate_a": conv[a] / total[a] if total[a] else math.nan,
                          "rate_b": conv[b] / total[b] if total[b] else math.nan, "chi2": c2, "p_value": pv})
    pw = pd.DataFrame(pairs, columns=["a", "b", "rate_a", "rate_b", "chi2", "p_value"])
    ok = pw["p_value"].notna().to_numpy()
    pw["p_holm"] = np.nan
    pw.loc[ok, "p_holm"] = holm(pw.loc[ok, "p_value"].to_numpy())
    pw["significant"] = pw["p_holm"] < 0.05
    return frame, BreakdownTest(chi2, dof, p, pw), (codes, order)
