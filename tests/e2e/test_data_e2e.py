"""Real browser: upload a CSV on the Data page, see its report, save a screenshot."""
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle


def test_upload_csv_shows_report(server, page, shot, tmp_path):
    page.goto(f"{server}/Data")
    expect(page.get_by_role("heading", name="Data")).to_be_visible()
    f = tmp_path / "web_events.csv"
    f.write_text("user_id,event,timestamp,device\n"
                 "u1,page_view,2026-10-01 10:00:00,mobile\nu1,purchase,2026-10-01 10:05:00,mobile\n"
                 "u2,page_view,2026-10-02 09:00:00,desktop\nu3,page_view,not a date,desktop\n")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(f))
    wait_idle(page)
    panel = page.locator('[data-testid="stExpander"]', has_text="web_events.csv").first
    expect(panel.get_by_text("Rows in file")).to_be_visible()
    expect(panel.get_by_text("not a date").first).to_be_visible()          # the unreadable cell is reported
    expect(panel.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("web_events.csv")).to_be_visible()
    page.wait_for_timeout(1000)          # let the data grid paint before the screenshot
    shot(page, "data_page")
