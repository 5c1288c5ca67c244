"""ui.charts, ui.tables, ui.pickers, ui.downloads: charts and tables in the interface language (no Streamlit run needed for these parts)."""
from __future__ import annotations

import io
import json
import re

import altair as alt
import pandas as pd
import pytest

from cxlib.data.loader import from_frame
from ui.charts import localized, vega_locale
from ui.pickers import dataset_currency, option_labels
from ui.tables import status_label, table_view, translated_headers

NBSP = "\u00a0"


def _chart() -> alt.LayerChart:
    df = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=6, freq="MS"),
                       "revenue": [1234.5, 2345.25, 15000.0, 30000.0, 1200.0, 900.0]})
    base = alt.Chart(df).mark_line().encode(x="month:T", y="revenue:Q").properties(title="Revenue")
    return (base + base.mark_point()).configure_axis(labelFontSize=11)


def test_vega_locale_russian_and_chinese():
    ru, zh = vega_locale("ru"), vega_locale("zh")
    assert ru["number"]["decimal"] == "," and ru["number"]["thousands"] == NBSP
    assert ru["number"]["percent"] == f"{NBSP}%"
    assert ru["time"]["months"][0] == "январь" and ru["time"]["days"][0] == "воскресенье"   # d3 weeks start on Sunday
    assert zh["number"]["decimal"] == "." and zh["number"]["thousands"] == ","
    assert zh["time"]["months"][11] == "十二月" and zh["time"]["periods"] == ["上午", "下午"]
    assert vega_locale("en") is None                        # Vega's own default is en-US


def test_localized_sets_config_locale_and_keeps_other_config():
    chart = _chart()
    spec = localized(chart, "ru").to_dict()
    assert spec["config"]["locale"] == json.loads(json.dumps(vega_locale("ru")))
    assert spec["config"]["axis"]["labelFontSize"] == 11        # the builder's own config survives
    assert "locale" not in chart.to_dict()["config"]            # the original chart is not changed
    english = localized(chart, "en").to_dict()
    assert "locale" not in english["config"]                    # English: Vega's own formats
    assert english["usermeta"]["cx_labels_fitted"]              # but labels sized as in every language


def test_localized_sizes_labels_to_their_text():
    df = pd.DataFrame({"segment": ["Потенциально лояльные", "Новые"], "n": [3, 5]})
    chart = alt.Chart(df).mark_bar().encode(y="segment:N", x="n:Q")
    axis = localized(chart, "ru").to_dict()["encoding"]["y"]["axis"]
    assert axis["labelLimit"] > 100                             # Streamlit's theme cuts at 100 px


def test_localized_chart_renders_russian_axes():
    vlc = pytest.importorskip("vl_convert")
    svg = vlc.vegalite_to_svg(localized(_chart(), "ru").to_json())
    labels = set(re.findall(r">([^<]{1,20})</text>", svg))
    assert f"30{NBSP}000" in labels                         # thousands with a no-break space
    assert labels & {"февраль", "март", "апрель"}           # Russian month names on the time axis


def test_translated_headers_keep_english_without_a_catalog():
    df = pd.DataFrame({"net_revenue": [1.0], "Spalte aus der Datei": [2]})
    assert list(translated_headers(df).columns) == ["net_revenue", "Spalte aus der Datei"]


def _display(styler) -> pd.DataFrame:
    """The text each cell shows."""
    shown = styler.data.copy().astype(object)
    for i in range(len(shown)):
        for j, col in enumerate(shown.columns):
            shown.iat[i, j] = styler._display_funcs[(i, j)](styler.data.iat[i, j])
    return shown


