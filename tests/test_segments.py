"""cxlib.analyses.segments and cxlib.analyses.segment_rules: RFM scores, score map, value tiers, joins, rule segments."""
from __future__ import annotations

import gzip
import json
import math
import re
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.data import engine as engine_module
from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame
from cxlib.core.errors import CxDataError
from cxlib.data.export import to_csv_bytes
from cxlib.analyses.segment_rules import parse_rule, rule_mask
from cxlib.analyses.segments import RFMSpec, compute_rfm, quintile_scores, value_tier_frame
from cxlib.analyses.rfm_scores import DEFAULT_SCORE_MAP, ScoreRule, score_grid, score_map_frame, score_map_from_frame
from cxlib.analyses.segment_members import members_frame, rule_segment
from cxlib.analyses.segments import build_customer_view, shares_customers

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parents[2] / "shared/data/real"


def small_orders() -> Dataset:
    # a: 2 orders, last 29 days before as-of; b: 1 order 121 days; c: 1 order 10 days;
    # d: 3 orders, 1 day; e: only a cancelled order (not a customer for RFM)
    return from_frame(pd.DataFrame({
        "order_id": [f"o{i}" for i in range(9)],
        "customer_id": ["a", "a", "b", "c", "d", "d", "d", "e", "c"],
        "ordered_at": ["2024-01-01", "2024-06-01 23:59", "2024-03-01", "2024-06-20", "2024-02-01", "2024-05-01",
                       "2024-06-29", "2023-12-01", "2024-07-02"],
        "amount": [10, 25, 50, 5, 100, 100, 100, 7, 1000],
        "refunded": [None, 5, None, None, None, None, None, None, None],
        "status": ["completed", "partially_refunded", None, "completed", "completed", "completed", "completed",
                   "cancelled", "completed"],
        "email": ["A@x.com ", None, "b@x.com", None, None, None, None, None, None],
    }), "orders")


def test_rfm_matches_hand_computation():
    res = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30)))
    c = res.customers.set_index("customer_id")
    assert list(c.index) == ["a", "b", "c", "d"]                      # e: cancelled only
    assert c["recency_days"].to_dict() == {"a": 29, "b": 121, "c": 10, "d": 1}
    assert c["orders"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 3}
    assert c["net_revenue"].to_dict() == {"a": 30.0, "b": 50.0, "c": 5.0, "d": 300.0}   # 10 + 25 - 5 refunded
    # n=4: score = max(1, ceil(5 (rank-1) / 3)) -> ranks 1..4 give 1, 2, 4, 5
    assert c["r"].to_dict() == {"b": 1, "a": 2, "c": 4, "d": 5} | {}
    assert c["f"].to_dict() == {"a": 4, "b": 1, "c": 1, "d": 5}      # b, c tie at 1 order: share rank 1
    assert c["m"].to_dict() == {"a": 2, "b": 4, "c": 1, "d": 5}
    assert c["fm"].to_dict() == {"a": 3, "b": 3, "c": 1, "d": 5}      # ceil((F + M) / 2)
    assert c["segment"].to_dict() == {"a": "At risk", "b": "At risk", "c": "Promising", "d": "Champions"}
    assert res.segment_counts["At risk"] == 2 and sum(res.segment_counts.values()) == 4
    assert any("after 2024-06-30" in w for w in res.warnings)         # c's July order ignored


def test_rfm_rank_method_splits_ties_by_customer_id():
    res = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30), quintile_method="rank"))
    f = res.customers.set_index("customer_id")["f"].to_dict()
    assert f == {"b": 1, "c": 2, "a": 4, "d": 5}                      # b before c by id


def test_missing_status_counts_as_completed_and_refunds_optional():
    res = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30), subtract_refunds=False))
    c = res.customers.set_index("customer_id")
    assert c.loc["b", "orders"] == 1 and c.loc["a", "net_revenue"] == 35.0
    only_completed = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30), valid_statuses=("completed",)))
    assert only_completed.customers.set_index("customer_id").loc["a", "orders"] == 1


def test_unknown_statuses_are_excluded_with_a_warning():
    df = small_orders().df.assign(status=["completed", "paid", "paid", "completed", "completed", "completed",
                                          "completed", "cancelled", "completed"])
    res = compute_rfm(from_frame(df, "orders"), RFMSpec(as_of=date(2024, 6, 30)))
    assert "b" not in set(res.customers["customer_id"])
    assert any(w.startswith("2 order(s) have an unrecognized status (e.g. 'paid')") for w in res.warnings)   # the rule's one note


def test_rfm_spec_and_cli_follow_the_net_revenue_definition(tmp_path):
    import argparse
    from cxlib.core.definitions import DefinitionSet, RevenueDef
    from cxlib.analyses.segments import cli_run
    defs = DefinitionSet.default().replace(net_revenue=RevenueDef(valid_statuses=("completed",), subtract_refunds=False))
    spec = RFMSpec.from_definitions(defs, as_of=date(2024, 6, 30))
    assert spec.valid_statuses == ("completed",) and spec.subtract_refunds is False
    path = tmp_path / "defs.json"
    path.write_text(json.dumps(defs.to_json()), encoding="utf-8")
    from cxlib.core.definitions import load_definitions
    out = cli_run(small_orders(), argparse.Namespace(as_of="2024-06-30", ties="ties_share"), load_definitions(str(path)))
    assert out["definition"]["valid_statuses"] == ["completed"] and out["customers"] == 4   # missing = completed
    assert json.dumps(out) == json.dumps(compute_rfm(small_orders(), spec).to_json())     # NaN-safe equality


