"""Real browser: the Engagement page on the sample shop draws the weekday x hour heatmap with its
sentence, and the readiness evidence before the scores."""
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

SLOW = 120_000                       # ms: the readiness backtest on a busy 2-core box


def test_engagement_page_shows_when_and_ready_to_buy(server, page, shot):
    page.goto(f"{server}/Engagement")
    expect(page.get_by_role("heading", name="Engagement").first).to_be_visible(timeout=SLOW)
    wait_idle(page, SLOW)
    expect(page.get_by_text("Busiest:", exact=False).first).to_be_visible(timeout=SLOW)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    shot(page, "engagement_when")
    page.get_by_role("tab", name="Ready to buy").click()
    wait_idle(page, SLOW)
    expect(page.get_by_text("customers scored for the 30 days", exact=False).first).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("heading", name="Scored customers")).to_be_visible(timeout=SLOW)
    shot(page, "engagement_ready")
