"""Tests for cxlib.data.detection and cxlib.data.schema (detection, mapping, build, report),
cxlib.data.recognizers, cxlib.core.statuses, cxlib.data.synonyms and cxlib.data.convert.

Oracles: figures computed by hand on the small export files of tests/exports.py (documented in each
generator's docstring), plain-pandas / plain-Python reference computations, and the counts published in
/work/shared/data/real/*/SOURCE.md for the real files.
"""
from __future__ import annotations

import gzip
import io
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.data import convert
from cxlib.data import recognizers
from cxlib.data import detection, schema
from cxlib.core import statuses
from cxlib.data import io as cxio
from cxlib.data.table import Table
from cxlib.data.dataset import Dataset
from cxlib.data.roles import ROLES, ROLES_BY_NAME
from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.core.messages import Msg, translate
from cxlib.data.synonyms import norm_header
from tests import exports
from tests.conftest import real_file

UTC = "UTC"


def table(data: dict[str, list], name: str = "t.csv", first_data_row: int = 2) -> Table:
    """A Table the way io returns it: every cell text (or NA)."""
    return Table(name, pd.DataFrame(data, dtype="string"), first_data_row=first_data_row)


def load(name: str, role: str | None = None) -> Dataset:
    """Read an export of tests/exports.py with io, detect and build it."""
    gen = exports.EXPORTS[name][0]
    tab = cxio.read_table(gen(), f"{name}.csv" if name not in ("wildberries_orders", "surveymonkey_responses")
                          else f"{name}.xlsx")
    det = detection.detect(tab, role=role)
    return schema.build(tab, det.role, det.mapping, detection=det)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def rows_by(ds: Dataset, key: str) -> dict[str, dict]:
    return {r[key]: r for r in ds.df.to_dict("records")}


# --------------------------------------------------------------------------------------------
# recognizers: every known export is detected with its role, name and mapping
# --------------------------------------------------------------------------------------------
EXPECTED_MAPPING = {
    "shopify_orders": {"order_id": "Name", "customer_id": "Email", "ordered_at": "Created at", "amount": "Total",
                       "status": "Financial Status", "refunded": "Refunded Amount", "quantity": "Lineitem quantity"},
    "taobao_orders": {"order_id": "订单编号", "customer_id": "买家会员名", "ordered_at": "订单创建时间",
                      "amount": "买家实际支付金额", "status": "订单状态", "refunded": "退款金额"},
    "ozon_postings": {"order_id": "Номер заказа", "ordered_at": "Принят в обработку", "amount": "Сумма отправления",
                      "status": "Статус"},
    "wildberries_orders": {"order_id": "Номер заказа", "ordered_at": "Дата", "amount": "Цена с учетом скидки",
                           "status": "Статус"},
    "uci_online_retail": {"order_id": "InvoiceNo", "customer_id": "CustomerID", "ordered_at": "InvoiceDate",
                          "quantity": "Quantity", "unit_price": "UnitPrice"},
    "cdnow_master": {"customer_id": "customer_id", "ordered_at": "date", "amount": "dollar_value",
                     "items": "number_of_cds"},
    "cdnow_sample": {"customer_id": "column_1", "ordered_at": "column_3", "items": "column_4",
                     "amount": "column_5"},
    "ga4_events": {"user_id": "user_pseudo_id", "event": "event_name", "timestamp": "event_timestamp",
                   "device": "device.category", "channel": "traffic_source.medium"},
    "rees46_events": {"user_id": "user_id", "event": "event_type", "timestamp": "event_time",
                      "session_id": "user_session"},
    "surveymonkey_responses": {"respondent_id": "Respondent ID", "answered_at": "End Date",
                               "nps": exports.NPS_QUESTION, "csat": exports.CSAT_QUESTION,
                               "comment": "What could we do better?"},
    "surveymonkey_responses_csv": {"respondent_id": "Respondent ID", "answered_at": "End Date",
                                   "nps": exports.NPS_QUESTION, "csat": exports.CSAT_QUESTION},
    "typeform_responses": {"respondent_id": "#", "answered_at": "Submitted At", "nps": exports.NPS_QUESTION,
                           "ces": "How easy was it to find what you were looking for?"},
    "google_forms_responses": {"answered_at": "Timestamp", "email": "Email Address", "nps": exports.NPS_QUESTION,
                               "csat": "How satisfied were you with your order?"},
    "delighted_responses": {"respondent_id": "Response ID", "email": "Email", "nps": "Score",
                            "answered_at": "Created At", "comment": "Comment"},
    "zendesk_tickets": {"ticket_id": "Id", "created_at": "Created at", "channel": "Via", "requester": "Requester email",
                        "first_reply_minutes": "First reply time in minutes",
                        "resolution_minutes": "Full resolution time in minutes",
                        "satisfaction": "Satisfaction Score"},
    "freshdesk_tickets": {"ticket_id": "Ticket ID", "created_at": "Created time", "channel": "Source",
                          "first_reply_minutes": "First response time (in hrs)",
                          "resolution_minutes": "Resolution time (in hrs)", "satisfaction": "Survey result"},
    "experiment_log": {"unit_id": "visitor_id", "variant": "bucket", "converted": "conversion",
                       "revenue": "revenue", "exposed_at": "exposed_at"},
    "ab_data_like": {"unit_id": "user_id", "variant": "group", "converted": "converted",
                     "exposed_at": "timestamp"},
}


@pytest.mark.parametrize("name", sorted(exports.EXPORTS))
def test_every_export_is_recognized_with_its_role_and_mapping(name):
    gen, role, recognized = exports.EXPORTS[name]
    ds = load(name)
    assert (ds.role, ds.report.recognized_as) == (role, recognized)
    assert ds.report.confidence >= detection.CONFIDENT
    for canon, src in EXPECTED_MAPPING[name].items():
        assert ds.mapping.get(canon) == src, canon
    assert ds.report.rows_in > 0 and ds.report.rows > 0


def test_every_recognizer_has_an_export_fixture():
    names = {rec for _, _, rec in exports.EXPORTS.values()}
    assert set(recognizers.RECOGNIZERS_BY_NAME) <= names


def test_recognized_export_with_forced_other_role_falls_back_to_synonyms():
    tab = cxio.read_table(exports.zendesk_tickets(), "zendesk.csv")
    det = detection.detect(tab, role="customers")
    assert det.role == "customers" and det.recognized_as is None


