"""cxlib.present.headers: every snake_case column name cxlib uses reads as words in English."""
from __future__ import annotations

import re

import pytest

from cxlib.present.headers import HEADERS, header


@pytest.mark.parametrize("name, words", [
    ("conversion_from_first", "Conversion from step 1"), ("median_s", "Median (s)"), ("p_value", "p-value"),
    ("user_id", "User ID"), ("first_order_at", "First order at"), ("customers_pct", "Customers (%)"),
    ("step2_at", "Step 2 at"), ("Lineitem name", "Lineitem name"), ("users", "users"), ("Variant", "Variant"),
    (3, 3)])
def test_header_reads_as_words(name, words):
    assert header(name) == words


def test_every_snake_case_column_id_in_the_code_has_words():
    from ui.locales.__main__ import extract
    ids = [i for i in extract() if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", i)]
    assert len(ids) > 50
    assert not [i for i in ids if "_" in header(i)]
    assert len({header(i) for i in ids}) == len(ids), "two names read alike"


def test_listed_names_are_snake_case_or_single_letters():
    assert all(re.fullmatch(r"[a-z0-9_]+|[A-Z]", k) for k in HEADERS)