def _reference_scores(values: pd.Series, ids: pd.Series, method: str) -> np.ndarray:
    """Independent: qcut on 1..n ranks of a (value, id) sort; ties_share = min score per tie group."""
    order = sorted(range(len(values)), key=lambda i: (values.iloc[i], ids.iloc[i]))
    rank = np.empty(len(values))
    rank[order] = np.arange(1, len(values) + 1)
    score = pd.qcut(rank, 5, labels=False) + 1
    if method == "ties_share":
        score = pd.Series(score).groupby(values.to_numpy()).transform("min").to_numpy()
    return np.asarray(score)


@pytest.mark.parametrize("method", ["rank", "ties_share"])
@pytest.mark.parametrize("n", [7, 23, 1000, 4001])
def test_quintile_scores_match_qcut_on_ranks(method, n):
    rng = np.random.default_rng(n)
    values = pd.Series(rng.integers(0, 40, n).astype(float))          # many ties
    ids = pd.Series([f"c{i:05d}" for i in rng.permutation(n)])
    got = quintile_scores(values, ids, method=method)
    assert np.array_equal(got, _reference_scores(values, ids, method))
    if method == "rank":
        assert np.bincount(got)[1:].max() - np.bincount(got)[1:].min() <= 1 + n // 1000


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=2, max_size=60), st.sampled_from(["rank", "ties_share"]))
def test_quintile_scores_are_monotone_and_match_qcut_for_any_input(vals, method):
    values = pd.Series(vals, dtype=float)
    ids = pd.Series([f"id{(i * 7) % len(vals):03d}-{i}" for i in range(len(vals))])
    got = quintile_scores(values, ids, method=method)
    assert np.array_equal(got, _reference_scores(values, ids, method))
    assert got.min() >= 1 and got.max() <= 5
    order = sorted(range(len(vals)), key=lambda i: (vals[i], ids[i]))
    assert (np.diff(got[order]) >= 0).all()                         # never a lower score for a higher value
    if method == "ties_share":
        assert (pd.Series(got).groupby(values.to_numpy()).nunique() == 1).all()


def generated_orders(n_customers: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    per = rng.geometric(0.55, n_customers)
    cust = np.repeat([f"u{i:05d}" for i in range(n_customers)], per)
    m = len(cust)
    ts = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 540 * 24, m), unit="h")
    status = rng.choice(["completed", "cancelled", "refunded", "pending"], m, p=[0.8, 0.1, 0.05, 0.05])
    amount = np.round(rng.lognormal(3.5, 0.8, m), 2)
    refunded = np.where(status == "refunded", amount, 0.0)
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(m)], "customer_id": cust, "ordered_at": ts,
                         "amount": amount, "refunded": refunded, "status": status})


@pytest.mark.parametrize("method", ["rank", "ties_share"])
def test_rfm_on_generated_orders_matches_pandas_reference(method):
    df = generated_orders()
    as_of = date(2024, 5, 31)
    res = compute_rfm(from_frame(df, "orders"), RFMSpec(as_of=as_of, quintile_method=method))
    valid = df[df["status"].isin(["completed", "refunded", "partially_refunded"])
               & (df["ordered_at"] < pd.Timestamp("2024-06-01", tz="UTC"))]
    ref = valid.assign(net=valid["amount"] - valid["refunded"]).groupby("customer_id").agg(
        orders=("net", "size"), net_revenue=("net", "sum"), last=("ordered_at", "max")).reset_index()
    ref["recency_days"] = [(as_of - t.date()).days for t in ref["last"]]
    ids = ref["customer_id"]
    ref["r"] = _reference_scores(-ref["recency_days"].astype(float), ids, method)
    ref["f"] = _reference_scores(ref["orders"].astype(float), ids, method)
    ref["m"] = _reference_scores(ref["net_revenue"], ids, method)
    grid = {(r, fm): rule.segment for rule in DEFAULT_SCORE_MAP for r in range(rule.r_min, rule.r_max + 1)
            for fm in range(rule.fm_min, rule.fm_max + 1)}
    ref["segment"] = [grid[(r, math.ceil((f + m) / 2))] for r, f, m in zip(ref["r"], ref["f"], ref["m"])]
    got = res.customers
    assert list(got["customer_id"]) == list(ref["customer_id"])
    for col in ("orders", "recency_days", "r", "f", "m"):
        assert np.array_equal(got[col].to_numpy(), ref[col].to_numpy()), col
    assert np.allclose(got["net_revenue"], ref["net_revenue"])
    assert res.segment_counts == {k: int((ref["segment"] == k).sum()) for k in res.segment_counts}


