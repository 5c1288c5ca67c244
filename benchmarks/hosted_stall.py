"""One editor's heavy upload against everyone else's pages (issue 19, finding 3).

    .venv/bin/python benchmarks/hosted_stall.py [--loads 7] [--in-process]

Starts a hosted server (``python -m serve``, its own data folder and users file) and shares a funnel.
A viewer's page load is one fresh Streamlit session (websocket, as a browser tab) running the shared
link to its end. The script measures that load while the server is idle, then while an editor (in
chromium) uploads a file under the column limit whose detection takes longer than the time budget
(1,990 columns x 400 rows), and reports both medians and their ratio, and the CPU time the server process itself spent meanwhile.
It also times the answer to a
million-column CSV and to a 5,000-column file (from choosing the files to the error on the page).

``--in-process`` parses uploads on the script thread, as before the worker (``CX_PARSE_IN_PROCESS=1``),
for the comparison; the time budget does not apply then.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from hosted_sessions import ARGS, CHROMIUM, _free_port, cpu_seconds, share_funnel, start_server  # noqa: E402


def log_in(base: str, name: str, password: str) -> str:
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    form = urllib.parse.urlencode({"user": name, "password": password, "next": "/"}).encode()
    try:
        urllib.request.build_opener(Keep).open(urllib.request.Request(base + "/_cx/login", data=form,
                                                                      headers={"Origin": base}))
    except urllib.error.HTTPError as err:
        return re.search(r"cx_login=([^;]+)", err.headers["set-cookie"]).group(1)
    raise SystemExit("login did not answer with a redirect")


def page_load(base: str, token: str, query: str) -> float:
    from tests.e2e.st_client import run_page
    t0 = time.perf_counter()
    run = run_page(base, cookies={"cx_login": token}, page="Saved_analysis", query=query)
    if "Checkout funnel" not in run.text:
        raise SystemExit("the shared analysis did not render")
    return time.perf_counter() - t0


def wide(path: Path, columns: int) -> Path:
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" for _ in range(columns)) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=7)
    ap.add_argument("--in-process", action="store_true")
    ap.add_argument("--budget", type=float, default=30, help="CX_PARSE_SECONDS for the server")
    args = ap.parse_args(argv)
    from playwright.sync_api import expect, sync_playwright

    from cxlib.saved.users import UsersFile
    with tempfile.TemporaryDirectory(prefix="cx_stall_bench_") as tmp:
        root = Path(tmp)
        pw = {n: secrets.token_urlsafe(16) for n in ("eve", "vic")}
        users = UsersFile(root / "users.json")
        users.add("eve", pw["eve"], "editor")
        users.add("vic", pw["vic"], "viewer")
        analysis = share_funnel(root)
        port = _free_port()
        env = {"CX_PARSE_SECONDS": str(args.budget)}
        if args.in_process:
            env["CX_PARSE_IN_PROCESS"] = "1"
        proc = start_server(root, port, **env)
        base = f"http://127.0.0.1:{port}"
        try:
            token = log_in(base, "vic", pw["vic"])
            query = f"analysis={analysis}"
            page_load(base, token, query)                                     # warm: imports, the cached figures
            idle = [page_load(base, token, query) for _ in range(args.loads)]
            heavy = root / "heavy.csv"
            heavy.write_text(",".join(f"col{i}" for i in range(1990)) + "\n"
                             + "\n".join(",".join(str((i * j) % 10) for i in range(1990)) for j in range(400)) + "\n")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                pg = browser.new_page(viewport={"width": 1400, "height": 1000})
                pg.set_default_timeout(300_000)
                expect.set_options(timeout=300_000)
                pg.goto(f"{base}/Data")
                pg.locator('input[aria-label="User name"]').fill("eve")
                pg.locator('input[aria-label="Password"]').fill(pw["eve"])
                pg.get_by_role("button", name="Log in").click()
                upload = pg.locator('[data-testid="stFileUploaderDropzoneInput"]')
                expect(upload).to_be_attached()
                pg.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")
                t0 = time.perf_counter()
                upload.set_input_files([str(wide(root / "million.csv", 1_000_000)),
                                        str(wide(root / "five_thousand.csv", 5_000))])
                expect(pg.get_by_text(re.compile(r"five_thousand\.csv: the file has"))).to_be_visible()
                expect(pg.get_by_text(re.compile(r"million\.csv: the file has"))).to_be_visible()
                wide_s = time.perf_counter() - t0
                pg.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")
                loaded: list[float] = []
                done = threading.Event()

                def loads() -> None:
                    while not done.is_set() and len(loaded) < args.loads:
                        loaded.append(page_load(base, token, query))
                t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
                upload.set_input_files(str(heavy))
                time.sleep(1.0)                                               # the parse has started
                worker = threading.Thread(target=loads)
                worker.start()
                answer = pg.get_by_text(re.compile(r"heavy\.csv: (reading the file took more than|could not tell)"))
                expect(answer).to_be_visible()
                heavy_s, server_cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
                done.set()
                worker.join()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)
    mode = "on the script thread (before)" if args.in_process else "in the worker process"
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; uploads parsed {mode}")
    print(f"  million- and 5,000-column files: both answered {wide_s:.1f} s after choosing them")
    print(f"  heavy upload ({1990} columns x 400 rows): answered after {heavy_s:.1f} s; the server process used "
          f"{server_cpu:.1f} s of CPU meanwhile (its own page loads included; the worker's CPU is not counted)")
    print(f"  another session's page load: idle median {statistics.median(idle):.2f} s "
          f"(max {max(idle):.2f}), during the upload median {statistics.median(loaded):.2f} s "
          f"(max {max(loaded):.2f}, {len(loaded)} loads): {statistics.median(loaded) / statistics.median(idle):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
