"""cxlib.core.errors: str(err) stays the English sentence; err.msg is the same text as whole templates."""
from __future__ import annotations

import itertools
import pickle

import pytest

from cxlib.core.errors import CxDataError, CxLimitError, CxNeedsMapping
from cxlib.core.messages import Msg, msg, translate


def _english(message, file=None, row=None, column=None, hint=None) -> str:
    """The sentence as cxlib always wrote it (reference for byte-identical output)."""
    where = ([f"{file}"] if file else []) + ([f"row {row}"] if row is not None else []) \
        + ([f"column '{column}'"] if column else [])
    text = ": ".join([", ".join(where), message]) if where else message
    return f"{text.rstrip('.')}. {hint}" if hint else text


MESSAGES = [msg("the file has {n:,} rows.", n=12000), "plain words without a stop", "trailing dots...", ""]


@pytest.mark.parametrize("message, file, row, column, hint", list(itertools.product(
    MESSAGES, [None, "", "orders.csv"], [None, 0, 7], [None, "amount"],
    [None, "", msg("Export the file again."), "Plain hint."])))
def test_msg_equals_the_english_text_for_every_combination_of_parts(message, file, row, column, hint):
    err = CxDataError(message, file=file, row=row, column=column, hint=hint)
    assert str(err) == _english(message, file, row, column, hint)
    assert isinstance(err.msg, Msg)
    assert err.msg == str(err)


def test_each_combination_of_location_parts_is_one_whole_template():
    message = msg("not a number.")
    cases = [
        ({"file": "a.csv", "row": 3, "column": "amount"}, "{file}, row {row}, column '{column}': {message}"),
        ({"file": "a.csv", "row": 3}, "{file}, row {row}: {message}"),
        ({"file": "a.csv", "column": "amount"}, "{file}, column '{column}': {message}"),
        ({"row": 3, "column": "amount"}, "row {row}, column '{column}': {message}"),
        ({"file": "a.csv"}, "{file}: {message}"),
        ({"row": 3}, "row {row}: {message}"),
        ({"column": "amount"}, "column '{column}': {message}"),
    ]
    for parts, template in cases:
        err = CxDataError(message, **parts)
        assert err.msg.template == template
        assert err.msg.params["message"] is message
    assert CxDataError(message).msg is message


def test_hint_is_joined_by_a_template_that_mirrors_the_full_stop_logic():
    ended = CxDataError(msg("file not found."), file="a.csv", hint=msg("Check the path and try again."))
    assert str(ended) == "a.csv: file not found. Check the path and try again."
    assert ended.msg.template == "{text} {hint}"
    assert ended.msg.params["text"].template == "{file}: {message}"
    assert ended.msg.params["hint"].template == "Check the path and try again."
    assert ended.msg.params["text"].params == {"file": "a.csv", "message": msg("file not found.")}

    open_ended = CxDataError(msg("a row has {n} fields", n=3), row=4, hint=msg("Fix it."))
    assert str(open_ended) == "row 4: a row has 3 fields. Fix it."
    assert open_ended.msg.template == "{text}. {hint}"
    assert open_ended.msg.params["text"].params["row"] == 4


def test_plain_string_parts_become_messages_looked_up_by_their_english_text():
    err = CxDataError("file not found.", file="a.csv", hint="Check the path.")
    message = err.msg.params["text"].params["message"]
    assert isinstance(message, Msg) and message.template == "file not found." and message.params == {}
    assert err.msg.params["hint"].template == "Check the path."


def test_the_ui_translates_the_whole_error_with_whole_templates_and_keeps_data():
    zh = {"{file}, row {row}, column '{column}': {message}": "{file}，第 {row} 行，列“{column}”：{message}",
          "{text} {hint}": "{text}{hint}",
          "not a date.": "不是日期。", "Export dates as YYYY-MM-DD.": "请将日期导出为 YYYY-MM-DD。"}
    err = CxDataError(msg("not a date."), file="订单.csv", row=12, column="date",
                      hint=msg("Export dates as YYYY-MM-DD."))
    assert translate(err.msg, lambda s: zh.get(s, s)) == "订单.csv，第 12 行，列“date”：不是日期。请将日期导出为 YYYY-MM-DD。"


def test_subclasses_keep_their_fields_and_get_msg_too():
    need = CxNeedsMapping(msg("no column found for {fields}.", fields="amount"), file="o.csv", columns=["a", "b"],
                          role="orders", mapping={"order_id": "a"}, missing=["amount"], hint=msg("Pick the columns."))
    assert isinstance(need, CxDataError) and isinstance(need, ValueError)
    assert (need.columns, need.role, need.mapping, need.missing) == (["a", "b"], "orders", {"order_id": "a"},
                                                                     ["amount"])
    assert str(need) == "o.csv: no column found for amount. Pick the columns."
    assert need.msg == str(need) and need.msg.template == "{text} {hint}"
    limit = CxLimitError(msg("the file is {size:.1f} MB.", size=250.0), file="big.csv")
    assert isinstance(limit, CxDataError) and limit.msg.params["message"].params == {"size": 250.0}
    assert (limit.file, limit.row, limit.column, limit.hint) == ("big.csv", None, None, None)


def test_the_msg_survives_pickling_as_a_message():
    err = CxDataError(msg("file not found."), file="a.csv", hint=msg("Check the path."))
    back = pickle.loads(pickle.dumps(err.msg))
    assert isinstance(back, Msg) and back == str(err) and back.template == "{text} {hint}"
