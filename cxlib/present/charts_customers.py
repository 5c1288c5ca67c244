"""Altair charts for Customer 360 (:class:`cxlib.analyses.customers.CustomersResult`).

Builders take the result and return ``alt.Chart``; no data logic. Titles, axis titles, legends and
cxlib's own group names (NPS bands, repeat, segments, value tiers, "(blank)") go through
``localize`` (the app's language while a page draws; English elsewhere); a file's own values (a
city, a gender) stay as they are. Groups with fewer answers than the analysis's ``min_answers``
are drawn lighter and say "small" in their label: marked, never hidden.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from cxlib.analyses.customers import CustomersResult
from cxlib.core.messages import Msg, N_, localize, msg
from cxlib.data.identity import Resolution

# cxlib's own group values that are not yet words people read
GROUP_LABELS = {"repeat": N_("repeat customers"), "one_or_none": N_("one order or none"), "all": N_("all customers")}
SCORES = ("nps", "csat", "ces")
BAND_COLUMNS = ("tickets_per_customer", "first_reply_median_min", "ticket_csat_good_pct")
VALUE_METRICS = ("net_revenue", "repurchase")
_BAND_COLORS = ["#d62728", "#bdbdbd", "#2ca02c"]          # detractor, passive, promoter
FIELD_LABELS = {"repeat": N_("Repeat or one order"), "segment": N_("RFM segment"), "value_tier": N_("Value tier"),
                "nps_band": N_("NPS band")}


def group_label(value: object) -> str:
    """A group value as people read it: cxlib's own values translated, a file's own kept."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    return localize(GROUP_LABELS.get(value, value))


def _small_note() -> str:
    return localize(N_("small"))


def _labels(groups: pd.Series, small: pd.Series) -> list[str]:
    note = _small_note()
    return [f"{group_label(g)} ({note})" if s else group_label(g) for g, s in zip(groups, small)]


def score_columns(metric: str) -> tuple[str, str, str, str]:
    """(value, CI low, CI high, n) columns of ``CustomersResult.groups`` for a survey metric."""
    return {"nps": ("nps", "nps_ci_low", "nps_ci_high", "nps_n"),
            "csat": ("csat_top2_pct", "csat_ci_low", "csat_ci_high", "csat_n"),
            "ces": ("ces_mean", "ces_ci_low", "ces_ci_high", "ces_n")}[metric]


def score_title(metric: str) -> str:
    return localize({"nps": N_("NPS (points)"), "csat": N_("CSAT top-2-box (%)"), "ces": N_("CES (mean)")}[metric])


def field_label(by: str | None) -> str:
    """The name of a grouping field as people read it (a file's own column name kept)."""
    return localize(FIELD_LABELS.get(by, by)) if by else localize(N_("All customers"))


def definition(res: CustomersResult):
    """The result's definition sentence with its grouping field named as people read it."""
    sentence = res.sentence
    params = getattr(sentence, "params", None)
    if not params or "field" not in params or not res.by:
        return sentence
    return msg(sentence.template, **{**params, "field": Msg(FIELD_LABELS[res.by]) if res.by in FIELD_LABELS
                                      else res.by})


def _group_title(res: CustomersResult) -> str:
    return field_label(res.by)


def scores_by_group(res: CustomersResult, metric: str = "nps") -> alt.Chart:
    """A survey score per group with its 95% CI; small groups lighter and labelled "small"."""
    value, lo, hi, n = score_columns(metric)
    g = res.groups
    data = pd.DataFrame({"group": _labels(g["group"], g["small"]), "value": g[value].astype(float),
                         "low": g[lo].astype(float), "high": g[hi].astype(float), "n": g[n].astype(int),
                         "small": g["small"].astype(bool)})
    data = data[np.isfinite(data["value"])]
    order = data["group"].tolist()
    y = alt.Y("group:N", sort=order, title=_group_title(res))
    title = localize(msg("{metric} by {field}", metric=metric.upper(), field=_group_title(res)))
    base = alt.Chart(data).encode(y=y)
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=score_title(metric)),
        opacity=alt.condition("datum.small", alt.value(0.35), alt.value(0.9)),
        tooltip=[alt.Tooltip("group:N", title=localize(N_("Group"))),
                 alt.Tooltip("value:Q", title=score_title(metric), format=".1f"),
                 alt.Tooltip("low:Q", title=localize(N_("95% CI low")), format=".1f"),
                 alt.Tooltip("high:Q", title=localize(N_("95% CI high")), format=".1f"),
                 alt.Tooltip("n:Q", title=localize(N_("Answers")))])
    whiskers = base.mark_rule(color="black").encode(x="low:Q", x2="high:Q")
    return alt.layer(bars, whiskers).properties(title=title, height=alt.Step(22))


def band_frame(res: CustomersResult) -> pd.DataFrame:
    """``by_band`` with tickets per customer added (tickets / customers of the band)."""
    b = res.by_band
    b = b[b["group"].isin(["detractor", "passive", "promoter"])].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        b["tickets_per_customer"] = b["tickets"] / b["customers"].replace(0, np.nan)
    return b.reset_index(drop=True)


def band_title(column: str) -> str:
    return localize({"tickets_per_customer": N_("Tickets per customer"),
                     "first_reply_median_min": N_("Median first reply (minutes)"),
                     "ticket_csat_good_pct": N_("Ticket CSAT good (%)")}[column])


