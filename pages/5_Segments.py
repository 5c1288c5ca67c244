"""Segments: RFM segments and value tiers, named rule segments with member download, fair comparisons."""
import streamlit as st

import ui
from cxlib.analyses.compare import comparison_groups
from cxlib.analyses.segment_analysis import CompareSpec, SegmentsResult, SegmentsSpec, run_comparison
from cxlib.core.errors import CxDataError
from cxlib.present import charts_segments as charts
from ui import runner, t
from ui.rfm_view import rfm_and_view, rfm_inputs, show_rfm
from ui.segments_view import compare_panel, rule_specs, show_comparison, show_rule_segments

ui.shell(t("Segments"), icon=":material/group_work:")
orders = ui.pick_dataset("orders", key="seg_orders", label=t("Orders"))
defs = ui.definitions()
try:
    datasets, spec = rfm_inputs(orders, defs)
except CxDataError as err:
    ui.show_error(err)
    st.stop()
with st.spinner(t("Scoring customers…")):
    rfm, view = runner.run("segments", datasets, spec.to_json(), defs, analysis=rfm_and_view)
ui.caption(spec.describe())
ui.show_warnings(view.warnings)

tab_rfm, tab_rule, tab_cmp = st.tabs([t("RFM segments"), t("Rule segments"), t("Compare segments")])
with tab_rfm:
    show_rfm(rfm, view, orders)
with tab_rule:
    segs = show_rule_segments(view)
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
ui.spec_download(result, datasets, key="spec_segments", title=t("Segments"))