# --------------------------------------------------------------------------------------------
# orders: line-item collapse, statuses, refunds, time zones (numbers from the generators' docstrings)
# --------------------------------------------------------------------------------------------
def test_shopify_line_items_collapse_to_orders_checked_by_hand():
    ds = load("shopify_orders")
    assert (ds.report.rows_in, ds.report.rows) == (9, 5)
    o = rows_by(ds, "order_id")
    assert [o[k]["amount"] for k in ("#1001", "#1002", "#1003", "#1004", "#1005")] == [29.90, 15.0, 60.0, 12.0, 8.5]
    assert [o[k]["items"] for k in ("#1001", "#1002", "#1003", "#1004", "#1005")] == [4, 1, 4, 1, 1]
    assert [o[k]["status"] for k in ("#1001", "#1002", "#1003", "#1004", "#1005")] == [
        "completed", "refunded", "partially_refunded", "cancelled", "pending"]
    assert [o[k]["refunded"] for k in ("#1002", "#1003")] == [15.0, 20.0]
    assert ds.df["customer_id"].nunique() == 4
    assert o["#1001"]["ordered_at"] == ts("2024-03-05 13:03:11")          # +0100 -> UTC
    assert o["#1004"]["ordered_at"] == ts("2024-03-09 04:30:00")          # -0500 -> UTC, next day
    assert o["#1001"]["currency"] == "EUR" and o["#1003"]["country"] == "FR" and o["#1003"]["channel"] == "pos"
    assert "quantity" not in ds.df and "unit_price" not in ds.df
    assert ds.df["ordered_at"].dtype == "datetime64[us, UTC]" and ds.df["amount"].dtype == "float64"
    assert str(ds.df["order_id"].dtype) == "string"
    assert any("9 line rows were combined into 5 orders" in w for w in ds.warnings)


def test_uci_line_items_with_credit_note_checked_by_hand():
    ds = load("uci_online_retail")
    o = rows_by(ds, "order_id")
    assert set(o) == {"536365", "536366", "C536379", "536414"}
    assert o["536365"]["amount"] == pytest.approx(6 * 2.55 + 8 * 3.39)
    assert o["536366"]["amount"] == pytest.approx(6 * 1.85 + 2 * 1.85)
    assert (o["C536379"]["status"], o["C536379"]["amount"], o["C536379"]["items"]) == ("cancelled", 27.5, 1)
    assert o["536365"]["status"] == "completed" and o["536365"]["items"] == 14
    assert o["536365"]["customer_id"] == "17850"                       # "17850.0" written as float
    assert pd.isna(o["536414"]["customer_id"])
    assert ds.report.missing["customer_id"] == 1
    assert o["536365"]["ordered_at"] == ts("2010-12-01 08:26")           # m/d/yyyy
    assert o["536414"]["Description"] == "CAFÉ RETROSPOT"                # latin-1 kept


def test_taobao_statuses_refunds_ids_and_china_time():
    ds = load("taobao_orders")
    o = rows_by(ds, "order_id")
    ids = sorted(o)
    assert ids[0] == "3712345678901230001" and all(len(i) == 19 for i in ids)   # 19 digits, exact
    assert [o[i]["status"] for i in ids] == ["completed", "in_transit", "pending", "cancelled", "refunded",
                                             "partially_refunded"]
    assert o[ids[0]]["ordered_at"] == ts("2024-03-05 06:03:11")            # 14:03:11 Asia/Shanghai
    assert o[ids[0]]["amount"] == 128.0 and o[ids[0]]["currency"] == "CNY"
    assert ds.df["customer_id"].nunique() == 4


def test_ozon_postings_sum_once_per_posting_and_moscow_time():
    ds = load("ozon_postings")
    o = rows_by(ds, "order_id")
    assert o["12345678-0001"]["amount"] == pytest.approx(1299.00 + 450.00)
    assert o["12345678-0001"]["items"] == 3
    assert [o[f"12345678-000{i}"]["status"] for i in range(1, 5)] == ["completed", "in_transit", "cancelled",
                                                                     "pending"]
    assert o["12345678-0002"]["amount"] == 2500.50
    assert o["12345678-0001"]["ordered_at"] == ts("2024-03-05 11:03:11")   # 14:03:11 Moscow (UTC+3)
    assert ds.df["customer_id"].isna().all()
    assert any("do not identify buyers" in w for w in ds.warnings)


def test_ozon_report_with_a_buyer_column_uses_it_and_does_not_warn():
    tab = cxio.read_table(exports.ozon_postings(), "ozon.csv")
    df = tab.df.assign(**{"Покупатель": pd.array(["Иван"] * 3 + ["Пётр", "Иван", "Анна"], dtype="string")})
    tab = Table("ozon.csv", df)
    det = detection.detect(tab)
    ds = schema.build(tab, det.role, det.mapping, detection=det)
    assert det.mapping["customer_id"] == "Покупатель" and ds.df["customer_id"].nunique() == 3
    assert not any("do not identify buyers" in w for w in ds.warnings)


def test_wildberries_items_add_up_per_order():
    ds = load("wildberries_orders")
    o = rows_by(ds, "order_id")
    assert {k: (v["amount"], v["status"]) for k, v in o.items()} == {
        "WB-1": (1500.0, "completed"), "WB-2": (700.0, "cancelled"), "WB-3": (250.0, "refunded")}


def test_cdnow_master_rows_are_orders_with_zero_padded_ids():
    ds = load("cdnow_master")
    assert (ds.report.rows, ds.df["customer_id"].nunique()) == (6, 3)
    assert ds.df["customer_id"].iloc[0] == "00001"
    assert ds.df["amount"].sum() == pytest.approx(11.77 + 12 + 77 + 20.76 * 3)
    assert ds.df["ordered_at"].iloc[1] == ts("1997-01-12")
    assert ds.report.duplicates == 1
    assert ds.report.date_range == ("1997-01-01", "1997-03-30")


def test_cdnow_headerless_sample_is_recognized_by_values():
    ds = load("cdnow_sample")
    assert ds.df["customer_id"].tolist() == ["00004", "00004", "00021", "00021"]
    assert ds.df["amount"].tolist() == [29.33, 29.73, 63.34, 11.77]
    assert "column_2" in ds.df                                            # customer index kept as extra


def test_amount_from_quantity_times_price_when_no_total_column():
    tab = table({"order_id": ["A", "A", "B"], "customer_id": ["c1", "c1", "c2"],
                 "order_date": ["2024-01-01", "2024-01-01", "2024-01-02"], "qty": ["2", "1", "3"],
                 "unit_price": ["1.50", "4.00", "2.00"]})
    det = detection.detect(tab)
    assert det.role == "orders" and "amount" not in det.mapping
    ds = schema.build(tab, "orders", det.mapping, detection=det)
    assert ds.df.set_index("order_id")["amount"].to_dict() == {"A": 7.0, "B": 6.0}
    assert ds.df.set_index("order_id")["items"].to_dict() == {"A": 3.0, "B": 3.0}


def test_repeated_order_total_is_not_summed_but_line_amounts_are():
    repeated = table({"order_id": ["A", "A", "B", "B"], "customer_id": ["c"] * 4,
                      "order_date": ["2024-01-01"] * 4, "total": ["10", "10", "7", "7"]})
    lines = table({"order_id": ["A", "A", "B", "B"], "customer_id": ["c"] * 4,
                   "order_date": ["2024-01-01"] * 4, "total": ["6", "4", "5", "2"]})
    for tab, expected in ((repeated, {"A": 10.0, "B": 7.0}), (lines, {"A": 10.0, "B": 7.0})):
        ds = schema.build(tab, "orders", detection.detect(tab).mapping)
        assert ds.df.set_index("order_id")["amount"].to_dict() == expected


line_items = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(1, 5),
                                st.integers(0, 10_000)), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(line_items)
