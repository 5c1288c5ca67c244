"""AppTest of pages/1_Survey.py with sample data and with a seeded survey."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import from_frame
from cxlib.core.definitions import DefinitionSet, NpsDef

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "1_Survey.py")


def _seeded(defs: DefinitionSet | None = None, lang: str | None = None) -> AppTest:
    ds = from_frame(pd.DataFrame({
        "nps": [10, 9, 9, 8, 7, 6, 3, 0, 10, 10],
        "csat": [5, 4, 4, 3, 2, 5, 1, 4, 5, 5],
        "answered_at": pd.date_range("2024-01-01", periods=10, freq="12D"),
        "country": ["DE", "FR"] * 5,
        "comment": ["**bold** <b>x</b>", None, "slow delivery", "", "ok", "Slow!", None, "bad", "great", "fine"],
    }), "responses", name="s.csv")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {ds.key: ds}
    if defs is not None:
        at.session_state["definitions"] = defs
    if lang is not None:
        at.session_state["lang"] = lang
    return at.run()


def _spec(at: AppTest, i: int) -> dict:
    return json.loads(at.get("vega_lite_chart")[i].proto.spec)


def test_numbers_charts_and_comment_search():
    at = _seeded()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # promoters 10,9,9,10,10 (5); detractors 6,3,0 (3) of 10 -> +20.0
    assert metrics["NPS"] == "+20.0" and metrics["Responses"] == "10"
    assert metrics["CSAT"] == "70.0%"          # 5,4,4,5,4,5,5 are top-2 of 10
    assert len(at.get("vega_lite_chart")) == 3
    assert "NPS: distribution of answers (n=10)" in json.dumps(_spec(at, 0))
    at.text_input(key="survey_search").set_value("slow").run()
    shown = at.dataframe[0].value
    assert sorted(shown["comment"].tolist()) == ["Slow!", "slow delivery"]
    assert "nps" in shown.columns


def test_definition_change_changes_figure_and_sentence():
    at = _seeded(DefinitionSet.default().replace(nps=NpsDef(8, 6)))
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["NPS"] == "+30.0"
    assert any("(8-10)" in c.value.replace("\\", "") for c in at.caption)


def test_switch_metric_and_period():
    at = _seeded()
    at.radio(key="survey_metric").set_value("csat").run()
    at.radio(key="survey_freq").set_value("week").run()
    assert not at.exception
    assert "CSAT by week with 95% CI" in json.dumps(_spec(at, 1))
    assert any("top two boxes" in c.value.replace("\\", "") for c in at.caption)


def test_with_sample_data():
    if not (ROOT / "sample_data" / "MANIFEST.json").exists():
        pytest.skip("sample data not generated yet")
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "NPS" in labels and "CSAT" in labels and "CES" in labels


@pytest.mark.parametrize("lang, nps, csat", [("zh", "+20.0", "70.0%"), ("ru", "+20,0", "70,0\xa0%")])
def test_page_in_chinese_and_russian(lang, nps, csat):
    at = _seeded(lang=lang)
    assert not at.exception
    values = [m.value for m in at.metric]
    assert nps in values and csat in values
    assert all(json.loads(el.proto.spec)["config"]["locale"]["number"]["decimal"] == ("," if lang == "ru" else ".")
               for el in at.get("vega_lite_chart"))
