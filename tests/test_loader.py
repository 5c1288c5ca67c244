"""cxlib.data.loader: its errors are translatable sentences (Msg) with the file's data as parameters."""
from __future__ import annotations

import pytest

from cxlib.data import loader
from cxlib.data.roles import ROLES
from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.data.table import Limits
from cxlib.core.messages import Msg


def _message(err: CxDataError) -> Msg:
    """The sentence inside "{file}: {message}" (before the hint)."""
    located = err.msg.params["text"] if "hint" in err.msg.params else err.msg
    return located.params["message"]


def test_unknown_kind_of_data_asks_for_a_mapping_and_lists_the_headers_as_data():
    with pytest.raises(CxNeedsMapping) as info:
        loader.load_bytes(b"foo,bar\nx,y\n", "f.csv")
    err = info.value
    assert str(err) == ("f.csv: could not tell what kind of data this is (orders, events, survey responses, tickets, "
                        "experiment or customers). Columns found: foo, bar. Rename the key columns (e.g. customer_id, "
                        "order_date, amount) or pick the role on the Data page.")
    assert err.msg == str(err)
    assert _message(err).template.startswith("could not tell what kind of data this is")
    hint = err.msg.params["hint"]
    assert hint.template.startswith("Columns found: {columns}. Rename the key columns")
    assert hint.params == {"columns": "foo, bar"}
    assert (err.columns, err.role, err.missing) == (["foo", "bar"], None, [])


def test_wrong_kind_of_data_names_both_kinds_as_translatable_words():
    with pytest.raises(CxDataError) as info:
        loader.load_bytes(b"user_id,event,timestamp\nu1,view,2024-01-01 10:00\n", "e.csv", expect_role="orders")
    err = info.value
    assert str(err) == "e.csv: this looks like events data, not orders. Pass --role orders to force it, or use the " \
                       "matching command."
    message = _message(err)
    assert message.template == "this looks like {found} data, not {expected}."
    assert isinstance(message.params["found"], Msg) and message.params["found"].template == "events"
    assert message.params["expected"].template == "orders"
    assert err.msg.params["hint"].params == {"role": "orders"}


def test_missing_required_columns_keep_field_names_and_headers_as_data():
    with pytest.raises(CxNeedsMapping) as info:
        loader.load_bytes(b"order_id,note\n1,x\n", "o.csv", role="orders")
    err = info.value
    message = _message(err)
    assert message.template == "no column found for {fields} ({role} data)."
    assert message.params["fields"] == ", ".join(err.missing)
    assert message.params["role"].template == "orders"
    assert err.msg.params["hint"].params == {"columns": "order_id, note"}


def test_every_role_has_a_translatable_lower_case_noun_equal_to_its_label():
    for spec in ROLES:
        noun = loader.role_noun(spec.name)
        assert isinstance(noun, Msg) and noun == spec.label.lower()


def test_path_errors_are_messages(tmp_path):
    with pytest.raises(CxDataError) as info:
        loader.load_path(tmp_path / "nope.csv")
    assert _message(info.value).template == "file not found."
    assert info.value.msg.params["hint"].template == "Check the path and try again."
    with pytest.raises(CxDataError) as info:
        loader.load_path(tmp_path)
    assert info.value.msg.template == "{file}: {message}" and _message(info.value) == "this is a folder, not a file."
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * 300_000)
    with pytest.raises(CxDataError) as info:
        loader.load_path(big, limits=Limits(max_bytes=2**20))
    message = _message(info.value)
    assert message == "the file is 1 MB, over the 1 MB limit."
    assert message.template == "the file is {size_mb:.0f} MB, over the {limit_mb:.0f} MB limit."
    assert message.params["limit_mb"] == 1.0 and message.params["size_mb"] > 1.0
