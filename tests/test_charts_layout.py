"""cxlib.present.charts_layout: chart labels fit their text in every language (issue 20, finding 8).

In Russian, bar labels were cut ("Потенциально л…": Streamlit's theme cuts axis labels at 100 px),
segment names written in the R x FM heatmap ran into each other and its y-axis title was clipped.
Every chart of every result (as the app draws it: ``ui.charts.localized``) is rendered by Vega with
Streamlit's theme in Russian and Chinese and checked for cut, clipped and overlapping text
(``tests/chart_render.py``); the Segments, Retention and Orders pages are checked the same way from
an AppTest run. With the label sizing switched off these tests fail on the charts of the finding.
"""
from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

import cxlib as cx
from cxlib.present import charts_layout
from cxlib.present import display
from cxlib.core import messages
from cxlib.present.charts_layout import LABEL_SIZE, fit, fit_spec, text_width, wrap
from tests.chart_render import layout_problems, text_px
from tests.test_display import CHARTED, _results

LANGS = ("ru", "zh")


# ---------------------------------------------------------------------------------------------
# Measuring and wrapping
def test_text_width_errs_on_the_wide_side_of_the_real_font():
    samples = ["Потенциально лояльные", "Potential loyalists", "潜在忠诚客户", "Top 10%", "2024-03 (1 234)",
               "Нельзя потерять", "重要挽留客户"]
    for text in samples:
        real = text_px(text, LABEL_SIZE)                     # Liberation Sans / Noto Sans CJK advances
        assert real <= text_width(text, LABEL_SIZE) <= real * 1.35, text


def test_wrap_breaks_at_spaces_or_between_chinese_characters_into_even_lines():
    assert wrap("Потенциально лояльные", 100, 12) == ["Потенциально", "лояльные"]
    assert wrap("Champions", 10, 12) == ["Champions"]                 # a word longer than the room stays whole
    assert wrap("需关注客户", 40, 10) == ["需关注", "客户"]             # balanced, not "需关注客" + "户"
    lines = wrap("Customers by recency and frequency monetary score", 200, 12)
    assert len(lines) == 2 and all(text_width(line, 12) <= 200 for line in lines)
    assert " ".join(lines) == "Customers by recency and frequency monetary score"


# ---------------------------------------------------------------------------------------------
# What fit() does to a spec
def _lookup(expr: str) -> dict:
    """The label -> lines table inside a ``labelExpr`` / ``calculate`` made by fit()."""
    return json.loads(expr[1:expr.index(")[")])


def _bars(labels: list[str], **props) -> alt.Chart:
    df = pd.DataFrame({"label": labels, "n": range(1, len(labels) + 1)})
    return alt.Chart(df).mark_bar().encode(y="label:N", x="n:Q").properties(**props)


def test_y_labels_get_a_limit_as_wide_as_the_longest_label():
    spec = fit(_bars(["Потенциально лояльные", "Новые"])).to_dict()       # validates against the schema
    assert spec["encoding"]["y"]["axis"]["labelLimit"] >= text_width("Потенциально лояльные", LABEL_SIZE)


def test_very_long_y_labels_wrap_onto_lines_instead_of_growing_without_end():
    long = "Клиенты, которые давно не покупали, но раньше приносили много выручки"
    axis = fit(_bars([long, "Новые"])).to_dict()["encoding"]["y"]["axis"]
    assert axis["labelLimit"] <= charts_layout.Y_LABEL_MAX + charts_layout.PAD
    lines = _lookup(axis["labelExpr"])[long]
    assert " ".join(lines) == long and len(lines) > 1


def test_x_labels_wrap_to_their_band_and_a_step_grows_for_a_long_word():
    df = pd.DataFrame({"tier": ["Следующие 40 %", "Топ 10 %"], "n": [1, 2]})
    chart = alt.Chart(df).mark_bar().encode(x="tier:N", y="n:Q").properties(width=alt.Step(50))
    spec = fit(chart).to_dict()
    axis = spec["encoding"]["x"]["axis"]
    assert axis["labelAngle"] == 0 and "labelExpr" in axis
    assert spec["width"]["step"] >= text_width("Следующие", LABEL_SIZE)     # the longest word fits its band


def test_legend_labels_and_title_are_never_cut():
    df = pd.DataFrame({"x": [1, 2], "y": [1, 2], "who": ["нет значимой разницы", "лучше"]})
    chart = alt.Chart(df).mark_point().encode(x="x:Q", y="y:Q", color=alt.Color("who:N", title="Результат теста"))
    legend = fit(chart).to_dict()["encoding"]["color"]["legend"]
    assert legend["labelLimit"] >= text_width("нет значимой разницы", charts_layout.LEGEND_SIZE)
    assert legend["titleLimit"] >= text_width("Результат теста", charts_layout.LEGEND_SIZE)


