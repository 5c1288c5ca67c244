"""AppTest of pages/8_Definitions.py: editing, targets, JSON download/upload, bad JSON."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxlib.core.definitions import DefinitionSet, SlaDef
from cxlib.data.loader import from_frame

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "8_Definitions.py")


def _app(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {}
    if lang is not None:
        at.session_state["lang"] = lang
    return at.run()


def _captions(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption]


def test_editing_a_definition_updates_the_set_and_its_sentence():
    at = _app()
    assert not at.exception
    assert any("within 24 h" in c for c in _captions(at))
    at.number_input(key="def_sla_hours").set_value(8.0).run()
    assert not at.exception
    assert at.session_state["definitions"].sla == SlaDef(8.0)
    assert any("within 8 h" in c for c in _captions(at))
    at.number_input(key="def_nps_prom").set_value(8).run()
    assert at.session_state["definitions"].nps.promoter_min == 8
    assert at.session_state["definitions"].sla == SlaDef(8.0)      # earlier edit kept
    at.multiselect(key="def_rev_states").set_value(["completed"]).run()
    assert at.session_state["definitions"].net_revenue.valid_statuses == ("completed",)


def test_invalid_combination_is_refused_with_a_message():
    at = _app()
    at.number_input(key="def_nps_det").set_value(9).run()     # 9 >= promoters from 9
    assert not at.exception
    assert at.error and "below promoter_min" in at.error[0].value.replace("\\", "")
    assert at.session_state["definitions"].nps.detractor_max == 6
    assert at.number_input(key="def_nps_det").value == 6        # widget shows the kept value


def test_targets_are_saved_and_cleared():
    at = _app()
    defaults = {"csat": 80.0, "first_reply_sla": 90.0}
    assert at.session_state["definitions"].targets == defaults
    at.number_input(key="def_tg_nps").set_value(25.0).run()
    assert at.session_state["definitions"].targets == {**defaults, "nps": 25.0}
    at.number_input(key="def_tg_nps").set_value(None).run()
    at.number_input(key="def_tg_csat").set_value(None).run()
    assert at.session_state["definitions"].targets == {"first_reply_sla": 90.0}


def test_download_gives_the_session_json():
    at = _app()
    at.number_input(key="def_tg_csat").set_value(80.0).run()
    btn = at.get("download_button")[0]
    assert btn.proto.label == "Download definitions (JSON)"
    assert DefinitionSet.default().with_target("csat", 80).dumps() == at.session_state["definitions"].dumps()


def test_upload_good_and_bad_json():
    at = _app()
    good = DefinitionSet.default().replace(sla=SlaDef(4)).with_target("nps", 10).dumps().encode()
    at.file_uploader(key="definitions_upload").set_value(("defs.json", good, "application/json")).run()
    assert not at.exception
    assert at.session_state["definitions"].sla == SlaDef(4)
    assert at.number_input(key="def_sla_hours").value == 4.0
    at.file_uploader(key="definitions_upload").set_value(("bad.json", b'{"version": 1, "oops": 2}',
                                                           "application/json")).run()
    assert not at.exception
    msg = at.error[0].value.replace("\\", "")
    assert "bad.json" in msg and "unknown key(s) oops" in msg and "unchanged" in msg
    assert at.session_state["definitions"].sla == SlaDef(4)      # nothing lost
    at.file_uploader(key="definitions_upload").set_value(("x.json", b"\xff\x00not json", "application/json")).run()
    assert not at.exception and "not valid JSON" in at.error[0].value.replace("\\", "")


def test_reset_keeps_targets():
    at = _app()
    at.number_input(key="def_sla_hours").set_value(2.0).run()
    at.number_input(key="def_tg_nps").set_value(5.0).run()
    at.button(key="definitions_reset").click().run()
    d = at.session_state["definitions"]
    assert d.sla == SlaDef() and d.targets == {"csat": 80.0, "first_reply_sla": 90.0, "nps": 5.0}


def test_edit_on_definitions_page_changes_scorecard_figure_and_sentence():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    t = from_frame(pd.DataFrame({
        "ticket_id": [str(i) for i in range(60)],
        "created_at": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 40, 60), "D"),
        "first_reply_minutes": rng.exponential(600, 60).round()}), "tickets", name="t.csv")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["samples_loaded"] = True
    at.session_state["datasets"] = {t.key: t}
    at.run()
    before = {m.label: m.value for m in at.metric}["First reply within SLA"]
    at.switch_page("pages/8_Definitions.py").run()
    at.number_input(key="def_sla_hours").set_value(1.0).run()
    at.switch_page("app.py").run()
    assert not at.exception
    after = {m.label: m.value for m in at.metric}["First reply within SLA"]
    fr = t.df["first_reply_minutes"]
    assert after == f"{100 * (fr <= 60).mean():.1f}%" != before
    assert any("within 1 h" in c for c in _captions(at))


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_page_in_chinese_and_russian(lang):
    at = _app(lang)
    assert not at.exception
    at.number_input(key="def_sla_hours").set_value(8.0).run()
    at.multiselect(key="def_rev_states").set_value(["completed"]).run()
    assert not at.exception
    assert at.session_state["definitions"].net_revenue.valid_statuses == ("completed",)
    at.number_input(key="def_nps_det").set_value(9).run()          # refused: the error is shown, not raised
    assert not at.exception and at.error


# ---- issue 20, findings 3 and 10 on the Definitions page: units, defaults, a fraction typed for a percent
def test_issue20_target_fields_name_their_unit_and_defaults():
    at = _app()
    labels = {w.key: w.label for w in at.number_input if str(w.key).startswith("def_tg_")}
    assert labels["def_tg_csat"] == "CSAT: target (%)"
    assert labels["def_tg_nps"] == "NPS: target (NPS points)"
    assert labels["def_tg_first_reply_median"] == "Median first reply: target (minutes)"
    assert labels["def_tg_ces"] == "CES: target (points on the 1-7 scale)"
    assert [c.value for c in at.caption].count("Default target") == 2


def test_issue20_fraction_for_a_percent_target_is_asked_not_saved():
    at = _app()
    at.number_input(key="def_tg_csat").set_value(0.8).run()
    assert not at.exception
    assert at.session_state["definitions"].target("csat") == 80.0
    assert any("did you mean 80 %" in w.value for w in at.warning)
    at.button(key="def_tg_csat_use_pct").click().run()
    assert at.session_state["definitions"].target("csat") == 80.0
    assert not any("did you mean" in w.value for w in at.warning)


def test_issue20_csat_as_a_mean_drops_the_percent_target():
    at = _app()
    at.radio(key="def_csat_mode").set_value("mean").run()
    assert not at.exception and not at.error
    d = at.session_state["definitions"]
    assert d.csat.mode == "mean" and d.target("csat") is None
    assert next(w.label for w in at.number_input if w.key == "def_tg_csat") == "CSAT: target (points on the 1-5 scale)"
    at.radio(key="def_csat_mode").set_value("top2_pct").run()
    assert at.session_state["definitions"].target("csat") == 80.0
