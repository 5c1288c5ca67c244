"""Hosted mode (ui.auth) through AppTest: the gate's login as the pages see it, roles on every page, share
links, local mode. The login form, its limits and the cookie are tested in tests/test_gate.py."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import cxlib as cx
from cxlib.saved.users import UsersFile, logins, reset_process_state
from cxlib.saved.workspace import Workspace
from ui import auth, nav

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAVED = auth.SHARED_PAGE
PASSWORDS = {"ann": "ann-correct-horse", "vic": "vic-battery-staple"}
GATE = "can open shared analyses only"


@pytest.fixture
def hosted(monkeypatch, tmp_path):
    """A hosted instance: editor ann, viewer vic, an empty workspace; login guards reset."""
    monkeypatch.setenv("CX_MODE", "hosted")
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CX_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("CX_LOGIN_MAX_FAILURES", "3")
    users = UsersFile(tmp_path / "users.json")
    users.add("ann", PASSWORDS["ann"], "editor")
    users.add("vic", PASSWORDS["vic"], "viewer")
    st.cache_resource.clear()            # the workspace handle is process-wide
    reset_process_state()                # and so are the logins and the login limiter
    yield tmp_path
    st.cache_resource.clear()
    reset_process_state()


def login_token(name: str) -> str:
    """What the gate does after a right password: a login for ``name`` (the token its cookie holds)."""
    users = UsersFile()
    return logins().create(name, users.fingerprint(name))


def _app(path: str = APP, *, as_: str | None = None, token: str | None = None, **query) -> AppTest:
    """A fresh session of ``path``; ``as_``: logged in through the gate as that user (st.user["cx_login"])."""
    at = AppTest.from_file(str(ROOT / path) if path != APP else APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    if as_ is not None or token is not None:
        at.user = {"cx_login": token or login_token(as_)}
    return at.run()


def _login(at: AppTest, name: str) -> AppTest:
    """The same session, now with a live login of ``name`` (as after logging in at the gate and reloading)."""
    at.user = {"cx_login": login_token(name)}
    return at.run()


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "error", "warning", "info", "text", "code", "success"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    return "\n".join(parts).replace("\\", "")


def _logged_in(at: AppTest) -> bool:
    return any(b.key == "cx_logout" for b in at.button)


def test_without_a_login_no_page_is_drawn(hosted):
    at = _app()                                                       # not through the gate: no token at all
    assert not at.exception
    assert "must be started with python -m serve" in _texts(at)
    assert not at.file_uploader and not at.get("download_button") and "CX scorecard" not in _texts(at)
    at = _app(token="not-a-login-token")                              # a token the server never issued
    assert not _logged_in(at) and "You are logged out" in _texts(at) and not at.file_uploader
    at = _login(at, "ann")
    assert not at.exception and _logged_in(at)
    assert "CX scorecard" in _texts(at) and "Logged in as ann (editor)" in _texts(at)


def test_users_file_holds_no_plain_password(hosted):
    raw = (hosted / "users.json").read_bytes()
    for pw in PASSWORDS.values():
        assert pw.encode() not in raw
    assert raw.count(b"$argon2id$") == 2


@pytest.mark.parametrize("entry", [p for p in nav.PAGES if not p.shared], ids=lambda p: p.label)
def test_a_viewer_gets_the_gate_and_no_upload_on_every_other_page(hosted, entry):
    at = _app(entry.path, as_="vic")                              # a fresh session opening the page's URL
    assert not at.exception, entry.path
    assert _logged_in(at) and GATE in _texts(at)
    assert not at.file_uploader, entry.path
    assert not at.get("download_button"), entry.path
    assert not [b for b in at.button if b.key != "cx_logout"], entry.path
    assert not at.dataframe and not at.get("vega_lite_chart"), entry.path
    assert "Loaded data" not in _texts(at)


def _nav_labels(at: AppTest) -> list[str]:
    return [e.proto.label for e in at.sidebar.get("page_link")]


def test_the_sidebar_shows_a_viewer_only_the_shared_pages(hosted):
    editor = _app(as_="ann")
    assert _nav_labels(editor)[:len(nav.PAGES)] == [p.label for p in nav.PAGES]
    viewer = _app(as_="vic")
    assert _nav_labels(viewer) == [p.label for p in nav.PAGES if p.shared] == ["Saved analysis"]


def _share_orders_as_ann(title: str = "Revenue <b>by</b> channel") -> tuple[AppTest, str]:
    at = _app(as_="ann")
    at.switch_page("pages/2_Orders.py").run()
    assert not at.exception
    at.text_input(key="spec_orders_share_title").input(title)
    at.button(key="spec_orders_share").click().run()
    assert not at.exception
    link = at.code[0].value
    found = re.fullmatch(r"Saved_analysis\?analysis=([A-Za-z0-9_-]+)&lang=en", link)
    assert found, link
    return at, found.group(1)


def test_an_editor_shares_and_a_viewer_opens_the_link_read_only(hosted):
    _, analysis_id = _share_orders_as_ann()
    ws = Workspace(hosted / "data")
    spec = ws.get_analysis(analysis_id)
    assert spec.author == "ann" and spec.title == "Revenue <b>by</b> channel" and spec.page == "orders"
    assert [d.owner for d in ws.list_datasets("ann")] == ["ann"]
    expected = cx.open_analysis(analysis_id, workspace=ws)
    at = _app(SAVED, analysis=analysis_id, as_="vic")
    assert not at.exception
    text = _texts(at)
    assert "Revenue <b>by</b> channel" in text and "Shared by ann on" in text
    assert "from Nov 1, 2025 to Oct 31, 2026" in text                # the data's date range, as people write it
    assert at.dataframe[0].value.equals(expected.to_frame())
    assert at.get("vega_lite_chart")
    assert not at.file_uploader and not [b for b in at.button if b.key != "cx_logout"]


def test_a_viewer_cannot_reach_editor_actions_by_url(hosted):
    _, analysis_id = _share_orders_as_ann()
    at = _app(as_="vic")
    at.switch_page(SAVED).run()                                       # the list, without ?analysis=
    assert not at.exception
    assert [e.proto.label.replace("\\", "") for e in at.main.get("page_link")][0] == "Revenue <b>by</b> channel"
    assert not at.file_uploader                                       # no spec upload for viewers
    assert not [b for b in at.button if b.key != "cx_logout"]         # no delete buttons
    assert not at.get("download_button")
    for path in ("pages/0_Data.py", "pages/8_Definitions.py", "pages/7_Experiments.py"):
        at.switch_page(path).run()                                    # same session, another URL
        assert GATE in _texts(at) and not at.file_uploader, path


def test_the_author_deletes_the_analysis_and_its_link_stops_opening(hosted):
    ann, analysis_id = _share_orders_as_ann()
    ann.switch_page(SAVED).run()
    ann.button(key=f"del_analysis_{analysis_id}").click().run()
    assert not ann.exception
    at = _app(SAVED, analysis=analysis_id, as_="vic")
    assert "does not exist or was deleted" in _texts(at) and not at.exception


def test_deleting_stored_data_asks_first_then_its_analysis_says_the_data_was_deleted(hosted):
    """Finding 8: deleting data an analysis uses asks; afterwards the link says its data was deleted."""
    ann, analysis_id = _share_orders_as_ann()
    ann.switch_page(SAVED).run()
    ds_id = Workspace(hosted / "data").get_analysis(analysis_id).dataset_id
    ann.button(key=f"del_dataset_{ds_id}").click().run()
    assert not ann.exception
    assert "1 of your shared analyses use this data" in _texts(ann)                  # asked, nothing deleted yet
    assert len(list((hosted / "data" / "datasets").glob("*.parquet"))) == 1
    ann.button(key=f"del_dataset_no_{ds_id}").click().run()                          # kept
    assert "use this data" not in _texts(ann) and Workspace(hosted / "data").has_dataset(ds_id)
    ann.button(key=f"del_dataset_{ds_id}").click().run()
    ann.button(key=f"del_dataset_yes_{ds_id}").click().run()
    assert not ann.exception
    assert not list((hosted / "data" / "datasets").glob("*.parquet"))
    assert "Its data was deleted" in _texts(ann)                                      # the list says so too
    at = _app(SAVED, analysis=analysis_id, as_="vic")
    assert "data of this analysis was deleted by the person who shared it" in _texts(at) and not at.exception
    assert not at.dataframe and not at.get("vega_lite_chart")


def test_the_same_file_from_two_editors_shows_each_editors_own_name_and_deletion(hosted):
    """Finding 8: eve's analysis of the bytes ann stored too shows eve's file name, and after eve deletes
    her data her analysis says so although ann still stores the same content."""
    users = UsersFile(hosted / "users.json")
    users.add("eve", "eve-correct-horse", "editor")
    orders = cx.load(ROOT / "sample_data" / "orders_shopify.csv")
    ws = Workspace(hosted / "data")
    from dataclasses import replace
    ws.put_dataset(replace(orders, name="ann_board_q3.csv"), owner="ann")
    ws.put_dataset(replace(orders, name="eve_orders.csv"), owner="eve")
    spec = ws.save_analysis(cx.make_spec("orders", orders, {"view": "by", "by": "channel"}, title="Eve's", author="eve"))
    at = _app(SAVED, analysis=spec.id, as_="vic")
    assert "Data: eve_orders.csv" in _texts(at) and "ann_board_q3" not in _texts(at)
    ws.delete_dataset(spec.dataset_id, user="eve")
    at = _app(SAVED, analysis=spec.id, as_="vic")
    assert "deleted by the person who shared it" in _texts(at) and not at.dataframe
    assert ws.has_dataset(spec.dataset_id)                                            # ann's copy stays


@pytest.mark.parametrize("bad", ["A" * 16, "../../etc/passwd", "<script>x</script>", "x"])
def test_an_unknown_analysis_id_gives_a_clear_message(hosted, bad):
    _share_orders_as_ann()                                            # a workspace exists, without that id
    at = _app(SAVED, analysis=bad, as_="vic")
    assert not at.exception
    assert "This link does not open an analysis: it does not exist or was deleted." in _texts(at)
    assert not at.dataframe


def test_unknown_id_on_a_fresh_instance_is_explained_too(hosted):
    at = _app(SAVED, analysis="A" * 16, as_="ann")
    assert not at.exception and "does not exist or was deleted" in _texts(at)
    assert not (hosted / "data").exists()                             # reading does not create a workspace


def test_a_removed_user_is_logged_out_at_the_next_click(hosted):
    at = _app(as_="ann")
    assert _logged_in(at)
    UsersFile(hosted / "users.json").remove("ann")
    at.run()
    assert not _logged_in(at) and "You are logged out" in _texts(at) and not at.file_uploader


def test_a_password_change_ends_open_sessions_at_the_next_click(hosted):
    """Finding 9: changing a user's password ends their logins (and so their open sessions)."""
    at = _app("pages/0_Data.py", as_="ann")
    assert _logged_in(at) and at.file_uploader
    UsersFile(hosted / "users.json").add("ann", "a brand new password", "editor")
    at.run()
    assert not _logged_in(at) and not at.file_uploader and "You are logged out" in _texts(at)


