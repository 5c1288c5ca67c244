"""Notebook display: every result renders escaped HTML, has a table, a text summary and the app's chart."""
from __future__ import annotations

import html
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.core.result import Result
import cxlib as cx
from tests.html_parse import parse_html
from cxlib.analyses import clv
from cxlib.present import display
from cxlib.analyses import orders
from cxlib.analyses import power
from cxlib.analyses import retention
from cxlib.analyses import churn as churn_mod
from cxlib.analyses import scorecard
from cxlib.analyses import segment_analysis
from cxlib.analyses import segments
from cxlib.analyses import segment_members
from cxlib.analyses import support
from cxlib.analyses import survey
from cxlib.analyses.compare import compare_segments, segment_groups

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def data() -> dict[str, cx.Dataset]:
    files = {"orders": "orders_shopify.csv", "responses": "survey_responses.csv", "tickets": "tickets_zendesk.csv",
             "events": "events.csv", "experiment": "experiment_checkout.csv"}
    return {role: cx.load(SAMPLE / name) for role, name in files.items()}


def _results(d: dict[str, cx.Dataset]) -> dict[str, object]:
    """One instance of every public result class, computed on the sample data."""
    o, s, t = d["orders"], d["responses"], d["tickets"]
    rfm = cx.rfm(o)
    view = segments.build_customer_view(rfm)
    groups = segment_groups(view, ["Champions", "Lost"])
    steps = (cx.Step("view_item"), cx.Step("add_to_cart"), cx.Step("purchase"))
    return {
        "NpsResult": survey.nps(s), "ScaleResult": survey.csat(s), "SurveySummary": survey.summarize(s),
        "GroupedResult": survey.over_time(s, "nps"), "OrdersSummary": orders.summarize(o),
        "OrdersTable": orders.by_field(o, "channel"), "SupportSummary": support.summarize(t),
        "SupportTrend": support.over_time(t), "Scorecard": scorecard.build([o, s, t]), "RFMResult": rfm,
        "Comparison": compare_segments(view, groups, "aov", n_boot=200),
        "SegmentsResult": segment_analysis.analyze_segments(o, segment_analysis.SegmentsSpec(
            rules=(segment_members.RuleSpec("Unhappy", "nps <= 6", "1"),),
            compare=segment_analysis.CompareSpec(("rule:1", "nps:promoter", "rest"), "nps")), responses=s),
        "ChurnList": churn_mod.churn_list(o),
        "CohortResult": retention.cohort_table(o), "ChurnTrend": churn_mod.churn_trend(o),
        "HistoricalCLV": clv.historical_clv(o, by="channel"), "CLVResult": clv.predict_clv(o),
        "ExperimentResult": cx.abtest(d["experiment"]),
        "FunnelResult": cx.funnel(d["events"], cx.FunnelSpec(steps, by="device")),
    }


CHARTED = ["NpsResult", "ScaleResult", "SurveySummary", "GroupedResult", "OrdersSummary", "OrdersTable",
           "SupportSummary", "SupportTrend", "Scorecard", "RFMResult", "SegmentsResult", "Comparison", "CohortResult",
           "ChurnTrend",
           "HistoricalCLV", "CLVResult", "ExperimentResult", "FunnelResult"]


@pytest.fixture(scope="module")
def results(data) -> dict[str, object]:
    return _results(data)


def _parse(fragment: str):
    return parse_html(fragment)


@pytest.mark.parametrize("name", CHARTED)
def test_every_result_class_has_html_table_summary_and_the_app_chart(results, name):
    res = results[name]
    assert isinstance(res, Result) or hasattr(type(res), "_repr_html_")
    page = res._repr_html_()
    parsed = _parse(page)
    assert parsed.tags[0] == "div" and "script" not in parsed.tags and "link" not in parsed.tags
    assert display.title_of(res) in "".join(parsed.text)
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    assert isinstance(res.summary(), str) and res.summary()
    chart = res.chart()
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()          # validates against the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


