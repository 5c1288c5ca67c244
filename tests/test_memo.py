"""Decision memo (cxlib.memo) and A/B charts (cxlib.charts_experiment)."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from cxlib import charts_experiment as ce
from cxlib import memo
from cxlib.dataset import Dataset
from cxlib.experiment import analyze, analyze_counts

EVIL = '<script>alert(1)</script>![x](http://evil.example/p.png)'


@pytest.fixture(scope="module")
def result():
    return analyze_counts({"A": (25000, 1025), "B": (25000, 1155)}, control="A", bayesian=True)


@pytest.fixture(scope="module")
def evil_result():
    rows = [(f"a{i}", "control", int(i < 40)) for i in range(1000)] + [(f"b{i}", EVIL, int(i < 60)) for i in range(1000)]
    ds = Dataset.from_frame(pd.DataFrame(rows, columns=["unit_id", "variant", "converted"]), "experiment",
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


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_memo_escapes_file_text_and_inlines_svg(evil_result):
    page = memo.memo_html(evil_result)
    parser = _Collector()
    parser.feed(page)
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