def test_a_role_change_counts_at_the_next_click(hosted):
    at = _app("pages/0_Data.py", as_="vic")
    assert GATE in _texts(at)
    users = UsersFile(hosted / "users.json")
    users._save({**users._load(), "vic": {**users._load()["vic"], "role": "editor"}})   # same hash, new role
    at.run()
    assert at.file_uploader and GATE not in _texts(at)


def test_log_out_ends_the_login_and_forgets_the_session(hosted):
    token = login_token("ann")
    at = _app(token=token)
    assert at.session_state["datasets"]
    at.button(key="cx_logout").click().run()
    assert not _logged_in(at) and "datasets" not in at.session_state
    assert logins().get(token) is None                                # the cookie's token is dead for every tab
    assert "You are logged out" in _texts(at)


# --- OIDC (st.login): the identity provider itself cannot run offline; st.user is seeded as AppTest allows
OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
        "client_secret": "secret", "server_metadata_url": "https://example.com/.well-known/openid-configuration"}


@pytest.fixture
def oidc(hosted, monkeypatch):
    monkeypatch.setenv("CX_EDITORS", "Boss@Example.com, other@example.com")
    monkeypatch.setattr(auth, "_authlib_installed", lambda: True)
    return hosted


def _oidc_app(user: dict, path: str = "pages/0_Data.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    at.secrets["auth"] = OIDC
    at.user = user
    return at.run()


def test_oidc_asks_to_log_in_with_the_provider(oidc):
    at = _oidc_app({"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"] and not at.file_uploader
    assert not any(w.key == "cx_login_password" for w in at.text_input)     # no password form


@pytest.mark.parametrize("user, editor", [
    ({"is_logged_in": True, "email": "boss@example.com", "name": "Bo Ss"}, True),
    ({"is_logged_in": True, "email": "boss@example.com", "email_verified": False}, False),
    ({"is_logged_in": True, "email": "someone@example.com"}, False),
])
def test_oidc_role_comes_from_cx_editors(oidc, user, editor):
    at = _oidc_app(user)
    assert not at.exception
    assert bool(at.file_uploader) is editor
    assert (GATE in _texts(at)) is (not editor)


# --- local mode: exactly as before, no login
def test_local_mode_has_no_login_and_shares_as_local(monkeypatch, tmp_path):
    monkeypatch.delenv("CX_MODE", raising=False)
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "data"))
    at = _app()
    assert not at.exception
    assert not any(w.key == "cx_login_name" for w in at.text_input) and not _logged_in(at)
    assert "CX scorecard" in _texts(at) and at.session_state["datasets"]
    at.switch_page("pages/0_Data.py").run()
    assert at.file_uploader
    at.switch_page("pages/4_Funnels.py").run()
    at.button(key="spec_funnel_share").click().run()
    analysis_id = at.code[0].value.split("analysis=", 1)[1].split("&", 1)[0]
    assert Workspace(tmp_path / "data").get_analysis(analysis_id).author == "local"
    at.switch_page(SAVED).run()
    assert at.file_uploader and any(b.key == f"del_analysis_{analysis_id}" for b in at.button)


