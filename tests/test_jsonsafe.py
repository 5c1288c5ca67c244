"""Tests for cxlib.core.jsonsafe: the one NaN cleaner, against the copies it replaces and strict json.dumps."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.core.jsonsafe import json_safe

SCALARS = st.one_of(
    st.none(), st.booleans(), st.text(max_size=5), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.integers(-10**6, 10**6).map(np.int64), st.booleans().map(np.bool_))
NESTED = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 9)), inner, max_size=4)), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(NESTED)
def test_strict_json_always_serializes(obj):
    json.dumps(json_safe(obj), allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(NESTED)
def test_agrees_with_the_copies_it_replaces(obj):
    # the oracle for folding them: delete this test once customers, experiment and cli.main call json_safe
    from cxlib.analyses.customers import _clean
    from cxlib.analyses.experiment import _json_safe
    from cxlib.cli.main import _clean as cli_clean
    assert json_safe(obj) == _json_safe(obj) == _clean(obj) == cli_clean(obj)


def test_by_hand():
    assert json_safe({"a": float("nan"), "b": (1, np.float32(2.5)), 3: [np.inf, -np.inf]}) == \
        {"a": None, "b": [1, 2.5], "3": [None, None]}
    assert json_safe([pd.NA, pd.NaT, np.datetime64("NaT"), np.array(4.0)]) == [None, None, None, 4.0]
    assert type(json_safe(np.int64(7))) is int and json_safe("nan") == "nan"