@pytest.mark.parametrize("name", CHARTED)
def test_every_named_chart_kind_builds(results, name):
    res = results[name]
    kinds = display.chart_kinds(res)
    assert kinds, name
    for kind in kinds:
        res.chart(kind).to_dict()
    with pytest.raises(cx.CxDataError, match="unknown chart"):
        res.chart("no-such-chart")


def test_html_table_shows_the_head_of_to_frame(results):
    res = results["RFMResult"]
    cells = "".join(_parse(res._repr_html_()).text)
    for segment in res.to_frame()["segment"]:
        assert segment in cells


def test_definition_sentence_is_shown(results):
    res = results["CohortResult"]
    assert html.escape(res.spec.describe()) in res._repr_html_()


def test_chart_is_the_pages_builder(results):
    from cxlib.present import charts_experiment
    from cxlib.present import charts_funnel
    from cxlib.present import charts_segments
    from cxlib.present.charts_layout import fit              # as the app draws it: labels sized to their text
    assert results["RFMResult"].chart().to_dict() == fit(charts_segments.segment_share_chart(results["RFMResult"])).to_dict()
    exp = results["ExperimentResult"]
    assert exp.chart().to_dict() == fit(charts_experiment.lift_chart(exp)).to_dict()
    f = results["FunnelResult"]
    assert f.chart().to_dict() == fit(charts_funnel.funnel_chart(f)).to_dict()


def test_nps_chart_uses_the_definitions_given(results):
    from cxlib.core.definitions import DefinitionSet, NpsDef
    res = results["NpsResult"]
    strict = DefinitionSet.default().replace(nps=NpsDef(promoter_min=10, detractor_max=7))
    groups = {row["score"]: row["group"] for row in res.chart(defs=strict).to_dict()["datasets"].popitem()[1]}
    assert groups[9] == "passive" and groups[7] == "detractor" and groups[10] == "promoter"


def test_survey_comment_file_name_and_warning_appear_only_escaped():
    df = pd.DataFrame({"nps": [10.0, 3.0, 9.0], "comment": [EVIL, "ok", "fine"]})
    ds = cx.from_frame(df, "responses", name=f"{EVIL}.csv")
    res = survey.by_segment(ds, "nps", "comment")     # groups named by the comment text
    page = res._repr_html_()
    assert EVIL not in page and html.escape(EVIL) in page
    assert "script" not in _parse(page).tags
    assert EVIL in "".join(_parse(page).text)           # shown to the reader as text
    assert res.warnings                                 # few answers: a small-sample warning is listed


def test_warning_and_title_text_are_escaped():
    res = retention.RateResult("churn_rate", 0.5, 1, 2, (0.1, 0.9), "2026-01-01", f"defined by {EVIL}",
                               warnings=(f"bad row {EVIL}", "<b>bold</b>"))
    page = display.to_html(res, title=f"file {EVIL}")
    assert "<script>" not in page and "<b>bold</b>" not in page
    parsed = _parse(page)
    assert "script" not in parsed.tags and "b" not in parsed.tags
    text = "".join(parsed.text)
    assert f"bad row {EVIL}" in text and f"file {EVIL}" in text and f"defined by {EVIL}" in text


def test_experiment_file_name_is_escaped():
    df = pd.DataFrame({"unit_id": [f"u{i}" for i in range(200)], "variant": ["A", "B"] * 100,
                       "converted": [i % 7 == 0 for i in range(200)]})
    ds = cx.from_frame(df, "experiment", name=f"{EVIL}.csv")
    page = cx.abtest(ds)._repr_html_()
    assert EVIL not in page and f"A/B test on {html.escape(EVIL)}.csv" in page


def test_no_external_resources(results):
    for res in results.values():
        page = res._repr_html_()
        assert not re.search(r"(src|href)\s*=|@import|url\(", page), type(res).__name__


