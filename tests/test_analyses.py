"""Saved analyses round-trip: spec -> JSON file -> open_analysis gives the same figures as the direct call."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import cxlib as cx
from cxlib.saved import replay as analyses
from cxlib.analyses import clv
from cxlib.analyses import customers
from cxlib.analyses import experiment
from cxlib.analyses import orders
from cxlib.analyses import retention
from cxlib.analyses import churn as churn_mod
from cxlib.analyses import scorecard
from cxlib.analyses import segment_analysis
from cxlib.analyses import segments
from cxlib.analyses import segment_members
from cxlib.analyses import support
from cxlib.analyses import survey
from cxlib.core.definitions import DefinitionSet, NpsDef
from cxlib.analyses.funnel import FunnelSpec, Step, funnel
from cxlib.saved.workspace import AnalysisSpec, Workspace

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
FILES = {"orders": "orders_shopify.csv", "responses": "survey_responses.csv", "tickets": "tickets_zendesk.csv",
         "events": "events.csv", "experiment": "experiment_checkout.csv", "customers": "customers.csv",
         "messages": "messages_klaviyo.csv"}
STEPS = ["view_item", "add_to_cart", "begin_checkout", "purchase"]
CUSTOM = DefinitionSet.default().replace(nps=NpsDef(promoter_min=10, detractor_max=7))


@pytest.fixture(scope="module")
def data() -> dict[str, cx.Dataset]:
    return {role: cx.load(SAMPLE / name) for role, name in FILES.items()}


def _direct(d: dict[str, cx.Dataset], defs: DefinitionSet) -> dict[str, tuple[list, dict, object]]:
    """page case -> (datasets, options, result of the analysis function called directly)."""
    o, s, t, e = d["orders"], d["responses"], d["tickets"], d["events"]
    fspec = FunnelSpec(tuple(Step(x) for x in STEPS), 3 * 86400.0, by="device")
    cspec, chspec = retention.CohortSpec("week", 8), retention.ChurnSpec(60, "2026-09-30")
    clv_spec = clv.CLVSpec(horizon_days=180)
    sspec = segment_analysis.SegmentsSpec(
        segments.RFMSpec(), (segment_members.RuleSpec("Unhappy", "nps <= 6", "1"), segment_members.RuleSpec("DE", "country = DE", "2")),
        segment_analysis.CompareSpec(("rule:1", "nps:promoter", "rest"), "revenue_per_customer"))
    xspec = experiment.ExperimentSpec(metric="revenue", alpha=0.01, winsorize_pct=99.0)
    return {
        "scorecard": ([o, s, t, e], {}, scorecard.build([o, s, t, e], defs)),
        "survey-summary": ([s], {}, survey.summarize(s, defs)),
        "survey-trend": ([s], {"view": "trend", "metric": "csat", "freq": "week"}, survey.over_time(s, "csat", "week", defs)),
        "survey-segment": ([s], {"view": "segment", "metric": "nps", "by": "Device"}, survey.by_segment(s, "nps", "Device", defs)),
        "orders-summary": ([o], {}, orders.summarize(o, defs)),
        "orders-trend": ([o], {"view": "trend", "freq": "week"}, orders.over_time(o, "week", defs)),
        "orders-by": ([o], {"view": "by", "by": "channel"}, orders.by_field(o, "channel", defs)),
        "support-summary": ([t, d["customers"]], {"sla_hours": 8}, support.summarize(t, defs, customers=d["customers"], sla_hours=8)),
        "support-trend": ([t], {"view": "trend", "freq": "month"}, support.over_time(t, "month", defs)),
        "funnel": ([e], fspec.to_json(), funnel(e, fspec)),
        "segments": ([o], segments.RFMSpec(quintile_method="rank").to_json(),
                     segments.compute_rfm(o, segments.RFMSpec(quintile_method="rank"))),
        "segments-rules": ([o, d["customers"], s], sspec.to_json(),
                           segment_analysis.analyze_segments(o, sspec, customers=d["customers"], responses=s, defs=defs)),
        "retention-cohorts": ([o], {"view": "cohorts", "cohort": cspec.to_json()}, retention.cohort_table(o, cspec, defs=defs)),
        "retention-churn": ([o], {"view": "churn", "churn": chspec.to_json()}, retention.churn_rate(o, chspec, defs=defs)),
        "retention-rate": ([o], {"view": "retention_rate", "churn": chspec.to_json()},
                           retention.retention_rate(o, chspec, defs=defs)),
        "retention-list": ([o], {"view": "churn_list", "churn": chspec.to_json(), "at_risk_days": 20},
                           churn_mod.churn_list(o, chspec, 20, defs=defs)),
        "retention-trend": ([o], {"view": "churn_trend", "churn": chspec.to_json(), "freq": "week"},
                            churn_mod.churn_trend(o, chspec, "week", defs=defs)),
        "retention-clv": ([o], {"view": "clv", "clv": clv_spec.to_json()}, clv.predict_clv(o, clv_spec, defs=defs)),
        "retention-historical": ([o], {"view": "historical_clv", "by": "channel"}, clv.historical_clv(o, by="channel", defs=defs)),
        "experiment": ([d["experiment"]], xspec.to_json(), experiment.analyze(d["experiment"], xspec)),
        "customers": ([o, d["customers"], s, t], {"by": "city", "level": "response"},
                      customers.customers(o, d["customers"], s, t, customers.CustomersSpec(by="city", level="response"),
                                          defs)),
        "timing": ([e], {"tz": "Europe/Berlin", "by": "device"},
                   cx.timing(e, cx.TimingSpec(tz="Europe/Berlin", by="device"), defs)),
        "channels": ([d["messages"]], {"tz": "Asia/Tokyo"}, cx.channels(d["messages"], cx.ChannelsSpec(tz="Asia/Tokyo"))),
        "propensity": ([o], {"horizon_days": 60}, cx.propensity(o, spec=cx.PropensitySpec(horizon_days=60), defs=defs)),
    }


def _same(a, b, rel: float = 1e-9) -> bool:
    """Equal JSON, floats to ``rel`` (engine sums may add in another order from run to run)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b) or abs(a - b) <= rel * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], rel) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def direct(data):
    return _direct(data, CUSTOM)


