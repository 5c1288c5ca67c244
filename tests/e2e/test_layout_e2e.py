"""Real browser, Russian: the charts of issue 20's finding 8 (bar labels cut to "Потенциально л…", the R x FM
heatmap's names running into each other and its y-axis title clipped) drawn by Streamlit's own Vega.

Each chart is saved on its own (tests/e2e/artifacts/layout_ru_*.png) to be looked at; the automatic
check of the same charts is tests/test_charts_layout.py (Vega with Streamlit's theme, every label
measured). Here: the pages render every chart in Russian, with no English segment names left.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, wait_idle
from ui import i18n

SLOW = 60_000
RU = i18n.catalog("ru")


def _charts(pg, count: int):
    charts = pg.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.nth(count - 1)).to_be_visible(timeout=SLOW)
    for i in range(count):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    wait_idle(pg, SLOW)
    return charts


def _save(chart, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chart.scroll_into_view_if_needed()
    path = ARTIFACTS / f"layout_ru_{name}.png"
    chart.screenshot(path=str(path))
    assert path.stat().st_size > 5_000, f"{name}: the chart looks empty"


@pytest.fixture
def ru_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    pg = context.new_page()
    yield pg
    context.close()


def test_segment_charts_in_russian(ru_page, server):
    pg = ru_page
    pg.goto(f"{server}/Segments?lang=ru")
    expect(pg.get_by_role("heading", name=RU["Segments"], exact=True)).to_be_visible(timeout=SLOW)
    charts = _charts(pg, 3)
    for i, name in enumerate(["segment_share", "rfm_grid", "value_tiers"]):
        _save(charts.nth(i), name)
    body = pg.inner_text("body")
    assert RU["Potential loyalists"] in body and "Potential loyalists" not in body


def test_orders_and_retention_charts_in_russian(ru_page, server):
    pg = ru_page
    pg.goto(f"{server}/Orders?lang=ru")
    expect(pg.get_by_role("heading", name=RU["Orders"], exact=True)).to_be_visible(timeout=SLOW)
    charts = _charts(pg, 3)
    _save(charts.nth(2), "order_status")
    pg.goto(f"{server}/Retention?lang=ru")
    expect(pg.get_by_role("heading", name=RU["Retention"], exact=True)).to_be_visible(timeout=SLOW)
    charts = _charts(pg, 1)
    _save(charts.nth(0), "cohort_heatmap")
