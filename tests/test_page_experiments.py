"""AppTest of pages/7_Experiments.py: sample data, seeded data with SRM, an upload, counts and the planner."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportions_ztest
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import from_frame

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "7_Experiments.py")


def display_values(el) -> pd.DataFrame:
    """The text a table shows (its Styler display values), not the numbers behind it."""
    from streamlit import dataframe_util
    return dataframe_util.convert_arrow_bytes_to_pandas_df(el.proto.arrow_data.styler.display_values)


def _specs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _seeded(rows_a: int, conv_a: int, rows_b: int, conv_b: int) -> AppTest:
    rows = [(f"a{i}", "control", int(i < conv_a)) for i in range(rows_a)]
    rows += [(f"b{i}", "new_checkout", int(i < conv_b)) for i in range(rows_b)]
    ds = from_frame(pd.DataFrame(rows, columns=["unit_id", "variant", "converted"]), "experiment", name="t.csv")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {ds.key: ds}
    return at.run()


@pytest.mark.slow
def test_sample_experiment_shows_verdict_table_and_charts():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.selectbox(key="exp_control").value == "control"
    verdict = [i.value for i in at.info if "conversion" in i.value]
    assert verdict and "one\\_page\\_checkout raised conversion from 4\\.10 %" in verdict[0]
    table = at.dataframe[1].value
    assert table["users"].tolist() == [5981, 6009]
    shown = at.dataframe[0].value
    assert shown["Variant"].tolist() == ["control", "one_page_checkout"]
    assert shown["Significant"].tolist()[1] is True and shown.iloc[1]["Conversion"] == pytest.approx(295 / 6009)
    text = display_values(at.dataframe[0])                # what the reader sees: the locale's formatting
    assert text.iloc[1]["Conversion"] == "4.91%" and text.iloc[1]["Significant"] == "yes"
    titles = [s["title"] for s in _specs(at)]
    assert "Conversion by variant" in titles and "Lift in conversion over control" in titles
    assert any("Sample ratio check passed" in s.value for s in at.success)


def test_srm_banner_and_untrustworthy_verdict():
    at = _seeded(1000, 50, 1300, 70)
    assert not at.exception
    assert any("Sample ratio mismatch" in e.value for e in at.error)
    assert any(w.value.startswith("Not trustworthy") for w in at.warning)


def test_metric_alpha_and_one_sided_options_change_the_numbers():
    at = _seeded(20000, 820, 20000, 900)
    p_two = at.dataframe[1].value["p_value"].iloc[1]
    assert p_two == pytest.approx(proportions_ztest([900, 820], [20000, 20000])[1])
    at.selectbox(key="exp_alt").select("larger").run()
    assert not at.exception
    p_one = at.dataframe[1].value["p_value"].iloc[1]
    assert p_one == pytest.approx(proportions_ztest([900, 820], [20000, 20000], alternative="larger")[1])
    at.selectbox(key="exp_control").select("new_checkout").run()
    lift = at.dataframe[1].value["abs_lift"].iloc[1]
    assert lift == pytest.approx(820 / 20000 - 900 / 20000)


def test_upload_on_the_page_selects_the_new_file():
    at = _seeded(500, 20, 500, 30)
    csv = "unit_id,variant,converted\n" + "".join(f"u{i},{'A' if i % 2 else 'B'},{int(i % 7 == 0)}\n" for i in range(400))
    at.file_uploader(key="exp_upload").set_value(("up.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    assert at.dataframe[1].value["variant"].tolist() == ["A", "B"]
    assert at.dataframe[1].value["users"].sum() == 400


def test_counts_tab_and_sample_size_calculator():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    counts = [i.value for i in at.info if "B did not detectably change" in i.value.replace("\\", "")]
    assert counts, [i.value for i in at.info]
    users = {m.label: m.value for m in at.metric}
    assert users["Users per variant"] == "53,211"
    at.number_input(key="plan_mde").set_value(20.0).run()
    assert {m.label: m.value for m in at.metric}["Users per variant"] != "53,211"


def test_conversion_from_events_and_achieved_power():
    t0 = pd.Timestamp("2026-09-01", tz="UTC")
    exp = from_frame(pd.DataFrame({
        "unit_id": [f"u{i}" for i in range(400)], "variant": ["A", "B"] * 200,
        "exposed_at": [t0] * 400}), "experiment", name="assign.csv")
    # B users u1, u3, ... u79 purchase within 2 days; A users u0, u2, ... u38 purchase after 10 days (outside)
    ev = from_frame(pd.DataFrame({
        "user_id": [f"u{i}" for i in range(1, 80, 2)] + [f"u{i}" for i in range(0, 40, 2)],
        "event": ["purchase"] * 60,
        "timestamp": [t0 + pd.Timedelta("2D")] * 40 + [t0 + pd.Timedelta("10D")] * 20}), "events", name="ev.csv")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {exp.key: exp, ev.key: ev}
    at.run()
    at.selectbox(key="exp_events").select(ev.key).run()
    assert not at.exception
    assert at.selectbox(key=f"exp_event_{ev.key}").value == "purchase"
    table = at.dataframe[1].value.set_index("variant")
    assert table.loc["A", "conversions"] == 0 and table.loc["B", "conversions"] == 40
    at.text_input(key="exp_window").set_value("14d").run()
    assert at.dataframe[1].value.set_index("variant").loc["A", "conversions"] == 20
    m = {x.label: x.value for x in at.metric}
    assert m["Power of the loaded test to detect this effect"].endswith("%")


@pytest.mark.parametrize("lang, users, conversion", [("zh", "53,211", "4.91%"), ("ru", "53\xa0211", "4,91\xa0%")])
def test_page_in_chinese_and_russian(lang, users, conversion):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert {m.value for m in at.metric} >= {users}                      # sample size, in the locale
    assert display_values(at.dataframe[0]).iloc[1, 3] == conversion                  # headers may be translated
    assert all(s["config"]["locale"]["number"]["decimal"] == ("," if lang == "ru" else ".") for s in _specs(at))


# ---- issue 20, finding 5: the checkout decision on the sample shop
def _texts(at) -> list[str]:
    return [x.value.replace("\\", "") for x in [*at.markdown, *at.info, *at.success, *at.warning, *at.error,
                                               *at.subheader, *at.caption, *at.text]]


def test_issue20_finding5_verdict_interval_agrees_with_significance():
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    table = at.dataframe[1].value.set_index("variant").loc["one_page_checkout"]
    # the p-value and the interval come from one method (score), so they cannot disagree; checked by statsmodels
    test = test_proportions_2indep(295, 6009, 245, 5981, method="score", correction=False)
    low, high = confint_proportions_2indep(295, 6009, 245, 5981, method="score", compare="ratio", correction=False)
    assert table["p_value"] == pytest.approx(test.pvalue, rel=1e-9) and table["significant"]
    assert (table["rel_ci_low"], table["rel_ci_high"]) == pytest.approx((low - 1, high - 1), rel=1e-6)
    verdict = next(t for t in _texts(at) if "raised conversion" in t)
    assert "+0.0 %" not in verdict and "+1.6 %" in verdict, verdict          # was "95 % CI +0.0 % to +39.7 %"


def test_issue20_finding5_headline_says_ship_with_one_reason():
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    heads = [t for t in _texts(at) if t.startswith(("Ship", "Don't ship yet", "No detectable change"))]
    # the file's test first, then the typed counts of the second tab (B: +12.7 %, p = 0.07)
    assert sorted(h.split(",")[0] for h in heads) == ["No detectable change", "Ship one_page_checkout"], heads
    ship = next(h for h in heads if h.startswith("Ship"))
    assert ship.count(". ") == 0 and "because" in ship and "(+1.6 %)" in ship


def test_issue20_finding5_no_change_and_not_yet_headlines():
    at = _seeded(20000, 820, 20000, 830)                         # +1.2 %, p = 0.82: nothing to see
    assert any(t.startswith("No detectable change") for t in _texts(at))
    at = _seeded(20000, 900, 20000, 800)                         # the new checkout loses conversions
    assert any(t.startswith("Don't ship yet") for t in _texts(at))
    at = _seeded(1000, 50, 1300, 70)                             # sample ratio mismatch
    assert any(t.startswith("Don't ship yet") and "split" in t for t in _texts(at))


def test_issue20_finding5_memo_is_titled_by_the_users_question():
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    field = at.text_input(key="exp_question")
    assert field.value, "the question field holds text, not only a placeholder"
    field.set_value("Does the one-page checkout raise conversion?").run()
    assert not at.exception
    memo = [t for t in _texts(at) if t.startswith("# ")]
    assert memo and memo[0].splitlines()[0] == "# Decision memo: Does the one-page checkout raise conversion?", memo


def test_issue20_finding5_statistics_in_plain_words_with_the_name_in_brackets():
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    verdict = next(t for t in _texts(at) if "raised conversion" in t)
    assert "(95 % confidence interval" in verdict and "(p-value" in verdict, verdict
    words = " ".join(_texts(at))
    assert "delta method on the ratio of means" not in words                  # jargon without a plain sentence