def test_results_without_chart_say_so_clearly():
    plan = power.sample_size(0.03, 0.10)
    assert plan.summary() == plan.describe()
    assert set(plan.to_frame()["field"]) >= {"baseline", "n_per_variant", "total"}
    assert "Sample size plan" in plan._repr_html_()
    with pytest.raises(cx.CxDataError, match="has no chart"):
        plan.chart()


def test_segments_result_charts_rfm_and_the_comparison_and_churn_list_has_no_chart(results):
    res = results["SegmentsResult"]
    assert display.chart_kinds(res) == ("segments", "grid", "value_tiers", "compare")
    assert res.chart("compare").to_dict()["title"] == "NPS by segment, with 95% confidence intervals"
    churn = results["ChurnList"]
    assert "Churned and at-risk customers" in churn._repr_html_() and len(churn.to_frame()) == 870
    with pytest.raises(cx.CxDataError, match="has no chart"):
        churn.chart()


def test_long_tables_are_cut_and_many_warnings_collapse():
    res = retention.RateResult("churn_rate", 0.5, 1, 2, (0.1, 0.9), "2026-01-01", "x",
                               warnings=tuple(f"w{i}" for i in range(30)))
    page = display.to_html(res)
    assert "30 warning(s)" in page and "w19" in page and "w20" not in page and "10 more" in page
    assert "<details>" in page                          # more than 3: collapsed


def test_import_cxlib_display_stays_light():
    import subprocess
    import sys
    code = "import sys, cxlib.present.display; print('altair' in sys.modules, 'duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["False", "False"]


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=40)


@settings(max_examples=150, deadline=None)
# the label goes into the summary line, where a newline becomes our own <br>: keep it to one line
@given(title=_TEXT, definition=_TEXT, warnings=st.lists(_TEXT, max_size=4),
       label=_TEXT.filter(lambda s: "\n" not in s))
def test_any_text_is_shown_verbatim_and_never_becomes_markup(title, definition, warnings, label):
    """Property: whatever the text, an HTML parser sees exactly our own tags, and the text reads back intact."""
    res = retention.RateResult("churn_rate", 0.5, 1, 2, (0.1, 0.9), label, definition, warnings=tuple(warnings))
    page = display.to_html(res, title=title)
    plain = display.to_html(retention.RateResult("churn_rate", 0.5, 1, 2, (0.1, 0.9), "x", "y" if definition else "",
                                                 warnings=("w",) * len(warnings)), title="t")
    assert _parse(page).tags == _parse(plain).tags          # no tag injected by the text
    text = "".join(_parse(page).text)
    for piece in (title, definition, label, *warnings):
        assert piece.strip() in text


@pytest.mark.parametrize("name", CHARTED)
def test_titles_are_messages_a_page_can_translate(results, name):
    from cxlib.core.messages import Msg, translate
    title = display.title_of(results[name])
    assert isinstance(title, Msg)
    upper = translate(title, lambda s: re.sub(r"(\{[^{}]*\})|([^{}]+)", lambda m: m.group(1) or m.group(2).upper(), s))
    assert upper != str(title) or not re.search("[a-z]", str(title))   # every title has a translatable template


def test_title_and_definition_templates_keep_data_as_values(results):
    from cxlib.core.messages import Msg
    grouped = display.title_of(results["GroupedResult"])
    assert (grouped.template, grouped.params) == ("{metric} by month", {"metric": "NPS"})
    hist = display.title_of(results["HistoricalCLV"])
    assert (hist.template, hist.params) == ("Historical CLV by {field}", {"field": "channel"})
    ab = display.title_of(results["ExperimentResult"])
    assert ab.template == "A/B test on {name}" and ab.params["name"] == "experiment_checkout.csv"
    assert isinstance(display.definition_of(results["NpsResult"]), Msg)
    assert display.definition_of(results["Scorecard"]).template.startswith("Each metric is judged")
    assert "<strong>Orders by channel</strong>" in display.to_html(results["OrdersTable"])     # the card stays English
