"""The Segments page's data and RFM definition form, its analyses for ``ui.runner`` and its RFM tab."""
from __future__ import annotations

import streamlit as st

from cxlib.analyses.rfm_scores import score_map_frame, score_map_from_frame
from cxlib.analyses.segment_members import members_frame, segment_frame
from cxlib.analyses.segments import (NO_ORDERS, ORDER_STATUSES, RFMSpec, build_customer_view, compute_rfm,
                                     shares_customers, value_tier_frame)
from cxlib.core.definitions import DefinitionSet
from cxlib.data.dataset import Dataset
from cxlib.present import charts_segments as charts
from ui import fmt, runner, state
from ui.charts import show_chart
from ui.downloads import download_chart, download_table
from ui.i18n import t, tr
from ui.pickers import dataset_currency, dataset_label, date_input_format, option_labels
from ui.tables import column_label, show_table, status_label
from ui.text import caption

EXTRA_ROLES = ("customers", "responses", "tickets")


def _of_role(datasets: list[Dataset], role: str) -> Dataset | None:
    return next((d for d in datasets if d.role == role), None)


def shares(datasets: list[Dataset], options: dict, defs: DefinitionSet) -> bool:
    """Whether the first dataset shares customers with the orders (and the customers file) after it."""
    return shares_customers(datasets[0], *datasets[1:])


def rfm_and_view(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    """RFM scores of the orders (the first dataset) under the spec in ``options``, and the customer view
    joining the customers, responses and tickets datasets (NPS bands from the definitions)."""
    rfm = compute_rfm(datasets[0], RFMSpec.from_json(options))
    extra = {role: _of_role(datasets[1:], role) for role in EXTRA_ROLES}
    return rfm, build_customer_view(rfm, **extra, promoter_min=defs.nps.promoter_min,
                                    detractor_max=defs.nps.detractor_max)


def _optional(orders: Dataset, role: str, label: str, key: str, customers: Dataset | None = None) -> Dataset | None:
    """Pick a dataset to join; the default is the first that shares customers with orders/customers."""
    found = {d.key: d for d in state.datasets().values() if d.role == role}
    first = next((i for i, d in enumerate(found.values(), start=1)
                  if runner.compute("segments", [d, orders, customers], analysis=shares)), 0)
    choice = st.selectbox(label, ["", *found], index=first, key=f"{key}_{orders.key}",   # default per orders
                          format_func=option_labels(["", *found], lambda k: dataset_label(found[k]) if k else t("none")))
    return found.get(choice)


def rfm_inputs(orders: Dataset, defs: DefinitionSet) -> tuple[list[Dataset | None], RFMSpec]:
    """The form: datasets to join, as-of date, ties, refunds, valid statuses and the segment map.
    Returns ``[orders, customers, responses, tickets]`` (None: not joined) and the RFM spec (raises
    CxDataError for a segment map that does not cover the grid)."""
    with st.expander(t("Data and RFM definition")):
        c1, c2, c3 = st.columns(3)
        customers = _optional(orders, "customers", t("Customer attributes"), "seg_customers")
        responses = _optional(orders, "responses", t("Survey responses"), "seg_responses", customers)
        tickets = _optional(orders, "tickets", t("Support tickets"), "seg_tickets", customers)
        latest = orders.time_range("ordered_at")[1] if orders.has("ordered_at") else None
        as_of = c1.date_input(t("As of"), value=latest.date() if latest is not None else None,
                              format=date_input_format(), key=f"seg_as_of_{orders.key}")   # default per orders dataset
        method = c2.radio(t("Equal values"), ["ties_share", "rank"], key="seg_ties", format_func={
            "ties_share": t("share a score"), "rank": t("split into equal-sized groups")}.get)
        revenue = defs.net_revenue                 # session definition of net revenue
        refunds = c3.checkbox(t("Subtract refunds"), value=revenue.subtract_refunds, key="seg_refunds")
        statuses = st.multiselect(t("Valid order statuses"), ORDER_STATUSES, default=list(revenue.valid_statuses),
                                  key="seg_statuses", format_func=option_labels(ORDER_STATUSES, status_label))
        st.caption(t("Segment map: each segment covers a range of R scores and FM scores (1-5); every cell once."))
        score_map = score_map_frame()
        edited = st.data_editor(score_map, num_rows="dynamic", hide_index=True, key="seg_score_map", column_config={
            c: st.column_config.Column(label=column_label(c)) for c in score_map.columns})
    spec = RFMSpec(as_of=as_of, valid_statuses=tuple(statuses), subtract_refunds=refunds,
                   score_map=score_map_from_frame(edited), quintile_method=method)
    return [orders, customers, responses, tickets], spec


def show_rfm(rfm, view, orders: Dataset) -> None:
    """The RFM tab: sizes and value shares, the R x FM grid, value tiers, the table and members to download."""
    table = segment_frame(rfm, view)                 # RFM segments + "No orders" (customers file, no valid order)
    no_orders = int((view.customers["segment"] == NO_ORDERS).sum())
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("Customers with orders"), fmt.num(len(rfm.customers)))
    m2.metric(t("Without a valid order"), fmt.num(no_orders))
    m3.metric(t("Net revenue"), fmt.money(rfm.customers["net_revenue"].sum(), dataset_currency(orders), 2))
    m4.metric(t("As of"), fmt.day(rfm.as_of))
    share = charts.segment_share_chart(rfm, title=t("Segment size and value share"), table=table)
    show_chart(share)
    download_chart(share, "segments.png", key="dl_segments_png")
    if no_orders:
        st.caption(t("{customers:,} customers of the customers file have no valid order (no order, or only cancelled "
                     "or pending ones): they are the row 'No orders'. The R and FM grid and the value tiers rank "
                     "buyers only, because both need an order.", customers=no_orders))
    left, right = st.columns(2)
    show_chart(charts.rfm_grid_chart(rfm, title=t("Customers by R and FM score")), where=left)
    tiers = value_tier_frame(rfm.customers)
    show_chart(charts.value_tier_chart(tiers, title=t("Net revenue share by value tier")), where=right)
    show_table(table, labels=("segment",))
    download_table(table, "segments.csv", key="dl_segments_csv")
    listed = table["segment"].tolist()
    pick = st.selectbox(t("Members of segment"), listed, key="seg_members_of", format_func=option_labels(listed, tr))
    download_table(members_frame(view, (view.customers["segment"] == pick).to_numpy(), pick),
                   "segment_members.csv", key="dl_rfm_members", label=t("Download members (CSV)"))
    if view.joins:
        caption(view.describe_joins())
