"""The Engagement page's sections: when customers act, which channel works, who is ready to buy, tags.

Each section computes through the one runner (``ui.runner``): timing, channels and the readiness score
are registered analyses (so Save and share replays them); tags and trigger lists use an analysis
function defined here. A rerun that changes nothing recomputes nothing.
"""
from __future__ import annotations

import streamlit as st

from cxlib.analyses import tags as tg
from cxlib.core.definitions import DefinitionSet
from cxlib.data.dataset import Dataset
from ui import runner
from ui.charts import show_chart
from ui.downloads import download_chart, download_table, spec_download
from ui.i18n import t, tr
from ui.pickers import dataset_label, option_labels
from ui.tables import show_table
from ui.text import caption, esc, show_warnings

ZONES = ("UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Amsterdam",
         "Europe/Warsaw", "Europe/Moscow", "Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney",
         "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo")


# -- analyses (module level: the runner keys its cache on their names) ------------------------------------
def tags_of(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    return tg.customer_tags(datasets[0], tg.TagSpec.from_json(options), defs=defs)


def triggers_of(datasets: list[Dataset], options: dict, defs: DefinitionSet):
    by_role = {d.role: d for d in datasets}
    return tg.trigger_lists(by_role["orders"], by_role.get("events"), by_role.get("customers"),
                            tg.TagSpec.from_json(options), defs=defs)


# -- inputs -----------------------------------------------------------------------------------------------
def pick_zone(key: str) -> str:
    """The shop's time zone (a common one, or any IANA name typed in)."""
    a, b = st.columns([1, 1])
    zone = a.selectbox(t("Shop time zone"), [*ZONES, "other"], key=key,
                       format_func=lambda z: t("Other (type it)") if z == "other" else z)
    if zone == "other":
        zone = b.text_input(t("IANA time zone"), "Europe/Berlin", key=f"{key}_other").strip() or "UTC"
    return zone


# -- sections ---------------------------------------------------------------------------------------------
def timing_section(sources: list[Dataset], tz: str, defs: DefinitionSet) -> None:
    ids = [d.key for d in sources]
    by_id = {d.key: d for d in sources}
    pick = st.selectbox(t("Data"), ids, key="eng_timing_data",
                        format_func=option_labels(ids, lambda i: dataset_label(by_id[i])))
    res = runner.run("timing", [by_id[pick]], {"tz": tz}, defs, stop=False)
    if res is None:
        return
    st.markdown(esc(tr(res.sentence())))
    caption(res.spec.describe())
    show_warnings(res.warnings)
    spec_download(res, [by_id[pick]], key="spec_timing", title=t("When customers act"))
    for kind in res.chart_kinds():
        chart = res.chart(kind)
        show_chart(chart)
        download_chart(chart, f"timing_{kind}.png", key=f"dl_timing_{kind}")
    download_table(res.to_frame(), "timing.csv", key="dl_timing_csv")


def channels_section(messages: Dataset | None, tz: str, defs: DefinitionSet) -> None:
    if messages is None:
        st.info(t("Load a campaign recipient export (Klaviyo, Mailchimp, Braze or a sheet with recipient, sent at, "
                  "channel, clicked, placed order) on the Data page to compare channels."), icon=":material/info:")
        return
    res = runner.run("channels", [messages], {"tz": tz}, defs, stop=False)
    if res is None:
        return
    st.markdown(esc(tr(res.describe())))
    caption(res.spec.describe())
    show_warnings(res.warnings)
    spec_download(res, [messages], key="spec_channels", title=t("Channels"))
    for kind in res.chart_kinds():
        show_chart(res.chart(kind))
    show_table(res.overall(), width="stretch")
    if len(res.pairs):
        st.caption(t("Pairwise comparisons of conversion (Holm-corrected)"))
        show_table(res.pairs, width="stretch")
    download_table(res.overall(), "channels.csv", key="dl_channels_csv")


def readiness_section(orders: Dataset, events: Dataset | None, defs: DefinitionSet) -> None:
    horizon = st.select_slider(t("Horizon"), [7, 14, 30, 60, 90], 30, key="eng_horizon",
                               format_func=lambda d: t("{days} days", days=d))
    data = [orders] + ([events] if events is not None else [])
    with st.spinner(t("Scoring customers and backtesting the score...")):
        res = runner.run("propensity", data, {"horizon_days": horizon}, defs, stop=False)
    if res is None:
        return
    st.markdown(esc(tr(res.summary())))
    if res.gate:
        st.warning(esc(tr(res.gate)), icon=":material/warning:")
    caption(res.describe())
    show_warnings(res.warnings)
    spec_download(res, data, key="spec_readiness", title=t("Ready to buy"))
    kinds = [k for k in res.chart_kinds() if k != "bands"]
    cols = st.columns(max(1, len(kinds)))
    for col, kind in zip(cols, kinds):
        show_chart(res.chart(kind), where=col)
    st.subheader(t("Scored customers"))
    show_chart(res.chart("bands"))
    show_table(res.to_frame().head(200), width="stretch")
    a, b = st.columns(2)
    with a:
        download_table(res.to_frame(), "readiness_scores.csv", key="dl_scores", label=t("Download every score (CSV)"))
    with b:
        download_table(res.holdout(), "readiness_holdout.csv", key="dl_holdout",
                       label=t("Download a random hold-out list (CSV)"))
    caption(t("Send the campaign to 'campaign' and not to 'holdout'; add the outcome and read the lift on the "
              "Experiments page."))


def tags_section(orders: Dataset, events: Dataset | None, customers: Dataset | None, defs: DefinitionSet) -> None:
    res = runner.run("engagement", [orders], {}, defs, analysis=tags_of, stop=False)
    if res is not None:
        caption(t("Each tag with its rule in words and how many customers it applies to."))
        show_warnings(res.warnings)
        st.markdown(esc(tr(res.summary())))
        show_table(res.rules_frame(), width="stretch")
        download_table(res.to_frame(), "customer_tags.csv", key="dl_tags")
    data = [d for d in (orders, events, customers) if d is not None]
    trig = runner.run("engagement", data, {}, defs, analysis=triggers_of, stop=False)
    if trig is not None:
        st.subheader(t("Trigger lists"))
        st.markdown(esc(tr(trig.summary())))
        show_warnings(trig.warnings)
        show_table(trig.to_frame(), width="stretch")
        for name, members in trig.lists.items():
            if len(members):
                download_table(members, f"trigger_{name.replace(' ', '_')}.csv", key=f"dl_trigger_{name}",
                               label=t("Download the {name} list (CSV)", name=tr(name)))
        download_table(trig.to_frame(), "trigger_lists.csv", key="dl_triggers")
