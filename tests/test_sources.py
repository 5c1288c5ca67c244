"""cxlib.data.sources: URL parsing, credential masking, DuckDB files, missing drivers; a real PostgreSQL
server and a local Spark session (slow, from the session fixtures in tests/conftest.py)."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.errors import CxDataError
from cxlib.data.sources import ENGINES, connect, mask_url, parse_url

SECRET = "s3cr3t:P@ss/w%rd"


def test_postgres_url_parts_and_masked_forms():
    u = parse_url("postgres://bob:s3cr3t%3AP%40ss%2Fw%25rd@db.example:5433/shop?sslmode=require")
    assert (u.engine, u.user, u.password, u.host, u.port, u.parts) == (
        "postgres", "bob", SECRET, "db.example", 5433, ["shop"])
    assert dict(u.options) == {"sslmode": "require"}
    for shown in (str(u), repr(u), u.masked):
        assert "s3cr3t" not in shown and "***" in shown
    assert str(u) == "postgres://bob:***@db.example:5433/shop?sslmode=require"


def test_duckdb_urls_are_paths_not_hosts():
    assert parse_url("duckdb://").path == ""
    assert parse_url("duckdb:///abs/shop.db").path == "/abs/shop.db"
    assert parse_url("duckdb://rel/shop.db?read_only=true").options == (("read_only", "true"),)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20))
def test_no_password_survives_masking(password):
    from urllib.parse import quote
    url = f"postgres://u:{quote(password, safe='')}@h:5432/db"
    assert parse_url(url).password == password
    assert mask_url(url) == "postgres://u:***@h:5432/db"


def test_unknown_scheme_names_the_accepted_ones_without_the_password():
    with pytest.raises(CxDataError, match=r"postgres://, pyspark://") as err:
        connect("mysql://root:hunter2@h/db")
    assert "hunter2" not in str(err.value) and "***" in str(err.value)


@pytest.mark.parametrize("password", ["hunter2", "hun@ter2", "hun:ter@2"])
def test_bad_port_is_a_clear_error_without_the_password(password):
    with pytest.raises(CxDataError, match="host and port") as err:
        connect(f"postgres://u:{password}@h:notaport/db")
    assert "ter2" not in str(err.value) and "u:***@h:notaport" in str(err.value)


@pytest.mark.parametrize("url,package", [
    ("bigquery://my-project/analytics_123", "ibis-framework[bigquery]"),
    ("snowflake://u:hunter2@acct/db/schema?warehouse=wh", "ibis-framework[snowflake]"),
    ("clickhouse://u:hunter2@localhost:9000/default", "ibis-framework[clickhouse]"),
    ("trino://u@localhost:8080/hive/default", "ibis-framework[trino]"),
])
def test_warehouse_without_its_driver_says_what_to_install(url, package):
    from cxlib.data.sources import _importable
    if _importable(ENGINES[url.split(":")[0]][1]):
        pytest.skip("this engine's driver is installed here")
    with pytest.raises(CxDataError, match="not installed") as err:
        connect(url)
    assert f"pip install '{package}'" in str(err.value) and "hunter2" not in str(err.value)


def test_duckdb_file_table_and_missing_table(tmp_path):
    path = tmp_path / "shop.db"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders AS SELECT * FROM (VALUES ('a', 10.0), ('b', 2.5)) t(customer_id, amount)")
        con.execute("CREATE SCHEMA crm; CREATE TABLE crm.people AS SELECT 'a' AS customer_id")
    with cx.connect(f"duckdb://{path}?read_only=true") as src:
        assert src.engine == "duckdb" and src.list_tables() == ["orders"]
        assert src.table("orders").amount.sum().execute() == 12.5
        assert src.table("crm.people").count().execute() == 1
        with pytest.raises(CxDataError, match=r"no table 'nope'.*Tables there: orders"):
            src.table("nope")


def test_duckdb_file_that_does_not_exist_is_not_created(tmp_path):
    with pytest.raises(CxDataError, match="no DuckDB database"):
        connect(f"duckdb://{tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()


def test_unreachable_server_error_never_shows_the_password():
    from tests.engines import free_port
    url = f"postgres://bob:hunter2secret@127.0.0.1:{free_port()}/db"
    with pytest.raises(CxDataError, match="could not connect to postgres://bob:\\*\\*\\*@127.0.0.1") as err:
        connect(url)
    assert "hunter2secret" not in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


# ------------------------------------------------------------------ real servers (session fixtures)
@pytest.mark.slow
def test_postgres_server_reads_a_loaded_table_and_hides_the_password(postgres_url):
    import pyarrow as pa

    from tests.engines import PASSWORD, load_postgres
    src = connect(postgres_url)
    assert PASSWORD not in repr(src) and PASSWORD not in str(src) and ":***@" in str(src)
    frame = pd.DataFrame({"id": ["x", "", None], "n": [1.5, None, 3.0],
                          "ts": pd.to_datetime(["2026-01-01 00:00:00.000001", None, "2026-06-30 23:59:59.5"], utc=True)})
    load_postgres(src, "t_roundtrip", pa.Table.from_pandas(frame, preserve_index=False))
    got = src.table("t_roundtrip").order_by("n").execute()
    assert got["id"].tolist()[0] == "x" and got["id"].isna().sum() == 1 and "" in got["id"].tolist()
    assert got["ts"].dropna().dt.tz_convert("UTC").tolist() == frame["ts"].dropna().tolist()
    assert src.table("public.t_roundtrip").count().execute() == 3
    src.close()
    wrong = "postgres://cx:wrong-pw@" + postgres_url.split("@", 1)[1]
    with pytest.raises(CxDataError, match="could not connect") as err:
        connect(wrong)
    assert "wrong-pw" not in str(err.value) and PASSWORD not in str(err.value)


@pytest.mark.slow
def test_local_spark_session_settings(spark_source):
    conf = spark_source.backend._session.conf
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark_source.backend._session.sparkContext.master == "local[2]"
    assert str(spark_source) == "pyspark://"
