"""Decision memo (cxlib.present.memo) and A/B charts (cxlib.present.charts_experiment)."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from cxlib.present import charts_experiment as ce
from cxlib.data.loader import from_frame
from cxlib.present import memo
from cxlib.analyses.experiment import analyze, analyze_counts
from tests.html_parse import parse_html

EVIL = '<script>alert(1)</script>![x](http://evil.example/p.png)'


@pytest.fixture(scope="module")
def result():
    return analyze_counts({"A": (25000, 1025), "B": (25000, 1155)}, control="A", bayesian=True)


@pytest.fixture(scope="module")
def evil_result():
    rows = [(f"a{i}", "control", int(i < 40)) for i in range(1000)] + [(f"b{i}", EVIL, int(i < 60)) for i in range(1000)]
    ds = from_frame(pd.DataFrame(rows, columns=["unit_id", "variant", "converted"]), "experiment",
                            name="<b>exp</b>.csv")
    return analyze(ds)


def test_markdown_memo_has_every_section_and_the_numbers(result):
    md = memo.memo_markdown(result, question="Does the one-page checkout raise conversion?")
    for heading in ("# Decision memo", "## Verdict", "## Data checks", "## Results", "## Caveats", "## Definitions",
                    "## Data and software"):
        assert heading in md
    assert "4.10 %" in md and "4.62 %" in md and "pandas" in md and "statsmodels" in md
    assert "beats A with probability" in md


def test_markdown_memo_escapes_file_text_and_embeds_nothing(evil_result):
    md = memo.memo_markdown(evil_result)
    for unescaped in (r"(?<!\\)<script", r"(?<!\\)\]\(http", r"(?<!\\)!\\?\["):
        assert not re.search(unescaped, md), unescaped
    assert "\\<script\\>" in md
    assert memo.md_escape("1. item") == "\\1. item" and memo.md_escape("- x") == "\\- x"




def test_html_memo_escapes_file_text_and_inlines_svg(evil_result):
    page = memo.memo_html(evil_result)
    parser = parse_html(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert parser.tags.count("svg") == 2
    assert EVIL.split("!")[0] in "".join(parser.text)            # shown as text, not markup
    assert "&lt;b&gt;exp&lt;/b&gt;.csv" in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", page)  # nothing external


def test_html_memo_marks_untrustworthy_verdicts():
    res = analyze_counts({"A": (1000, 40), "B": (1300, 60)})
    assert res.checks.srm_flag
    assert 'class="verdict bad"' in memo.memo_html(res, charts=[])


def test_package_versions_are_reported():
    v = memo.package_versions()
    import numpy
    assert v["numpy"] == numpy.__version__ and set(v) == set(memo.PACKAGES)


def test_results_rows_quote_holm_adjusted_p_values():
    res = analyze_counts({"A": (10000, 400), "B": (10000, 470), "C": (10000, 455)})
    head, rows = memo.results_rows(res)
    assert len(rows) == 3 and rows[0][0] == "A (control)" and rows[1][7].endswith("(Holm)")


def test_rates_chart_spec_has_intervals_and_tooltips(result):
    spec = json.loads(ce.rates_chart(result).to_json())
    values = next(iter(spec["datasets"].values()))
    assert [round(v["value"], 4) for v in values] == [0.041, 0.0462]
    assert values[0]["low"] == pytest.approx(result.variants[0].rate_ci[0])
    assert spec["title"] == "Conversion by variant"
    assert any("tooltip" in layer["encoding"] for layer in spec["layer"])


def test_lift_chart_marks_zero_and_significance(result):
    spec = json.loads(ce.lift_chart(result).to_json())
    data = [v for d in spec["datasets"].values() for v in d]
    lift = next(v for v in data if "lift" in v)
    assert lift["status"] == "better" and lift["low"] == pytest.approx(result.comparisons[0].test.rel_ci[0])
    assert any(v.get("x") == 0.0 for v in data)
    assert "over A" in spec["title"]


# ------------------------------------------------------------------ the memo and charts in another language

def _upper(text) -> str:
    """A stand-in translation: every template and label upper-cased, values (numbers, names) untouched."""
    from cxlib.core.messages import translate
    return translate(text, lambda s: re.sub(r"(\{[^{}]*\})|([^{}]+)", lambda m: m.group(1) or m.group(2).upper(), s))


def test_markdown_memo_in_another_language_translates_every_sentence_and_heading(result):
    md = memo.memo_markdown(result, question="does it work?", translate=_upper)
    assert md.startswith("# DECISION MEMO: does it work?")           # the typed question stays as typed
    assert "## VERDICT" in md and "## DATA AND SOFTWARE" in md and "4.10 %" in md
    data = {"does", "work", *memo.PACKAGES}                          # typed text and package names are data
    left = {w for w in re.findall(r"\b[a-z]{3,}\b", md)} - data
    assert not left, left


def test_results_rows_are_messages_translated_on_request():
    res = analyze_counts({"A": (10000, 400), "B": (10000, 470), "C": (10000, 455)})
    head, rows = memo.results_rows(res, translate=lambda x: x)       # the messages themselves
    assert head[6] == "Relative lift, likely range (95% confidence interval)"
    assert head[6].template == "Relative lift, likely range ({level:.0%} confidence interval)"
    assert rows[1][7].template == "{p_value} (Holm)" and rows[0][1].params == {"users": 10000}
    head, rows = memo.results_rows(res, translate=_upper)
    assert head[0] == "VARIANT" and rows[0][0] == "A (CONTROL)" and rows[1][8] == "YES" and rows[1][0] == "B"


def test_html_memo_has_its_language_and_translated_chart_titles(result):
    page = memo.memo_html(result, translate=_upper, lang="ru")
    assert page.startswith('<!DOCTYPE html>\n<html lang="ru">') and "<h2>CAVEATS</h2>" in page
    assert "CONVERSION BY VARIANT" in page                           # the chart's title, drawn in the SVG
    from cxlib.core.messages import localize
    assert localize(ce.rates_chart(result).to_dict()["title"]) == "Conversion by variant"   # nothing leaked


def test_charts_translate_titles_tooltips_and_legend_categories(result):
    from cxlib.core.messages import set_translator
    set_translator(_upper)
    try:
        spec = json.loads(ce.lift_chart(result).to_json())
    finally:
        set_translator(None)
    assert spec["title"] == "LIFT IN CONVERSION OVER A"
    data = [v for d in spec["datasets"].values() for v in d if "status" in v]
    assert data[0]["status"] == "BETTER"
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["BETTER", "WORSE", "NO SIGNIFICANT DIFFERENCE"]     # matches the data, so colours hold
    titles = [t["title"] for t in spec["layer"][0]["encoding"]["tooltip"]]
    assert titles == ["VARIANT", "RELATIVE LIFT", "CI LOW", "CI HIGH", "P-VALUE", "RESULT"]


def test_memo_is_titled_by_the_question_and_opens_with_the_decision():
    res = analyze_counts({"control": (5981, 245), "one_page_checkout": (6009, 295)})
    md = memo.memo_markdown(res, "Does the one-page checkout raise conversion?")
    lines = md.splitlines()
    assert lines[0] == "# Decision memo: Does the one-page checkout raise conversion?"
    assert lines[2] == "## Decision" and lines[4].startswith("Ship one\\_page\\_checkout, because")
    assert memo.memo_markdown(res).splitlines()[0] == (
        "# Decision memo: Does one\\_page\\_checkout change conversion compared with control?")
    from dataclasses import replace
    asked = replace(res, spec=replace(res.spec, question="Typed <b>here</b>"))       # a saved spec keeps it
    html = memo.memo_html(asked, charts=[])
    assert "<h1>Decision memo: Typed &lt;b&gt;here&lt;/b&gt;</h1>" in html and "<h2>Decision</h2>" in html


def test_preview_leaves_out_only_the_provenance_section():
    res = analyze_counts({"A": (1000, 40), "B": (1000, 50)})
    full, preview = memo.memo_markdown(res), memo.memo_markdown(res, provenance=False)
    assert "Content hash" in full and "Content hash" not in preview and full.startswith(preview.rstrip("\n"))
