"""Definitions as data: defaults, JSON round trip, validation, one-sentence descriptions."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.core.definitions import (METRICS, METRICS_BY_NAME, CsatDef, DefinitionSet, NpsDef, RevenueDef, SlaDef,
                               load_definitions)
from cxlib.core.errors import CxDataError


def test_defaults_match_design_md():
    d = DefinitionSet.default()
    assert (d.nps.promoter_min, d.nps.detractor_max) == (9, 6)
    assert (d.csat.scale_max, d.csat.mode, d.csat.top2_min) == (5, "top2_pct", 4)
    assert d.net_revenue.valid_statuses == ("completed", "refunded", "partially_refunded")
    assert d.net_revenue.subtract_refunds is True
    assert d.repeat.min_orders == 2
    assert d.churn.inactive_days == 90
    assert d.sla.first_response_hours == 24
    assert d.targets == {"csat": 80.0, "first_reply_sla": 90.0}      # CSAT >= 80 %, >= 90 % replied within 24 h


def test_json_round_trip_is_identity_and_versioned():
    d = DefinitionSet.default().replace(sla=SlaDef(8), csat=CsatDef(7, "mean")).with_target("nps", 30)
    obj = json.loads(json.dumps(d.to_json()))
    assert obj["version"] == 1
    assert obj["targets"] == {"nps": 30.0, "first_reply_sla": 90.0}   # CSAT as a mean: no percent target
    assert DefinitionSet.from_json(obj) == d
    assert DefinitionSet.loads(d.dumps()) == d


def test_missing_parts_take_defaults():
    d = DefinitionSet.from_json({"version": 1, "sla": {"first_response_hours": 4}})
    assert d.sla.first_response_hours == 4
    assert d.nps == NpsDef()


@pytest.mark.parametrize("obj, fragment", [
    ({"version": 1, "colour": "red"}, "unknown key(s) colour"),
    ({"version": 1, "nps": {"promoter_min": 9, "shade": 1}}, "unknown key(s) shade"),
    ({"version": 2}, "unsupported version 2"),
    ({}, "unsupported version None"),
    ({"version": 1, "nps": {"promoter_min": 6, "detractor_max": 6}}, "below promoter_min"),
    ({"version": 1, "csat": {"scale_max": 4}}, "5, 7 or 10"),
    ({"version": 1, "csat": {"mode": "median"}}, "CSAT mode"),
    ({"version": 1, "sla": {"first_response_hours": -1}}, "above 0"),
    ({"version": 1, "net_revenue": {"valid_statuses": ["paid"]}}, "valid order statuses"),
    ({"version": 1, "targets": {"happiness": 3}}, "unknown metric"),
    ({"version": 1, "targets": {"nps": 150}}, "from -100 to 100"),
    ({"version": 1, "churn": {"as_of": "not a date"}}, "not a date"),
    ({"version": 1, "churn": {"inactive_days": 90, "days": 3}}, "unknown key(s) days"),
    ({"version": 1, "clv_method": {"method": "magic"}}, "CLV method"),
    ([1, 2], "one JSON object"),
])
def test_bad_json_raises_clear_error(obj, fragment):
    with pytest.raises(CxDataError, match="invalid definition") as err:
        DefinitionSet.from_json(obj)
    assert fragment in str(err.value)


def test_invalid_json_text_raises_cxdataerror():
    with pytest.raises(CxDataError, match="not valid JSON"):
        DefinitionSet.loads("{nope")


def test_load_definitions_names_the_file(tmp_path):
    p = tmp_path / "defs.json"
    p.write_text('{"version": 1, "bogus": 1}')
    with pytest.raises(CxDataError, match="defs.json"):
        load_definitions(str(p))
    assert load_definitions(None) == DefinitionSet.default()


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_every_metric_has_one_sentence(metric):
    text = DefinitionSet.default().describe(metric.name)
    assert text.endswith(".") and text.count(". ") == 0 and len(text) < 260


def test_description_follows_the_definition():
    d = DefinitionSet.default()
    assert "24 h" in d.describe("first_reply_sla")
    assert "8 h" in d.replace(sla=SlaDef(8)).describe("first_reply_sla")
    assert "top two boxes (6-7)" in d.replace(csat=CsatDef(7)).describe("csat")
    assert "mean" in d.replace(csat=CsatDef(5, "mean")).describe("csat")
    assert "refunds not subtracted" in d.replace(
        net_revenue=RevenueDef(("completed",), False)).describe("net_revenue")


def test_churn_and_clv_definitions_are_the_retention_modules_specs():
    pytest.importorskip("cxlib.analyses.retention")
    from cxlib.analyses.retention import ChurnSpec, CohortSpec
    d = DefinitionSet.default()
    assert isinstance(d.churn, ChurnSpec) and isinstance(d.retention, CohortSpec)
    d2 = DefinitionSet.from_json({"version": 1, "churn": {"inactive_days": 30, "as_of": "2024-06-30"}})
    assert d2.churn == ChurnSpec(30, "2024-06-30")
    assert "30 days" in d2.describe("churn_rate") and "2024-06-30" in d2.describe("churn_rate")
    assert d2.describe("retention_rate") == d2.churn.describe_retention()


def test_default_targets_are_targets_a_file_can_change_or_remove():
    assert DefinitionSet.from_json({"version": 1}).targets == {"csat": 80.0, "first_reply_sla": 90.0}
    assert DefinitionSet.from_json({"version": 1, "targets": {}}).targets == {}
    d = DefinitionSet.default()
    assert d.is_default_target("csat") and not d.with_target("csat", 85).is_default_target("csat")
    assert not d.is_default_target("nps")
    assert DefinitionSet(csat=CsatDef(5, "mean")).targets == {"first_reply_sla": 90.0}


def test_target_units_and_bounds_follow_the_definitions():
    d = DefinitionSet.default()
    assert [d.target_unit(m) for m in ("csat", "nps", "first_reply_median", "aov", "ces")] == ["%", "pts", "min",
                                                                                                "money", ""]
    assert [str(d.target_unit_words(m)) for m in ("csat", "nps", "first_reply_median", "ces")] == [
        "%", "NPS points", "minutes", "points on the 1-7 scale"]
    mean = d.replace(csat=CsatDef(7, "mean"))
    assert mean.target_unit("csat") == "" and mean.target_bounds("csat") == (1.0, 7.0)
    assert str(mean.target_unit_words("csat")) == "points on the 1-7 scale"
    assert mean.target("csat") is None and mean.replace(csat=CsatDef()).target("csat") == 80.0
    with pytest.raises(CxDataError, match="from 1 to 7"):
        mean.with_target("csat", 80)
    assert mean.with_target("csat", 5.5).target("csat") == 5.5


@pytest.mark.parametrize("metric, value, guess", [
    ("csat", 0.8, 80.0), ("csat", 1, 100.0), ("first_reply_sla", 0.9, 90.0), ("csat", 0.05, 5.0),
    ("csat", 80, None), ("csat", 0, None), ("csat", None, None), ("nps", 0.5, None), ("first_reply_median", 0.5, None),
    ("aov", 0.8, None), ("ces", 0.9, None)])
def test_a_fraction_typed_for_a_percent_target_is_recognized(metric, value, guess):
    assert DefinitionSet.default().percent_typo(metric, value) == guess


def test_with_target_sets_and_removes():
    d = DefinitionSet.default().with_target("csat", 80).with_target("nps", 20)
    assert d.target("csat") == 80 and d.target("nps") == 20
    assert d.with_target("csat", None).target("csat") is None
    assert set(METRICS_BY_NAME) >= set(d.targets)


@settings(max_examples=100, deadline=None)
@given(prom=st.integers(1, 10), det=st.integers(0, 9), hours=st.floats(0.1, 1000),
       target=st.floats(-100, 100, allow_nan=False))
def test_round_trip_property(prom, det, hours, target):
    if det >= prom:
        with pytest.raises(CxDataError):
            NpsDef(prom, det)
        return
    d = DefinitionSet(nps=NpsDef(prom, det), sla=SlaDef(hours), targets={"nps": target})
    assert DefinitionSet.loads(d.dumps()) == d


# --------------------------------------------------------------------------------- translatable text
def _translated(text, catalog: dict[str, str]) -> str:
    from cxlib.core.messages import translate
    return translate(text, lambda s: catalog.get(s, s))


def test_definition_sentences_are_whole_templates_with_values():
    from cxlib.core.messages import Msg
    d = DefinitionSet.default()
    nps = d.describe("nps")
    assert isinstance(nps, Msg) and nps.params == {"promoter_min": 9, "detractor_max": 6}
    assert nps.template.startswith("NPS = % promoters ({promoter_min}-10) minus % detractors (0-{detractor_max})")
    # every metric's sentence is a Msg, so the interface can translate it as a whole
    assert all(isinstance(d.describe(m.name), Msg) for m in METRICS if m.definition not in ("churn", "retention"))
    # one template per variant: the mean CSAT sentence is not the top-2-box one with a word swapped
    top2, mean = d.describe("csat"), d.replace(csat=CsatDef(7, "mean")).describe("csat")
    assert top2.template != mean.template and mean.params == {"scale_max": 7}
    sla = d.replace(sla=SlaDef(8.5)).describe("first_reply_sla")
    assert "{hours:g} h" in sla.template and sla.params == {"hours": 8.5}      # a number, formatted by the locale


def test_revenue_sentence_names_statuses_with_translatable_words():
    d = DefinitionSet.default().replace(net_revenue=RevenueDef(("completed", "partially_refunded"), False))
    text = d.describe("net_revenue")
    assert text == ("Net revenue = sum of amount (refunds not subtracted) over valid orders (status completed, "
                    "partially refunded; orders without a status count as completed).")
    catalog = {text.template: "Выручка: статусы {statuses}.", "{first}, {rest}": "{first}、{rest}",
               "completed": "выполнен", "partially refunded": "частично возвращён"}
    assert _translated(text, catalog) == "Выручка: статусы выполнен、частично возвращён."


def test_definition_errors_carry_a_translatable_message():
    from cxlib.core.messages import Msg
    with pytest.raises(CxDataError) as info:
        DefinitionSet(targets={"nps": 500})
    err = info.value
    problem = err.message.params["problem"]
    assert err.message.template == "invalid definition: {problem}."
    assert problem.template == "target for {metric} must be a number from {low:g} to {high:g}, got {value!r}"
    assert problem.params["value"] == 500 and isinstance(problem.params["metric"], Msg)   # the label, translated too
    assert isinstance(err.hint, Msg) and err.hint.template == "Fix the value in the Definitions page or in the JSON file."
    # the metric label inside is looked up as its own message id
    catalog = {err.message.template: "ошибка: {problem}.", problem.template: "{metric}: от {low:g} до {high:g}",
               "NPS": "ИЛИ"}
    assert _translated(err.message, catalog) == "ошибка: ИЛИ: от -100 до 100."
