"""Segments: RFM segments and value tiers, rule segments with member download, comparisons."""
import json

import streamlit as st

import ui
from cxlib import charts_segments as charts
from cxlib.compare import METRICS, compare_segments, segment_groups
from cxlib.errors import CxDataError
from cxlib.segments import (NO_ORDERS, ORDER_STATUSES, VALUE_TIERS, RFMSpec,
                            build_customer_view, compute_rfm, members_frame, rule_segment, score_map_frame,
                            score_map_from_frame, shares_customers, value_tier_frame)
from ui import fmt, t, tr
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
def segment_view(_orders, _customers, _responses, _tickets, keys: str, spec_json: str):
    rfm = compute_rfm(_orders, RFMSpec.from_json(json.loads(spec_json)))
    return rfm, build_customer_view(rfm, _customers, _responses, _tickets)


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
try:
    spec = RFMSpec(as_of=as_of, valid_statuses=tuple(statuses), subtract_refunds=refunds,
                   score_map=score_map_from_frame(edited), quintile_method=method)
    keys = "|".join(d.key if d else "-" for d in (orders, customers, responses, tickets))
    with st.spinner(t("Scoring customers…")):
        rfm, view = segment_view(orders, customers, responses, tickets, keys, json.dumps(spec.to_json()))
except CxDataError as err:
    ui.show_error(err)
    st.stop()
ui.caption(spec.describe())
ui.show_warnings(view.warnings)
ui.spec_download(rfm, orders, key="spec_segments", title=t("RFM segments"))

tab_rfm, tab_rule, tab_cmp = st.tabs([t("RFM segments"), t("Rule segment"), t("Compare segments")])
with tab_rfm:
    m1, m2, m3 = st.columns(3)
    m1.metric(t("Customers with orders"), fmt.num(len(rfm.customers)))
    m2.metric(t("Net revenue"), fmt.money(rfm.customers["net_revenue"].sum(), dataset_currency(orders), 2))
    m3.metric(t("As of"), fmt.day(rfm.as_of))
    share = charts.segment_share_chart(rfm, title=t("Segment size and value share"))
    ui.show_chart(share)
    ui.download_chart(share, "segments.png", key="dl_segments_png")
    left, right = st.columns(2)
    ui.show_chart(charts.rfm_grid_chart(rfm, title=t("Customers by R and FM score")), where=left)
    tiers = value_tier_frame(rfm.customers)
    ui.show_chart(charts.value_tier_chart(tiers, title=t("Net revenue share by value tier")), where=right)
    table = rfm.to_frame()
    ui.show_table(table, labels=("segment",))
    ui.download_table(table, "segments.csv", key="dl_segments_csv")
    listed = table["segment"].tolist() + ([NO_ORDERS] if (view.customers["segment"] == NO_ORDERS).any() else [])
    pick = st.selectbox(t("Members of segment"), listed, key="seg_members_of", format_func=ui.option_labels(listed, tr))
    ui.download_table(members_frame(view, (view.customers["segment"] == pick).to_numpy(), pick),
                      "segment_members.csv", key="dl_rfm_members", label=t("Download members (CSV)"))
    if view.joins:
        ui.caption(view.describe_joins())

with tab_rule:
    rule = st.text_input(t("Rule"), value="orders >= 2 and recency_days <= 90", key="seg_rule",
                         help=t("Conditions field op value joined by and/or, e.g. country = DE and orders >= 2. "
                                "Operators: = != < <= > >= in contains."))
    name = st.text_input(t("Segment name"), value=t("Rule segment"), key="seg_rule_name")
    try:
        seg = rule_segment(view, rule, name=name or t("Rule segment"))
    except CxDataError as err:
        ui.show_error(err)
        seg = None
    if seg is not None:
        r1, r2, r3 = st.columns(3)
        r1.metric(t("Customers"), fmt.num(seg.customers))
        r2.metric(t("Share of customers"), fmt.pct(seg.share_pct / 100, 2))
        r3.metric(t("Share of net revenue"), fmt.pct(seg.revenue_share_pct / 100, 2))
        ui.caption(seg.describe())
        members = members_frame(view, seg.mask, seg.name)
        ui.show_table(members.head(500), labels=("segment", "value_tier"))
        ui.download_table(members, "segment_members.csv", key="dl_rule_members", label=t("Download members (CSV)"))
    # field names are code the user types in a rule: shown as code spans (literal, never markdown)
    st.caption(t("Fields: {fields}", fields=", ".join(f"`{c}`" for c in view.customers.columns if "`" not in str(c))))

with tab_cmp:
    segs = [s for s in [*rfm.segment_counts, NO_ORDERS] if (view.customers["segment"] == s).any()]
    groups_all = segment_groups(view, segs) | segment_groups(view, [n for n, _ in VALUE_TIERS], "value_tier")
    if seg is not None:
        groups_all |= {seg.name: seg.mask, t("Everyone else"): ~seg.mask}
    default = [seg.name, t("Everyone else")] if seg is not None and 0 < seg.customers < len(seg.mask) else segs[:2]
    chosen = st.multiselect(t("Segments to compare"), list(groups_all), default=default, key="seg_cmp_groups",
                            format_func=ui.option_labels(list(groups_all), tr))
    usable = [m for m in METRICS if m.needs is None or (m.needs == "responses" and view.responses is not None
              and m.name in view.responses.columns) or (m.needs == "tickets" and view.tickets is not None)]
    names = [m.name for m in usable]
    metric = st.selectbox(t("Metric"), names, index=names.index("nps" if "nps" in names else "aov"),
                          key="seg_cmp_metric", format_func=ui.option_labels(names, lambda n: tr(next(m.label for m in usable if m.name == n))))
    if len(chosen) >= 2:
        try:
            defs = ui.definitions()
            cmp = compare_segments(view, {name: groups_all[name] for name in chosen}, metric,
                                   csat_top=defs.csat.top2_min, promoter_min=defs.nps.promoter_min,
                                   detractor_max=defs.nps.detractor_max)
        except CxDataError as err:
            ui.show_error(err)
            st.stop()
        ui.show_chart(charts.comparison_chart(cmp))
        st.info(ui.esc(tr(cmp.summary())))
        ui.caption(cmp.metric.describe())
        digits = {"p_value": 3, "p_holm": 3, "mw_p_value": 3, "mw_p_holm": 3, "diff": 4, "ci_low": 4, "ci_high": 4}
        ui.show_table(cmp.pairs_frame(), formats={c: ui.sig(d) for c, d in digits.items()}, labels=("a", "b"))
        ui.show_warnings(cmp.warnings)
    else:
        st.info(t("Pick at least two segments to compare."))
