"""Experiment assignments converted by the engine (cxlib/data/canonical_experiment.py) equal the careful reader's:
the frame, the report (units, duplicates, what was left out, variants), and the A/B analysis on them."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlib.analyses.experiment import analyze
from cxlib.data.loader import load_on_engine
from cxlib.data.table import Limits
from tests.test_canonical import SAMPLE, assert_same, both, equal_or_declined, write_csv


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))


def assignments(n: int = 3_000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    converted = rng.choice(["1", "0", "yes", "no", "", "TRUE", "false", "N/A"], n, p=[.1, .4, .05, .2, .1, .05, .05, .05])
    return pd.DataFrame({
        "user_id": [f"u{i}" for i in range(n)],
        "variant": rng.choice(["control", "treatment", " Treatment "], n, p=[.5, .45, .05]),
        "exposed_at": (pd.Timestamp("2026-05-01", tz="UTC")
                       + pd.to_timedelta(rng.integers(0, 14 * 86400, n), unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "converted": converted,
        "revenue": np.where(np.isin(converted, ["1", "yes", "TRUE"]), np.round(rng.gamma(2, 25, n), 2), 0.0),
    })


# rows after the careful reader's sample: a copy of a row, a unit in two variants, a row without a variant
TAIL = ("u5,control,2026-05-01T00:00:00Z,1,10.5\nu5,control,2026-05-01T00:00:00Z,1,10.5\n"
        "u7,treatment,2026-05-02T00:00:00Z,0,0\nu7,control,2026-05-03T00:00:00Z,no,0\n"
        "u9001,,2026-05-03T00:00:00Z,0,0\n")


def as_json(result) -> str:
    return json.dumps(result.to_json(), sort_keys=True, default=str)


def test_an_assignment_log_gives_the_careful_frame_units_notes_and_variants(tmp_path):
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(), TAIL)
    engine, careful = both(path)
    assert engine is not None and engine.role == "experiment"
    assert_same(engine, careful)
    report = careful.report
    assert report.rows_in == 3_005 and report.duplicates >= 1 and report.rows < report.rows_in
    assert any("more than one variant" in str(w) for w in report.warnings)
    assert set(report.values) == {"variant"}


@pytest.mark.parametrize("metric", ["converted", "revenue"])
def test_the_ab_test_on_the_engine_table_equals_the_careful_one(tmp_path, metric):
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(seed=8), TAIL)
    engine, careful = both(path)
    assert engine is not None and engine.on_engine
    assert as_json(analyze(engine, metric=metric)) == as_json(analyze(careful, metric=metric))


@pytest.mark.parametrize("tail", ["u9,control,2026-05-03T00:00:00Z,maybe,0\n",         # a flag no table reads
                                  "u9,control,2026-05-03T00:00:00Z,1,\"12,50\"\n"])      # a decimal comma
def test_cells_the_careful_reader_must_read_decline(tmp_path, tail):
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(), tail)
    engine, careful = both(path)
    assert engine is None and careful.report.rows_in == 3_001


def test_an_unmapped_orders_column_goes_the_careful_way(tmp_path):
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments().assign(orders="1"))
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE) is None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["u1", "u2", "", "u3"]),
                               st.sampled_from(["control", "treatment", "", " control"]),
                               st.sampled_from(["1", "0", "", "yes", "N/A", "maybe", "1.0", "нет"]),
                               st.sampled_from(["0", "12.5", "", "7"])),
                     min_size=1, max_size=12))
def test_property_assignments_on_the_engine_equal_the_careful_reader_or_decline(tmp_path, rows):
    body = "".join(f"{u},{v},2026-05-0{1 + i % 2}T10:00:00Z,{c},{r}\n" for i, (u, v, c, r) in enumerate(rows))
    path = tmp_path / "experiment.csv"
    write_csv(path, assignments(400), body)
    equal_or_declined(path, tmp_path / "cache")


def test_conversions_from_an_events_file_join_on_the_engine_as_in_pandas(tmp_path):
    """Assignments and events both converted by the engine: the joined dataset is a canonical file of its own,
    equal to the pandas join, and the A/B test on it equals the careful one."""
    from cxlib.analyses.experiment_events import conversions_from_events
    from tests.test_canonical import events_frame
    units = assignments(seed=3).drop(columns=["converted", "revenue"])
    units["exposed_at"] = (pd.Timestamp("2026-03-01", tz="UTC")
                           + pd.to_timedelta(np.arange(len(units)) % 600, unit="h")).strftime("%Y-%m-%dT%H:%M:%SZ")
    units.loc[units.index % 97 == 0, "exposed_at"] = ""                  # no exposure: conversion unknown
    events = events_frame(seed=11)
    events["user_id"] = [f"u{i % 3_000}" for i in range(len(events))]
    write_csv(tmp_path / "experiment.csv", units)
    write_csv(tmp_path / "events.csv", events)
    (x_engine, x_careful), (e_engine, e_careful) = both(tmp_path / "experiment.csv"), both(tmp_path / "events.csv")
    assert x_engine is not None and e_engine is not None
    a = conversions_from_events(x_engine, e_engine, "purchase", "7d")
    b = conversions_from_events(x_careful, e_careful, "purchase", "7d")
    assert a.on_engine and x_engine.on_engine and e_engine.on_engine
    assert a.report == b.report and a.mapping == b.mapping and a.content_hash == b.content_hash
    assert a.df["converted"].sum() > 10
    pd.testing.assert_frame_equal(a.df, b.df)
    assert as_json(analyze(a)) == as_json(analyze(b))
    mixed = conversions_from_events(x_careful, e_engine, "purchase", "7d")    # small assignments, events on the engine
    assert e_engine.on_engine                                                  # the events were never read into pandas
    pd.testing.assert_frame_equal(mixed.df, b.df)
    assert mixed.report == b.report and mixed.mapping == b.mapping
