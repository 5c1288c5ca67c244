"""AppTest of the home page (app.py): the scorecard tiles, targets and their status."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxlib.data.loader import from_frame
from cxlib.core.definitions import DefinitionSet

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def _datasets() -> dict:
    rng = np.random.default_rng(5)
    r = from_frame(pd.DataFrame({
        "nps": rng.choice(np.arange(11), 400, p=[.02] * 5 + [.04, .04, .07, .2, .25, .3]),
        "csat": rng.integers(1, 6, 400),
        "answered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, 400), "D")}),
        "responses", name="survey.csv")
    t = from_frame(pd.DataFrame({
        "ticket_id": [str(i) for i in range(100)],
        "created_at": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 50, 100), "D"),
        "first_reply_minutes": rng.exponential(400, 100).round(), "satisfaction": rng.choice(["good", "bad"], 100)}),
        "tickets", name="tickets.csv")
    return {d.key: d for d in (r, t)}


def _app(defs: DefinitionSet | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = _datasets()
    if lang is not None:
        at.session_state["lang"] = lang
    if defs is not None:
        at.session_state["definitions"] = defs
    return at.run()


def _captions(at: AppTest) -> list[str]:
    """Caption texts with the markdown escaping (ui.esc) removed."""
    return [c.value.replace("\\", "") for c in at.caption]


def _badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_scorecard_shows_a_tile_per_supported_metric():
    at = _app()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["NPS", "CSAT", "First reply within SLA", "Median first reply", "Ticket CSAT (good %)"]
    from cxlib.analyses import survey
    ds = next(d for d in _datasets().values() if d.role == "responses")
    assert at.metric[0].value == f"{survey.nps(ds).score:+.1f}"
    badges = dict(zip(labels, _badges(at)))          # default targets: CSAT 80 %, first reply within SLA 90 %
    assert [m for m, b in badges.items() if "No target set" not in b] == ["CSAT", "First reply within SLA"]
    assert any("NPS = % promoters (9-10)" in c for c in _captions(at))


def test_setting_a_target_changes_status_and_is_saved_in_definitions():
    at = _app()
    from cxlib.analyses import survey
    ds = next(d for d in _datasets().values() if d.role == "responses")
    lo, hi = survey.nps(ds).ci95
    at.number_input(key="target_nps").set_value(round(lo - 5)).run()
    assert not at.exception
    assert at.session_state["definitions"].target("nps") == round(lo - 5)
    assert "Target met" in _badges(at)[0]
    at.number_input(key="target_nps").set_value(round(hi + 5)).run()
    assert "Target not met" in _badges(at)[0]
    at.number_input(key="target_nps").set_value(round((lo + hi) / 2)).run()
    assert "Not enough data to tell" in _badges(at)[0]


def test_definitions_change_every_affected_figure():
    from cxlib.core.definitions import NpsDef
    at = _app(DefinitionSet.default().replace(nps=NpsDef(8, 6)).with_target("csat", 10))
    assert not at.exception
    assert any("(8-10)" in c for c in _captions(at))
    assert at.number_input(key="target_csat").value == 10
    assert "Target met" in _badges(at)[1]


def test_with_the_default_sample_data():
    if not (ROOT / "sample_data" / "MANIFEST.json").exists():
        pytest.skip("sample data not generated yet")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    assert len(at.metric) >= 3


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_scorecard_in_chinese_and_russian(lang):
    from cxlib.analyses import survey
    from ui.fmt import signed
    at = _app(lang=lang)
    assert not at.exception
    ds = next(d for d in _datasets().values() if d.role == "responses")
    assert at.metric[0].value == signed(survey.nps(ds).score, 1, lang=lang)
    assert all(("," in m.value) == (lang == "ru") for m in at.metric if "%" in m.value)


# ---- issue 20, findings 3 and 10: targets with units, a fraction typed for a percent, default targets
def _sample_app(lang: str | None = None) -> AppTest:
    """The home page on the sample shop, as a new user opens it."""
    at = AppTest.from_file(APP, default_timeout=120)
    if lang is not None:
        at.session_state["lang"] = lang
    return at.run()


def _tile_badge(at: AppTest, metric: str) -> str:
    labels = [m.label for m in at.metric]
    return _badges(at)[labels.index(metric)]


def test_issue20_finding10_scorecard_opens_with_the_default_targets():
    at = _sample_app()
    assert not at.exception
    summary = next(c for c in _captions(at) if "metrics." in c)
    assert not summary.startswith("0 targets met, 0 not met"), summary
    assert at.number_input(key="target_csat").value == 80            # CSAT >= 80 %
    assert at.number_input(key="target_first_reply_sla").value == 90  # >= 90 % answered within 24 h
    assert "Target not met" in _tile_badge(at, "CSAT")                 # 72.6 % (69.5-75.5) on the sample
    defaults = [c for c in _captions(at) if "default target" in c.lower()]
    assert len(defaults) == 2, _captions(at)


def test_issue20_finding3_every_target_field_shows_its_unit():
    at = _sample_app()
    fields = {w.key: w.label for w in at.number_input if str(w.key).startswith("target_")}
    assert fields and all(any(u in label for u in ("%", "minutes", "points", "EUR")) for label in fields.values()), fields
    assert "%" in fields["target_csat"] and "minutes" in fields["target_first_reply_median"]


def test_issue20_finding3_a_fraction_typed_for_a_percent_asks_did_you_mean():
    at = _sample_app()
    at.number_input(key="target_csat").set_value(0.8).run()
    assert not at.exception
    assert at.session_state["definitions"].target("csat") == 80      # 0.8 is never silently read as 0.8 %
    asks = [w.value.replace("\\", "") for w in at.warning if "did you mean" in w.value.lower()]
    assert asks and "80" in asks[0], [w.value for w in at.warning]
    assert "Target met" not in _tile_badge(at, "CSAT")
    at.button(key="target_csat_keep").click().run()                   # the user insists: 0.8 %
    assert at.session_state["definitions"].target("csat") == 0.8
    at.number_input(key="target_csat").set_value(0.75).run()
    at.button(key="target_csat_use_pct").click().run()                # "did you mean 75 %?" -> yes
    assert at.session_state["definitions"].target("csat") == 75
    assert not [w for w in at.warning if "did you mean" in w.value.lower()]


def test_events_without_a_cart_event_show_a_tile_saying_so():
    """Bug: an event log with no add_to_cart event crashed the home page; the tile now says why it is empty."""
    ev = from_frame(pd.DataFrame({
        "user_id": ["u1", "u1", "u2"], "event": ["page_view", "purchase", "page_view"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-02 09:00"], utc=True)}),
        "events", name="clicks.csv")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {ev.key: ev}
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Cart abandonment"] and at.metric[0].value == "n/a"
    assert "No data" in _badges(at)[0]
    notes = [x.value for x in at.text]
    assert any("clicks.csv has no cart event (add_to_cart)" in n for n in notes), notes