def test_collapse_matches_plain_python_reference(items):
    frame = pd.DataFrame({"order_id": pd.array([i for i, _, _ in items], dtype="string"),
                          "quantity": [float(q) for _, q, _ in items],
                          "unit_price": [c / 100 for _, _, c in items]})
    out, _ = convert.collapse_orders(frame)
    ref_amount, ref_items = defaultdict(float), defaultdict(float)
    for oid, q, cents in items:
        ref_amount[oid] += q * cents / 100
        ref_items[oid] += q
    got = out.set_index("order_id")
    assert list(got.index) == list(dict.fromkeys(i for i, _, _ in items))      # first-seen order kept
    for oid in ref_amount:
        assert got.loc[oid, "amount"] == pytest.approx(ref_amount[oid])
        assert got.loc[oid, "items"] == ref_items[oid]


# --------------------------------------------------------------------------------------------
# events, responses, tickets, experiment: special handling
# --------------------------------------------------------------------------------------------
def test_ga4_microsecond_timestamps_and_per_user_session_ids():
    ds = load("ga4_events")
    assert ds.df["timestamp"].iloc[0] == ts("2024-03-05 14:03:11.123456")
    assert ds.df["session_id"].iloc[0] == "u1.1:1709647391"
    assert ds.df["session_id"].nunique() == 2                  # same ga_session_id, two users
    assert ds.df["revenue"].sum() == 49.9 and ds.df["revenue"].notna().sum() == 1
    assert ds.df["user_id (source)"].dropna().tolist() == ["C-77"]      # GA4's own user_id kept apart


def test_rees46_price_counts_as_revenue_only_on_purchases():
    ds = load("rees46_events")
    assert ds.df["revenue"].dropna().tolist() == [543.10]
    assert ds.df["timestamp"].iloc[-1] == ts("2019-10-01 00:06:00")
    assert ds.df["user_id"].nunique() == 2 and "price" in ds.df


@pytest.mark.parametrize("name", ["surveymonkey_responses", "surveymonkey_responses_csv"])
def test_surveymonkey_scores_labels_and_merged_headers(name):
    ds = load(name)
    assert ds.report.header_rows == 2
    assert ds.df["nps"].tolist()[:3] == [10, 9, 6] and pd.isna(ds.df["nps"].iloc[3])
    assert ds.df["csat"].tolist() == [5, 4, 1, 3]
    assert ds.df["answered_at"].iloc[2] == ts("2024-03-07 23:20:00")       # 11:20 PM
    assert ds.df["respondent_id"].iloc[0] == "114123456781"
    assert "Which channels did you use? - Chat" in ds.df
    assert ds.report.formulas == 1                                        # the =HYPERLINK comment


def test_typeform_modern_headers_are_recognized_too():
    tab = cxio.read_table(exports.typeform_responses(modern=True), "typeform.csv")
    det = detection.detect(tab)
    assert det.recognized_as == "Typeform responses export"
    assert det.mapping["answered_at"] == "Submit Date (UTC)"
    ds = schema.build(tab, det.role, det.mapping, detection=det)
    assert ds.df["ces"].tolist() == [6, 7, 2] and ds.df["nps"].tolist() == [8, 10, 3]


def test_google_forms_csat_labels():
    ds = load("google_forms_responses")
    assert ds.df["csat"].tolist() == [5, 4, 2]
    assert ds.df["answered_at"].iloc[2] == ts("2024-03-17 19:05:00")


def test_zendesk_minutes_and_satisfaction():
    ds = load("zendesk_tickets")
    assert ds.df["first_reply_minutes"].tolist()[:2] == [12, 1500] and pd.isna(ds.df["first_reply_minutes"][2])
    assert ds.df["resolution_minutes"].tolist()[:2] == [60, 3000]
    assert ds.df["satisfaction"].tolist() == ["good", "bad", "offered", "unoffered"]
    assert ds.df["created_at"].iloc[0] == ts("2024-03-05 14:03")
    assert "First reply time in minutes within business hours" in ds.df


def test_freshdesk_clock_durations_become_minutes():
    ds = load("freshdesk_tickets")
    assert ds.df["first_reply_minutes"].tolist()[:2] == [135.0, 0.5]
    assert ds.df["resolution_minutes"].tolist()[:2] == [25 * 60 + 10, 45.0]
    assert ds.df["satisfaction"].tolist()[:2] == ["good", "bad"] and pd.isna(ds.df["satisfaction"].iloc[2])


def test_experiment_log_flags_and_duplicate_units():
    ds = load("experiment_log")
    assert ds.df["converted"].tolist() == [0, 1, 1, 0, 1, 0]
    assert ds.df["revenue"].sum() == pytest.approx(61.5)
    # v3 is in both variants: left out (its 2 rows), stated once; no row is an exact copy
    assert (ds.report.rows_in, ds.report.rows, ds.report.duplicates) == (6, 4, 0)
    assert [w for w in ds.warnings if "left out" in w] == [
        "6 rows read; left out: the 2 row(s) of 1 unit(s) seen in more than one variant. 4 units remain, in every "
        "analysis."]


def test_ab_data_landing_page_is_kept_as_extra_column_not_variant():
    ds = load("ab_data_like")
    assert ds.mapping["variant"] == "group"
    assert ds.df["landing_page"].tolist()[:3] == ["old_page", "old_page", "new_page"]


@pytest.mark.parametrize("header, expected", [
    ("First reply time (hours)", [120.0, 30.0]), ("First reply time (in minutes)", [2.0, 0.5]),
    ("First reply time, sec", [2 / 60, 0.5 / 60]), ("Время первого ответа (час)", [120.0, 30.0]),
])
def test_duration_units_read_from_header(header, expected):
    values, bad = convert.minutes(pd.Series(["2", "0,5"], dtype="string"), header)
    assert values.tolist() == pytest.approx(expected) and not bad.any()


# --------------------------------------------------------------------------------------------
# synonyms in Chinese and Russian, header normalization
# --------------------------------------------------------------------------------------------
def test_chinese_order_headers_with_unit_are_detected():
    tab = cxio.read_table(exports.orders_zh(), "orders_zh.csv")
    det = detection.detect(tab)
    assert det.role == "orders" and det.recognized_as is None and det.confidence >= detection.CONFIDENT
    assert det.mapping == {"order_id": "订单号", "customer_id": "客户ID", "ordered_at": "下单时间",
                           "amount": "订单金额(元)", "status": "订单状态"}
    ds = schema.build(tab, "orders", det.mapping, detection=det)
    assert ds.df["status"].tolist() == ["completed", "in_transit", "cancelled"]
    assert ds.df["amount"].tolist() == [128.0, 59.9, 35.0]


def test_russian_order_headers_with_unit_are_detected():
    tab = cxio.read_table(exports.orders_ru(), "orders_ru.csv")
    det = detection.detect(tab)
    assert det.role == "orders" and det.confidence >= detection.CONFIDENT
    assert det.mapping == {"customer_id": "ID покупателя", "ordered_at": "Дата заказа", "amount": "Сумма (руб.)",
                           "status": "Статус"}
    ds = schema.build(tab, "orders", det.mapping, detection=det)
    assert ds.df["amount"].tolist() == [1299.0, 450.5, 300.0]
    assert ds.df["status"].tolist() == ["completed", "in_transit", "cancelled"]