def test_ties_share_gives_equal_frequency_equal_score():
    res = compute_rfm(from_frame(generated_orders(), "orders"), RFMSpec(as_of=date(2024, 5, 31)))
    per_orders = res.customers.groupby("orders")["f"].nunique()
    assert (per_orders == 1).all()
    assert res.customers.loc[res.customers["orders"] == 1, "f"].iloc[0] == 1


def test_default_score_map_covers_each_cell_once():
    grid = score_grid(DEFAULT_SCORE_MAP)
    assert grid.shape == (5, 5) and all(grid[r, c] for r in range(5) for c in range(5))
    assert grid[4, 4] == "Champions" and grid[0, 0] == "Lost" and grid[0, 4] == "Can't lose"
    assert len({r.segment for r in DEFAULT_SCORE_MAP}) == 10


@pytest.mark.parametrize("rules, message", [
    (DEFAULT_SCORE_MAP[:-1], "no segment covers R=1, FM=1"),
    (DEFAULT_SCORE_MAP + (ScoreRule("Extra", 5, 5, 5, 5),), "cell R=5, FM=5 is in both 'Champions' and 'Extra'"),
    (DEFAULT_SCORE_MAP[:-1] + (ScoreRule("Lost", 1, 1, 0, 2),), "scores run from 1 to 5"),
])
def test_invalid_score_map_is_rejected_with_the_cell(rules, message):
    with pytest.raises(CxDataError, match=message):
        RFMSpec(score_map=rules)


def test_score_map_round_trips_through_editable_frame_and_json():
    frame = score_map_frame()
    assert score_map_from_frame(frame) == DEFAULT_SCORE_MAP
    frame.loc[0, "fm_min"] = 3
    with pytest.raises(CxDataError, match="R=5, FM=3"):
        score_map_from_frame(frame)
    spec = RFMSpec(as_of=date(2024, 1, 31), valid_statuses=("completed",), quintile_method="rank")
    assert RFMSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    assert spec.describe().count(".") == 1 and "2024-01-31" in spec.describe()


def test_value_tiers_cut_customers_at_10_30_60_percent():
    n = 200
    df = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(n)],
                       "ordered_at": "2024-01-01", "amount": np.arange(n, 0, -1).astype(float)})
    res = compute_rfm(from_frame(df, "orders"))
    tiers = value_tier_frame(res.customers)
    assert tiers["customers"].tolist() == [20, 40, 60, 80]
    top = res.customers.nlargest(20, "net_revenue")
    assert set(top["value_tier"]) == {"Top 10%"}
    assert tiers["revenue_share_pct"].sum() == pytest.approx(100, abs=0.05)


def test_joins_match_by_customer_id_then_email():
    rfm = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30)))
    resp = from_frame(pd.DataFrame({
        "respondent_id": ["r1", "r2", "r3", "r4"], "customer_id": ["d", None, "zz", None],
        "email": [None, " a@X.com", None, "nobody@x.com"], "nps": [10, 3, 9, 8],
        "answered_at": ["2024-06-01", "2024-06-02", "2024-06-03", "2024-06-04"]}), "responses")
    tickets = from_frame(pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "created_at": "2024-06-01",
                                               "requester": ["b@x.com", "B@x.com", "c"]}), "tickets")
    customers = from_frame(pd.DataFrame({"customer_id": ["a", "b", "q"], "country": ["DE", "FR", "DE"],
                                                 "email": ["a@x.com", None, "q@x.com"]}), "customers")
    view = build_customer_view(rfm, customers=customers, responses=resp, tickets=tickets)
    joins = {j.source: j for j in view.joins}
    assert (joins["responses"].by_customer_id, joins["responses"].by_email, joins["responses"].unmatched) == (1, 1, 2)
    assert (joins["tickets"].by_customer_id, joins["tickets"].by_email, joins["tickets"].unmatched) == (1, 2, 0)
    assert (joins["customers"].matched, joins["customers"].unmatched) == (2, 1)
    c = view.customers.set_index("customer_id")
    assert c.loc["q", "segment"] == "No orders" and c.loc["q", "orders"] == 0
    assert c.loc["a", "nps"] == 3 and c.loc["d", "nps"] == 10 and pd.isna(c.loc["b", "nps"])
    assert c["tickets"].to_dict() == {"a": 0, "b": 2, "c": 1, "d": 0, "q": 0}
    assert "2 of 4 rows matched" in view.describe_joins()
    assert "2 of 3 customers in the customers file have valid orders; 1 without a valid order" in view.describe_joins()
    assert shares_customers(resp, small_orders()) and shares_customers(tickets, small_orders())
    other = from_frame(pd.DataFrame({"customer_id": ["zz"], "email": ["Z@x.com"]}), "customers")
    assert not shares_customers(other, small_orders())
    assert shares_customers(other, small_orders(), from_frame(
        pd.DataFrame({"customer_id": ["y"], "email": ["z@x.com"]}), "customers"))        # via a customers file


def _kept_in_parquet(ds: Dataset, folder: Path) -> Dataset:
    """``ds`` as a Dataset whose table lives only in a Parquet file (no pandas copy until asked)."""
    path = folder / f"{ds.role}-{id(ds)}.parquet"
    ds.df.to_parquet(path)
    return Dataset(ds.name, ds.role, None, ds.mapping, ds.report, ds.content_hash, parquet=str(path))


