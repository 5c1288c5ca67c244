"""Orders: orders, customers, net revenue, AOV, repeat customers, revenue over time and by segment."""
import pandas as pd
import streamlit as st

import ui
from cxlib.present import charts_scorecard as charts
from cxlib.core.messages import N_
from ui import fmt, runner, t
from ui.orders_view import customer_table
from ui.tables import status_label

ui.shell(t("Orders"), icon=":material/shopping_cart:")
ds = ui.pick_dataset("orders", key="orders_dataset")
defs = ui.definitions()
res = runner.run("orders", ds, {"view": "summary"}, defs)
ui.show_warnings(res.warnings)
ui.spec_download(res, ds, key="spec_orders", title=t("Orders"))
c = st.columns(3) + st.columns(3)
c[0].metric(t("Orders"), fmt.num(res.orders))
c[1].metric(t("Valid orders"), fmt.num(res.valid_orders))
c[2].metric(t("Customers"), fmt.num(res.customers))
c[3].metric(t("Net revenue"), fmt.money(res.net_revenue, res.currency, 2))
c[4].metric(t("Average order value"), fmt.money(res.aov, res.currency, 2))
c[5].metric(t("Repeat customers"), fmt.num(res.repeat_customers),
            help=t("{pct:.1%} of {n:,} buying customers (95% CI {lo:.1%} to {hi:.1%})", pct=res.repeat_rate,
                   n=res.buyers, lo=res.repeat_rate_ci95[0], hi=res.repeat_rate_ci95[1]))
ui.caption(defs.describe("net_revenue"))
ui.caption(defs.describe("repeat_rate"))

st.subheader(t("Revenue over time"))
freq = st.radio(t("Period"), ["month", "week", "day"], horizontal=True, key="orders_freq",
                format_func={"month": t("Month"), "week": t("Week"), "day": t("Day")}.get)
trend = runner.run("orders", ds, {"view": "trend", "freq": freq}, defs)
ui.show_warnings([w for w in trend.warnings if w not in res.warnings])
chart = charts.revenue_trend(trend, res.currency)
ui.chart_with_downloads(chart, trend.to_frame(), png=f"revenue_by_{freq}.png", csv=f"revenue_by_{freq}.csv", key="dl_orders_trend")

st.subheader(t("By segment"))
skip = {"order_id", "customer_id", "ordered_at", "amount", "refunded", "quantity", "unit_price", "items", "email"}
fields = [f for f in ("channel", "country", "status", "currency") if ds.has(f)]
fields += [f for f, n in ds.distinct_counts(f for f in ds.columns if f not in skip and f not in fields).items()
           if 1 < n <= 50]
if fields:
    by = st.selectbox(t("Break down by"), fields, key="orders_by")
    table = runner.run("orders", ds, {"view": "by", "by": by}, defs)
    chart = charts.orders_by(table, res.currency)
    ui.chart_with_downloads(chart, table.to_frame(), png=f"revenue_by_{by}.png", csv=f"revenue_by_{by}.csv",
                            key="dl_orders_by")
    ui.show_table(table.to_frame(), width="stretch", labels={"status": status_label})
else:
    st.info(t("No channel, country or other column with a few distinct values to break orders down by."))

st.subheader(t("Order status"))
chart = charts.order_status(res.status_counts)
status_table = pd.DataFrame({N_("status"): list(res.status_counts), N_("orders"): list(res.status_counts.values())})
ui.chart_with_downloads(chart, status_table, png="order_status.png", csv="order_status.csv", key="dl_orders_status")

st.subheader(t("Top customers"))
top = runner.run("orders", ds, {}, defs, analysis=customer_table)
ui.show_table(top.head(50), width="stretch")
ui.download_table(top, "customers.csv", key="dl_orders_customers_csv")
