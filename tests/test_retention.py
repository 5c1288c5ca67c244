"""Tests for cxlib.analyses.retention: cohorts, churn rate, churn trend, retention rate, the cohorts CLI."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame
from cxlib.core.errors import CxDataError
from cxlib.analyses.retention import ChurnSpec, CohortSpec, churn_rate, cohort_table, retention_rate, valid_orders
from cxlib.analyses.churn import churn_trend
from cxlib.core.stats import wilson_ci

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parents[2] / "shared/data/real"


def orders(rows: list[tuple]) -> Dataset:
    """(customer_id, ordered_at, amount[, status[, refunded]]) -> orders Dataset."""
    cols = ["customer_id", "ordered_at", "amount", "status", "refunded"]
    width = max(len(r) for r in rows)
    df = pd.DataFrame([tuple(r) + (None,) * (width - len(r)) for r in rows], columns=cols[:width])
    df.insert(0, "order_id", [f"o{i}" for i in range(len(df))])
    return from_frame(df, "orders")


# A small shop, computed by hand below.
#   a: Jan 5, Feb 10, Apr 2          -> cohort 2024-01, active in k=0,1,3
#   b: Jan 20, Mar 1 (cancelled)     -> cohort 2024-01, active in k=0 only (cancelled is not valid)
#   c: Feb 2 (status missing), Feb 25, Mar 30 -> cohort 2024-02, active k=0,1
#   d: Mar 15 (refunded: still valid) -> cohort 2024-03, k=0
#   e: Jan 3 pending, Mar 3          -> first VALID order is in March: cohort 2024-03
SHOP = [
    ("a", "2024-01-05", 10.0, "completed"), ("a", "2024-02-10", 20.0, "completed"),
    ("a", "2024-04-02", 5.0, "completed"),
    ("b", "2024-01-20", 30.0, "completed"), ("b", "2024-03-01", 40.0, "cancelled"),
    ("c", "2024-02-02", 50.0, None), ("c", "2024-02-25", 15.0, "completed"),
    ("c", "2024-03-30", 15.0, "partially_refunded"),
    ("d", "2024-03-15", 60.0, "refunded"),
    ("e", "2024-01-03", 99.0, "pending"), ("e", "2024-03-03", 12.0, "completed"),
]


def test_cohort_table_matches_hand_computation():
    res = cohort_table(orders(SHOP))
    m = res.matrix()
    assert list(m.index) == ["2024-01", "2024-02", "2024-03"]      # nobody started in April
    assert res.customers == 5
    t = res.to_frame().set_index(["cohort", "period"])
    assert t.loc[("2024-01", 0), "customers"] == 2
    assert t.loc[("2024-03", 0), "customers"] == 2          # d and e (e's pending January order is not valid)
    # 2024-01: a, b -> k1: a (Feb) ; k2: nobody (b's March order was cancelled) ; k3: a (Apr)
    assert [t.loc[("2024-01", k), "active"] for k in range(4)] == [2, 1, 0, 1]
    assert t.loc[("2024-01", 1), "retention"] == pytest.approx(0.5)
    # 2024-02: c -> k1: March (partially refunded counts as valid); k2 April: none
    assert [t.loc[("2024-02", k), "active"] for k in range(3)] == [1, 1, 0]
    # unobserved cells are absent / NaN: the 2024-03 cohort can only be seen in March and April
    assert math.isnan(m.loc["2024-03", 2]) and math.isnan(m.loc["2024-02", 3])
    assert m.loc["2024-03", 1] == 0.0
    # data ends 2024-04-02: April is incomplete
    assert t.loc[("2024-01", 3), "partial"] and not t.loc[("2024-01", 2), "partial"]
    assert any("incomplete" in w for w in res.warnings)


def test_cohort_curve_pools_observed_cohorts():
    c = cohort_table(orders(SHOP)).curve().set_index("period")
    # k=1 observed for cohorts Jan (2 customers, 1 active), Feb (1, 1), Mar (2, 0): 2 / 5
    assert c.loc[1, "customers"] == 5 and c.loc[1, "active"] == 2
    assert c.loc[1, "retention"] == pytest.approx(0.4)


def test_cohort_table_weekly_periods_start_on_monday():
    ds = orders([("a", "2024-01-01", 1.0), ("a", "2024-01-08", 1.0), ("b", "2024-01-07", 1.0),
                 ("b", "2024-01-21", 1.0)])
    res = cohort_table(ds, CohortSpec(period="week", max_periods=4))
    t = res.to_frame().set_index(["cohort", "period"])
    # 2024-01-01 is a Monday; 2024-01-07 (Sunday) is in the same ISO week as a's first order
    assert list(res.matrix().index) == ["2024-01-01"]
    assert [t.loc[("2024-01-01", k), "active"] for k in range(3)] == [2, 1, 1]
    assert not t["partial"].any()                             # the data ends on a Sunday: week complete


def test_cohort_max_periods_truncates_columns():
    res = cohort_table(orders(SHOP), CohortSpec(max_periods=1))
    assert res.to_frame()["period"].max() == 1


def _reference_cohorts(rows: list[tuple], max_periods: int) -> dict[tuple[str, int], tuple[int, int]]:
    """Plain-Python cohort table: {(cohort 'YYYY-MM', k): (cohort size, active)} for observable cells."""
    valid = [(c, date.fromisoformat(d)) for c, d, *_ in rows]
    months = {}
    for c, d in valid:
        months.setdefault(c, set()).add(d.year * 12 + d.month - 1)
    last = max(d.year * 12 + d.month - 1 for _, d in valid)
    out = {}
    cohorts = {}
    for c, ms in months.items():
        cohorts.setdefault(min(ms), []).append(c)
    for first, members in cohorts.items():
        for k in range(0, min(max_periods, last - first) + 1):
            active = sum(1 for c in members if first + k in months[c])
            out[(f"{first // 12:04d}-{first % 12 + 1:02d}", k)] = (len(members), active)
    return out


day_offsets = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 400)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(day_offsets, st.integers(1, 14))
def test_cohort_table_matches_plain_python_reference(events, max_periods):
    start = date(2023, 11, 20)
    rows = [(c, (start + timedelta(days=o)).isoformat(), 1.0) for c, o in events]
    res = cohort_table(orders(rows), CohortSpec(max_periods=max_periods)).to_frame()
    got = {(r.cohort, r.period): (r.customers, r.active) for r in res.itertuples()}
    assert got == _reference_cohorts(rows, max_periods)


def test_churn_rate_matches_hand_computation():
    # as of 2024-04-02 (last order), 30-day window = 2024-03-04 .. 2024-04-02 inclusive.
    # active: a (Apr 2), c (Mar 30), d (Mar 15); churned: b (last valid Jan 20), e (Mar 3, one day early)
    res = churn_rate(orders(SHOP), ChurnSpec(inactive_days=30))
    assert (res.count, res.n, res.as_of) == (2, 5, "2024-04-02")
    assert res.value == pytest.approx(0.4)
    # Wilson interval by hand: (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    z, n, p = 1.959963984540054, 5, 0.4
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert res.ci95[0] == pytest.approx((centre - half) / (1 + z * z / n))
    assert res.ci95[1] == pytest.approx((centre + half) / (1 + z * z / n))


def test_churn_window_includes_the_first_day_and_as_of_day():
    # window of 30 days ending 2024-04-02 starts 2024-03-04: an order that day keeps e active
    ds = orders(SHOP + [("e", "2024-03-04", 1.0)])
    assert churn_rate(ds, ChurnSpec(inactive_days=30)).count == 1
    # an explicit earlier analysis date only counts customers who had ordered by then
    res = churn_rate(orders(SHOP), ChurnSpec(inactive_days=30, as_of="2024-02-01"))
    # customers by Feb 1: a, b (c's first order is Feb 2); active in Jan 3..Feb 1: a, b
    assert (res.count, res.n) == (0, 2)


def test_churn_rate_warns_when_window_longer_than_history():
    res = churn_rate(orders(SHOP), ChurnSpec(inactive_days=365))
    assert res.value == 0.0
    assert any("not meaningful" in w for w in res.warnings)


def _reference_churn(rows, as_of: date, days: int) -> tuple[int, int]:
    by = {}
    for c, d, *_ in rows:
        by.setdefault(c, []).append(date.fromisoformat(d))
    counted = [c for c, ds in by.items() if min(ds) <= as_of]
    active = [c for c in counted if any(as_of - timedelta(days=days - 1) <= d <= as_of for d in by[c])]
    return len(counted) - len(active), len(counted)


@settings(max_examples=40, deadline=None)
@given(day_offsets, st.integers(1, 120), st.sampled_from(["month", "week"]))
def test_churn_trend_matches_plain_python_reference(events, days, freq):
    start = date(2023, 11, 20)
    rows = [(c, (start + timedelta(days=o)).isoformat(), 1.0) for c, o in events]
    trend = churn_trend(orders(rows), ChurnSpec(inactive_days=days), freq=freq).to_frame()
    last = max(date.fromisoformat(d) for _, d, _ in rows)
    first = min(date.fromisoformat(d) for _, d, _ in rows)
    if first + timedelta(days=days) > last:
        assert trend.empty
        return
    assert trend["as_of"].iloc[-1] == last.isoformat()
    for r in trend.itertuples():
        assert (r.churned, r.customers) == _reference_churn(rows, date.fromisoformat(r.as_of), days)
        lo, hi = wilson_ci(r.churned, r.customers)
        assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi))


def test_churn_trend_points_are_month_ends_then_as_of():
    trend = churn_trend(orders(SHOP), ChurnSpec(inactive_days=30))
    # first possible point: first valid order (2024-01-05) + 30 days = 2024-02-04
    assert list(trend.to_frame()["as_of"]) == ["2024-02-29", "2024-03-31", "2024-04-02"]
    assert trend.to_json()["points"][-1]["churned"] == 2


def test_retention_rate_matches_hand_computation():
    # 30-day windows ending 2024-04-02: current 03-04..04-02, previous 02-03..03-03
    # previous: a (Feb 10), c (Feb 25), e (Mar 3); b's Mar 1 order was cancelled.
    # retained in current: a (Apr 2), c (Mar 30); d is new, not retained  -> 2 / 3
    res = retention_rate(orders(SHOP), ChurnSpec(inactive_days=30))
    assert (res.count, res.n) == (2, 3)
    assert res.value == pytest.approx(2 / 3)
    assert res.metric == "retention_rate"


def test_valid_orders_net_and_status_rules():
    ds = orders([("a", "2024-01-01", 100.0, "partially_refunded", 30.0), ("a", "2024-01-02", 50.0, None, None),
                 ("b", "2024-01-03", 70.0, "in_transit", 0.0), ("b", "2024-01-04", 20.0, "refunded", 20.0)])
    vo = valid_orders(ds)
    assert list(vo.orders["net"]) == [70.0, 50.0, 0.0]
    assert str(vo.data_end.date()) == "2024-01-04"


def test_unrecognized_status_is_not_valid_and_is_reported():
    ds = orders([("a", "2024-01-01", 10.0, "Completed "), ("a", "2024-01-02", 5.0, "on hold")])
    vo = valid_orders(ds)
    assert list(vo.orders["net"]) == [10.0]                      # case and spaces normalized
    assert any("unrecognized status" in w and "'on hold'" in w for w in vo.warnings)


def test_missing_customer_rows_are_dropped_with_warning():
    ds = orders([("a", "2024-01-01", 1.0), (None, "2024-01-02", 1.0)])
    res = cohort_table(ds)
    assert res.customers == 1
    assert any("without a customer" in w for w in res.warnings)


@pytest.mark.parametrize("rows, needle", [
    ([("a", "2024-01-01", 1.0, "cancelled")], "no valid order"),
    ([("a", None, 1.0)], "no order has both"),
])
def test_unusable_orders_raise_clear_errors(rows, needle):
    with pytest.raises(CxDataError, match=needle):
        cohort_table(orders(rows))


def test_wrong_role_and_bad_specs_raise():
    ds = from_frame(pd.DataFrame({"ticket_id": ["1"], "created_at": ["2024-01-01"]}), "tickets")
    with pytest.raises(CxDataError, match="orders dataset"):
        churn_rate(ds)
    with pytest.raises(CxDataError, match="YYYY-MM-DD"):
        ChurnSpec(as_of="yesterday-ish")
    with pytest.raises(CxDataError):
        CohortSpec(period="year")
    with pytest.raises(CxDataError):
        ChurnSpec(inactive_days=0)


@pytest.mark.parametrize("spec", [CohortSpec(), CohortSpec(period="week", max_periods=8),
                                  ChurnSpec(), ChurnSpec(inactive_days=60, as_of="2024-06-30")])
def test_specs_round_trip_json_and_describe_in_one_sentence(spec):
    again = type(spec).from_json(json.loads(json.dumps(spec.to_json())))
    assert again == spec
    text = spec.describe()
    assert text.endswith(".") and text.count(". ") == 0


def test_results_are_json_safe():
    ds = orders(SHOP)
    for res in (cohort_table(ds), churn_rate(ds), retention_rate(ds), churn_trend(ds, ChurnSpec(30))):
        json.dumps(res.to_json(), allow_nan=False)
        assert isinstance(res.summary(), str) and res.summary()
        assert not res.to_frame().empty
    j = cohort_table(ds).to_json()
    assert j["cohorts"][0] == {"cohort": "2024-01", "customers": 2, "active": [2, 1, 0, 1],
                               "retention_pct": [100.0, 50.0, 0.0, 50.0]}


def _online_retail() -> Dataset:
    path = REAL / "online_retail/online_retail_sample30k.csv.gz"
    if not path.exists():
        pytest.skip("real data absent")
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str})
    raw = raw[raw["CustomerID"].notna()]
    raw["line"] = raw["Quantity"] * raw["UnitPrice"]
    o = raw.groupby("InvoiceNo", as_index=False).agg(customer_id=("CustomerID", "first"),
                                                      ordered_at=("InvoiceDate", "first"), amount=("line", "sum"))
    o["status"] = np.where(o["InvoiceNo"].str.startswith("C"), "cancelled", "completed")
    return from_frame(o.rename(columns={"InvoiceNo": "order_id"}), "orders")


def test_online_retail_cohorts_match_independent_pandas_period_computation():
    ds = _online_retail()
    res = cohort_table(ds)
    df = ds.df[ds.df["status"] == "completed"]
    month = df["ordered_at"].dt.tz_localize(None).dt.to_period("M")
    first = month.groupby(df["customer_id"]).transform("min")
    k = (month - first).map(lambda off: off.n)
    ref = pd.DataFrame({"c": df["customer_id"], "cohort": first.astype(str), "k": k}).drop_duplicates()
    ref = ref[ref["k"] <= 12].groupby(["cohort", "k"]).size()
    got = res.to_frame().set_index(["cohort", "period"])["active"]
    assert got[got > 0].to_dict() == ref.to_dict()
    assert res.customers == df["customer_id"].nunique()
    assert res.matrix().index[0] == "2010-12"


def test_cohorts_cli_outputs_contract_shape(tmp_path):
    f = tmp_path / "orders.csv"
    pd.DataFrame(SHOP, columns=["customer_id", "ordered_at", "amount", "status"]).to_csv(f, index=False)
    p = subprocess.run([sys.executable, "-m", "cxlib", "cohorts", str(f), "--inactive-days", "30", "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["customers"] == 5 and isinstance(out["warnings"], list)
    assert out["cohorts"][0]["retention_pct"] == [100.0, 50.0, 0.0, 50.0]
    assert out["churn"]["churn_pct"] == 40.0 and out["churn"]["n"] == 5


def test_cohorts_cli_bad_date_is_one_error_line(tmp_path):
    f = tmp_path / "orders.csv"
    pd.DataFrame(SHOP, columns=["customer_id", "ordered_at", "amount", "status"]).to_csv(f, index=False)
    p = subprocess.run([sys.executable, "-m", "cxlib", "cohorts", str(f), "--as-of", "soon", "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 2
    assert p.stderr.startswith("error: ") and "YYYY-MM-DD" in p.stderr and "Traceback" not in p.stderr


def test_cohorts_cli_takes_definitions_file_and_options_override_it(tmp_path):
    from cxlib.core.definitions import DefinitionSet
    f = tmp_path / "orders.csv"
    pd.DataFrame(SHOP, columns=["customer_id", "ordered_at", "amount", "status"]).to_csv(f, index=False)
    defs = DefinitionSet.default().replace(churn=ChurnSpec(inactive_days=30), retention=CohortSpec(max_periods=1))
    d = tmp_path / "defs.json"
    d.write_text(json.dumps(defs.to_json()))
    run = lambda *extra: json.loads(subprocess.run(                                  # noqa: E731
        [sys.executable, "-m", "cxlib", "cohorts", str(f), "--definitions", str(d), *extra, "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=True).stdout)
    out = run()
    assert out["churn"]["inactive_days"] == 30 and out["churn"]["churned"] == 2
    assert out["cohorts"][0]["retention_pct"] == [100.0, 50.0]
    assert run("--inactive-days", "365")["churn"]["churned"] == 0


def test_sentences_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    res = cohort_table(orders(SHOP))
    s = res.summary()
    assert isinstance(s, Msg) and s.template == "{first} {second}"
    assert s.params["first"].template == "{customers:,} customers in {cohorts} monthly cohort(s)."
    assert s.params["first"].params == {"customers": 5, "cohorts": 3}
    assert s.params["second"].params["rate"] == pytest.approx(res.curve().set_index("period").loc[1, "retention"])
    weekly = cohort_table(orders(SHOP), CohortSpec(period="week"))
    assert "weekly" in weekly.summary().params["first"].template
    assert CohortSpec(period="week").describe().template.startswith("Customers are grouped by the week of")
    churn = churn_rate(orders(SHOP), ChurnSpec(inactive_days=365))
    note = next(w for w in churn.warnings if "not meaningful" in w)
    assert note.template.startswith("The data starts less than {days} days") and note.params == {"days": 365}
    summary = churn.summary()
    assert summary.template.startswith("{metric} on {date}: {rate:.1%} ({count:,} of {n:,} customers;")
    assert summary.params["metric"].template == "Churn rate" and summary.params["n"] == churn.n
    assert isinstance(churn.sentence, Msg) and churn.sentence.params["days"] == 365
    params = ChurnSpec(30, "2024-02-01").describe().params
    assert (params["days"], params["date"], str(params["statuses"])) == (30, "2024-02-01",
                                                                         "completed, refunded, partially refunded")
    with pytest.raises(CxDataError) as exc:
        CohortSpec(period="day")
    assert exc.value.message.params == {"period": "'day'"} and exc.value.hint.template == "Use 'month' or 'week'."


# ---- churned / at-risk list with the revenue at stake (issue 20, finding 6) -------------------------
def test_churn_list_matches_hand_computation():
    from cxlib.analyses.churn import churn_list
    # as of 2024-04-28, 30-day churn window, at risk 10 days before it (last order 20-29 days ago):
    #   a last Apr 2 (26 days): at risk, window Mar 4..Apr 2 = 5, all 35;  c last Mar 30 (29 days): at risk,
    #   window Mar 1..Mar 30 = 15 (not Feb 25), all 80;  d Mar 15 (44): churned 60/60;  b Jan 20 (99, the
    #   cancelled March order does not count): churned 30/30;  e Mar 3 (56, its pending order does not count): 12/12
    res = churn_list(orders(SHOP), ChurnSpec(30, "2024-04-28"), at_risk_days=10)
    t = res.to_frame()
    assert t["customer_id"].tolist() == ["c", "a", "d", "b", "e"]
    assert t["status"].tolist() == ["at_risk", "at_risk", "churned", "churned", "churned"]
    assert t["days_since_last_order"].tolist() == [29, 26, 44, 99, 56]
    assert t["net_revenue_window"].tolist() == [15.0, 5.0, 60.0, 30.0, 12.0]
    assert t["net_revenue"].tolist() == [80.0, 35.0, 60.0, 30.0, 12.0]
    assert t["orders"].tolist() == [3, 3, 1, 1, 1]
    assert res.totals() == {"churned": {"customers": 3, "net_revenue_window": 102.0, "net_revenue": 102.0},
                            "at_risk": {"customers": 2, "net_revenue_window": 20.0, "net_revenue": 115.0}}
    assert res.totals()["churned"]["customers"] == churn_rate(orders(SHOP), ChurnSpec(30, "2024-04-28")).count
    assert res.customers == 5
    assert res.summary() == ("On 2024-04-28: 3 churned customers brought 102.00 in their last 30 days of buying "
                             "(102.00 in all); 2 customers at risk of churning brought 20.00 (115.00 in all).")
    assert "the last valid order was 20 to 29 days before" in res.describe()
    assert churn_list(orders(SHOP), ChurnSpec(30, "2024-04-28"), at_risk_days=0).to_frame()["status"].eq("churned").all()
    out = json.loads(json.dumps(res.to_json()))
    assert out["list"][0]["customer_id"] == "c" and out["list"][0]["last_order_at"] == "2024-03-30T00:00:00Z"


def test_churn_list_rejects_an_at_risk_window_as_long_as_the_churn_window():
    from cxlib.analyses.churn import churn_list
    with pytest.raises(CxDataError, match="from 0 to 29 days"):
        churn_list(orders(SHOP), ChurnSpec(30, "2024-04-28"), at_risk_days=30)


def test_churn_list_email_is_the_last_orders():
    from cxlib.analyses.churn import churn_list
    df = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
                       "ordered_at": ["2024-01-01", "2024-02-01", "2024-06-01"], "amount": [1.0, 2.0, 3.0],
                       "email": ["old@x.com", "=new@x.com", "b@x.com"]})
    t = churn_list(from_frame(df, "orders"), ChurnSpec(30), at_risk_days=10).to_frame()
    assert t[["customer_id", "email"]].values.tolist() == [["a", "=new@x.com"]]
    from cxlib.data.export import to_csv_bytes
    assert b"'=new@x.com" in to_csv_bytes(t)                      # the download neutralizes formulas


def test_churn_list_on_the_sample_shop_matches_a_pandas_computation():
    from cxlib.data.loader import load_path
    from cxlib.analyses.churn import churn_list
    from tests import sample_oracles as so
    res = churn_list(load_path(ROOT / "sample_data/orders_shopify.csv"), ChurnSpec(90), at_risk_days=30)
    truth = so.churn_list(90, 30).set_index("customer_id").sort_index()
    got = res.to_frame().set_index("customer_id").sort_index()
    assert got.index.tolist() == truth.index.tolist()
    for col in ("status", "days_since_last_order", "orders"):
        assert got[col].tolist() == truth[col].tolist(), col
    for col in ("net_revenue", "net_revenue_window"):
        assert got[col].to_numpy() == pytest.approx(truth[col].to_numpy(), abs=1e-6), col
    assert res.totals() == {"churned": {"customers": 771, "net_revenue_window": 51541.5, "net_revenue": 61094.77},
                            "at_risk": {"customers": 99, "net_revenue_window": 8406.96, "net_revenue": 15530.53}}


def test_cohort_and_churn_captions_name_the_valid_statuses_in_use():
    from cxlib.core.definitions import DefinitionSet, RevenueDef
    from cxlib.present.display import view_of
    defs = DefinitionSet.default().replace(net_revenue=RevenueDef(("completed", "in_transit")))
    assert "(status completed, refunded, partially refunded)" in str(CohortSpec().describe())
    assert "(status completed, in transit)" in str(ChurnSpec(60).describe(defs))
    assert "(status completed, in transit)" in str(ChurnSpec(60).describe(defs.net_revenue))   # a RevenueDef too
    assert "(status completed, in transit)" in str(defs.describe("churn_rate"))
    ds = orders(SHOP)
    cohorts, trend = cohort_table(ds, defs=defs), churn_trend(ds, ChurnSpec(30), defs=defs)
    for res in (cohorts, trend):
        assert "(status completed, in transit)" in str(view_of(res).definition(res))
        assert "(status completed, in transit)" in str(res.to_json()["definition"])
    assert "in transit" in str(churn_rate(ds, ChurnSpec(30), defs=defs).sentence)
