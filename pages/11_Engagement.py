"""Engagement: when customers act, which channel works, who is ready to buy, and their tags."""
import streamlit as st

import ui
from ui import engagement_view as view
from ui import t
from ui.state import of_role

ui.shell(t("Engagement"), icon=":material/campaign:")
orders = ui.pick_dataset("orders", key="eng_orders")
events = (of_role("events") or [None])[0]
messages = (of_role("messages") or [None])[0]
customers = (of_role("customers") or [None])[0]
defs = ui.definitions()
tz = view.pick_zone("eng_tz")

# only the tab shown runs (a tab switch reruns the page): the readiness score alone is seconds of model fits
when, channels, ready, tags = st.tabs([t("When"), t("Channels"), t("Ready to buy"), t("Tags and triggers")],
                                      key="eng_tab", on_change="rerun")
if when.open:
    with when:
        view.timing_section([d for d in (orders, events, messages) if d is not None], tz, defs)
if channels.open:
    with channels:
        view.channels_section(messages, tz, defs)
if ready.open:
    with ready:
        view.readiness_section(orders, events, defs)
if tags.open:
    with tags:
        view.tags_section(orders, events, customers, defs)