@pytest.mark.parametrize("gen, mapping", [
    (exports.events_zh, {"user_id": "用户ID", "event": "事件", "timestamp": "时间", "device": "设备"}),
    (exports.events_ru, {"user_id": "ID пользователя", "event": "Событие", "timestamp": "Время"}),
])
def test_event_headers_in_chinese_and_russian(gen, mapping):
    det = detection.detect(cxio.read_table(gen(), "events.csv"))
    assert det.role == "events" and det.mapping == mapping


@pytest.mark.parametrize("header, normal", [
    ("Order Date", "orderdate"), ("order_date", "orderdate"), ("ORDER-DATE (UTC)", "orderdate"),
    ("实付款(元)", "实付款"), ("实付款（元）", "实付款"), ("Сумма (руб.)", "сумма"), ("Сумма, руб.", "сумма"),
    ("Отменён", "отменен"), ("device.category", "devicecategory"), ("#", "#"), ("Total (EUR)", "total"),
    ("ＩＤ", "id"),
])
def test_norm_header(header, normal):
    assert norm_header(header) == normal


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_norm_header_is_idempotent_on_its_output(text):
    once = norm_header(text)
    assert norm_header(once) == once or not once


def test_likely_to_recommend_column_of_0_to_10_is_nps():
    tab = table({"Respondent": ["1", "2", "3"], "How likely are you to recommend us?": ["10", "7", "0"],
                 "Why?": ["great", "", "bad"]})
    det = detection.detect(tab)
    assert det.role == "responses"
    assert det.mapping["nps"] == "How likely are you to recommend us?" and det.mapping["comment"] == "Why?"


def test_recommend_header_with_text_values_is_not_nps():
    tab = table({"id": ["1", "2"], "Would you recommend us? Please explain": ["yes because", "no idea"]})
    assert "nps" not in detection.detect(tab, role="responses").mapping


def test_status_column_found_by_its_values():
    tab = table({"customer_id": ["1", "2"], "order_date": ["2024-01-01", "2024-01-02"], "total": ["5", "6"],
                 "x": ["Delivered", "Cancelled"]})
    assert detection.detect(tab).mapping["status"] == "x"


# --------------------------------------------------------------------------------------------
# confidence
# --------------------------------------------------------------------------------------------
def test_ambiguous_headers_give_low_confidence_and_candidates():
    det = detection.detect(table({"id": ["1", "2"], "date": ["2024-01-01", "2024-01-02"], "value": ["3", "4"]}))
    assert det.confidence < detection.CONFIDENT
    assert {r for r, _ in det.candidates} == set(ROLES_BY_NAME)


def test_two_roles_fitting_equally_well_give_low_confidence():
    det = detection.detect(table({"user_id": ["1", "2"], "event": ["view", "buy"], "variant": ["control", "b"],
                               "timestamp": ["2024-01-01", "2024-01-02"]}))
    assert det.role in ("events", "experiment") and det.confidence < detection.CONFIDENT
    assert {r for r, _ in det.candidates[:2]} == {"events", "experiment"}


def test_tie_stays_low_even_when_the_winner_is_a_shape_recognized_export():
    det = detection.detect(table({"user_id": ["1", "2"], "variant": ["control", "b"], "action": ["view", "buy"],
                               "timestamp": ["2024-01-01", "2024-01-02"], "converted": ["0", "1"]}))
    assert det.role == "experiment" and det.recognized_as == "Experiment assignment log"
    assert det.confidence < detection.CONFIDENT


def test_unrecognizable_table_has_no_role():
    det = detection.detect(table({"foo": ["1"], "bar": ["x"]}))
    assert det.role is None and det.mapping == {} and det.confidence == 0


def test_clear_canonical_headers_give_high_confidence():
    det = detection.detect(table({"customer_id": ["1"], "order_date": ["2024-01-01"], "total": ["3"],
                               "status": ["paid"], "currency": ["EUR"]}))
    assert det.role == "orders" and det.confidence >= 0.9


def test_build_with_user_mapping_reports_full_confidence():
    tab = table({"id": ["1", "2"], "date": ["2024-01-01", "2024-01-02"], "value": ["3", "4"]})
    det = detection.detect(tab)
    assert schema.build(tab, "orders", det.mapping, detection=det).report.confidence == det.confidence
    mapping = {"customer_id": "id", "ordered_at": "date", "amount": "value"}
    assert schema.build(tab, "orders", mapping, detection=None).report.confidence == 1.0


# --------------------------------------------------------------------------------------------
# statuses and labels (tables as data)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("paid", "completed"), ("Paid", "completed"), ("pending", "pending"), ("authorized", "pending"),
    ("refunded", "refunded"), ("partially_refunded", "partially_refunded"), ("Partially refunded",
                                                                               "partially_refunded"),
    ("voided", "cancelled"), ("交易成功", "completed"), ("卖家已发货，等待买家确认", "in_transit"),
    ("卖家已发货,等待买家确认", "in_transit"), ("等待买家付款", "pending"), ("交易关闭", "cancelled"),
    ("Доставлен", "completed"), ("В пути", "in_transit"), ("Доставляется", "in_transit"),
    ("Отменён", "cancelled"), ("Отменен", "cancelled"), ("Ожидает сборки", "pending"), ("Возврат", "refunded"),
    ("delivered", "completed"), ("shipped", "in_transit"), ("cancelled", "cancelled"), ("canceled", "cancelled"),
    ("returned", "refunded"), ("  COMPLETED ", "completed"), ("in-transit", "in_transit"),
])
def test_order_status_table(raw, expected):
    values, unknown = convert.labels(pd.Series([raw], dtype="string"), statuses.ORDER_STATUS_TABLE)
    assert values.iloc[0] == expected and not unknown.any()


def test_every_status_maps_into_the_six_canonical_values():
    assert set(statuses.ORDER_STATUS_TABLE.values()) == set(statuses.ORDER_STATUSES)


def test_unknown_statuses_are_kept_apart_with_counts_and_file_rows():
    tab = table({"customer_id": ["1", "2", "3", "4"], "order_date": ["2024-01-01"] * 4,
                 "total": ["1", "2", "3", "4"], "status": ["paid", "on backorder", "on backorder", "weird"]},
                first_data_row=5)
    ds = schema.build(tab, "orders", detection.detect(tab).mapping)
    # unknown is not blank: a blank status counts as completed, an unknown one must not count as valid
    assert ds.df["status"].tolist() == ["completed", "unknown", "unknown", "unknown"]
    issue = next(i for i in ds.report.issues if i.column == "status")
    assert issue.count == 3 and issue.examples == ((6, "on backorder"), (8, "weird"))   # distinct labels
    assert "order statuses we do not know and are not counted as valid orders" in issue.sentence()


@pytest.mark.parametrize("raw, expected", [
    ("Very dissatisfied", 1), ("Dissatisfied", 2), ("Neither satisfied nor dissatisfied", 3), ("Satisfied", 4),
    ("Very satisfied", 5), ("非常满意", 5), ("不满意", 2), ("一般", 3), ("Очень доволен", 5), ("Недоволен", 2),
    ("4 - Satisfied", 4), ("5", 5),
])
def test_csat_labels_to_numbers(raw, expected):
    values, bad = convert.scores(pd.Series([raw], dtype="string"), "csat")
    assert values.iloc[0] == expected and not bad.any()


