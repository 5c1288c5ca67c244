"""AppTest of pages/10_Customers.py: the sample shop (match report first, tiles and tables equal to
cx.customers on the same files), small exports seeded in the session (formula-neutralized member lists,
small groups marked), Save and share replaying the page's figures, and the page in Russian."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import cxlib as cx
from cxlib.analyses.customers import CustomersSpec, customers
from cxlib.data.loader import from_frame
from ui import fmt

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "10_Customers.py")
SAMPLE = ROOT / "sample_data"
EVIL = '=HYPERLINK("http://evil.example","x")'


def sample_files() -> dict:
    return {role: cx.load(SAMPLE / name) for role, name in (
        ("orders", "orders_shopify.csv"), ("customers", "customers.csv"), ("responses", "survey_responses.csv"),
        ("tickets", "tickets_zendesk.csv"))}


def expected(by: str = "repeat", files: dict | None = None):
    f = files or sample_files()
    return customers(f["orders"], f.get("customers"), f.get("responses"), f.get("tickets"), CustomersSpec(by=by))


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def shop_expected():
    return expected("repeat")


def sample_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=240)
    if lang:
        at.session_state["lang"] = lang
    return at.run()


def test_sample_shop_shows_the_match_report_first(shop_expected):
    at = sample_page()
    assert not at.exception, at.exception
    heads = [h.value for h in at.subheader]
    assert heads[0] == "Match report" and heads.index("Match report") < heads.index("Questions")
    report = at.dataframe[0].value                      # the first table on the page: the match report
    want = shop_expected.resolution.to_frame()
    assert report["file"].tolist() == want["file"].tolist()
    for col in ("rows", "matched", "unmatched", "ambiguous", "by_customer_id", "by_email"):
        assert report[col].tolist() == want[col].tolist(), col
    tickets = report.set_index("role").loc["tickets"]
    assert tickets["by_email"] == tickets["rows"] == 1473          # tickets carry only the requester's e-mail
    assert any(b.proto.label == "Download the crosswalk (CSV)" for b in at.get("download_button"))
    titles = [json.loads(el.proto.spec).get("title") for el in at.get("vega_lite_chart")]
    assert titles[0] == "Rows matched to a customer, per file and rule"


def test_tiles_and_tables_equal_cx_customers(shop_expected):
    at = sample_page()
    m = metrics(at)
    risk = shop_expected.revenue_at_risk
    assert m["Customers"] == f"{len(shop_expected.customers):,}"
    assert m["Revenue at risk"] == f"€{risk['net_revenue']:,.2f}"
    assert m["Trailing net revenue of detractors"] == f"€{risk['net_revenue']:,.2f}"
    diff = shop_expected.band_value.set_index("metric").loc["net_revenue", "difference"]
    assert m["Net revenue: detractors - promoters"] == fmt.signed(diff, 2, lang="en")
    scores = frame_with(at, "nps")
    want = shop_expected.groups
    assert scores["group"].tolist() == want["group"].tolist() == ["repeat", "one_or_none"]
    assert scores["nps"].tolist() == pytest.approx(want["nps"].tolist())
    assert scores["nps_ci_low"].tolist() == pytest.approx(want["nps_ci_low"].tolist())
    bands = frame_with(at, "tickets_per_customer").set_index("group")
    by_band = shop_expected.by_band.set_index("group")
    for band in ("detractor", "passive", "promoter"):
        assert bands.loc[band, "tickets"] == by_band.loc[band, "tickets"]
        assert bands.loc[band, "tickets_per_customer"] == pytest.approx(
            by_band.loc[band, "tickets"] / by_band.loc[band, "customers"])


def test_grouping_by_city_marks_small_groups_and_keeps_them():
    at = sample_page()
    at.selectbox(key="customers_by").set_value("city").run()
    assert not at.exception, at.exception
    want = expected("city").groups
    shown = frame_with(at, "nps")
    assert shown["group"].tolist() == want["group"].tolist()
    assert shown["small"].tolist() == want["small"].tolist()
    assert shown["nps"].tolist() == pytest.approx(want["nps"].tolist(), nan_ok=True)
    chart = next(el for el in at.get("vega_lite_chart")
                 if str(json.loads(el.proto.spec).get("title", "")).startswith("NPS by"))
    data = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pylist()
    small = want.loc[want["small"] & want["nps"].notna(), "group"].tolist()
    assert small, "the sample has cities with fewer than 10 answers"
    assert {f"{g} (small)" for g in small} <= {row["group"] for row in data}     # marked, not hidden


def _seeded_files() -> dict:
    orders = from_frame(pd.DataFrame({
        "order_id": ["1", "2", "3", "4", "5"], "customer_id": ["C1", "C1", "C2", "C3", "C3"],
        "email": ["Ann@Example.com", "ann@example.com ", "BOB@example.org", "cy@example.net", "cy@example.net"],
        "ordered_at": pd.to_datetime(["2026-01-05", "2026-03-01", "2026-02-10", "2026-01-20", "2026-04-01"], utc=True),
        "amount": [100.0, 50.0, 80.0, 30.0, 20.0]}), "orders", name="o.csv")
    people = from_frame(pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "email": ["ann@example.com", "bob@example.org",
                                      "cy@example.net"], "city": [EVIL, "Lyon", "Lyon"]}), "customers", name="c.csv")
    answers = from_frame(pd.DataFrame({"email": [" Ann@Example.COM", "Bob@Example.org ", "nobody@example.com"],
                                       "nps": [3, 10, 9],
                                       "answered_at": pd.to_datetime(["2026-03-02", "2026-02-11", "2026-02-11"],
                                                                     utc=True)}), "responses", name="r.csv")
    return {"orders": orders, "customers": people, "responses": answers}


def seeded_page(monkeypatch, files: dict) -> tuple[AppTest, dict]:
    """The page on ``files`` with every download's bytes captured (Streamlit defers them to a click)."""
    got: dict = {}
    real = st.download_button

    def spy(label, data=None, *args, key=None, **kwargs):
        got[key] = data
        return real(label, data, *args, key=key, **kwargs)
    monkeypatch.setattr(st, "download_button", spy)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {d.key: d for d in files.values()}
    return at.run(), got