def by_band_chart(res: CustomersResult, column: str = "tickets_per_customer") -> alt.Chart:
    """Tickets per customer, median first reply or ticket CSAT per NPS band (detractor, passive, promoter)."""
    b = band_frame(res)
    data = pd.DataFrame({"band": [group_label(v) for v in b["group"]], "value": b[column].astype(float),
                         "customers": b["customers"].astype(int)})
    order = data["band"].tolist()
    title = localize(msg("{measure} by NPS band", measure=band_title(column)))
    scale = alt.Scale(domain=order, range=_BAND_COLORS) if len(order) == 3 else alt.Undefined
    return alt.Chart(data, title=title).mark_bar().encode(
        x=alt.X("band:N", sort=order, title=localize(N_("NPS band"))),
        y=alt.Y("value:Q", title=band_title(column)),
        color=alt.Color("band:N", sort=order, scale=scale, legend=None),
        tooltip=[alt.Tooltip("band:N", title=localize(N_("NPS band"))),
                 alt.Tooltip("value:Q", title=band_title(column), format=",.2f"),
                 alt.Tooltip("customers:Q", title=localize(N_("Customers")))])


def value_row(res: CustomersResult, metric: str) -> pd.Series | None:
    """The ``band_value`` row of ``net_revenue`` or ``repurchase`` (the repurchase window's row)."""
    bv = res.band_value
    if bv is None or bv.empty:
        return None
    name = metric if metric == "net_revenue" else f"repurchase_{res.spec.repurchase_days}d"
    rows = bv[bv["metric"] == name]
    return rows.iloc[0] if len(rows) else None


def value_title(res: CustomersResult, metric: str) -> str:
    if metric == "net_revenue":
        return localize(N_("Net revenue per customer"))
    return localize(msg("Repurchase within {days} days (%)", days=res.spec.repurchase_days))


def band_value_chart(res: CustomersResult, metric: str = "net_revenue") -> alt.Chart:
    """Detractors vs promoters with 95% CIs and the difference (detractors - promoters) with its CI."""
    row = value_row(res, metric)
    scale = 1.0 if metric == "net_revenue" else 100.0
    labels = {"detractors": localize(N_("Detractors")), "promoters": localize(N_("Promoters")),
              "difference": localize(N_("Difference (detractors - promoters)"))}
    records = []
    if row is not None:
        for key, lo, hi in (("detractors", "detractors_ci_low", "detractors_ci_high"),
                            ("promoters", "promoters_ci_low", "promoters_ci_high"),
                            ("difference", "difference_ci_low", "difference_ci_high")):
            records.append({"what": labels[key], "value": scale * float(row[key]), "low": scale * float(row[lo]),
                            "high": scale * float(row[hi])})
    data = pd.DataFrame(records, columns=["what", "value", "low", "high"])
    order = list(labels.values())
    y = alt.Y("what:N", sort=order, title=None)
    base = alt.Chart(data).encode(y=y)
    tips = [alt.Tooltip("what:N", title=localize(N_("Group"))),
            alt.Tooltip("value:Q", title=value_title(res, metric), format=",.2f"),
            alt.Tooltip("low:Q", title=localize(N_("95% CI low")), format=",.2f"),
            alt.Tooltip("high:Q", title=localize(N_("95% CI high")), format=",.2f")]
    points = base.mark_point(filled=True, size=80).encode(x=alt.X("value:Q", title=value_title(res, metric)),
                                                        tooltip=tips)
    whiskers = base.mark_rule().encode(x="low:Q", x2="high:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4], color="gray").encode(x="x:Q")
    return alt.layer(whiskers, points, zero).properties(title=value_title(res, metric), height=alt.Step(28))


def match_chart(resolution: Resolution) -> alt.Chart:
    """Rows per file: matched by each rule of the ladder, unmatched and ambiguous (stacked bars)."""
    f = resolution.to_frame()
    parts = {"by_customer_id": N_("matched by customer id"), "by_email": N_("matched by e-mail"),
             "by_phone": N_("matched by phone"), "unmatched": N_("unmatched"), "ambiguous": N_("ambiguous")}
    long = pd.concat([pd.DataFrame({"file": f["file"], "part": localize(label), "rows": f[col].astype(int),
                                    "order": k}) for k, (col, label) in enumerate(parts.items())])
    order = [localize(v) for v in parts.values()]
    return alt.Chart(long, title=localize(N_("Rows matched to a customer, per file and rule"))).mark_bar().encode(
        y=alt.Y("file:N", sort=f["file"].tolist(), title=None),
        x=alt.X("rows:Q", title=localize(N_("Rows"))),
        color=alt.Color("part:N", sort=order, title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=order, range=["#1f77b4", "#6baed6", "#9ecae1", "#bdbdbd", "#ff7f0e"])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("file:N", title=localize(N_("File"))), alt.Tooltip("part:N", title=localize(N_("Rule"))),
                 alt.Tooltip("rows:Q", title=localize(N_("Rows")))]).properties(height=alt.Step(24))


__all__ = ["GROUP_LABELS", "SCORES", "BAND_COLUMNS", "VALUE_METRICS", "band_frame", "band_title", "band_value_chart",
           "by_band_chart", "definition", "field_label", "group_label", "match_chart", "score_columns", "score_title",
           "scores_by_group", "value_row", "value_title"]