def test_a_y_axis_title_longer_than_the_plot_wraps():
    chart = _bars(["a", "b"], height=120).encode(y=alt.Y("label:N", title="Балл R (давность; 5 — самые недавние покупки)"))
    title = fit(chart).to_dict()["encoding"]["y"]["title"]
    assert isinstance(title, list) and len(title) >= 2


def test_text_in_heatmap_cells_wraps_to_the_cell():
    df = pd.DataFrame({"r": [1, 1, 2, 2], "fm": [1, 2, 1, 2],
                       "segment": ["Потенциально лояльные", "Под угрозой ухода", "Новые", "Нельзя потерять"]})
    base = alt.Chart(df).encode(x="fm:O", y="r:O")
    chart = alt.layer(base.mark_rect().encode(color="r:Q"), base.mark_text(fontSize=10).encode(text="segment:N"))
    spec = fit(chart.properties(width=200, height=120)).to_dict()
    text_layer = spec["layer"][1]
    assert text_layer["mark"]["lineBreak"] == "\n" and text_layer["encoding"]["text"]["field"] == "segment__lines"
    assert _lookup(text_layer["transform"][0]["calculate"])["Потенциально лояльные"] == "Потенциально\nлояльные"


def test_fit_keeps_data_and_tooltips_and_runs_once():
    chart = _bars(["Потенциально лояльные", "Новые"]).encode(tooltip=["label:N", "n:Q"])
    once = fit(chart)
    assert fit(once) is once and once.to_dict()["usermeta"]["cx_labels_fitted"]
    before, after = chart.to_dict(), once.to_dict()
    assert before["datasets"] == after["datasets"] and before["encoding"]["tooltip"] == after["encoding"]["tooltip"]
    assert fit_spec(after) is after and fit(None) is None


# ---------------------------------------------------------------------------------------------
# Rendered: every chart of every result, in Russian and Chinese, as the app draws it
@pytest.fixture(scope="module")
def results():
    from tests.test_display import SAMPLE
    files = {"orders": "orders_shopify.csv", "responses": "survey_responses.csv", "tickets": "tickets_zendesk.csv",
             "events": "events.csv", "experiment": "experiment_checkout.csv"}
    return _results({role: cx.load(SAMPLE / name) for role, name in files.items()})


def _drawn(result, kind: str, lang: str) -> dict:
    """The chart's spec as the app draws it in ``lang``: translated, labels fitted, locale set."""
    from ui.i18n import tr
    from ui.charts import localized
    messages.set_translator(lambda text: tr(text, lang))
    try:
        return localized(display.chart(result, kind), lang).to_dict()
    finally:
        messages.set_translator(None)


@pytest.mark.parametrize("name", CHARTED)
def test_fit_writes_into_the_chart_exactly_what_fit_spec_computes(results, name):
    from ui.i18n import tr
    messages.set_translator(lambda text: tr(text, "ru"))
    try:
        for kind in display.chart_kinds(results[name]):
            chart = display.view_of(results[name]).charts[kind](results[name], defs=None)
            assert fit(chart).to_dict() == fit_spec(chart.to_dict()), kind    # to_dict() validates the schema
    finally:
        messages.set_translator(None)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", CHARTED)
def test_no_chart_label_is_cut_clipped_or_overlapping(results, name, lang):
    res = results[name]
    found = {kind: layout_problems(_drawn(res, kind, lang)) for kind in display.chart_kinds(res)}
    found = {kind: p for kind, p in found.items() if p}
    assert not found, f"{name} in {lang}: {found}"


# ---------------------------------------------------------------------------------------------
# The pages of the finding, from an AppTest run (what Streamlit sends to the browser)
def _page_specs(page: str, lang: str) -> list[dict]:
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
    from streamlit.testing.v1 import AppTest
    from tests.conftest import ROOT
    at = AppTest.from_file(str(ROOT / page), default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    specs = []
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        spec["datasets"] = {d.name: json.loads(convert_arrow_bytes_to_pandas_df(d.data.data)
                                               .to_json(orient="records", date_format="iso"))
                            for d in el.proto.datasets}
        specs.append(spec)
    return specs


@pytest.mark.slow
@pytest.mark.parametrize("page", ["pages/5_Segments.py", "pages/6_Retention.py", "pages/2_Orders.py"])
def test_page_charts_in_russian_are_readable(page):
    specs = _page_specs(page, "ru")
    assert specs
    found = {i: p for i, spec in enumerate(specs) if (p := layout_problems(spec))}
    assert not found, f"{page} in ru: {found}"
