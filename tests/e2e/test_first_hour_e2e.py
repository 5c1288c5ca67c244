"""Real browser: the first hour of issue 20's three users on the sample shop, in English and in Russian.

- The marketer: the scorecard's targets (each with its unit, the default targets judged), the funnel to
  purchase with the sentence naming the biggest drop-off and its PNG, the one-page checkout test's
  Ship / Don't ship headline and the decision memo titled by the question she typed.
- The CRM manager: the Churn tab's churned and at-risk customers with the revenue at stake and the list
  as CSV; detractors vs promoters compared among survey respondents (the fair baseline, said in words).
- The analyst: her own German orders export (tests/exports.py ``german_orders()``) uploaded, its statuses
  mapped in the value-mapping form, 46 valid orders and EUR 57,693.37 on the Orders page, and the same
  two numbers from the installed ``cxlib`` command.

Each task is one test per language (a fresh browser session, the language from the browser and the
address); screenshots go to tests/e2e/artifacts/first_hour_<task>_<lang>.png (the README shows them from
docs/screenshots/). Expected figures are written out as people read them in each language (the sample
shop's numbers: sample_data/README.md; the German file's: by hand from its bytes, below).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests import exports
from tests.e2e.conftest import ARTIFACTS, ROOT, wait_idle
from ui import i18n
from ui.fmt import LocaleFormatter

SLOW = 120_000                       # ms: the first run of a page on a loaded 2-core box
LOCALES = {"en": "en-US", "ru": "ru-RU"}
PNG = b"\x89PNG\r\n\x1a\n"
QUESTION = {"en": "Does the one-page checkout raise conversion?",
            "ru": "Повышает ли одностраничное оформление заказа конверсию?"}
GERMAN_MAP = {"bezahlt": "completed", "erstattet": "refunded", "storniert": "cancelled"}

# What each language shows (spaces inside numbers are no-break spaces on the page; Playwright's text
# matching treats them as spaces).
TEXT = {
    "en": {
        "scorecard": "0 targets met, 2 not met, 0 not enough data to tell; 13 metrics.",
        "csat_default": "Default target from the definitions (80.0%)",
        "drop_off": "The biggest drop-off is after view_item: 1,519 of 2,491 users (61.0%) did not go on to "
                    "add_to_cart.",
        "decision": "Ship one_page_checkout, because it raised conversion from 4.10 % to 4.91 % (+19.8 %)",
        "churned": ("771", "€51,541.50"), "at_risk": ("99", "€8,406.96"),
        "valid_orders": "46", "net_revenue": "€57,693.37",
        "baseline": "Compared among customers who answered the NPS question and have at least one valid order: "
                    "588 of 1,510.",
        "fair": "This is the fair baseline: the groups come from the survey and Revenue per customer from orders.",
        "verdict": "No real difference (could be chance): Detractors vs Promoters -2.22 (p = 0.917).",
    },
    "ru": {
        "scorecard": "Целей достигнуто: 0; не достигнуто: 2; недостаточно данных: 0; всего показателей: 13.",
        "csat_default": "Цель по умолчанию из определений метрик (80,0 %)",
        "drop_off": "Больше всего отсеивается после шага view_item: 1 519 из 2 491 пользователей (61,0 %) не "
                    "дошли до add_to_cart.",
        "decision": "Внедрять one_page_checkout: вариант повысил показатель «конверсия» с 4,10 % до 4,91 % (+19,8 %)",
        "churned": ("771", "51 541,50 €"), "at_risk": ("99", "8 406,96 €"),
        "valid_orders": "46", "net_revenue": "57 693,37 €",
        "baseline": "Сравнение среди клиентов, ответивших на вопрос NPS и сделавших хотя бы один учитываемый заказ: "
                    "588 из 1 510.",
        "fair": "Это честная база: группы берутся из опроса, а показатель «Выручка на клиента» — из заказов.",
        "verdict": "Значимых различий нет (разница может быть случайной): Критики — Промоутеры: -2,22 (p = 0,917).",
    },
}


def T(lang: str, text: str, **values) -> str:
    """``text`` as the app shows it in ``lang`` (its catalog entry, placeholders filled the locale's way)."""
    template = i18n.catalog(lang).get(text, text)
    return LocaleFormatter(lang).format(template, **values) if values else template


@pytest.fixture(params=sorted(LOCALES))
def lang(request) -> str:
    return request.param


@pytest.fixture
def pg(browser, lang):
    """A fresh session whose browser speaks ``lang``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=LOCALES[lang],
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)            # every wait of these long journeys is generous
    yield page
    expect.set_options(timeout=30_000)          # the other browser tests' default (conftest.browser)
    context.close()


# ---- helpers --------------------------------------------------------------------------------------

def _open(pg, server: str, path: str, lang: str, heading: str) -> None:
    pg.goto(f"{server}/{path}?lang={lang}")
    expect(pg.get_by_role("heading", name=T(lang, heading), exact=True)).to_be_visible(timeout=SLOW)
    wait_idle(pg, SLOW)


def _go(pg, lang: str, page: str) -> None:
    """Another page through the sidebar (the same session: uploads and the language are kept); the link
    is clicked again when a rerun still in flight (after an upload or an Apply) swallowed the click."""
    link = pg.locator('[data-testid="stSidebar"]').get_by_role("link", name=T(lang, page), exact=True)
    heading = pg.get_by_role("heading", name=T(lang, page), exact=True)
    for wait in (20_000, 40_000, 60_000):
        wait_idle(pg, SLOW)
        link.click()
        try:
            heading.wait_for(state="visible", timeout=wait)
            break
        except PlaywrightTimeout:
            continue
    expect(heading).to_be_visible(timeout=SLOW)
    wait_idle(pg, SLOW)


def _tab(pg, name: str):
    """Select a tab (clicking again while a rerun redraws the tabs) and return its panel."""
    tab = pg.get_by_role("tab", name=name, exact=True)
    for _ in range(10):
        wait_idle(pg, SLOW)
        tab.click()
        if tab.get_attribute("aria-selected") == "true":
            break
    expect(tab).to_have_attribute("aria-selected", "true")
    return pg.get_by_role("tabpanel", name=name, exact=True)


def _choose(pg, key: str, option: str | re.Pattern) -> None:
    """Pick ``option`` (its visible label, or a pattern of it) in the selectbox with widget key ``key``,
    again if a rerun that was still in flight redrew the box."""
    box = pg.locator(f".st-key-{key}").get_by_role("combobox")
    pattern = option if isinstance(option, re.Pattern) else re.compile(rf"^{re.escape(option)}$")
    for _ in range(5):
        wait_idle(pg, SLOW)
        box.scroll_into_view_if_needed()
        box.click()
        choice = pg.get_by_role("option", name=pattern)
        try:
            choice.first.wait_for(state="visible", timeout=10_000)
        except PlaywrightTimeout:              # the list did not open: try again
            pg.keyboard.press("Escape")
            continue
        choice.first.click()
        wait_idle(pg, SLOW)
        if pattern.search(box.input_value()):
            return
    expect(box).to_have_value(pattern)


def _selected(multiselect) -> list[str]:
    return [tag.get_attribute("aria-label") for tag in multiselect.locator("[data-tag]").all()]


def _pick_groups(pg, multiselect, labels: list[str], empty_note: str) -> None:
    """Make ``labels`` the selection of a multiselect: clear it, then filter its list by each label and
    click the option; all over again when a rerun redrew the list under the click (e.g. "Select all" hit)."""
    for _ in range(5):
        wait_idle(pg, SLOW)
        if _selected(multiselect):
            multiselect.get_by_role("button", name="Clear all").click()      # Streamlit's own (English) label
            expect(pg.get_by_text(empty_note)).to_be_visible(timeout=SLOW)
            wait_idle(pg, SLOW)
        for label in labels:
            multiselect.get_by_role("combobox").fill(label.split(" (")[0])  # the list shows ten: filter it
            try:
                pg.get_by_role("option", name=label, exact=True).click(timeout=SLOW / 4)
            except PlaywrightTimeout:          # a rerun redrew the list while it was filtered: start again
                pg.keyboard.press("Escape")
                break
            wait_idle(pg, SLOW)
            pg.keyboard.press("Escape")
        wait_idle(pg, SLOW)
        if _selected(multiselect) == labels:
            return
    assert _selected(multiselect) == labels


def _download(pg, key: str) -> tuple[str, bytes]:
    with pg.expect_download(timeout=SLOW) as info:
        pg.locator(f".st-key-{key}").get_by_role("button").click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def _metric(scope, label: str):
    """The value of the st.metric labelled ``label``."""
    page = getattr(scope, "page", scope)
    name = page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    box = scope.locator('[data-testid="stMetric"]').filter(has=name).first
    return box.locator('[data-testid="stMetricValue"]')


def _shot(pg, shot, element, name: str, lang: str) -> Path:
    """Scroll ``element`` to the top of the view and save the screen as first_hour_<name>_<lang>.png."""
    element.scroll_into_view_if_needed()
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    wait_idle(pg, SLOW)
    return shot(pg, f"first_hour_{name}_{lang}")


# ---- the marketer -----------------------------------------------------------------------------------

def test_marketer_targets_funnel_and_checkout_decision(server, pg, lang, shot):
    text = TEXT[lang]
    # Scorecard: every target names its unit, and the default targets are judged on open.
    _open(pg, server, "", lang, "CX scorecard")
    expect(pg.get_by_text(text["scorecard"], exact=True)).to_be_visible(timeout=SLOW)
    csat = pg.locator(".st-key-tile_csat")
    expect(csat.get_by_label(T(lang, "Target ({unit})", unit="%"), exact=True)).to_have_value("80.00")
    expect(csat.get_by_text(text["csat_default"])).to_be_visible()
    expect(csat.get_by_text(T(lang, "Target not met"), exact=True)).to_be_visible()
    nps = pg.locator(".st-key-tile_nps")
    expect(nps.get_by_label(T(lang, "Target ({unit})", unit=T(lang, "NPS points")), exact=True)).to_be_visible()
    expect(nps.get_by_text(T(lang, "No target set"), exact=True)).to_be_visible()
    sla = pg.locator(".st-key-tile_first_reply_sla")
    expect(sla.get_by_label(T(lang, "Target ({unit})", unit="%"), exact=True)).to_have_value("90.00")
    expect(sla.get_by_text(T(lang, "Target not met"), exact=True)).to_be_visible()
    _shot(pg, shot, pg.get_by_role("heading", name=T(lang, "CX scorecard"), exact=True), "scorecard", lang)

    # Funnels: the default steps run to purchase; one sentence names the biggest drop-off; the PNG.
    _go(pg, lang, "Funnels")
    for i, event in enumerate(("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")):
        step = pg.locator(f".st-key-funnel_step_{i}").get_by_role("combobox")
        expect(step).to_have_value(re.compile(rf"^{event} \("), timeout=SLOW)
    sentence = pg.get_by_text(text["drop_off"], exact=True)
    expect(sentence).to_be_visible(timeout=SLOW)
    chart = pg.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=SLOW)
    name, png = _download(pg, "dl_funnel_png")
    assert name == "funnel.png" and png.startswith(PNG) and len(png) > 5_000
    _shot(pg, shot, pg.locator('[data-testid="stMetric"]').first, "funnel", lang)

    # Experiments: the sample's one-page checkout test, its decision and the memo titled by her question.
    _go(pg, lang, "Experiments")
    panel = pg.get_by_role("tabpanel", name=T(lang, "Analyse a test"), exact=True)
    decision = panel.locator('[data-testid="stAlert"]', has_text=text["decision"])      # the headline box
    expect(decision).to_be_visible(timeout=SLOW)
    question = pg.locator(".st-key-exp_question input")
    expect(question).not_to_have_value("")                    # the test's own question until she types hers
    question.fill(QUESTION[lang])
    question.press("Enter")
    wait_idle(pg, SLOW)
    expect(question).to_have_value(QUESTION[lang])
    panel.get_by_text(T(lang, "Decision memo (preview)"), exact=True).click()
    title = T(lang, "Decision memo: {question}", question=QUESTION[lang])
    expect(panel.get_by_role("heading", name=title)).to_be_visible(timeout=SLOW)
    name, data = _download(pg, "exp_dl_html")
    html = data.decode("utf-8")
    assert name == "decision_memo.html"
    assert f"<h1>{title}</h1>" in html, html[:2000]
    assert " ".join(text["decision"].split()) in " ".join(html.replace("\xa0", " ").split())
    _shot(pg, shot, pg.locator(".st-key-exp_question"), "checkout_decision", lang)
    _shot(pg, shot, panel.get_by_role("heading", name=title), "checkout_memo", lang)


# ---- the CRM manager --------------------------------------------------------------------------------

def test_crm_manager_at_risk_list_and_detractors_vs_promoters(server, pg, lang, shot):
    text = TEXT[lang]
    # Retention, Churn tab: who churned and who is at risk, the revenue at stake, the list as CSV.
    _open(pg, server, "Retention", lang, "Retention")
    panel = _tab(pg, T(lang, "Churn"))
    heading = panel.get_by_role("heading", name=T(lang, "Churned and at-risk customers"), exact=True)
    expect(heading).to_be_visible(timeout=SLOW)
    for status, label, stake in (("churned", "Churned", "Revenue at stake, churned"),
                                 ("at_risk", "At risk of churning", "Revenue at stake, at risk")):
        count, money = text[status]
        expect(_metric(panel, T(lang, label))).to_have_text(count, timeout=SLOW)
        expect(_metric(panel, T(lang, stake))).to_have_text(money)
    name, data = _download(pg, "dl_churn_list_csv")
    assert name == "churned_customers.csv"
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    days, window = header.index(T(lang, "days_since_last_order")), header.index(T(lang, "net_revenue_window"))
    # by the caption's rule: churned after 90 days without a valid order, at risk from day 60 to 89
    churned = [r for r in rows if int(r[days]) >= 90]
    at_risk = [r for r in rows if 60 <= int(r[days]) < 90]
    assert (len(churned), len(at_risk)) == (771, 99) and len(rows) == 771 + 99
    assert round(sum(Decimal(r[window]) for r in churned), 2) == Decimal("51541.50")
    assert round(sum(Decimal(r[window]) for r in at_risk), 2) == Decimal("8406.96")
    status = header.index(T(lang, "status"))
    assert len({r[status] for r in churned}) == len({r[status] for r in at_risk}) == 1
    _shot(pg, shot, heading, "at_risk", lang)

    # Segments, Compare: detractors vs promoters, counted among survey respondents (the fair baseline).
    _go(pg, lang, "Segments")
    panel = _tab(pg, T(lang, "Compare segments"))
    groups = pg.locator(".st-key-seg_cmp_groups")
    expect(groups).to_be_visible(timeout=SLOW)
    bands = [T(lang, "{group} ({kind})", group=T(lang, band), kind=T(lang, "NPS band"))
             for band in ("Detractors", "Promoters")]
    _pick_groups(pg, groups, bands, T(lang, "Pick at least two segments to compare."))
    _choose(pg, "seg_cmp_metric", T(lang, "Revenue per customer"))
    summary = panel.locator('[data-testid="stAlert"]').first
    expect(summary).to_have_text(" ".join((text["baseline"], text["fair"], text["verdict"])), timeout=SLOW)
    _shot(pg, shot, groups, "detractors_promoters", lang)


# ---- the analyst ------------------------------------------------------------------------------------

def _german_truth(data: bytes) -> tuple[int, Decimal]:
    """By hand from the file's bytes: valid orders (paid or refunded) and net revenue (the paid amounts;
    a refunded order nets 0)."""
    rows = [line.split(";") for line in data.decode("cp1252").split("\r\n")[1:] if line]

    def euros(text: str) -> Decimal:                      # "2.370,13 €"
        return Decimal(text.replace("€", "").strip().replace(".", "").replace(",", "."))
    valid = [r for r in rows if r[4] in ("bezahlt", "erstattet")]
    return len(valid), sum(euros(r[3]) for r in rows if r[4] == "bezahlt")


def _cxlib_command() -> str:
    """The installed console command: next to this Python (the project's .venv), else on PATH."""
    here = Path(sys.executable).with_name("cxlib")
    found = str(here) if here.exists() else shutil.which("cxlib")
    if not found:
        pytest.fail("the `cxlib` command is not installed: run `make test` (pip install -e . into .venv)")
    return found


def test_analyst_maps_a_german_export_and_reproduces_it_with_the_cli(server, pg, lang, shot, tmp_path):
    text = TEXT[lang]
    data = exports.german_orders()
    assert _german_truth(data) == (46, Decimal("57693.37"))
    path = tmp_path / "bestellungen.csv"
    path.write_bytes(data)

    # Data page: upload, then say in the value-mapping form what each status word means.
    _open(pg, server, "Data", lang, "Data")
    pg.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    wait_idle(pg, SLOW)
    sidebar = pg.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("bestellungen.csv", exact=False)).to_be_visible(timeout=SLOW)
    panel = pg.locator('[data-testid="stExpander"]', has_text="bestellungen.csv").first
    values = panel.locator('[data-testid="stExpander"]', has_text=T(lang, "Values and what they count as")).first
    summary = values.locator("summary")
    if values.locator("details").get_attribute("open") is None:
        summary.click()
    rows = values.locator('[data-testid="stHorizontalBlock"]')
    expect(rows).to_have_count(len(GERMAN_MAP), timeout=SLOW)
    keys = {}
    for i in range(len(GERMAN_MAP)):
        row = rows.nth(i)
        word = row.locator('[data-testid="stText"]').inner_text().split(" · ")[0]      # "bezahlt · 40"
        box = row.locator('[class*="st-key-vmap_"]')
        keys[word] = next(c for c in box.get_attribute("class").split() if c.startswith("st-key-"))[len("st-key-"):]
    assert sorted(keys) == sorted(GERMAN_MAP)
    for word, key in keys.items():
        _choose(pg, key, T(lang, GERMAN_MAP[word].capitalize()))
    _shot(pg, shot, values, "german_mapping", lang)
    apply = panel.locator('[class*="st-key-vmap_apply_"]').get_by_role("button")
    apply.click()
    wait_idle(pg, SLOW)

    # Orders page: the German file's valid orders and net revenue, in euros.
    _go(pg, lang, "Orders")
    _choose(pg, "orders_dataset", re.compile(r"bestellungen\.csv"))
    expect(_metric(pg, T(lang, "Valid orders"))).to_have_text(text["valid_orders"], timeout=SLOW)
    expect(_metric(pg, T(lang, "Net revenue"))).to_have_text(text["net_revenue"], timeout=SLOW)
    _shot(pg, shot, pg.locator(".st-key-orders_dataset"), "german_orders", lang)

    # The same numbers from the installed command (this checkout's code: PYTHONPATH), in any language.
    args = [a for word, canonical in GERMAN_MAP.items() for a in ("--map", f"status.{word}={canonical}")]
    done = subprocess.run([_cxlib_command(), "orders", str(path), *args, "--json"], check=False, capture_output=True,
                          text=True, timeout=300, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    (ARTIFACTS / f"first_hour_cli_{lang}.json").write_text(done.stdout, encoding="utf-8")
    out = json.loads(done.stdout)
    assert (out["valid_orders"], Decimal(str(out["net_revenue"])), out["currency"]) == (
        46, Decimal("57693.37"), "EUR")