def test_shares_customers_on_the_engine_answers_as_pandas_and_makes_no_copy(tmp_path):
    orders = small_orders()
    resp = from_frame(pd.DataFrame({"customer_id": [None, "zz"], "email": ["A@x.com", None], "nps": [9, 2]}),
                      "responses")
    tickets = from_frame(pd.DataFrame({"ticket_id": ["t1"], "created_at": "2024-06-01", "requester": ["d"]}), "tickets")
    other = from_frame(pd.DataFrame({"customer_id": ["zz"], "email": ["Z@x.com"]}), "customers")
    via = from_frame(pd.DataFrame({"customer_id": ["y"], "email": ["z@x.com"]}), "customers")
    cases = [(resp, (orders,)), (tickets, (orders,)), (other, (orders,)), (other, (orders, via))]
    for ds, sources in cases:
        want = shares_customers(ds, *sources)
        kept = [_kept_in_parquet(d, tmp_path) for d in (ds, *sources)]
        assert shares_customers(kept[0], *kept[1:]) == want
        assert shares_customers(ds, *kept[1:]) == want                # a pandas table against kept ones
        assert all(d.on_engine for d in kept)
    assert [shares_customers(ds, *sources) for ds, sources in cases] == [True, True, False, True]


@pytest.mark.parametrize("columns", [
    {"customer_id": ["d", None, "zz", "a", None], "email": [None, "B@x.com", None, "nobody@x.com", "a@x.com"]},
    {"requester": ["b@x.com", "B@x.com", "c", "zz", None]},
    {"requester_email": ["A@x.com", None, "b@x.com", "q@x.com", "a@x.com"]},
    {"customer_id": [None] * 5, "email": [None, "a@x.com", None, None, "d@x.com"]},
    {"subject": ["x"] * 5}], ids=["id-then-email", "requester", "requester_email", "empty-ids", "none"])
def test_tickets_kept_in_parquet_are_matched_on_the_engine_as_in_pandas(tmp_path, columns):
    orders = small_orders().df.assign(email=["a@x.com", "a@x.com", "b@x.com", None, "d@x.com", None, None, None,
                                             None])
    rfm = compute_rfm(from_frame(orders, "orders"), RFMSpec(as_of=date(2024, 6, 30)))
    tickets = from_frame(pd.DataFrame({"ticket_id": [f"t{i}" for i in range(5)], "created_at": "2024-06-01",
                                       **columns}), "tickets")
    kept = _kept_in_parquet(tickets, tmp_path)
    want, got = build_customer_view(rfm, tickets=tickets), build_customer_view(rfm, tickets=kept)
    assert kept.on_engine                                        # matched without a pandas copy of the tickets
    assert got.joins == want.joins and got.warnings == want.warnings
    pd.testing.assert_frame_equal(got.customers, want.customers)
    if want.tickets is None:
        assert got.tickets is None and "cannot be joined" in " ".join(map(str, want.warnings))
    else:
        pd.testing.assert_frame_equal(got.tickets, want.tickets)
        assert want.tickets["tickets"].sum() == want.joins[0].matched > 0


@pytest.mark.parametrize("with_time", [True, False], ids=["answered_at", "file order"])
def test_responses_kept_in_parquet_are_matched_on_the_engine_as_in_pandas(tmp_path, with_time):
    orders = small_orders().df.assign(email=["a@x.com", "a@x.com", "b@x.com", None, "d@x.com", None, None, None,
                                             None])
    rfm = compute_rfm(from_frame(orders, "orders"), RFMSpec(as_of=date(2024, 6, 30)))
    answers = pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(9)],
        "customer_id": ["d", None, "zz", "a", "a", None, "d", "c", "b"],
        "email": [None, "B@x.com", None, None, None, "a@x.com", None, None, None],
        "nps": [10, 3, 9, 11, 7, 5, 2, None, 8], "csat": [5, None, 4, 3, 1, 2, None, 4, 5],
        "answered_at": ["2024-06-01", "2024-06-02", None, "2024-06-05", "2024-06-03", None, "2024-06-01", None,
                        "2024-05-01"]})
    if not with_time:
        answers = answers.drop(columns="answered_at")
    resp = from_frame(answers, "responses")
    kept = _kept_in_parquet(resp, tmp_path)
    want, got = build_customer_view(rfm, responses=resp), build_customer_view(rfm, responses=kept)
    assert kept.on_engine                                        # matched without a pandas copy of the answers
    assert got.joins == want.joins and got.warnings == want.warnings
    pd.testing.assert_frame_equal(got.customers, want.customers)
    assert got.responses.columns == list(want.responses.columns)
    rows = engine_module.execute(got.responses.table())
    cols = list(want.responses.columns)
    assert sorted(map(str, rows[cols].values.tolist())) == sorted(map(str, want.responses[cols].values.tolist()))
    c = want.customers.set_index("customer_id")
    assert c.loc["a", "nps"] == (7 if with_time else 5) and c.loc["d", "nps"] == 2   # a tie: the later row


