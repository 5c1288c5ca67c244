"""The A/B analysis on the engine (cxlib/analyses/experiment_engine.py) equals the careful path's.

An assignment file with everything the careful path cleans up (copies of a row, a unit in two variants, a row
without a variant, several rows of one unit, conversion flags written as words or left blank, a blank revenue)
is converted by the engine (tests/test_canonical_experiment.py's loader) and, with
``CX_ENGINE_ANALYSIS_MIN_ROWS=0``, analysed on the engine without a pandas copy of the table; the careful
reader's pandas table gives the reference. Counts must be equal; floats the engine derives from sums (means,
variances, CUPED's theta) instead of from per-unit arrays may differ in the last bits, so they are compared with
a relative tolerance of 1e-9 (REL below).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxlib.analyses import experiment_engine
from cxlib.analyses.experiment import analyze
from cxlib.cli import main as cli
from cxlib.core import abstats
from cxlib.data import canonical, engine
from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame
from tests.test_canonical import SAMPLE, both, write_csv
from tests.test_canonical_experiment import TAIL, assignments

REL = 1e-9          # floats from sums against floats from per-unit arrays: the last bits may differ

# more of what the careful path cleans up: a unit with several rows (one without revenue), a blank flag
MORE = ("u9011,control,2026-05-04T00:00:00Z,1,\nu9011,control,2026-05-05T00:00:00Z,no,3.5\n"
        "u9012,treatment,2026-05-04T00:00:00Z,,19.99\nu9012,treatment,2026-05-06T00:00:00Z,yes,20\n")


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")


@pytest.fixture
def loaded(tmp_path) -> tuple[Dataset, Dataset]:
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(seed=8), TAIL + MORE)
    on_engine, careful = both(path)
    assert on_engine is not None and on_engine.aggregate_on_engine and not careful.aggregate_on_engine
    return on_engine, careful


def orders_frame() -> pd.DataFrame:
    """Orders of some units before (and after) the experiment, with statuses the revenue rule leaves out."""
    rng = np.random.default_rng(11)
    n = 2_500
    return pd.DataFrame({
        "order_id": [f"o{i}" for i in range(n)],
        "customer_id": [f"u{i}" for i in rng.integers(0, 3_000, n)],
        "ordered_at": pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 80 * 86400, n), unit="s"),
        "amount": np.round(rng.gamma(2, 30, n), 2),
        "status": rng.choice(["completed", "cancelled", "refunded", "pending"], n, p=[.7, .1, .1, .1]),
        "refunded": np.where(rng.random(n) < .1, 5.0, 0.0)})


def same(a, b, path: str = "") -> None:
    """Equal JSON, floats within REL (counts are ints and must be equal)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), path
        assert a == b or math.isclose(a, b, rel_tol=REL, abs_tol=1e-300), (path, a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    else:
        assert type(a) is type(b) and a == b, (path, a, b)


def as_json(result) -> dict:
    return json.loads(json.dumps(result.to_json(), default=str))


@pytest.mark.parametrize("sequential", [False, True])
@pytest.mark.parametrize("winsorize", [None, 99])
@pytest.mark.parametrize("metric", ["converted", "revenue", "aov"])
def test_the_engine_path_equals_the_careful_one(loaded, metric, winsorize, sequential):
    on_engine, careful = loaded
    options = {"metric": metric, "winsorize_pct": winsorize, "sequential": sequential,
               "bayesian": metric == "converted"}
    a, b = analyze(on_engine, **options), analyze(careful, **options)
    assert on_engine.on_engine                              # no pandas copy of the table was made
    same(as_json(a), as_json(b))
    assert a.checks == b.checks                             # every count, exactly
    assert [v.users for v in a.variants] == [v.users for v in b.variants]
    assert [v.conversions for v in a.variants] == [v.conversions for v in b.variants]
    assert a.checks.duplicate_rows == 1 and a.checks.units_in_multiple_variants == 1
    assert a.checks.units_with_several_rows == 3 and a.checks.rows_missing_unit_or_variant == 1
    if winsorize and metric != "converted":                 # the cap: numpy's percentile to the last bit
        assert [w for w in a.warnings if "capped" in w] == [w for w in b.warnings if "capped" in w] != []


@pytest.mark.parametrize("orders_on_engine", [False, True])
def test_cuped_on_the_engine_equals_the_careful_one(loaded, tmp_path, orders_on_engine):
    on_engine, careful = loaded
    frame = orders_frame()
    orders = from_frame(frame, "orders")
    if orders_on_engine:
        path = tmp_path / "orders.csv"
        frame.assign(ordered_at=frame["ordered_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(path, index=False)
        orders, _ = both(path)
        assert orders is not None and orders.on_engine
    for winsorize in (None, 99):
        a = analyze(on_engine, metric="revenue", orders=orders, winsorize_pct=winsorize, sequential=True)
        b = analyze(careful, metric="revenue", orders=orders, winsorize_pct=winsorize, sequential=True)
        assert on_engine.on_engine
        assert a.cuped is not None and a.cuped.theta != 0 and a.cuped.units_with_pre_data > 100
        assert a.cuped.units_with_pre_data == b.cuped.units_with_pre_data
        same(as_json(a), as_json(b))


def test_cuped_without_exposure_times_says_so_on_the_engine_too(tmp_path):
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(seed=3).drop(columns="exposed_at"))
    on_engine, careful = both(path)
    assert on_engine is not None and on_engine.aggregate_on_engine
    orders = from_frame(orders_frame(), "orders")
    errors = []
    for ds in (on_engine, careful):
        with pytest.raises(Exception) as info:
            analyze(ds, metric="revenue", orders=orders)
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "exposure" in errors[0]


def test_tiny_arms_give_the_same_answer(tmp_path):
    """Arms of four and five units (each row logged 60 times: copies are left out): Mann-Whitney's exact
    distribution (scipy's choice for small samples without ties) and variances of a few units."""
    rows = "".join(f"u{i},{'A' if i % 2 else 'B'},2026-05-0{1 + i % 3}T10:00:00Z,{int(i % 3 == 0)},{i * 1.37 + (i % 4) / 3:.4f}\n"
                   for i in range(9))
    path = tmp_path / "tiny.csv"
    path.write_text("unit_id,variant,exposed_at,converted,revenue\n" + rows * 60, encoding="utf-8")
    on_engine, careful = both(path)
    assert on_engine is not None and on_engine.aggregate_on_engine
    for metric in ("revenue", "aov", "converted"):
        a, b = analyze(on_engine, metric=metric), analyze(careful, metric=metric)
        assert a.checks.duplicate_rows == 9 * 59 and a.checks.units == 9
        same(as_json(a), as_json(b))
    assert on_engine.on_engine


@settings(max_examples=60, deadline=None)
@given(x=st.lists(st.one_of(st.integers(0, 5).map(float), st.floats(-50, 50, allow_nan=False)), min_size=1,
                  max_size=30),
       y=st.lists(st.one_of(st.integers(0, 5).map(float), st.floats(-50, 50, allow_nan=False)), min_size=1,
                  max_size=30))
def test_property_rank_sums_on_the_engine_give_scipys_mann_whitney(x, y):
    t = engine.table(pd.DataFrame({"variant": ["b"] * len(x) + ["a"] * len(y), "v": x + y}))
    u, nx, ny, ties = experiment_engine.rank_sums(t, "b")
    assert (u, nx, ny) == (stats.mannwhitneyu(x, y).statistic, len(x), len(y))
    assert ties == pytest.approx(abstats.rank_sums_of(x, y)[1], rel=1e-12)
    for alt, side in (("two-sided", "two-sided"), ("larger", "greater"), ("smaller", "less")):
        assert abstats.mann_whitney(u, nx, ny, ties, alt) == pytest.approx(
            stats.mannwhitneyu(x, y, alternative=side).pvalue, rel=1e-12)


@pytest.mark.parametrize("metric", ["converted", "revenue", "aov"])
def test_the_abtest_command_prints_the_same_json_from_the_engine(tmp_path, monkeypatch, capsys, metric):
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(seed=8), TAIL + MORE)
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", SAMPLE)      # the careful reader's sample: not the whole file
    used = []
    real = experiment_engine.EngineUnits
    monkeypatch.setattr(experiment_engine, "EngineUnits", lambda *a: used.append(1) or real(*a))
    out = {}
    for name, load_mb in (("engine", "0"), ("careful", "100000")):
        monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", load_mb)
        assert cli.main(["abtest", str(path), "--json", "--metric", metric, "--winsorize", "99"]) == 0
        out[name] = json.loads(capsys.readouterr().out)
    assert used == [1]                                      # the first run computed on the engine
    same(out["engine"], out["careful"])
