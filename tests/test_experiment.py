"""cxlib.analyses.experiment: data checks, per-variant results, verdicts, events join and the abtest CLI.

Numbers are checked against independent computations (plain pandas counts, scipy, statsmodels)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from cxlib.analyses import experiment as ex
from cxlib.analyses import experiment_events as exe, experiment_units as exu, experiment_words as exw
from cxlib.data.loader import from_frame
from cxlib.data.dataset import Dataset
from cxlib.core.errors import CxDataError

ROOT = Path(__file__).resolve().parents[1]
AB_DATA = Path(__file__).resolve().parents[2] / "shared/data/real/ab_data/ab_data.csv.gz"
TOOLS = Path(__file__).resolve().parents[2] / "shared/tools"


def exp_ds(rows: list[tuple], columns=("unit_id", "variant", "converted")) -> Dataset:
    return from_frame(pd.DataFrame(rows, columns=list(columns)), "experiment")


def simulated(n=4000, lift=5.0, seed=1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    variant = np.where(rng.random(n) < 0.5, "control", "treatment")
    pre = rng.gamma(1, 50, n) * (rng.random(n) < 0.6)
    revenue = np.maximum(0, 0.8 * pre + rng.normal(0, 20, n) + (variant == "treatment") * lift)
    df = pd.DataFrame({"unit_id": [f"u{i}" for i in range(n)], "variant": variant, "revenue": revenue,
                       "converted": (revenue > 0) * 1.0, "exposed_at": pd.Timestamp("2024-02-01", tz="UTC")})
    return df, pre


# ------------------------------------------------------------------ data checks

def test_units_in_both_variants_are_counted_and_excluded():
    ds = exp_ds([("u1", "A", 1), ("u1", "B", 0), ("u2", "A", 0), ("u3", "B", 1), ("u4", "A", 1), ("u5", "B", 0)])
    res = ex.analyze(ds)
    assert res.checks.units_in_multiple_variants == 1 and res.checks.rows_in_multiple_variants == 2
    assert dict(res.checks.observed) == {"A": 2, "B": 2}
    assert res.to_json()["users_in_multiple_variants"] == 1
    assert any("more than one variant" in w for w in res.warnings)


def test_duplicate_rows_and_repeated_units_are_collapsed():
    ds = exp_ds([("u1", "A", 0), ("u1", "A", 0), ("u1", "A", 1), ("u2", "A", 0), ("u3", "B", 1), ("u3", "B", 1),
                 (None, "B", 1), ("u9", None, 1)])
    res = ex.analyze(ds)
    ch = res.checks
    assert (ch.rows, ch.rows_missing_unit_or_variant, ch.duplicate_rows, ch.units_with_several_rows) == (8, 2, 2, 1)
    a = res.variants[0]
    assert (a.name, a.users, a.conversions) == ("A", 2, 1)          # u1 converted in one of its rows


def test_srm_flag_makes_the_verdict_untrustworthy():
    rows = [(f"a{i}", "A", int(i < 50)) for i in range(1000)] + [(f"b{i}", "B", int(i < 70)) for i in range(1200)]
    res = ex.analyze(exp_ds(rows))
    expected = stats.chisquare([1000, 1200]).pvalue
    assert res.checks.srm_p_value == pytest.approx(expected) and expected < 0.001
    assert res.checks.srm_flag and not res.trustworthy
    assert res.verdict.startswith("Not trustworthy") and "sample ratio mismatch" in res.verdict
    assert res.to_json()["srm"] == {"p_value": pytest.approx(expected), "flag": True, "observed": {"A": 1000, "B": 1200},
                                    "expected_split": {"A": 0.5, "B": 0.5}}


def test_intended_split_removes_the_srm_flag():
    rows = [(f"a{i}", "A", int(i < 50)) for i in range(1000)] + [(f"b{i}", "B", int(i < 70)) for i in range(1500)]
    res = ex.analyze(exp_ds(rows), split=(("A", 40), ("B", 60)))
    assert res.checks.srm_p_value == pytest.approx(1.0) and not res.checks.srm_flag


def test_missing_variant_of_the_intended_split_is_reported():
    res = ex.analyze_counts({"A": (1000, 40), "B": (1000, 50)}, split=(("A", 1), ("B", 1), ("C", 1)))
    assert res.checks.missing_variants == ("C",) and res.checks.srm_flag
    assert any("C" in w and "no users" in w for w in res.warnings)


# ------------------------------------------------------------------ numbers

def test_conversion_results_match_statsmodels_and_the_verdict_quotes_them():
    res = ex.analyze_counts({"old": (25000, 1025), "new": (25000, 1155)}, control="old")
    z, p = proportions_ztest([1155, 1025], [25000, 25000])
    c = res.comparisons[0]
    assert c.p_value == pytest.approx(p) and c.significant
    assert res.variants[0].rate == pytest.approx(0.041)
    assert res.verdict.startswith("new raised conversion from 4.10 % to 4.62 % (+12.7 %). The true change is "
                                  "likely between +")
    assert f"(p-value = {p:.3f}, score test; significant at 5 %)" in res.verdict
    assert res.decision.call == "ship" and res.decision.sentence.startswith("Ship new, because")


def test_holm_applies_with_three_variants():
    res = ex.analyze_counts({"A": (10000, 400), "B": (10000, 470), "C": (10000, 455)})
    ps = [proportions_ztest([cb, 400], [10000, 10000])[1] for cb in (470, 455)]
    from statsmodels.stats.multitest import multipletests
    adj = multipletests(ps, method="holm")[1]
    assert [c.p_value_adjusted for c in res.comparisons] == pytest.approx(list(adj))
    assert [c.significant for c in res.comparisons] == [bool(x < 0.05) for x in adj]
    assert any("Holm" in c for c in res.caveats)


def test_revenue_welch_and_mann_whitney_match_scipy():
    df, _ = simulated()
    res = ex.analyze(from_frame(df, "experiment"), metric="revenue")
    a = df.loc[df.variant == "control", "revenue"].to_numpy()
    b = df.loc[df.variant == "treatment", "revenue"].to_numpy()
    c = res.comparisons[0]
    assert c.test.abs_lift == pytest.approx(b.mean() - a.mean())
    assert c.p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue, rel=1e-9)
    assert c.mann_whitney_p == pytest.approx(stats.mannwhitneyu(b, a).pvalue, rel=1e-9)
    assert res.variants[1].revenue_per_user == pytest.approx(b.mean())


def test_winsorization_caps_at_the_pooled_percentile():
    df, _ = simulated()
    res = ex.analyze(from_frame(df, "experiment"), metric="revenue", winsorize_pct=95)
    cap = np.percentile(df.revenue, 95)
    capped = np.minimum(df.revenue, cap)
    assert res.variants[0].value == pytest.approx(capped[df.variant == "control"].mean())
    assert any("capped" in w for w in res.warnings)


def test_cuped_uses_pre_period_orders_only_and_matches_hand_computation():
    df, pre = simulated()
    orders = pd.DataFrame({"customer_id": list(df.unit_id) * 2,
                           "ordered_at": [pd.Timestamp("2024-01-10", tz="UTC")] * len(df)
                           + [pd.Timestamp("2024-03-01", tz="UTC")] * len(df),     # after exposure: ignored
                           "amount": np.concatenate([pre, np.full(len(df), 999.0)])})
    res = ex.analyze(from_frame(df, "experiment"), metric="revenue",
                     orders=from_frame(orders, "orders"))
    y, x = df.revenue.to_numpy(), pre
    theta = np.cov(y, x)[0, 1] / np.var(x, ddof=1)
    adj = y - theta * (x - x.mean())
    assert res.cuped.theta == pytest.approx(theta)
    assert res.cuped.variance_reduction == pytest.approx(1 - adj.var(ddof=1) / y.var(ddof=1))
    assert res.cuped.variance_reduction > 0.5
    t = df.variant == "treatment"
    plain = stats.ttest_ind(adj[t], adj[~t], equal_var=False)
    assert res.comparisons[0].p_value == pytest.approx(plain.pvalue, rel=1e-9)
    assert any("CUPED" in c for c in res.caveats)


def test_aov_is_a_user_level_delta_method_ratio():
    df = pd.DataFrame({"unit_id": [f"u{i}" for i in range(8)], "variant": ["A"] * 4 + ["B"] * 4,
                       "revenue": [0, 30, 50, 20, 0, 0, 90, 60], "orders": [0, 1, 2, 1, 0, 0, 2, 1],
                       "converted": [0, 1, 1, 1, 0, 0, 1, 1]})
    res = ex.analyze(from_frame(df, "experiment"), metric="aov")
    assert res.variants[0].value == pytest.approx(100 / 4) and res.variants[1].value == pytest.approx(150 / 3)
    assert res.comparisons[0].test.test == "delta-method t-test"


def test_bayesian_option_reports_chance_to_beat_and_loss():
    res = ex.analyze_counts({"A": (1000, 41), "B": (1000, 52)}, bayesian=True)
    c = res.comparisons[0]
    assert 0.85 < c.chance_to_beat < 0.9 and c.expected_loss > 0


def test_sequential_option_widens_intervals_and_suppresses_peeking_warning():
    fixed = ex.analyze_counts({"A": (5000, 230), "B": (5100, 290)}, planned_users_per_variant=20000)
    seq = ex.analyze_counts({"A": (5000, 230), "B": (5100, 290)}, sequential=True, planned_users_per_variant=20000)
    assert any("peeking" in w for w in fixed.warnings) and not any("peeking" in w for w in seq.warnings)
    f, s = fixed.comparisons[0].test, seq.comparisons[0].test
    assert s.abs_ci[0] < f.abs_ci[0] and s.abs_ci[1] > f.abs_ci[1] and s.p_value >= f.p_value
    assert "always-valid p" in seq.verdict


def test_control_is_picked_by_name_then_alphabetically():
    assert ex.analyze_counts({"treatment": (100, 5), "Control": (100, 4)}).control == "Control"
    assert ex.analyze_counts({"v2": (100, 5), "v1": (100, 4)}).control == "v1"
    assert exu.pick_control(["new_checkout", "old_checkout"]) == "old_checkout"
    assert exu.pick_control(["B", "A", "Control group"]) == "A"


@pytest.mark.parametrize("call,needle", [
    (lambda: ex.analyze_counts({"A": (100, 5)}), "two variants"),
    (lambda: ex.analyze_counts({"A": (100, 500), "B": (100, 4)}), "impossible"),
    (lambda: ex.analyze_counts({"A": (100, 5), "B": (100, 4)}, control="Z"), "not in the data"),
    (lambda: ex.analyze(exp_ds([("u1", "A", 1), ("u2", "A", 0)])), "only one variant"),
    (lambda: ex.analyze(exp_ds([("u1", "A", 1), ("u2", "B", 0)]), metric="revenue"), "revenue"),
    (lambda: ex.ExperimentSpec(alpha=0.9), "alpha"),
])
def test_misuse_raises_a_clear_error(call, needle):
    with pytest.raises(CxDataError, match=needle):
        call()


def test_spec_json_round_trip_and_one_sentence_description():
    spec = ex.ExperimentSpec(control="A", metric="revenue", split=(("A", 50.0), ("B", 50.0)), winsorize_pct=99)
    assert ex.ExperimentSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    text = spec.describe()
    assert text.endswith(".") and ". " not in text and "Welch t-test" in text and "99th percentile" in text


def test_to_frame_is_one_row_per_variant():
    res = ex.analyze_counts({"A": (1000, 41), "B": (1000, 52), "C": (1000, 45)})
    df = res.to_frame()
    assert list(df["variant"]) == ["A", "B", "C"] and df["is_control"].tolist() == [True, False, False]
    assert df.loc[1, "abs_lift"] == pytest.approx(0.011)


@settings(max_examples=60, deadline=None)
@given(na=st.integers(20, 5000), nb=st.integers(20, 5000), fa=st.floats(0, 1), fb=st.floats(0, 1))
def test_swapping_control_flips_the_lift(na, nb, fa, fb):
    counts = {"A": (na, int(fa * na)), "B": (nb, int(fb * nb))}
    ab, ba = ex.analyze_counts(counts, control="A"), ex.analyze_counts(counts, control="B")
    assert ab.comparisons[0].test.abs_lift == pytest.approx(-ba.comparisons[0].test.abs_lift, abs=1e-12)
    assert 0 <= ab.comparisons[0].p_value <= 1
    assert ab.comparisons[0].p_value == pytest.approx(ba.comparisons[0].p_value, abs=1e-9)
    if na == nb:
        assert not ab.checks.srm_flag


# ------------------------------------------------------------------ events + assignments

def test_conversions_from_events_matches_a_pandas_reference():
    t0 = pd.Timestamp("2024-03-01", tz="UTC")
    assign = pd.DataFrame({"unit_id": ["u1", "u2", "u3", "u4", "u5"], "variant": ["A", "B", "A", "B", "A"],
                           "exposed_at": [t0, t0, t0 + pd.Timedelta("1D"), t0, None]})
    events = pd.DataFrame({
        "user_id": ["u1", "u2", "u2", "u3", "u4", "u5", "u1"],
        "event": ["purchase", "purchase", "view", "purchase", "purchase", "purchase", "purchase"],
        "timestamp": [t0 + pd.Timedelta("2D"), t0 + pd.Timedelta("8D"), t0, t0, t0 + pd.Timedelta("7D"), t0,
                      t0 + pd.Timedelta("3D")],
        "revenue": [10.0, 20, 0, 5, 7, 1, 3]})
    out = exe.conversions_from_events(from_frame(assign, "experiment"), from_frame(events, "events"),
                                     "purchase", "7d")
    ref = assign.merge(events[events.event == "purchase"], left_on="unit_id", right_on="user_id", how="left")
    inside = (ref.timestamp >= ref.exposed_at) & (ref.timestamp <= ref.exposed_at + pd.Timedelta("7D"))
    ref_conv = inside.groupby(ref.unit_id).any().reindex(assign.unit_id).astype(float).to_numpy()
    ref_rev = ref.revenue.where(inside, 0).groupby(ref.unit_id).sum().reindex(assign.unit_id).to_numpy()
    conv = out.df["converted"].to_numpy()
    assert np.isnan(conv[4])                                     # no exposure time: unknown
    assert conv[:4].tolist() == ref_conv[:4].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert out.df["revenue"].to_numpy()[:4].tolist() == ref_rev[:4].tolist() == [13.0, 0.0, 0.0, 7.0]
    assert any("no exposure time" in w for w in out.warnings)


def test_conversions_from_events_names_the_known_events_when_the_event_is_missing():
    a = from_frame(pd.DataFrame({"unit_id": ["u1"], "variant": ["A"],
                                         "exposed_at": [pd.Timestamp("2024-01-01", tz="UTC")]}), "experiment")
    e = from_frame(pd.DataFrame({"user_id": ["u1"], "event": ["view"],
                                         "timestamp": [pd.Timestamp("2024-01-01", tz="UTC")]}), "events")
    with pytest.raises(CxDataError, match="Events found: view"):
        exe.conversions_from_events(a, e, "purchase")


# ------------------------------------------------------------------ real data

@pytest.fixture(scope="module")
def ab_data() -> pd.DataFrame:
    if not AB_DATA.exists():
        pytest.skip("real ab_data not available")
    return pd.read_csv(AB_DATA).rename(columns={"user_id": "unit_id", "group": "variant", "timestamp": "exposed_at"})


@pytest.mark.slow
def test_ab_data_raw_counts_of_units_in_both_groups_and_duplicates(ab_data):
    res = ex.analyze(from_frame(ab_data, "experiment"))
    nvar = ab_data.groupby("unit_id")["variant"].nunique()
    both = set(nvar.index[nvar > 1])
    rest = ab_data[~ab_data.unit_id.isin(both)]
    assert res.checks.units_in_multiple_variants == len(both) == 1895
    assert res.checks.rows_in_multiple_variants == int(ab_data.unit_id.isin(both).sum())
    assert res.checks.units_with_several_rows == int((rest.groupby("unit_id").size() > 1).sum())
    assert dict(res.checks.observed) == rest.groupby("variant")["unit_id"].nunique().to_dict()


@pytest.mark.slow
def test_ab_data_oracle_after_dropping_exposure_mismatches(ab_data):
    mismatch = (ab_data.variant == "treatment") != (ab_data.landing_page == "new_page")
    res = ex.analyze(from_frame(ab_data[~mismatch], "experiment"), alternative="larger")
    oracle = ab_data[~mismatch].drop_duplicates("unit_id").groupby("variant")["converted"].agg(["size", "sum"])
    got = {v.name: (v.users, v.conversions) for v in res.variants}
    assert got == {k: (int(r["size"]), int(r["sum"])) for k, r in oracle.iterrows()}
    assert got == {"control": (145274, 17489), "treatment": (145310, 17264)}
    assert res.checks.units_with_several_rows == 1 and not res.checks.srm_flag
    assert res.comparisons[0].p_value == pytest.approx(0.9051, abs=1e-4)   # published Udacity figure
    assert "did not detectably increase conversion" in res.verdict


# ------------------------------------------------------------------ CLI

@pytest.fixture()
def exp_csv(tmp_path) -> Path:
    rows = ["unit_id,variant,converted,revenue"]
    rows += [f"a{i},control,{int(i < 410)},{25.0 if i < 410 else 0}" for i in range(10000)]
    rows += [f"b{i},treatment,{int(i < 470)},{26.0 if i < 470 else 0}" for i in range(10000)]
    rows += ["a1,treatment,0,0"]                       # a unit in both variants
    path = tmp_path / "exp.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxlib", "abtest", *map(str, args), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_cli_abtest_json_keys_and_values(exp_csv):
    p = _cli(exp_csv, "--control", "control")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) >= {"variants", "comparisons", "srm", "users_in_multiple_variants", "verdict", "warnings"}
    assert out["variants"]["control"] == {**out["variants"]["control"], "users": 9999, "conversions": 409}
    assert out["users_in_multiple_variants"] == 1
    c = out["comparisons"][0]
    assert set(c) >= {"variant", "abs_lift", "rel_lift", "ci95", "p_value", "significant"}
    assert c["p_value"] == pytest.approx(proportions_ztest([470, 409], [10000, 9999])[1])


def test_cli_abtest_contract_holds(exp_csv):
    if not (TOOLS / "check_contract.py").exists():
        pytest.skip("check_contract.py not available")
    sys.path.insert(0, str(TOOLS))
    from check_contract import problems
    assert problems("abtest", str(exp_csv), python=sys.executable) == []
    assert problems("abtest", str(exp_csv), "--metric", "revenue", python=sys.executable) == []


def test_cli_abtest_bad_control_is_one_error_line(exp_csv):
    p = _cli(exp_csv, "--control", "nope")
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "Variants found" in p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("text,expected", [("7d", "7D"), ("24h", "1D"), ("30min", "30min"), ("2w", "14D"),
                                           ("90s", "90s")])
def test_parse_window_matches_pandas(text, expected):
    assert exe.parse_window(text) == pd.Timedelta(expected)


def test_parse_window_rejects_nonsense():
    with pytest.raises(CxDataError, match="7d"):
        exe.parse_window("a week")


def test_cuped_ignores_cancelled_pre_period_orders():
    units = pd.DataFrame({"unit_id": ["u1", "u2"], "exposed_at": [pd.Timestamp("2024-02-01", tz="UTC")] * 2})
    orders = from_frame(pd.DataFrame({
        "customer_id": ["u1", "u1", "u2"], "ordered_at": [pd.Timestamp("2024-01-05", tz="UTC")] * 3,
        "amount": [10.0, 50.0, 7.0], "status": ["completed", "cancelled", None], "refunded": [2.0, 0, None]}), "orders")
    assert exu.pre_period_revenue(units, orders).tolist() == [8.0, 7.0]


def test_variant_value_intervals_match_scipy_and_wilson():
    df, _ = simulated()
    res = ex.analyze(from_frame(df, "experiment"), metric="revenue")
    a = df.loc[df.variant == "control", "revenue"]
    ci = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    assert res.variants[0].value_ci == pytest.approx(ci)
    conv = ex.analyze(from_frame(df, "experiment"))
    assert conv.variants[0].value_ci == conv.variants[0].rate_ci


def test_all_rows_excluded_is_a_clear_error():
    ds = exp_ds([("u1", "A", 1), ("u1", "B", 0), (None, "A", 1)])
    with pytest.raises(CxDataError, match="only one variant \\(none\\)"):
        ex.analyze(ds)


def test_to_json_is_strict_json_even_for_degenerate_data():
    res = ex.analyze_counts({"A": (100, 0), "B": (100, 0)})
    text = json.dumps(res.to_json(), allow_nan=False)
    c = json.loads(text)["comparisons"][0]
    assert c["p_value"] == 1.0 and c["rel_lift"] is None and c["significant"] is False


def test_module_examples_run():
    import doctest
    from cxlib.analyses import power
    assert doctest.testmod(ex).failed == 0 and doctest.testmod(power).failed == 0


def test_test_and_intervals_agree_even_where_two_methods_used_to_disagree():
    # a tiny control arm: the pooled z-test and an unpooled Wald interval disagreed about significance here;
    # the score test's own intervals cannot
    res = ex.analyze_counts({"A": (60, 1), "B": (2000, 120)})
    t = res.comparisons[0].test
    excludes = not (t.abs_ci[0] <= 0 <= t.abs_ci[1])
    assert excludes == (t.p_value < 0.05) == (not (t.rel_ci[0] <= 0 <= t.rel_ci[1]))
    assert any("come from one method (score test)" in c for c in res.caveats)


def test_welch_and_mann_whitney_disagreement_is_warned_only_for_fixed_horizon_tests():
    rng = np.random.default_rng(3)
    n = 3000
    # same conversion (so ranks barely move) but a few huge orders in B: means differ, ranks do not
    a = rng.gamma(2, 20, n) * (rng.random(n) < 0.3)
    b = rng.gamma(2, 20, n) * (rng.random(n) < 0.3)
    b[:15] = 5000
    df = pd.DataFrame({"unit_id": [f"u{i}" for i in range(2 * n)], "variant": ["A"] * n + ["B"] * n,
                       "revenue": np.concatenate([a, b])})
    res = ex.analyze(from_frame(df, "experiment"), metric="revenue")
    c = res.comparisons[0]
    assert (c.p_value < 0.05) != (c.mann_whitney_p < 0.05)
    assert any("Mann-Whitney" in w and "winsorizing" in w for w in res.warnings)
    # a revenue "win" carried by a few orders is not shipped
    assert c.significant and res.decision.call == "dont_ship_yet" and "few large values" in res.decision.sentence
    seq = ex.analyze(from_frame(df, "experiment"), metric="revenue", sequential=True)
    assert not any("Mann-Whitney" in w for w in seq.warnings)


def test_one_sided_verdict_says_increase_and_flags_a_move_the_other_way():
    # found by review: the table showed an interval entirely below 0 while the verdict said "did not change"
    res = ex.analyze_counts({"control": (10000, 500), "B": (10000, 440)}, alternative="larger")
    assert "did not detectably increase conversion" in res.verdict
    assert "moved the other way" in res.verdict
    assert res.decision.call == "dont_ship_yet" and "the other way" in res.decision.sentence


def test_holm_verdict_says_intervals_are_unadjusted():
    res = ex.analyze_counts({"control": (10000, 500), "B": (10000, 565), "C": (10000, 562)})
    assert "not widened for comparing several variants" in res.verdict and "after Holm correction" in res.verdict


def test_cli_contract_holds_when_control_has_no_conversions(tmp_path, contract_problems):
    path = tmp_path / "noconv.csv"
    path.write_text("user_id,variant,converted\n" + "".join(f"u{i},{'AB'[i % 2]},0\n" for i in range(40)))
    assert contract_problems("abtest", str(path), "--control", "A") == []


# ------------------------------------------------------------------ translatable text

def _pseudo(text) -> str:
    """Translate with a catalog that upper-cases every template, so English left outside one shows in lower case."""
    import re

    from cxlib.core.messages import translate
    return translate(text, lambda s: re.sub(r"(\{[^{}]*\})|([^{}]+)", lambda m: m.group(1) or m.group(2).upper(), s))


def test_verdict_is_one_whole_template_with_the_numbers_as_values():
    from cxlib.core.messages import Msg
    res = ex.analyze_counts({"old": (25000, 1025), "new": (25000, 1155)}, control="old")
    v = res.verdict                                  # whole sentences: what happened, the likely range, chance
    assert isinstance(v, Msg) and v.template == "{first} {second}"
    happened, rest = v.params["first"], v.params["second"]
    assert happened.template == "{variant} raised {metric} from {before} to {after} ({lift})."
    likely, chance = rest.params["first"], rest.params["second"]
    assert likely.template == "The true change is likely between {low} and {high} ({level:.0f} % confidence interval)."
    assert chance.template == ("A difference this large would be unlikely if {variant} changed nothing ({p_value}, "
                               "{test}; significant at {alpha:g} %).")
    assert happened.params["variant"] == "new" and happened.params["metric"].template == "conversion"
    assert happened.params["before"].params == {"percent": pytest.approx(4.1)}
    assert chance.params["alpha"] == pytest.approx(5) and chance.params["test"].template == "score test"
    assert chance.params["p_value"].template == "{name} = {p_value:.3f}"
    assert chance.params["p_value"].params["name"].template == "p-value"


def test_holm_and_one_sided_verdicts_are_their_own_templates():
    three = ex.analyze_counts({"A": (10000, 400), "B": (10000, 470), "C": (10000, 455)})
    assert three.verdict.template == "{first} {second}"       # B's sentences, then C's
    assert "not widened for comparing several variants" in three.verdict.params["first"].params["second"].params[
        "first"].template
    wrong_way = ex.analyze_counts({"A": (10000, 470), "B": (10000, 400)}, alternative="larger")
    last = wrong_way.verdict.params["second"].params["second"].params["second"]
    assert last.template.startswith("It moved the other way ({lift})")
    assert "\u2212" in wrong_way.verdict                         # a real minus sign, as before


def test_warnings_checks_and_definition_are_messages():
    from cxlib.core.messages import Msg
    ds = exp_ds([("u1", "A", 1), ("u1", "B", 0), ("u2", "A", 0), ("u3", "B", 1), ("u4", "A", 1), ("u5", "B", 0)])
    res = ex.analyze(ds)
    w = next(w for w in res.warnings if "more than one variant" in w)
    assert isinstance(w, Msg) and (w.params["rows"], w.params["units"]) == (6, 4)
    assert w.params["parts"].params == {"count": 2, "units": 1}
    assert res.checks.sentences()[0].template == "{units:,} units analysed ({observed})."
    d = res.spec.describe()
    assert d.params["test"].template == "a two-sided comparison of two proportions (score test)"
    assert d.params["alpha"] == 0.05
    with pytest.raises(CxDataError) as err:
        ex.ExperimentSpec(alpha=0.7)
    assert err.value.message.template == "alpha must be between 0 and 0.5 (got {alpha})."
    assert err.value.message.params == {"alpha": 0.7} and err.value.hint.template == "Use 0.05 or 0.01."


@pytest.mark.parametrize("options", [{}, {"alternative": "smaller", "bayesian": True, "planned_users_per_variant": 10**6},
                                     {"split": (("A", 1), ("B", 1), ("C", 2))}])
def test_no_english_is_left_outside_a_template(options):
    res = ex.analyze_counts({"A": (1000, 40), "B": (1300, 60), "C": (1000, 3)}, **options)
    texts = [res.summary(), res.spec.describe(), *res.caveats]
    for text in texts:
        assert not [w for w in __import__("re").findall(r"[a-z]{3,}", _pseudo(text))], _pseudo(text)


def test_revenue_texts_have_no_english_left_outside_a_template():
    df, pre = simulated()
    res = ex.analyze(from_frame(df, "experiment"), metric="revenue", winsorize_pct=99, sequential=True,
                     alternative="larger")
    words = {"control", "treatment"}                              # the variants' names are data
    for text in [res.summary(), res.spec.describe(), *res.caveats]:
        left = set(__import__("re").findall(r"[a-z]{3,}", _pseudo(text))) - words
        assert not left, _pseudo(text)


# ------------------------------------------------------------------ the decision (issue 20, finding 5)

@pytest.mark.parametrize("counts, options, call, start", [
    ({"A": (25000, 1025), "B": (25000, 1155)}, {}, "ship", "Ship B, because it raised conversion"),
    ({"A": (20000, 820), "B": (20000, 830)}, {}, "no_change", "No detectable change, because B's likely change"),
    ({"A": (20000, 900), "B": (20000, 800)}, {}, "dont_ship_yet", "Don't ship yet, because B lowered conversion"),
    ({"A": (1000, 50), "B": (1300, 70)}, {}, "dont_ship_yet", "Don't ship yet, because the users per variant"),
    ({"A": (25000, 1025), "B": (25000, 1155)}, {"planned_users_per_variant": 40000}, "dont_ship_yet",
     "Don't ship yet, because the planned sample is not reached (25,000 of 40,000"),
    ({"A": (300, 3), "B": (300, 20)}, {}, "dont_ship_yet", "Don't ship yet, because B's gain rests on fewer than 10"),
    ({"A": (10000, 400), "B": (10000, 470), "C": (10000, 330)}, {}, "ship", "Ship B, because"),
    ({"A": (10000, 400), "B": (10000, 410), "C": (10000, 405)}, {}, "no_change",
     "No detectable change, because no variant's conversion"),
])
def test_decision_headline_and_one_reason(counts, options, call, start):
    res = ex.analyze_counts(counts, **options)
    d = res.decision
    assert d.call == call and d.sentence.startswith(start), d.sentence
    assert str(d.headline) == ({"ship": f"Ship {d.variant}"}.get(call) or str(exw.CALLS[call]))
    assert d.sentence.count(". ") == 0 and d.sentence.endswith(".")                 # one sentence
    assert res.to_json()["decision"] == d.to_json() and d.to_json()["call"] == call


def test_ship_sentence_quotes_the_low_end_that_the_test_guarantees_is_a_gain():
    res = ex.analyze_counts({"A": (25000, 1025), "B": (25000, 1155)})
    c = res.comparisons[0]
    assert c.test.rel_ci[0] > 0 and f"({c.test.rel_ci[0] * 100:+.1f} %)" in res.decision.sentence
    three = ex.analyze_counts({"A": (10000, 400), "B": (10000, 470), "C": (10000, 330)})
    assert "do not ship C, which did worse" in three.decision.sentence


def test_default_question_names_the_variant_and_the_metric():
    one = ex.analyze_counts({"A": (1000, 40), "B": (1000, 50)})
    assert exw.default_question(one) == "Does B change conversion compared with A?"
    three = ex.analyze_counts({"A": (1000, 40), "B": (1000, 50), "C": (1000, 45)})
    assert exw.default_question(three) == "Does any variant change conversion compared with A?"


def test_pre_period_revenue_from_orders_kept_on_the_engine_equals_pandas(tmp_path):
    """CUPED's covariate with the orders kept in their Parquet file: the same per-unit sums, no pandas copy."""
    from cxlib.data.dataset import Dataset
    rng = np.random.default_rng(4)
    n = 400
    orders = from_frame(pd.DataFrame({
        "order_id": [f"o{i}" for i in range(n)], "customer_id": [f"u{i % 60}" for i in range(n)],
        "ordered_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
        "amount": rng.gamma(2, 30, n).round(2), "refunded": np.where(rng.random(n) < .1, 5.0, 0.0),
        "status": rng.choice(["completed", "cancelled", "refunded", "pending"], n)}), "orders")
    path = tmp_path / "orders.parquet"
    orders.df.to_parquet(path)
    kept = Dataset(orders.name, "orders", None, orders.mapping, orders.report, orders.content_hash, parquet=str(path))
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(70)],
                          "exposed_at": [pd.Timestamp("2024-02-15", tz="UTC") + pd.Timedelta(days=i % 30)
                                         if i % 9 else pd.NaT for i in range(70)]})
    want = exu.pre_period_revenue(units, orders)
    got = exu.pre_period_revenue(units, kept)
    assert kept.on_engine and (want > 0).sum() > 30 and (want == 0).sum() > 5
    assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-12, abs=1e-9)