def test_csat_alternative_scale_is_chosen_per_column():
    s = pd.Series(["Completely satisfied", "Very satisfied", "Not at all satisfied"], dtype="string")
    assert convert.scores(s, "csat")[0].tolist() == [5, 4, 1]


@pytest.mark.parametrize("raw, expected", [("10 - Extremely likely", 10), ("0 - Not at all likely", 0),
                                           ("7", 7), ("9 (Promoter)", 9)])
def test_nps_labels_with_leading_numbers(raw, expected):
    assert convert.scores(pd.Series([raw], dtype="string"), "nps")[0].iloc[0] == expected


def test_score_na_tokens_are_blank_not_errors_but_words_are_errors():
    values, bad = convert.scores(pd.Series(["N/A", "", "maybe", "11"], dtype="string"), "nps")
    assert values.isna().tolist() == [True, True, True, False] and bad.tolist() == [False, False, True, False]


@pytest.mark.parametrize("raw, expected", [("Good", "good"), ("Bad", "bad"), ("Offered", "offered"),
                                           ("Unoffered", "unoffered"), ("Awesome", "good"), ("Not Good", "bad"),
                                           ("Just Okay", "bad"), ("good_with_comment", "good")])
def test_ticket_satisfaction_table(raw, expected):
    assert convert.labels(pd.Series([raw], dtype="string"), statuses.SATISFACTION_TABLE)[0].iloc[0] == expected


# --------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------
def test_report_counts_issues_with_file_rows_missing_duplicates_and_range():
    tab = table({"ticket_id": ["1", "2", "2", "3", "4"],
                 "created_at": ["2024-01-05", "not a date", "2024-02-01", "", "2024-01-31"],
                 "first_reply_minutes": ["5", "x", "7", "8", ""],
                 "comment": ["=1+1", "-5", "@SUM(A1)", "+3.5", "ok"]})
    ds = schema.build(tab, "tickets", {"ticket_id": "ticket_id", "created_at": "created_at",
                                       "first_reply_minutes": "first_reply_minutes"})
    r = ds.report
    dates = next(i for i in r.issues if i.column == "created_at")
    assert (dates.count, dates.examples, dates.source) == (1, ((3, "not a date"),), "created_at")
    assert next(i for i in r.issues if i.column == "first_reply_minutes").examples == ((3, "x"),)
    assert r.missing == {"ticket_id": 0, "created_at": 2, "first_reply_minutes": 2}
    assert r.duplicates == 1                              # ticket 2 twice
    assert r.date_range == ("2024-01-05", "2024-02-01")
    assert r.formulas == 2                                # "=1+1", "@SUM(A1)"; "-5" and "+3.5" are numbers
    assert (r.rows_in, r.rows) == (5, 5)
    assert list(ds.df.columns) == ["ticket_id", "created_at", "first_reply_minutes", "comment"]


def test_report_carries_table_metadata_and_warnings():
    tab = Table("x.csv", pd.DataFrame({"user_id": ["1"], "event": ["a"], "timestamp": ["2024-01-01"]},
                                          dtype="string"), encoding="cp1251", delimiter=";", header_rows=1,
                     file_format="csv", warnings=("2 ragged rows",))
    ds = schema.build(tab, "events", detection.detect(tab).mapping)
    r = ds.report
    assert (r.encoding, r.delimiter, r.file_format) == ("cp1251", ";", "csv")
    assert r.warnings[0] == "2 ragged rows"


def test_required_field_fully_empty_is_a_warning():
    tab = table({"customer_id": [None, None], "order_date": ["2024-01-01", "2024-01-02"], "total": ["1", "2"]})
    ds = schema.build(tab, "orders", {"customer_id": "customer_id", "ordered_at": "order_date", "amount": "total"})
    assert any("Required field 'customer_id'" in w for w in ds.warnings)


def test_source_columns_are_kept_as_text_after_canonical_ones():
    tab = table({"extra": ["007"], "user_id": ["u"], "event": ["view"], "timestamp": ["2024-01-01"]})
    ds = schema.build(tab, "events", detection.detect(tab).mapping)
    assert list(ds.df.columns) == ["user_id", "event", "timestamp", "extra"]
    assert ds.df["extra"].iloc[0] == "007"


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------
def test_missing_required_field_error_names_file_field_columns_and_fix():
    tab = table({"customer_id": ["1"], "order_date": ["2024-01-01"]}, name="shop.csv")
    with pytest.raises(CxNeedsMapping) as err:
        schema.build(tab, "orders", {"customer_id": "customer_id", "ordered_at": "order_date"})
    text = str(err.value)
    assert text.startswith("shop.csv")
    assert "amount" in text and "Columns found: customer_id, order_date" in text
    assert "Pick the column on the Data page or rename it" in text
    assert err.value.missing == ["amount"] and err.value.role == "orders"


def test_missing_field_error_says_what_the_file_looks_like():
    tab = cxio.read_table(exports.zendesk_tickets(), "zendesk.csv")
    with pytest.raises(CxNeedsMapping, match="looks like Zendesk tickets export"):
        schema.build(tab, "orders", detection.detect(tab, role="orders").mapping)


def test_mapping_to_a_column_not_in_the_file_is_a_clear_error():
    tab = table({"a": ["1"]}, name="f.csv")
    with pytest.raises(CxDataError, match="column 'nope' .* is not in the file"):
        schema.build(tab, "customers", {"customer_id": "nope"})
    with pytest.raises(CxDataError, match="unknown role"):
        schema.build(tab, "invoices", {})


@pytest.mark.parametrize("role, mapping, missing", [
    ("orders", {"customer_id": "a", "ordered_at": "b", "quantity": "c", "unit_price": "d"}, []),
    ("orders", {"customer_id": "a", "ordered_at": "b", "quantity": "c"}, ["amount"]),
    ("responses", {"respondent_id": "a"}, ["nps or csat or ces"]),
    ("responses", {"ces": "a"}, []),
    ("tickets", {"ticket_id": "a"}, ["created_at"]),
])
def test_missing_required(role, mapping, missing):
    assert detection.missing_required(role, mapping) == missing


def test_missing_required_knows_exports_without_buyer_ids():
    mapping = {"order_id": "a", "ordered_at": "b", "amount": "c"}
    assert detection.missing_required("orders", mapping) == ["customer_id"]
    assert detection.missing_required("orders", mapping, "Ozon seller postings report") == []


# --------------------------------------------------------------------------------------------
# end to end through cxlib.data.loader and the CLI contract
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["shopify_orders", "taobao_orders", "zendesk_tickets", "ga4_events",
                                  "typeform_responses"])
def test_load_bytes_end_to_end(name):
    from cxlib.data.loader import load_bytes
    gen, role, recognized = exports.EXPORTS[name]
    ds = load_bytes(gen(), f"{name}.csv")
    assert (ds.role, ds.report.recognized_as) == (role, recognized)