def test_member_lists_neutralize_formulas_and_match_the_analysis(monkeypatch):
    files = _seeded_files()
    at, got = seeded_page(monkeypatch, files)
    assert not at.exception, at.exception
    res = expected("repeat", files)
    report = at.dataframe[0].value.set_index("role")
    assert report.loc["responses", "matched"] == res.resolution.match("responses").matched == 2      # e-mail, any case
    assert report.loc["responses", "by_email"] == 2 and report.loc["responses", "unmatched"] == 1
    body = got["customers_scores_members"]()
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == len(res.customers) == 3
    cities = [r[next(k for k in r if k.lower() == "city")] for r in rows]
    assert "'" + EVIL in cities and EVIL not in cities                       # neutralized, not dropped
    crosswalk = got["customers_crosswalk"]().decode("utf-8-sig")
    assert crosswalk.count("\n") == 1 + 5 + 3 + 3                            # header + every row of every file
    assert "r.csv,3,,none," in crosswalk                                      # the unknown address links to nobody
    risk = list(csv.DictReader(io.StringIO(got["customers_risk_members"]().decode("utf-8-sig"))))
    assert len(risk) == 1                                                     # the one detractor (C1, NPS 3)


def test_save_and_share_replays_the_same_figures(monkeypatch, tmp_path):
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path))
    files = _seeded_files()
    at, _ = seeded_page(monkeypatch, files)
    at.button(key="spec_customers_share").click().run()
    assert not at.exception, at.exception
    from cxlib.saved import replay
    from cxlib.saved.workspace import Workspace
    saved = at.session_state["spec_customers_share_link"]
    ws = Workspace(tmp_path)
    spec = ws.get_analysis(saved["id"])
    assert spec.page == "customers" and spec.options["by"] == "repeat"
    opened = replay.open_analysis(spec, workspace=ws)
    assert opened.to_json()["groups"] == expected("repeat", files).to_json()["groups"]


def test_page_in_russian_formats_and_translates():
    at = sample_page("ru")
    assert not at.exception, at.exception
    assert [h.value for h in at.subheader][0] == "Отчёт о сопоставлении"
    risk = expected("repeat").revenue_at_risk["net_revenue"]
    shown = metrics(at)["Выручка под риском"]
    assert shown.replace("\xa0", " ").startswith(f"{risk:,.2f}".replace(",", " ").replace(".", ","))
