"""The scorecard's own aggregates on the engine, for Datasets whose canonical table lives in its Parquet file.

Each tile's figure comes from its analysis (orders, survey, support, retention), which already computes on the
engine, and a time column's first and last value is :meth:`Dataset.time_range`; the scorecard itself needs, for
cart abandonment, per user with a cart event: the first cart event's time and whether the user
purchased. Those are counted here; the rates, intervals and periods stay in :mod:`cxlib.analyses.scorecard`.
"""
from __future__ import annotations

import pandas as pd

from cxlib.data import engine
from cxlib.data.dataset import Dataset

_TRUNC = {"week": "W", "month": "M"}        # ISO weeks start on Monday, as pandas's W-SUN periods


def _cart_users(ds: Dataset, cart_events: list[str], purchase_events: list[str]):
    """One row per user with a cart event: ``first`` (time of the first cart event; null when none has a
    time) and ``bought`` (the user has a purchase event)."""
    t = ds.engine_table()
    ev = t.event.cast("string")
    is_cart, is_buy = ev.isin(cart_events).fill_null(False), ev.isin(purchase_events).fill_null(False)
    u = t.filter(t.user_id.notnull()).group_by("user_id").aggregate(
        cart=is_cart.any(), first=t.timestamp.min(where=is_cart), bought=is_buy.any())
    return u.filter(u.cart)


def cart_counts(ds: Dataset, cart_events: list[str], purchase_events: list[str]
                ) -> tuple[int, int, pd.Timestamp | None, pd.Timestamp | None]:
    """Users with a cart event, those of them who purchased, and the first and last first-cart time."""
    u = _cart_users(ds, cart_events, purchase_events)
    r = engine.execute(u.aggregate(n=u.count(), k=u.bought.sum(), lo=u["first"].min(), hi=u["first"].max())).iloc[0]
    lo, hi = (None, None) if pd.isna(r["lo"]) else (pd.Timestamp(r["lo"]), pd.Timestamp(r["hi"]))
    return int(r["n"] or 0), (0 if pd.isna(r["k"]) else int(r["k"])), lo, hi


def cart_periods(ds: Dataset, cart_events: list[str], purchase_events: list[str], freq: str) -> pd.DataFrame:
    """Per week (Monday) or month (UTC) of the first cart event: period (naive UTC start), carts, purchased."""
    u = _cart_users(ds, cart_events, purchase_events)
    u = u.filter(u["first"].notnull())
    p = u.mutate(period=u["first"].truncate(_TRUNC[freq]))
    out = engine.execute(p.group_by("period").aggregate(carts=p.count(), purchased=p.bought.sum()))
    stamps = pd.to_datetime(out["period"], utc=True).astype("datetime64[us, UTC]").dt.tz_localize(None)
    out = out.assign(period=stamps).astype({"carts": "int64", "purchased": "int64"})
    return out.sort_values("period").reset_index(drop=True)[["period", "carts", "purchased"]]


__all__ = ["cart_counts", "cart_periods"]