def test_order_attributes_come_from_latest_order_unless_customers_file_has_them():
    df = small_orders().df.assign(country=["DE", "FR", "NL", None, "PL", "PL", "ES", "IT", "SE"])
    rfm = compute_rfm(from_frame(df, "orders"), RFMSpec(as_of=date(2024, 6, 30)))
    country = rfm.customers.set_index("customer_id")["country"]
    assert country.dropna().to_dict() == {"a": "FR", "b": "NL", "d": "ES"}   # c's valid order has none
    customers = from_frame(pd.DataFrame({"customer_id": ["a", "c"], "country": ["AT", None],
                                                 "orders": ["x", "y"]}), "customers")
    c = build_customer_view(rfm, customers=customers).customers.set_index("customer_id")
    assert c["country"].dropna().to_dict() == {"a": "AT", "b": "NL", "d": "ES"}
    assert c.loc["a", "orders_attr"] == "x" and c.loc["a", "orders"] == 2


def test_rule_segment_and_member_download_neutralize_formulas():
    df = small_orders().df.copy()
    df.loc[2, "email"] = "=HYPERLINK(\"http://x\")"
    rfm = compute_rfm(from_frame(df, "orders"), RFMSpec(as_of=date(2024, 6, 30)))
    view = build_customer_view(rfm)
    seg = rule_segment(view, "segment = at risk or orders >= 3", name="Win back")
    assert seg.customers == 3 and seg.net_revenue == 380.0 and seg.share_pct == 75.0
    members = members_frame(view, seg.mask, "Win back")
    assert members["customer_id"].tolist() == ["d", "b", "a"]          # by net revenue
    text = to_csv_bytes(members).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and text.splitlines()[0].startswith("customer_id,email,list,segment")


# ---- rule language ---------------------------------------------------------------------------
RULE_DF = pd.DataFrame({
    "country": pd.array(["DE", "de", "FR", None, "US", "DE"], dtype="string"),
    "segment": pd.array(["Champions", "At risk", "Can't lose", "Lost", None, "At risk"], dtype="string"),
    "tags": pd.array(["vip,b2b", "", None, "VIP", "new", "b2b"], dtype="string"),
    "orders": [1.0, 2.0, 5.0, np.nan, 0.0, 3.0],
    "net_revenue": [10.0, 99.5, -3.0, 0.0, 1000.0, 50.0],
    "signup_at": pd.to_datetime(["2024-01-01 10:00", "2024-02-01", None, "2023-12-31 23:00", "2024-01-01",
                                 "2024-03-05"], utc=True, format="ISO8601"),
})


@pytest.mark.parametrize("rule, expected", [
    ("country = DE and orders >= 2", [False, True, False, False, False, True]),
    ("country != de", [False, False, True, False, True, False]),            # missing country: false
    ("segment in (At risk, Can't lose)", [False, True, True, False, False, True]),
    ("segment in ['champions', \"lost\"]", [True, False, False, True, False, False]),
    ("tags contains VIP or net_revenue < 0", [True, False, True, True, False, False]),
    ("not (orders > 1) and country = DE", [True, False, False, False, False, False]),
    ("signup_at = 2024-01-01", [True, False, False, False, True, False]),
    ("signup_at < 2024-01-01 or SIGNUP_AT >= 2024-03-01", [False, False, False, True, False, True]),
    ("orders >= 2 or country = FR and orders = 1", [False, True, True, False, False, True]),   # and binds tighter
    ("`net_revenue` == 99.5", [False, True, False, False, False, False]),
    ("frequency = 5", [False, False, True, False, False, False]),               # alias for orders
])
def test_rule_examples_match_hand_evaluation(rule, expected):
    assert rule_mask(rule, RULE_DF).tolist() == expected


@pytest.mark.parametrize("rule, message", [
    ("", "the rule is empty"),
    ("country = ", "position 11, expected a value"),
    ("country DE", "position 9, expected an operator"),
    ("coutnry = DE", "position 1, unknown field 'coutnry'"),
    ("orders >= two", "position 11, 'orders' is a number but the value is 'two'"),
    ("orders != nan", "position 11, 'orders' is a number but the value is 'nan'"),
    ("country < DE", "'<' needs a number or date field"),
    ("(orders > 1", "expected ')' but found the end of the rule"),
    ("orders > 1 country = DE", "expected 'and', 'or' or the end of the rule but found 'country'"),
    ("country = 'DE", "position 11, a quote is never closed"),
    ("segment in At risk", "expected '(' to start the list"),
    ("orders contains 1", "'contains' needs a text field"),
    ("signup_at > yesterday", "is a date but the value is 'yesterday'"),
    ("__import__('os') = 1", "unknown field"),
])
def test_bad_rules_raise_with_position_and_expectation(rule, message):
    with pytest.raises(CxDataError, match=re.escape(message)):
        rule_mask(rule, RULE_DF)


FIELDS = {"country": ["DE", "FR", "US", "xx"], "segment": ["At risk", "Champions", "Can't lose", "Lost"],
          "tags": ["vip", "b2b", "new"], "orders": [0, 1, 2, 3, 5], "net_revenue": [-3, 0, 10, 50, 99.5, 1000]}
