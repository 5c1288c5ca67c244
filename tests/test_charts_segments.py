"""cxlib.present.charts_segments: charts build valid Vega-Lite with titles, axis titles and tooltips."""
from __future__ import annotations

import json
from datetime import date

import pytest

from cxlib.present.charts_segments import comparison_chart, rfm_grid_chart, segment_share_chart, value_tier_chart
from cxlib.data.loader import from_frame
from cxlib.analyses.compare import compare_segments, segment_groups
from cxlib.analyses.segments import RFMSpec, compute_rfm, value_tier_frame
from cxlib.analyses.segments import build_customer_view
from tests.test_segments import generated_orders


@pytest.fixture(scope="module")
def rfm():
    return compute_rfm(from_frame(generated_orders(600), "orders"), RFMSpec(as_of=date(2024, 5, 31)))


def spec(chart) -> dict:
    return json.loads(chart.to_json())


def test_segment_share_chart_has_both_shares_per_segment(rfm):
    s = spec(segment_share_chart(rfm))
    rows = next(iter(s["datasets"].values()))
    assert s["title"] == "Segment size and value share" and len(rows) == 2 * len(rfm.segment_counts)
    assert {r["measure"] for r in rows} == {"Customers", "Net revenue"}
    assert s["encoding"]["x"]["title"] == "Share of total (%)" and len(s["encoding"]["tooltip"]) == 5
    assert sum(r["pct"] for r in rows if r["measure"] == "Customers") == pytest.approx(100, abs=0.1)


def test_rfm_grid_chart_has_25_cells_summing_to_customers(rfm):
    s = spec(rfm_grid_chart(rfm))
    rows = next(iter(s["datasets"].values()))
    assert len(rows) == 25 and sum(r["customers"] for r in rows) == len(rfm.customers)
    assert s["title"].startswith("Customers by recency")


def test_value_tier_and_comparison_charts(rfm):
    s = spec(value_tier_chart(value_tier_frame(rfm.customers)))
    assert s["encoding"]["y"]["title"] == "Share of net revenue (%)"
    view = build_customer_view(rfm)
    cmp = compare_segments(view, segment_groups(view, ["Champions", "Lost"]), "conversion")
    c = spec(comparison_chart(cmp))
    assert c["title"].startswith("Conversion by segment") and len(c["layer"]) == 2
    assert c["layer"][0]["encoding"]["x"]["axis"]["format"] == ".0%"


@pytest.fixture
def translated():
    """Install a fake translator that marks every translated text with «», as the app installs its own."""
    from cxlib.core.messages import set_translator, translate
    set_translator(lambda text: translate(text, lambda s: f"«{s}»"))
    yield
    set_translator(None)


def test_titles_axes_and_names_are_localized_while_a_translator_is_installed(rfm, translated):
    s = spec(segment_share_chart(rfm))
    rows = next(iter(s["datasets"].values()))
    assert s["title"] == "«Segment size and value share»" and s["encoding"]["x"]["title"] == "«Share of total (%)»"
    assert {r["measure"] for r in rows} == {"«Customers»", "«Net revenue»"}
    assert "«Champions»" in {r["segment"] for r in rows}                # marked segment names, for display
    g = spec(rfm_grid_chart(rfm))
    assert g["title"].startswith("«Customers by recency") and "«Lost»" in {r["segment"] for r in
                                                                          next(iter(g["datasets"].values()))}
    v = spec(value_tier_chart(value_tier_frame(rfm.customers)))
    assert "«Top 10%»" in {r["value_tier"] for r in next(iter(v["datasets"].values()))}
    view = build_customer_view(rfm)
    c = spec(comparison_chart(compare_segments(view, segment_groups(view, ["Champions", "Lost"]), "conversion")))
    assert c["title"] == "««Conversion» by segment, with 95% confidence intervals»"   # the label translated in turn
    assert c["layer"][0]["encoding"]["x"]["title"] == "««Conversion» (share)»"


def test_charts_are_english_without_a_translator(rfm):
    from cxlib.core.messages import localize
    assert localize("Champions") == "Champions"
    s = spec(segment_share_chart(rfm))
    assert "Champions" in {r["segment"] for r in next(iter(s["datasets"].values()))}
