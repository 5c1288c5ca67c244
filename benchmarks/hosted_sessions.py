"""Hosted mode under load: N concurrent browser sessions open one shared link (``make bench-hosted``).

    .venv/bin/python benchmarks/hosted_sessions.py [--sessions 20] [--rounds 2]

Starts a hosted server (``python -m serve``, its own temporary data folder and users file), shares a
funnel on the sample events the way the app stores it (``cxlib.saved.workspace``), then opens the link in
N browser contexts at once (Debian chromium, one context = one person = one Streamlit session).
Each session loads the page, logs in as a viewer and waits for the analysis title and its chart.

Per session it records: time to the login form, and time to figures (from the start of navigation
to title + chart visible, login included). Prints the wall time of the round, median and max time
to figures, and the server's resident memory. Round 1 runs on a fresh server (cold caches: the
first sessions import pandas/altair and recompute the analysis); later rounds reuse the server.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
TITLE = "Checkout funnel (benchmark)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, port: int, **env: str) -> subprocess.Popen:
    """The hosted instance as `make serve` starts it (`python -m serve`: the app behind its login gate)."""
    env = {**os.environ, "CX_MODE": "hosted", "CX_DATA_DIR": str(root / "data"),
           "CX_USERS_FILE": str(root / "users.json"), **env}
    log = open(root / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"streamlit exited during start-up; see {root / 'server.log'}")
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("streamlit did not start within 60 s")


def share_funnel(root: Path) -> str:
    """Store the sample events and a funnel on them as ann (editor) would; returns the analysis id."""
    import cxlib as cx
    from cxlib.saved.workspace import Workspace
    events = cx.load(ROOT / "sample_data" / "events.csv")
    res = cx.funnel(events, cx.FunnelSpec((cx.Step("view_item"), cx.Step("add_to_cart"),
                                           cx.Step("begin_checkout"), cx.Step("purchase"))))
    ws = Workspace(root / "data")
    ws.put_dataset(events, owner="ann")
    return ws.save_analysis(cx.make_spec(res, events, title=TITLE, author="ann")).id


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def one_session(browser, link: str, password: str, timeout_ms: int, profile=None) -> dict:
    """One person: a browser context of their own, or a tab of the shared ``profile`` context."""
    ctx = profile or await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    page.set_default_timeout(timeout_ms)
    t0 = time.perf_counter()
    try:
        await page.goto(link, wait_until="commit")
        name = page.locator('input[aria-label="User name"]')
        await name.wait_for(state="visible")
        t_form = time.perf_counter() - t0
        await name.fill("vic")
        await page.locator('input[aria-label="Password"]').fill(password)
        t_submit = time.perf_counter() - t0
        await page.get_by_role("button", name="Log in").click()
        await page.get_by_role("heading", name=TITLE).wait_for(state="visible")
        await page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="visible")
        t_fig = time.perf_counter() - t0
        uploads = await page.locator('[data-testid="stFileUploader"]').count()
        return {"ok": uploads == 0, "form_s": t_form, "figures_s": t_fig, "after_login_s": t_fig - t_submit}
    except Exception as err:                   # noqa: BLE001 - a failed session is counted, not fatal
        return {"ok": False, "error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}
    finally:
        await (page.close() if profile else ctx.close())


async def run_round(link: str, password: str, sessions: int, timeout_ms: int,
                    one_profile: bool = False) -> tuple[float, list[dict]]:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            profile = await browser.new_context(viewport={"width": 1400, "height": 1000}) if one_profile else None
            t0 = time.perf_counter()
            results = await asyncio.gather(*(one_session(browser, link, password, timeout_ms, profile)
                                             for _ in range(sessions)))
            return time.perf_counter() - t0, list(results)
        finally:
            await browser.close()


def report(label: str, wall: float, results: list[dict], server_pid: int, server_cpu: float) -> None:
    ok = [r for r in results if r["ok"]]
    fig = sorted(r["figures_s"] for r in ok)
    form = sorted(r["form_s"] for r in ok)
    print(f"{label}: {len(ok)}/{len(results)} sessions got the shared page; wall {wall:.2f} s")
    if fig:
        print(f"  time to figures (navigation -> login -> title + chart): median {statistics.median(fig):.2f} s, "
              f"max {max(fig):.2f} s, min {min(fig):.2f} s")
        after = sorted(r["after_login_s"] for r in ok)
        print(f"  of which: to the login form median {statistics.median(form):.2f} s (max {max(form):.2f} s); "
              f"login -> figures median {statistics.median(after):.2f} s (max {max(after):.2f} s)")
    print(f"  server CPU time for the round: {server_cpu:.1f} s (the rest of the wall time is the browsers and "
          f"other processes on the same CPUs)")
    print(f"  server RSS after the round: {rss_mb(server_pid):.0f} MB; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other processes share them)")
    for r in results:
        if not r["ok"]:
            print(f"  failed session: {r.get('error', 'upload control visible')}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=180, help="per-session timeout in seconds")
    ap.add_argument("--one-profile", action="store_true",
                    help="tabs of one browser profile (shared HTTP cache) instead of one fresh context each")
    args = ap.parse_args(argv)
    from cxlib.saved.users import UsersFile
    with tempfile.TemporaryDirectory(prefix="cx_hosted_bench_") as tmp:
        root = Path(tmp)
        password = secrets.token_urlsafe(16)
        UsersFile(root / "users.json").add("vic", password, "viewer")
        analysis_id = share_funnel(root)
        port = _free_port()
        proc = start_server(root, port)
        try:
            link = f"http://127.0.0.1:{port}/Saved_analysis?analysis={analysis_id}"
            how = "tabs of one browser profile" if args.one_profile else "fresh browser contexts"
            print(f"hosted server on 127.0.0.1:{port}, {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}); "
                  f"{args.sessions} concurrent sessions ({how}) open {link.split('?')[0]}?analysis=...")
            failed = 0
            for n in range(1, args.rounds + 1):
                cpu0 = cpu_seconds(proc.pid)
                wall, results = asyncio.run(run_round(link, password, args.sessions, int(args.timeout * 1000),
                                                      args.one_profile))
                report(f"round {n}" + (" (fresh server)" if n == 1 else " (warm server)"), wall, results, proc.pid,
                       cpu_seconds(proc.pid) - cpu0)
                failed += sum(not r["ok"] for r in results)
            return 1 if failed else 0
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
