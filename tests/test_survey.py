"""Survey metrics checked against hand computations, statsmodels and scipy."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxlib.analyses import survey
from cxlib.data.loader import from_frame
from cxlib.data.dataset import Dataset
from cxlib.core.definitions import CesDef, CsatDef, DefinitionSet, NpsDef


def _ds(**cols) -> Dataset:
    return from_frame(pd.DataFrame(cols), "responses")


def test_nps_and_ci_match_hand_computation():
    # 10 promoters, 6 passives, 4 detractors, plus a blank and an out-of-range 11
    answers = [10] * 6 + [9] * 4 + [8] * 3 + [7] * 3 + [6, 3, 0, 0] + [None, 11]
    res = survey.nps(_ds(nps=answers))
    # by hand: p_prom = 0.5, p_detr = 0.2 -> NPS 30; var = (0.7 - 0.3^2)/20 = 0.0305
    # half width = 1.959964 * sqrt(0.0305) = 1.959964 * 0.1746425 = 0.342293 -> 34.2293 points
    assert (res.n, res.promoters, res.passives, res.detractors) == (20, 10, 6, 4)
    assert res.score == pytest.approx(30.0)
    assert res.ci95[0] == pytest.approx(30 - 34.2293, abs=1e-3)
    assert res.ci95[1] == pytest.approx(30 + 34.2293, abs=1e-3)
    assert res.distribution[10] == 6 and res.distribution[0] == 2 and sum(res.distribution) == 20
    assert any("outside the 0-10 scale" in w and "1 NPS" in w for w in res.warnings)


def test_nps_ci_is_clipped_to_plus_minus_100():
    res = survey.nps(_ds(nps=[10, 10, 9, 2]))
    assert res.ci95[1] == 100.0 and res.ci95[0] >= -100


def test_nps_bands_follow_the_definition():
    defs = DefinitionSet.default().replace(nps=NpsDef(promoter_min=8, detractor_max=5))
    res = survey.nps(_ds(nps=[8, 9, 6, 5, 7]), defs)
    assert (res.promoters, res.passives, res.detractors) == (2, 2, 1)
    assert res.score == pytest.approx(20.0)


def test_nps_on_empty_answers_is_nan_with_warning():
    res = survey.nps(_ds(nps=[None, None], csat=[1, 2]))
    assert res.n == 0 and math.isnan(res.score)
    assert any("No valid NPS" in w for w in res.warnings)


def test_csat_top2_matches_statsmodels_wilson_and_mean_matches_scipy_t():
    answers = [5, 5, 4, 4, 4, 3, 2, 1, 5, 4, 3, 3]
    res = survey.csat(_ds(csat=answers))
    k = sum(a >= 4 for a in answers)
    lo, hi = proportion_confint(k, len(answers), alpha=0.05, method="wilson")
    assert res.share_pct == pytest.approx(100 * k / 12)
    assert res.share_ci95 == pytest.approx((100 * lo, 100 * hi), rel=1e-6)
    m = np.mean(answers)
    tlo, thi = stats.t.interval(0.95, len(answers) - 1, loc=m, scale=stats.sem(answers))
    assert res.mean == pytest.approx(m)
    assert res.mean_ci95 == pytest.approx((tlo, thi), rel=1e-9)
    assert res.headline == res.share_pct


def test_csat_mean_mode_makes_the_mean_the_headline():
    defs = DefinitionSet.default().replace(csat=CsatDef(5, "mean"))
    res = survey.csat(_ds(csat=[1, 2, 3, 4, 5]), defs)
    assert res.headline == pytest.approx(3.0)
    assert res.headline_ci95 == res.mean_ci95


def test_csat_text_labels_and_bad_answers():
    s = pd.Series(["Very satisfied", "satisfied", "Dissatisfied", "n/a", "", None, "4", "9"], dtype="string")
    sc = survey.clean_scores(s, "csat")
    assert sorted(sc.values.tolist()) == [2.0, 4.0, 4.0, 5.0]
    assert (sc.blank, sc.non_numeric, sc.out_of_range) == (2, 1, 1)
    assert any("'n/a'" in w for w in sc.warnings)
    assert any("1-7 or 1-10 scale" in w for w in sc.warnings)


@pytest.mark.parametrize("scale, answers, top2", [
    (7, [7, 6, 5, 1], 50.0), (10, [10, 9, 8, 1, 7], 40.0), (5, [5, 4, 3, 2], 50.0)])
def test_csat_scales_top_two_boxes(scale, answers, top2):
    res = survey.csat(_ds(csat=answers), DefinitionSet.default().replace(csat=CsatDef(scale)))
    assert res.share_pct == pytest.approx(top2)
    assert res.n == len(answers)


def test_ces_agreement_and_effort_scales():
    res = survey.ces(_ds(ces=[7, 6, 5, 4, 1]))
    assert res.share_pct == pytest.approx(60.0) and res.mean == pytest.approx(4.6)
    effort = DefinitionSet.default().replace(ces=CesDef("0-10", easy_max=3))
    res = survey.ces(_ds(ces=[0, 3, 4, 10]), effort)
    assert res.share_pct == pytest.approx(50.0)


def test_by_segment_matches_per_group_hand_values():
    ds = _ds(nps=[10, 9, 0, 10, 5, 5, 8], country=["DE", "DE", "DE", "FR", "FR", "FR", None])
    res = survey.by_segment(ds, "nps", "country")
    f = res.to_frame().set_index("group")
    # DE: 2 prom, 1 det of 3 -> 33.33; FR: 1 prom, 2 det of 3 -> -33.33; blank: passive -> 0
    assert f.loc["DE", "value"] == pytest.approx(100 / 3)
    assert f.loc["FR", "value"] == pytest.approx(-100 / 3)
    assert f.loc["(blank)", "value"] == 0 and f.loc["(blank)", "n"] == 1
    s, lo, hi = survey.nps_ci(2, 1, 3)
    assert f.loc["DE", "ci_low"] == pytest.approx(float(lo))
    assert any("fewer than 30" in w for w in res.warnings)


def test_over_time_groups_by_calendar_month_and_iso_week():
    ds = _ds(csat=[5, 1, 4, 4], answered_at=["2024-01-31", "2024-01-01", "2024-02-01", "2024-02-05"])
    f = survey.over_time(ds, "csat", "month").to_frame()
    assert f["group"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02"]
    assert f["value"].tolist() == pytest.approx([50.0, 100.0])
    w = survey.over_time(ds, "csat", "week").to_frame()
    assert w["group"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-29", "2024-02-05"]
    assert w["group"].dt.day_of_week.eq(0).all()


def test_comments_search_is_literal_and_keeps_scores():
    ds = _ds(nps=[10, 2, 7], comment=["Great (really)!", "=HYPERLINK(\"x\")", " "],
             answered_at=["2024-01-01", "2024-01-02", "2024-01-03"])
    all_c = survey.comments(ds)
    assert all_c["comment"].tolist() == ["=HYPERLINK(\"x\")", "Great (really)!"]   # newest first, blank dropped
    assert all_c["nps"].tolist() == [2.0, 10.0]
    assert survey.comments(ds, "(REALLY)")["nps"].tolist() == [10.0]
    assert survey.comments(ds, ".*").empty


def test_summary_json_has_contract_keys():
    ds = _ds(nps=[10, 9, 3], csat=[5, 4, 1], answered_at=["2024-01-01"] * 3)
    out = json.loads(json.dumps(survey.summarize(ds).to_json()))
    assert set(out) >= {"responses", "nps", "csat", "ces", "warnings"}
    assert out["ces"] is None
    assert set(out["nps"]) >= {"score", "n", "promoters", "passives", "detractors", "ci95"}
    assert out["csat"]["top2_pct"] == pytest.approx(66.67)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.integers(-3, 13), st.none()), min_size=1, max_size=60))
def test_nps_property_matches_plain_python(answers):
    res = survey.nps(_ds(nps=[float(a) if a is not None else None for a in answers]))
    valid = [a for a in answers if a is not None and 0 <= a <= 10]
    assert res.n == len(valid)
    if valid:
        ref = 100 * (sum(a >= 9 for a in valid) - sum(a <= 6 for a in valid)) / len(valid)
        assert res.score == pytest.approx(ref)
        assert -100 <= res.ci95[0] <= res.score + 1e-9 <= res.ci95[1] + 2e-9 <= 100 + 2e-9


@pytest.mark.slow
def test_cli_contract_with_definitions_file(tmp_path, contract_problems):
    f = tmp_path / "survey.csv"
    f.write_text("respondent_id,nps,csat,comment\n1,10,5,great\n2,6,2,bad\n3,9,4,\n4,8,5,ok\n")
    defs = tmp_path / "defs.json"
    defs.write_text(DefinitionSet.default().replace(nps=NpsDef(8, 6)).dumps())
    assert contract_problems("survey", str(f), "--definitions", str(defs)) == []


def test_cli_uses_the_definitions_file(tmp_path, capsys):
    from cxlib.cli.main import main
    f = tmp_path / "survey.csv"
    f.write_text("respondent_id,nps,csat,comment\n1,10,5,great\n2,6,2,bad\n3,9,4,\n4,8,5,ok\n")
    defs = tmp_path / "defs.json"
    defs.write_text(DefinitionSet.default().replace(nps=NpsDef(8, 6)).dumps())
    assert main(["survey", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nps"]["score"] == 25.0     # 10, 9 promoters; 6 detractor
    assert main(["survey", str(f), "--definitions", str(defs), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nps"]["score"] == 50.0     # 10, 9, 8 promoters; 6 detractor -> (3 - 1)/4
    assert "(8-10)" in out["definitions"]["nps"]
    defs.write_text('{"version": 1, "nps": {"promoters": 9}}')
    assert main(["survey", str(f), "--definitions", str(defs), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "defs.json" in err and "unknown key(s) promoters" in err


@pytest.mark.parametrize("make, name, nps_ref, csat_top2", [
    ("google_forms_responses", "responses.csv", (9, 7, 10), 2 / 3),      # CSAT labels 5, 4, 2
    ("surveymonkey_responses", "survey.xlsx", (10, 9, 6), 2 / 4),        # CSAT 5, 4, 1, 3
])
def test_survey_exports_end_to_end_by_hand(make, name, nps_ref, csat_top2):
    exports = pytest.importorskip("tests.exports")
    from cxlib.data.loader import load_bytes
    ds = load_bytes(getattr(exports, make)(), name, role="responses")
    res = survey.summarize(ds)
    prom = sum(v >= 9 for v in nps_ref)
    det = sum(v <= 6 for v in nps_ref)
    assert res.nps.n == len(nps_ref)
    assert res.nps.score == pytest.approx(100 * (prom - det) / len(nps_ref))
    assert res.csat.share_pct == pytest.approx(100 * csat_top2)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "n/a", "Very satisfied", "neutral", "4", "4.5",
                                                        "0", "6", "-1", "abc", "1,5"]),
                          st.text(max_size=6)), max_size=40))
def test_clean_scores_accounts_for_every_cell(cells):
    s = pd.Series(cells, dtype="object")
    sc = survey.clean_scores(s, "csat")
    assert sc.blank + sc.non_numeric + sc.out_of_range + len(sc.values) == len(cells)
    assert ((sc.values >= 1) & (sc.values <= 5)).all()
    assert (sc.non_numeric > 0) == any("not numbers" in w for w in sc.warnings)


def test_cli_contract_holds_when_no_answer_is_valid(tmp_path, contract_problems):
    # found by review: every NPS answer out of range printed {"score": null, ...} instead of "nps": null
    path = tmp_path / "oor.csv"
    path.write_text("respondent_id,nps\n1,11\n2,12\n3,-1\n")
    assert contract_problems("survey", str(path)) == []


def test_a_survey_on_another_scale_is_not_scored_on_the_answers_that_happen_to_fit():
    # found by review: 1-10 CSAT read with the default 1-5 definition gave top-2 = 41.67 % on the 36
    # answers <= 5 instead of refusing; a share computed that way is biased.
    answers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] * 10
    sc = survey.clean_scores(pd.Series(answers, dtype="float64"), "csat")
    assert sc.values.empty and sc.out_of_range == 100
    assert any("another scale" in w and "Definitions" in w for w in sc.warnings)
    res = survey.csat(_ds(csat=answers), DefinitionSet.default().replace(csat=CsatDef(10)))
    assert res.n == 100 and res.share_pct == pytest.approx(20.0)      # 9 and 10: 20 of 100


# --------------------------------------------------------------------------------- translatable text
def test_warnings_and_summaries_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    sc = survey.clean_scores(pd.Series(["10", "x", "11", "3"]), "nps")
    out = next(w for w in sc.warnings if "outside" in w)
    assert isinstance(out, Msg)
    assert out.template == ("{count} {metric} answer(s) are outside the {low:g}-{high:g} scale (e.g. {examples}) "
                            "and were excluded.")
    assert out.params == {"count": 1, "metric": "NPS", "low": 0.0, "high": 10.0, "examples": "11"}
    res = survey.summarize(_ds(nps=[10, 9, 8, 3, 7], csat=[5, 4, 2, 5, 5]))
    assert res.nps.summary().params["promoters"] == 2 and "{score:+.1f}" in res.nps.summary().template
    text = res.summary()                       # whole sentences one after the other, each its own template
    assert text.template == "{first} {second}" and text.params["first"].template == "{count} responses."
    assert text == "5 responses. " + res.nps.summary() + " " + res.csat.summary()


def test_csat_scale_hint_is_one_whole_sentence_not_an_appended_clause():
    from cxlib.core.messages import translate
    sc = survey.clean_scores(pd.Series([1, 2, 9, 4]), "csat")
    w = next(w for w in sc.warnings if "outside" in w)
    assert w.template.endswith("If this survey uses a 1-7 or 1-10 scale, change the CSAT scale in Definitions.")
    assert translate(w, {w.template: "{count} ответ(ов) {metric} вне шкалы {low:g}-{high:g}."}.get) == \
        "1 ответ(ов) CSAT вне шкалы 1-5."
