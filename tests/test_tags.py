"""Tags and trigger lists (cxlib.analyses.tags) against hand-computed rules, Kaplan-Meier against statsmodels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

import cxlib as cx
from cxlib.data.loader import from_frame
from cxlib.analyses import tags as T
from cxlib.data.dataset import Dataset
from tests.conftest import SAMPLE

D = pd.Timestamp("2024-07-01", tz="UTC")


def _orders(rows) -> Dataset:
    df = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount", "status", "Category", "Discount Code"])
    df.insert(0, "order_id", [f"o{i}" for i in range(len(df))])
    return from_frame(df, "orders")


@pytest.fixture(scope="module")
def shop():
    day = lambda n: (D - pd.Timedelta(days=n)).isoformat()      # noqa: E731 - n days before the as-of date
    return _orders([
        # a: every 10 days, last 35 days ago -> churn risk (35 > 2 x 10); kitchen fan; always a code
        ("a", day(65), 10, "completed", "kitchen", "SAVE5"), ("a", day(55), 10, "completed", "kitchen", "X"),
        ("a", day(45), 10, "completed", "kitchen", "Y"), ("a", day(35), 10, "completed", "textile", "Z"),
        # b: every 30 days, last 10 days ago; 1 of 3 with a discount; textile
        ("b", day(70), 20, "completed", "textile", ""), ("b", day(40), 20, "completed", "textile", "0"),
        ("b", day(10), 20, "completed", "textile", "10%"),
        # c: one order 5 days ago; d: one order 300 days ago; e: only a cancelled order
        ("c", day(5), 5, "completed", "decor", None), ("d", day(300), 5, "completed", "decor", None),
        ("e", day(3), 5, "cancelled", "decor", "Q"),
        # f: ordered after the as-of date only
        ("f", (D + pd.Timedelta(days=1)).isoformat(), 5, "completed", "decor", None)])


def test_tags_follow_their_rules_by_hand(shop):
    res = T.customer_tags(shop, T.TagSpec(as_of="2024-07-01"))
    c = res.customers.set_index("customer_id")
    assert list(c.index) == ["a", "b", "c", "d"] and res.as_of == "2024-07-01"
    # lifts: shop shares kitchen 3/9, textile 4/9, decor 2/9; a: kitchen 3/4 -> lift 2.25; b: textile 3/3 -> 2.25
    assert c.loc["a", "favourite_category"] == "kitchen" and c.loc["a", "favourite_lift"] == pytest.approx(2.25)
    assert c.loc["b", "favourite_category"] == "textile" and c.loc["b", "favourite_lift"] == pytest.approx(2.25)
    assert pd.isna(c.loc["c", "favourite_category"])                      # one order: below 2 orders
    assert c["discount_share"].tolist() == pytest.approx([1.0, 1 / 3, 0.0, 0.0])   # "0" and "" are no discount
    assert c["promotion_only"].tolist() == [True, False, False, False]
    assert c["price_sensitive"].tolist() == [True, False, False, False]
    assert c["mean_gap_days"].iloc[:2].tolist() == pytest.approx([10, 30])
    # churn: a 35 > 20; b 10 < 60. One-time buyers: KM of the time to a second order = 10 (a) and 30 (b),
    # so 80 % of eventual second orders happen by day 30: c (5 days) is fine, d (300 days) at risk
    assert c["churn_risk"].tolist() == [True, False, False, True]
    counts = {r.name: r.customers for r in res.rules}
    assert counts == {"favourite category": 2, "promotion-only buyer": 1, "price sensitive": 1, "churn risk": 2,
                      "next-order window": 2}
    # next order: b = last (10 days ago) + 30 +- 0 (sd of equal gaps) -> in 20 days; a is past its window;
    # c: 25th..75th percentile of second-order times (10, 30) after day 5 of 0..? -> days 5..25 from now
    assert c.loc["b", "next_order_from"] == c.loc["b", "next_order_to"] == D + pd.Timedelta(days=20)
    assert pd.isna(c.loc["a", "next_order_from"])
    assert c.loc["c", "next_order_from"] == D + pd.Timedelta(days=5)
    assert c.loc["c", "next_order_to"] == D + pd.Timedelta(days=25)


def test_without_category_or_discount_columns_the_tags_say_so():
    df = pd.DataFrame({"customer_id": ["a", "a"], "ordered_at": ["2024-01-01", "2024-02-01"], "amount": [1.0, 2.0]})
    res = T.customer_tags(from_frame(df, "orders"))
    why = {r.name: str(r.unavailable) for r in res.rules}
    assert "no category column" in why["favourite category"] and "no discount column" in why["price sensitive"]
    assert {r.name: r.customers for r in res.rules}["promotion-only buyer"] is None


def test_category_column_can_be_named_and_a_wrong_name_is_an_error(shop):
    res = T.customer_tags(shop, T.TagSpec(as_of="2024-07-01", category_column="Category"))
    assert "'Category'" in res.rules[0].rule
    with pytest.raises(cx.CxDataError, match="no column 'Kategorie'"):
        T.customer_tags(shop, T.TagSpec(category_column="Kategorie"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.booleans()), min_size=1, max_size=40))
def test_kaplan_meier_matches_statsmodels(rows):
    d = np.array([r[0] for r in rows], dtype=float)
    e = np.array([r[1] for r in rows])
    km = T.KaplanMeier.fit(d, e)
    if not e.any():
        assert len(km.times) == 0 and km(5.0) == 1.0
        return
    ref = SurvfuncRight(d, e.astype(int))
    np.testing.assert_allclose(km.times, ref.surv_times)
    np.testing.assert_allclose(km.survival, ref.surv_prob)
    np.testing.assert_array_equal(km.at_risk, ref.n_risk)
    grid = np.arange(0, 32, 0.5)
    want = [ref.surv_prob[ref.surv_times <= g][-1] if (ref.surv_times <= g).any() else 1.0 for g in grid]
    np.testing.assert_allclose(km(grid), want)


def test_discount_tags_on_the_sample_shop_match_pandas():
    ds = cx.load(SAMPLE / "orders_shopify.csv")
    res = T.customer_tags(ds)
    df = ds.df[ds.df["status"].isin(["completed", "refunded", "partially_refunded"])]
    amount = pd.to_numeric(df["Discount Amount"], errors="coerce")
    code = df["Discount Code"].fillna("").str.strip()
    disc = ((amount.fillna(0) != 0) | (code != "")).groupby(df["customer_id"]).agg(["sum", "size"])
    promo = int(((disc["size"] >= 2) & (disc["sum"] == disc["size"])).sum())
    sensitive = int(((disc["size"] >= 2) & (disc["sum"] / disc["size"] >= 0.5)).sum())
    counts = {r.name: r.customers for r in res.rules}
    assert (counts["promotion-only buyer"], counts["price sensitive"]) == (promo, sensitive)
    assert counts["churn risk"] == int(res.customers["churn_risk"].sum()) > 0


def test_trigger_lists_by_hand(shop):
    events = from_frame(pd.DataFrame({
        "user_id": ["b", "b", "c", "x", "y", "y", "z"],
        "event": ["view_item", "add_to_cart", "view_item", "page_view", "add_to_cart", "purchase", "view_item"],
        "timestamp": [D - pd.Timedelta(hours=h) for h in (20, 19, 200, 3, 10, 5, 50)]}), "events")
    customers = from_frame(pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"], "Birthday": ["1990-07-03", "1992-02-29", "1985-06-30", "bad"]}),
        "customers")
    res = T.trigger_lists(shop, events, customers, T.TagSpec(as_of="2024-07-01", thanks_days=7, followup_hours=48,
                                                              birthday_days=7))
    assert res.lists["thanks"]["customer_id"].tolist() == ["c"]               # e's order was cancelled
    # b browsed and carted 19-20 h ago after their last order 10 days ago; x viewed; y bought after carting;
    # z browsed 50 h ago (outside 48 h); c browsed 200 h ago
    f = res.lists["follow-up"]
    assert f["customer_id"].tolist() == ["b", "x"] and f["carted"].tolist() == [True, False]
    assert res.lists["birthday"]["customer_id"].tolist() == ["a"] and res.lists["birthday"]["days_until"].tolist() == [2]
    later = T.trigger_lists(shop, None, customers, T.TagSpec(as_of="2025-02-25", birthday_days=7))
    b = later.lists["birthday"].set_index("customer_id")["days_until"].to_dict()
    assert b == {"b": 3}                                                       # 29 Feb -> 28 Feb 2025
    assert later.rules[1].customers is None and "No events file" in later.rules[1].unavailable


def test_birthdays_wrap_around_the_year():
    f = pd.DataFrame({"customer_id": ["a", "b"], "birthday": ["2000-01-02", "2000-12-31"]})
    out = T.birthdays(f, pd.Timestamp("2024-12-30", tz="UTC"), 7)
    assert out.set_index("customer_id")["days_until"].to_dict() == {"b": 1, "a": 3}


def test_public_names():
    assert cx.customer_tags is T.customer_tags and cx.trigger_lists is T.trigger_lists and cx.TagSpec is T.TagSpec
    with pytest.raises(cx.CxDataError, match="unknown key"):
        T.TagSpec.from_json({"thanks": 3})


def test_no_valid_order_is_an_error_and_no_second_order_is_said_in_words():
    df = pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": ["2024-01-01", "2024-02-01"], "amount": [1.0, 2.0],
                       "status": ["cancelled", "completed"]})
    res = T.customer_tags(from_frame(df, "orders"))
    assert "not assessed" in res.rules[3].rule and "nan" not in res.rules[4].rule
    with pytest.raises(cx.CxDataError, match="no valid order"):
        T.customer_tags(from_frame(df.assign(status="cancelled"), "orders"))
