"""Issue 19's nine findings, reproduced against a real hosted server (`python -m serve`, as `make serve` runs
it) with HTTP requests, a websocket client and a browser; each now fails to work.

Client addresses: the server listens on 127.0.0.1 and requests come from other loopback addresses
(127.0.0.0/8 is all loopback on Linux), so "another address" is a real other peer address.
"""
from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect
from websockets.exceptions import InvalidStatus

import cxlib as cx
from cxlib.saved.workspace import Workspace
from tests.e2e.conftest import ROOT, _stop, login, start_hosted, wait_idle
from tests.e2e.st_client import Session, run_page

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Its own server: these tests trip the login limits on purpose. A short time budget per upload."""
    proc, hosted = start_hosted(tmp_path_factory, "hosted_security_server.log", CX_PARSE_SECONDS="8",
                                CX_LOGIN_QUEUE="4")
    yield hosted
    _stop(proc)


def request(server, method: str, path: str, *, body: bytes = b"", headers: dict | None = None,
            source: str = "127.0.0.1", cookie: str | None = None) -> tuple[int, dict, bytes]:
    """One HTTP request from the loopback address ``source``: (status, headers, body)."""
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120, source_address=(source, 0))
    heads = {"Host": url.netloc, **(headers or {})}
    if cookie:
        heads["Cookie"] = f"cx_login={cookie}"
    try:
        conn.request(method, path, body=body, headers=heads)
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    except (ConnectionResetError, BrokenPipeError):          # refused before the body was read
        return 0, {}, b""
    finally:
        conn.close()


def post_login(server, name: str, password: str, *, source: str = "127.0.0.1") -> tuple[int, dict, bytes]:
    form = urlencode({"user": name, "password": password, "next": "/"}).encode()
    return request(server, "POST", "/_cx/login", body=form, source=source,
                   headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": server.url})


def token_of(headers: dict) -> str:
    return re.search(r"cx_login=([^;]+)", headers["set-cookie"]).group(1)


def log_in(server, name: str, source: str = "127.0.0.1") -> str:
    status, headers, _ = post_login(server, name, server.passwords[name], source=source)
    assert status == 303, status
    return token_of(headers)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def logged_in(browser, server, name: str, path: str, *, on_request=None):
    """A browser of its own (a person), logged in as ``name`` at the gate's form, on ``path``."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    if on_request is not None:
        ctx.on("request", on_request)
    pg = ctx.new_page()
    pg.set_default_timeout(120_000)
    try:
        pg.goto(f"{server.url}{path}")
        login(pg, name, server.passwords[name])
        yield pg
    finally:
        ctx.close()


# --- 1. concurrent wrong logins ------------------------------------------------------------------------
def test_1_forty_simultaneous_wrong_logins_check_at_most_the_limit(server):
    barrier = threading.Barrier(39)

    def guess(i: int):
        barrier.wait()
        return post_login(server, "ann", f"wrong-guess-{i:02d}", source="127.0.0.11")[0]
    with ThreadPoolExecutor(39) as pool:
        statuses = list(pool.map(guess, range(39)))
    checked = statuses.count(401)                          # only a checked password can answer "wrong"
    assert 1 <= checked <= 5, statuses                     # was: all 39 checked with a limit of 5
    assert set(statuses) <= {401, 429, 503}, statuses      # the rest: "too many" or "busy", unchecked
    more = []
    while len(more) < 10 and (not more or more[-1] == 401):  # the attacker goes on, one by one
        more.append(post_login(server, "ann", f"wrong-again-{len(more)}", source="127.0.0.11")[0])
    assert checked + more.count(401) == 5 and more[-1] == 429
    right = post_login(server, "ann", server.passwords["ann"], source="127.0.0.11")
    assert right[0] == 429 and b"Too many failed attempts" in right[2]   # the right one is not even checked


# --- 2. anonymous uploads and sessions -----------------------------------------------------------------
def test_2_nobody_without_a_login_gets_a_session_or_stores_an_upload(server):
    with pytest.raises(InvalidStatus) as refused:
        run_page(server.url)                                           # no login: no Streamlit session
    assert refused.value.response.status_code == 403
    before = rss_mb(server.pid)
    for i in range(5):
        status, _, _ = request(server, "PUT", f"/_stcore/upload_file/some-session/file-{i}", body=b"x" * 20_000_000,
                               headers={"Content-Type": "application/octet-stream"})
        assert status in (0, 401)                                      # refused (or cut off), never stored
    assert rss_mb(server.pid) - before < 50                            # was +503 MB for five 100 MB uploads
    status, _, body = request(server, "GET", "/", headers={"Accept": "text/html"})
    assert status == 303


# --- 3. cost of a wide or heavy file --------------------------------------------------------------------
def _wide(path: Path, columns: int) -> Path:
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" for _ in range(columns)) + "\n")
    return path