def test_table_view_formats_numbers_dates_and_labels_per_language():
    df = pd.DataFrame({"segment": ["Champions", "Lost"], "status": ["in_transit", "completed"],
                       "customers": [1234, 5], "net_revenue": [12345.678, 1.5], "rate": [0.0346, 0.5],
                       "p": [1.2e-5, float("nan")], "when": pd.to_datetime(["2024-01-05", "2024-02-01"]),
                       "flag": [True, False]})
    ru = _display(table_view(df, lang="ru", labels={"status": status_label}))
    assert ru["customers"].tolist() == [f"1{NBSP}234", "5"]
    assert ru["net_revenue"].tolist() == [f"12{NBSP}345,68", "1,50"]
    assert ru["rate"].tolist() == ["0,0346", "0,5"] and ru["p"].tolist() == ["1,2e-05", "—"]
    assert ru["when"].tolist()[0] == "5 янв. 2024\u202fг."
    assert ru["status"].tolist() == ["In transit", "Completed"]       # label (English until the catalog has it)
    zh = _display(table_view(df, lang="zh"))
    assert zh["customers"].tolist() == ["1,234", "5"] and zh["when"].tolist()[0] == "2024年1月5日"
    styler = table_view(df, lang="ru")
    assert styler.data["customers"].tolist() == [1234, 5]             # values (and sorting) stay numeric


def test_table_view_custom_formats_and_big_tables():
    df = pd.DataFrame({"p_value": [0.01234]})
    assert _display(table_view(df, lang="ru", formats={"p_value": lambda v: "p"}))["p_value"][0] == "p"
    big = pd.DataFrame({"x": range(20_000)})
    assert isinstance(table_view(big, lang="ru"), pd.DataFrame)       # too big for a Styler: plain frame


def test_option_labels_are_made_up_front():
    calls = []
    fmt = option_labels(["a", "b"], lambda o: calls.append(o) or o.upper())
    assert calls == ["a", "b"]
    assert fmt("a") == "A" and calls == ["a", "b"]                   # no new call: same label later
    assert fmt("c") == "C"                                           # an unknown option still gets a label


def test_dataset_currency():
    one = from_frame(pd.DataFrame({"customer_id": ["a"], "ordered_at": ["2024-01-01"], "amount": [1.0],
                                           "currency": ["eur"]}), "orders", name="o.csv")
    mixed = from_frame(pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": ["2024-01-01"] * 2,
                                             "amount": [1.0, 2.0], "currency": ["EUR", "USD"]}), "orders", name="m.csv")
    assert dataset_currency(one) == "EUR"
    assert dataset_currency(mixed) is None and dataset_currency(None) is None


def test_a_metric_value_column_keeps_the_precision_of_its_fractions():
    df = pd.DataFrame({"metric": ["orders", "repeat_rate", "net_revenue"], "value": [2460.0, 0.2992, 139889.34]})
    assert _display(table_view(df, lang="ru"))["value"].tolist() == [f"2{NBSP}460,00", "0,2992", f"139{NBSP}889,34"]


def test_label_columns_finds_the_columns_holding_cxlib_labels():
    from ui.tables import label_columns
    df = pd.DataFrame({"metric": ["orders"], "value": [1], "status": ["in_transit"]})
    assert set(label_columns(df)) == {"metric", "status"} and label_columns(pd.DataFrame({"x": [1]})) == {}


# ---- CSV exports: labels in the reader's language (issue 20, finding 8: a Russian CSV had Russian headers
# but English values "At risk", "Top 10%") ------------------------------------------------------------------
def test_export_frame_translates_labels_and_keeps_data_and_numbers():
    from ui.tables import export_frame
    df = pd.DataFrame({"customer_id": ["c1", "c2"], "segment": ["At risk", "Champions"],
                       "value_tier": ["Top 10%", "Next 20%"], "list": ["At risk", "At risk"],
                       "channel": ["(blank)", "At risk"], "status": ["in_transit", "completed"],
                       "net_revenue": [1234.5, 3.0]})
    out = export_frame(df, lang="ru")
    assert out.iloc[:, 1].tolist() == ["Под угрозой ухода", "Чемпионы"]
    assert out.iloc[:, 2].tolist() == ["Топ-10%", "Следующие 20%"] and out.iloc[:, 3].tolist() == ["Под угрозой ухода"] * 2
    assert out.iloc[:, 4].tolist() == ["(пусто)", "At risk"]      # a data column: only cxlib's own "(blank)"
    assert out.iloc[:, 0].tolist() == ["c1", "c2"] and out.iloc[:, 6].tolist() == [1234.5, 3.0]
    assert list(out.columns)[1:4] == ["сегмент", "уровень ценности", "список"]
    assert df["segment"].tolist() == ["At risk", "Champions"]       # the result table itself is not changed
    zh = export_frame(df, lang="zh")
    assert zh.iloc[:, 1].tolist()[0] == "流失风险客户" and zh.iloc[:, 2].tolist()[0] == "前10%"
    english = export_frame(df, lang="en")
    assert english.drop(columns="status").astype(object).values.tolist() == \
        df.drop(columns="status").astype(object).values.tolist()
    assert english["status"].tolist() == ["In transit", "Completed"]   # statuses as the page shows them


