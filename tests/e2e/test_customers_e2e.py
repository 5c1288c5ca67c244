"""Real browser: the Customers page on the sample shop joins orders, customers, survey and tickets, shows
the match report first (tickets linked by e-mail typed in mixed case) and draws its charts."""
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

SLOW = 60_000                        # ms: the first join of four files on a busy 2-core box


def test_customers_page_shows_match_report_and_a_chart(server, page, shot):
    page.goto(f"{server}/Customers")
    expect(page.get_by_role("heading", name="Customers").first).to_be_visible(timeout=SLOW)
    wait_idle(page, SLOW)
    report = page.get_by_role("heading", name="Match report")
    expect(report).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("tickets_zendesk.csv: 100.0% of rows matched", exact=False)).to_be_visible(timeout=SLOW)
    questions = page.get_by_role("heading", name="Questions")
    expect(questions).to_be_visible(timeout=SLOW)
    assert report.bounding_box()["y"] < questions.bounding_box()["y"]          # the match report comes first
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    scores = page.get_by_role("heading", name="Scores by group")
    scores.scroll_into_view_if_needed()
    expect(page.locator('[data-testid="stVegaLiteChart"]').nth(1).locator("canvas, svg").first).to_be_visible(
        timeout=SLOW)
    risk = page.locator('[data-testid="stMetric"]').filter(has_text="Revenue at risk")
    expect(risk.locator('[data-testid="stMetricValue"]')).to_contain_text("€", timeout=SLOW)
    wait_idle(page, SLOW)
    shot(page, "customers_page")
