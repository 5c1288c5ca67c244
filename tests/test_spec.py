"""cxlib.core.spec: one strict JSON base for every spec and definition."""
from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.core.definitions import (CartDef, CesDef, ClvMethodDef, CsatDef, DefinitionSet, NpsDef, RepeatDef,
                                    RevenueDef, SlaDef)
from cxlib.core.errors import CxDataError
from cxlib.core.periods import CLVSpec, ChurnSpec, CohortSpec
from cxlib.core.spec import Spec


def _spec_classes() -> list[type]:
    from cxlib.analyses.customers import CustomersSpec
    from cxlib.analyses.experiment import ExperimentSpec
    from cxlib.analyses.funnel import FunnelSpec, Step
    from cxlib.analyses.propensity import PropensitySpec
    from cxlib.analyses.segment_analysis import CompareSpec, SegmentsSpec
    from cxlib.analyses.rfm_scores import ScoreRule
    from cxlib.analyses.segment_members import RuleSpec
    from cxlib.analyses.segments import RFMSpec
    from cxlib.analyses.tags import TagSpec
    from cxlib.data.identity import IdentitySpec
    return [NpsDef, CsatDef, CesDef, RevenueDef, RepeatDef, CartDef, SlaDef, ClvMethodDef, CohortSpec, ChurnSpec,
            CLVSpec, FunnelSpec, Step, ExperimentSpec, RFMSpec, ScoreRule, RuleSpec, CompareSpec, SegmentsSpec,
            CustomersSpec, IdentitySpec, PropensitySpec, TagSpec]


def test_every_spec_derives_from_the_one_base():
    assert all(issubclass(cls, Spec) for cls in _spec_classes())


# One instance of each, built with defaults (or the required fields), to check every class the same way.
def _examples() -> list[Spec]:
    from cxlib.analyses.funnel import FunnelSpec, Step
    from cxlib.analyses.segment_analysis import CompareSpec
    from cxlib.analyses.rfm_scores import ScoreRule
    from cxlib.analyses.segment_members import RuleSpec
    needs = {FunnelSpec: lambda: FunnelSpec((Step("view"), Step("buy", "page", "/x")), exclude=Step("refund")),
             Step: lambda: Step("view"), ScoreRule: lambda: ScoreRule("Champions", 5, 5, 4, 5),
             RuleSpec: lambda: RuleSpec("Big", "orders >= 2", "1"),
             CompareSpec: lambda: CompareSpec(("rfm:Champions", "rest"), "aov")}
    return [needs[cls]() if cls in needs else cls() for cls in _spec_classes()]


@pytest.mark.parametrize("spec", _examples(), ids=lambda s: type(s).__name__)
def test_json_round_trip_through_text_gives_the_same_spec(spec):
    text = json.dumps(spec.to_json())
    assert type(spec).from_json(json.loads(text)) == spec


@pytest.mark.parametrize("spec", [s for s in _examples() if type(s).__name__ not in ("ScoreRule", "SegmentsSpec")],
                         ids=lambda s: type(s).__name__)
def test_a_misspelt_key_is_an_error_naming_it_and_the_close_key(spec):
    body = spec.to_json()
    optional = [f.name for f in dataclasses.fields(spec) if f.default is not dataclasses.MISSING
                or f.default_factory is not dataclasses.MISSING]
    key = max(optional, key=len)
    typo = key[:-1] + ("x" if key[-1] != "x" else "y")
    body[typo] = body.pop(key)
    with pytest.raises(CxDataError) as err:
        type(spec).from_json(body)
    text = str(err.value)
    assert f"unknown key(s) {typo}" in text and f"Did you mean {key}?" in text and "Known keys:" in text


def test_the_issue_examples():
    from cxlib.analyses.experiment import ExperimentSpec
    from cxlib.analyses.funnel import FunnelSpec
    with pytest.raises(CxDataError, match=r"unknown key\(s\) alpah in ExperimentSpec. Did you mean alpha\?"):
        ExperimentSpec.from_json({"alpah": 0.01})
    with pytest.raises(CxDataError, match="FunnelSpec needs steps"):
        FunnelSpec.from_json({})


def test_segments_spec_refuses_an_unknown_key_too():
    from cxlib.analyses.segment_analysis import SegmentsSpec
    with pytest.raises(CxDataError, match=r"unknown key\(s\) quintile_metod.*Did you mean quintile_method"):
        SegmentsSpec.from_json({"quintile_metod": "ties_share"})