CASES = ["scorecard", "survey-summary", "survey-trend", "survey-segment", "orders-summary", "orders-trend", "orders-by",
         "support-summary", "support-trend", "funnel", "segments", "segments-rules", "retention-cohorts", "retention-churn",
         "retention-list",
         "retention-rate", "retention-trend", "retention-clv", "retention-historical", "experiment", "customers",
         "timing", "channels", "propensity"]


@pytest.mark.parametrize("case", CASES)
def test_spec_round_trips_through_a_json_file_with_identical_figures(direct, case, tmp_path):
    datasets, options, expected = direct[case]
    page = case.split("-")[0]
    spec = cx.make_spec(page, datasets, options, CUSTOM, title=f"<b>{case}</b>")
    path = cx.spec_to_file(spec, tmp_path / "spec.json")
    assert AnalysisSpec.from_json(json.loads(path.read_text(encoding="utf-8"))) == spec
    opened = cx.open_analysis(path, data=datasets)
    assert type(opened.result) is type(expected)
    assert _same(opened.to_json(), expected.to_json())
    # reasons written in words carry rounded figures, which an engine sum in another order can tip
    words = [c for c in expected.to_frame().columns if str(c).startswith("reason_")]
    pd.testing.assert_frame_equal(opened.to_frame().drop(columns=words), expected.to_frame().drop(columns=words),
                                  rtol=1e-9)
    assert opened.summary() == expected.summary()
    assert "<b>" not in opened._repr_html_()           # the title is escaped too
    if cx.chart_kinds(expected):
        assert opened.chart().to_dict() == expected.chart(defs=CUSTOM, **opened.chart_options()).to_dict()


