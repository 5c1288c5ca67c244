"""Funnel charts: English titles by default, every title through the interface's translator when one is set."""
from __future__ import annotations

import pandas as pd
import pytest

from cxlib.present import charts_funnel as charts
from cxlib.data.loader import from_frame
from cxlib.core import messages
from cxlib.analyses.funnel import FunnelSpec, Step, funnel
from tests.i18n_scan import chart_titles

T0 = pd.Timestamp("2026-03-02T00:00:00Z")


@pytest.fixture(scope="module")
def result():
    rows = ([(f"u{i}", "view", i * 3600, "ios" if i % 3 else None) for i in range(30)]
            + [(f"u{i}", "buy", i * 3600 + 600, None) for i in range(0, 30, 2)])
    df = pd.DataFrame(rows, columns=["user_id", "event", "sec", "device"])
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("sec"), unit="s")
    ds = from_frame(df, "events")
    return funnel(ds, FunnelSpec((Step("view"), Step("buy")), 86400.0, by="device"))


@pytest.fixture
def translator():
    messages.set_translator(lambda text: messages.translate(text, lambda s: "ZZ" + s))
    yield
    messages.set_translator(None)


def _all(result):
    return [charts.funnel_chart(result), charts.breakdown_chart(result), charts.time_histogram_chart(result, 2, 60),
            charts.trend_chart(result), charts.trend_chart(result, "week")]


def test_english_titles(result):
    specs = [c.to_dict() for c in _all(result)]
    assert specs[0]["title"] == "Funnel: users per step (drop-off from the previous step in red)"
    assert specs[1]["title"] == "Conversion by device"
    assert specs[2]["title"] == "Time to convert: view -> buy"
    assert specs[2]["encoding"]["x"]["title"] == "Time to convert (minutes)"
    assert specs[3]["layer"][0]["encoding"]["x"]["title"] == "Day of first view"
    labels = next(iter(specs[0]["datasets"].values()))
    assert [r["label"] for r in labels] == ["30 (100.0%)", "15 (50.0%)"] and labels[1]["drop_label"] == "-15 (-50.0%)"
    values = {r["value"] for r in next(iter(specs[1]["datasets"].values()))}
    assert values == {"ios", "(missing)"}


def test_every_title_goes_through_the_translator(result, translator):
    titles = [t for c in _all(result) for t in chart_titles(c.to_dict())]
    left = [t for t in titles if t and not t.startswith("ZZ") and t != "device"]     # device: the file's column
    assert titles and not left, left
    spec = charts.funnel_chart(result).to_dict()
    assert spec["title"] == "ZZFunnel: users per step (drop-off from the previous step in red)"
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["label"] == "ZZ30 (100.0%)"       # bar labels too go through the interface (its number formats)
    values = {r["value"] for r in next(iter(charts.breakdown_chart(result).to_dict()["datasets"].values()))}
    assert values == {"ios", "ZZ(missing)"}          # the value cxlib made is a label; the file's value stays


def test_bar_labels_follow_the_interface_locale(result):
    from ui.fmt import LocaleFormatter
    ru = LocaleFormatter("ru")
    messages.set_translator(lambda text: messages.translate(text, lambda s: s, lambda t, v: ru.format(t, **v)))
    try:
        rows = next(iter(charts.funnel_chart(result).to_dict()["datasets"].values()))
    finally:
        messages.set_translator(None)
    assert rows[1]["label"] == "15 (50,0\u00a0%)" and rows[1]["drop_label"] == "-15 (-50,0\u00a0%)"
