"""cxlib.analyses.scorecard on the engine: every tile of a scorecard built from large tables kept in their Parquet
files (``ds.aggregate_on_engine``, forced here by CX_ENGINE_ANALYSIS_MIN_ROWS=0) equals the careful one's, trend
included, and building it reads none of the tables into pandas.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses import scorecard
from cxlib.core.definitions import ClvMethodDef, DefinitionSet
from tests.test_canonical import both, events_frame, write_csv
from tests.test_orders_engine import messy_shop
from tests.test_support_engine import messy_tickets
from tests.test_survey_engine import messy_survey


@pytest.fixture(autouse=True)
def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")       # else tables this small compute in pandas


def messy_events(n: int = 4_000, seed: int = 9) -> pd.DataFrame:
    """Events over 30 days (cart users who purchase or not, users who never cart) with blank users."""
    df = events_frame(n, seed)
    df.loc[df.index % 23 == 0, "user_id"] = ""
    return df


FILES = {"orders": messy_shop, "events": messy_events, "responses": messy_survey, "tickets": messy_tickets}


@pytest.fixture
def pairs(tmp_path):
    """{role: (engine Dataset, careful Dataset)} of one messy file per role."""
    out = {}
    for role, make in FILES.items():
        path = tmp_path / f"{role}.csv"
        write_csv(path, make())
        engine, careful = both(path)
        assert engine is not None and engine.role == role and engine.aggregate_on_engine, role
        out[role] = (engine, careful)
    return out


def tile_json(card: scorecard.Scorecard) -> str:
    return json.dumps(card.to_json(), sort_keys=True, default=str)


@pytest.mark.parametrize("clv", ["historical", "predictive"])
def test_the_scorecard_on_the_engine_equals_the_careful_one(pairs, clv):
    defs = DefinitionSet.default().replace(clv_method=ClvMethodDef(clv))
    a = scorecard.build([e for e, _ in pairs.values()], defs)
    b = scorecard.build([c for _, c in pairs.values()], defs)
    assert all(e.on_engine for e, _ in pairs.values())       # no table was read into pandas
    assert tile_json(a) == tile_json(b)
    assert {t.metric for t in a.tiles} >= {"nps", "net_revenue", "aov", "clv", "churn_rate", "first_reply_sla",
                                           "cart_abandonment"}
    for x, y in zip(a.tiles, b.tiles):
        assert (x.trend is None) == (y.trend is None), x.metric
        if x.trend is not None:
            pd.testing.assert_frame_equal(x.trend, y.trend, check_exact=False, rtol=1e-12, obj=x.metric)
    assert a.tile("clv").currency == "EUR"


def test_cart_abandonment_on_the_engine_equals_the_careful_one(pairs):
    engine, careful = pairs["events"]
    (ra, ca, na, wa), (rb, cb, nb, wb) = scorecard.cart_abandonment(engine), scorecard.cart_abandonment(careful)
    assert engine.on_engine
    assert (ra, ca, na) == (rb, cb, nb) and na > 0 and 0 < ra < 1
    pd.testing.assert_frame_equal(wa, wb, check_exact=True)


def test_events_without_a_cart_event_keep_the_tile_with_its_note(tmp_path):
    df = messy_events()
    df["event"] = df["event"].replace({"add_to_cart": "view_item"})
    path = tmp_path / "events.csv"
    write_csv(path, df)
    engine, careful = both(path)
    a, b = scorecard.event_tiles(engine, DefinitionSet.default()), scorecard.event_tiles(careful,
                                                                                        DefinitionSet.default())
    assert engine.on_engine and [t.to_json() for t in a] == [t.to_json() for t in b] and a[0].n == 0


def test_cli_scorecard_json_is_the_same_on_the_engine_and_the_careful_way(tmp_path, monkeypatch, capsys):
    from cxlib.cli.main import main
    from cxlib.data import canonical
    paths = {}
    for role, make in FILES.items():
        paths[role] = tmp_path / f"{role}.csv"
        write_csv(paths[role], make())
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", 4_000)
    args = ["scorecard", str(paths["orders"]), *(x for r in ("events", "responses", "tickets")
                                                 for x in ("--with", str(paths[r]))), "--json"]
    out = {}
    for way, min_mb in (("engine", "0.01"), ("careful", "1000")):
        monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", min_mb)
        assert main(args) == 0
        out[way] = json.loads(capsys.readouterr().out)
    assert out["engine"] == out["careful"] and len(out["engine"]["tiles"]) >= 10
    assert np.isfinite([t["value"] for t in out["engine"]["tiles"] if t["value"] is not None]).all()
