"""Segments: RFM segments and value tiers, named rule segments with member download, fair comparisons."""
import json

import streamlit as st

import ui
from cxlib.present import charts_segments as charts
from cxlib.analyses.compare import comparison_groups
from cxlib.core.errors import CxDataError
from cxlib.analyses.segment_analysis import CompareSpec, SegmentsResult, SegmentsSpec, run_comparison
from cxlib.analyses.segments import (NO_ORDERS, ORDER_STATUSES, RFMSpec, build_customer_view, compute_rfm,
                                     shares_customers, value_tier_frame)
from cxlib.analyses.rfm_scores import score_map_frame, score_map_from_frame
from cxlib.analyses.segment_members import members_frame, rule_segments_frame, segment_frame
from ui import fmt, t, tr
from ui.segments_view import compare_panel, rule_segments_editor, rule_specs, show_comparison
from ui.widgets import column_label, dataset_currency, date_input_format, status_label

ui.shell(t("Segments"), icon=":material/group_work:")
orders = ui.pick_dataset("orders", key="seg_orders", label=t("Orders"))


@st.cache_data(show_spinner=False, max_entries=64)
def linked(_other, _orders, _customers, keys: str) -> bool:
    return shares_customers(_other, _orders, _customers)


def optional(role: str, label: str, key: str, customers=None):
    """Pick a dataset to join; the default is the first that shares customers with orders/customers."""
    found = {d.key: d for d in ui.datasets().values() if d.role == role}
    first = next((i for i, d in enumerate(found.values(), start=1)
                  if linked(d, orders, customers, "|".join(x.key for x in (d, orders, customers) if x))), 0)
    choice = st.selectbox(label, ["", *found], index=first, key=f"{key}_{orders.key}",   # default per orders
                          format_func=ui.option_labels(["", *found], lambda k: ui.dataset_label(found[k]) if k else t("none")))
    return found.get(choice)


@st.cache_data(show_spinner=False, max_entries=16)
def segment_view(_orders, _customers, _responses, _tickets, keys: str, spec_json: str, bands: tuple[int, int]):
    rfm = compute_rfm(_orders, RFMSpec.from_json(json.loads(spec_json)))
    return rfm, build_customer_view(rfm, _customers, _responses, _tickets, promoter_min=bands[0],
                                    detractor_max=bands[1])


with st.expander(t("Data and RFM definition")):
    c1, c2, c3 = st.columns(3)
    customers = optional("customers", t("Customer attributes"), "seg_customers")
    responses = optional("responses", t("Survey responses"), "seg_responses", customers)
    tickets = optional("tickets", t("Support tickets"), "seg_tickets", customers)
    latest = orders.df["ordered_at"].max() if orders.has("ordered_at") else None
    as_of = c1.date_input(t("As of"), value=latest.date() if latest is not None else None, format=date_input_format(),
                          key=f"seg_as_of_{orders.key}")                  # default per orders dataset
    method = c2.radio(t("Equal values"), ["ties_share", "rank"], key="seg_ties", format_func={
        "ties_share": t("share a score"), "rank": t("split into equal-sized groups")}.get)
    revenue = ui.definitions().net_revenue                 # session definition of net revenue
    refunds = c3.checkbox(t("Subtract refunds"), value=revenue.subtract_refunds, key="seg_refunds")
    statuses = st.multiselect(t("Valid order statuses"), ORDER_STATUSES, default=list(revenue.valid_statuses),
                              key="seg_statuses", format_func=ui.option_labels(ORDER_STATUSES, status_label))
    st.caption(t("Segment map: each segment covers a range of R scores and FM scores (1-5); every cell once."))
    score_map = score_map_frame()
    edited = st.data_editor(score_map, num_rows="dynamic", hide_index=True, key="seg_score_map", column_config={
        c: st.column_config.Column(label=column_label(c)) for c in score_map.columns})
defs = ui.definitions()
try:
    spec = RFMSpec(as_of=as_of, valid_statuses=tuple(statuses), subtract_refunds=refunds,
                   score_map=score_map_from_frame(edited), quintile_method=method)
    keys = "|".join(d.key if d else "-" for d in (orders, customers, responses, tickets))
    with st.spinner(t("Scoring customers…")):
        rfm, view = segment_view(orders, customers, responses, tickets, keys, json.dumps(spec.to_json()),
                                 (defs.nps.promoter_min, defs.nps.detractor_max))
