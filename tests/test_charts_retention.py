"""cxlib.present.charts_retention: cohort, churn and CLV charts with titles, axis titles and tooltips, in English by
default and in the interface's language while a translator is installed."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxlib.present.charts_retention import (churn_trend_chart, clv_histogram, clv_segments_chart, cohort_heatmap,
                                    top_customers_chart)
from cxlib.data.loader import from_frame
from cxlib.analyses.clv import historical_clv, predict_clv
from cxlib.data.dataset import Dataset
from cxlib.analyses.retention import ChurnSpec, CohortSpec, cohort_table
from cxlib.analyses.churn import churn_trend


def spec(chart) -> dict:
    return json.loads(chart.to_json())


def rows(s: dict) -> list[dict]:
    return next(iter(s["datasets"].values()))


@pytest.fixture(scope="module")
def shop() -> Dataset:
    """120 customers over a year, each buying every 20-60 days for a while; data end mid-week."""
    rng = np.random.default_rng(3)
    out = []
    for i in range(120):
        day = int(rng.integers(0, 200))
        stop = day + int(rng.integers(0, 250))
        while day < min(stop, 365):
            out.append((f"c{i:03d}", pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=day),
                        float(rng.integers(10, 90)), ["web", "app"][i % 2]))
            day += int(rng.integers(20, 61))
    out.append(("new", pd.Timestamp("2024-12-18", tz="UTC"), 30.0, "web"))   # a Wednesday: the last week is partial
    return from_frame(pd.DataFrame(out, columns=["customer_id", "ordered_at", "amount", "channel"]), "orders")


@pytest.fixture
def translated():
    """A fake translator that marks every translated text with «», as the app installs its own."""
    from cxlib.core.messages import set_translator, translate
    set_translator(lambda text: translate(text, lambda s: f"«{s}»"))
    yield
    set_translator(None)


def test_cohort_heatmap_titles_and_cell_labels(shop):
    res = cohort_table(shop)
    s = spec(cohort_heatmap(res))
    assert s["title"] == "Retention by monthly cohort"
    layer = s["layer"][0]["encoding"]
    assert layer["x"]["title"] == "Months since first order"
    assert layer["y"]["title"] == "Cohort (month of first valid order, customers)"
    first = rows(s)[0]
    assert first["label"] == f"{round(first['retention'] * 100)}%" and first["row"].endswith(f"({first['customers']:,})")
    w = spec(cohort_heatmap(cohort_table(shop, CohortSpec(period="week"))))
    assert w["title"] == "Retention by weekly cohort" and w["layer"][0]["encoding"]["x"]["title"] == "Weeks since first order"
    partial = [r["note"] for r in rows(w) if r["partial"]]
    assert partial and set(partial) == {"week still in progress"}


def test_churn_and_clv_charts_in_english(shop):
    trend = churn_trend(shop, ChurnSpec(inactive_days=60))
    t = spec(churn_trend_chart(trend))
    assert t["title"] == "Churn rate (no valid order in 60 days), with 95% CI"
    hist = historical_clv(shop, by="channel")
    assert spec(clv_histogram(hist))["title"] == "Historical CLV (net revenue so far): distribution over customers"
    assert spec(clv_segments_chart(hist))["title"] == "Historical CLV by channel"
    pred = predict_clv(shop)
    assert pred.bgnbd is not None
    assert spec(clv_histogram(pred))["title"] == "Predicted CLV: distribution over customers"
    top = spec(top_customers_chart(pred, 5))
    assert top["title"] == "Top 5 customers by predicted CLV"
    assert top["encoding"]["x"]["title"] == "Predicted CLV, next 365 days"


def test_titles_labels_and_notes_are_localized_while_a_translator_is_installed(shop, translated):
    s = spec(cohort_heatmap(cohort_table(shop, CohortSpec(period="week"))))
    assert s["title"] == "«Retention by weekly cohort»"
    enc = s["layer"][0]["encoding"]
    assert enc["y"]["title"] == "«Cohort (week of first valid order, customers)»"
    assert {t["title"] for t in enc["tooltip"]} >= {"«Cohort»", "«Retention»", "«Weeks later»"}
    cell = rows(s)[0]
    assert cell["label"].startswith("«") and cell["label"].endswith("%»")           # "{percent}%" per language
    assert cell["row"] == f"«{cell['cohort']} ({cell['customers']:,})»"
    assert {r["note"] for r in rows(s) if r["partial"]} == {"«week still in progress»"}
    t = spec(churn_trend_chart(churn_trend(shop, ChurnSpec(inactive_days=60))))
    assert t["title"] == "«Churn rate (no valid order in 60 days), with 95% CI»"
    hist = historical_clv(shop)
    seg = spec(clv_segments_chart(hist))
    assert seg["title"] == "«Historical CLV by {field}»".replace("{field}", "«segment»")
    assert {r["segment"] for r in rows(seg)} == {"«all»"}                             # the marked segment name
