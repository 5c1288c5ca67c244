"""The Segments page's rule segments (several at once, by id) and its comparison panel.

Rule segments live in ``st.session_state["seg_rules"]`` as ``{id: {"name", "rule"}}``: the id, not
the name, is what Compare selects, so renaming a segment keeps it in the comparison. Widgets get
their value from that store every run, so names and rules survive a visit to another page.
"""
from __future__ import annotations

import streamlit as st

from cxlib.analyses.compare import METRICS, POPULATIONS, Comparison, Group
from cxlib.core.errors import CxDataError
from cxlib.analyses.segment_members import RuleSegment, RuleSpec, members_frame, rule_segment, rule_segments_frame
from ui import fmt
from ui.charts import show_chart
from ui.downloads import download_table
from ui.i18n import t, tr
from ui.pickers import option_labels
from ui.tables import show_table, sig
from ui.text import caption, esc, show_error, show_warnings

STORE = "seg_rules"
DEFAULT_RULE = "orders >= 2 and recency_days <= 90"


def _store() -> dict[str, dict[str, str]]:
    if STORE not in st.session_state:
        st.session_state[STORE] = {"1": {"name": t("Rule segment"), "rule": DEFAULT_RULE}}
    return st.session_state[STORE]


def _add() -> None:
    store = _store()
    new = str(max((int(k) for k in store), default=0) + 1)
    store[new] = {"name": t("Segment {n}", n=new), "rule": ""}


def _delete(sid: str) -> None:
    _store().pop(sid, None)


def rule_segments_editor(view) -> list[RuleSegment]:
    """A row per rule segment (name, rule, delete) and an add button; returns the segments whose
    rule applies, in order (an error under a segment whose rule does not parse or whose name is
    taken by another)."""
    store = _store()
    out: list[RuleSegment] = []
    names: set[str] = set()
    for sid, item in list(store.items()):
        c1, c2, c3 = st.columns([2, 5, 1], vertical_alignment="bottom")
        item["name"] = c1.text_input(t("Segment name"), value=item["name"], key=f"seg_rule_name_{sid}")
        item["rule"] = c2.text_input(t("Rule"), value=item["rule"], key=f"seg_rule_{sid}", help=t(
            "Conditions field op value joined by and/or, e.g. country = DE and orders >= 2. "
            "Operators: = != < <= > >= in contains."))
        c3.button(t("Delete"), key=f"seg_rule_del_{sid}", on_click=_delete, args=(sid,), disabled=len(store) == 1,
                  icon=":material/delete:")
        name = item["name"].strip()
        if not item["rule"].strip():
            st.caption(t("Type a rule to define this segment."))
            continue
        if not name or name in names:
            st.error(t("Give this segment a name of its own."), icon=":material/error:")
            continue
        try:
            seg = rule_segment(view, item["rule"], name, id=sid)
        except CxDataError as err:
            show_error(err)
            continue
        names.add(name)
        out.append(seg)
    st.button(t("Add a rule segment"), key="seg_rule_add", on_click=_add, icon=":material/add:")
    return out


def show_rule_segments(view) -> list[RuleSegment]:
    """The Rule segments tab: the editor, their sizes, the members of one and the fields a rule can use."""
    segs = rule_segments_editor(view)
    if len(segs) > 1:
        show_table(rule_segments_frame(segs), formats={"share_pct": lambda v: fmt.pct(v / 100, 2),
                                                          "revenue_share_pct": lambda v: fmt.pct(v / 100, 2)})
    if segs:
        ids = [s.id for s in segs]
        sid = st.selectbox(t("Members of"), ids, key="seg_rule_members_of",
                           format_func=option_labels(ids, lambda i: next(s.name for s in segs if s.id == i)))
        seg = next(s for s in segs if s.id == sid)
        r1, r2, r3 = st.columns(3)
        r1.metric(t("Customers"), fmt.num(seg.customers))
        r2.metric(t("Share of customers"), fmt.pct(seg.share_pct / 100, 2))
        r3.metric(t("Share of net revenue"), fmt.pct(seg.revenue_share_pct / 100, 2))
        caption(seg.describe())
        members = members_frame(view, seg.mask, seg.name)
        show_table(members.head(500), labels=("segment", "value_tier", "nps_band"))
        download_table(members, "segment_members.csv", key="dl_rule_members", label=t("Download members (CSV)"))
    # field names are code the user types in a rule: shown as code spans (literal, never markdown)
    st.caption(t("Fields: {fields}", fields=", ".join(f"`{c}`" for c in view.customers.columns if "`" not in str(c))))
    return segs


