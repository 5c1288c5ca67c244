"""Real browser, hosted mode: share links between accounts, isolated sessions, 20 sessions at once.

Every browser context is a separate person (own cookies, own Streamlit session).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import cxlib as cx
from cxlib.saved.workspace import Workspace
from tests.e2e.conftest import ROOT, login, wait_idle

CHART = '[data-testid="stVegaLiteChart"]'
UPLOADER = '[data-testid="stFileUploader"]'
SESSIONS = 20


def _context_page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    return ctx, pg


@pytest.fixture(scope="module")
def shared_orders(hosted_server) -> tuple[str, str]:
    """(id, title) of an analysis shared by ann, stored the way Save and share stores it (one chart, so
    twenty browsers on two CPUs spend their time on the app rather than on painting)."""
    orders = cx.load(ROOT / "sample_data" / "orders_shopify.csv")
    ws = Workspace(hosted_server.data_dir)
    ws.put_dataset(orders, owner="ann")
    saved = ws.save_analysis(cx.make_spec("orders", orders, {"view": "by", "by": "channel"},
                                          title="Revenue by channel (Q3)", author="ann"))
    return saved.id, saved.title


def test_editor_shares_and_a_viewer_opens_the_link_read_only(hosted_server, browser, shot):
    pw = hosted_server.passwords
    ctx_a, ed = _context_page(browser)
    try:
        ed.goto(f"{hosted_server.url}/Orders")
        login(ed, "ann", "wrong password 123")
        expect(ed.get_by_text("Wrong user name or password.")).to_be_visible()
        expect(ed.locator('input[aria-label="Password"]')).to_have_value("")      # never kept in the form
        login(ed, "ann", pw["ann"])
        expect(ed.get_by_role("heading", name="Orders")).to_be_visible()
        wait_idle(ed)
        ed.get_by_text("Save and share").first.click()
        title = ed.locator('input[aria-label="Title"]').first
        title.fill("Net revenue by channel (board) - Q3!")                  # punctuation is escaped, shown as typed
        title.press("Enter")
        wait_idle(ed)
        ed.get_by_role("button", name="Save and get link").first.click()
        code = ed.locator('[data-testid="stCode"]').first
        expect(code).to_contain_text("Saved_analysis?analysis=")
        link = code.inner_text().strip()
        assert re.fullmatch(re.escape(hosted_server.url) + r"/Saved_analysis\?analysis=[A-Za-z0-9_-]{16}&lang=en", link), link
    finally:
        ctx_a.close()

    ctx_b, viewer = _context_page(browser)
    try:
        viewer.goto(link)
        login(viewer, "vic", pw["vic"])
        expect(viewer.get_by_role("heading", name="Net revenue by channel (board) - Q3!")).to_be_visible()
        expect(viewer.get_by_text("Shared by ann on")).to_be_visible()
        expect(viewer.locator(CHART).first).to_be_visible()
        expect(viewer.locator('[data-testid="stDataFrame"]').first).to_be_visible()
        wait_idle(viewer)
        assert viewer.locator(UPLOADER).count() == 0
        assert viewer.get_by_role("button", name="Save and get link").count() == 0
        nav = viewer.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]')
        assert [t.splitlines()[-1] for t in nav.all_inner_texts()] == ["Saved analysis"]
        viewer.wait_for_timeout(1000)              # let the chart paint before the screenshot
        shot(viewer, "shared_analysis_viewer")
        viewer.get_by_role("link", name="All shared analyses").click()        # the list, same session
        expect(viewer.get_by_role("link", name="Net revenue by channel (board) - Q3!")).to_be_visible()
        assert viewer.locator(UPLOADER).count() == 0 and viewer.get_by_role("button", name="Delete").count() == 0
        viewer.get_by_role("link", name="Net revenue by channel (board) - Q3!").click()   # and back, same session
        expect(viewer.get_by_role("heading", name="Net revenue by channel (board) - Q3!")).to_be_visible()
        expect(viewer.locator(CHART).first).to_be_visible()
        assert "analysis=" in viewer.url
        viewer.goto(f"{hosted_server.url}/Data")     # by URL: a fresh session, still logged in (the cookie)
        expect(viewer.get_by_text("can open shared analyses only")).to_be_visible()
        assert "Logged in as vic (viewer)" in viewer.inner_text('[data-testid="stSidebar"]')
        assert viewer.locator(UPLOADER).count() == 0
    finally:
        ctx_b.close()


def test_two_sessions_uploading_different_files_never_see_each_other(hosted_server, browser, tmp_path):
    pw = hosted_server.passwords
    files = {"ann": tmp_path / "ann_private_orders.csv", "eve": tmp_path / "eve_private_survey.csv"}
    files["ann"].write_text("order_id,customer_id,ordered_at,amount\nA1,c1,2026-01-02,10.5\nA2,c2,2026-01-03,20\n")
    files["eve"].write_text("respondent_id,nps,answered_at\nr1,9,2026-02-01\nr2,3,2026-02-02\nr3,10,2026-02-03\n")
    pages = {}
    try:
        for name in files:
            ctx, pg = _context_page(browser)
            pages[name] = (ctx, pg)
            pg.goto(f"{hosted_server.url}/Data")
            login(pg, name, pw[name])
        for name, (_, pg) in pages.items():
            expect(pg.locator(UPLOADER)).to_be_visible()
        for name, (_, pg) in pages.items():                        # both uploads in flight together
            pg.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(files[name]))
        for name, (_, pg) in pages.items():
            other = next(n for n in files if n != name)
            sidebar = pg.locator('[data-testid="stSidebar"]')
            expect(sidebar.get_by_text(files[name].name)).to_be_visible()
            pg.get_by_role("link", name="Survey").click()          # another run of the session
            wait_idle(pg)
            assert files[other].name not in sidebar.inner_text()
            assert files[other].name not in pg.locator('[data-testid="stMain"]').inner_text()
    finally:
        for ctx, _ in pages.values():
            ctx.close()


@pytest.mark.slow
def test_twenty_concurrent_sessions_opening_a_shared_link_all_get_it(hosted_server, browser, shared_orders):
    # twenty tabs of one browser profile: twenty Streamlit sessions, each logging in on its own, that
    # share the browser's HTTP cache (as colleagues' browsers would after their first visit)
    analysis_id, title = shared_orders
    link = f"{hosted_server.url}/Saved_analysis?analysis={analysis_id}"
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        pages = [ctx.new_page() for _ in range(SESSIONS)]
        for pg in pages:                                             # all twenty start loading together
            pg.set_default_timeout(180_000)
            pg.goto(link, wait_until="commit")
        for pg in pages:
            login(pg, "vic", hosted_server.passwords["vic"])
        right = 0
        for pg in pages:
            expect(pg.get_by_role("heading", name=title)).to_be_visible(timeout=180_000)
            expect(pg.locator(CHART).first).to_be_visible(timeout=180_000)
            right += pg.locator(UPLOADER).count() == 0 and "Logged in as vic (viewer)" in pg.inner_text("body")
        assert right == SESSIONS
    finally:
        ctx.close()


def test_the_dockerfile_healthcheck_passes_against_a_running_server(hosted_server):
    import os
    import subprocess
    import sys
    from urllib.parse import urlsplit

    from tests.test_deploy import healthcheck_python
    port = str(urlsplit(hosted_server.url).port)
    ok = subprocess.run([sys.executable, "-c", healthcheck_python()], env={**os.environ, "PORT": port}, timeout=30)
    assert ok.returncode == 0
    down = subprocess.run([sys.executable, "-c", healthcheck_python()], env={**os.environ, "PORT": "1"},
                          capture_output=True, timeout=30)
    assert down.returncode != 0                                       # and it fails when nothing answers