def test_shared_pages_in_the_registry_are_the_pages_that_let_viewers_in():
    for entry in nav.PAGES:
        text = (ROOT / entry.path).read_text(encoding="utf-8")
        call = next(ln for ln in text.splitlines() if ln.startswith("ui.shell("))
        assert ("shared=True" in call) is entry.shared, entry.path


SHARE_BUTTONS = [("app.py", "spec_scorecard"), ("pages/1_Survey.py", "spec_survey"), ("pages/2_Orders.py", "spec_orders"),
                 ("pages/3_Support.py", "spec_support"), ("pages/4_Funnels.py", "spec_funnel"),
                 ("pages/5_Segments.py", "spec_segments"), ("pages/6_Retention.py", "spec_retention_cohorts"),
                 ("pages/6_Retention.py", "spec_retention_churn"), ("pages/6_Retention.py", "spec_retention_clv"),
                 ("pages/7_Experiments.py", "spec_experiment")]


@pytest.mark.parametrize("path, key", SHARE_BUTTONS, ids=[k for _, k in SHARE_BUTTONS])
def test_every_analysis_page_saves_and_shares_what_it_shows(hosted, path, key):
    at = _app(as_="ann")
    at.switch_page(path).run()
    at.text_input(key=f"{key}_share_title").input(f"Shared {key}")
    at.button(key=f"{key}_share").click().run()
    assert not at.exception, path
    analysis_id = at.code[0].value.split("analysis=", 1)[1].split("&", 1)[0]
    ws = Workspace(hosted / "data")
    spec = ws.get_analysis(analysis_id)
    assert spec.title == f"Shared {key}" and spec.author == "ann"
    expected = cx.open_analysis(analysis_id, workspace=ws)
    viewer = _app(SAVED, analysis=analysis_id, as_="vic")
    assert not viewer.exception and f"Shared {key}" in _texts(viewer)
    assert viewer.dataframe[0].value.equals(expected.to_frame())
    assert expected.summary() in _texts(viewer)


def test_a_workspace_that_cannot_be_written_is_explained_not_a_traceback(hosted, monkeypatch):
    import sqlite3
    from cxlib.saved import workspace as ws_module

    def broken(self, spec):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    monkeypatch.setattr(ws_module.Workspace, "save_analysis", broken)
    at = _app(as_="ann")
    at.switch_page("pages/2_Orders.py").run()
    at.button(key="spec_orders_share").click().run()
    assert not at.exception
    assert "could not be saved in the workspace (attempt to write a readonly database)" in _texts(at)
    assert not at.code


@pytest.mark.parametrize("lang", ["zh", "ru"])
def test_a_link_shared_in_another_language_opens_in_it_with_no_english_left(hosted, lang):
    from tests.i18n_scan import english_left, page_texts
    _, analysis_id = _share_orders_as_ann(title="Q3")
    at = _app(SAVED, analysis=analysis_id, lang=lang, as_="vic")
    assert not at.exception and at.get("vega_lite_chart")
    data = {"orders_shopify", "csv", "ann", "vic", "eur"}                   # file name, accounts, currency code
    left = english_left(page_texts(at), data)
    assert not left, left[:10]
