"""Real browser: the app in Chinese (picked in the sidebar) and Russian (from the browser's language).

The screenshots (tests/e2e/artifacts/funnel_zh.png, funnel_ru.png) are the visual check that CJK
and Cyrillic text render with real glyphs (Debian's fonts-noto-cjk), not boxes.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle
from ui import i18n

SLOW = 30_000


def _funnel_ready(pg) -> None:
    chart = pg.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=SLOW)
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    wait_idle(pg, SLOW)


def test_switch_to_chinese_in_the_sidebar_then_open_funnels(browser, server, shot):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = context.new_page()
    try:
        pg.goto(server)
        wait_idle(pg, SLOW)
        picker = pg.get_by_role("combobox", name="Language")
        picker.scroll_into_view_if_needed()       # the sidebar's last widget: its list opens only in view
        picker.click()
        if not pg.get_by_role("option").count():
            pg.keyboard.press("ArrowDown")
        pg.get_by_role("option", name="中文（简体）").click()
        wait_idle(pg, SLOW)
        zh = i18n.catalog("zh")
        expect(pg.get_by_role("link", name=zh["Funnels"])).to_be_visible(timeout=SLOW)
        pg.get_by_role("link", name=zh["Funnels"]).click()
        expect(pg.get_by_role("heading", name=zh["Funnels"], exact=True)).to_be_visible(timeout=SLOW)
        _funnel_ready(pg)
        expect(pg).to_have_url(re.compile(r"[?&]lang=zh"))
        assert "Entered the funnel" not in pg.inner_text("body")
        shot(pg, "funnel_zh")
    finally:
        context.close()


def test_russian_browser_opens_the_app_in_russian(browser, server, shot):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    pg = context.new_page()
    try:
        pg.goto(f"{server}/Funnels")
        ru = i18n.catalog("ru")
        expect(pg.get_by_role("heading", name=ru["Funnels"], exact=True)).to_be_visible(timeout=SLOW)
        _funnel_ready(pg)
        body = pg.inner_text("body")
        assert re.search(r"\d\u00a0?%|\d,\d", body), "Russian number formats expected on the page"
        shot(pg, "funnel_ru")
    finally:
        context.close()


def test_a_link_with_lang_opens_in_that_language(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = context.new_page()
    try:
        pg.goto(f"{server}/Funnels?lang=ru")
        expect(pg.get_by_role("heading", name=i18n.catalog("ru")["Funnels"], exact=True)).to_be_visible(timeout=SLOW)
    finally:
        context.close()
