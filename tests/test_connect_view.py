"""AppTest of the Data page's "Connect a table" (ui/connect_view.py): a DuckDB file's table loaded like an
uploaded file, its mapping editable, errors as one sentence, and the URL's password never on the page, in
the session state or in a saved analysis; a hosted instance does not offer it."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow.csv as pacsv
import pytest
from streamlit.testing.v1 import AppTest

from tests.engines import PASSWORD, free_port
from tests.test_auth import hosted, login_token  # noqa: F401 - the hosted-instance fixture

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CONNECT = "FormSubmitter:connect_form-Connect"


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("connect") / "shop.db"
    with duckdb.connect(str(path)) as con:
        for file, name in (("orders_shopify.csv", "orders"), ("events.csv", "events")):
            con.register("src", pacsv.read_csv(ROOT / "sample_data" / file))
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM src")
            con.unregister("src")
    return path


def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["samples_removed"] = True
    at.run()
    return at.switch_page("pages/0_Data.py").run()


def _connect(at: AppTest, url: str) -> AppTest:
    at.text_input(key="connect_url").input(url)
    return at.button(key=CONNECT).click().run()


def _rendered(at: AppTest) -> str:
    """Everything the page sends to the browser (every element's message, widget values included)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at._tree)
    return "\n".join(parts)


def _session(at: AppTest) -> str:
    return "\n".join(f"{k}={v!r}" for k, v in at.session_state._state.filtered_state.items())


def test_a_duckdb_table_is_loaded_like_a_file_and_its_mapping_stays_editable(shop_db):
    from cxlib.data.loader import load_path
    at = _data_page()
    assert not at.exception
    _connect(at, f"duckdb://{shop_db}")
    assert not at.exception and not at.error
    assert at.selectbox(key="connect_table").options == ["events", "orders"]
    at.selectbox(key="connect_table").select("orders").run()
    at.button(key="connect_load").click().run()
    assert not at.exception and not at.error
    (ds_id, ds), = at.session_state["datasets"].items()
    want = load_path(ROOT / "sample_data" / "orders_shopify.csv")
    assert ds.name == f"orders @ duckdb://{shop_db}" and ds.role == "orders"
    assert (ds.report.rows, ds.mapping) == (want.report.rows, want.mapping)
    assert any(e.label.startswith("Orders · orders @ duckdb") for e in at.expander)
    # the mapping editor reads the table again, on the connection kept open (the URL is not kept)
    at.selectbox(key=f"map_{ds_id}_orders_channel").select("—").run()
    at.button(key=f"apply_{ds_id}").click().run()
    assert not at.exception and not at.error
    (_, again), = at.session_state["datasets"].items()
    assert "channel" not in again.mapping and again.report.rows == want.report.rows
    assert at.text_input(key="connect_url").value == ""


def test_unknown_table_and_bad_url_are_one_sentence(tmp_path):
    at = _data_page()
    _connect(at, "mysql://root:hunter2secret@db/shop")
    assert not at.exception
    assert len(at.error) == 1 and "cannot use the source" in at.error[0].value.replace("\\", "")
    assert "hunter2secret" not in _rendered(at) and "hunter2secret" not in _session(at)
    path = tmp_path / "gone.db"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE answers AS SELECT 9 AS nps")
    _connect(at, f"duckdb://{path}")
    assert at.selectbox(key="connect_table").options == ["answers"]
    with duckdb.connect(str(path)) as con:                       # gone before it is loaded
        con.execute("DROP TABLE answers")
    at.button(key="connect_load").click().run()
    assert not at.exception and not at.session_state["datasets"]
    assert len(at.error) == 1 and "no table 'answers'" in at.error[0].value.replace("\\", "")


def test_the_password_typed_is_nowhere_on_the_page_or_in_the_session():
    url = f"postgres://cx:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}/shop"     # nobody listens there
    at = _data_page()
    _connect(at, url)
    assert not at.exception
    assert len(at.error) == 1 and "could not connect to postgres://cx:***@127.0.0.1" in at.error[0].value.replace("\\", "")
    page, session = _rendered(at), _session(at)
    for secret in (PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD)):
        assert secret not in page and secret not in session
    assert at.text_input(key="connect_url").value == ""


@pytest.mark.slow
def test_a_postgres_table_saved_and_shared_never_holds_the_password(postgres_url, tmp_path, monkeypatch):
    from cxlib.data.sources import connect
    from tests.engines import load_postgres
    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "data"))
    with connect(postgres_url) as src:
        load_postgres(src, "orders_page", pacsv.read_csv(ROOT / "sample_data" / "orders_shopify.csv"))
    at = _data_page()
    _connect(at, postgres_url)
    at.selectbox(key="connect_table").select("orders_page").run()
    at.button(key="connect_load").click().run()
    assert not at.exception and not at.error
    (_, ds), = at.session_state["datasets"].items()
    assert ds.name.startswith("orders_page @ postgres://cx:***@127.0.0.1:")
    at.switch_page("pages/2_Orders.py").run()
    assert not at.exception
    at.button(key="spec_orders_share").click().run()
    assert not at.exception and at.session_state["spec_orders_share_link"]["id"]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert stored                                                            # the analysis was saved there
    page, session = _rendered(at), _session(at)
    for secret in (PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD)):
        assert secret not in page and secret not in session and secret.encode() not in stored
    assert b"orders_page @ postgres://cx:***@127.0.0.1" in stored   # the dataset's masked name was saved


def test_a_hosted_instance_offers_no_connection(hosted):  # noqa: F811 - the fixture imported above
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"cx_login": login_token("ann")}                               # an editor
    at.run()
    at.switch_page("pages/0_Data.py").run()
    assert not at.exception
    assert any(e.label == "Upload files" for e in at.get("file_uploader"))   # the editor's Data page
    assert not any(e.label == "Connect a table" for e in at.expander)
