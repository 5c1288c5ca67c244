"""Finding 7: text from files and users is never Markdown. Every page is driven with hostile file names,
column names and values (and a shared analysis with a hostile title), and every string Streamlit would
render as Markdown (bodies, headings, captions, alerts, labels of widgets, expanders, tabs and metrics,
help tooltips) is scanned for any of the hostile syntax left unescaped."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import load_bytes
from tests.i18n_scan import page_texts
from ui import nav

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

# One hostile string with every kind of Markdown and Streamlit syntax that could do harm or mislead:
# emphasis, a link, a remote image, a colour directive, maths, raw HTML, strike-through, a heading mark.
MARKERS = ("**hb**", "_hi_", "[hl](http://evil.example/x)", "![hm](http://evil.example/i.png)", ":red[hc]",
           "$hx^2$", "<b>hh</b>", "~~hs~~", "\n# hd")
HOSTILE = "".join(MARKERS)


def hostile(tag: str) -> str:
    return f"{tag} {HOSTILE}"


# Markdown-rendered fields (st.text and st.code show text as it is: not scanned).
_MARKDOWN_FIELD = re.compile(r"\.(body|label|help|placeholder)$")
_PLAIN_ELEMENTS = ("Text.", "Code.", "UnknownElement.")


# A marker is raw when its first character is not backslash-escaped ("\\# hd" is text, "# hd" a heading);
# code spans show their content literally (column names with a backtick are never put in one).
_CODE_SPAN = re.compile(r"`[^`]*`")
_RAW = {m.strip(): re.compile(r"(?<!\\)" + re.escape(m.strip())) for m in MARKERS}


def unescaped(at: AppTest) -> list[tuple[str, str, str]]:
    """(field, marker, text) for every hostile marker shown raw in a Markdown-rendered string."""
    found = []
    for where, text in page_texts(at):
        if not _MARKDOWN_FIELD.search(where) or where.startswith(_PLAIN_ELEMENTS):
            continue
        text = _CODE_SPAN.sub("", text)
        for probe, raw in _RAW.items():
            if raw.search(text):
                found.append((where, probe, text[:160]))
    return found


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def hostile_datasets() -> dict:
    h = hostile
    n = 40
    days = [f"2026-0{1 + i % 6}-{1 + i % 27:02d} 10:{i % 60:02d}" for i in range(n)]
    files = {
        "events": (pd.DataFrame({"user_id": [f"u{i % 12}" for i in range(n)],
                                 "event": [["view", "add_to_cart", h("ev"), "purchase"][i % 4] for i in range(n)],
                                 "timestamp": days,
                                 h("prop"): [h("pv") if i % 2 else "plain" for i in range(n)]}),
                   {"user_id": "user_id", "event": "event", "timestamp": "timestamp"}),
        "orders": (pd.DataFrame({"order_id": [f"o{i}" for i in range(n)], "customer_id": [f"c{i % 9}" for i in range(n)],
                                 "ordered_at": days, "amount": [10 + i for i in range(n)],
                                 "status": ["paid"] * n, "channel": [h("ch") if i % 3 else "web" for i in range(n)],
                                 h("ocol"): [h("ov")] * n}),
                   {"order_id": "order_id", "customer_id": "customer_id", "ordered_at": "ordered_at",
                    "amount": "amount", "status": "status", "channel": "channel"}),
        "responses": (pd.DataFrame({"respondent_id": [f"r{i}" for i in range(n)], "nps": [i % 11 for i in range(n)],
                                    "answered_at": days, "comment": [h("cm")] * n,
                                    h("seg"): [h("sv") if i % 2 else "b" for i in range(n)]}),
                      {"respondent_id": "respondent_id", "nps": "nps", "answered_at": "answered_at",
                       "comment": "comment"}),
        "tickets": (pd.DataFrame({"ticket_id": [f"t{i}" for i in range(n)], "created_at": days,
                                  "channel": [h("tc") if i % 2 else "email" for i in range(n)],
                                  "first_reply_minutes": [5 + i for i in range(n)]}),
                    {"ticket_id": "ticket_id", "created_at": "created_at", "channel": "channel",
                     "first_reply_minutes": "first_reply_minutes"}),
        "experiment": (pd.DataFrame({"unit_id": [f"x{i}" for i in range(200)],
                                     "variant": ["control" if i % 2 else h("var") for i in range(200)],
                                     "converted": [int(i % 7 == 0) for i in range(200)],
                                     h("xseg"): [h("xv") if i % 3 else "k" for i in range(200)]}),
                       {"unit_id": "unit_id", "variant": "variant", "converted": "converted"}),
        "customers": (pd.DataFrame({"customer_id": [f"c{i}" for i in range(9)],
                                    "email": [f"c{i}@example.com" for i in range(9)],
                                    h("attr"): [h("av")] * 9}),
                      {"customer_id": "customer_id", "email": "email"}),
    }
    out = {}
    for role, (frame, mapping) in files.items():
        ds = load_bytes(_csv(frame), hostile(role) + ".csv", role=role, mapping=mapping)
        out[ds.key] = ds
    return out


@pytest.fixture(scope="module")
def datasets():
    return hostile_datasets()


def _run(path: str, datasets: dict, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["datasets"] = dict(datasets)
    at.session_state["samples_loaded"] = True
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if path != "app.py":
        at.switch_page(path).run()
    return at


@pytest.fixture(autouse=True)
def local(monkeypatch, tmp_path):
    monkeypatch.delenv("CX_MODE", raising=False)
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "data"))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.mark.parametrize("path", [p.path for p in nav.PAGES], ids=lambda p: Path(p).stem)
def test_no_page_renders_text_from_files_as_markdown(path, datasets):
    at = _run(path, datasets)
    assert not at.exception, at.exception
    bad = unescaped(at)
    assert not bad, bad[:8]


def test_the_data_page_expanders_and_a_file_needing_a_mapping_stay_text(datasets):
    at = _run("pages/0_Data.py", datasets)
    assert any("hb" in e.label for e in at.expander)                       # the file names are there, as text
    at.file_uploader(key="uploader").set_value((hostile("pending") + ".csv", b"a,b\n1,2\n", "text/csv")).run()
    assert not at.exception
    assert any("pending" in e.label for e in at.expander)
    assert not unescaped(at), unescaped(at)[:5]


def test_a_funnel_breakdown_by_a_hostile_column_keeps_its_heading_text(datasets):
    at = _run("pages/4_Funnels.py", datasets)
    by = at.selectbox(key="funnel_by")
    pick = next(o for o in by.options if "hb" in str(o))
    by.set_value(pick).run()
    assert not at.exception
    assert not unescaped(at), unescaped(at)[:5]
    assert any("Breakdown by" in str(h.value) for h in at.subheader)


def test_shared_analysis_titles_and_file_names_stay_text_for_viewers(datasets, tmp_path):
    import cxlib as cx
    from cxlib.saved.workspace import Workspace
    ws = Workspace(tmp_path / "data")
    orders = next(d for d in datasets.values() if d.role == "orders")
    ws.put_dataset(orders, owner="local")
    saved = ws.save_analysis(cx.make_spec("orders", orders, {"view": "by", "by": "channel"},
                                          title=hostile("title"), author="local"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["samples_loaded"] = True
    at.run()
    at.switch_page(nav.PAGES[-1].path if "Saved" in nav.PAGES[-1].path else "pages/9_Saved_analysis.py")
    at.query_params["analysis"] = saved.id
    at.run()
    assert not at.exception and "Data:" in " ".join(c.value for c in at.caption).replace("\\", "")
    assert not unescaped(at), unescaped(at)[:5]
    listing = AppTest.from_file(APP, default_timeout=120)
    listing.session_state["samples_loaded"] = True
    listing.run()
    listing.switch_page("pages/9_Saved_analysis.py").run()
    assert not listing.exception and not unescaped(listing), unescaped(listing)[:5]


def test_a_spec_file_with_a_hostile_title_stays_text(datasets):
    import json

    import cxlib as cx
    orders = next(d for d in datasets.values() if d.role == "orders")
    spec = cx.make_spec("orders", orders, {"view": "by", "by": "channel"}, title=hostile("spec"))
    at = _run("pages/9_Saved_analysis.py", datasets)
    at.file_uploader(key="spec_upload").set_value(
        ("spec.json", json.dumps(spec.to_json()).encode(), "application/json")).run()
    assert not at.exception
    assert any("hb" in str(h.value) for h in at.subheader)
    assert not unescaped(at), unescaped(at)[:5]


def test_the_scan_finds_raw_markdown():
    """The scanner itself: an unescaped hostile string is reported, an escaped one is not."""
    from ui.text import esc
    at = AppTest.from_string(f"import streamlit as st\nst.subheader({HOSTILE!r})\nst.caption({esc(HOSTILE)!r})\n"
                             f"st.text({HOSTILE!r})")
    at.run()
    assert {m for _, m, _ in unescaped(at)} == {m.strip() for m in MARKERS}
    assert {w for w, _, _ in unescaped(at)} == {"Subheader.body"}           # not the escaped caption, not st.text
