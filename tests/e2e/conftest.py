"""Real-browser fixtures: one `streamlit run app.py` server per test session (and one in hosted mode for
the hosted tests), Debian chromium.

Screenshots go to tests/e2e/artifacts/ (ignored by git); `make screenshots` copies them to
docs/screenshots/ for the README.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CX_E2E_ARTIFACTS", ROOT / "tests" / "e2e" / "artifacts"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(env: dict[str, str], log_name: str, *, hosted: bool = False) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` (local mode) or `python -m serve` (hosted: the app behind its login gate, as
    `make serve` runs it) on a free loopback port with ``env`` added, once it is ready (:func:`_wait_ready`);
    returns (process, base URL)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    command = ([sys.executable, "-m", "serve", "--host", "127.0.0.1", "--port", str(port)] if hosted else
               [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"])
    proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, first_run=not hosted)
    except BaseException:
        _stop(proc)
        raise
    return proc, url


READY_SECONDS = 180          # a cold start on a busy 2-core machine: imports, sample data, the first run


def _wait_ready(proc: subprocess.Popen, url: str, *, first_run: bool) -> None:
    """Return once the app is ready: Streamlit's health check answers ``ok`` and (local mode) a first session
    has run the home page to its end, so the imports, the sample data and the caches are warm before any
    test's first assertion. Polls for a readiness signal until ``READY_SECONDS``; never a fixed wait."""
    import urllib.error
    import urllib.request
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if proc.poll() is not None:
            pytest.fail(f"the app server exited during start-up (code {proc.returncode}): see {ARTIFACTS}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
                if answer.status == 200 and answer.read().strip() == b"ok":
                    break
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the app server was not ready within {READY_SECONDS} s")
        time.sleep(0.3)                                    # between polls
    if first_run:                                          # hosted mode: the gate refuses a session without login
        from tests.e2e.st_client import run_page
        run = run_page(url, timeout=max(10.0, deadline - time.monotonic()))
        if not run.texts:
            pytest.fail("the app's first run drew nothing")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of a fresh app server on a free loopback port (local mode)."""
    proc, url = _start_server({"CX_MODE": "local", "CX_DATA_DIR": str(tmp_path_factory.mktemp("local_data"))},
                              "server.log")
    yield url
    _stop(proc)


@dataclass(frozen=True)
class Hosted:
    url: str
    data_dir: Path
    passwords: dict[str, str]          # user name -> password (ann, eve: editors; vic: viewer)
    pid: int = 0                       # the server process
    users_file: Path | None = None


def start_hosted(tmp_path_factory, log_name: str, **env: str):
    """A hosted instance (`python -m serve`) with its own data folder and users file: editors ann and eve,
    viewer vic. Returns (process, Hosted)."""
    from cxlib.saved.users import UsersFile
    root = tmp_path_factory.mktemp("hosted")
    passwords = {name: f"{name}-{secrets.token_urlsafe(12)}" for name in ("ann", "eve", "vic")}
    users = UsersFile(root / "users.json")
    for name, role in (("ann", "editor"), ("eve", "editor"), ("vic", "viewer")):
        users.add(name, passwords[name], role)
    proc, url = _start_server({"CX_DATA_DIR": str(root / "data"), "CX_USERS_FILE": str(root / "users.json"), **env},
                              log_name, hosted=True)
    return proc, Hosted(url, root / "data", passwords, proc.pid, root / "users.json")


@pytest.fixture(scope="session")
def hosted_server(tmp_path_factory):
    """A hosted-mode server behind its login gate, as `make serve` starts it."""
    proc, hosted = start_hosted(tmp_path_factory, "hosted_server.log")
    yield hosted
    _stop(proc)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=30_000)          # wait for readiness: a cold start on a loaded machine is slow
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (= a fresh Streamlit session) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.fixture
def shot():
    """shot(page, "name") saves a full-page screenshot to the artifacts folder and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(pg, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, "screenshot looks empty"
        return path
    return _shot


def wait_idle(pg, timeout: int = 30_000) -> None:
    """Wait until Streamlit finished its current run (the status widget disappears)."""
    pg.wait_for_timeout(300)
    pg.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=timeout)


def login(pg, name: str, password: str) -> None:
    """Fill the hosted instance's login form (the gate's page every visit without a login lands on) and
    submit it; the gate then sends the browser on to the page it asked for."""
    pg.locator('input[aria-label="User name"]').fill(name)
    pg.locator('input[aria-label="Password"]').fill(password)
    pg.get_by_role("button", name="Log in").click()
