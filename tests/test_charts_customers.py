"""cxlib.present.charts_customers: the Customer 360 charts carry the result's numbers (CIs, small groups
marked, bands in order), valid Vega-Lite with titles, and the View registered in cxlib.present.display."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import cxlib as cx
from cxlib.analyses.customers import CustomersSpec, customers
from cxlib.data.loader import from_frame
from cxlib.present import charts_customers as charts


def _files():
    orders = from_frame(pd.DataFrame({
        "order_id": [str(i) for i in range(1, 9)], "customer_id": ["A", "A", "B", "C", "C", "D", "E", "F"],
        "email": ["a@x.org", "A@X.org", "b@x.org", "c@x.org", "c@x.org", "d@x.org", "e@x.org", "f@x.org"],
        "ordered_at": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-01-10", "2026-01-15", "2026-03-01",
                                      "2026-02-20", "2026-02-25", "2026-03-05"], utc=True),
        "amount": [100.0, 60.0, 40.0, 10.0, 30.0, 80.0, 25.0, 55.0]}), "orders", name="o.csv")
    people = from_frame(pd.DataFrame({"customer_id": list("ABCDEF"), "city": ["Lyon", "Lyon", "Paris", "Paris",
                                                                             "Nice", None]}), "customers", name="c.csv")
    answers = from_frame(pd.DataFrame({"email": [" A@x.org", "B@X.ORG", "c@x.org", "d@x.org", "E@x.org", "f@x.org"],
                                       "nps": [2, 10, 9, 5, 10, 7],
                                       "answered_at": pd.to_datetime(["2026-02-02"] * 6, utc=True)}),
                         "responses", name="r.csv")
    tickets = from_frame(pd.DataFrame({"ticket_id": ["1", "2", "3"], "requester": ["a@x.org", "a@x.org", "b@x.org"],
                                       "created_at": pd.to_datetime(["2026-02-03", "2026-02-04", "2026-02-05"], utc=True),
                                       "first_reply_minutes": [30, 90, 10], "satisfaction": ["bad", "good", "good"]}),
                         "tickets", name="t.csv")
    return orders, people, answers, tickets


@pytest.fixture(scope="module")
def res():
    return customers(*_files(), spec=CustomersSpec(by="city"))


def spec(chart) -> dict:
    return json.loads(chart.to_json())


def rows(s: dict, field: str | None = None) -> list[dict]:
    """The chart's data rows (the dataset that has ``field`` when a layer adds a reference line)."""
    return next(d for d in s["datasets"].values() if field is None or (d and field in d[0]))


def test_scores_by_group_draws_every_group_with_its_ci_and_marks_small(res):
    s = spec(charts.scores_by_group(res, "nps"))
    assert s["title"] == "NPS by city" and len(s["layer"]) == 2
    data = {r["group"]: r for r in rows(s)}
    g = res.groups.set_index("group")
    # every group has fewer than 10 answers: all shown, all marked small
    assert set(data) == {f"{k} (small)" for k in g.index if pd.notna(g.loc[k, "nps"])}
    lyon = data["Lyon (small)"]                    # A (2) and B (10): 1 promoter, 1 detractor -> NPS 0
    assert lyon["value"] == pytest.approx(0.0) and lyon["n"] == 2
    assert lyon["low"] == pytest.approx(g.loc["Lyon", "nps_ci_low"]) and lyon["high"] == pytest.approx(
        g.loc["Lyon", "nps_ci_high"])
    paris = data["Paris (small)"]                  # C (9) promoter, D (5) detractor -> 0; n = 2
    assert paris["value"] == pytest.approx(0.0)
    assert s["layer"][0]["encoding"]["opacity"]["condition"]["test"] == "datum.small"


def test_by_band_chart_orders_bands_and_counts_tickets(res):
    s = spec(charts.by_band_chart(res, "tickets_per_customer"))
    data = rows(s)
    assert [r["band"] for r in data] == ["detractor", "passive", "promoter"]
    per = {r["band"]: r["value"] for r in data}
    # detractors A (2 tickets) and D (0): 1.0 per customer; promoters B (1), C, E: 1/3; passive F: 0
    assert per["detractor"] == pytest.approx(1.0) and per["promoter"] == pytest.approx(1 / 3)
    assert per["passive"] == pytest.approx(0.0)
    assert s["title"] == "Tickets per customer by NPS band"
    fr = {r["band"]: r["value"] for r in rows(spec(charts.by_band_chart(res, "first_reply_median_min")))}
    assert fr["detractor"] == pytest.approx(60.0)                 # median of 30 and 90


def test_band_value_chart_has_both_bands_and_the_difference(res):
    s = spec(charts.band_value_chart(res, "net_revenue"))
    data = {r["what"]: r for r in rows(s, "what")}
    # detractors A 160, D 80 -> mean 120; promoters B 40, C 40, E 25 -> mean 35
    assert data["Detractors"]["value"] == pytest.approx(120.0)
    assert data["Promoters"]["value"] == pytest.approx(35.0)
    assert data["Difference (detractors - promoters)"]["value"] == pytest.approx(85.0)
    assert data["Difference (detractors - promoters)"]["low"] < 85.0 < data["Difference (detractors - promoters)"]["high"]
    assert s["title"] == "Net revenue per customer"
    r = spec(charts.band_value_chart(res, "repurchase"))
    assert r["title"] == "Repurchase within 90 days (%)"


def test_match_chart_stacks_rules_per_file(res):
    s = spec(charts.match_chart(res.resolution))
    data = rows(s)
    by = {(r["file"], r["part"]): r["rows"] for r in data}
    assert by[("r.csv", "matched by e-mail")] == 6                 # padded and upper-case addresses join
    assert by[("t.csv", "matched by e-mail")] == 3
    assert by[("c.csv", "matched by customer id")] == 6
    assert sum(v for (f, _), v in by.items() if f == "r.csv") == 6


def test_group_labels_translate_own_values_and_keep_file_values():
    assert charts.group_label("one_or_none") == "one order or none"
    assert charts.group_label("Lyon") == "Lyon"
    assert charts.field_label("value_tier") == "Value tier" and charts.field_label(None) == "All customers"


def test_view_is_registered_with_the_definition_naming_the_field(res):
    assert cx.chart_kinds(res) == ("breakdown", "by_band", "band_value", "match")
    assert "Groups by city" in str(res.definition())
    assert spec(res.chart())["title"] == "NPS by city"
    assert spec(res.chart("match"))["title"] == "Rows matched to a customer, per file and rule"
    by_repeat = customers(*_files(), spec=CustomersSpec(by="repeat"))
    assert "Groups by Repeat or one order" in str(by_repeat.definition())
