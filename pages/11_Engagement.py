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

when, channels, ready, tags = st.tabs([t("When"), t("Channels"), t("Ready to buy"), t("Tags and triggers")])
with when:
    view.timing_section([d for d in (orders, events, messages) if d is not None], tz, defs)
with channels:
    view.channels_section(messages, tz, defs)
with ready:
    view.readiness_section(orders, events, defs)
with tags:
    view.tags_section(orders, events, customers, defs)
