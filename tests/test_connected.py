"""cxlib.data.connected and ``--source URL --table NAME``: a table in DuckDB, a real PostgreSQL server
(session fixture ``postgres_url``) and Spark local gives the very numbers of the same data as a file.

The sample files are loaded into each engine with typed columns (pyarrow's CSV inference: ints, doubles,
UTC timestamps, text), as a real table would hold them; the commands' JSON from the table must equal the
JSON from the file, key by key, warnings included.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import cxlib as cx
from cxlib.cli.main import main
from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.data.loader import load_path
from cxlib.data.sources import mask_url
from cxlib.data.table import Limits
from tests.conftest import SAMPLE
from tests.engines import PASSWORD

ROOT = SAMPLE.parent

# command -> (sample file, table name, extra arguments)
COMMANDS = {
    "orders": ("orders_shopify.csv", "orders", []),
    "survey": ("survey_responses.csv", "survey", []),
    "funnel": ("events.csv", "events", ["--steps", "view_item,add_to_cart,purchase", "--window", "7d"]),
    "support": ("tickets_zendesk.csv", "tickets", []),
    "abtest": ("experiment_checkout.csv", "experiment", []),
    "timing": ("events.csv", "events", ["--tz", "Europe/Berlin"]),
    "channels": ("messages_klaviyo.csv", "messages", []),
    "rfm": ("orders_shopify.csv", "orders", []),
    "cohorts": ("orders_shopify.csv", "orders", []),
    "churn": ("orders_shopify.csv", "orders", []),
    "clv": ("orders_shopify.csv", "orders", []),
    "inspect": ("tickets_zendesk.csv", "tickets", []),
}
TABLES = list(dict.fromkeys((file, name) for file, name, _ in COMMANDS.values()))   # each table loaded once
SECRETS = (PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD))


def _arrow(file: str) -> pa.Table:
    return pacsv.read_csv(SAMPLE / file)


def _run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def _pg_name(header: str) -> str:
    return header.encode()[:63].decode("utf-8", errors="ignore").strip()     # (the readers strip names)


def _no_secret(*texts: object) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in str(text), f"the password shows in: {str(text)[:200]}"


@pytest.fixture(scope="module")
def duck_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("connected") / "shop.db"
    with duckdb.connect(str(path)) as con:
        for file, name in TABLES:
            con.register("src", _arrow(file))
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM src')
            con.unregister("src")
    return f"duckdb://{path}"


@pytest.fixture(scope="module")
def pg_url(postgres_url) -> str:
    from cxlib.data.sources import connect
    from tests.engines import load_postgres
    with connect(postgres_url) as src:
        for file, name in TABLES:
            load_postgres(src, name, _arrow(file))
    return postgres_url


@pytest.fixture(scope="module")
def file_results() -> dict[str, dict]:
    import contextlib
    import io
    out = {}
    for command, (file, _, extra) in COMMANDS.items():
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main([command, str(SAMPLE / file), *extra, "--json"]) == 0
        out[command] = json.loads(buf.getvalue())
    return out


def _numbers(out: dict) -> dict:
    """A command's JSON without what describes the bytes rather than the data: ``data_hash`` (the experiment's
    fingerprint of what it read) and ``inspect``'s delimiter and encoding (a table has neither)."""
    return {k: v for k, v in out.items() if k not in ("data_hash", "delimiter", "encoding")}


# ------------------------------------------------------------------ same numbers as the file
@pytest.mark.parametrize("command", list(COMMANDS))
def test_duckdb_table_gives_the_files_json(command, duck_url, file_results, capsys):
    _, table, extra = COMMANDS[command]
    code, got, err = _run(capsys, command, "--source", duck_url, "--table", table, *extra)
    assert code == 0, err
    assert _numbers(got) == _numbers(file_results[command])