@pytest.mark.parametrize("case", ["funnel", "segments", "segments-rules", "retention-list", "experiment",
                                  "retention-cohorts", "retention-trend",
                                  "retention-clv", "retention-historical", "survey-trend", "survey-segment",
                                  "orders-trend", "orders-by", "support-trend", "orders-summary", "scorecard",
                                  "timing", "channels"])
def test_spec_made_from_the_result_alone_reproduces_it(direct, case):
    datasets, _, expected = direct[case]
    spec = cx.make_spec(expected, datasets, definitions=CUSTOM)
    assert spec.page == case.split("-")[0]
    assert _same(cx.open_analysis(spec.to_json(), data=datasets).to_json(), expected.to_json())


def test_nps_chart_of_an_opened_analysis_uses_its_definitions(data):
    spec = cx.make_spec("survey", data["responses"], {}, CUSTOM)
    chart = cx.open_analysis(spec, data=data["responses"]).chart().to_dict()
    groups = {r["score"]: r["group"] for r in next(iter(chart["datasets"].values()))}
    assert groups[9] == "passive" and groups[7] == "detractor"        # custom bands, not the defaults


def test_open_from_a_path_loads_and_checks_the_file(data, tmp_path):
    res = funnel(data["events"], FunnelSpec(tuple(Step(x) for x in STEPS)))
    path = cx.spec_to_file(cx.make_spec(res, data["events"], title="Checkout"), tmp_path / "f.json")
    opened = cx.open_analysis(str(path), data=SAMPLE / "events.csv")
    assert opened.units == res.units and opened.spec.title == "Checkout"
    with pytest.raises(cx.CxDataError, match="not the data this analysis was saved with"):
        cx.open_analysis(path, data=SAMPLE / "orders_shopify.csv")
    with pytest.raises(cx.CxDataError, match="not the data this analysis was saved with"):
        cx.open_analysis(path, data=cx.from_frame(data["events"].df.head(100), "events"))


def test_open_from_a_workspace_by_id(data, tmp_path):
    ws = Workspace(tmp_path / "ws")
    ds_id = ws.put_dataset(data["orders"], owner="ann")
    saved = ws.save_analysis(cx.make_spec("orders", data["orders"], {"view": "by", "by": "country"}, author="ann"))
    assert saved.dataset_id == ds_id
    opened = cx.open_analysis(saved.id, workspace=ws)
    assert opened.to_json() == orders.by_field(data["orders"], "country").to_json()
    assert cx.open_analysis(saved.to_json(), workspace=ws).to_json() == opened.to_json()


def test_extra_datasets_must_be_given(data):
    spec = cx.make_spec("support", [data["tickets"], data["customers"]], {})
    with pytest.raises(cx.CxDataError, match="also uses dataset"):
        cx.open_analysis(spec, data=data["tickets"])


@pytest.mark.parametrize("body, message", [
    ({"version": 1, "dataset_id": "x", "page": "nope"}, "no page 'nope'"),
    ({"version": 2, "dataset_id": "x", "page": "funnel"}, "not a saved analysis"),
    ({"version": 1, "dataset_id": "x", "page": "funnel", "bogus": 1}, "unknown keys"),
])
def test_bad_specs_raise_clear_errors(data, body, message):
    with pytest.raises(cx.CxDataError, match=message):
        cx.open_analysis(body, data=data["events"])


