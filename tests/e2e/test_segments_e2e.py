"""Real browser: upload orders, build a rule segment on the Segments page, download its members."""
import csv
import io

from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

SLOW = 30_000                        # ms: first run of a page on a busy 2-core box

ORDERS = """order_id,customer_id,ordered_at,amount,status,country,email
1001,C1,2026-09-01 10:00:00,120.00,completed,DE,ann@example.com
1002,C1,2026-10-01 10:00:00,80.00,completed,DE,ann@example.com
1003,C2,2026-09-15 12:00:00,40.00,completed,DE,=HYPERLINK("http://evil")
1004,C2,2026-10-20 12:00:00,60.00,completed,DE,=HYPERLINK("http://evil")
1005,C3,2026-08-01 09:00:00,300.00,completed,FR,cleo@example.com
1006,C3,2026-10-02 09:00:00,20.00,completed,FR,cleo@example.com
1007,C4,2026-10-25 09:00:00,15.00,completed,DE,dan@example.com
1008,C5,2026-07-25 09:00:00,99.00,cancelled,DE,eve@example.com
1009,C5,2026-07-26 09:00:00,99.00,cancelled,DE,eve@example.com
"""


def test_rule_segment_members_download(server, page, shot, tmp_path):
    page.goto(f"{server}/Data")
    expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=SLOW)
    f = tmp_path / "e2e_orders.csv"
    f.write_text(ORDERS, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(f))
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("e2e_orders.csv")).to_be_visible(timeout=SLOW)
    sidebar.get_by_role("link", name="Segments").click()          # same session: uploaded data kept
    expect(page.get_by_role("heading", name="Segments")).to_be_visible(timeout=SLOW)
    wait_idle(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Orders").first
    if picker.count() and "e2e_orders.csv" not in picker.inner_text():   # sample orders loaded too
        picker.click()
        page.get_by_role("option", name="e2e_orders.csv", exact=False).click()
        wait_idle(page)
    expect(page.get_by_text("Customers with orders")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("RFM as of 2026-10-25", exact=False)).to_be_visible(timeout=SLOW)   # this file's last order
    tab = page.get_by_role("tab", name="Rule segment")
    for _ in range(5):                    # a rerun still in flight can redraw the tabs: click until it sticks
        wait_idle(page)
        tab.click()
        page.wait_for_timeout(500)
        if tab.get_attribute("aria-selected") == "true":
            break
    expect(tab).to_have_attribute("aria-selected", "true")
    rule = page.get_by_label("Rule", exact=True)
    expect(rule).to_be_visible(timeout=SLOW)
    rule.fill("country = DE and orders >= 2")
    rule.press("Enter")
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name="Rule segment")
    expect(panel.locator('[data-testid="stMetricValue"]').first).to_have_text("2", timeout=SLOW)
    expect(panel.get_by_text("50.00%")).to_be_visible()               # 2 of the 4 buying customers
    with page.expect_download() as info:
        panel.get_by_role("button", name="Download members (CSV)").click()
    download = info.value
    assert download.suggested_filename == "segment_members.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["customer_id"] for r in rows] == ["C1", "C2"]         # by net revenue: 200, 100
    assert rows[0]["email"] == "ann@example.com" and rows[0]["net_revenue"] == "200.0"
    assert rows[1]["email"].startswith("'=HYPERLINK")               # formula neutralized
    assert {r["list"] for r in rows} == {"Rule segment"}
    page.wait_for_timeout(800)
    shot(page, "segments_rule")
