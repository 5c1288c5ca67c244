"""Real browser: the default funnel on the sample event log runs to purchase, names its biggest drop-off and
draws a readable time-to-convert histogram (issue 20, finding 4)."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

SLOW = 30_000                        # ms: first run of a page on a busy 2-core box
STEPS = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")


def test_default_funnel_runs_to_purchase_on_sample_data(server, page, shot):
    page.goto(f"{server}/Funnels")
    expect(page.get_by_role("heading", name="Funnels")).to_be_visible(timeout=SLOW)
    wait_idle(page, SLOW)
    for i, event in enumerate(STEPS):                     # the defaults: nothing to pick
        combo = page.get_by_role("combobox", name=f"Step {i + 1}", exact=True)
        expect(combo).to_have_value(re.compile(rf"^{event} \("), timeout=SLOW)
    expect(page.get_by_text("The biggest drop-off is after view_item: 1,519 of 2,491 users (61.0%)",
                            exact=False)).to_be_visible(timeout=SLOW)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=SLOW)
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Entered the funnel")).to_be_visible()
    definition = page.get_by_text("Unique users who did", exact=False).first
    expect(definition).to_be_visible()
    expect(definition).to_contain_text("purchase")
    shot(page, "funnel_4_steps")          # README: docs/screenshots/funnel_4_steps.png (now five steps)
    hist = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    hist.scroll_into_view_if_needed()
    expect(hist.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
