"""Pages in a real browser: how long each page takes from the navigation click to "done", first visit and
revisit, and the upload of a large event file through to its first funnel chart.

The server is started as the end-to-end tests start it (``tests/e2e/conftest.py``: ``streamlit run app.py
--server.headless true`` on a free loopback port, ready once the health check answers and a first session
has run the home page), in local mode, with a fresh ``CX_CACHE_DIR`` (no canonical table cached) and
``CX_MAX_UPLOAD_MB`` raised. One Debian chromium (Playwright, ``/usr/bin/chromium``), one browser
session (one Streamlit session) throughout:

1. open ``/`` (the Scorecard) and let the sample data load: "initial load";
2. pass 1: click every sidebar link in the navigation's order (Data ... Saved analysis, then Scorecard):
   "first visit" of each page in this session (the Scorecard's was the initial load);
3. pass 2: the same clicks again: "revisit" (each page right after another page);
4. upload: on the Data page, an events CSV of ``--upload-rows`` rows (``synth.log_file``), timed until
   the Data page is done; then to Funnels, pick the uploaded file and time until its first funnel chart
   and until the page is done; then click the trend's "Week" period (a chart option: the funnel is not
   recomputed) and time the rerun.

**When is a page "done"?** A recorder script in the page (``RECORDER``, installed with
``add_init_script``) watches the DOM with a MutationObserver and a 25 ms timer and stamps times with
``performance.now()`` (no Python polling delay in the figures). Streamlit 1.67's DOM gives:

- ``[data-testid="stApp"]`` carries ``data-test-script-state``: ``running`` while the script runs
  (also ``rerunRequested``, ``stopRequested``), ``notRunning`` once it has finished;
- the status widget (``[data-testid="stStatusWidget"]``, with ``stStatusWidgetRunningIcon`` while
  running) is shown only after a delay, so it is checked as well, never alone;
- an element left from an earlier run is ``[data-testid="stElementContainer"][data-stale="true"]``
  while a run is going on; a lazily loaded element shows ``stSkeleton`` until its code has loaded;
- an Altair chart is ``[data-testid="stVegaLiteChart"]``, drawn once its ``.vega-embed`` holds a
  ``canvas`` (or the SVG renderer's ``svg.marks``): Vega draws asynchronously, after the run ended.
  A chart in a tab not shown or a closed expander is never drawn (it has no layout box,
  ``getClientRects()`` is empty): only charts on screen count (the first tab's, open sections').

Done = a run has been seen since the click (state not ``notRunning``, or a stale element, or the
page heading changed), the state is ``notRunning``, no running icon, no stale element, no skeleton,
every chart drawn, and the heading is the new page's. The time is when that first held, provided it
then holds, with the same number of charts, for ``--stable`` seconds (a page that reruns itself,
like the Data page after an upload, resets it). "First chart" is when a chart of the new run (its
container not stale) was first drawn.

    .venv/bin/python benchmarks/run.py pages                 # all pages + a 1M-row upload (~3-5 min)
    .venv/bin/python benchmarks/run.py pages --quick         # three pages + a 100k-row upload
    .venv/bin/python benchmarks/bench_pages.py --pages Funnels,Experiments --upload-rows 0
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

FIRST_TARGET, REVISIT_TARGET = 3.0, 1.5             # seconds (issue "Data plane on an engine", item 4)
UPLOAD_TARGET, OPTION_TARGET = 5.0, 0.5
QUICK_PAGES = ("Scorecard", "Funnels", "Experiments")
TIMEOUT_S = 300.0

RECORDER = r"""
(() => {
  if (window.__bench) return;
  const q = (s) => document.querySelectorAll(s);
  const b = window.__bench = {t0: 0, heading: null, sawRun: false, firstChart: null, doneAt: null, charts: -1,
                              runs: 0, last: null};
  const h1 = () => { const h = document.querySelector('[data-testid="stMain"] h1, h1'); return h ? h.textContent.trim() : ''; };
  b.start = (sameHeading) => {
    b.t0 = performance.now(); b.heading = sameHeading ? null : h1(); b.sawRun = false; b.firstChart = null;
    b.doneAt = null; b.charts = -1; b.runs = 0;
  };
  b.check = () => {
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : 'initial';
    const icon = q('[data-testid="stStatusWidgetRunningIcon"]').length > 0;
    const stale = q('[data-testid="stElementContainer"][data-stale="true"]').length;
    const skeleton = q('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]').length;
    const charts = [...q('[data-testid="stVegaLiteChart"]')].filter((c) => c.getClientRects().length > 0);
    const drawn = charts.filter((c) => c.querySelector('.vega-embed canvas, .vega-embed svg.marks'));
    const heading = h1();
    const running = state !== 'notRunning' || icon;
    if (running && !b.sawRun) b.runs += 1;
    if (running || stale || (b.heading !== null && heading && heading !== b.heading)) b.sawRun = true;
    if (b.sawRun && b.firstChart === null &&
        drawn.some((c) => { const box = c.closest('[data-testid="stElementContainer"]');
                            return !box || box.getAttribute('data-stale') !== 'true'; }) &&
        (b.heading === null || heading !== b.heading))
      b.firstChart = now - b.t0;
    const done = b.sawRun && !running && !stale && !skeleton && drawn.length === charts.length &&
                 (b.heading === null || (heading && heading !== b.heading));
    if (done && (b.doneAt === null || b.charts !== charts.length)) { b.doneAt = now; b.charts = charts.length; }
    if (!done) { b.doneAt = null; b.charts = -1; }
    b.last = {state, icon, stale, skeleton, charts: charts.length, drawn: drawn.length, heading};
  };
  b.settled = (stableMs) => { b.check(); return b.doneAt !== null && performance.now() - b.doneAt >= stableMs; };
  b.result = () => ({done: b.doneAt === null ? null : (b.doneAt - b.t0) / 1000,
                     firstChart: b.firstChart === null ? null : b.firstChart / 1000, charts: b.charts, last: b.last});
  const watch = () => {
    new MutationObserver(() => b.check()).observe(document.documentElement,
      {subtree: true, childList: true, attributes: true, attributeFilter: ['data-test-script-state', 'data-stale', 'class']});
    setInterval(b.check, 25);
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


def load() -> str:
    a, b, c = os.getloadavg()
    return f"{a:.1f} / {b:.1f} / {c:.1f}"


def _wait(page, stable: float, what: str) -> dict:
    """Block until the recorder says the page is done (and stayed so for ``stable`` s); its figures."""
    try:
        page.wait_for_function("(ms) => window.__bench && window.__bench.settled(ms)", arg=stable * 1000,
                               polling=100, timeout=TIMEOUT_S * 1000)
    except Exception as err:                           # a timeout: say what the page looked like
        last = page.evaluate("() => window.__bench && window.__bench.last")
        raise RuntimeError(f"{what}: not done within {TIMEOUT_S:.0f} s (last seen: {last})") from err
    out = page.evaluate("() => window.__bench.result()")
    out["load"] = load()
    return out


def _nav_links(page) -> list[tuple[str, str]]:
    """(label, href) of the sidebar's page links, in the navigation's order."""
    links = page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]')
    links.first.wait_for(timeout=TIMEOUT_S * 1000)
    return [(links.nth(i).inner_text().strip().splitlines()[-1], links.nth(i).get_attribute("href") or "")
            for i in range(links.count())]           # the text after the icon's name


def _visit(page, label: str, href: str, stable: float) -> dict:
    link = page.locator(f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href="{href}"]')
    page.evaluate("() => window.__bench.start(false)")
    link.click()
    return _wait(page, stable, label)


def _pick_option(page, widget, text: str) -> None:
    widget.locator('[role="combobox"]').click()
    page.locator('[role="option"]').filter(has_text=text).first.click()


def _upload_flow(page, links: dict[str, str], rows: int, folder: Path, stable: float) -> dict:
    import synth
    made = time.monotonic()
    path = synth.log_file("events", rows, "csv", folder)
    print(f"upload file: {path} ({path.stat().st_size / 2**20:.0f} MiB; ready in {time.monotonic() - made:.1f} s)",
          flush=True)
    out = {"data_page": _visit(page, "Data", links["Data"], stable)}
    page.evaluate("() => window.__bench.start(true)")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    out["upload"] = _wait(page, max(stable, 2.0), "upload")           # the Data page reruns itself after a load
    out["funnels_page"] = _visit(page, "Funnels", links["Funnels"], stable)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").first
    page.evaluate("() => window.__bench.start(true)")
    _pick_option(page, picker, path.name)
    out["pick"] = _wait(page, stable, "funnel of the upload")
    period = page.locator('[data-testid="stRadio"]').filter(has_text="Period").first
    period.scroll_into_view_if_needed()
    page.evaluate("() => window.__bench.start(true)")
    period.get_by_text("Week", exact=True).click()
    out["option"] = _wait(page, stable, "trend period")
    return out


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _met(x: float | None, target: float) -> str:
    return "-" if x is None else ("yes" if x <= target else "NO")


def report(initial: dict, first: dict[str, dict], again: dict[str, dict], upload: dict | None) -> None:
    print(f"\ninitial load of / (sample data + Scorecard): {_fmt(initial['done'])} s, "
          f"first chart {_fmt(initial['firstChart'])} s, load average {initial['load']}")
    print("\n| page | first visit s | revisit s | first <= 3 s | revisit <= 1.5 s | charts | load average (1/5/15 min) |")
    print("|---|---:|---:|:---:|:---:|---:|---|")
    for name, f in first.items():
        r = again.get(name, {})
        if name == "Scorecard":           # pass 1 was already its second visit: the first is the initial load
            f = {**f, "done": initial["done"]}
        print(f"| {name} | {_fmt(f['done'])} | {_fmt(r.get('done'))} | {_met(f['done'], FIRST_TARGET)} | "
              f"{_met(r.get('done'), REVISIT_TARGET)} | {f['charts']} | {f['load']}; {r.get('load', '-')} |")
    if upload:
        up, pick, opt = upload["upload"], upload["pick"], upload["option"]
        nav = upload["funnels_page"]
        to_chart = sum(x for x in (up["done"], nav["done"], pick["firstChart"]) if x is not None)
        print(f"\nupload ({upload['rows']:,} events CSV):")
        print(f"  upload until the Data page is done      {_fmt(up['done'])} s   (load {up['load']})")
        print(f"  to Funnels (sample funnel, cached)        {_fmt(nav['done'])} s   (load {nav['load']})")
        print(f"  pick the upload: first funnel chart      {_fmt(pick['firstChart'])} s, page done "
              f"{_fmt(pick['done'])} s   (load {pick['load']})")
        print(f"  upload to first funnel chart, in all      {to_chart:.2f} s   target <= {UPLOAD_TARGET:.0f} s: "
              f"{_met(to_chart, UPLOAD_TARGET)}")
        print(f"  trend period day -> week (chart option)  {_fmt(opt['done'])} s   target <= {OPTION_TARGET} s: "
              f"{_met(opt['done'], OPTION_TARGET)}   (load {opt['load']})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_PAGES)} and a 100k-row upload")
    ap.add_argument("--pages", default="", help="comma-separated page labels (default: every page)")
    ap.add_argument("--upload-rows", type=int, default=None, help="events in the uploaded CSV (0: skip the upload)")
    ap.add_argument("--stable", type=float, default=1.0, help="seconds the done condition must hold")
    ap.add_argument("--data", default=os.environ.get("CX_BENCH_DATA", "/tmp/cx-bench-data"),
                    help="folder of generated files (reused)")
    args, _ = ap.parse_known_args(argv)
    rows = args.upload_rows if args.upload_rows is not None else (100_000 if args.quick else 1_000_000)
    wanted = [p for p in args.pages.split(",") if p] or (list(QUICK_PAGES) if args.quick else [])

    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import ARGS, CHROMIUM, _start_server, _stop
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        print(f"pages benchmark not run: chromium not found at {CHROMIUM} (make browser)")
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="cx-bench-pages-"))
    env = {"CX_MODE": "local", "CX_DATA_DIR": str(scratch / "data"), "CX_CACHE_DIR": str(scratch / "cache"),
           "CX_MAX_UPLOAD_MB": "1000"}
    print(f"pages benchmark: load average {load()} (1 / 5 / 15 min) on {os.cpu_count()} cores", flush=True)
    started = time.monotonic()
    proc, url = _start_server(env, "bench_pages_server.log")
    print(f"server ready in {time.monotonic() - started:.1f} s at {url} (load {load()})", flush=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.add_init_script(RECORDER)
            page.goto(url)
            initial = _wait(page, args.stable, "initial load")
            links = dict(_nav_links(page))
            names = [n for n in links if n != "Scorecard"] + ["Scorecard"]
            names = [n for n in names if not wanted or n in wanted]
            first, again = {}, {}
            for phase, out in (("first", first), ("revisit", again)):
                for name in names:
                    out[name] = _visit(page, name, links[name], args.stable)
                    print(f"{phase:8s} {name:15s} {_fmt(out[name]['done']):>6s} s  first chart "
                          f"{_fmt(out[name]['firstChart']):>6s} s  charts {out[name]['charts']}  load {out[name]['load']}",
                          flush=True)
            upload = None
            if rows:
                upload = {"rows": rows, **_upload_flow(page, links, rows, Path(args.data), args.stable)}
            browser.close()
    finally:
        _stop(proc)
        shutil.rmtree(scratch, ignore_errors=True)
    report(initial, first, again, upload)
    print(f"\nwhole benchmark {time.monotonic() - started:.0f} s; load average now {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
