"""cxlib.analyses.compare_engine: average order value of customer groups with the orders left on the engine.

The oracle is the careful path: the same file read into pandas, each group's order values listed and tested with
scipy (``ttest_ind``, ``mannwhitneyu``, ``kruskal``). On a large table kept in its Parquet file the comparison
gives the same JSON (floats to 1e-9: sums taken in another order) and no pandas copy of the orders is made.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.analyses.compare import EVERYONE_ELSE, compare_segments, segment_groups
from cxlib.analyses.rfm_inputs import EngineOrderValues
from cxlib.analyses.segments import build_customer_view, compute_rfm
from tests.engine_pairs import cli_both_ways, orders_pair
from tests.test_canonical import write_csv
from tests.test_retention_engine import messy_orders, nested


@pytest.fixture(autouse=True)
def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")       # else a table this small computes in pandas


@pytest.fixture(scope="module", params=["file", "frame"])
def views(request, tmp_path_factory):
    """(engine Dataset, engine view, careful view) of one messy orders file."""
    import os
    os.environ["CX_ENGINE_ANALYSIS_MIN_ROWS"] = "0"
    try:
        engine, careful = orders_pair(request.param, tmp_path_factory.mktemp("orders"), messy_orders())
        return engine, build_customer_view(compute_rfm(engine)), build_customer_view(compute_rfm(careful))
    finally:
        os.environ.pop("CX_ENGINE_ANALYSIS_MIN_ROWS")


def answers(seed: int = 3, n: int = 1500) -> pd.DataFrame:
    """Survey answers of the messy orders' customers: by id, by email (any case) or unmatched; NPS with typos
    (11) and blanks, CSAT on 1-5, some without a time."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 1200, n)
    by_id = rng.random(n) < 0.6
    return pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(n)],
        "customer_id": np.where(by_id, [f"c{i}" for i in k], None),
        "email": np.where(by_id, None, [f"M{i % 50}@x.org" for i in k]),
        "nps": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 12, n)).astype(float),
        "csat": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 6, n)).astype(float),
        "answered_at": np.where(rng.random(n) < 0.1, None,
                                (pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"))
                                .strftime("%Y-%m-%d"))})


@pytest.fixture(scope="module")
def views_with_answers(tmp_path_factory):
    """(engine orders, engine answers, engine view, careful view): RFM and the answers kept in Parquet files."""
    import os

    from cxlib.data.dataset import Dataset
    from cxlib.data.loader import from_frame
    os.environ["CX_ENGINE_ANALYSIS_MIN_ROWS"] = "0"
    folder = tmp_path_factory.mktemp("answers")
    try:
        engine, careful = orders_pair("file", folder, messy_orders())
        resp = from_frame(answers(), "responses")
        path = folder / "answers.parquet"
        resp.df.to_parquet(path)
        kept = Dataset(resp.name, "responses", None, resp.mapping, resp.report, resp.content_hash, parquet=str(path))
        return (engine, kept, build_customer_view(compute_rfm(engine), responses=kept),
                build_customer_view(compute_rfm(careful), responses=resp))
    finally:
        os.environ.pop("CX_ENGINE_ANALYSIS_MIN_ROWS")


@pytest.mark.parametrize("metric", ["nps", "csat", "aov", "revenue_per_customer"])
@pytest.mark.parametrize("population", ["auto", "all"])
def test_nps_bands_and_segments_with_answers_on_the_engine_equal_the_careful_comparison(views_with_answers, metric,
                                                                                          population):
    from cxlib.analyses.compare import nps_band_groups
    engine, kept, on_engine, careful = views_with_answers
    assert not isinstance(on_engine.responses, pd.DataFrame)          # the answers stayed on the engine
    pd.testing.assert_frame_equal(on_engine.customers, careful.customers, check_exact=True)
    assert on_engine.joins == careful.joins
    for groups in (nps_band_groups, lambda v: segment_groups(v, ["Champions", "Lost", "Loyal"])):
        got = compare_segments(on_engine, groups(on_engine), metric, population=population, promoter_min=8)
        want = compare_segments(careful, groups(careful), metric, population=population, promoter_min=8)
        same(json.loads(json.dumps(got.to_json(), default=str)), json.loads(json.dumps(want.to_json(), default=str)))
        assert min(g.n for g in want.groups) > 0
    assert engine.on_engine and kept.on_engine


