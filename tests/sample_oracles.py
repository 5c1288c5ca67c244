"""Plain-pandas truths about the sample shop (sample_data/), written from the raw CSV files and the
definitions in DESIGN.md, sharing no code with cxlib: the oracles of the Segments and Retention
tests (finding 2 and 6 of issue 20).

- valid orders: Shopify "Financial Status" paid, refunded or partially_refunded (voided and pending
  are not); net = Total - Refunded Amount, read from each order's first line-item row;
- a customer's NPS is their latest answer (by "Submitted") among the answers 0-10;
- customers: every row of customers.csv (buyers and customers without a valid order).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
VALID = ("paid", "refunded", "partially_refunded")


@lru_cache(maxsize=1)
def orders() -> pd.DataFrame:
    """One row per order (its first line-item row): customer, time (UTC), status, net."""
    raw = pd.read_csv(SAMPLE / "orders_shopify.csv", dtype={"Customer ID": str})
    first = raw.drop_duplicates("Name")
    return pd.DataFrame({"customer_id": first["Customer ID"],
                         "ordered_at": pd.to_datetime(first["Created at"], format="%Y-%m-%d %H:%M:%S %z", utc=True),
                         "status": first["Financial Status"], "email": first["Email"],
                         "net": first["Total"] - first["Refunded Amount"].fillna(0.0)}).reset_index(drop=True)


def valid_orders() -> pd.DataFrame:
    o = orders()
    return o[o["status"].isin(VALID)].reset_index(drop=True)


@lru_cache(maxsize=1)
def customers() -> pd.DataFrame:
    """customers.csv with net revenue and valid orders per customer, and the latest valid NPS answer."""
    c = pd.read_csv(SAMPLE / "customers.csv", dtype={"customer_id": str})
    v = valid_orders()
    c["net_revenue"] = c["customer_id"].map(v.groupby("customer_id")["net"].sum()).fillna(0.0)
    c["orders"] = c["customer_id"].map(v.groupby("customer_id").size()).fillna(0).astype(int)
    s = pd.read_csv(SAMPLE / "survey_responses.csv", dtype=str, keep_default_na=False)
    question = next(col for col in s.columns if col.startswith("How likely"))
    s["nps"] = pd.to_numeric(s[question], errors="coerce")
    s = s[(s["nps"] >= 0) & (s["nps"] <= 10)]
    s["at"] = pd.to_datetime(s["Submitted"], format="%d.%m.%Y %H:%M")
    latest = s.sort_values("at", kind="mergesort").groupby("customer_id")["nps"].last()
    c["nps"] = c["customer_id"].map(latest)
    return c


def no_order_counts() -> dict[str, int]:
    """Customers of customers.csv with no order at all, and with no valid order."""
    c, o = customers(), orders()
    return {"no_order": int((~c["customer_id"].isin(o["customer_id"])).sum()),
            "no_valid_order": int((c["orders"] == 0).sum())}


def churn_list(inactive_days: int = 90, at_risk_days: int = 30, as_of: str | None = None) -> pd.DataFrame:
    """Churned and at-risk customers at ``as_of`` (default: the day of the last order, UTC), from the
    definition: counted when the first valid order is on or before ``as_of``; churned when the last
    valid order is ``inactive_days`` or more calendar days before it; at risk when it is
    ``inactive_days - at_risk_days`` to ``inactive_days - 1`` days before. Revenue in the window: net
    revenue of the valid orders in the ``inactive_days`` days ending with the day of the last one."""
    o = orders()
    day = pd.Timestamp(as_of, tz="UTC") if as_of else o["ordered_at"].max().normalize()
    v = valid_orders()
    v = v[v["ordered_at"] < day + pd.Timedelta(days=1)]
    rows = []
    for cid, g in v.groupby("customer_id"):
        last = g["ordered_at"].max()
        days = (day - last.normalize()).days
        status = ("churned" if days >= inactive_days else
                  "at_risk" if days >= inactive_days - at_risk_days else None)
        if status is None:
            continue
        start = last.normalize() + pd.Timedelta(days=1) - pd.Timedelta(days=inactive_days)
        rows.append({"customer_id": cid, "status": status, "days_since_last_order": days, "orders": len(g),
                     "net_revenue": g["net"].sum(), "net_revenue_window": g.loc[g["ordered_at"] >= start, "net"].sum()})
    return pd.DataFrame(rows)