@pytest.mark.parametrize("name", ["uci_online_retail", "ozon_postings"])
def test_load_bytes_exports_with_derived_or_absent_required_fields(name):
    from cxlib.data.loader import load_bytes
    ds = load_bytes(exports.EXPORTS[name][0](), f"{name}.csv", role="orders")
    assert (ds.role, ds.report.recognized_as) == ("orders", exports.EXPORTS[name][2])
    assert ds.df["amount"].notna().all()


@pytest.mark.slow
def test_inspect_contract_on_a_shopify_export(tmp_path, contract_problems):
    path = tmp_path / "orders_export.csv"
    path.write_bytes(exports.shopify_orders())
    assert contract_problems("inspect", str(path)) == []


# --------------------------------------------------------------------------------------------
# real public data (skipped when /work/shared/data/real is absent)
# --------------------------------------------------------------------------------------------
def _load_real(*parts: str) -> Dataset:
    path = real_file(*parts)
    tab = cxio.read_table(path.read_bytes(), path.name)
    det = detection.detect(tab)
    return schema.build(tab, det.role, det.mapping, detection=det)


def test_real_cdnow_master_is_69659_orders_of_23570_customers():
    ds = _load_real("cdnow", "CDNOW_master.txt")
    assert (ds.role, ds.report.rows, ds.df["customer_id"].nunique()) == ("orders", 69_659, 23_570)
    assert ds.df["amount"].sum() == pytest.approx(2_500_315.63, abs=0.01)
    assert ds.df["items"].sum() == 167_881
    assert ds.report.date_range == ("1997-01-01", "1998-06-30")


def test_real_cdnow_sample_without_header():
    ds = _load_real("cdnow", "CDNOW_sample.txt")
    assert (ds.report.rows, ds.df["customer_id"].nunique()) == (6_919, 2_357)
    assert ds.df["amount"].sum() == pytest.approx(244_091.94, abs=0.01)


def test_real_uci_sample_collapses_to_invoices_with_cancellations():
    path = real_file("online_retail", "online_retail_sample30k.csv.gz")
    ds = _load_real("online_retail", "online_retail_sample30k.csv.gz")
    ref = pd.read_csv(io.BytesIO(gzip.decompress(path.read_bytes())), dtype=str)
    assert ds.role == "orders" and ds.report.recognized_as == "UCI Online Retail (line items)"
    assert ds.report.rows == ref["InvoiceNo"].nunique()
    cancelled = ref.loc[ref["InvoiceNo"].str.startswith("C"), "InvoiceNo"].nunique()
    assert (ds.df["status"] == "cancelled").sum() == cancelled > 0
    line = ref["Quantity"].astype(float) * ref["UnitPrice"].astype(float)
    kept = ~ref["InvoiceNo"].str.startswith("C")
    expected = line[kept].groupby(ref["InvoiceNo"][kept]).sum()
    got = ds.df.set_index("order_id")["amount"]
    assert np.allclose(got[expected.index].to_numpy(), expected.to_numpy())
    assert ds.df["customer_id"].nunique() == ref["CustomerID"].nunique() == 3_569


@pytest.mark.slow
def test_real_ab_data_is_an_experiment_with_landing_page_kept():
    ds = _load_real("ab_data", "ab_data.csv.gz")
    # rows counts the units analyses keep (SOURCE.md: 294,478 rows, 290,584 unique user_id): users seen in
    # both groups are left out, by pandas on the raw file
    raw = pd.read_csv(real_file("ab_data", "ab_data.csv.gz"), dtype=str)
    groups = raw.drop_duplicates().groupby("user_id")["group"].nunique()
    assert (ds.role, ds.report.rows_in, ds.report.rows) == ("experiment", 294_478, int((groups == 1).sum()))
    assert ds.mapping["variant"] == "group" and "landing_page" in ds.df
    assert ds.df["unit_id"].nunique() == 290_584
    assert ds.report.duplicates == len(raw) - len(raw.drop_duplicates(subset=["user_id", "timestamp", "group",
                                                                              "converted"]))


def test_real_rees46_is_events_of_330_users():
    ds = _load_real("rees46_events", "2019-Oct-sample.csv")
    assert (ds.role, ds.report.rows, ds.df["user_id"].nunique()) == ("events", 1_000, 330)
    assert ds.df["timestamp"].dt.tz is not None and ds.df["timestamp"].notna().all()


# --------------------------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------------------------
def test_header_only_columns_still_map_and_build_an_empty_dataset():
    tab = table({"customer_id": [], "order_date": [], "total": []})
    det = detection.detect(tab)
    assert det.role == "orders"
    ds = schema.build(tab, "orders", det.mapping, detection=det)
    assert (len(ds.df), ds.report.date_range, ds.report.duplicates) == (0, None, 0)
    assert ds.df["ordered_at"].dtype == "datetime64[us, UTC]"


def test_exact_header_with_unreadable_values_is_mapped_and_reported():
    tab = table({"user_id": ["u1", "u2"], "event": ["a", "b"], "timestamp": ["soon", "later"]})
    det = detection.detect(tab)
    assert det.mapping["timestamp"] == "timestamp"
    ds = schema.build(tab, "events", det.mapping, detection=det)
    assert any("Required field 'timestamp'" in w for w in ds.warnings)
    assert next(i for i in ds.report.issues if i.column == "timestamp").count == 2


def test_rows_without_order_id_stay_separate_orders():
    tab = table({"order_id": ["1", None, None, "1"], "customer_id": ["a", "b", "c", "a"],
                 "order_date": ["2024-01-01"] * 4, "total": ["5", "2", "3", None]})
    ds = schema.build(tab, "orders", detection.detect(tab).mapping)
    assert ds.df["amount"].tolist() == [5.0, 2.0, 3.0]
    assert any("2 row(s) have no order id" in w for w in ds.warnings)


def test_completed_order_with_refund_becomes_refunded_or_partially_refunded():
    tab = table({"order_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"], "order_date": ["2024-01-01"] * 3,
                 "total": ["10", "10", "10"], "status": ["delivered", "delivered", "delivered"],
                 "refund amount": ["10", "4", "0"]})
    ds = schema.build(tab, "orders", detection.detect(tab).mapping)
    assert ds.df["status"].tolist() == ["refunded", "partially_refunded", "completed"]


def test_email_stands_in_for_a_missing_customer_id():
    tab = table({"Email": ["a@x.com", "b@x.com"], "Order date": ["2024-01-01", "2024-01-02"], "Total": ["1", "2"]})
    det = detection.detect(tab)
    assert det.role == "orders" and det.mapping["customer_id"] == "Email"
    with_id = table({"Customer ID": ["1", "2"], "Email": ["a@x.com", "b@x.com"], "Order date": ["2024-01-01"] * 2,
                     "Total": ["1", "2"]})
    assert detection.detect(with_id).mapping == {"customer_id": "Customer ID", "email": "Email",
                                              "ordered_at": "Order date", "amount": "Total"}