def same(a: dict, b: dict, rel: float = 1e-9) -> None:
    x, y = nested(a), nested(b)
    assert x.keys() == y.keys()
    for k in x:
        if isinstance(x[k], float) and isinstance(y[k], float):
            assert x[k] == pytest.approx(y[k], rel=rel, abs=1e-12, nan_ok=True), k
        else:
            assert x[k] == y[k], k


def both(views, groups_of, **kw) -> dict:
    engine, on_engine, careful = views
    assert isinstance(on_engine.orders, EngineOrderValues)           # the orders stayed on the engine
    got = compare_segments(on_engine, groups_of(on_engine), "aov", **kw).to_json()
    want = compare_segments(careful, groups_of(careful), "aov", **kw).to_json()
    assert engine.on_engine                                          # no pandas copy of the table was made
    same(json.loads(json.dumps(got, default=str)), json.loads(json.dumps(want, default=str)))
    return want


def test_the_customer_tables_are_the_same(views):
    _, on_engine, careful = views
    pd.testing.assert_frame_equal(on_engine.customers, careful.customers, check_exact=True)


def test_rfm_segments_on_the_engine_equal_the_careful_comparison(views):
    names = list(dict.fromkeys(views[2].customers["segment"].dropna()))[:4]
    out = both(views, lambda v: segment_groups(v, names))
    assert out["omnibus_test"] == "Kruskal-Wallis" and np.isfinite(out["omnibus_p"])
    assert all(p["mw_p_value"] is not None for p in out["pairs"])