class _Downloads:
    """Stands in for ``streamlit`` inside ui.downloads: records every download's bytes, draws the rest."""

    def __init__(self, st):
        self._st, self.files = st, {}

    def __getattr__(self, name):
        return getattr(self._st, name)

    def download_button(self, label, data=None, file_name=None, **kwargs):
        self.files[file_name] = data() if callable(data) else data
        return self._st.download_button(label, data=data, file_name=file_name, **kwargs)


@pytest.mark.parametrize("lang, at_risk, top", [("ru", "Под угрозой ухода", "Топ-10%"), ("zh", "流失风险客户", "前10%")])
def test_segments_page_csv_downloads_hold_translated_segment_names(monkeypatch, lang, at_risk, top):
    import ui.downloads
    from streamlit.testing.v1 import AppTest
    from tests.conftest import ROOT
    downloads = _Downloads(ui.downloads.st)
    monkeypatch.setattr(ui.downloads, "st", downloads)
    at = AppTest.from_file(str(ROOT / "pages" / "5_Segments.py"), default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    segments = pd.read_csv(io.BytesIO(downloads.files["segments.csv"]), encoding="utf-8-sig")
    assert at_risk in segments.iloc[:, 0].tolist() and "At risk" not in segments.iloc[:, 0].tolist()
    members = downloads.files["segment_members.csv"].decode("utf-8-sig")
    assert top in members and "Top 10%" not in members and "Champions" not in members


def test_the_data_page_download_of_a_table_kept_by_the_engine_is_its_csv_without_a_pandas_copy(monkeypatch,
                                                                                                 tmp_path):
    """The cleaned-table download of an upload the engine converted reads its Parquet file a part at a time: the
    same bytes as the CSV of the careful table, and the dataset keeps no pandas copy."""
    import numpy as np
    import ui.downloads
    from streamlit.testing.v1 import AppTest

    from cxlib.data import canonical_file, export
    from cxlib.data.dataset import Dataset
    from cxlib.data.loader import from_frame
    from tests.conftest import ROOT
    rng = np.random.default_rng(2)
    n = 1_200
    ds = from_frame(pd.DataFrame({"user_id": [f"u{x}" for x in rng.integers(0, 90, n)],
                                  "event": rng.choice(["page_view", "=cmd()", "purchase"], n),
                                  "timestamp": pd.Timestamp("2026-01-01", tz="UTC")
                                  + pd.to_timedelta(rng.integers(0, 86400 * 9, n), unit="s")}), "events",
                    name="big.csv")
    path = tmp_path / "events.parquet"
    ds.df.to_parquet(path, row_group_size=500)
    kept = Dataset("big.csv", "events", None, ds.mapping, ds.report, ds.content_hash, parquet=str(path))
    monkeypatch.setattr(canonical_file, "iter_frames", lambda p, rows=250_000, real=canonical_file.iter_frames: real(p, 300))
    downloads = _Downloads(ui.downloads.st)
    monkeypatch.setattr(ui.downloads, "st", downloads)
    at = AppTest.from_file(str(ROOT / "pages" / "0_Data.py"), default_timeout=120)
    at.session_state["samples_removed"] = True
    at.session_state["datasets"] = {kept.key: kept}
    at.run()
    assert not at.exception, at.exception
    assert downloads.files["big_clean.csv"] == export.to_csv_bytes(ds.df)
    assert at.session_state["datasets"][kept.key].on_engine