def test_bad_spec_file_and_missing_workspace(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(cx.CxDataError, match="bad.json: not a saved analysis"):
        cx.open_analysis(bad)
    with pytest.raises(cx.CxDataError, match="spec.jsn: file not found"):
        cx.open_analysis("spec.jsn")
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(cx.CxDataError, match="no workspace"):
        cx.open_analysis({"version": 1, "dataset_id": "abcdef", "page": "funnel"})
    assert not (tmp_path / "nowhere").exists()          # looking does not create a workspace


def test_wrong_role_and_bad_options_are_explained(data):
    with pytest.raises(cx.CxDataError, match="analyses events data"):
        analyses.run("funnel", data["orders"], {"steps": STEPS})
    with pytest.raises(cx.CxDataError, match="unknown view 'pie'"):
        analyses.run("orders", data["orders"], {"view": "pie"})
    with pytest.raises(cx.CxDataError, match="needs the option 'by'"):
        analyses.run("orders", data["orders"], {"view": "by"})
    with pytest.raises(cx.CxDataError, match="no steps"):
        analyses.run("funnel", data["events"], {})


def test_funnel_window_text_is_accepted(data):
    a = analyses.run("funnel", data["events"], {"steps": STEPS, "window": "3d"})
    b = funnel(data["events"], FunnelSpec(tuple(Step(x) for x in STEPS), 3 * 86400.0))
    assert a.to_json() == b.to_json()


def test_counts_only_experiment_cannot_be_saved(data):
    res = experiment.analyze_counts({"A": (1000, 40), "B": (1000, 52)})
    with pytest.raises(cx.CxDataError, match="typed in as counts"):
        cx.make_spec(res, data["experiment"])


def test_every_page_of_the_registry_is_covered():
    assert {c.split("-")[0] for c in CASES} == set(analyses.PAGES_BY_NAME)


def test_docstring_examples_run(monkeypatch):
    import doctest

    from cxlib.present import display
    monkeypatch.chdir(SAMPLE.parent)                    # examples use sample_data/ paths
    for module in (analyses, display):
        result = doctest.testmod(module, extraglobs={"cx": cx}, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_page_and_view_labels_are_the_apps_translatable_titles():
    import re

    from ui.nav import PAGES as NAV
    nav_labels = {p.label for p in NAV}
    assert all(p.label in nav_labels for p in analyses.PAGES)       # the same message ids as the sidebar
    from cxlib.analyses import runners
    source = Path(runners.__file__).read_text(encoding="utf-8")
    views = {v for group in re.findall(r'_option\(options, "view", \(([^)]*)\)', source)
             for v in re.findall(r'"([a-z_]+)"', group)}
    assert views and views <= set(analyses.VIEW_LABELS)              # every view a spec can name has a label


def test_saved_analysis_errors_and_breakdown_labels_are_messages(data):
    from cxlib.core.messages import Msg
    with pytest.raises(cx.CxDataError) as err:
        analyses.run("orders", data["orders"], {"view": "x"})
    m = err.value.message
    assert (m.template, m.params) == ("unknown {option} {value!r} in the saved analysis.", {"option": "view", "value": "x"})
    with pytest.raises(cx.CxDataError) as err:
        analyses.run("funnel", data["orders"])
    assert err.value.message.params["file"] == "orders_shopify.csv" and err.value.hint.template == "Choose a file of {role} data." and err.value.hint == "Choose a file of events data."
    assert all(isinstance(v, Msg) for v in analyses.RFM_BY.values())
    res = analyses.run("retention", data["orders"], {"view": "historical_clv", "by": "value_tier"})
    assert res.by == "Value tier" and analyses.make_spec(res, data["orders"]).options["by"] == "value_tier"


@pytest.mark.parametrize("case", CASES)
def test_saved_through_a_workspace_and_reopened_by_id_gives_identical_figures(direct, case, tmp_path):
    # what a share link does: datasets stored as Parquet, the spec by id, reopened from a fresh handle
    datasets, options, expected = direct[case]
    ws = Workspace(tmp_path / "ws")
    for ds in datasets:
        ws.put_dataset(ds, owner="ann")
    saved = ws.save_analysis(cx.make_spec(case.split("-")[0], datasets, options, CUSTOM, title=case, author="ann"))
    opened = cx.open_analysis(saved.id, workspace=Workspace(tmp_path / "ws"))
    assert opened.spec == saved and opened.spec.author == "ann"
    assert type(opened.result) is type(expected)
    pd.testing.assert_frame_equal(opened.to_frame(), expected.to_frame(), rtol=1e-9)   # engine sums: any order
    assert opened.summary() == expected.summary()
    assert _same(opened.to_json(), expected.to_json())