@pytest.mark.parametrize("headers, nps_header", [
    (["Отметка времени", "Насколько вероятно, что вы порекомендуете нас друзьям?", "Комментарий"],
     "Насколько вероятно, что вы порекомендуете нас друзьям?"),
    (["时间戳记", "您向朋友推荐我们的可能性有多大？", "其他建议"], "您向朋友推荐我们的可能性有多大？"),
])
def test_google_forms_in_russian_and_chinese(headers, nps_header):
    tab = table({headers[0]: ["05.03.2024 14:03:11", "06.03.2024 08:02:00"], headers[1]: ["9", "3"],
                 headers[2]: ["ok", ""]})
    det = detection.detect(tab)
    assert (det.role, det.recognized_as) == ("responses", "Google Forms responses")
    assert det.mapping["nps"] == nps_header and det.mapping["answered_at"] == headers[0]
    assert det.mapping["comment"] == headers[2]


known_status = st.sampled_from(sorted(statuses.ORDER_STATUS_TABLE))


@settings(max_examples=100, deadline=None)
@given(known_status, st.lists(st.booleans(), min_size=40, max_size=40), st.sampled_from([" ", "  ", "\t"]))
def test_status_lookup_ignores_case_and_padding(key, upper, pad):
    variant = pad + "".join(c.upper() if u else c for c, u in zip(key, upper + [False] * len(key))) + pad
    values, unknown = convert.labels(pd.Series([variant], dtype="string"), statuses.ORDER_STATUS_TABLE)
    assert values.iloc[0] == statuses.ORDER_STATUS_TABLE[key] and not unknown.any()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 99 * 3600 + 3599))
def test_clock_durations_round_trip_to_minutes(seconds):
    text = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    values, bad = convert.minutes(pd.Series([text], dtype="string"), "First response time (in hrs)")
    assert values.iloc[0] == pytest.approx(seconds / 60) and not bad.any()


def test_a_name_column_is_never_taken_for_an_order_id():
    tab = table({"name": ["Ann", "Ann"], "customer_id": ["1", "1"], "order_date": ["2024-01-01", "2024-02-01"],
                 "total": ["5", "7"]})
    det = detection.detect(tab)
    assert "order_id" not in det.mapping
    assert len(schema.build(tab, "orders", det.mapping).df) == 2


def test_ga4_nested_session_param_name_is_found():
    tab = cxio.read_table(exports.ga4_events(), "ga4.csv")
    tab = Table("ga4.csv", tab.df.rename(columns={"ga_session_id": "event_params.ga_session_id"}))
    det = detection.detect(tab)
    ds = schema.build(tab, det.role, det.mapping, detection=det)
    assert det.recognized_as == "GA4 BigQuery export (flattened)" and ds.df["session_id"].nunique() == 2


def test_wildberries_without_basket_number_uses_srid():
    tab = cxio.read_table(exports.wildberries_orders(), "wb.xlsx")
    tab = Table("wb.xlsx", tab.df.drop(columns=["Номер заказа"]))
    det = detection.detect(tab)
    assert det.recognized_as == "Wildberries orders report" and det.mapping["order_id"] == "Srid"
    assert len(schema.build(tab, det.role, det.mapping, detection=det).df) == 4


@pytest.mark.parametrize("unit, arm, outcome, when", [
    ("user_id", "group", "converted", "timestamp"), ("unit", "arm", "conversion", "exposed_at"),
    ("visitor_id", "bucket", "purchased", "assigned_at"), ("uid", "variant", "converted", "time"),
])
def test_experiment_log_header_variants(unit, arm, outcome, when):
    tab = table({unit: ["1", "2", "3", "4"], arm: ["control", "treatment", "control", "treatment"],
                 outcome: ["0", "1", "1", "0"], when: ["2024-01-01"] * 4})
    det = detection.detect(tab)
    assert det.role == "experiment" and det.confidence >= detection.CONFIDENT
    assert det.mapping == {"unit_id": unit, "variant": arm, "converted": outcome, "exposed_at": when}


# --------------------------------------------------------------------------------------------
# translatable text: labels are marked message ids, errors and warnings are Msg sentences
# --------------------------------------------------------------------------------------------
def _extracted(path: str) -> set[str]:
    """Message ids Babel extracts from a module, with the keywords the catalogs use."""
    from babel.messages.extract import extract_from_file
    return {m for _, m, _, _ in extract_from_file("python", path, keywords={"t": None, "msg": None, "N_": None})}


def test_role_labels_and_field_descriptions_are_message_ids():
    from cxlib.data import roles
    ids = _extracted(schema.__file__) | _extracted(detection.__file__) | _extracted(roles.__file__)
    assert {r.label for r in ROLES} <= ids
    assert {f.help for r in ROLES for f in r.fields if f.help} <= ids
    assert {str(d) for d in schema._DATA_OF.values()} <= ids and set(schema._DATA_OF) == set(ROLES_BY_NAME)


def test_report_warnings_and_issue_parts_are_msgs_with_their_values():
    tab = table({"ticket_id": ["1", "2", "2"], "created_at": ["2024-01-05", "not a date", "2024-02-01"],
                 "comment": ["=1+1", "ok", "ok"]})
    ds = schema.build(tab, "tickets", {"ticket_id": "ticket_id", "created_at": "created_at"})
    dup = next(w for w in ds.report.warnings if "repeat" in w)
    assert isinstance(dup, Msg) and dup.template == "{count:,} row(s) repeat a {field} seen earlier in the file."
    assert dup.params == {"count": 1, "field": "ticket_id"}
    formulas = next(w for w in ds.report.warnings if "formulas" in w)
    assert isinstance(formulas, Msg) and formulas.params == {"count": 1}
    issue = ds.report.issues[0]
    assert isinstance(issue.problem, Msg) and issue.problem.template == "not dates"
    assert isinstance(issue.action, Msg) and issue.action.template == "were left empty"


def test_empty_required_field_warning_is_a_msg_naming_field_and_column():
    tab = table({"customer_id": [None, None], "order_date": ["2024-01-01", "2024-01-02"], "total": ["1", "2"]})
    ds = schema.build(tab, "orders", {"customer_id": "customer_id", "ordered_at": "order_date", "amount": "total"})
    w = next(w for w in ds.warnings if "Required field" in w)
    assert w.template == "Required field '{field}' (column '{column}') has no usable value."
    assert w.params == {"field": "customer_id", "column": "customer_id"}


def test_datetime_note_is_one_msg_with_the_column_and_the_note_as_values():
    ds = load("uci_online_retail")
    w = next(w for w in ds.warnings if w.startswith("Column 'InvoiceDate'"))
    assert isinstance(w, Msg) and w.template == "Column '{column}' ({field}): {note}"
    assert (w.params["column"], w.params["field"]) == ("InvoiceDate", "ordered_at")


def _raised(monkeypatch, build) -> dict:
    """Message and hint as given to the error (before they are joined into str(err))."""
    seen: dict = {}

    class Recording(CxNeedsMapping):
        def __init__(self, message, **kw):
            seen.update(message=message, hint=kw.get("hint"))
            super().__init__(message, **kw)

    class RecordingData(CxDataError):
        def __init__(self, message, **kw):
            seen.update(message=message, hint=kw.get("hint"))
            super().__init__(message, **kw)

    monkeypatch.setattr(schema, "CxNeedsMapping", Recording)
    for module in (schema, detection):
        monkeypatch.setattr(module, "CxDataError", RecordingData)
    with pytest.raises(CxDataError):
        build()
    return seen


