"""cxlib.analyses.orders on the engine: trends, breakdowns and the customer table from aggregates.

The oracle is the careful path (the file read into pandas): on a table kept in its Parquet file
(``ds.aggregate_on_engine``, forced here by CX_ENGINE_ANALYSIS_MIN_ROWS=0) every table equals the careful one,
its JSON is the same text (money summed exactly on both paths), and no pandas copy of the table is made.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses import orders
from cxlib.core.errors import CxDataError
from tests.engine_pairs import cli_both_ways, orders_pair
from tests.test_canonical import as_json, write_csv
from tests.test_retention_engine import messy_orders


@pytest.fixture(autouse=True)
def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")       # else a table this small computes in pandas


def messy_shop(seed: int = 21) -> pd.DataFrame:
    """:func:`messy_orders` (statuses, blank customers, missing amounts and dates, 400 days) with three currencies
    and blanks, channels with blanks and stray spaces, and countries."""
    df = messy_orders(seed)
    rng = np.random.default_rng(seed + 1)
    df["currency"] = rng.choice(["EUR", "USD", "", "GBP"], len(df), p=[.6, .3, .05, .05])
    df["channel"] = rng.choice(["web", "app", "", "store", "marketplace"], len(df))
    return df


@pytest.fixture(scope="module", params=["file", "frame"])
def datasets(request, tmp_path_factory):
    """(engine Dataset, careful Dataset): the file converted by the engine, or the careful frame with an
    unrecognized status (which the engine's converter declines) written to Parquet."""
    return orders_pair(request.param, tmp_path_factory.mktemp("orders"), messy_shop())


def same(engine, careful, fn):
    """``fn``'s results on both Datasets: the same JSON text and the same frame; no pandas copy made."""
    assert engine.aggregate_on_engine
    a, b = fn(engine), fn(careful)
    assert engine.on_engine                                # the analysis never read the table into pandas
    assert as_json(a) == as_json(b)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=True)
    assert a.warnings == b.warnings and a.description == b.description
    return a


@pytest.mark.parametrize("freq", ["day", "week", "month"])
def test_orders_over_time_on_the_engine_equal_the_careful_ones(datasets, freq):
    res = same(*datasets, lambda d: orders.over_time(d, freq))
    text = " ".join(map(str, res.warnings))
    assert "have no date and are left out of the trend" in text and "3 currencies" in text
    assert "no customer id" in text and "no amount" in text


@pytest.mark.parametrize("by,max_groups", [("channel", 30), ("country", 2), ("status", 30), ("currency", 30),
                                           ("amount", 5), ("email", 10)])
def test_orders_by_field_on_the_engine_equal_the_careful_ones(datasets, by, max_groups):
    res = same(*datasets, lambda d: orders.by_field(d, by, max_groups=max_groups))
    if by == "channel":
        assert orders.BLANK in set(res.frame["channel"]) and len(res.frame) == 5
    if max_groups < 5:
        assert any("showing the 2 largest" in w for w in res.warnings)


def test_an_unknown_breakdown_column_is_refused_without_reading_the_table(datasets):
    engine, careful = datasets
    errors = []
    for ds in (engine, careful):
        with pytest.raises(CxDataError) as err:
            orders.by_field(ds, "nope")
        errors.append(str(err.value))
    assert errors[0] == errors[1] and engine.on_engine


def test_the_customer_table_on_the_engine_equals_the_careful_one(datasets):
    engine, careful = datasets
    assert engine.aggregate_on_engine
    a, b = orders.customer_table(engine), orders.customer_table(careful)
    assert engine.on_engine
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(a) > 100 and a["customer_id"].notna().all()


def test_money_sums_are_exact_on_both_paths():
    """Sums in millionths (pandas) and decimal(38, 6) sums (the engine) give the same floats."""
    import ibis

    from cxlib.data import engine
    from cxlib.data.orders import MONEY_SCALE, money_sum_expr, money_units
    rng = np.random.default_rng(5)
    x = np.round(rng.gamma(2.0, 30.0, 20_000), 2) * np.where(rng.random(20_000) < 0.1, -1, 1)
    x[::7] /= 3
    df = pd.DataFrame({"g": rng.integers(0, 2_000, len(x)), "x": x})
    t = ibis.memtable(df)
    got = engine.execute(t.group_by("g").aggregate(s=money_sum_expr(t.x)).order_by("g"))["s"]
    want = money_units(df["x"]).groupby(df["g"]).sum().sort_index() / MONEY_SCALE
    assert got.tolist() == want.tolist()


def test_cli_orders_json_is_the_same_on_the_engine_and_the_careful_way(tmp_path, monkeypatch, capsys):
    path = tmp_path / "orders.csv"
    write_csv(path, messy_shop())
    engine, careful = cli_both_ways(monkeypatch, capsys, ["orders", str(path), "--by", "channel", "--json"])
    assert engine == careful and len(engine["by"]) == 5
