"""Support metrics checked against hand computations and the statistics module."""
from __future__ import annotations

import json
import statistics

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib.analyses import support
from cxlib.data.loader import from_frame
from cxlib.core.definitions import DefinitionSet, SlaDef


def _p90_by_hand(values):
    """Linear interpolation between order statistics (Hyndman & Fan type 7)."""
    xs = sorted(values)
    h = (len(xs) - 1) * 0.9
    lo = int(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


@pytest.fixture
def tickets():
    return from_frame(pd.DataFrame({
        "ticket_id": [str(i) for i in range(1, 9)],
        "created_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-08", "2024-01-09",
                                      "2024-01-10", "2024-01-15", "2024-01-16"]),
        "channel": ["email", "email", "email", "chat", "chat", "chat", "phone", None],
        "first_reply_minutes": [30, 1440, 2000, 1, 3, None, 90, 1441],
        "resolution_minutes": [60, 2000, 3000, 10, 20, None, 100, 1500],
        "satisfaction": ["good", "bad", "offered", "Good", "unoffered", None, "bad", "good"],
    }), "tickets")


def test_headline_numbers_match_hand_computation(tickets):
    s = support.summarize(tickets)
    answered = [30, 1440, 2000, 1, 3, 90, 1441]
    assert (s.tickets, s.answered, s.unanswered) == (8, 7, 1)
    assert s.first_reply_median_min == statistics.median(answered) == 90
    assert s.first_reply_p90_min == pytest.approx(_p90_by_hand(answered))
    # within 24 h = <= 1440 min: 30, 1440, 1, 3, 90 -> 5 of 7
    assert s.within_sla == 5 and s.within_sla_pct == pytest.approx(500 / 7)
    lo, hi = proportion_confint(5, 7, method="wilson")
    assert s.within_sla_ci95 == pytest.approx((100 * lo, 100 * hi))
    # good: 1, 4, 8 ; bad: 2, 7 ; offered/unoffered/blank excluded
    assert (s.good, s.rated) == (3, 5) and s.csat_good_pct == pytest.approx(60.0)
    assert s.resolution_median_min == statistics.median([60, 2000, 3000, 10, 20, 100, 1500])


def test_by_channel_medians(tickets):
    f = support.summarize(tickets).to_frame().set_index("channel")
    assert f.loc["email", "first_reply_median_min"] == statistics.median([30, 1440, 2000])
    assert f.loc["chat", "first_reply_median_min"] == statistics.median([1, 3])
    assert f.loc["chat", "unanswered"] == 1
    assert f.loc["email", "within_sla_pct"] == pytest.approx(200 / 3)
    assert f.loc["email", "first_reply_p90_min"] == pytest.approx(_p90_by_hand([30, 1440, 2000]))
    assert "(blank)" in f.index


def test_sla_definition_changes_within_sla(tickets):
    s = support.summarize(tickets, DefinitionSet.default().replace(sla=SlaDef(1.5)))
    assert s.within_sla == 4          # 30, 1, 3, 90 <= 90 min
    assert support.summarize(tickets, sla_hours=0.5).within_sla == 3


def test_tickets_per_1000_customers(tickets):
    cust = from_frame(pd.DataFrame({"customer_id": [str(i) for i in range(400)]}), "customers")
    assert support.summarize(tickets, customers=cust).tickets_per_1000_customers == pytest.approx(20.0)


def test_weekly_trend(tickets):
    f = support.over_time(tickets, "week").to_frame()
    assert f["period"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert f["tickets"].tolist() == [3, 3, 2]
    assert f["first_reply_median_min"].tolist() == pytest.approx([1440, 2, statistics.median([90, 1441])])


def test_no_reply_column_and_negative_times_warn():
    ds = from_frame(pd.DataFrame({"ticket_id": ["1", "2"], "created_at": ["2024-01-01", "2024-01-02"]}),
                            "tickets")
    s = support.summarize(ds)
    assert s.answered == 0 and np.isnan(s.first_reply_median_min)
    assert any("No first reply" in w for w in s.warnings)
    assert json.loads(json.dumps(s.to_json()))["within_sla_pct"] == 0.0
    ds = from_frame(pd.DataFrame({"ticket_id": ["1", "2"], "created_at": ["2024-01-01", "2024-01-02"],
                                          "first_reply_minutes": [-5, 10]}), "tickets")
    s = support.summarize(ds)
    assert s.answered == 1 and any("negative" in w for w in s.warnings)


def _cli(argv, capsys) -> tuple[int, dict | None, str]:
    """Run ``python -m cxlib`` in-process (the contract checker covers the real subprocess)."""
    from cxlib.cli.main import main
    code = main(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.mark.slow
def test_cli_contract(tmp_path, contract_problems):
    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,created_at,channel,first_reply_minutes,satisfaction\n1,2024-01-01,email,30,good\n")
    assert contract_problems("support", str(f), "--sla-hours", "2") == []


def test_cli_values_and_sla_option(tmp_path, capsys):
    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,created_at,channel,first_reply_minutes,satisfaction\n1,2024-01-01,email,30,good\n"
                 "2,2024-01-02,chat,300,bad\n3,2024-01-03,chat,,offered\n")
    code, out, _ = _cli(["support", str(f), "--sla-hours", "2", "--json"], capsys)
    assert code == 0
    assert out["within_sla_pct"] == 50.0 and out["csat_good_pct"] == 50.0
    assert out["first_reply_median_min_by_channel"] == {"chat": 300.0, "email": 30.0}
    code, _, err = _cli(["support", str(f), "--sla-hours", "-1", "--json"], capsys)
    assert code == 2 and err.startswith("error: ") and "--sla-hours" in err


def test_zendesk_export_end_to_end_by_hand():
    exports = pytest.importorskip("tests.exports")
    from cxlib.data.loader import load_bytes
    s = support.summarize(load_bytes(exports.zendesk_tickets(), "tickets.csv", role="tickets"))
    # first reply 12, 1500, (blank), 3 -> answered 3, median 12, within 24 h: 12 and 3
    assert (s.tickets, s.answered, s.unanswered) == (4, 3, 1)
    assert s.first_reply_median_min == 12.0
    assert s.within_sla == 2 and s.within_sla_pct == pytest.approx(200 / 3)
    # satisfaction good, bad, offered, unoffered -> 1 good of 2 rated
    assert (s.good, s.rated, s.csat_good_pct) == (1, 2, 50.0)


# --------------------------------------------------------------------------------- translatable text
def test_warnings_and_summary_are_msg_templates_with_values():
    from cxlib.core.messages import Msg
    ds = from_frame(pd.DataFrame({"ticket_id": ["1", "2", "3"],
                                          "created_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-08"]),
                                          "first_reply_minutes": [-5.0, 30.0, 90.0]}), "tickets")
    s = support.summarize(ds, sla_hours=1)
    neg = next(w for w in s.warnings if "negative" in w)
    assert isinstance(neg, Msg) and neg.params == {"count": 1}
    few = next(w for w in s.warnings if w.startswith("Only"))
    assert few.template == "Only {count} answered tickets: reply-time figures are uncertain." and few.params == {"count": 2}
    text = s.summary()
    assert isinstance(text, Msg) and text.params["sla_hours"] == 1.0 and text.params["tickets"] == 3
    assert "{within_sla_pct:.1f}% within {sla_hours:g} h" in text.template
    assert support.over_time(ds).summary().template == "Support by week: {periods} periods."
    assert set(s.by_channel["channel"]) == {support.ALL} == {"(all)"}       # a label cxlib makes, stored in English
