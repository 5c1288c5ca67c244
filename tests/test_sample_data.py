"""The sample data (sample_data/): byte-identical regeneration, and every promised property measured
independently of the generator, with plain pandas, statsmodels, scipy, zoneinfo and a plain-Python
funnel written from DESIGN.md.

The exact figures in ``FACTS`` are the ones sample_data/README.md states; a test checks that the
README still quotes them, so the docs, the files and these tests agree.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zoneinfo
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare, spearmanr
from statsmodels.stats.proportion import proportions_ztest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SCRIPT = SAMPLE / "make_samples.py"
FUNNEL = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")
NPS_Q = "How likely are you to recommend Northwind Goods to a friend or colleague?"
CSAT_Q = "How satisfied were you with your order?"
CSAT_LABELS = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")
ROLES = ("orders", "events", "responses", "tickets", "experiment", "customers", "messages")

# Measured on the committed files; quoted verbatim in sample_data/README.md.
FACTS = {
    "orders": 2460, "order_line_rows": 3669, "ordering_customers": 1200, "repeat_pct": "30.0",
    "refund_pct": "4.4", "nov_orders": 382, "net_revenue": "139,889.34",
    "events": 15673, "event_users": 4500,
    "funnel_7d": (4500, 2491, 972, 541, 317), "funnel_7d_pct": ("100", "55.4", "21.6", "12.0", "7.0"),
    "funnel_unbounded": (4500, 2491, 993, 569, 343),
    "exp_units": 11990, "exp_rows": 12016, "exp_control": (5981, 245), "exp_treatment": (6009, 295),
    "exp_p": "0.032", "exp_both": 10, "exp_dups": 6,
    "responses": 895, "nps": "31.2", "nps_first_month": "12.2", "nps_last_month": "44.6",
    "tickets": 1473, "customers": 1510, "customers_without_order": 310, "customers_only_voided_or_pending": 20,
    "customers_without_valid_order": 330,
}


def sample(name: str) -> Path:
    path = SAMPLE / name
    if not path.exists():
        pytest.skip(f"sample file missing: {path} (run python sample_data/make_samples.py)")
    return path


def read(name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(sample(name), **kw)


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    return json.loads(sample("MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("make_samples", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    ev = read("events.csv", dtype={"user_id": str, "session_id": str})
    ev["ts"] = pd.to_datetime(ev["timestamp"], format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True)
    return ev


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return read("orders_shopify.csv", dtype={"Customer ID": str})


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return read("survey_responses.csv", dtype=str, keep_default_na=False)


# ------------------------------------------------------------------------------------ the files
@pytest.mark.slow
def test_regeneration_is_byte_identical(tmp_path, manifest):
    # Another time zone, hash seed and working directory must not change a byte.
    env = {**os.environ, "TZ": "Pacific/Auckland", "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True,
                         timeout=120, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    expected = sorted([m["file"] for m in manifest] + ["MANIFEST.json"])
    assert written == expected
    for rel in written:
        assert (tmp_path / rel).read_bytes() == sample(rel).read_bytes(), f"{rel} differs from the committed file"


def test_committed_files_are_small(manifest):
    sizes = {m["file"]: sample(m["file"]).stat().st_size for m in manifest}
    assert sum(sizes.values()) < 3_300_000, sizes
    assert all(sample(m["file"]).stat().st_size < 100_000 for m in manifest if m["file"].startswith("exotic/"))


def test_manifest_has_one_default_file_per_role(manifest):
    defaults = [m for m in manifest if m["default"]]
    assert sorted(m["role"] for m in defaults) == sorted(ROLES)
    assert all(not m["file"].startswith("exotic/") for m in defaults)
    assert {m["file"] for m in manifest if not m["default"]} == {
        "exotic/taobao_orders_gbk.csv", "exotic/ozon_orders_cp1251.csv", "exotic/surveymonkey_responses.xlsx"}
    for m in manifest:
        assert set(m) >= {"file", "role", "title", "default"} and m["title"]
        assert m["role"] in ROLES
        sample(m["file"])


def test_default_files_parse_with_plain_pandas(manifest):
    for m in (m for m in manifest if m["default"]):
        df = pd.read_csv(sample(m["file"]))
        assert len(df) > 500 and not any(str(c).startswith("Unnamed") for c in df.columns), m["file"]


def test_readme_quotes_the_measured_numbers():
    text = sample("README.md").read_text(encoding="utf-8")
    for key, value in FACTS.items():
        for v in (value if isinstance(value, tuple) else (value,)):
            shown = f"{v:,}" if isinstance(v, int) else v
            assert shown in text, f"README.md does not mention {key} = {shown}"


# ------------------------------------------------------------------------------------ orders
def test_orders_have_shopify_line_item_shape(orders):
    assert len(orders) == FACTS["order_line_rows"]
    first = ~orders["Name"].duplicated()
    # Order-level fields only on an order's first line row, as Shopify exports them.
    assert orders.loc[first, ["Total", "Financial Status", "Subtotal"]].notna().all().all()
    assert orders.loc[~first, ["Total", "Financial Status", "Subtotal"]].isna().all().all()
    assert orders.loc[~first, ["Lineitem name", "Lineitem price", "Created at", "Email"]].notna().all().all()
    assert (orders.loc[~first, "Name"].map(orders.loc[first].set_index("Name")["Email"]) ==
            orders.loc[~first, "Email"]).all()
    assert orders["Name"].str.fullmatch(r"#\d{4}").all()
    assert set(orders["Financial Status"].dropna()) == {"paid", "refunded", "partially_refunded", "pending", "voided"}
    assert set(orders["Source"].dropna()) == {"web", "app", "marketplace", "pos"}
    assert set(orders["Currency"].dropna()) == {"EUR"}


def test_order_money_adds_up(orders):
    line = orders["Lineitem quantity"] * orders["Lineitem price"]
    gross = line.groupby(orders["Name"], sort=False).sum().round(2)
    o = orders.dropna(subset=["Total"]).set_index("Name")
    assert np.allclose(o["Subtotal"], gross[o.index] - o["Discount Amount"], atol=0.005)
    assert np.allclose(o["Total"], o["Subtotal"] + o["Shipping"], atol=0.005)
    assert (o["Refunded Amount"] <= o["Total"] + 0.005).all()
    assert np.allclose(o.loc[o["Financial Status"] == "refunded", "Refunded Amount"],
                       o.loc[o["Financial Status"] == "refunded", "Total"])
    assert (o.loc[o["Financial Status"] == "paid", "Refunded Amount"] == 0).all()
    valid = o[o["Financial Status"].isin(["paid", "refunded", "partially_refunded"])]
    assert f"{(valid['Total'] - valid['Refunded Amount']).sum():,.2f}" == FACTS["net_revenue"]


def test_orders_customers_repeat_rate_refunds_and_november_peak(orders):
    o = orders.dropna(subset=["Total"])
    assert len(o) == FACTS["orders"]
    per_customer = o.groupby("Customer ID").size()
    assert len(per_customer) == FACTS["ordering_customers"]
    assert f"{100 * (per_customer >= 2).mean():.1f}" == FACTS["repeat_pct"]
    refunds = o["Financial Status"].isin(["refunded", "partially_refunded"]).mean()
    assert f"{100 * refunds:.1f}" == FACTS["refund_pct"]
    months = o["Created at"].str[:7].value_counts()
    assert months.idxmax() == "2025-11" and months["2025-11"] == FACTS["nov_orders"]
    assert months.index.min() == "2025-11" and months.index.max() == "2026-10" and len(months) == 12
    assert o["Paid at"].isna().eq(o["Financial Status"].isin(["pending", "voided"])).all()


def test_order_times_carry_the_berlin_offset_zoneinfo_agrees(orders):
    created = orders["Created at"]
    assert created.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0[12]00").all()
    parsed = pd.to_datetime(created, format="%Y-%m-%d %H:%M:%S %z", utc=True)
    berlin = parsed.dt.tz_convert("Europe/Berlin")
    expected = berlin.map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S %z"))
    assert (expected == created).all()
    assert {"+0100", "+0200"} <= set(created.str[-5:])


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)))
def test_berlin_offset_rule_matches_zoneinfo(generator, naive):
    utc = naive.replace(tzinfo=timezone.utc)
    expected = utc.astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).utcoffset() // timedelta(hours=1)
    assert generator.berlin_offset_hours(utc) == expected


# ------------------------------------------------------------------------------------ events
def reference_levels(ev: pd.DataFrame, window: pd.Timedelta | None) -> pd.Series:
    """Deepest funnel step per user, straight from DESIGN.md "Funnel semantics": any page_view at t0
    starts an attempt; each next step is the earliest occurrence at or after the previous matched
    step (greedy is optimal for the non-strict funnel) and no later than t0 + window."""
    f = ev[ev["event"].isin(FUNNEL)].sort_values(["user_id", "ts"], kind="stable")
    step = f["event"].map({s: i for i, s in enumerate(FUNNEL)}).to_numpy()
    t = f["ts"].to_numpy()
    users = f["user_id"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
    w = None if window is None else window.to_timedelta64()
    out = {}
    for a, b in zip(bounds[:-1], bounds[1:]):
        best = 0
        for i in range(a, b):
            if step[i] != 0:
                continue
            level, last = 1, t[i]
            for j in range(i + 1, b):
                if w is not None and t[j] > t[i] + w:
                    break
                if level < len(FUNNEL) and step[j] == level and t[j] >= last:
                    level, last = level + 1, t[j]
            best = max(best, level)
        out[users[a]] = best
    return pd.Series(out)


@pytest.fixture(scope="module")
def levels_7d(events) -> pd.Series:
    return reference_levels(events, pd.Timedelta(days=7))


def test_events_shape(events):
    assert len(events) == FACTS["events"]
    assert events["user_id"].nunique() == FACTS["event_users"]
    assert events["timestamp"].str.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z").all()
    assert set(events["event"]) == set(FUNNEL) | {"remove_from_cart"}
    assert set(events["device"]) == {"mobile", "desktop", "tablet"}
    assert set(events["channel"]) == {"web", "app"}
    assert events.groupby("user_id")[["device", "country", "channel"]].nunique().max().max() == 1
    assert (events["ts"].diff() < pd.Timedelta(0)).sum() > 50              # some rows out of order
    sessions = events.groupby("user_id")["session_id"].nunique()
    assert (sessions > 1).mean() > 0.3 and events.groupby("session_id")["user_id"].nunique().max() == 1
    purchase = events["event"] == "purchase"
    assert events.loc[purchase, "revenue"].gt(0).all() and events.loc[~purchase, "revenue"].isna().all()


def test_funnel_drop_off_matches_reference_implementation(levels_7d):
    counts = tuple(int((levels_7d >= k).sum()) for k in range(1, len(FUNNEL) + 1))
    assert counts == FACTS["funnel_7d"]
    pct = tuple(f"{100 * c / counts[0]:.1f}" for c in counts)
    assert pct[1:] == FACTS["funnel_7d_pct"][1:]
    assert all(a > b for a, b in zip(counts, counts[1:]))


def test_some_users_complete_the_funnel_only_past_a_7_day_window(events, levels_7d):
    unbounded = reference_levels(events, None)
    counts = tuple(int((unbounded >= k).sum()) for k in range(1, len(FUNNEL) + 1))
    assert counts == FACTS["funnel_unbounded"]
    assert counts[-1] > FACTS["funnel_7d"][-1]


def test_mobile_converts_worse_than_desktop(events, levels_7d):
    device = events.groupby("user_id")["device"].first()
    rate = (levels_7d == len(FUNNEL)).groupby(device).mean()
    assert rate["mobile"] < 0.6 * rate["desktop"]


# ------------------------------------------------------------------------------------ experiment
def test_experiment_data_quality_problems_are_there():
    ex = read("experiment_checkout.csv", dtype={"user_id": str})
    assert len(ex) == FACTS["exp_rows"]
    assert int(ex.duplicated().sum()) == FACTS["exp_dups"]
    arms = ex.drop_duplicates().groupby("user_id")["variant"].nunique()
    assert int((arms > 1).sum()) == FACTS["exp_both"]
    assert set(ex["variant"]) == {"control", "one_page_checkout"}
    assert set(ex["converted"]) == {0, 1}
    assert (ex.loc[ex["converted"] == 0, "revenue"] == 0).all() and (ex.loc[ex["converted"] == 1, "revenue"] > 0).all()


def test_experiment_lift_is_significant_with_statsmodels_and_no_srm():
    ex = read("experiment_checkout.csv", dtype={"user_id": str}).drop_duplicates()
    arms = ex.groupby("user_id")["variant"].nunique()
    clean = ex[ex["user_id"].isin(arms.index[arms == 1])]
    g = clean.groupby("variant")["converted"].agg(["size", "sum"])
    assert len(clean) == FACTS["exp_units"]
    assert tuple(g.loc["control"]) == FACTS["exp_control"]
    assert tuple(g.loc["one_page_checkout"]) == FACTS["exp_treatment"]
    _, p = proportions_ztest(g["sum"].to_numpy(), g["size"].to_numpy())
    assert p < 0.05 and f"{p:.3f}" == FACTS["exp_p"]
    assert chisquare(g["size"].to_numpy()).pvalue > 0.5                 # ~50/50 split: no SRM
    _, p_raw = proportions_ztest(*[ex.groupby("variant")["converted"].agg(f).to_numpy() for f in ("sum", "size")])
    assert p_raw < 0.05                                                   # also before cleaning


def test_experiment_units_are_event_users_with_their_real_purchases(events):
    ex = read("experiment_checkout.csv", dtype={"user_id": str}).drop_duplicates(subset="user_id")
    shared = ex[ex["user_id"].isin(events["user_id"])].set_index("user_id")
    assert len(shared) > 1000
    exposed = pd.to_datetime(shared["exposed_at"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    buys = events[(events["event"] == "purchase") & events["user_id"].isin(shared.index)]
    end = pd.Timestamp("2026-10-11 22:00", tz="UTC")
    after = buys[(buys["ts"] >= buys["user_id"].map(exposed).dt.floor("s")) & (buys["ts"] < end)]
    assert set(after["user_id"]) == set(shared.index[shared["converted"] == 1])


# ------------------------------------------------------------------------------------ survey
def nps(scores: pd.Series) -> float:
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_survey_messy_cells_are_there(survey):
    assert len(survey) == FACTS["responses"]
    raw = survey[NPS_Q]
    assert (raw == "N/A").sum() == 1 and (raw == "11").sum() == 1 and 5 <= (raw == "").sum() <= 20
    assert set(survey[CSAT_Q]) <= set(CSAT_LABELS) | {""}
    ces = survey[[c for c in survey.columns if c.startswith("How easy")][0]]
    assert set(ces) <= {str(i) for i in range(1, 8)} | {""}
    assert pd.to_datetime(survey["Submitted"], format="%d.%m.%Y %H:%M").notna().all()
    comments = survey["Anything else you would like to tell us?"]
    assert (comments == '=HYPERLINK("http://x","click")').sum() == 1
    assert comments.str.contains("<script>alert(1)</script>", regex=False).sum() == 1
    assert comments.str.contains("**bold**", regex=False).sum() == 1
    assert comments.str.contains("\n", regex=False).sum() == 1


def test_survey_nps_level_and_monthly_trend(survey):
    scores = pd.to_numeric(survey[NPS_Q], errors="coerce")
    ok = scores.between(0, 10)
    assert f"{nps(scores[ok]):.1f}" == FACTS["nps"] and 25 <= nps(scores[ok]) <= 35
    month = pd.to_datetime(survey["Submitted"], format="%d.%m.%Y %H:%M").dt.to_period("M")
    monthly = scores[ok].groupby(month[ok]).apply(nps)
    assert len(monthly) == 12
    assert f"{monthly.iloc[0]:.1f}" == FACTS["nps_first_month"] and f"{monthly.iloc[-1]:.1f}" == FACTS["nps_last_month"]
    assert spearmanr(np.arange(12), monthly.to_numpy()).statistic > 0.9


# ------------------------------------------------------------------------------------ tickets
def test_tickets_channels_sla_and_satisfaction():
    t = read("tickets_zendesk.csv")
    assert len(t) == FACTS["tickets"] and t["Id"].is_unique
    first = t["First reply time in minutes"]
    assert 0.03 <= first.isna().mean() <= 0.08
    med = first.groupby(t["Via"]).median()
    assert med["Chat"] < 10 and med["Email"] > 360
    assert (first[t["Via"] == "Email"] > 1440).mean() > 0.1
    assert set(t["Satisfaction Score"]) == {"Good", "Bad", "Offered", "Unoffered"}
    rated = t[t["Satisfaction Score"].isin(["Good", "Bad"])]
    bad = (rated["Satisfaction Score"] == "Bad").groupby(rated["First reply time in minutes"] > 1440).mean()
    assert bad[True] > 2 * bad[False]                     # slow first replies get rated Bad more often
    assert pd.to_datetime(t["Created at"], format="%Y-%m-%dT%H:%M:%S%z", utc=True).notna().all()


# ------------------------------------------------------------------------------------ customers and joins
def test_customers_and_cross_file_ids(orders, survey):
    c = read("customers.csv", dtype={"customer_id": str})
    assert len(c) == FACTS["customers"] and c["customer_id"].is_unique and c["email"].is_unique
    assert pd.to_datetime(c["signup_at"], format="%Y/%m/%d").notna().all()
    ordering = set(orders["Customer ID"])
    assert ordering < set(c["customer_id"]) and len(set(c["customer_id"]) - ordering) > 100
    norm = (lambda s: s.str.strip().str.lower())
    assert set(norm(orders["Email"])) <= set(c["email"])          # shared by e-mail once normalized ...
    first_order = pd.to_datetime(orders["Created at"].str[:10]).groupby(orders["Customer ID"]).min()
    signup = pd.to_datetime(c.set_index("customer_id")["signup_at"], format="%Y/%m/%d")
    assert (signup[first_order.index] <= first_order).all()
    assert set(survey["customer_id"]) <= ordering
    assert (norm(survey.set_index("customer_id")["Email"]) == c.set_index("customer_id")["email"].reindex(
        survey["customer_id"])).all()
    tickets = read("tickets_zendesk.csv")
    assert set(norm(tickets["Requester email"])) <= set(c["email"])
    for typed in (orders["Email"], survey["Email"], tickets["Requester email"]):      # ... and typed in mixed case
        assert 0.1 < (typed != norm(typed)).mean() < 0.4
    valid = orders.dropna(subset=["Total"])
    valid = set(valid.loc[valid["Financial Status"].isin(["paid", "refunded", "partially_refunded"]), "Customer ID"])
    ids = set(c["customer_id"])
    assert len(ids - ordering) == FACTS["customers_without_order"]                 # no order at all
    assert len((ids & ordering) - valid) == FACTS["customers_only_voided_or_pending"]
    assert len(ids - valid) == FACTS["customers_without_valid_order"]              # the app's "No orders"


# ------------------------------------------------------------------------------------ exotic files
def test_taobao_file_is_gbk_not_utf8():
    raw = sample("exotic/taobao_orders_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    df = pd.read_csv(sample("exotic/taobao_orders_gbk.csv"), encoding="gbk", dtype=str)
    assert len(df) < 200 and raw.count(b"\r\n") == len(df) + 1
    assert df["订单编号"].str.fullmatch(r'="\d{19}"').all() and df["订单编号"].is_unique
    assert df["实付款"].str.fullmatch(r"￥\d+\.\d\d").all()
    assert set(df["订单状态"]) == {"交易成功", "交易关闭", "等待买家付款", "卖家已发货，等待买家确认"}


def test_ozon_file_is_cp1251_with_decimal_comma():
    raw = sample("exotic/ozon_orders_cp1251.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    df = pd.read_csv(sample("exotic/ozon_orders_cp1251.csv"), encoding="cp1251", sep=";", dtype=str)
    assert len(df) < 200 and set(df["Статус"]) == {"Доставлен", "Отменён", "Доставляется"}
    amounts = pd.to_numeric(df["Сумма отправления"].str.replace("\u00a0", "").str.replace(",", "."))
    assert amounts.gt(0).all() and df["Сумма отправления"].str.contains("\u00a0").any()
    assert pd.to_datetime(df["Принят в обработку"], format="%d.%m.%Y %H:%M:%S").notna().all()


def test_surveymonkey_xlsx_has_two_header_rows_and_merged_question():
    from openpyxl import load_workbook
    ws = load_workbook(sample("exotic/surveymonkey_responses.xlsx")).active
    assert [str(r) for r in ws.merged_cells.ranges] == ["H1:K1"]
    row2 = [c.value for c in ws[2]]
    assert "Response" in row2 and row2[-1] == "Open-Ended Response" and "Other (please specify)" in row2
    df = pd.read_excel(sample("exotic/surveymonkey_responses.xlsx"), header=[0, 1])
    assert 50 <= len(df) < 200
    nps_col = [c for c in df.columns if c[0].startswith("How likely")][0]
    assert df[nps_col].between(0, 10).all()


# ------------------------------------------------------------------------------------ the project's loader
def test_every_default_file_loads_with_its_manifest_role(manifest):
    from cxlib.data.loader import load_path
    for m in (m for m in manifest if m["default"]):
        ds = load_path(sample(m["file"]), role=m["role"])
        assert ds.role == m["role"] and len(ds.df) > 0
        for field in (f for f in ds.df.columns if f in ds.mapping):
            assert ds.df[field].notna().any(), f"{m['file']}: {field} has no usable value"
        time_field = {"orders": "ordered_at", "events": "timestamp", "responses": "answered_at",
                      "tickets": "created_at", "experiment": "exposed_at", "customers": "signup_at",
                      "messages": "sent_at"}[m["role"]]
        assert ds.df[time_field].notna().all(), f"{m['file']}: {time_field} not parsed"
