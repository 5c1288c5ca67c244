"""The Customers page's inputs and rendering: files to join, the match report first, then the questions.

Every figure has its definition sentence next to it and a member-list CSV download (through
``ui.downloads.download_table``: ``cxlib.data.export``, spreadsheet formulas neutralized). Small groups
(fewer answers than the analysis's ``min_answers``) are marked "small", never hidden.
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from cxlib.analyses.customers import CustomersResult
from cxlib.analyses.customers_groups import SPECIAL_FIELDS
from cxlib.data.dataset import Dataset
from cxlib.data.roles import role_noun
from cxlib.present import charts_customers as charts
from ui import fmt, state
from ui.i18n import t, tr
from ui.text import caption, esc
from ui.charts import show_chart
from ui.downloads import chart_with_downloads, download_table
from ui.pickers import dataset_currency, dataset_label, option_labels
from ui.tables import show_table

EXTRA_ROLES = ("customers", "responses", "tickets")


def customers_with_crosswalk(datasets: list[Dataset], options: dict, defs):
    """The Customer 360 result and its crosswalk, computed together in the runner's cache (the crosswalk
    reads the engine, which a cached result cannot do once it has been pickled)."""
    from cxlib.saved import replay
    res = replay.run("customers", datasets, options, defs)
    return res, res.crosswalk()
NONE = "-"
ATTRIBUTES = ("city", "gender", "country", "channel")


def _role_title(role: str) -> str:
    return {"customers": t("Customers file"), "responses": t("Survey responses"),
            "tickets": t("Support tickets")}[role]


def pick_files(orders: Dataset) -> list[Dataset]:
    """The orders file first, then one file per other role: every loaded one by default (the first of its role)."""
    chosen = [orders]
    cols = st.columns(len(EXTRA_ROLES))
    for col, role in zip(cols, EXTRA_ROLES):
        options = {d.key: d for d in state.of_role(role)}
        ids = [*options, NONE]
        label = option_labels(ids, lambda i: dataset_label(options[i]) if i in options else t("(none)"))
        pick = col.selectbox(_role_title(role), ids, format_func=label, key=f"customers_file_{role}")
        if pick in options:
            chosen.append(options[pick])
    return chosen


def by_options(files: list[Dataset]) -> list[str]:
    """Fields to group by: repeat, RFM segment, value tier, then the attributes the files carry."""
    out = [f for f in SPECIAL_FIELDS if f != "nps_band"]
    for ds in files:
        if ds.role in ("orders", "customers"):
            other = [c for c in ds.columns if ds.role == "customers" and c not in ATTRIBUTES and c not in out
                     and c not in ("customer_id", "email", "phone", "signup_at", "birthday")]
            few = {c for c, n in ds.distinct_counts(other).items() if 1 < n <= 30}   # on the engine when kept there
            out += [c for c in ds.columns if c in ATTRIBUTES or c in few]
    return list(dict.fromkeys(out))


def _members(res: CustomersResult, mask, filename: str, key: str) -> None:
    download_table(res.members(mask), filename, key=key, label=t("Download members (CSV)"))


def match_report(res: CustomersResult, crosswalk: pd.DataFrame) -> None:
    """Per file and rule: matched, unmatched, ambiguous; sample pairs to check by eye; the crosswalk."""
    st.subheader(t("Match report"))
    r = res.resolution
    caption(r.describe())
    frame = r.to_frame()
    show_table(frame, labels={"role": lambda v: tr(role_noun(v))}, width="stretch")
    show_chart(charts.match_chart(r), width="stretch")
    for f in r.files:
        if f.role == "orders":
            continue
        rate = f.matched / f.rows if f.rows else 0.0
        with st.expander(esc(t("{file}: {rate} of rows matched; sample pairs to check by eye", file=f.file,
                               rate=fmt.pct(rate, 1)))):
            st.write(esc(tr(f.sentence())))
            pairs = pd.DataFrame(list(f.pairs), columns=[t("Rule"), t("In this file"), t("In another file")])
            if len(pairs):
                show_table(pairs, width="stretch")
            else:
                st.caption(t("Every matched value is written as in the other file."))
    download_table(crosswalk, "customer_crosswalk.csv", key="customers_crosswalk",
                   label=t("Download the crosswalk (CSV)"))


def tiles(res: CustomersResult, currency: str | None) -> None:
    """Customers, revenue at risk, and the detractor - promoter differences with their CIs."""
    c = st.columns(4)
    c[0].metric(t("Customers"), fmt.num(len(res.customers)))
    risk = res.revenue_at_risk
    if risk:
        share = risk.get("share_pct")
        c[1].metric(t("Revenue at risk"), fmt.money(risk["net_revenue"], currency),
                    help=t("{share} of trailing net revenue; {n:,} detractors", n=risk["detractors"],
                           share=fmt.pct(share / 100, 1) if share is not None else "—"))
    for col, metric in zip(c[2:], charts.VALUE_METRICS):
        row = charts.value_row(res, metric)
        if row is None or not math.isfinite(row["difference"]):
            continue
        k = 1.0 if metric == "net_revenue" else 100.0
        label = (t("Net revenue: detractors - promoters") if metric == "net_revenue"
                 else t("Repurchase: detractors - promoters (points)"))
        col.metric(label, fmt.signed(k * row["difference"], 2),
                   help=t("95% CI {lo} to {hi}; p = {p}", lo=fmt.signed(k * row["difference_ci_low"], 2),
                          hi=fmt.signed(k * row["difference_ci_high"], 2), p=fmt.num(row["p_value"], 3)))


def scores(res: CustomersResult) -> None:
    have = [m for m in charts.SCORES if res.groups[charts.score_columns(m)[3]].sum() > 0]
    if not have:
        st.info(t("No survey answers matched to these customers, so there are no scores by group."))
        return
    names = {"nps": t("NPS"), "csat": t("CSAT"), "ces": t("CES")}
    metric = st.radio(t("Metric"), have, format_func=option_labels(have, names.get), horizontal=True,
                      key="customers_metric")
    value, lo, hi, n = charts.score_columns(metric)
    table = res.groups[["group", "customers", "respondents", n, "small", value, lo, hi, "net_revenue",
                        "repeat_rate_pct"]]
    chart_with_downloads(charts.scores_by_group(res, metric), table, png=f"{metric}_by_group.png",
                         csv=f"{metric}_by_group.csv", key="customers_scores")
    caption(charts.definition(res))
    show_table(table, labels={"group": charts.group_label}, width="stretch")
    _members(res, None, "customers_members.csv", "customers_scores_members")


def bands(res: CustomersResult, defs) -> None:
    b = charts.band_frame(res)
    if b.empty or "tickets" not in res.customers.columns:
        st.info(t("Tickets by NPS band need a survey with NPS and a tickets file."))
        return
    names = {c: charts.band_title(c) for c in charts.BAND_COLUMNS}
    column = st.radio(t("Show"), list(names), format_func=option_labels(list(names), names.get), horizontal=True,
                      key="customers_band_column")
    table = b[["group", "customers", "tickets", "tickets_per_customer", "first_reply_median_min",
               "ticket_csat_good_pct"]]
    chart_with_downloads(charts.by_band_chart(res, column), table, png=f"{column}_by_nps_band.png",
                         csv="tickets_by_nps_band.csv", key="customers_bands")
    st.caption(esc(t("NPS band = each customer's latest NPS answer (detractor 0-{det}, promoter {prom}-10). Tickets "
                     "per customer = the band's tickets / its customers; first reply = median minutes among "
                     "answered tickets; ticket CSAT = good / (good + bad).", det=defs.nps.detractor_max,
                     prom=defs.nps.promoter_min)))
    show_table(table, labels={"group": charts.group_label}, width="stretch")
    _members(res, res.customers["nps_band"].notna(), "customers_by_nps_band.csv", "customers_bands_members")


def band_value(res: CustomersResult, defs) -> None:
    if res.band_value is None or res.band_value.empty:
        return
    metrics = list(charts.VALUE_METRICS)
    names = {m: charts.value_title(res, m) for m in metrics}
    metric = st.radio(t("Measure"), metrics, format_func=option_labels(metrics, names.get), horizontal=True,
                      key="customers_value_metric")
    chart_with_downloads(charts.band_value_chart(res, metric), res.band_value, png=f"{metric}_by_nps_band.png",
                         csv="value_by_nps_band.csv", key="customers_value")
    caption(defs.describe("net_revenue"))
    st.caption(esc(t("Repurchase = share of customers with a valid order within {days} days after their latest NPS "
                     "answer, among those followed for the whole window. Difference = detractors - promoters with "
                     "its 95% CI (Welch t for revenue, Newcombe for the rate).", days=res.spec.repurchase_days)))
    show_table(res.band_value, width="stretch")
    _members(res, res.customers["nps_band"].isin(["detractor", "promoter"]).fillna(False),
             "detractors_and_promoters.csv", "customers_value_members")


def risk_and_bias(res: CustomersResult, currency: str | None) -> None:
    risk = res.revenue_at_risk
    if risk:
        st.subheader(t("Revenue at risk"))
        st.metric(t("Trailing net revenue of detractors"), fmt.money(risk["net_revenue"], currency),
                  help=t("of {total} in total", total=fmt.money(risk["total_net_revenue"], currency)))
        st.caption(esc(t("Revenue at risk = net revenue of the last {days} days of customers whose latest NPS answer "
                         "is a detractor's.", days=risk["trailing_days"])))
        _members(res, (res.customers["nps_band"] == "detractor").fillna(False), "detractors.csv",
                 "customers_risk_members")
    if res.response_bias is not None and not res.response_bias.empty:
        st.subheader(t("Response bias"))
        show_table(res.response_bias, labels={"metric": tr}, width="stretch")
        st.caption(t("Customers with at least one survey answer vs customers without one: means, and the "
                     "difference with its 95% CI (Welch t)."))
        _members(res, res.customers["answers"] > 0, "responders.csv", "customers_bias_members")


def render(res: CustomersResult, crosswalk: pd.DataFrame, orders: Dataset, defs) -> None:
    """Everything below the inputs: match report first, then the questions."""
    currency = dataset_currency(orders)
    match_report(res, crosswalk)
    st.subheader(t("Questions"))
    tiles(res, currency)
    st.subheader(t("Scores by group"))
    scores(res)
    st.subheader(t("Tickets by NPS band"))
    bands(res, defs)
    st.subheader(t("Net revenue and repurchase by NPS band"))
    band_value(res, defs)
    risk_and_bias(res, currency)
