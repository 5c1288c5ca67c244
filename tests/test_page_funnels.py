"""AppTest of pages/4_Funnels.py: sample data by default, and a seeded event log checked by hand."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import from_frame

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "4_Funnels.py")


def _specs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _data(at, i: int = 0) -> pd.DataFrame:
    """The (first) dataset Streamlit sent with chart ``i`` (Arrow IPC in the proto)."""
    import pyarrow as pa
    return pa.ipc.open_stream(at.get("vega_lite_chart")[i].proto.datasets[0].data.data).read_pandas()


def _seeded() -> AppTest:
    t0 = pd.Timestamp("2026-05-04 09:00", tz="UTC")
    rows = [("a", "page_view", 0, "mobile"), ("a", "add_to_cart", 60, "mobile"), ("a", "purchase", 120, "mobile"),
            ("b", "page_view", 0, "desktop"), ("b", "add_to_cart", 600, "desktop"),
            ("c", "page_view", 0, "desktop"), ("d", "page_view", 86400, "mobile"),
            ("d", "add_to_cart", 86400 + 30, "mobile")]
    df = pd.DataFrame(rows, columns=["user_id", "event", "sec", "device"])
    df["timestamp"] = t0 + pd.to_timedelta(df.pop("sec"), unit="s")
    ds = from_frame(df, "events", name="ev.csv")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {ds.key: ds}
    return at


def test_sample_data_funnel_renders():
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    n = int(at.number_input(key="funnel_n_steps").value)
    steps = [at.selectbox(key=f"funnel_step_{i}").value for i in range(n)]
    assert len(set(steps)) == n == 5
    specs = _specs(at)
    assert specs[0]["title"].startswith("Funnel:")
    values = _data(at)
    assert values["step"].tolist() == [f"{i + 1}. {s}" for i, s in enumerate(steps)]
    assert values["units"].is_monotonic_decreasing and values["units"].iloc[-1] > 0


def test_seeded_funnel_numbers_breakdown_and_dropoff_list():
    at = _seeded().run()
    assert not at.exception
    at.number_input(key="funnel_n_steps").set_value(3).run()
    for i, e in enumerate(["page_view", "add_to_cart", "purchase"]):
        at.selectbox(key=f"funnel_step_{i}").set_value(e)
    at.selectbox(key="funnel_by").set_value("device").run()
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    assert m == {"Entered the funnel": "4", "Completed all steps": "1", "Overall conversion": "25.00%"}
    specs = _specs(at)
    funnel_data = _data(at)
    assert funnel_data["units"].tolist() == [4, 3, 1]
    assert funnel_data["drop_label"].tolist()[1:] == ["-1 (-25.0%)", "-2 (-66.7%)"]
    assert specs[1]["encoding"]["xOffset"]["field"] == "value"          # grouped breakdown bars
    assert at.selectbox(key="funnel_drop_step").value == 1
    at.selectbox(key="funnel_drop_step").set_value(2).run()
    dropped = at.dataframe[-1].value
    assert sorted(dropped["user_id"]) == ["b", "d"]


def test_changing_only_the_histogram_does_not_recompute(monkeypatch):
    from cxlib.analyses import funnel as fn
    calls = []
    real = fn.funnel
    monkeypatch.setattr(fn, "funnel", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = _seeded().run()
    assert not at.exception and len(calls) == 1
    at.selectbox(key="funnel_hist_bin").set_value(600).run()
    at.radio(key="funnel_period").set_value("week").run()
    assert not at.exception and len(calls) == 1
    hist = [s for s in _specs(at) if s.get("title") == "Time to convert"]
    assert hist and hist[0]["encoding"]["x"]["title"] == "Time to convert (minutes)"


def test_bad_filter_property_shows_error_not_traceback():
    at = _seeded().run()
    at.selectbox(key="funnel_filter_step").set_value(1)
    at.selectbox(key="funnel_filter_prop").set_value("device")
    at.text_input(key="funnel_filter_value").set_value("tablet").run()
    assert not at.exception
    assert at.metric[1].value == "0"


@pytest.mark.parametrize("lang, conversion", [("zh", "25.00%"), ("ru", "25,00\xa0%")])
def test_page_in_chinese_and_russian(lang, conversion):
    at = _seeded()
    at.session_state["lang"] = lang
    at.run()
    at.number_input(key="funnel_n_steps").set_value(3).run()
    for i, e in enumerate(["page_view", "add_to_cart", "purchase"]):
        at.selectbox(key=f"funnel_step_{i}").set_value(e)
    at.selectbox(key="funnel_by").set_value("device").run()
    assert not at.exception
    assert at.metric[2].value == conversion
    assert all(s["config"]["locale"]["time"]["months"][0] == ("январь" if lang == "ru" else "一月") for s in _specs(at))


# ---- issue 20, finding 4: the marketer's funnel to purchase on the sample shop
def _sample() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    return at


def _chart(at, title_start: str) -> tuple[dict, pd.DataFrame]:
    for i, s in enumerate(_specs(at)):
        title = s.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        if str(title).startswith(title_start):
            return s, _data(at, i)
    raise AssertionError(f"no chart titled {title_start!r}: {[s.get('title') for s in _specs(at)]}")


def test_issue20_finding4_default_funnel_runs_to_purchase():
    at = _sample()
    steps = [at.selectbox(key=f"funnel_step_{i}").value for i in range(int(at.number_input(key="funnel_n_steps").value))]
    assert steps == ["page_view", "view_item", "add_to_cart", "begin_checkout", "purchase"]
    assert at.metric[1].value == "317"            # sample_data/README.md: 317 users reach purchase in 7 days


def test_issue20_finding4_one_sentence_names_the_biggest_drop_off():
    at = _sample()
    # by hand from sample_data/README.md: 4,500 -> 2,491 -> 972 -> 541 -> 317; the largest share lost is
    # view_item -> add_to_cart: 1,519 of 2,491 users (61.0 %)
    shown = [m.value.replace("\\", "") for m in [*at.markdown, *at.text, *at.caption, *at.info]]
    said = [m for m in shown if "biggest drop-off" in m.lower()]
    assert len(said) == 1, said
    assert "view_item" in said[0] and "add_to_cart" in said[0] and "1,519" in said[0] and "61.0%" in said[0]


def test_issue20_finding4_time_to_convert_histogram_is_readable():
    at = _sample()
    at.selectbox(key="funnel_hist_step").set_value(2).run()       # page_view -> view_item: median 29 s
    assert not at.exception
    spec, data = _chart(at, "Time to convert")
    counts = data[spec["encoding"]["y"]["field"]]
    assert (counts > 0).sum() >= 5 and counts.max() < counts.sum()      # a shape, not one bar of everything
    assert counts.sum() == 2491                                          # every user who reached view_item
    ranges = data[spec["encoding"]["x"]["field"]].tolist()               # ranges people name, in order
    assert ranges[:4] == ["under 10 s", "10 s to 30 s", "30 s to 1 min", "1 min to 2 min"], ranges
    assert spec["encoding"]["y"]["axis"]["format"] == ",d"               # counts are whole numbers


def test_issue20_finding4_time_to_convert_table_in_readable_units():
    at = _sample()
    table = next(d for d in at.dataframe if "From" in d.value.columns or "From step" in d.value.columns)
    from tests.test_page_experiments import display_values
    shown = display_values(table)
    assert not any("_" in str(c) for c in shown.columns), list(shown.columns)
    p95 = shown.iloc[1, -1]                                              # view_item -> add_to_cart
    assert p95.endswith(("h", "d", "min", "s")) and "205" not in p95, p95   # 205,619 s is 2.4 days