def test_missing_field_error_is_whole_sentences_with_the_export_name_translatable(monkeypatch):
    tab = cxio.read_table(exports.zendesk_tickets(), "zendesk.csv")
    seen = _raised(monkeypatch, lambda: schema.build(tab, "orders", detection.detect(tab, role="orders").mapping))
    message, hint = seen["message"], seen["hint"]
    assert message.template == ("no column for the required field(s) {fields} of {data}. "
                                "This file looks like {export} data.")
    assert message.params["data"].template == "orders data"
    assert isinstance(message.params["export"], Msg) and message.params["export"] == "Zendesk tickets export"
    assert hint.template.startswith("Columns found: {columns}.") and hint.params["example"] == "amount"


def test_missing_one_of_error_translates_as_whole_sentences(monkeypatch):
    tab = table({"respondent_id": ["1"], "comment": ["x"]}, name="s.csv")
    seen = _raised(monkeypatch, lambda: schema.build(tab, "responses", {"respondent_id": "respondent_id"}))
    catalog = {"no column for the required field(s) {fields} of {data}.": "нет столбца для поля {fields} ({data}).",
               "{first} or {second} or {third}": "{first}, {second} или {third}",
               "survey responses data": "ответы на опросы"}
    assert translate(seen["message"], lambda s: catalog.get(s, s)) == \
        "нет столбца для поля nps, csat или ces (ответы на опросы)."
    assert str(seen["message"]) == "no column for the required field(s) nps or csat or ces of survey responses data."


def test_mapping_errors_are_msgs(monkeypatch):
    many = table({f"c{i}": ["1"] for i in range(20)}, name="f.csv")
    seen = _raised(monkeypatch, lambda: schema.build(many, "customers", {"customer_id": "nope"}))
    assert seen["message"].template == "column '{column}' (for {field}) is not in the file."
    assert seen["message"].params == {"column": "nope", "field": "customer_id"}
    columns = seen["hint"].params["columns"]
    assert columns.template == "{columns} and {more} more" and columns.params["more"] == 5
    seen = _raised(monkeypatch, lambda: schema.build(many, "orders", {"bogus": "c1"}))
    assert seen["message"].template == "'{field}' is not a field of {data}."
    seen = _raised(monkeypatch, lambda: detection.detect(many, role="invoices"))
    assert (seen["message"].template, seen["hint"].template) == ("unknown role '{role}'.", "Use one of: {roles}.")


# ---------------------------------------------------------------- German, French and Spanish shop exports
LOCAL = [(export, lang) for export, langs in exports.LOCAL_EXPORTS.items() for lang in langs]


@pytest.mark.parametrize("export, lang", LOCAL)
def test_shop_exports_in_german_french_spanish_are_orders_with_every_column(export, lang):
    t = cxio.read_table(exports.local_orders(export, lang), f"{export}_{lang}.csv")
    det = detection.detect(t)
    spec = exports.LOCAL_EXPORTS[export][lang]
    assert det.role == "orders" and det.confidence >= detection.CONFIDENT
    assert det.mapping == {f: h for f, h in zip(exports.LOCAL_FIELDS[export], spec["headers"]) if f}
    ds = schema.build(t, "orders", det.mapping, detection=det)
    assert list(ds.df["status"]) == list(spec["statuses"].values())
    assert list(ds.df["amount"]) == [2370.13, 89.90, 149.00, 1005.50, 35.99]
    assert ds.df["ordered_at"].iloc[0] == pd.Timestamp("2024-03-14 14:03", tz="UTC")
    assert not ds.report.issues


def test_the_german_shop_list_is_orders_not_events():
    """Issue 20: the mapping form opened on "Events" for Bestellnummer;Kunde;Datum;Betrag;Status."""
    det = detection.detect(cxio.read_table(exports.german_orders(), "bestellungen.csv"))
    assert det.role == "orders" and det.confidence >= detection.CONFIDENT
    assert det.mapping == {"order_id": "Bestellnummer", "customer_id": "Kunde", "ordered_at": "Datum",
                           "amount": "Betrag", "status": "Status"}


def _dutch_orders() -> bytes:
    """Headers and statuses in a language the tables do not know (Dutch), money in euros."""
    rows = ["Bestelnummer;Klant;Datum;Bedrag;Staat"]
    for i in range(12):
        rows.append(f"{i + 1};Klant {i % 5};{i + 3:02d}-03-2024;{1000 + 37 * i},50 €;"
                    f"{'betaald' if i % 3 else 'geannuleerd'}")
    return "\n".join(rows).encode()


def test_money_and_dates_suggest_orders_when_headers_are_unknown():
    """Issue 20: a role guessed from amount + status + date must beat "Events" in the mapping form."""
    det = detection.detect(cxio.read_table(_dutch_orders(), "nl.csv"))
    assert det.role is None                        # never applied without the user
    assert det.suggested == "orders"
    assert det.suggested_mapping == {"amount": "Bedrag", "ordered_at": "Datum", "status": "Staat"}
    with pytest.raises(CxNeedsMapping) as err:
        from cxlib.data.loader import load_bytes
        load_bytes(_dutch_orders(), "nl.csv")
    assert err.value.role == "orders" and err.value.mapping["amount"] == "Bedrag"


def test_no_suggestion_without_money():
    det = detection.detect(table({"a": ["x", "y", "z"], "b": ["1", "2", "3"]}))
    assert det.role is None and det.suggested is None and det.suggested_mapping == {}


# ---------------------------------------------------------------- Customer 360 roles (issue 16)
def test_tickets_without_ticket_id_are_numbered_by_row_with_a_warning():
    tab = table({"Requester email": ["Anna@Example.com", "bob@example.org", "cy@example.net"],
                 "Created at": ["2026-01-02", "2026-01-03", "2026-01-04"],
                 "First reply time in minutes": ["30", "60", ""], "Satisfaction": ["good", "bad", ""]})
    det = detection.detect(tab)
    assert det.role == "tickets" and "ticket_id" not in det.mapping
    assert det.mapping["requester"] == "Requester email"
    ds = schema.build(tab, det.role, det.mapping, detection=det)
    assert ds.df["ticket_id"].tolist() == ["1", "2", "3"]
    assert any("numbered by row (1 to 3)" in w for w in ds.warnings)


def test_responses_with_only_an_email_and_zendesk_requester_email_need_no_mapping():
    ds = load("delighted_responses")
    assert ds.role == "responses" and "customer_id" not in ds.mapping
    assert ds.df["email"].tolist()[1] == "Ben.Okafor@Example.com"      # normalized only when linking
    zd = load("zendesk_tickets")
    assert zd.mapping["requester"] == "Requester email"
    assert zd.df["requester"].str.contains("@").all()


def test_customers_file_phone_column_is_recognized():
    tab = table({"Customer ID": ["1", "2"], "Email": ["a@x.com", "b@x.com"], "Phone": ["030 123456", "+33 1 23"],
                 "City": ["Berlin", "Paris"]})
    det = detection.detect(tab)
    assert det.role == "customers" and det.mapping["phone"] == "Phone" and det.mapping["customer_id"] == "Customer ID"
