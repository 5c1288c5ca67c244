"""AppTest of the Saved analysis page: a spec from a notebook (or a page) reopens with the same figures."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import cxlib as cx
from cxlib.saved import replay as analyses

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def _open(spec_json: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if lang is not None:
        at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/9_Saved_analysis.py").run()
    at.file_uploader(key="spec_upload").set_value(("spec.json", spec_json.encode(), "application/json")).run()
    return at


def test_spec_from_a_notebook_reopens_with_the_same_figures():
    events = cx.load(ROOT / "sample_data" / "events.csv")
    res = cx.funnel(events, cx.FunnelSpec((cx.Step("page_view"), cx.Step("add_to_cart"), cx.Step("purchase")),
                                          window_seconds=7 * 86400))
    spec = cx.make_spec(res, events, title="Checkout <funnel>")
    at = _open(json.dumps(spec.to_json()))
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown["units"].tolist() == list(res.units)            # same figures as the notebook
    assert any("Checkout" in h.value for h in at.subheader)


def test_spec_saved_by_a_page_is_what_a_notebook_reopens():
    # the page's button builds the spec with analyses.make_spec from the page's own result
    orders = cx.load(ROOT / "sample_data" / "orders_shopify.csv")
    res = cx.rfm(orders)
    spec = analyses.make_spec(res, orders, definitions=cx.DefinitionSet.default())
    opened = cx.open_analysis(spec.to_json(), data=orders)
    assert opened.to_json() == res.to_json()
    at = _open(json.dumps(spec.to_json()))
    assert not at.exception and at.dataframe[0].value["customers"].sum() == len(res.customers)


def test_unknown_data_and_bad_files_are_explained():
    spec = cx.make_spec("orders", cx.from_frame(
        __import__("pandas").DataFrame({"customer_id": ["a"], "ordered_at": ["2024-01-01"], "amount": [1.0]}),
        "orders"))
    at = _open(json.dumps(spec.to_json()))
    assert not at.exception and any("not loaded" in w.value for w in at.warning)
    at = _open("{not json")
    assert not at.exception and any("not a JSON file" in e.value.replace("\\", "") for e in at.error)


def test_pages_offer_the_spec_download():
    at = AppTest.from_file(APP, default_timeout=120).run()
    for page, key in [("pages/4_Funnels.py", "spec_funnel"), ("pages/2_Orders.py", "spec_orders"),
                      ("pages/1_Survey.py", "spec_survey"), ("pages/5_Segments.py", "spec_segments")]:
        at.switch_page(page).run()
        assert not at.exception, page
        assert any(key in str(getattr(b, "id", "")) or key in str(b.proto) for b in at.get("download_button")), page


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_page_in_chinese_and_russian(lang):
    orders = cx.load(ROOT / "sample_data" / "orders_shopify.csv")
    res = cx.rfm(orders)
    at = _open(json.dumps(analyses.make_spec(res, orders).to_json()), lang)
    assert not at.exception
    assert at.dataframe[0].value.iloc[:, 1].sum() == len(res.customers)       # headers may be translated
    assert at.query_params["lang"] == lang            # the address, copied, opens in this language