def test_definition_errors_keep_their_wording():
    with pytest.raises(CxDataError, match=r"invalid definition: unknown key\(s\) shade in NpsDef"):
        NpsDef.from_json({"shade": 1})
    with pytest.raises(CxDataError, match=r"invalid definition: ChurnSpec: unknown key\(s\) days"):
        DefinitionSet.from_json({"version": 1, "churn": {"days": 3}})


def test_defaults_are_written_once_as_the_field_defaults():
    assert CLVSpec.from_json({}) == CLVSpec() and CLVSpec.from_json(None) == CLVSpec()
    assert CohortSpec.from_json({"period": "week"}) == CohortSpec(period="week")


def test_older_saved_keys_still_load():
    from cxlib.analyses.funnel import FunnelSpec, Step
    spec = FunnelSpec.from_json({"steps": ["view", {"event": "buy", "property": "page", "value": "/x"}],
                                 "window": "1d"})
    assert spec.steps == (Step("view"), Step("buy", "page", "/x")) and spec.window_seconds == 86400.0
    from cxlib.analyses.segments import DEFAULT_SCORE_MAP, RFMSpec
    rfm = RFMSpec.from_json({"as_of": "2024-06-30", "score_map": [], "valid_statuses": ["completed"]})
    assert rfm.as_of == date(2024, 6, 30) and rfm.score_map == DEFAULT_SCORE_MAP


def test_a_bad_date_is_a_clear_error():
    from cxlib.analyses.segments import RFMSpec
    with pytest.raises(CxDataError, match="is not a date"):
        RFMSpec.from_json({"as_of": "30/06/2024"})


def test_not_an_object_is_a_clear_error():
    with pytest.raises(CxDataError, match="CLVSpec must be a JSON object, got list"):
        CLVSpec.from_json([1])


def test_replace_checks_again():
    assert CohortSpec().replace(max_periods=6).max_periods == 6
    with pytest.raises(CxDataError):
        CohortSpec().replace(period="year")


_events = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="[]="),
                  min_size=1, max_size=8).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(_events, min_size=2, max_size=5), window=st.floats(0, 1e7, allow_nan=False),
       order=st.sampled_from(["any", "strict"]), unit=st.sampled_from(["user", "session"]),
       top_n=st.integers(1, 50), by=st.none() | _events)
def test_funnel_spec_round_trips(steps, window, order, unit, top_n, by):
    from cxlib.analyses.funnel import FunnelSpec, Step
    spec = FunnelSpec(tuple(Step(s) for s in steps), window, order, unit=unit, top_n=top_n, by=by)
    assert FunnelSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


@settings(max_examples=60, deadline=None)
@given(alpha=st.floats(0.001, 0.49), metric=st.sampled_from(["converted", "revenue", "aov"]),
       split=st.lists(st.tuples(_events, st.floats(0.01, 1)), max_size=3),
       winsorize=st.none() | st.floats(50, 99.9), cuped=st.booleans(), question=st.text(max_size=20))
def test_experiment_spec_round_trips(alpha, metric, split, winsorize, cuped, question):
    from cxlib.analyses.experiment import ExperimentSpec
    spec = ExperimentSpec(metric=metric, alpha=alpha, split=tuple(split), winsorize_pct=winsorize, cuped=cuped,
                          question=question)
    assert ExperimentSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


@settings(max_examples=60, deadline=None)
@given(horizon=st.integers(1, 2000), unit=st.sampled_from(["day", "week"]), per=st.sampled_from(["day", "week"]),
       end=st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)).map(date.isoformat),
       margin=st.floats(0.01, 1.0), days=st.integers(1, 999), periods=st.integers(1, 60))
def test_period_specs_and_definition_sets_round_trip(horizon, unit, per, end, margin, days, periods):
    defs = DefinitionSet(clv=CLVSpec(horizon, unit, per, end, margin), churn=ChurnSpec(days, end),
                         retention=CohortSpec("week", periods), sla=SlaDef(float(days)))
    assert DefinitionSet.from_json(json.loads(json.dumps(defs.to_json()))) == defs


def test_to_json_is_every_field():
    for spec in _examples():
        if type(spec).__name__ in ("ScoreRule", "SegmentsSpec"):      # their JSON shapes are older than the base
            continue
        assert set(spec.to_json()) == {f.name for f in dataclasses.fields(spec)}