TEXT = {"country", "segment", "tags"}


@st.composite
def conditions(draw):
    f = draw(st.sampled_from(sorted(FIELDS)))
    ops = ["=", "!=", "in"] + (["contains"] if f in TEXT else ["<", "<=", ">", ">="])
    op = draw(st.sampled_from(ops))
    if op == "in":
        vals = draw(st.lists(st.sampled_from(FIELDS[f]), min_size=1, max_size=3))
    else:
        vals = [draw(st.sampled_from(FIELDS[f]))]
    return ("cond", f, op, vals)


rules = st.recursive(conditions(), lambda kids: st.one_of(
    st.tuples(st.sampled_from(["and", "or"]), st.lists(kids, min_size=2, max_size=3)),
    st.tuples(st.just("not"), kids)), max_leaves=6)


def render(node, quote) -> str:
    if node[0] == "cond":
        _, f, op, vals = node
        lit = [("'" + str(v).replace("'", "''") + "'" if quote else str(v)) if f in TEXT else str(v) for v in vals]
        if op == "in":
            return f"{f} in ({', '.join(lit)})"
        return f"{f} {op} {lit[0]}"
    if node[0] == "not":
        return f"not ({render(node[1], quote)})"
    return "(" + f" {node[0]} ".join(render(k, quote) for k in node[1]) + ")"


def reference(node, row) -> bool:
    """Plain-Python evaluation of one row (independent of the parser)."""
    if node[0] == "not":
        return not reference(node[1], row)
    if node[0] in ("and", "or"):
        parts = [reference(k, row) for k in node[1]]
        return all(parts) if node[0] == "and" else any(parts)
    _, f, op, vals = node
    x = row[f]
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return False
    if f in TEXT:
        x, vals = x.strip().lower(), [str(v).lower() for v in vals]
    else:
        vals = [float(v) for v in vals]
    v = vals[0]
    return {"=": lambda: x == v, "!=": lambda: x != v, "<": lambda: x < v, "<=": lambda: x <= v,
            ">": lambda: x > v, ">=": lambda: x >= v, "in": lambda: x in vals, "contains": lambda: v in x}[op]()


@settings(max_examples=200, deadline=None)
@given(rules, st.booleans())
def test_random_rules_evaluate_like_plain_python_reference(node, quote):
    text = render(node, quote)
    got = rule_mask(text, RULE_DF).tolist()
    rows = RULE_DF.astype(object).where(RULE_DF.notna(), None).to_dict("records")
    assert got == [reference(node, r) for r in rows], text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("()[],'\"`=!<>  abcdeinorstuDE012.-_")
                                + ["and ", "or ", "not ", "in ", "contains ", "orders ", "country ", ">= ", "= "]),
                max_size=25).map("".join) | st.text(max_size=30))
def test_any_text_parses_or_raises_cxdataerror(text):
    try:
        mask = rule_mask(text, RULE_DF)
    except CxDataError as err:
        assert str(err).startswith("rule: ")
    else:
        assert mask.dtype == bool and len(mask) == len(RULE_DF)


def test_rule_parser_never_evaluates_python():
    with pytest.raises(CxDataError):
        parse_rule("country = DE or __class__ = 1", {"country": "text"})


# ---- CLI -------------------------------------------------------------------------------------
@pytest.mark.slow                       # two subprocess runs of the CLI
def test_cli_rfm_contract_and_counts(tmp_path):
    path = tmp_path / "orders.csv"
    df = small_orders().df
    df.assign(ordered_at=df["ordered_at"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(path, index=False)
    from cxlib.cli.main import main
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["rfm", str(path), "--as-of", "2024-06-30", "--json"]) == 0
    out = json.loads(buf.getvalue())
    assert out["customers"] == 4 and out["segments"]["At risk"] == 2 and out["segments"]["Champions"] == 1
    assert isinstance(out["warnings"], list) and out["as_of"] == "2024-06-30"
    tools = Path(__file__).resolve().parents[2] / "shared/tools"
    if not (tools / "check_contract.py").exists():
        pytest.skip("check_contract.py not available")
    sys.path.insert(0, str(tools))
    from check_contract import problems
    assert problems("rfm", str(path), "--as-of", "2024-06-30", python=sys.executable) == []
    bad = problems("rfm", str(path), "--as-of", "30/06/2024", python=sys.executable)
    assert bad == []                                                  # exit 2 with one error line


# ---- real data -------------------------------------------------------------------------------
def test_cdnow_rfm_smoke():
    path = REAL / "cdnow/CDNOW_master.txt"
    if not path.exists():
        pytest.skip("CDNOW data not available")
    raw = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    df = pd.DataFrame({"customer_id": raw["customer_id"], "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
                       "amount": raw["dollar_value"]})
    res = compute_rfm(from_frame(df, "orders"), RFMSpec(as_of=date(1998, 6, 30)))
    assert len(res.customers) == 23570
    assert res.customers["net_revenue"].sum() == pytest.approx(2500315.63, abs=0.01)
    assert sum(res.segment_counts.values()) == 23570
    assert res.customers.loc[res.customers["orders"] == 1, "f"].nunique() == 1     # one-time buyers share F
    assert res.segment_counts["Champions"] > 0 and res.segment_counts["Lost"] > 0


def test_online_retail_rfm_smoke():
    path = REAL / "online_retail/online_retail_sample30k.csv.gz"
    if not path.exists():
        pytest.skip("Online Retail sample not available")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype={"InvoiceNo": str, "StockCode": str})
    raw = raw[raw["CustomerID"].notna()]
    lines = raw.assign(value=raw["Quantity"] * raw["UnitPrice"])
    orders = lines.groupby("InvoiceNo").agg(customer_id=("CustomerID", "first"), ordered_at=("InvoiceDate", "min"),
                                            amount=("value", "sum")).reset_index().rename(columns={"InvoiceNo": "order_id"})
    orders["status"] = np.where(orders["order_id"].str.startswith("C"), "cancelled", "completed")
    res = compute_rfm(from_frame(orders, "orders"), RFMSpec(as_of=date(2011, 12, 9)))
    buyers = orders.loc[orders["status"] == "completed", "customer_id"].nunique()
    assert len(res.customers) == buyers and res.customers["customer_id"].str.match(r"^\d+$").all()
    assert res.to_frame()["customers_pct"].sum() == pytest.approx(100, abs=0.1)


