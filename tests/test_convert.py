"""cxlib.data.convert: the notes of the order steps are translatable Msg sentences.

(The converters themselves are tested through whole exports in tests/test_schema.py.)
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.data import convert
from cxlib.core.messages import Msg, translate


def orders(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_collapse_note_is_a_msg_with_line_and_order_counts():
    frame = orders(order_id=pd.array(["1", "1", "2", None], dtype="string"), amount=[5.0, 5.0, 3.0, 1.0])
    out, notes = convert.collapse_orders(frame, "first")
    assert len(out) == 3
    no_id, combined = notes
    assert isinstance(no_id, Msg) and no_id.params == {"count": 1}
    assert no_id == "1 row(s) have no order id; each was kept as a separate order."
    assert combined.template == "{lines:,} line rows were combined into {orders:,} orders (one row per order id)."
    assert combined.params == {"lines": 4, "orders": 3}


def test_credit_note_message_is_a_msg():
    frame = orders(order_id=pd.array(["100", "101", "C102"], dtype="string"), amount=[5.0, 3.0, -3.0])
    out, notes = convert.credit_notes(frame)
    assert list(out["status"]) == ["completed", "completed", "cancelled"]
    assert notes[0].template.startswith("{count:,} invoice(s) numbered 'C…' are credit notes")
    assert notes[0].params == {"count": 1}


def test_refund_notes_are_msgs_and_translate_with_their_numbers():
    frame = orders(status=pd.array(["completed", "refunded", "partially_refunded", "completed"], dtype="string"),
                   amount=[10.0, 20.0, 30.0, 40.0], refunded=[10.0, np.nan, np.nan, 5.0])
    out, notes = convert.refund_statuses(frame)
    assert list(out["status"]) == ["refunded", "refunded", "partially_refunded", "partially_refunded"]
    assert all(isinstance(n, Msg) for n in notes) and [n.params["count"] for n in notes] == [2, 1, 1]
    marked = notes[0]
    assert marked.startswith("2 order(s) with a refund amount were marked refunded or partially_refunded")
    catalog = {marked.template: "{count:,} заказ(ов) с суммой возврата помечены как возвращённые"}
    assert translate(marked, lambda s: catalog.get(s, s)) == "2 заказ(ов) с суммой возврата помечены как возвращённые"


@pytest.mark.parametrize("cells, header, expected", [
    (["2.370,13 €", "89,90 €", ""], "Betrag", ["EUR", "EUR", None]),
    (["2\u202f370,13 €", "€ 5"], "Montant", ["EUR", "EUR"]),
    (["$1,234.56", "US$ 3"], "Total", ["USD", "USD"]),
    (["12EUR", "3 GBP", "4 руб.", "￥12.00"], "amount", ["EUR", "GBP", "RUB", "CNY"]),
    (["1 299,00", "450,50"], "Сумма (руб.)", ["RUB", "RUB"]),
    (["128.00"], "订单金额(元)", ["CNY"]),
])
def test_currencies_from_the_symbol_or_the_header(cells, header, expected):
    got = convert.currencies(pd.Series(cells, dtype="object"), header)
    assert [None if pd.isna(v) else v for v in got] == expected


@pytest.mark.parametrize("header", ["amount", "Montant cadeau", "Teuro", "Revenue"])
def test_no_currency_without_a_mark(header):
    assert convert.currencies(pd.Series(["12.50", "3"]), header) is None
    assert convert.currencies(pd.Series([12.5, 3.0]), header) is None