def _close(a, b, rel: float) -> bool:
    """Equal JSON, floats to ``rel`` relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return a == b or abs(a - b) <= rel * max(abs(a), abs(b))
    return a == b


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_postgres_table_gives_the_files_json_and_never_the_password(command, pg_url, file_results, capsys):
    _, table, extra = COMMANDS[command]
    code, got, err = _run(capsys, command, "--source", pg_url, "--table", table, *extra)
    assert code == 0, err
    # PostgreSQL returns the rows in its own order, so sums add in another order (last bits); the CLV models'
    # fitted parameters amplify that through the optimizer to ~1e-8
    assert _close(_numbers(got), _numbers(file_results[command]), 1e-6 if command == "clv" else 1e-9)
    _no_secret(json.dumps(got, ensure_ascii=False), err)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_load_table_builds_the_files_dataset(command, pg_url, duck_url):
    file, table, _ = COMMANDS[command]
    want = load_path(SAMPLE / file)
    for url in (pg_url, duck_url):
        ds = cx.load_table(url, table)
        name = _pg_name if url.startswith("postgres") else str        # PostgreSQL cuts names to 63 bytes
        assert (ds.role, ds.report.rows, ds.report.rows_in) == (want.role, want.report.rows, want.report.rows_in)
        assert ds.mapping == {k: name(v) for k, v in want.mapping.items()}
        assert ds.report.source_columns == tuple(map(name, want.report.source_columns))
        assert (ds.report.duplicates, ds.report.formulas, ds.report.missing) == (
            want.report.duplicates, want.report.formulas, want.report.missing)
        assert [str(w) for w in ds.warnings] == [str(w) for w in want.warnings]
        common = [c for c in want.df.columns if c in ds.df.columns]
        assert set(ds.mapping) & set(want.df.columns) <= set(common)
        rows = (ds.df[common].sort_values(common).reset_index(drop=True),     # a table has no row order
                want.df[common].sort_values(common).reset_index(drop=True))
        assert rows[0].equals(rows[1]), url.split(":")[0]
        assert cx.load_table(url, table).key == ds.key                        # the same key each time it is read
        assert ds.name == f"{table} @ {mask_url(url)}" and ("***" in ds.name) == url.startswith("postgres")
        _no_secret(ds.name, repr(ds), ds.report, ds.warnings)


# ------------------------------------------------------------------ what is read, and when it is refused
def test_only_mapped_columns_are_read_yet_whole_row_counts_equal_the_files(tmp_path, monkeypatch):
    """Rows that are copies only in the mapped columns are not copies; formula-looking cells in a column that
    is not read are counted; the unread column's text never reaches Python."""
    csv = ("user_id,event,timestamp,note\n"
           "u1,view,2024-01-01 10:00,=HYPERLINK(\"x\")\n"
           "u1,view,2024-01-01 10:00,@SUM(A1)\n"           # same mapped cells, other note: not a copy
           "u2,view,2024-01-01 11:00,-5\n"                 # a number, not a formula
           "u2,view,2024-01-01 11:00,-5\n"                 # a real copy
           "u3,cart,2024-01-02 09:00,\"=\"\"abc\"\"\"\n")  # an Excel ="abc" wrapper: text, not a formula
    path = tmp_path / "events.csv"
    path.write_text(csv, encoding="utf-8")
    db = tmp_path / "x.db"
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE ev AS SELECT * FROM read_csv('{path}', all_varchar=true)")
    want = load_path(path)
    assert (want.report.duplicates, want.report.formulas) == (1, 2)
    seen = []
    from cxlib.data import formats
    real = formats.read_arrow
    monkeypatch.setattr(formats, "read_arrow", lambda tbl, *a, **k: seen.append(tbl.column_names) or real(tbl, *a, **k))
    ds = cx.load_table(f"duckdb://{db}", "ev")
    assert seen[0] == ["user_id", "event", "timestamp", "note"]        # the sample: every column
    assert seen[1] == ["user_id", "event", "timestamp"]                # the whole table: mapped columns only
    assert (ds.report.duplicates, ds.report.formulas) == (1, 2)
    assert [str(w) for w in ds.warnings] == [str(w) for w in want.warnings]


def test_row_limit_is_refused_before_any_row_is_read(duck_url, monkeypatch, capsys):
    from cxlib.data import formats

    def never(*_a, **_k):
        raise AssertionError("rows were read")
    monkeypatch.setattr(formats, "read_arrow", never)
    with pytest.raises(CxLimitError, match=r"15,673 rows, over the 1,000-row limit"):
        cx.load_table(duck_url, "events", limits=Limits(max_rows=1_000))
    monkeypatch.setenv("CX_MAX_ROWS", "1000")
    code, _, err = _run(capsys, "funnel", "--source", duck_url, "--table", "events", "--steps", "view_item,purchase")
    assert code == 2 and err.startswith("error: events @ duckdb://") and "1,000-row limit" in err


