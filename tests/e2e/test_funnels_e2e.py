"""Real browser: build a 4-step funnel on the sample event log and see the funnel chart."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

SLOW = 30_000                        # ms: first run of a page on a busy 2-core box
STEPS = ("page_view", "view_item", "add_to_cart", "purchase")


def test_four_step_funnel_on_sample_data(server, page, shot):
    page.goto(f"{server}/Funnels")
    expect(page.get_by_role("heading", name="Funnels")).to_be_visible(timeout=SLOW)
    wait_idle(page, SLOW)
    for i, event in enumerate(STEPS):
        combo = page.get_by_role("combobox", name=f"Step {i + 1}", exact=True)
        if not combo.input_value().startswith(f"{event} ("):
            combo.click()
            page.get_by_role("option", name=re.compile(rf"^{event} \(")).click()
            wait_idle(page, SLOW)
        expect(combo).to_have_value(re.compile(rf"^{event} \("), timeout=SLOW)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=SLOW)
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Entered the funnel")).to_be_visible()
    definition = page.get_by_text("Unique users who did", exact=False).first
    expect(definition).to_be_visible()
    expect(definition).to_contain_text("purchase")
    shot(page, "funnel_4_steps")          # README: docs/screenshots/funnel_4_steps.png
