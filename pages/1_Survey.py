"""Survey: NPS, CSAT and CES with CIs, distribution, trend, by segment, and searchable comments."""
import streamlit as st

import ui
from cxlib.present import charts_scorecard as charts
from cxlib.analyses import survey
from ui import fmt, runner, t

ui.shell(t("Survey"), icon=":material/forum:")
ds = ui.pick_dataset("responses", key="survey_dataset")
defs = ui.definitions()
NAMES = {"nps": t("NPS"), "csat": t("CSAT"), "ces": t("CES")}
res = runner.run("survey", ds, {"view": "summary"}, defs)
ui.show_warnings(res.warnings)
ui.spec_download(res, ds, key="spec_survey", title=t("Survey"))
have = [m for m in ("nps", "csat", "ces") if getattr(res, m) is not None]
cols = st.columns(len(have) + 1)
cols[0].metric(t("Responses"), fmt.num(res.responses))
for col, m in zip(cols[1:], have):
    r = getattr(res, m)
    if m == "nps":
        col.metric(NAMES[m], fmt.signed(r.score, 1), help=t("95% CI {lo:+.1f} to {hi:+.1f}; n = {n:,}",
                                                            lo=r.ci95[0], hi=r.ci95[1], n=r.n))
    elif m == "csat" and defs.csat.mode == "top2_pct":
        col.metric(NAMES[m], fmt.pct(r.headline / 100, 1),
                   help=t("95% CI {lo:.1%} to {hi:.1%}; n = {n:,}", lo=r.headline_ci95[0] / 100,
                          hi=r.headline_ci95[1] / 100, n=r.n))
    else:
        col.metric(NAMES[m], fmt.num(r.headline, 2),
                   help=t("95% CI {lo:.2f} to {hi:.2f}; n = {n:,}", lo=r.headline_ci95[0], hi=r.headline_ci95[1], n=r.n))

metric = st.radio(t("Metric"), have, format_func=NAMES.get, horizontal=True, key="survey_metric")
unit = {"nps": "pts", "csat": "%" if defs.csat.mode == "top2_pct" else "", "ces": ""}[metric]
ui.caption(defs.describe(metric))
r = getattr(res, metric)
st.subheader(t("Distribution"))
dist = (charts.nps_distribution(r, defs.nps.promoter_min, defs.nps.detractor_max) if metric == "nps"
        else charts.score_distribution(r))
ui.chart_with_downloads(dist, r.to_frame(), png=f"{metric}_distribution.png", csv=f"{metric}_distribution.csv", key="dl_survey_dist")

st.subheader(t("Trend"))
if ds.has("answered_at"):
    freq = st.radio(t("Period"), ["month", "week"], horizontal=True, key="survey_freq",
                    format_func={"month": t("Month"), "week": t("Week")}.get)
    trend = runner.run("survey", ds, {"view": "trend", "metric": metric, "freq": freq}, defs)
    chart = charts.grouped_trend(trend, unit=unit, target=defs.target(metric))
    ui.chart_with_downloads(chart, trend.to_frame(), png=f"{metric}_trend.png", csv=f"{metric}_trend.csv", key="dl_survey_trend")
else:
    st.info(t("No answer date in this file, so there is no trend."))

st.subheader(t("By segment"))
skip = {"nps", "csat", "ces", "comment", "answered_at", "respondent_id", "customer_id", "email"}
fields = [c for c, n in ds.distinct_counts(c for c in ds.columns if c not in skip).items() if 1 < n <= 50]
if fields:
    by = st.selectbox(t("Break down by"), fields, key="survey_by")
    seg = runner.run("survey", ds, {"view": "segment", "metric": metric, "by": by}, defs)
    ui.show_warnings([w for w in seg.warnings if w not in res.warnings])
    chart = charts.grouped_bars(seg, unit=unit)
    ui.chart_with_downloads(chart, seg.to_frame(), png=f"{metric}_by_{by}.png", csv=f"{metric}_by_{by}.csv", key="dl_survey_seg")
else:
    st.info(t("No column with a few distinct values to break the scores down by."))

st.subheader(t("Comments"))
query = st.text_input(t("Search comments"), key="survey_search", placeholder=t("word or phrase"))
found = survey.comments(ds, query, metric)
st.caption(t("{n:,} comments shown", n=len(found)))
ui.show_table(found, width="stretch")
ui.download_table(found, "comments.csv", key="dl_survey_comments_csv")