def test_wrong_role_and_mapping_options_work_on_a_table(duck_url, capsys, tmp_path):
    code, _, err = _run(capsys, "survey", "--source", duck_url, "--table", "orders")
    assert code == 2 and "orders @ duckdb://" in err and "no column found for" in err
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"channel": None}}), encoding="utf-8")
    code, got, err = _run(capsys, "orders", "--source", duck_url, "--table", "orders", "--mapping", str(mapping),
                          "--map", "status.paid=pending")
    assert code == 0, err
    code, base, _ = _run(capsys, "orders", "--source", duck_url, "--table", "orders")
    assert got["valid_orders"] < base["valid_orders"]          # paid orders now count as pending: not valid
    assert got["status_counts"]["pending"] > base["status_counts"]["pending"]


def test_contract_shape_holds_for_a_table(duck_url, contract_problems):
    assert contract_problems("orders", "--source", duck_url, "--table", "orders") == []
    assert contract_problems("inspect", "--source", duck_url, "--table", "survey") == []


# ------------------------------------------------------------------ the command line's input rules
@pytest.mark.parametrize("argv, words", [
    (["orders", "sample_data/orders_shopify.csv", "--source", "duckdb://", "--table", "t"], "not both"),
    (["orders"], "name the input"),
    (["orders", "--source", "duckdb://"], "--source needs --table"),
    (["orders", "--table", "orders"], "--table needs --source"),
])
def test_file_and_source_exactly_one(argv, words, capsys):
    code, _, err = _run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0] and "Traceback" not in err


def test_argparse_errors_never_echo_a_password(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["orders", "--src=postgres://bob:hunter2secret@db/shop", "--json"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "hunter2secret" not in err and "bob:***@db" in err


# ------------------------------------------------------------------ credentials, with a real server
@pytest.mark.slow
def test_wrong_password_and_unknown_table_never_show_the_password(pg_url, capsys):
    wrong_pw = "Wr0ng:@/%pass"
    wrong = f"postgres://cx:{quote(wrong_pw, safe='')}@" + pg_url.split("@", 1)[1]
    code, _, err = _run(capsys, "orders", "--source", wrong, "--table", "orders")
    assert code == 2 and "could not connect to postgres://cx:***@127.0.0.1:" in err
    for secret in (wrong_pw, quote(wrong_pw, safe="")):
        assert secret not in err
    code, _, err = _run(capsys, "orders", "--source", pg_url, "--table", "nope")
    assert code == 2 and "there is no table 'nope'" in err and "orders" in err     # the tables there are named
    _no_secret(err)
    with pytest.raises(CxDataError) as raised:
        cx.load_table(pg_url, "nope")
    _no_secret(str(raised.value), repr(raised.value), raised.value.msg)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_spark_table_gives_the_files_json(command, spark_source, file_results, capsys, tmp_path):
    from tests.engines import load_spark
    file, table, extra = COMMANDS[command]
    load_spark(spark_source, f"{table}_spark", _arrow(file), tmp_path)
    code, got, err = _run(capsys, command, "--source", "pyspark://", "--table", f"{table}_spark", *extra)
    assert code == 0, err
    assert _close(_numbers(got), _numbers(file_results[command]), 1e-6 if command == "clv" else 1e-9)


@pytest.mark.slow
def test_the_readme_parity_example_prints_the_files_counts_on_postgres_and_spark(pg_url, spark_source, capsys,
                                                                                   tmp_path):
    """README, "Data in a database or a cluster": the three funnel lines of the parity example, run as written
    (the PostgreSQL URL is this test's server; the Spark session holds the sample events as `events`)."""
    import re
    import shlex

    from tests.engines import load_spark
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- parity example")[1].split("```bash")[1].split("```")[0]
    lines = [shlex.split(line)[1:] for line in block.strip().splitlines() if line.startswith("cxlib funnel")]
    assert len(lines) == 3
    load_spark(spark_source, "events", _arrow("events.csv"), tmp_path)
    counts = []
    for argv in lines:
        argv = [re.sub(r"^postgres://.*", pg_url, a) for a in argv]
        argv = [str(ROOT / a) if a.startswith("sample_data/") else a for a in argv]
        code, got, err = _run(capsys, *argv)
        assert code == 0, err
        counts.append((got["users"], got.get("breakdown")))
    assert counts[0][0][0] > 0 and counts[0] == counts[1] == counts[2]