# ---- translatable sentences: Msg templates with their values, English text unchanged -------------
def test_rfm_sentences_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    res = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30)))
    s = res.summary()
    assert isinstance(s, Msg) and s == "4 customers as of 2024-06-30; largest segments: At risk 2, Champions 1, Promising 1."
    assert s.template == "{customers} customers as of {date}; largest segments: {segments}."
    assert s.params["customers"] == 4 and s.params["date"] == "2024-06-30"
    segs = s.params["segments"]                       # "a, b, c" joined by a translatable template
    assert segs.template == "{first}, {rest}" and segs.params["first"].params["segment"].template == "At risk"
    later = next(w for w in res.warnings if "after 2024-06-30" in w)
    assert isinstance(later, Msg) and later.template == "{orders} valid order(s) placed after {date} are ignored."
    assert later.params == {"orders": 1, "date": "2024-06-30"}
    few = next(w for w in res.warnings if w.startswith("only"))
    assert few.params == {"customers": 4}
    d = RFMSpec(as_of=date(2024, 6, 30)).describe()
    assert d.template.startswith("RFM as of {date} over orders with status {statuses}:")
    assert d.params["net"].template == "amount minus refunds" and d.params["ties"].template == "equal values share a score"
    assert RFMSpec().describe().template.startswith("RFM as of the latest order date over orders")


def test_score_map_error_and_join_sentences_are_msg_templates():
    from cxlib.core.messages import Msg
    with pytest.raises(CxDataError) as exc:
        score_grid(DEFAULT_SCORE_MAP + (ScoreRule("Gone", 1, 1, 1, 2),))       # overlaps "Lost" in two cells
    message = exc.value.message
    assert message.template == "the RFM score map is not valid: {problems}."
    problems = message.params["problems"]             # "a; b" joined by a translatable template
    assert problems.template == "{first}; {rest}"
    second = problems.params["rest"]
    assert second.template == "cell R={r}, FM={fm} is in both '{segment}' and '{other}'"
    assert (second.params["r"], second.params["fm"]) == (1, 2)
    assert second.params["segment"].template == "Lost" and second.params["other"] == "Gone"
    assert isinstance(exc.value.hint, Msg)
    view = build_customer_view(compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30))),
                               customers=from_frame(pd.DataFrame({"customer_id": ["a", "zz"]}), "customers"))
    sentence = view.joins[0].sentence()
    assert sentence.template.startswith("customers: {matched} of {rows} customers in the customers file")
    assert sentence.params["segment"].template == "No orders"          # a marked name: translated in turn
    assert view.describe_joins() == sentence and isinstance(view.describe_joins(), Msg)


def test_rule_segment_and_rule_errors_are_msg_templates_naming_the_users_text():
    from cxlib.analyses.segment_rules import describe_rule
    view = build_customer_view(compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30))))
    seg = rule_segment(view, "orders  >= 2", name="Repeat")
    assert seg.describe().template == "Segment '{name}': customers matching {rule}."
    assert seg.describe().params["rule"] == "orders >= 2"
    assert seg.summary().template.startswith("{customers} customers ({share_pct:.2f}% of all) match;")
    assert seg.summary().params["customers"] == 2
    assert describe_rule("a = b").params == {"rule": "a = b"}
    with pytest.raises(CxDataError) as exc:
        rule_mask("orders = 1 xor", RULE_DF)
    m = exc.value.message
    assert m.template == "rule: at position {position}, expected {expected} but found '{token}'."
    assert m.params["token"] == "xor" and m.params["expected"].template == "'and', 'or' or the end of the rule"
    with pytest.raises(CxDataError) as exc:
        rule_mask("colour = red", RULE_DF)
    assert exc.value.message.params["field"] == "colour" and exc.value.hint.template == "Known fields: {fields}."


