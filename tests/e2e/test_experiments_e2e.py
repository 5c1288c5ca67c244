"""Real browser: upload an experiment file on the Experiments page, read the verdict, download the memo."""
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

SLOW = 30_000                        # ms: first run of a page on a busy 2-core box


def _experiment_csv() -> str:
    rows = ["visitor,group,converted"]
    rows += [f"c{i},old_checkout,{int(i < 410)}" for i in range(10000)]
    rows += [f"n{i},new_checkout,{int(i < 520)}" for i in range(10000)]
    return "\n".join(rows) + "\n"


def test_upload_experiment_and_see_verdict(server, page, shot, tmp_path):
    page.goto(f"{server}/Experiments")
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible(timeout=SLOW)
    wait_idle(page)
    f = tmp_path / "checkout_test.csv"
    f.write_text(_experiment_csv(), encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(f))
    wait_idle(page)
    expect(page.get_by_role("combobox", name="Control").first).to_have_value("old_checkout", timeout=SLOW)
    panel = page.get_by_role("tabpanel", name="Analyse a test")
    verdict = panel.get_by_text("new_checkout raised conversion from 4.10 % to 5.20 %", exact=False).first
    expect(verdict).to_be_visible(timeout=SLOW)
    expect(panel.get_by_text("Sample ratio check passed", exact=False)).to_be_visible(timeout=SLOW)
    expect(panel.get_by_text("Ship new_checkout, because it raised conversion", exact=False).first).to_be_visible()
    wait_idle(page)
    q = panel.get_by_label("Question this test answers (title of the decision memo)")
    q.fill("Does the <new> checkout sell more?")
    q.press("Enter")
    wait_idle(page)
    panel.get_by_text("Decision memo (preview)").first.click()          # the memo as it will be downloaded
    expect(panel.get_by_role("heading", name="Decision memo: Does the <new> checkout sell more?")).to_be_visible(
        timeout=SLOW)
    with page.expect_download(timeout=SLOW) as info:
        panel.get_by_role("button", name="Decision memo (HTML)").first.click()
    html = open(info.value.path(), encoding="utf-8").read()
    assert "new_checkout raised conversion" in html and "<svg" in html
    assert "<h1>Decision memo: Does the &lt;new&gt; checkout sell more?</h1>" in html
    assert "Ship new_checkout, because" in html
    page.wait_for_timeout(800)
    shot(page, "experiments_verdict")
