"""Survey metrics on the engine (cxlib.analyses.survey_engine) equal the careful path's, warnings included.

Each test loads one file twice: by the engine (a canonical Parquet file, analyses aggregating on it because
CX_ENGINE_ANALYSIS_MIN_ROWS is 0) and the careful way (pandas); the results' JSON must be the same text and
the engine's Dataset must never have read its table into pandas.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlib.analyses import survey
from cxlib.core.definitions import CsatDef, DefinitionSet
from tests.engine_pairs import cli_both_ways
from tests.test_canonical import as_json, both, write_csv


@pytest.fixture(autouse=True)
def _engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")      # else a table this small computes in pandas


def messy_survey(n: int = 3_000, seed: int = 8) -> pd.DataFrame:
    """Blanks, NPS 11 and 12 (out of range), CSAT words and 7s, non-integer answers, three countries (and blank)."""
    rng = np.random.default_rng(seed)
    when = (pd.Timestamp("2025-12-20", tz="UTC") + pd.to_timedelta(rng.integers(0, 70 * 86400, n), unit="s"))
    dates = pd.Series(when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    dates[rng.random(n) < 0.05] = ""
    return pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(n)],
        "answered_at": dates,
        "country": rng.choice(["DE", "FR", " US ", "", "de"], n),
        "nps": rng.choice(["10", "9", "8", "7", "6", "3", "0", "", "11", "12", "9 - likely", "7.5"], n),
        "csat": rng.choice(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "", "5", "4", "7", "4.5"], n,
                           p=[.2, .2, .1, .1, .1, .1, .1, .02, .08]),
        "ces": rng.choice(["1", "2", "5", "6", "7", "", "12"], n),
        "comment": rng.choice(["great, fast", "Slow delivery", "", "late AGAIN", "ok"], n),
    })


def pair(tmp_path, df: pd.DataFrame, name: str = "survey.csv"):
    path = tmp_path / name
    write_csv(path, df)
    engine, careful = both(path)
    assert engine is not None and engine.role == "responses" and engine.aggregate_on_engine
    return engine, careful


def test_summary_nps_csat_ces_and_warnings_on_the_engine_equal_the_careful_ones(tmp_path):
    engine, careful = pair(tmp_path, messy_survey())
    a, b = survey.summarize(engine), survey.summarize(careful)
    assert engine.on_engine                                  # the figures never read the table into pandas
    assert as_json(a) == as_json(b)
    assert a.warnings == b.warnings and any("outside" in w for w in a.warnings)
    for f in (survey.nps, survey.csat, survey.ces):
        x, y = f(engine), f(careful)
        assert as_json(x) == as_json(y) and x.warnings == y.warnings and repr(x) == repr(y)      # NaN == NaN
    assert engine.on_engine


def test_another_csat_scale_is_refused_on_the_engine_as_in_pandas(tmp_path):
    df = messy_survey(600)
    df["csat"] = np.resize([str(x) for x in range(1, 11)], len(df))    # a 1-10 survey read with the 1-5 definition
    engine, careful = pair(tmp_path, df)
    a, b = survey.csat(engine), survey.csat(careful)
    assert repr(a) == repr(b) and a.n == 0 and any("another scale" in w for w in a.warnings)
    ten = DefinitionSet.default().replace(csat=CsatDef(10))
    assert repr(survey.csat(engine, ten)) == repr(survey.csat(careful, ten))
    assert engine.on_engine


@pytest.mark.parametrize("metric", ["nps", "csat", "ces"])
def test_breakdowns_and_trends_on_the_engine_equal_the_careful_ones(tmp_path, metric):
    engine, careful = pair(tmp_path, messy_survey())
    for a, b in ((survey.by_segment(engine, metric, "country"), survey.by_segment(careful, metric, "country")),
                 (survey.over_time(engine, metric, "week"), survey.over_time(careful, metric, "week")),
                 (survey.over_time(engine, metric, "month"), survey.over_time(careful, metric, "month"))):
        assert as_json(a) == as_json(b) and a.warnings == b.warnings
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert engine.on_engine
    assert any("no date" in w for w in survey.over_time(engine, metric).warnings)


def test_comments_on_the_engine_are_the_careful_rows_newest_first_capped(tmp_path):
    engine, careful = pair(tmp_path, messy_survey())
    for search, limit in (("", 500), ("late", 40), ("LATE again", 500), ("nothing like this", 10)):
        a, b = survey.comments(engine, search, "nps", limit=limit), survey.comments(careful, search, "nps", limit=limit)
        pd.testing.assert_frame_equal(a, b)
    assert engine.on_engine


def test_cli_json_is_the_same_on_the_engine_and_the_careful_way(tmp_path, monkeypatch, capsys):
    path = tmp_path / "survey.csv"
    write_csv(path, messy_survey())
    engine, careful = cli_both_ways(monkeypatch, capsys, ["survey", str(path), "--by", "country", "--json"])
    assert engine == careful and engine["nps"]["n"] > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["DE", "", " FR", "fr"]),
                               st.sampled_from(["10", "", "9 - very likely", "N/A", "7.5", "11", "12", "0", "6"]),
                               st.sampled_from(["Very satisfied", "", "3", "Neutral", "4,5", "Unsatisfied", "8"])),
                     min_size=1, max_size=40))
def test_property_survey_counts_on_the_engine_equal_the_careful_ones(tmp_path, rows):
    for f in (tmp_path / "cache").glob("**/*"):              # each example starts from an empty cache
        f.unlink() if f.is_file() else None
    base = messy_survey(300)
    body = "".join(f"x{i},2026-03-0{1 + i % 9}T10:00:00Z,{c},{nps},\"{csat}\",,\n"
                   for i, (c, nps, csat) in enumerate(rows))
    path = tmp_path / "survey.csv"
    write_csv(path, base, body)
    engine, careful = both(path)
    if engine is None:                                       # the careful reader's file: nothing to compare
        return
    assert as_json(survey.summarize(engine)) == as_json(survey.summarize(careful))
    for metric in ("nps", "csat"):
        assert as_json(survey.by_segment(engine, metric, "country")) == \
            as_json(survey.by_segment(careful, metric, "country"))
    assert engine.on_engine