def rule_specs(segments: list[RuleSegment]) -> tuple[RuleSpec, ...]:
    return tuple(RuleSpec(s.name, s.rule, s.id) for s in segments)


POPULATION_LABELS = {"auto": lambda: t("Fair baseline for the metric and groups"), "all": lambda: t("All customers"),
                     "buyers": lambda: t("Buyers only (at least one valid order)"),
                     "respondents": lambda: t("Survey respondents only")}


KINDS = {"rfm": lambda: t("RFM"), "tier": lambda: t("value tier"), "nps": lambda: t("NPS band"),
         "rule": lambda: t("rule")}


def group_label(key: str, name: str) -> str:
    """``Champions (RFM)``, ``Detractors (NPS band)``, ``Detractors (rule)``: one label per group even
    when a rule segment is named like an RFM segment or an NPS band."""
    kind = KINDS.get(key.split(":", 1)[0])
    # TRANSLATORS: a group of customers to compare and what defines it (RFM, value tier, NPS band, rule)
    return t("{group} ({kind})", group=tr(name), kind=kind()) if kind else tr(name)


def compare_panel(view, groups: dict[str, Group], default: list[str], defs, compare_fn):
    """Groups, metric and baseline pickers, then the comparison (chart, verdict, tables); returns
    ``(CompareSpec inputs, Comparison)`` or ``(None, None)`` when nothing is compared."""
    key = "seg_cmp_groups"
    if key in st.session_state:                        # a deleted rule segment leaves the selection
        st.session_state[key] = [k for k in st.session_state[key] if k in groups]
    keys = list(groups)
    chosen = st.multiselect(t("Segments to compare"), keys, default=None if key in st.session_state else default,
                            key=key, format_func=option_labels(keys, lambda k: group_label(k, groups[k].name)))
    if any(k.startswith("nps:") for k in keys):
        st.caption(t("NPS bands use each customer's latest answer: detractors 0-{d}, passives, promoters {p}-10.",
                     d=defs.nps.detractor_max, p=defs.nps.promoter_min))
    usable = [m for m in METRICS if m.needs is None or (m.needs == "responses" and view.responses is not None
              and m.name in view.responses.columns) or (m.needs == "tickets" and view.tickets is not None)]
    names = [m.name for m in usable]
    c1, c2 = st.columns(2)
    metric = c1.selectbox(t("Metric"), names, index=names.index("nps" if "nps" in names else "aov"),
                          key="seg_cmp_metric",
                          format_func=option_labels(names, lambda n: tr(next(m.label for m in usable if m.name == n))))
    population = c2.selectbox(t("Compare among"), POPULATIONS, key="seg_cmp_population",
                              format_func=option_labels(POPULATIONS, lambda p: POPULATION_LABELS[p]()))
    if len(chosen) < 2:
        st.info(t("Pick at least two segments to compare."))
        return None, None
    try:
        cmp: Comparison = compare_fn(chosen, metric, population)
    except CxDataError as err:
        show_error(err)
        return None, None
    return (tuple(chosen), metric, population), cmp


def show_comparison(cmp: Comparison, chart) -> None:
    st.info(esc(tr(cmp.summary())))
    show_chart(chart)
    caption(cmp.metric.describe())
    groups = cmp.to_frame()
    if groups["successes"].isna().all():                 # counts of "yes" exist for rates only
        groups = groups.drop(columns="successes")
    show_table(groups, labels=("segment",))
    digits = {"p_value": 3, "p_holm": 3, "mw_p_value": 3, "mw_p_holm": 3, "diff": 4, "ci_low": 4, "ci_high": 4}
    show_table(cmp.pairs_frame(), formats={c: sig(d) for c, d in digits.items()}, labels=("a", "b"))
    show_warnings(cmp.warnings)
