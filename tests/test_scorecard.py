"""Scorecard: tiles per loaded data, uncertainty-aware status, definitions flowing into figures; charts."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxlib.present import charts_scorecard as charts
from cxlib.data.loader import from_frame
from cxlib.analyses import orders
from cxlib.analyses import scorecard
from cxlib.analyses import support
from cxlib.analyses import survey
from cxlib.core.definitions import CartDef, DefinitionSet, NpsDef, RevenueDef, SlaDef


@pytest.mark.parametrize("value, ci, target, higher, expected", [
    (42, (30, 54), 40, True, "not enough data to tell"),
    (42, (40, 44), 40, True, "met"),           # bound equal to target counts as met
    (42, (41, 43), 45, True, "not met"),
    (10, (8, 12), 12, False, "met"),
    (10, (8, 12), 9, False, "not enough data to tell"),
    (10, (9.5, 12), 9, False, "not met"),
    (100, None, 100, True, "met"),
    (99.99, None, 100, True, "not met"),
    (30, None, 45, False, "met"),
    (30, None, None, True, "no target"),
    (float("nan"), (0, 1), 5, True, "no data"),
    (5, (float("nan"), float("nan")), 4, True, "met"),   # CI not computable -> value decides
])
def test_judge_table(value, ci, target, higher, expected):
    assert scorecard.judge(value, ci, target, higher) == expected


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    n = 240
    o = from_frame(pd.DataFrame({
        "order_id": [str(i) for i in range(n)], "customer_id": [f"c{i}" for i in rng.integers(0, 80, n)],
        "ordered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 250, n), "D"),
        "amount": rng.gamma(2, 30, n).round(2), "status": rng.choice(["completed", "cancelled"], n, p=[.9, .1]),
        "refunded": rng.choice([0.0, 10.0], n, p=[.95, .05])}), "orders", name="orders.csv")
    r = from_frame(pd.DataFrame({
        "nps": rng.integers(0, 11, 150), "csat": rng.integers(1, 6, 150),
        "answered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, 150), "D")}),
        "responses", name="survey.csv")
    t = from_frame(pd.DataFrame({
        "ticket_id": [str(i) for i in range(120)],
        "created_at": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 50, 120), "D"),
        "first_reply_minutes": rng.exponential(500, 120).round(), "channel": rng.choice(["email", "chat"], 120),
        "satisfaction": rng.choice(["good", "bad", "offered"], 120)}), "tickets", name="tickets.csv")
    return {"orders": o, "responses": r, "tickets": t}


def test_tiles_follow_the_loaded_data(data):
    only_survey = scorecard.build([data["responses"]])
    assert [t.metric for t in only_survey.tiles] == ["nps", "csat"]
    every = scorecard.build(data)
    names = [t.metric for t in every.tiles]
    assert {"nps", "csat", "net_revenue", "aov", "repeat_rate", "first_reply_sla", "first_reply_median",
            "ticket_csat"} <= set(names)
    assert "ces" not in names and "cart_abandonment" not in names
    assert scorecard.build([]).tiles == ()


def test_tile_values_equal_the_metric_modules(data):
    defs = DefinitionSet.default()
    sc = scorecard.build(data, defs)
    n = survey.nps(data["responses"], defs)
    assert sc.tile("nps").value == n.score and sc.tile("nps").ci95 == n.ci95 and sc.tile("nps").n == n.n
    o = orders.summarize(data["orders"], defs)
    assert sc.tile("net_revenue").value == pytest.approx(o.net_revenue)
    assert sc.tile("net_revenue").ci95 is None
    assert sc.tile("repeat_rate").value == pytest.approx(100 * o.repeat_rate)
    s = support.summarize(data["tickets"], defs)
    assert sc.tile("first_reply_sla").value == pytest.approx(s.within_sla_pct)
    assert sc.tile("first_reply_median").value == s.first_reply_median_min


def test_setting_a_target_changes_the_status(data):
    base = scorecard.build(data).tile("nps")
    lo, hi = base.ci95
    assert base.status == "no target"
    assert scorecard.build(data, DefinitionSet.default().with_target("nps", lo - 1)).tile("nps").status == "met"
    assert scorecard.build(data, DefinitionSet.default().with_target("nps", hi + 1)).tile("nps").status == "not met"
    mid = scorecard.build(data, DefinitionSet.default().with_target("nps", (lo + hi) / 2)).tile("nps")
    assert mid.status == "not enough data to tell" and mid.target == (lo + hi) / 2


def test_changing_a_definition_changes_figure_and_sentence(data):
    a = scorecard.build(data)
    b = scorecard.build(data, DefinitionSet.default().replace(
        nps=NpsDef(8, 6), sla=SlaDef(2), net_revenue=RevenueDef(("completed", "cancelled"), False)))
    assert b.tile("nps").value > a.tile("nps").value
    assert "(8-10)" in b.tile("nps").description and "(9-10)" in a.tile("nps").description
    assert b.tile("first_reply_sla").value < a.tile("first_reply_sla").value
    assert "2 h" in b.tile("first_reply_sla").description
    assert b.tile("net_revenue").value > a.tile("net_revenue").value


def test_cart_abandonment_matches_hand_computation():
    ev = from_frame(pd.DataFrame({
        "user_id": ["u1", "u1", "u2", "u3", "u3", "u4", "u5"],
        "event": ["add_to_cart", "purchase", "add_to_cart", "add_to_cart", "view", "purchase", "basket"],
        "timestamp": pd.date_range("2024-01-01", periods=7, freq="D")}), "events")
    rate, ci, n, _ = scorecard.cart_abandonment(ev)
    assert n == 3 and rate == pytest.approx(2 / 3)          # u1 bought; u2, u3 abandoned
    assert ci[0] < rate < ci[1]
    defs = DefinitionSet.default().replace(cart=CartDef(("add_to_cart", "basket"), ("purchase",)))
    rate, _, n, _ = scorecard.cart_abandonment(ev, defs)
    assert n == 4 and rate == pytest.approx(3 / 4)
    tile = scorecard.build([ev], defs).tile("cart_abandonment")
    assert tile.value == pytest.approx(75.0) and not tile.higher_is_better and "basket" in tile.description


def test_weak_data_warns_instead_of_raising():
    o = from_frame(pd.DataFrame({"customer_id": ["a"], "ordered_at": ["2024-01-01"], "amount": [5.0],
                                         "status": ["cancelled"]}), "orders")
    sc = scorecard.build([o])
    assert all(t.metric not in ("net_revenue", "aov") for t in sc.tiles)
    r = from_frame(pd.DataFrame({"nps": [10, 3]}), "responses")
    tile = scorecard.build([r]).tile("nps")
    assert tile.trend is None and any("Only 2" in w for w in tile.warnings)


def test_json_and_frame_are_complete(data):
    sc = scorecard.build(data, DefinitionSet.default().with_target("csat", 50))
    obj = json.loads(json.dumps(sc.to_json()))
    assert {t["metric"] for t in obj["tiles"]} == set(sc.to_frame()["metric"])
    assert obj["tiles"][0]["description"]
    assert sc.tile("csat").formatted().endswith("%")
    assert "metrics" in sc.summary()


def test_charts_build_valid_specs(data):
    value = scorecard.build(data).tile("nps").value
    sc = scorecard.build(data, DefinitionSet.default().with_target("nps", round(value)))
    spec = charts.sparkline(sc.tile("nps")).to_dict()
    assert spec["description"] == "NPS trend" and len(spec["layer"]) == 2      # line + target rule
    far = scorecard.build(data, DefinitionSet.default().with_target("nps", 100)).tile("nps")
    assert "layer" not in charts.sparkline(far).to_dict()                        # a far target is left out
    assert charts.sparkline(sc.tile("repeat_rate")) is None
    r = data["responses"]
    assert charts.nps_distribution(survey.nps(r), 9, 6).to_dict()["mark"]["type"] == "bar"
    assert charts.score_distribution(survey.csat(r)).to_dict()["encoding"]["x"]["title"] == "CSAT answer"
    assert len(charts.grouped_trend(survey.over_time(r, "nps", "month"), unit="pts", target=10).to_dict()["layer"]) == 3
    r2 = from_frame(r.df.assign(seg=["a", "b", "c"] * 50), "responses")
    assert charts.grouped_bars(survey.by_segment(r2, "nps", "seg")).to_dict()["title"] == "NPS by seg with 95% CI"
    o = data["orders"]
    assert charts.revenue_trend(orders.over_time(o), "EUR").to_dict()["encoding"]["y"]["title"] == "Net revenue (EUR)"
    assert charts.order_status(orders.summarize(o).status_counts).to_dict()["mark"]["type"] == "bar"
    s = support.summarize(data["tickets"])
    spec = charts.first_reply_by_channel(s).to_dict()
    assert spec["layer"][1]["mark"]["type"] == "rule"
    assert [{"sla": 1440.0}] in spec["datasets"].values()
    assert charts.support_trend(support.over_time(data["tickets"]), "within_sla_pct").to_dict()["mark"]["type"] == "line"
    assert charts.scorecard_overview(sc.tiles).to_dict()["title"] == "CX scorecard"


def test_churn_tile_follows_valid_order_definition():
    retention = pytest.importorskip("cxlib.analyses.retention")
    import inspect
    if "defs" not in inspect.signature(retention.churn_rate).parameters:
        pytest.skip("cxlib.analyses.retention does not take definitions yet")
    # a: completed 2024-01-01 and pending 2024-06-20; b: completed 2024-06-25 (analysis date = last order)
    o = from_frame(pd.DataFrame({
        "order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
        "ordered_at": ["2024-01-01", "2024-06-20", "2024-06-25"], "amount": [10.0, 10.0, 10.0],
        "status": ["completed", "pending", "completed"]}), "orders")
    default = scorecard.build([o]).tile("churn_rate")
    assert default.value == pytest.approx(50.0)                  # a has no valid order in the last 90 days
    loose = scorecard.build([o], DefinitionSet.default().replace(
        net_revenue=RevenueDef(("completed", "pending")))).tile("churn_rate")
    assert loose.value == pytest.approx(0.0)


def test_clv_tile_historical_mean_and_predictive_method(data):
    from cxlib.core.definitions import ClvMethodDef
    o = data["orders"]
    hist = scorecard.build([o]).tile("clv")
    per_customer = orders.customer_table(o)["net_revenue"]
    assert hist.value == pytest.approx(per_customer.mean())
    lo, hi = hist.ci95
    assert lo < hist.value < hi and "Historical CLV" in hist.description
    pytest.importorskip("cxlib.analyses.clv")
    pred = scorecard.build([o], DefinitionSet.default().replace(clv_method=ClvMethodDef("predictive"))).tile("clv")
    if pred is not None:                                   # fitted: value without CI, predictive sentence
        assert pred.ci95 is None and np.isfinite(pred.value) and "BG/NBD" in pred.description


# --------------------------------------------------------------------------------- translatable text
@pytest.fixture
def translator():
    """Installs a fake translation for chart labels ("ZZ" before every translated template)."""
    from cxlib.core import messages
    messages.set_translator(lambda text: messages.translate(text, lambda s: "ZZ" + s))
    yield
    messages.set_translator(None)


def test_scorecard_text_is_msg_templates(data):
    from cxlib.core.messages import Msg, translate
    sc = scorecard.build(data, DefinitionSet.default().with_target("csat", 50))
    csat = sc.tile("csat")
    assert isinstance(csat.formatted(), Msg) and csat.formatted().template == "{value:.1f}%"
    assert csat.ci_text().template == "95% CI {low} to {high}" and csat.ci_text().params["low"] == csat.formatted(csat.ci95[0])
    assert sc.tile("first_reply_median").formatted().template == "{minutes:,.0f} min"
    assert isinstance(sc.tile("nps").description, Msg)
    # the summary lists status counts with one template per item; each status is its own message id
    text = sc.summary()
    assert text.template == "{count} metrics: {statuses}." and text.params["count"] == len(sc.tiles)
    catalog = {"{count} metrics: {statuses}.": "Показателей: {count}; {statuses}.", "{count} {status}": "{status}: {count}",
               "{first}, {rest}": "{first}; {rest}", "met": "выполнено", "no target": "без цели",
               "not met": "не выполнено", "not enough data to tell": "неясно"}
    out = translate(text, lambda s: catalog.get(s, s))
    assert out.startswith(f"Показателей: {len(sc.tiles)}; ") and "без цели: " in out and "no target" not in out
    assert {"met", "not met", "not enough data to tell", "no target", "no data"} == set(scorecard.STATUSES)


def test_a_failing_builder_warns_with_the_errors_own_msg(monkeypatch):
    from cxlib.core.errors import CxDataError
    from cxlib.core.messages import msg

    def failing(ds, defs):
        raise CxDataError(msg("no valid order."), hint=msg("Check the statuses."))
    monkeypatch.setitem(scorecard._BUILDERS, "responses", (failing,))
    sc = scorecard.build([from_frame(pd.DataFrame({"nps": [10, 3]}), "responses", name="r.csv")])
    note = sc.warnings[0]
    assert note == "r.csv: no valid order. Check the statuses."
    assert note.template == "{file}: {message}" and note.params["message"].template == "{text} {hint}"


def test_chart_titles_go_through_the_installed_translator(data, translator):
    from tests.i18n_scan import chart_titles
    sc = scorecard.build(data, DefinitionSet.default().with_target("nps", 10))
    s = support.summarize(data["tickets"])
    specs = [charts.scorecard_overview(sc.tiles), charts.sparkline(sc.tile("nps")),
             charts.nps_distribution(survey.nps(data["responses"]), 9, 6),
             charts.grouped_trend(survey.over_time(data["responses"], "nps", "month"), unit="pts", target=10),
             charts.revenue_trend(orders.over_time(data["orders"]), "EUR"),
             charts.orders_by(orders.by_field(data["orders"], "status")),
             charts.order_status(orders.summarize(data["orders"]).status_counts),
             charts.first_reply_by_channel(s), charts.support_trend(support.over_time(data["tickets"]))]
    titles = [t for c in specs for t in chart_titles(c.to_dict())]
    assert titles and all(t.startswith("ZZ") for t in titles if t), [t for t in titles if not t.startswith("ZZ")]
    overview = charts.scorecard_overview(sc.tiles).to_dict()
    rows = next(iter(overview["datasets"].values()))
    assert rows[0]["status"] in {"ZZ" + s for s in scorecard.STATUSES}             # legend values and lines too
    assert rows[0]["text"].startswith("ZZ") and rows[0]["metric"] == "ZZNPS"
    assert charts.sparkline(sc.tile("nps")).to_dict()["description"] == "ZZ{metric} trend".replace("{metric}", "ZZNPS")
    nps = next(iter(charts.nps_distribution(survey.nps(data["responses"]), 9, 6).to_dict()["datasets"].values()))
    assert {r["group"] for r in nps} <= {"ZZdetractor", "ZZpassive", "ZZpromoter"}


def test_events_without_a_cart_event_give_a_no_data_tile():
    """Bug: event data with no add_to_cart event crashed the whole scorecard (a `.dt` call on the empty
    series of first cart times, whose dtype is lost when the times are tz-aware)."""
    ev = from_frame(pd.DataFrame({
        "user_id": ["u1", "u1", "u2"], "event": ["page_view", "purchase", "page_view"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-02 09:00"], utc=True)}),
        "events", name="events.csv")
    rate, ci, n, weekly = scorecard.cart_abandonment(ev)
    assert n == 0 and np.isnan(rate) and all(np.isnan(ci)) and weekly.empty
    tile = scorecard.build([ev]).tile("cart_abandonment")
    assert tile is not None and tile.status == "no data" and tile.n == 0
    assert tile.formatted() == "n/a"
    note = " ".join(tile.warnings)
    assert "events.csv" in note and "add_to_cart" in note and "no cart event" in note
    assert charts.sparkline(tile) is None
    charts.scorecard_overview([tile]).to_dict()                      # the PNG export still draws
    ev.df.loc[ev.df["event"] == "page_view", "event"] = "add_to_cart"
    ev.df.loc[0, "timestamp"] = pd.NaT                               # a cart event without a readable time
    rate, _, n, weekly = scorecard.cart_abandonment(ev)
    assert n == 2 and rate == pytest.approx(1 / 2) and len(weekly) == 1     # u1 bought; u2 (2024-01-02) did not
