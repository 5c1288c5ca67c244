"""AppTest of the Segments page: RFM overview, rule segment + member download, comparison."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame
from cxlib.analyses.segments import RFMSpec, compute_rfm

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages/5_Segments.py")


def shop() -> dict[str, Dataset]:
    rng = np.random.default_rng(5)
    n = 400
    per = rng.geometric(0.5, n)
    cust = np.repeat([f"c{i:03d}" for i in range(n)], per)
    m = len(cust)
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(m)], "customer_id": cust,
        "ordered_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 365, m), unit="D"),
        "amount": np.round(rng.lognormal(3.5, 0.7, m), 2), "status": "completed"})
    customers = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(n + 20)],
                              "country": rng.choice(["DE", "FR", "NL"], n + 20),
                              "email": [f"=cmd{i}@x.com" if i == 0 else f"user{i}@x.com" for i in range(n + 20)]})
    responses = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(300)],
                              "email": [f"user{i}@x.com" for i in rng.integers(1, n, 300)],
                              "nps": rng.integers(0, 11, 300).astype(float)})
    out = [from_frame(orders, "orders", name="orders.csv"),
           from_frame(customers, "customers", name="customers.csv"),
           from_frame(responses, "responses", name="survey.csv")]
    return {d.key: d for d in out}


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def run_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_removed"] = True
    at.session_state["datasets"] = shop()
    if lang is not None:
        at.session_state["lang"] = lang
    at.run()
    return at


def test_rfm_overview_matches_cxlib_and_draws_charts():
    at = run_page()
    assert not at.exception
    orders = next(d for d in shop().values() if d.role == "orders")
    expected = compute_rfm(orders, RFMSpec(as_of=orders.df["ordered_at"].max().date()))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers with orders"] == f"{len(expected.customers):,}"
    assert metrics["As of"] == f"{expected.as_of:%b} {expected.as_of.day}, {expected.as_of.year}"   # Babel medium date
    charts = at.get("vega_lite_chart")
    n = next(i for i, el in enumerate(charts) if "yOffset" in el.proto.spec)
    share = json.loads(charts[n].proto.spec)
    assert share["title"] == "Segment size and value share"
    table = frame_with(at, "revenue_share_pct")
    cust = next(d for d in shop().values() if d.role == "customers").df
    no_orders = int((~cust["customer_id"].isin(expected.customers["customer_id"])).sum())     # 20
    assert dict(zip(table["segment"], table["customers"])) == {**expected.segment_counts, "No orders": no_orders}
    assert metrics["Without a valid order"] == f"{no_orders:,}"
    import pyarrow as pa
    bars = pa.ipc.open_stream(charts[n].proto.datasets[0].data.data).read_pandas()
    assert "No orders" in set(bars["segment"])                                              # in the chart too


def test_changing_as_of_rescores():
    at = run_page()
    at.date_input[0].set_value(date(2024, 6, 30)).run()          # key depends on the orders dataset
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["As of"] == "Jun 30, 2024"
    assert any("placed after 2024-06-30" in w.value.replace("\\", "") for w in at.warning)


def test_rule_segment_counts_members_and_offers_download():
    at = run_page()
    at.text_input(key="seg_rule_1").set_value("country = DE and orders >= 2").run()
    assert not at.exception
    orders = next(d for d in shop().values() if d.role == "orders").df
    cust = next(d for d in shop().values() if d.role == "customers").df
    n_orders = orders.groupby("customer_id").size()
    de = cust.loc[cust["country"] == "DE", "customer_id"]
    expected = int((de.map(n_orders).fillna(0) >= 2).sum())
    assert {m.label: m.value for m in at.metric}["Customers"] == f"{expected:,}"
    members = frame_with(at, "list")
    assert len(members) == expected and set(members["list"]) == {"Rule segment"}
    keys = [b.proto.id for b in at.get("download_button")]
    assert any("dl_rule_members" in k for k in keys)


def test_bad_rule_shows_position_not_traceback():
    at = run_page()
    at.text_input(key="seg_rule_1").set_value("country = DE and orders >=").run()
    assert not at.exception
    assert any("position" in e.value for e in at.error)


def test_compare_two_segments_on_nps_states_verdict():
    at = run_page()
    at.multiselect(key="seg_cmp_groups").set_value(["rfm:Champions", "rfm:Lost"]).run()
    at.selectbox(key="seg_cmp_metric").select("revenue_per_customer").run()
    assert not at.exception
    text = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Champions vs Lost" in text and "Revenue per customer" in text
    at.selectbox(key="seg_cmp_metric").select("nps").run()
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
    assert any(str(s.get("title", "")).startswith("NPS by segment") for s in specs)


def test_default_comparison_is_rule_segment_against_everyone_else():
    at = run_page()
    at.text_input(key="seg_rule_1").set_value("country = FR").run()
    at.selectbox(key="seg_cmp_metric").select("conversion").run()
    assert not at.exception
    assert at.multiselect(key="seg_cmp_groups").value == ["rule:1", "rest"]          # Rule segment, Everyone else
    pairs = frame_with(at, "p_holm")
    cust = next(d for d in shop().values() if d.role == "customers").df
    buyers = set(next(d for d in shop().values() if d.role == "orders").df["customer_id"])
    fr = cust["country"] == "FR"
    bought = cust["customer_id"].isin(buyers)
    expected = bought[fr].mean() - bought[~fr].mean()          # conversion of FR minus the rest
    assert pairs.loc[0, "diff"] == pytest.approx(expected)


def test_orders_only_offers_order_metrics_and_no_join():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_removed"] = True
    at.session_state["datasets"] = {k: d for k, d in shop().items() if d.role == "orders"}
    at.run()
    assert not at.exception
    metric = at.selectbox(key="seg_cmp_metric")
    assert metric.value == "aov" and metric.options == ["Conversion", "Repeat rate", "Average order value",
                                                        "Revenue per customer"]
    assert not any("matched to customers" in c.value.replace("\\", "") for c in at.caption)


def test_page_runs_on_sample_data_when_present():
    if not (ROOT / "sample_data/MANIFEST.json").exists():
        pytest.skip("sample data not generated in this checkout")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    orders = [d for d in at.session_state["datasets"].values() if d.role == "orders"]
    if orders and orders[0].has("ordered_at"):
        assert any(m.label == "Customers with orders" for m in at.metric)
        assert any("matched to customers" in c.value.replace("\\", "") for c in at.caption)


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_page_in_chinese_and_russian(lang):
    from ui.fmt import day
    at = run_page(lang)
    assert not at.exception
    orders = next(d for d in shop().values() if d.role == "orders")
    as_of = orders.df["ordered_at"].max().date()
    assert day(as_of, lang=lang) in [m.value for m in at.metric]
    at.text_input(key="seg_rule_1").set_value("country = DE and orders >= 2").run()
    assert not at.exception
    shares = [m.value for m in at.metric if m.value.endswith("%")]
    assert shares and all(("," in v) == (lang == "ru") for v in shares)


# ---- issue 20, finding 2: "Do detractors buy less?" on the sample shop ---------------------------
def sample_page() -> AppTest:
    if not (ROOT / "sample_data/MANIFEST.json").exists():
        pytest.skip("sample data not generated in this checkout")
    return AppTest.from_file(PAGE, default_timeout=120).run()


def group_values(at: AppTest) -> dict[str, tuple[int, float]]:
    table = next(d.value for d in at.dataframe if {"segment", "ci_low"} <= set(d.value.columns))
    assert "successes" not in table.columns                    # money: no count of "yes", no column of None
    return {s: (int(n), float(v)) for s, n, v in zip(table["segment"], table["n"], table["value"])}


def respondents():
    from tests import sample_oracles as so
    c = so.customers()
    return c[c["nps"].notna() & (c["orders"] > 0)]


def test_detractors_vs_everyone_else_compares_among_respondents_and_survives_renaming():
    """Before the fix: renaming the rule segment dropped it from Compare, and 'nps <= 6' vs Everyone
    else said detractors bring EUR 81.92 more (p = 2e-05), everyone else holding every customer who
    never answered and the 330 without a valid order at 0."""
    r = respondents()
    at = sample_page()
    at.text_input(key="seg_rule_1").set_value("nps <= 6").run()
    at.text_input(key="seg_rule_name_1").set_value("Detractors").run()
    assert at.multiselect(key="seg_cmp_groups").value == ["rule:1", "rest"]             # still compared
    at.selectbox(key="seg_cmp_metric").select("revenue_per_customer").run()
    assert not at.exception
    det, other = r.loc[r["nps"] <= 6, "net_revenue"], r.loc[r["nps"] > 6, "net_revenue"]
    got = group_values(at)
    assert got["Detractors"][0] == len(det) == 108 and got["Everyone else"][0] == len(other) == 480
    assert got["Detractors"][1] == pytest.approx(det.mean()) and got["Everyone else"][1] == pytest.approx(other.mean())
    text = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Compared among customers who answered the NPS question and have at least one valid order: 588 of 1,510" in text
    assert "No real difference (could be chance): Detractors vs Everyone else +0.91" in text


def detractors_vs_promoters(promoters: str) -> AppTest:
    """The sample shop with two rule segments, nps <= 6 and nps >= 9, compared on revenue per customer."""
    at = sample_page()
    for sid, name, rule in (("1", "Detractors", "nps <= 6"), ("2", promoters, "nps >= 9")):
        if sid != "1":
            at.button(key="seg_rule_add").click().run()
        at.text_input(key=f"seg_rule_{sid}").set_value(rule).run()
        at.text_input(key=f"seg_rule_name_{sid}").set_value(name).run()
    at.multiselect(key="seg_cmp_groups").set_value(["rule:1", "rule:2"]).run()
    at.selectbox(key="seg_cmp_metric").select("revenue_per_customer").run()
    return at


def test_several_rule_segments_detractors_vs_promoters_rename_and_delete():
    r = respondents()
    at = detractors_vs_promoters("Promoters!")
    at.text_input(key="seg_rule_name_2").set_value("Happy").run()                          # rename: still compared
    assert not at.exception
    assert at.multiselect(key="seg_cmp_groups").value == ["rule:1", "rule:2"]
    got = group_values(at)
    det, pro = r.loc[r["nps"] <= 6, "net_revenue"], r.loc[r["nps"] >= 9, "net_revenue"]
    assert (got["Detractors"][0], got["Happy"][0]) == (108, 300)
    assert (round(got["Detractors"][1], 2), round(got["Happy"][1], 2)) == (round(det.mean(), 2), round(pro.mean(), 2))
    assert (round(det.mean(), 2), round(pro.mean(), 2)) == (168.70, 170.92)              # detractors bring less
    text = " ".join(i.value for i in at.info).replace("\\", "")
    assert "No real difference (could be chance): Detractors vs Happy -2.22" in text
    segments = frame_with(at, "rule")
    assert segments["segment"].tolist() == ["Detractors", "Happy"] and segments["customers"].tolist() == [108, 300]
    at.button(key="seg_rule_del_1").click().run()                                        # delete one
    assert not at.exception and at.multiselect(key="seg_cmp_groups").value == ["rule:2"]
    assert [t.key for t in at.text_input if t.key.startswith("seg_rule_name_")] == ["seg_rule_name_2"]


def test_nps_bands_are_ready_made_groups_and_all_customers_warns():
    at = sample_page()
    at.multiselect(key="seg_cmp_groups").set_value(["nps:detractor", "nps:passive", "nps:promoter"]).run()
    at.selectbox(key="seg_cmp_metric").select("revenue_per_customer").run()
    assert not at.exception
    r = respondents()
    assert {k: v[0] for k, v in group_values(at).items()} == {
        "Detractors": 108, "Passives": int(r["nps"].between(7, 8).sum()), "Promoters": 300}
    at.text_input(key="seg_rule_1").set_value("nps <= 6").run()
    at.multiselect(key="seg_cmp_groups").set_value(["rule:1", "rest"]).run()
    at.selectbox(key="seg_cmp_population").select("all").run()
    assert not at.exception
    text = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Rule segment vs Everyone else +81.92" in text                  # the unfair answer, now flagged
    warnings = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "The groups differ in who answered the survey" in warnings
    assert "The groups differ in who can have Revenue per customer" in warnings


def test_saved_segments_analysis_carries_every_rule_segment_and_the_comparison(monkeypatch, tmp_path):
    from cxlib.saved.workspace import Workspace
    monkeypatch.delenv("CX_MODE", raising=False)
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "data"))
    at = detractors_vs_promoters("Promoters")
    at.button(key="spec_segments_share").click().run()
    assert not at.exception
    analysis_id = at.code[0].value.split("analysis=", 1)[1].split("&", 1)[0]
    saved = Workspace(tmp_path / "data").get_analysis(analysis_id)
    assert [(r["name"], r["rule"]) for r in saved.options["rule_segments"]] == [("Detractors", "nps <= 6"),
                                                                                ("Promoters", "nps >= 9")]
    assert saved.options["compare"] == {"groups": ["rule:1", "rule:2"], "metric": "revenue_per_customer",
                                        "population": "auto"}
    assert len(saved.extra_dataset_ids) == 3                                       # customers, survey, tickets
    link = AppTest.from_file(str(ROOT / "pages/9_Saved_analysis.py"), default_timeout=120)
    link.query_params["analysis"] = analysis_id
    link.run()
    assert not link.exception
    shown = " ".join(x.value for x in link.text)
    assert "Detractors vs Promoters -2.22" in shown and "nps <= 6" in shown
    def title(el) -> str:                    # chart titles are wrapped onto lines to fit the column
        text = json.loads(el.proto.spec).get("title")
        text = text.get("text") if isinstance(text, dict) else text
        return " ".join(text) if isinstance(text, list) else str(text)
    assert any(title(el) == "Revenue per customer by segment, with 95% confidence intervals"
               for el in link.get("vega_lite_chart"))


def test_tables_kept_in_parquet_give_the_same_page(tmp_path, monkeypatch):
    """Orders, customers and answers each kept only in a Parquet file, aggregated on the engine: the same RFM table,
    joins and comparisons (AOV and NPS) as from pandas copies, with no copy made."""
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")
    kept = {}
    for key, d in shop().items():
        path = tmp_path / f"{d.role}.parquet"
        d.df.to_parquet(path)
        kept[key] = Dataset(d.name, d.role, None, d.mapping, d.report, d.content_hash, parquet=str(path))
    shown = []
    for datasets in (shop(), kept):
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["samples_removed"] = True
        at.session_state["datasets"] = datasets
        at.run()
        at.multiselect(key="seg_cmp_groups").set_value(["rfm:Champions", "rfm:Lost", "rest"]).run()
        texts = []
        for metric in ("aov", "nps"):
            at.selectbox(key="seg_cmp_metric").select(metric).run()
            assert not at.exception
            texts.append(" ".join(i.value for i in at.info))
        shown.append((texts, [d.value.to_json() for d in at.dataframe]))
    assert shown[0] == shown[1] and "Champions vs Lost" in shown[0][0][0]
    assert all(d.on_engine for d in kept.values())                 # no pandas copy of any table