def test_3_wide_and_heavy_files_get_a_clear_answer_and_others_keep_working(server, browser, tmp_path):
    with logged_in(browser, server, "eve", "/Data") as pg:
        expect(pg.locator(UPLOAD_INPUT)).to_be_attached()
        wait_idle(pg)
        pg.locator(UPLOAD_INPUT).set_input_files([str(_wide(tmp_path / "million.csv", 1_000_000)),
                                                  str(_wide(tmp_path / "five_thousand.csv", 5_000))])
        expect(pg.get_by_text(re.compile(r"million\.csv: the file has [\d,]+ or more columns, over the 2,000-column "
                                         r"limit"))).to_be_visible()
        expect(pg.get_by_text(re.compile(r"five_thousand\.csv: the file has 5,000 or more columns"))).to_be_visible()
        heavy = tmp_path / "heavy.csv"                                 # under the limit, minutes of work
        heavy.write_text(",".join(f"col{i}" for i in range(1990)) + "\n"
                         + "\n".join(",".join(str((i * j) % 10) for i in range(1990)) for j in range(400)) + "\n")
        pg.locator(UPLOAD_INPUT).set_input_files(str(heavy))
        token = log_in(server, "vic", source="127.0.0.31")
        other = run_page(server.url, cookies={"cx_login": token}, page="Saved_analysis")   # while it is parsed
        assert "Logged in as vic" in other.text and "Shared analyses" in other.text
        # ~7 s of detection on an idle machine, over the 8 s budget on a busy one: either way a clear answer
        expect(pg.get_by_text(re.compile(r"heavy\.csv: (reading the file took more than 8 s, the limit for one "
                                         r"file|could not tell what kind of data this is)")).first).to_be_visible(
            timeout=60_000)
        wait_idle(pg)
    for name, columns in (("cli_million.csv", 1_000_000), ("cli_five_thousand.csv", 5_000)):
        cli = subprocess.run([sys.executable, "-m", "cxlib", "inspect", str(_wide(tmp_path / name, columns)), "--json"],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert cli.returncode == 2 and "over the 2,000-column limit" in cli.stderr


# --- 4. lockout of the real user -----------------------------------------------------------------------
def test_4_an_attackers_guesses_do_not_lock_the_real_user_out_at_another_address(server):
    for i in range(5):
        assert post_login(server, "eve", f"not-her-password-{i}", source="127.0.0.41")[0] == 401
    blocked = post_login(server, "eve", server.passwords["eve"], source="127.0.0.41")
    assert blocked[0] == 429
    status, headers, _ = post_login(server, "eve", server.passwords["eve"], source="127.0.0.42")
    assert status == 303 and token_of(headers)


# --- 5. login floods -------------------------------------------------------------------------------------
def test_5_a_flood_of_invented_names_gets_busy_answers_and_the_real_user_still_logs_in(server):
    huge = post_login(server, "x" * 5_000_000, "pw", source="127.0.0.51")
    assert huge[0] in (0, 413)                                         # a 5 MB name is never read or kept

    def invented(i: int) -> int:
        return post_login(server, f"invented{i}", "some password", source=f"127.0.1.{i + 1}")[0]
    with ThreadPoolExecutor(80) as pool:
        flood = pool.map(invented, range(80))
        real = None
        for _ in range(20):                                            # the real user, during the flood
            status, headers, body = post_login(server, "ann", server.passwords["ann"], source="127.0.0.52")
            if status == 303:
                real = token_of(headers)
                break
            assert status == 503 and b"The server is busy" in body     # told at once, never queued without end
        statuses = list(flood)
    assert statuses.count(503) > 0 and set(statuses) <= {401, 503}
    if real is None:                                                   # the flood is over: no more waiting
        real = log_in(server, "ann", source="127.0.0.52")
    assert "Logged in as ann" in run_page(server.url, cookies={"cx_login": real}).text


# --- 6. session takeover ---------------------------------------------------------------------------------
def test_6_presenting_someone_elses_session_id_gives_nothing(server):
    ann = log_in(server, "ann", source="127.0.0.61")
    vic = log_in(server, "vic", source="127.0.0.62")
    with Session(server.url, cookies={"cx_login": ann}) as victim:
        first = victim.run()
        assert "Logged in as ann" in first.text and first.session_id
        with pytest.raises(InvalidStatus):
            run_page(server.url, session_id=first.session_id)          # no cookies, the victim's session id
        other = run_page(server.url, cookies={"cx_login": vic}, session_id=first.session_id)
        assert other.session_id != first.session_id
        assert "Logged in as vic" in other.text and "Logged in as ann" not in other.text
        status, _, _ = request(server, "PUT", f"/_stcore/upload_file/{first.session_id}/f1", body=b"a,b\n1,2\n",
                               cookie=vic, headers={"Content-Type": "application/octet-stream"})
        assert status == 403                                           # nor upload into it
        assert "Logged in as ann" in victim.run().text                 # the victim's session is untouched


# --- 7. text from files as Markdown ---------------------------------------------------------------------
def test_7_a_hostile_file_name_is_shown_as_text_in_the_browser(server, browser, tmp_path):
    name = "**bold**[link](https:evil.example)![x](https:evil.example?p.png):red[c]$x^2$.csv"   # no "/" in a file name
    path = tmp_path / name
    path.write_text("order_id,customer_id,ordered_at,amount\nA1,c1,2026-01-02,10.5\nA2,c2,2026-01-03,20\n")
    requested = []
    with logged_in(browser, server, "eve", "/Data",
                   on_request=lambda r: requested.append(r.url) if "evil.example" in r.url else None) as pg:
        pg.locator(UPLOAD_INPUT).set_input_files(str(path))
        header = pg.locator('[data-testid="stExpander"] summary').filter(has_text="bold")
        expect(header).to_be_visible()
        wait_idle(pg)
        assert "**bold**[link](https:evil.example)" in header.inner_text()
        main = pg.locator('[data-testid="stMain"]')
        assert main.locator('a[href*="evil.example"]').count() == 0 and main.locator('img[src*="evil"]').count() == 0
        assert main.locator("strong", has_text="bold").count() == 0 and not requested


# --- 8. file names and deleted data -------------------------------------------------------------------------
def test_8_each_editor_sees_her_own_file_name_and_her_deletion_counts(server, browser):
    from dataclasses import replace
    orders = cx.load(ROOT / "sample_data" / "orders_shopify.csv")
    ws = Workspace(server.data_dir)
    ws.put_dataset(replace(orders, name="ann_board_secret_q3.csv"), owner="ann")      # the same bytes, first
    ws.put_dataset(replace(orders, name="eve_orders.csv"), owner="eve")
    saved = ws.save_analysis(cx.make_spec("orders", orders, {"view": "by", "by": "channel"}, title="Eve's revenue",
                                          author="eve"))
    vic = log_in(server, "vic", source="127.0.0.81")
    shown = run_page(server.url, cookies={"cx_login": vic}, page="Saved_analysis", query=f"analysis={saved.id}")
    text = shown.text.replace("\\", "")                                  # escaped Markdown, as text
    assert "Data: eve_orders.csv" in text and "ann_board" not in text
    with logged_in(browser, server, "eve", "/Saved_analysis") as pg:
        pg.get_by_text("Your stored data (1)").click()
        pg.locator('[data-testid="stExpander"]').get_by_role("button", name="Delete").click()
        expect(pg.get_by_text("1 of your shared analyses use this data")).to_be_visible()    # asked first
        pg.get_by_role("button", name="Delete the data").click()
        expect(pg.get_by_text("Its data was deleted")).to_be_visible()
    gone = run_page(server.url, cookies={"cx_login": vic}, page="Saved_analysis", query=f"analysis={saved.id}")
    assert "deleted by the person who shared it" in gone.text.replace("\\", "")
    assert ws.has_dataset(saved.dataset_id)                              # ann still stores the same bytes


# --- 9. media, framing, metrics, file modes, password change -------------------------------------------------
def test_9_media_needs_the_login_framing_and_metrics_are_closed_files_private(server, browser):
    for path, cookie in (("/_cx/login", None), ("/", log_in(server, "vic", source="127.0.0.91"))):
        status, headers, _ = request(server, "GET", path, cookie=cookie, headers={"Accept": "text/html"})
        assert status == 200 and headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert request(server, "GET", "/_stcore/metrics")[0] == 404
    assert request(server, "GET", "/_stcore/metrics", cookie=log_in(server, "ann", source="127.0.0.92"))[0] == 404
    with logged_in(browser, server, "ann", "/Orders") as pg:
        button = pg.get_by_role("button", name="Download table (CSV)").first
        expect(button).to_be_visible()
        with pg.expect_download() as download:
            button.click()
        media = urlsplit(download.value.url).path
        assert media.startswith("/media/")
        cookie = next(c["value"] for c in pg.context.cookies() if c["name"] == "cx_login")
        pg.get_by_text("Save and share").first.click()                 # the server creates its workspace
        pg.get_by_role("button", name="Save and get link").first.click()
        expect(pg.locator('[data-testid="stCode"]').first).to_contain_text("Saved_analysis?analysis=")
    assert request(server, "GET", media)[0] == 401                     # the link alone is nothing
    assert request(server, "GET", media, cookie=cookie)[0] == 200
    db = server.data_dir / "workspace.sqlite3"
    assert db.exists() and db.stat().st_mode & 0o777 == 0o600
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in server.data_dir.rglob("*") if p.is_file())


def test_9_a_password_change_ends_the_users_open_sessions(server):
    token = log_in(server, "eve", source="127.0.0.95")
    with Session(server.url, cookies={"cx_login": token}) as tab:
        assert "Logged in as eve" in tab.run().text
        new = "eve-new-password-" + "x" * 8
        changed = subprocess.run([sys.executable, "-m", "cxlib", "users", "add", "eve", "--role", "editor",
                                  "--password-stdin"], input=new + "\n", capture_output=True, text=True, cwd=ROOT,
                                 env={**__import__("os").environ, "CX_USERS_FILE": str(server.users_file)}, timeout=60)
        assert changed.returncode == 0, changed.stderr
        after = tab.run()                                              # the open tab's next click
        assert "Logged in as eve" not in after.text and "You are logged out" in after.text
    with pytest.raises(InvalidStatus):
        run_page(server.url, cookies={"cx_login": token})             # and the cookie opens nothing any more
    server.passwords["eve"] = new