except CxDataError as err:
    ui.show_error(err)
    st.stop()
ui.caption(spec.describe())
ui.show_warnings(view.warnings)

tab_rfm, tab_rule, tab_cmp = st.tabs([t("RFM segments"), t("Rule segments"), t("Compare segments")])
with tab_rfm:
    table = segment_frame(rfm, view)                 # RFM segments + "No orders" (customers file, no valid order)
    no_orders = int((view.customers["segment"] == NO_ORDERS).sum())
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("Customers with orders"), fmt.num(len(rfm.customers)))
    m2.metric(t("Without a valid order"), fmt.num(no_orders))
    m3.metric(t("Net revenue"), fmt.money(rfm.customers["net_revenue"].sum(), dataset_currency(orders), 2))
    m4.metric(t("As of"), fmt.day(rfm.as_of))
    share = charts.segment_share_chart(rfm, title=t("Segment size and value share"), table=table)
    ui.show_chart(share)
    ui.download_chart(share, "segments.png", key="dl_segments_png")
    if no_orders:
        st.caption(t("{customers:,} customers of the customers file have no valid order (no order, or only cancelled "
                     "or pending ones): they are the row 'No orders'. The R and FM grid and the value tiers rank "
                     "buyers only, because both need an order.", customers=no_orders))
    left, right = st.columns(2)
    ui.show_chart(charts.rfm_grid_chart(rfm, title=t("Customers by R and FM score")), where=left)
    tiers = value_tier_frame(rfm.customers)
    ui.show_chart(charts.value_tier_chart(tiers, title=t("Net revenue share by value tier")), where=right)
    ui.show_table(table, labels=("segment",))
    ui.download_table(table, "segments.csv", key="dl_segments_csv")
    listed = table["segment"].tolist()
    pick = st.selectbox(t("Members of segment"), listed, key="seg_members_of", format_func=ui.option_labels(listed, tr))
    ui.download_table(members_frame(view, (view.customers["segment"] == pick).to_numpy(), pick),
                      "segment_members.csv", key="dl_rfm_members", label=t("Download members (CSV)"))
    if view.joins:
        ui.caption(view.describe_joins())

with tab_rule:
    segs = rule_segments_editor(view)
    if len(segs) > 1:
        ui.show_table(rule_segments_frame(segs), formats={"share_pct": lambda v: fmt.pct(v / 100, 2),
                                                          "revenue_share_pct": lambda v: fmt.pct(v / 100, 2)})
    if segs:
        ids = [s.id for s in segs]
        sid = st.selectbox(t("Members of"), ids, key="seg_rule_members_of",
                           format_func=ui.option_labels(ids, lambda i: next(s.name for s in segs if s.id == i)))
        seg = next(s for s in segs if s.id == sid)
        r1, r2, r3 = st.columns(3)
        r1.metric(t("Customers"), fmt.num(seg.customers))
        r2.metric(t("Share of customers"), fmt.pct(seg.share_pct / 100, 2))
        r3.metric(t("Share of net revenue"), fmt.pct(seg.revenue_share_pct / 100, 2))
        ui.caption(seg.describe())
        members = members_frame(view, seg.mask, seg.name)
        ui.show_table(members.head(500), labels=("segment", "value_tier", "nps_band"))
        ui.download_table(members, "segment_members.csv", key="dl_rule_members", label=t("Download members (CSV)"))
    # field names are code the user types in a rule: shown as code spans (literal, never markdown)
    st.caption(t("Fields: {fields}", fields=", ".join(f"`{c}`" for c in view.customers.columns if "`" not in str(c))))

with tab_cmp:
    groups = comparison_groups(view, list(rfm.segment_counts), segs)
    first = [f"rule:{segs[0].id}", "rest"] if segs and 0 < segs[0].customers < len(view.customers) else []
    chosen, cmp = compare_panel(view, groups, first or list(groups)[:2], defs, lambda keys, metric, population: (
        run_comparison(view, rfm, segs, CompareSpec(keys, metric, population), defs)))
    if cmp is not None:
        show_comparison(cmp, charts.comparison_chart(cmp))

result = SegmentsResult(rfm, view, tuple(segs), cmp, SegmentsSpec(spec, rule_specs(segs),
                                                                  CompareSpec(*chosen) if chosen else None),
                        view.warnings)
ui.spec_download(result, [orders, customers, responses, tickets], key="spec_segments", title=t("Segments"))
