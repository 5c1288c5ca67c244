"""ui.i18n: catalogs cover every message id in the code, and no page shows English in zh or ru.

The ids are extracted from app.py, pages/, ui/ and cxlib/ exactly as ``make messages`` does
(keywords t, msg, N_), so adding a string to the code without translating it fails here.
"""
from __future__ import annotations

import string
from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.i18n_scan import data_words, english_left, page_texts
from ui import i18n
from ui.locales.__main__ import extract
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("zh", "ru")


@pytest.fixture(scope="module")
def ids() -> dict[str, list[str]]:
    return extract()


def _fields(text: str) -> Counter:
    return Counter((name, spec) for _lit, name, spec, _conv in string.Formatter().parse(text) if name is not None)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_id_in_the_code_has_a_translation(lang, ids):
    catalog = i18n.catalog(lang)
    missing = [f"{mid!r} ({where[0]})" for mid, where in ids.items() if mid not in catalog]
    assert not missing, (f"{len(missing)} message ids have no {lang} translation; run `make messages` and "
                         "translate them in ui/locales/{lang}/LC_MESSAGES/messages.po:\n" + "\n".join(missing[:40]))


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_every_placeholder_and_format(lang):
    bad = []
    for mid, text in i18n.catalog(lang).items():
        try:
            if _fields(mid) != _fields(text):
                bad.append(f"{mid!r} -> {text!r}")
        except ValueError as err:
            bad.append(f"{mid!r} -> {text!r}: {err}")
    assert not bad, "\n".join(bad[:40])


@pytest.mark.parametrize("lang", LANGS)
def test_translations_are_not_left_in_english(lang):
    # Identical to the id is fine only for names, codes and symbols: no run of three letters or more
    # that is an English word (e.g. "CSV", "NPS" are allowed by the page scan's KEEP list).
    from tests.i18n_scan import KEEP
    same = [mid for mid, text in i18n.catalog(lang).items()
            if text == mid and any(len(w) >= 3 and w.lower() not in KEEP for w in mid.replace("/", " ").split()
                                   if w.isalpha())]
    assert not same, f"translated as the English text: {same[:20]}"


def test_t_formats_placeholders_for_the_locale():
    from ui.fmt import LocaleFormatter
    assert LocaleFormatter("ru").format("{p:.1%} · {x:,.2f} · {n:,}", p=0.125, x=1234.5, n=12345) == \
        "12,5\u00a0% · 1\u00a0234,50 · 12\u00a0345"
    assert LocaleFormatter("en").format("{p:.1%} · {x:.2f}", p=0.125, x=1234.5) == "12.5% · 1234.50"


def _page_at(path: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    at.session_state["lang"] = lang
    return at


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_page_shows_no_english_in(page, lang):
    at = _page_at(page, lang).run()
    assert not at.exception, at.exception
    loaded = at.session_state["datasets"].values() if "datasets" in at.session_state else []
    left = english_left(page_texts(at), data_words(loaded))
    assert not left, f"{page} in {lang} still shows English:\n" + "\n".join(
        f"  {where}: {text!r} -> {words}" for where, text, words in left[:30])
