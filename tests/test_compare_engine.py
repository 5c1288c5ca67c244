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
    pd.testing.assert_frame_equal(on_engine.customers, careful.customers, check_exact=False, rtol=1e-12)


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
