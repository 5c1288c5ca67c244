"""Altair charts for the readiness score: its evidence (AUC against the baselines, calibration, gains)
and the band of every customer.

The evidence comes first on the page: a score is only worth using when its backtest beats recency
alone and BG/NBD, when its probabilities match what happened, and when its top share captures more
buyers than a random share would.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cxlib.analyses.propensity import BANDS, PropensityResult
from cxlib.core.messages import N_, localize

_SCORERS = (("model", N_("Readiness score")), ("recency", N_("Recency alone")), ("bgnbd", N_("BG/NBD expected purchases")))


def auc_chart(res: PropensityResult, title: str | None = None) -> alt.LayerChart:
    """Backtest AUC with its 95% interval: the score in use against recency alone and BG/NBD."""
    bt = res.backtest
    rows = [("model", bt.auc, *bt.auc_ci95), ("recency", bt.auc_recency, *bt.auc_recency_ci95),
            ("bgnbd", bt.auc_bgnbd, *bt.auc_bgnbd_ci95)]
    labels = dict(_SCORERS)
    if res.method != "model":                           # the ranking in use is one of the baselines
        rows = rows[1:]
    df = pd.DataFrame([{"scorer": localize(labels[k]), "auc": a, "low": lo, "high": hi} for k, a, lo, hi in rows])
    df = df.dropna(subset=["auc"])
    auc = localize(N_("Backtest AUC"))
    base = alt.Chart(df).encode(y=alt.Y("scorer:N", title=None, sort=None),
                                tooltip=[alt.Tooltip("scorer:N", title=localize(N_("Ranking"))),
                                         alt.Tooltip("auc:Q", title=auc, format=".3f"),
                                         alt.Tooltip("low:Q", title=localize(N_("95% CI low")), format=".3f"),
                                         alt.Tooltip("high:Q", title=localize(N_("95% CI high")), format=".3f")])
    bars = base.mark_bar(clip=True).encode(x=alt.X("auc:Q", title=auc, scale=alt.Scale(domain=[0.5, 1])))
    rule = base.mark_rule(color="black").encode(x="low:Q", x2="high:Q")
    return (bars + rule).properties(title=title or localize(N_("Does the score beat the baselines? (0.5 = chance)")),
                                    width=320)


def calibration_chart(res: PropensityResult, title: str | None = None) -> alt.LayerChart:
    """Predicted probability against the share that ordered, per tenth of the scores, with intervals."""
    df = res.backtest.calibration
    pred, obs = localize(N_("Predicted probability")), localize(N_("Share that ordered"))
    top = float(max(df["predicted"].max(), df["observed_hi"].max(), 0.05)) if len(df) else 1.0
    diag = alt.Chart(pd.DataFrame({"x": [0, top], "y": [0, top]})).mark_line(color="#999", strokeDash=[4, 4]).encode(
        x="x:Q", y="y:Q")
    base = alt.Chart(df).encode(x=alt.X("predicted:Q", title=pred, axis=alt.Axis(format="%")),
                                tooltip=[alt.Tooltip("predicted:Q", title=pred, format=".1%"),
                                         alt.Tooltip("observed:Q", title=obs, format=".1%"),
                                         alt.Tooltip("customers:Q", title=localize(N_("Customers")), format=",")])
    points = base.mark_point(filled=True, size=60).encode(y=alt.Y("observed:Q", title=obs, axis=alt.Axis(format="%")))
    bars = base.mark_rule().encode(y="observed_lo:Q", y2="observed_hi:Q")
    return (diag + bars + points).properties(
        title=title or localize(N_("Calibration: predicted vs. observed (dashed: perfect)")))


def gains_chart(res: PropensityResult, title: str | None = None) -> alt.LayerChart:
    """Share of the buyers captured by the top 10/20/30 % of scores, against a random pick."""
    rows = [{"top": f"{round(k * 100)}%", "share": k, "captured": v[0], "lift": v[1]}
            for k, v in sorted(res.backtest.gains.items())]
    df = pd.DataFrame(rows, columns=["top", "share", "captured", "lift"])
    cap = localize(N_("Buyers captured"))
    base = alt.Chart(df).encode(x=alt.X("top:O", title=localize(N_("Top share of customers by score")),
                                        axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(y=alt.Y("captured:Q", title=cap, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                                  tooltip=[alt.Tooltip("captured:Q", title=cap, format=".0%"),
                                           alt.Tooltip("lift:Q", title=localize(N_("Lift")), format=".2f")])
    random = base.mark_tick(color="black", thickness=2, size=40).encode(y="share:Q")
    return (bars + random).properties(title=title or localize(N_("Gains: buyers in the top scores (tick: random pick)")),
                                      width=alt.Step(60))


def bands_chart(res: PropensityResult, title: str | None = None) -> alt.Chart:
    """Customers per band (ready, warming, not now)."""
    counts = res.band_counts()
    names = [localize(b) for b in BANDS]
    df = pd.DataFrame({"band": names, "customers": [counts[b] for b in BANDS]})
    n = localize(N_("Customers"))
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("customers:Q", title=n), y=alt.Y("band:N", title=None, sort=None),
        color=alt.Color("band:N", legend=None, scale=alt.Scale(domain=names, range=["#2e7d32", "#f9a825", "#9e9e9e"])),
        tooltip=[alt.Tooltip("band:N", title=localize(N_("Band"))), alt.Tooltip("customers:Q", title=n, format=",")],
    ).properties(title=title or localize(N_("Customers by readiness band")))


__all__ = ["auc_chart", "bands_chart", "calibration_chart", "gains_chart"]
