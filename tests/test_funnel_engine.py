"""cxlib.analyses.funnel_engine (the portable funnel) against the plain-Python reference and cxlib.analyses.funnel, on
DuckDB; and the same expression on DuckDB, a real PostgreSQL server and Spark local (slow parity)."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.data.loader import from_frame
from cxlib.data import engine
from cxlib.core.errors import CxDataError
from cxlib.analyses.funnel import FunnelSpec, Step, funnel
from cxlib.analyses.funnel_engine import funnel_counts, funnel_counts_expr, funnel_levels
from tests.engines import assert_same, run_everywhere
from tests.funnel_reference import RefStep, counts, reference_funnel
from tests.test_funnel import BY_HAND

ROOT = Path(__file__).resolve().parent.parent
T0 = pd.Timestamp("2026-03-02 08:00:00", tz="UTC")
STEPS5 = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")


def frame(rows, cols=("user_id", "event", "sec")) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(cols))
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("sec"), unit="s")
    return df


@pytest.fixture(scope="module")
def sample():
    return cx.load(ROOT / "sample_data" / "events.csv")


def test_hand_checked_example_ties_interleaving_and_a_late_second_start():
    df = frame(BY_HAND)                  # tests/test_funnel.py's hand-checked log
    t = engine.table(df)
    assert funnel_counts(t, ["view", "cart", "buy"], 3600) == [4, 3, 2]
    levels = engine.execute(funnel_levels(t, ["view", "cart", "buy"], 3600))
    assert dict(zip(levels["user_id"], levels["level"])) == {"a": 3, "b": 2, "c": 1, "e": 3}


def test_window_is_inclusive_and_fractional_windows_keep_microseconds():
    df = frame([("a", "view", 0), ("a", "buy", 10), ("b", "view", 0), ("b", "buy", 10.000001)])
    t = engine.table(df)
    assert funnel_counts(t, ["view", "buy"], 10) == [2, 1]
    assert funnel_counts(t, ["view", "buy"], 10.000001) == [2, 2]
    assert funnel_counts(t, ["view", "buy"], 0) == [2, 0]


def test_too_few_steps_or_a_bad_window_is_a_clear_error():
    t = engine.table(frame([("a", "view", 0)]))
    with pytest.raises(CxDataError, match="at least two steps"):
        funnel_counts(t, ["view"], 60)
    with pytest.raises(CxDataError, match="window"):
        funnel_counts(t, ["view", "buy"], float("nan"))


EVENTS = ("a", "b", "c", "x")


@st.composite
def logs(draw):
    n = draw(st.integers(1, 28))
    rows = [(f"u{draw(st.integers(0, 3))}", draw(st.sampled_from(EVENTS)), draw(st.integers(0, 12)),
             draw(st.sampled_from(["/", "/c", None])), draw(st.sampled_from(["s1", "s2", None])))
            for _ in range(n)]
    rows += draw(st.lists(st.sampled_from(rows), max_size=4))         # exact duplicates
    return draw(st.permutations(rows))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs(), steps=st.lists(st.tuples(st.sampled_from(EVENTS[:3]), st.sampled_from([None, "/", "/c"])),
                                   min_size=2, max_size=4),
       window=st.integers(0, 10), unit=st.sampled_from(["user", "session"]))
def test_portable_funnel_matches_the_plain_python_reference(rows, steps, window, unit):
    df = frame(rows, ("user_id", "event", "sec", "page", "session_id"))
    fsteps = [Step(e) if p is None else Step(e, "page", p) for e, p in steps]
    ref = reference_funnel(df, [RefStep(s.event, s.prop, s.value) for s in fsteps], window * 10**6, unit=unit)
    keys = ("user_id", "session_id") if unit == "session" else ("user_id",)
    t = engine.table(df)
    assert funnel_counts(t, fsteps, window, unit=keys) == counts(ref, len(fsteps))
    got = engine.execute(funnel_levels(t, fsteps, window, unit=keys))
    assert {tuple(r[:-1]): r[-1] for r in got.itertuples(index=False, name=None)} == \
        {k: u.level for k, u in ref.items()}


@pytest.mark.parametrize("window", [60.0, 3600.0, 86400.0, 7 * 86400.0])
def test_sample_events_equal_cxlib_funnel_counts_and_levels(sample, window):
    res = funnel(sample, FunnelSpec(tuple(map(Step, STEPS5)), window))
    t = engine.table(sample)
    assert funnel_counts(t, STEPS5, window) == list(res.units)
    levels = engine.execute(funnel_levels(t, STEPS5, window)).set_index("user_id")["level"]
    want = res.paths.set_index("user_id")["level"]
    assert levels.sort_index().tolist() == want.sort_index().tolist()


def test_session_funnel_and_property_filter_equal_cxlib_funnel(sample):
    steps = (Step("page_view", "device", "mobile"), Step("view_item"), Step("add_to_cart"))
    res = funnel(sample, FunnelSpec(steps, 1800.0, unit="session"))
    t = engine.table(sample)
    assert funnel_counts(t, steps, 1800, unit=("user_id", "session_id")) == list(res.units)


# ------------------------------------------------------------------ parity on three engines (slow)
def _events_arrow(df: pd.DataFrame) -> pa.Table:
    cols = [c for c in ("user_id", "session_id", "event", "timestamp", "device", "revenue") if c in df.columns]
    return pa.Table.from_pandas(df[cols], preserve_index=False)


@pytest.mark.slow
def test_sample_events_same_on_duckdb_postgres_and_spark(engines, sample):
    loaded = engines.load({"events": _events_arrow(sample.df)})
    # the harness itself: floats (sums of revenue) compared to 1e-9 relative, rows sorted
    revenue = run_everywhere(lambda t: t["events"].group_by("device").aggregate(
        n=t["events"].count(), revenue=t["events"].revenue.sum(), mean=t["events"].revenue.mean()), loaded)
    assert_same(revenue)
    assert sorted(revenue["duckdb"]["n"]) == sorted(sample.df["device"].value_counts().tolist())
    for window in (3600.0, 7 * 86400.0, 90.5):
        want = list(funnel(sample, FunnelSpec(tuple(map(Step, STEPS5)), window)).units)
        got = run_everywhere(lambda t: funnel_counts_expr(t["events"], STEPS5, window), loaded)
        assert_same(got)
        for name, res in got.items():
            assert res.sort_values("step")["units"].tolist() == want, (name, window)
    levels = run_everywhere(lambda t: funnel_levels(t["events"], STEPS5, 86400), loaded)
    assert_same(levels)
    res = funnel(sample, FunnelSpec(tuple(map(Step, STEPS5)), 86400.0))
    assert sorted(levels["postgres"]["level"].tolist()) == sorted(res.paths["level"].tolist())
    steps = (Step("page_view", "device", "mobile"), Step("view_item"), Step("add_to_cart"))
    sessions = run_everywhere(lambda t: funnel_counts_expr(t["events"], steps, 1800,
                                                           unit=("user_id", "session_id")), loaded)
    assert_same(sessions)
    want = list(funnel(sample, FunnelSpec(steps, 1800.0, unit="session")).units)
    assert sessions["pyspark"].sort_values("step")["units"].tolist() == want


@pytest.mark.slow
def test_generated_million_event_log_same_on_three_engines_and_cxlib(engines):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth
    df = synth.event_log(1_000_000)
    want = list(funnel(from_frame(df, "events"), FunnelSpec(tuple(map(Step, STEPS5)), 7 * 86400.0)).units)
    loaded = engines.load({"events": pa.Table.from_pandas(df, preserve_index=False)})
    got = run_everywhere(lambda t: funnel_counts_expr(t["events"], STEPS5, 7 * 86400), loaded)
    assert_same(got)
    for name, res in got.items():
        assert res.sort_values("step")["units"].tolist() == want, name
    assert want[0] > 90_000 and want[-1] > 0