def test_overlapping_groups_count_a_shared_customer_in_both(views):
    def groups(v):
        n = len(v.customers)
        first, second = np.zeros(n, bool), np.zeros(n, bool)
        first[: n // 2], second[n // 3:] = True, True
        return {"first half": first, "last two thirds": second}
    out = both(views, groups, population="all")
    assert any("more than one" in w for w in out["warnings"])


def test_tiny_groups_use_the_exact_test_and_everyone_else(views):
    def groups(v):
        n, orders = len(v.customers), v.customers["orders"].to_numpy()
        single, few = np.zeros(n, bool), np.zeros(n, bool)
        single[np.flatnonzero(orders == 1)[0]] = True       # one order: no interval, no test
        few[np.flatnonzero(orders == 2)[:3]] = True          # six orders: Mann-Whitney's exact distribution
        return {"single": single, "few": few, EVERYONE_ELSE: None}
    out = both(views, groups)
    single, few, rest = out["groups"]
    assert (single["n"], few["n"]) == (1, 6) and rest["n"] > 1000
    assert single["ci95"] == [None, None] or all(np.isnan(single["ci95"]))
    assert out["pairs"][0]["p_value"] is None or np.isnan(out["pairs"][0]["p_value"])
    assert 0 < out["pairs"][2]["mw_p_value"] <= 1                          # few vs everyone else, exact


def test_a_group_without_orders_and_equal_values(views):
    def groups(v):
        n = len(v.customers)
        none = np.zeros(n, bool)
        none[np.flatnonzero(v.customers["orders"].to_numpy() == 0)[:3]] = True
        rest = ~none
        return {"no orders": none, "the rest": rest}
    out = both(views, groups, population="all")
    assert out["groups"][0]["n"] == 0 and out["omnibus_test"] == "none"



def test_cli_compare_aov_is_the_same_on_the_engine_and_the_careful_way(tmp_path, monkeypatch, capsys):
    path = tmp_path / "orders.csv"
    write_csv(path, messy_orders(seed=5))
    from cxlib.analyses import compare
    calls = []
    monkeypatch.setattr(compare, "_aov_on_engine", lambda *a, f=compare._aov_on_engine: calls.append(1) or f(*a))
    engine, careful = cli_both_ways(monkeypatch, capsys, [
        "compare", str(path), "--metric", "aov", "--groups", "rule:1,rest", "--rule", "Big=net_revenue >= 150",
        "--json"])
    same(engine, careful)
    assert calls == [1]                                     # once: the engine way; the careful way listed values
    assert engine["metric"] == "aov" and len(engine["groups"]) == 2 and engine["groups"][0]["n"] > 30


class _Orders:
    """Order values on the engine without a file: what :class:`EngineOrderValues` gives compare_engine."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def table(self):
        import ibis
        return ibis.memtable(self.frame.astype({"customer_id": object}))


money = st.one_of(st.sampled_from([0.0, 5.0, 9.99, 10.0, 120.5]), st.floats(-50, 500, allow_nan=False).map(
    lambda x: round(x, 2)))


@settings(max_examples=60, deadline=None)
@given(orders=st.lists(st.tuples(st.integers(0, 11), money), min_size=0, max_size=60),
       groups=st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=2, max_size=4))
def test_aov_from_engine_sums_equals_scipy_on_the_order_values(orders, groups):
    """Any orders (ties, refunds below zero, customers without orders) and any groups (overlapping, empty, one
    order): the comparison from per-group moments and rank sums equals the one from the listed order values."""
    from cxlib.analyses.segments import CustomerView
    ids = pd.Series([f"c{i}" for i in range(12)], dtype="string")
    frame = pd.DataFrame({"customer_id": pd.Series([f"c{c}" for c, _ in orders], dtype="string"),
                          "net": pd.Series([v for _, v in orders], dtype="float64")})
    customers = pd.DataFrame({"customer_id": ids, "orders": [sum(c == i for c, _ in orders) for i in range(12)]})
    masks = {f"g{i}": np.array(g) for i, g in enumerate(groups)}
    want = compare_segments(CustomerView(customers, frame), masks, "aov", population="all")
    got = compare_segments(CustomerView(customers, _Orders(frame)), masks, "aov", population="all")
    unrounded = (lambda c: {"groups": [vars_of(g) for g in c.groups], "pairs": [vars_of(p) for p in c.pairs],
                            "omnibus": [c.omnibus_test, c.omnibus_p], "warnings": [str(w) for w in c.warnings]})
    same(unrounded(got), unrounded(want), rel=1e-8)          # the JSON rounds money: x.xx5 may round either way


def vars_of(obj) -> dict:
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in
            ((k, getattr(obj, k)) for k in obj.__slots__)}


score = st.one_of(st.none(), st.integers(0, 11))


@settings(max_examples=40, deadline=None)
@given(answers=st.lists(st.tuples(st.integers(0, 11), score, st.one_of(st.none(), st.integers(1, 5))), max_size=60),
       groups=st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=2, max_size=4),
       metric=st.sampled_from(["nps", "csat"]))
def test_nps_and_csat_from_engine_counts_equal_the_listed_answers(answers, groups, metric):
    """Any answers (blanks, an 11, customers without answers) and any groups: counting each group's answers on the
    engine gives the comparison of the listed answers (the bootstrap too: it reads only the counts)."""
    from cxlib.analyses.segments import CustomerView, _latest
    from cxlib.analyses.segments_engine import EngineResponses
    ids = pd.Series([f"c{i}" for i in range(12)], dtype="string")
    frame = pd.DataFrame({"nps": pd.Series([n for _, n, _ in answers], dtype="float64"),
                          "csat": pd.Series([c for _, _, c in answers], dtype="float64"),
                          "customer_id": pd.Series([f"c{i}" for i, _, _ in answers], dtype="string")})
    customers = pd.DataFrame({"customer_id": ids, "orders": 1})
    for col in ("nps", "csat"):
        customers[col] = customers["customer_id"].map(_latest(frame, col, None)).astype(float)

    class Answers(EngineResponses):
        columns = property(lambda self: list(frame.columns))

        def table(self):
            import ibis
            return ibis.memtable(frame.astype({"customer_id": object}))
    kept = Answers(None, None, None, ids, pd.Series(dtype="string"))
    masks = {f"g{i}": np.array(g) for i, g in enumerate(groups)}
    orders = pd.DataFrame({"customer_id": pd.Series(dtype="string"), "net": pd.Series(dtype="float64")})
    want = compare_segments(CustomerView(customers, orders, responses=frame), masks, metric, population="all")
    got = compare_segments(CustomerView(customers, orders, responses=kept), masks, metric, population="all")
    unrounded = (lambda c: {"groups": [vars_of(g) for g in c.groups], "pairs": [vars_of(p) for p in c.pairs],
                            "omnibus": [c.omnibus_test, c.omnibus_p], "warnings": [str(w) for w in c.warnings]})
    same(unrounded(got), unrounded(want), rel=1e-12)
