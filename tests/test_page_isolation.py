"""Sessions never see each other's data: uploads stay in each session, and the caches every session
shares (st.cache_data is process-wide) are keyed so that one session's results never carry another's."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAMPLE = ROOT / "sample_data"


def _session_with(name: str, data: bytes) -> AppTest:
    """A fresh session (no sample data) that uploads one file on the Data page."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["samples_removed"] = True
    at.run()
    at.switch_page("pages/0_Data.py").run()
    at.file_uploader(key="uploader").set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def _sidebar_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.sidebar.get("caption")).replace("\\", "")


def test_two_sessions_uploading_different_files_see_only_their_own():
    a = _session_with("alpha_orders.csv", (SAMPLE / "orders_shopify.csv").read_bytes())
    b = _session_with("beta_survey.csv", (SAMPLE / "survey_responses.csv").read_bytes())
    a.run()                                                       # a reruns after b uploaded
    assert [d.name for d in a.session_state["datasets"].values()] == ["alpha_orders.csv"]
    assert [d.name for d in b.session_state["datasets"].values()] == ["beta_survey.csv"]
    assert "alpha_orders.csv" in _sidebar_text(a) and "beta_survey.csv" not in _sidebar_text(a)
    assert "beta_survey.csv" in _sidebar_text(b) and "alpha_orders.csv" not in _sidebar_text(b)


def test_same_content_under_another_name_does_not_show_the_first_sessions_file_name():
    data = (SAMPLE / "orders_shopify.csv").read_bytes()
    a = _session_with("acme_confidential_q3.csv", data)
    a.switch_page("app.py").run()
    assert any("acme_confidential_q3.csv" in m.proto.help.replace("\\", "") for m in a.metric)   # escaped text
    b = _session_with("orders.csv", data)                          # byte-identical file, other name
    b.switch_page("app.py").run()
    helps = " ".join(m.proto.help.replace("\\", "") for m in b.metric)
    assert "orders.csv" in helps and "acme_confidential" not in helps


def test_result_caches_are_keyed_by_content_and_name():
    # pages whose results name their file (scorecard tiles, A/B test title and memo) cache on this key
    from ui import state
    data = (SAMPLE / "experiment_checkout.csv").read_bytes()
    one = state.load_upload("acme_secret_test.csv", data, role="experiment")
    two = state.load_upload("ab.csv", data, role="experiment")
    assert one.key == two.key                                     # same content: same content key
    assert state.cache_key(one) != state.cache_key(two)           # but not the same cache entry
    assert one.key in state.cache_key(one)
