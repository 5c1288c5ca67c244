"""cxlib.analyses.funnel against a plain-Python reference (tests/funnel_reference.py), hand-checked examples,
and statsmodels/scipy for the statistics."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame
from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.analyses.funnel import FunnelSpec, Step, cli_run, event_counts, funnel
from cxlib.analyses.funnel_breakdown import chi_square
from cxlib.core.durations import format_window, parse_window
from cxlib.core.stats import holm, wilson_ci
from cxlib.data.loader import load_path
from tests.conftest import real_file
from tests.funnel_reference import RefStep, counts, reference_funnel

T0 = pd.Timestamp("2026-03-02 08:00:00", tz="UTC")          # a Monday


def events(rows, **extra_cols) -> Dataset:
    """rows: (user, event, seconds after T0[, extra values...]) -> events Dataset."""
    cols = ["user_id", "event", "sec"] + list(extra_cols)
    df = pd.DataFrame([r + (None,) * (len(cols) - len(r)) for r in rows], columns=cols)
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("sec"), unit="s")
    return from_frame(df, "events")


def spec(*names, window="1h", **kw) -> FunnelSpec:
    return FunnelSpec(tuple(Step.parse(n) for n in names), parse_window(window), **kw)


# ----------------------------------------------------------------------------- hand-checked examples
BY_HAND = [                             # view -> cart -> buy within 1 h: levels a 3, b 2, c 1, e 3
    ("a", "view", 0), ("a", "cart", 10), ("a", "buy", 20),        # full path
    ("b", "view", 0), ("b", "cart", 4000),                         # cart after 1 h -> level 1 ...
    ("b", "view", 3900), ("b", "buy", 3950),                       # ... second view reaches cart: 2
    ("c", "cart", 0), ("c", "view", 5),                            # cart before view: level 1
    ("d", "buy", 0),                                               # never viewed: not counted
    ("e", "view", 0), ("e", "search", 1), ("e", "cart", 1), ("e", "buy", 1),   # ties + interleaving
]


def test_default_counts_furthest_step_from_any_start_by_hand():
    ds = events(BY_HAND)
    res = funnel(ds, spec("view", "cart", "buy"))
    assert res.units == (4, 3, 2)
    f = res.to_frame()
    assert f["drop_off"].tolist() == [0, 1, 1]
    assert f["conversion_from_previous"].tolist() == pytest.approx([1, 0.75, 2 / 3])
    assert res.dropped_at(2)["user_id"].tolist() == ["b"]
    assert res.dropped_at(1)["user_id"].tolist() == ["c"]


def test_window_is_inclusive_and_measured_from_step_one_by_hand():
    ds = events([("a", "view", 0), ("a", "cart", 30), ("a", "buy", 60),
                 ("b", "view", 0), ("b", "cart", 30), ("b", "buy", 61)])
    assert funnel(ds, spec("view", "cart", "buy", window="60s")).units == (2, 2, 1)


def test_strict_order_breaks_on_another_funnel_step_by_hand():
    ds = events([
        ("a", "view", 0), ("a", "buy", 5), ("a", "cart", 10), ("a", "buy", 20),   # buy between view, cart
        ("b", "view", 0), ("b", "view", 5), ("b", "cart", 10), ("b", "buy", 20),  # repeat of view: fine
        ("c", "view", 0), ("c", "search", 5), ("c", "cart", 10), ("c", "buy", 20),  # non-step event: fine
        ("d", "view", 0), ("d", "cart", 10), ("d", "buy", 10),                     # same instant: fine
    ])
    assert funnel(ds, spec("view", "cart", "buy")).units == (4, 4, 4)
    strict = funnel(ds, spec("view", "cart", "buy", order="strict"))
    assert strict.units == (4, 3, 3)
    assert strict.dropped_at(1)["user_id"].tolist() == ["a"]


def test_first_touch_start_uses_only_first_step_one_by_hand():
    ds = events([("a", "view", 0), ("a", "view", 7200), ("a", "cart", 7300),
                 ("b", "view", 0), ("b", "cart", 100)])
    assert funnel(ds, spec("view", "cart")).units == (2, 2)
    assert funnel(ds, spec("view", "cart", start="first")).units == (2, 1)


def test_exclusion_drops_attempts_with_the_event_between_steps_by_hand():
    ds = events([
        ("a", "view", 0), ("a", "cart", 10), ("a", "remove", 15), ("a", "buy", 20),  # excluded entirely
        ("b", "view", 0), ("b", "cart", 10), ("b", "buy", 20), ("b", "remove", 30),  # after the path: kept
        ("c", "view", 0), ("c", "remove", 5), ("c", "cart", 10),                      # excluded attempt ...
        ("c", "view", 100),                                                         # ... a later one: level 1
    ])
    res = funnel(ds, spec("view", "cart", "buy", exclude=Step("remove")))
    assert res.units == (2, 1, 1)
    assert res.excluded_units == 1
    assert any("excluded" in w for w in res.warnings)
    assert res.dropped_at(1)["user_id"].tolist() == ["c"]


def test_exclusion_keeps_an_earlier_shorter_attempt_by_hand():
    # d: view@0 alone reaches only step 1 (cart@8 is past the 5 s window) and is kept; view@5 reaches
    # cart but remove@6 is between them, so it is dropped. e: the first views are excluded, the
    # kept attempt is the later view@3 (level 1), so its path starts at 3, not at the first view.
    ds = events([("d", "view", 0), ("d", "view", 5), ("d", "remove", 6), ("d", "cart", 8),
                 ("e", "view", 0), ("e", "view", 0), ("e", "remove", 1), ("e", "cart", 2), ("e", "view", 3)])
    res = funnel(ds, spec("view", "cart", window="5s", exclude=Step("remove")))
    assert res.units == (2, 0)
    assert res.excluded_units == 0
    starts = res.dropped_at(1).set_index("user_id")["step1_at"]
    assert (starts - T0).dt.total_seconds().to_dict() == {"d": 0.0, "e": 3.0}


def test_session_funnel_counts_sessions_by_hand():
    ds = events([("a", "view", 0, "s1"), ("a", "cart", 10, "s2"),
                 ("a", "view", 20, "s2"), ("a", "cart", 30, "s2"), ("b", "view", 0, "s9"),
                 ("b", "cart", 5, None)], session_id=None)
    assert funnel(ds, spec("view", "cart")).units == (2, 2)
    res = funnel(ds, spec("view", "cart", unit="session"))
    assert res.units == (3, 1)
    assert res.unit_name == "sessions"
    assert set(res.dropped_at(1)["session_id"]) == {"s1", "s9"}


def test_property_filter_step_by_hand():
    ds = events([("a", "page_view", 0, "/"), ("a", "page_view", 10, "/checkout"), ("a", "buy", 20, None),
                 ("b", "page_view", 0, "/"), ("b", "page_view", 10, "/help"), ("b", "buy", 20, None)], page=None)
    res = funnel(ds, spec("page_view", "page_view[page=/checkout]", "buy"))
    assert res.units == (2, 1, 1)
    assert res.steps[1] == "page_view (page = /checkout)" and not any("spelling" in w for w in res.warnings)
    typo = funnel(ds, spec("page_view", "page_view[page=/chekout]", "buy"))
    assert typo.units == (2, 0, 0)
    assert "No 'page_view' event has page = /chekout (step 2); check the value's spelling." in typo.warnings


def test_time_to_convert_quantiles_and_histogram_by_hand():
    # view -> cart after 10, 20, 30, 40, 100 seconds
    ds = events([(u, e, s) for i, d in enumerate([10, 20, 30, 40, 100])
                 for u, e, s in ((f"u{i}", "view", 0), (f"u{i}", "cart", d))])
    res = funnel(ds, spec("view", "cart"))
    ttc = res.time_to_convert().iloc[0]
    # linear interpolation by hand on 10, 20, 30, 40, 100: p75 = 40, p90 = 40 + .6*60, p95 = 40 + .8*60
    assert (ttc["median_s"], ttc["p75_s"], ttc["p90_s"], ttc["p95_s"]) == pytest.approx((30, 40, 76, 88))
    hist = res.time_histogram(2, 25)
    assert hist["units"].tolist() == [2, 2, 0, 0, 1]
    assert hist["bin_start_s"].tolist() == [0, 25, 50, 75, 100]
    capped = res.time_histogram(2, 25, max_bins=2)            # 100 s is beyond 2 bins: the last bin
    assert capped["units"].tolist() == [2, 2, 1] and capped["overflow"].tolist() == [False, False, True]
    assert capped["bin_end_s"].iloc[-1] == 100 and str(capped["label"].iloc[-1]) == "50 s or more"
    readable = res.time_histogram(2)                          # under 10 s, 10-30 s, 30 s-1 min, 1-2 min
    assert readable["units"].tolist() == [0, 2, 2, 1]
    assert [str(x) for x in readable["label"]] == ["under 10 s", "10 s to 30 s", "30 s to 1 min", "1 min to 2 min"]
    view = res.time_to_convert_view().iloc[0]
    assert (view["From"], view["To"], view["Users"], str(view["Median"]), str(view["95th percentile"])) == (
        "1. view", "2. cart", 5, "30 s", "1.5 min")


@pytest.mark.parametrize("seconds, text", [(29.2, "29 s"), (60, "1 min"), (90, "1.5 min"), (3599, "60 min"),
                                           (3600, "1 h"), (5400, "1.5 h"), (86400, "1 d"), (205619.44, "2.4 d"),
                                           (150 * 86400, "150 d"), (float("nan"), "n/a")])
def test_durations_read_in_their_unit(seconds, text):
    from cxlib.core.durations import duration_text
    assert str(duration_text(seconds)) == text


def test_default_steps_follow_the_shop_path_to_purchase():
    from cxlib.analyses.funnel import default_steps
    by_frequency = ["page_view", "view_item", "add_to_cart", "remove_from_cart", "begin_checkout", "purchase"]
    assert default_steps(by_frequency) == ["page_view", "view_item", "add_to_cart", "begin_checkout", "purchase"]
    assert default_steps(["open", "tap", "pay", "close", "share"]) == ["open", "tap", "pay", "close"]
    many = ["page_view", "session_start", "view_item", "view_item_list", "select_item", "add_to_cart", "view_cart",
            "begin_checkout", "add_shipping_info", "add_payment_info", "purchase"]
    steps = default_steps(many)
    assert len(steps) == 8 and steps[0] == "session_start" and steps[-1] == "purchase"


def test_biggest_drop_off_by_hand():
    # 4 users view, 3 add to cart, 1 buys: view -> cart loses 1 of 4 (25 %), cart -> buy 2 of 3 (66.7 %)
    ds = events([("a", "view", 0), ("a", "cart", 1), ("a", "buy", 2), ("b", "view", 0), ("b", "cart", 1),
                 ("c", "view", 0), ("c", "cart", 1), ("d", "view", 0)])
    res = funnel(ds, spec("view", "cart", "buy"))
    d = res.biggest_drop_off()
    assert (d.step_index, d.step, d.next_step, d.reached, d.lost) == (2, "cart", "buy", 3, 2)
    assert d.share == pytest.approx(2 / 3)
    assert res.drop_off_sentence() == ("The biggest drop-off is after cart: 2 of 3 users (66.7%) did not go on "
                                       "to buy.")
    assert funnel(ds, spec("view", "view")).biggest_drop_off() is None


def test_breakdown_uses_value_on_first_step_one_event_and_groups_other_by_hand():
    ds = events([("a", "view", 0, "mobile"), ("a", "view", 5, "desktop"), ("a", "buy", 9, "desktop"),
                 ("b", "view", 0, "desktop"), ("c", "view", 0, None), ("c", "buy", 1, None),
                 ("d", "view", 0, "tv"), ("e", "view", 0, "desktop")], device=None)
    res = funnel(ds, spec("view", "buy", by="device"))
    got = res.to_json()["breakdown"]
    assert got == {"desktop": [2, 0], "(missing)": [1, 1], "mobile": [1, 1], "tv": [1, 0]}
    top = funnel(ds, spec("view", "buy", by="device", top_n=1)).to_json()
    assert top["breakdown"] == {"desktop": [2, 0], "Other": [3, 2]}
    assert any("grouped as 'Other'" in w for w in top["warnings"])


def test_breakdown_value_ties_at_the_same_instant_take_the_earlier_row():
    ds = events([("a", "view", 0, "tablet"), ("a", "view", 0, "desktop"), ("b", "view", 0, "desktop"),
                 ("b", "view", 0, "tablet")], device=None)
    assert funnel(ds, spec("view", "buy", by="device")).paths.set_index("user_id")["value"].to_dict() == {
        "a": "tablet", "b": "desktop"}


def test_timestamps_outside_usable_years_are_refused():
    df = pd.DataFrame({"user_id": ["a", "a"], "event": ["view", "buy"],
                       "timestamp": pd.to_datetime(["2026-01-01", "2999-01-01"], utc=True).as_unit("us")})
    with pytest.raises(CxDataError, match="outside the years"):
        funnel(from_frame(df, "events"), spec("view", "buy"))


def test_breakdown_tests_match_scipy_and_statsmodels():
    rng = np.random.default_rng(7)
    rows = []
    for i in range(600):
        dev = ["desktop", "mobile", "tablet"][i % 3]
        rows.append((f"u{i}", "view", 0, dev))
        if rng.random() < {"desktop": 0.5, "mobile": 0.35, "tablet": 0.45}[dev]:
            rows.append((f"u{i}", "buy", 60, dev))
    res = funnel(events(rows, device=None), spec("view", "buy", by="device"))
    b = res.breakdown.pivot(index="value", columns="step_index", values="units")
    table = np.column_stack([b[2], b[1] - b[2]])
    chi2, p, dof, _ = chi2_contingency(table, correction=False)
    assert (res.test.chi2, res.test.p_value, res.test.dof) == pytest.approx((chi2, p, dof))
    pw = res.test.pairwise
    raw = [chi2_contingency(table[[b.index.get_loc(r.a), b.index.get_loc(r.b)]], correction=False)[1]
           for r in pw.itertuples()]
    assert pw["p_value"].tolist() == pytest.approx(raw)
    assert pw["p_holm"].tolist() == pytest.approx(multipletests(raw, method="holm")[1].tolist())


def test_trend_by_day_and_week_by_hand():
    ds = events([("a", "view", 0), ("a", "buy", 10), ("b", "view", 86400), ("c", "view", 86400 + 5),
                 ("c", "buy", 86400 + 6), ("d", "view", 7 * 86400)])
    day = funnel(ds, spec("view", "buy")).trend()
    assert day["units"].tolist() == [1, 2, 1] and day["converted"].tolist() == [1, 1, 0]
    assert day["period"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-02", "2026-03-03", "2026-03-09"]
    week = funnel(ds, spec("view", "buy", period="week")).trend()
    assert week.equals(funnel(ds, spec("view", "buy")).trend("week"))
    assert week["units"].tolist() == [3, 1] and week["rate"].tolist() == pytest.approx([2 / 3, 0])


# ----------------------------------------------------------------------------- statistics vs libraries
@pytest.mark.parametrize("x,n", [(0, 10), (3, 10), (10, 10), (1, 1), (47, 1000), (999, 1000)])
def test_wilson_ci_matches_statsmodels(x, n):
    lo, hi = wilson_ci(x, n)
    assert (float(lo), float(hi)) == pytest.approx(proportion_confint(x, n, method="wilson"), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=12))
def test_holm_matches_statsmodels(p):
    assert holm(np.array(p)).tolist() == pytest.approx(multipletests(p, method="holm")[1].tolist())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 60)), min_size=2, max_size=6))
def test_chi_square_matches_scipy(rows):
    table = np.array(rows)
    chi2, dof, p, _ = chi_square(table)
    ref = chi2_contingency(table, correction=False)
    assert (chi2, p, dof) == pytest.approx((ref[0], ref[1], ref[2]))


# ----------------------------------------------------------------------------- reference on random logs
EVENTS = ("a", "b", "c", "x")


@st.composite
def logs(draw):
    n = draw(st.integers(1, 28))
    rows = [(f"u{draw(st.integers(0, 3))}", draw(st.sampled_from(EVENTS)), draw(st.integers(0, 12)),
             draw(st.sampled_from(["/", "/c", None])), draw(st.sampled_from(["m", "d", None])),
             draw(st.sampled_from(["s1", "s2", None]))) for _ in range(n)]
    rows += draw(st.lists(st.sampled_from(rows), max_size=4))         # exact duplicates
    rows = draw(st.permutations(rows))                                 # out-of-order rows
    return rows


STEP = st.tuples(st.sampled_from(EVENTS[:3]), st.sampled_from([None, "/", "/c"]))


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs(), steps=st.lists(STEP, min_size=2, max_size=4), window=st.integers(0, 10),
       order=st.sampled_from(["any", "strict"]), start=st.sampled_from(["any", "first"]),
       unit=st.sampled_from(["user", "session"]), exclude=st.sampled_from([None, "x", "c"]))
def test_funnel_matches_plain_python_reference(rows, steps, window, order, start, unit, exclude):
    df = pd.DataFrame(rows, columns=["user_id", "event", "sec", "page", "device", "session_id"])
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("sec"), unit="s")
    assume(unit == "user" or df["session_id"].notna().any())      # else: CxDataError, tested elsewhere
    ds = from_frame(df, "events")
    fsteps = tuple(Step(e) if p is None else Step(e, "page", p) for e, p in steps)
    ex = Step(exclude) if exclude else None
    res = funnel(ds, FunnelSpec(fsteps, float(window), order=order, start=start, unit=unit, exclude=ex,
                                by="device"))
    ref = reference_funnel(df, [RefStep(s.event, s.prop, s.value) for s in fsteps], window * 10**6,
                           order=order, start=start, unit=unit, exclude=RefStep(exclude) if exclude else None,
                           by="device")
    assert list(res.units) == counts(ref, len(fsteps))
    assert res.excluded_units == sum(u.level is None for u in ref.values())
    # the path of every unit: level, step times, breakdown value
    p = res.paths
    keys = list(zip(p["user_id"], p["session_id"])) if unit == "session" else [(u,) for u in p["user_id"]]
    got = {}
    for key, row in zip(keys, p.itertuples()):
        times = tuple(int(getattr(row, f"t{j}").value // 1000) for j in range(1, row.level + 1))
        got[key] = (row.level, times, row.value)
    want = {k: (u.level, u.times, u.value) for k, u in ref.items() if u.level is not None}
    assert got == want


# ----------------------------------------------------------------------------- files, CLI, errors
def test_ga4_shaped_export_with_microseconds_matches_reference(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    base = 1_767_225_600_000_000                                        # 2026-01-01, microseconds
    users = rng.integers(0, 150, n)
    df = pd.DataFrame({
        "event_date": "20260101",
        "event_timestamp": base + users * 1_000_000 + rng.integers(0, 5_000, n),   # many µs-close events
        "event_name": rng.choice(["session_start", "page_view", "view_item", "add_to_cart", "purchase"], n),
        "user_pseudo_id": [f"{1_000_000_000 + u}.{1_700_000_000 + u}" for u in users],
        "device.category": rng.choice(["desktop", "mobile"], n),
    }).sample(frac=1, random_state=1)
    path = tmp_path / "ga4_export.csv"
    df.to_csv(path, index=False)
    try:                                                               # the file itself, through the loader
        ds = load_path(path, role="events")
    except CxNeedsMapping:
        pytest.skip("this schema version does not recognize GA4 exports")
    assert ds.mapping["timestamp"] == "event_timestamp"
    # the oracle reads the raw CSV itself: integer microseconds, no cxlib parsing
    raw = pd.read_csv(path, dtype={"user_pseudo_id": str})
    canon = pd.DataFrame({"user_id": raw["user_pseudo_id"], "event": raw["event_name"],
                          "timestamp": pd.to_datetime(raw["event_timestamp"], unit="us", utc=True),
                          "device": raw["device.category"]})
    steps = ("page_view", "view_item", "add_to_cart", "purchase")
    res = funnel(ds, FunnelSpec(tuple(map(Step, steps)), 0.002, by="device.category"))   # a 2 ms window
    ref = reference_funnel(canon, [RefStep(s) for s in steps], 2_000, by="device")
    assert list(res.units) == counts(ref, 4)
    assert res.units[-1] > 0 and res.units[1] < res.units[0]
    assert res.to_json()["breakdown"] == {
        v: [sum(1 for u in ref.values() if u.value == v and u.level >= j) for j in range(1, 5)]
        for v in ("desktop", "mobile")}


def test_real_rees46_sample_matches_reference():
    path = real_file("rees46_events", "2019-Oct-sample.csv")
    raw = pd.read_csv(path, dtype=str)
    df = pd.DataFrame({"user_id": raw["user_id"], "event": raw["event_type"],
                       "timestamp": pd.to_datetime(raw["event_time"].str.replace(" UTC", ""), utc=True),
                       "session_id": raw["user_session"], "brand": raw["brand"]})
    ds = from_frame(df, "events")
    steps = ("view", "cart", "purchase")
    for unit in ("user", "session"):
        res = funnel(ds, FunnelSpec(tuple(map(Step, steps)), 3600.0, unit=unit, by="brand"))
        ref = reference_funnel(df, [RefStep(s) for s in steps], 3600 * 10**6, unit=unit, by="brand")
        assert list(res.units) == counts(ref, 3)
        assert res.units[0] > 100


def test_cli_json_contract_and_source_names(tmp_path, contract_problems):
    csv = tmp_path / "events.csv"
    csv.write_text("user_id,event,timestamp,device\n" + "".join(
        f"u{i},{e},2026-01-01 10:0{j}:00,{'mobile' if i % 2 else 'desktop'}\n"
        for i in range(6) for j, e in enumerate(["page_view", "add_to_cart", "purchase"][: 1 + i % 3])))
    assert contract_problems("funnel", str(csv), "--steps", "page_view,add_to_cart,purchase",
                             "--window", "7d", "--by", "device") == []


def test_cli_run_accepts_file_column_names_and_event_case():
    df = pd.DataFrame({"user_id": ["a", "a", "b"], "event": ["View", "Buy", "View"],
                       "timestamp": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 10:05", "2026-01-01 11:00"]),
                       "Device Type": ["m", "m", "d"]})
    base = from_frame(df.rename(columns={"Device Type": "device"}), "events")
    ds = Dataset(base.name, "events", base.df, {**base.mapping, "device": "Device Type"})

    class Args:
        steps, window, by, top = "view,BUY", "1h", "Device Type", 10
        order, start, unit, exclude = "any", "any", "user", None
    out = cli_run(ds, Args(), None)
    assert out["users"] == [2, 1] and out["conversion_pct"] == [100.0, 50.0]
    assert out["breakdown"] == {"d": [1, 0], "m": [1, 1]}
    assert json.loads(json.dumps(out, default=str))["time_to_convert"][0]["median_s"] == 300


def test_event_counts_most_frequent_first():
    ds = events([("a", "view", 0), ("b", "view", 0), ("a", "buy", 1), ("c", None, 2)])
    assert event_counts(ds).to_dict(orient="list") == {"event": ["view", "buy"], "events": [2, 1]}


def test_missing_event_warns_and_counts_zero():
    res = funnel(events([("a", "view", 0)]), spec("view", "checkout"))
    assert res.units == (1, 0)
    assert any("'checkout' never occurs" in w for w in res.warnings)
    assert any("very uncertain" in w for w in res.warnings)
    assert res.time_to_convert()["n"].tolist() == [0]


@pytest.mark.parametrize("call,match", [
    (lambda ds: funnel(ds, spec("view")), "at least two steps"),
    (lambda ds: funnel(ds, spec("view", "buy", unit="session")), "session_id"),
    (lambda ds: funnel(ds, spec("view", "buy", by="nope")), "no column 'nope'"),
    (lambda ds: funnel(ds, spec("view", "buy", window="soon")), "window"),
    (lambda ds: funnel(ds, spec("view", "buy")).dropped_at(2), "no drop-off after step 2"),
    (lambda ds: funnel(ds, spec("view", "buy")).time_histogram(2, 0), "bin width"),
])
def test_misuse_raises_cx_data_error_with_a_fix(call, match):
    with pytest.raises(CxDataError, match=match):
        call(events([("a", "view", 0), ("a", "buy", 5)]))


def test_orders_dataset_is_refused():
    orders = from_frame(pd.DataFrame({"customer_id": ["a"], "ordered_at": ["2026-01-01"],
                                              "amount": [1.0]}), "orders")
    with pytest.raises(CxDataError, match="events file"):
        funnel(orders, spec("view", "buy"))


def test_spec_json_round_trip_and_one_sentence():
    s = FunnelSpec((Step("page_view"), Step("page_view", "page", "/checkout"), Step("purchase")),
                   parse_window("2d"), order="strict", start="first", unit="session",
                   exclude=Step("remove_from_cart"), by="device", top_n=5, period="week")
    assert FunnelSpec.from_json(json.loads(json.dumps(s.to_json()))) == s
    text = s.describe()
    assert text.count(".") == 1 and text.endswith(".")
    assert "2 days" in text and "page = /checkout" in text and "remove_from_cart" in text


@pytest.mark.parametrize("text,seconds", [("7d", 604800), ("12h", 43200), ("30m", 1800), ("90s", 90),
                                          ("2w", 1209600), ("1.5h", 5400), (45, 45)])
def test_parse_window(text, seconds):
    assert parse_window(text) == seconds


def test_format_window_and_step_parse():
    assert format_window(86400) == "1 day" and format_window(5400) == "90 minutes"
    assert Step.parse(" page_view [ page = /checkout ] ") == Step("page_view", "page", "/checkout")
    with pytest.raises(CxDataError):
        Step.parse("[x=1]")


def test_summary_is_short_text_with_counts():
    res = funnel(events([("a", "view", 0), ("a", "buy", 5), ("b", "view", 0)]), spec("view", "buy"))
    assert res.summary() == "Funnel of 2 users: view: 2 (100.0%) -> buy: 1 (50.0%)."
    empty = funnel(events([("a", "buy", 5)]), spec("view", "buy"))
    assert empty.summary() == "Funnel of 0 users: view: 0 -> buy: 0."
    assert empty.to_json()["conversion_pct"] == [None, None]


def test_result_pickles_without_the_event_table_and_keeps_its_paths():
    # Streamlit's cache pickles results: the per-unit ids are read from the events then, and the
    # event table itself is not part of the pickle
    import pickle
    rows = [(f"u{i}", "view", i) for i in range(200)] + [(f"u{i}", "cart", i + 1) for i in range(0, 200, 2)]
    res = funnel(events(rows), spec("view", "cart"))
    back = pickle.loads(pickle.dumps(res))
    assert back.per_unit._source is None
    pd.testing.assert_frame_equal(back.paths, res.paths)
    converted = set(back.paths.loc[back.paths["level"] == 2, "user_id"])
    assert converted == {f"u{i}" for i in range(0, 200, 2)}


# ----------------------------------------------------------------------------- translatable text
def test_definition_sentence_is_whole_templates_per_variant():
    from cxlib.core.messages import Msg, translate
    s = spec("view", "page_view[page=/checkout]", "buy", window="2d", order="strict", start="first", by="device")
    text = s.describe()
    assert isinstance(text, Msg) and text.template == "{main}; broken down by {field} on the first {event}."
    main = text.params["main"]
    assert main.template == ("Unique users who did {path} in this order within {window} of their first {event}, "
                             "with no other funnel step in between")
    assert main.params["window"].template == "{count} days" and main.params["window"].params == {"count": 2}
    step = main.params["path"].params["rest"].params["first"]
    assert step.template == "'{event}' where {property} = {value}" and step.params["value"] == "/checkout"
    # a translation of each whole template, event names and values left as they are
    catalog = {text.template: "{main}; по {field}.", main.template: "Сессии: {path} за {window} от {event}",
               "{first} -> {rest}": "{first} → {rest}", "{count} days": "{count} дн.", "'{event}'": "«{event}»",
               "'{event}' where {property} = {value}": "«{event}» при {property} = {value}"}
    assert translate(text, lambda m: catalog.get(m, m)) == (
        "Сессии: «view» → «page_view» при page = /checkout → «buy» за 2 дн. от view; по device.")
    assert format_window(3600).template == "{count} hour" and format_window(90).template == "{seconds:g} seconds"


def test_warnings_and_summary_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    res = funnel(events([("a", "view", 0), ("a", "buy", 5), ("b", "view", 0)]), spec("view", "buy", "nothing"))
    absent = next(w for w in res.warnings if "never occurs" in w)
    assert isinstance(absent, Msg) and absent.params == {"event": "nothing"}
    few = next(w for w in res.warnings if "very uncertain" in w)
    assert few.template == "Only {count} users reached step 1: conversion rates are very uncertain."
    text = res.summary()
    assert text.template == "Funnel of {count:,} users: {path}." and text.params["count"] == 2
    assert text.params["path"].params["first"].params == {"step": "view", "units": 2, "percent": 100.0}
    ds = events([(f"u{i}", "view", 0, "ios" if i % 2 else "web") for i in range(40)]
                + [(f"u{i}", "buy", 9, None) for i in range(0, 40, 3)], device=None)
    by = funnel(ds, spec("view", "buy", by="device", top_n=1))
    other = next(w for w in by.warnings if "grouped as" in w)
    assert other.params["other"] == "Other" and isinstance(other.params["other"], Msg)    # the label, translated
    assert by.summary().template == "{first} {second}"          # the chi-square sentence is a sentence of its own


def test_breakdown_where_no_unit_reaches_step_one_gives_an_empty_table_and_chart():
    import cxlib as cx
    from cxlib.present.charts_funnel import breakdown_chart      # imports cxlib.analyses.funnel first: cx.funnel stays callable
    from pathlib import Path
    ds = cx.load(str(Path(__file__).resolve().parents[1] / "sample_data" / "events.csv"))
    res = cx.funnel(ds, FunnelSpec.from_json({"steps": ["page_view[page=/nowhere]", "purchase"], "by": "device"}))
    assert res.breakdown.empty and list(res.breakdown.columns)[:2] == ["value", "step_index"]
    assert res.to_json()["breakdown"] == {}
    assert breakdown_chart(res).to_dict()["mark"]["type"] == "bar"
