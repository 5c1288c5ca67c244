"""ui.runner: one cache for every page, keyed by page, analysis, dataset keys, options and definitions."""
from __future__ import annotations

import pandas as pd
import pytest

from cxlib.core.definitions import DefinitionSet, RepeatDef
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.data.loader import from_frame, load_path
from cxlib.saved import replay
from tests.conftest import SAMPLE
from ui import runner

CALLS: list[tuple] = []


def counted(datasets, options, defs):
    """An analysis that records each real computation (a cache hit does not call it)."""
    CALLS.append((tuple(d.key for d in datasets), dict(options), defs.repeat.min_orders))
    return len(datasets[0].df), options.get("x")


def failing(datasets, options, defs):
    raise CxDataError(msg("the column 'amount' has no numbers."), file=datasets[0].name,
                      hint=msg("Map another column as the amount."))


@pytest.fixture
def orders():
    return load_path(SAMPLE / "orders_shopify.csv")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _frame(amount: float) -> pd.DataFrame:
    return pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c1", "c2"],
                         "ordered_at": pd.to_datetime(["2026-01-01", "2026-01-02"]), "amount": [10.0, amount],
                         "status": ["completed", "completed"]})


def test_a_page_gets_what_the_saved_analysis_replays(orders):
    defs = DefinitionSet.default()
    for options in ({"view": "summary"}, {"view": "trend", "freq": "week"}, {"view": "by", "by": "channel"}):
        got = runner.compute("orders", orders, options, defs)
        assert got.to_json() == replay.run("orders", orders, options, defs).to_json()


def test_same_inputs_compute_once(orders):
    defs = DefinitionSet.default()
    first = runner.compute("orders", [orders], {"x": 1}, defs, analysis=counted)
    again = runner.compute("orders", [orders], {"x": 1}, defs, analysis=counted)
    assert first == again and len(CALLS) == 1


def test_options_definitions_and_page_are_in_the_key(orders):
    defs = DefinitionSet.default()
    runner.compute("orders", orders, {"x": 1}, defs, analysis=counted)
    runner.compute("orders", orders, {"x": 2}, defs, analysis=counted)
    runner.compute("orders", orders, {"x": 1}, defs.replace(repeat=RepeatDef(3)), analysis=counted)
    runner.compute("retention", orders, {"x": 1}, defs, analysis=counted)
    assert [c[1]["x"] for c in CALLS] == [1, 2, 1, 1] and [c[2] for c in CALLS] == [2, 2, 3, 2]


def test_the_key_is_the_content_not_a_sample_of_the_frame():
    """One changed cell is a new dataset key, so a new result (Streamlit's own frame hashing samples rows)."""
    defs = DefinitionSet.default()
    a, b = from_frame(_frame(20.0), "orders"), from_frame(_frame(21.0), "orders")
    assert a.key != b.key
    runner.compute("orders", a, {}, defs, analysis=counted)
    runner.compute("orders", b, {}, defs, analysis=counted)
    assert len(CALLS) == 2
    assert runner.compute("orders", a, {"view": "summary"}, defs).net_revenue == 30.0
    assert runner.compute("orders", b, {"view": "summary"}, defs).net_revenue == 31.0


def test_extra_datasets_not_chosen_are_left_out(orders):
    runner.compute("support", [orders, None], {}, DefinitionSet.default(), analysis=counted)
    assert CALLS[0][0] == (orders.key,)


def test_a_bad_input_is_the_page_error_box_never_a_traceback():
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd
        import streamlit as st

        from cxlib.data.loader import from_frame
        from tests.test_ui_runner import failing
        from ui import runner
        ds = from_frame(pd.DataFrame({"order_id": ["o1"], "customer_id": ["c1"],
                                      "ordered_at": pd.to_datetime(["2026-01-01"]), "amount": [1.0]}), "orders",
                        name="shop.csv")
        got = runner.run("orders", ds, {}, analysis=failing, stop=False)
        st.write(f"went on: {got}")
        runner.run("orders", ds, {}, analysis=failing)
        st.write("not reached")

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 2 and "amount" in at.error[0].value and r"shop\.csv" in at.error[0].value   # escaped
    shown = [m.value for m in at.markdown]
    assert "went on: None" in shown and "not reached" not in shown