# ---- NPS bands, several rule segments, the "No orders" row (issue 20, findings 2 and 7) ----------
def test_nps_band_by_hand_and_from_the_definitions():
    from cxlib.analyses.segments import nps_band
    scores = pd.Series([0, 6, 6.5, 7, 8, 9, 10, -1, 11, None])
    assert nps_band(scores).tolist() == ["detractor", "detractor", "passive", "passive", "passive", "promoter",
                                         "promoter", pd.NA, pd.NA, pd.NA]
    assert nps_band(scores, promoter_min=8, detractor_max=5).tolist()[:5] == ["detractor", "passive", "passive",
                                                                               "passive", "promoter"]


def test_latest_nps_skips_out_of_range_answers_and_gets_a_band():
    rfm = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30)))
    resp = from_frame(pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "nps": [3, 11, 9, 10],
                                            "answered_at": ["2024-06-01", "2024-06-05", "2024-06-01", "2024-06-02"]}),
                              "responses")
    c = build_customer_view(rfm, responses=resp, promoter_min=10).customers.set_index("customer_id")
    assert c.loc["a", "nps"] == 3 and c.loc["a", "nps_band"] == "detractor"       # the 11 is a typo, not an answer
    assert (c.loc["b", "nps_band"], c.loc["c", "nps_band"]) == ("passive", "promoter")   # promoters from 10 here
    assert pd.isna(c.loc["d", "nps_band"])
    assert rule_mask("nps_band = promoter", c.reset_index()).sum() == 1


def test_several_rule_segments_with_names_fields_and_errors():
    from cxlib.analyses.segment_members import RuleSpec, rule_segments, rule_segments_frame
    view = build_customer_view(compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30))))
    segs = rule_segments(view, [RuleSpec("Loyal", "orders >= 2", id="1"), RuleSpec("Big", "net_revenue > 50", id="2")])
    assert [(s.name, s.customers, s.id, s.fields) for s in segs] == [("Loyal", 2, "1", {"orders"}),
                                                                    ("Big", 1, "2", {"net_revenue"})]   # a, d; d only
    table = rule_segments_frame(segs)
    assert table["segment"].tolist() == ["Loyal", "Big"] and table["customers"].tolist() == [2, 1]
    with pytest.raises(CxDataError, match="two rule segments are called 'Loyal'"):
        rule_segments(view, [RuleSpec("Loyal", "orders >= 2"), RuleSpec("Loyal", "orders >= 3")])
    with pytest.raises(CxDataError, match="segment 'Big': rule: at position 14, expected a value"):
        rule_segments(view, [RuleSpec("Big", "net_revenue >")])
    with pytest.raises(CxDataError, match="has no name"):
        rule_segments(view, [RuleSpec(" ", "orders >= 2")])
    assert RuleSpec.from_json(RuleSpec("Big", "net_revenue > 50", "2").to_json()) == RuleSpec("Big", "net_revenue > 50", "2")
    with pytest.raises(CxDataError, match="needs a name and a rule"):
        RuleSpec.from_json({"name": "x"})


def test_rule_fields_are_every_field_a_rule_reads():
    from cxlib.analyses.segment_rules import field_kinds, fields_of
    kinds = field_kinds(pd.DataFrame({"nps": [1.0], "orders": [1], "country": ["DE"]}))
    assert fields_of(parse_rule("(nps <= 6 or country = DE) and not orders > 2", kinds)) == {"nps", "country", "orders"}


def test_segment_table_has_a_no_orders_row_with_shares_of_all_customers():
    from cxlib.analyses.segment_members import segment_frame
    rfm = compute_rfm(small_orders(), RFMSpec(as_of=date(2024, 6, 30)))
    customers = from_frame(pd.DataFrame({"customer_id": ["a", "b", "q", "e"]}), "customers")
    table = segment_frame(rfm, build_customer_view(rfm, customers=customers))
    last = table.iloc[-1]
    assert last["segment"] == "No orders" and last["customers"] == 2 and last["net_revenue"] == 0   # q, and e (cancelled)
    assert table["customers"].sum() == 6 and table["customers_pct"].sum() == pytest.approx(100, abs=0.05)
    assert list(table.columns) == list(rfm.to_frame().columns)
    assert segment_frame(rfm, build_customer_view(rfm)).equals(rfm.to_frame())        # no customers file: no row


def test_no_orders_segment_of_the_sample_shop_is_customers_without_a_valid_order():
    from cxlib.data.loader import load_path
    from cxlib.analyses.segment_members import segment_frame
    from tests import sample_oracles as so
    rfm = compute_rfm(load_path(ROOT / "sample_data/orders_shopify.csv"))
    view = build_customer_view(rfm, load_path(ROOT / "sample_data/customers.csv"))
    truth = so.no_order_counts()
    assert truth == {"no_order": 310, "no_valid_order": 330}    # 20 customers only have voided or pending orders
    table = segment_frame(rfm, view).set_index("segment")
    assert table.loc["No orders", "customers"] == truth["no_valid_order"]
    assert "330 without a valid order (no order, or only cancelled or pending ones)" in view.describe_joins()
