"""AppTest of pages/11_Engagement.py: timing, channels, readiness and tags on seeded and sample data."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import cxlib as cx
from cxlib.data.loader import from_frame
from tests.test_channels import _messages

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "11_Engagement.py")


TABS = ("When", "Channels", "Ready to buy", "Tags and triggers")


def _app(*datasets, lang: str | None = None, tab: str | None = None) -> AppTest:
    """The page on ``tab`` (its label as shown; the first tab by default): only the tab shown runs."""
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {d.key: d for d in datasets}
    if lang:
        at.session_state["lang"] = lang
    if tab:
        at.session_state["eng_tab"] = tab
    return at.run()


def _every_tab(*datasets) -> tuple[str, list[str], list]:
    """Each tab in turn: the markdown text, chart titles and AppTests of all four."""
    runs = [_app(*datasets, tab=tab) for tab in TABS]
    text = " ".join(m.value for at in runs for m in at.markdown)
    return text, [x for at in runs for x in _titles(at)], runs


def test_only_the_tab_shown_runs(shop):
    orders, events, messages = shop
    at = _app(orders, events, messages)
    assert not at.exception
    assert any("by weekday and hour" in x for x in _titles(at))
    assert not any("beat the baselines" in x for x in _titles(at))          # the readiness score did not run


@pytest.fixture(scope="module")
def shop():
    return (cx.load(ROOT / "sample_data" / "orders_shopify.csv"), cx.load(ROOT / "sample_data" / "events.csv"),
            from_frame(_messages(n=1500), "messages", name="campaigns.csv"))


def _specs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _titles(at) -> list[str]:
    """Chart titles as one line each (long titles are wrapped into lists of lines)."""
    return [" ".join(x) if isinstance(x := s.get("title"), list) else str(x) for s in _specs(at)]


def test_every_section_draws_on_the_sample_shop_with_messages(shop):
    orders, events, messages = shop
    text, titles, runs = _every_tab(orders, events, messages)
    assert not any(at.exception for at in runs)
    want = cx.timing(orders, cx.TimingSpec(tz="UTC"))
    assert str(want.sentence()) in text.replace("\\", "")                   # the same sentence as the library
    assert any("by weekday and hour (UTC)" in x for x in titles)
    assert any("Rates per message sent" in x for x in titles)
    assert any("beat the baselines" in x for x in titles)
    assert any("readiness band" in x for x in titles)
    res = cx.channels(messages)
    assert str(res.describe()) in text.replace("\\", "")


def test_time_zone_changes_the_heatmap(shop):
    orders, events, messages = shop
    at = _app(orders, events, messages)
    at.selectbox(key="eng_tz").set_value("Asia/Tokyo").run()
    assert not at.exception
    assert any("(Asia/Tokyo)" in x for x in _titles(at))
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert str(cx.timing(orders, cx.TimingSpec(tz="Asia/Tokyo")).sentence()) in text


def test_without_messages_the_channels_tab_says_what_to_load(shop):
    orders, events, _ = shop
    at = _app(orders, events, tab="Channels")
    assert not at.exception
    assert any("campaign recipient export" in i.value for i in at.info)


def test_an_unknown_zone_is_an_error_box_not_a_traceback(shop):
    orders, _, _ = shop
    at = _app(orders)
    at.selectbox(key="eng_tz").set_value("other").run()
    at.text_input(key="eng_tz_other").set_value("Mars/Olympus").run()
    assert not at.exception
    assert any("unknown time zone" in e.value for e in at.error)


@pytest.mark.parametrize("lang, word", [("zh", "转化"), ("ru", "Конверсия")])
def test_page_in_chinese_and_russian(shop, lang, word):
    from ui.i18n import catalog
    orders, events, messages = shop
    runs = [_app(orders, events, messages, lang=lang, tab=catalog(lang).get(tab) or tab) for tab in TABS]
    assert not any(at.exception for at in runs)
    assert any(word in json.dumps(s, ensure_ascii=False) for at in runs for s in _specs(at))
    assert all(np.isfinite(len(at.markdown)) for at in runs)
