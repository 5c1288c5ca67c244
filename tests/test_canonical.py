"""cxlib.data.canonical: large files read by the engine into canonical Parquet.

The oracle is the careful reader (``load_bytes``): on every file the engine path either gives exactly its
frame, report and analysis results, or declines (returns None) so the careful reader reads the file.
"""
from __future__ import annotations

import json
import os
import pickle
import string

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlib.analyses.funnel import FunnelSpec, Step, event_counts, funnel
from cxlib.core.errors import CxDataError
from cxlib.data import canonical
from cxlib.data.loader import load_bytes, load_on_engine, load_path
from cxlib.data.table import Limits

SAMPLE = 4_000          # bytes the careful reader looks at in these tests (the files are larger)
STEPS = ("page_view", "view_item", "add_to_cart", "purchase")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))


def events_frame(n: int = 3_000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-03-01", tz="UTC")
    ts = start + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s") \
        + pd.to_timedelta(rng.integers(0, 10**6, n), unit="us")
    return pd.DataFrame({
        "user_id": [f"u{x}" for x in rng.integers(0, n // 8, n)],
        "event": rng.choice(list(STEPS), n, p=[0.5, 0.3, 0.15, 0.05]),
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "device": rng.choice(["mobile", "desktop", "tablet"], n),
        "page": rng.choice(["/", "/p/1", "/cart"], n),
    })


def as_json(result) -> str:
    return json.dumps(result.to_json(), sort_keys=True, default=str)      # NaN == NaN as text


def write_csv(path, df: pd.DataFrame, tail: str = "") -> None:
    path.write_text(df.to_csv(index=False) + tail, encoding="utf-8")


def both(path):
    """(engine Dataset or None, careful Dataset) of one file."""
    engine = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    careful = load_bytes(path.read_bytes(), path.name)
    return engine, careful


def assert_same(engine, careful) -> None:
    assert engine is not None and engine.on_engine
    for name in ("rows_in", "rows", "missing", "duplicates", "date_range", "formulas", "warnings", "confidence",
                 "source_columns", "encoding", "delimiter", "header_rows", "file_format", "issues", "values"):
        assert getattr(engine.report, name) == getattr(careful.report, name), name
    assert engine.mapping == careful.mapping and engine.role == careful.role
    assert engine.content_hash == careful.content_hash
    assert engine.columns == list(careful.df.columns)
    pd.testing.assert_frame_equal(engine.df, careful.df)


def assert_declines(path, frame: pd.DataFrame, tail: str):
    """``frame`` written to ``path`` with the row ``tail`` after the sample: the engine declines the file and the
    careful reader reads every row (3,001). Returns the careful Dataset."""
    write_csv(path, frame, tail)
    engine, careful = both(path)
    assert engine is None and careful.report.rows == 3_001
    return careful


def equal_or_declined(path, cache) -> None:
    """The property every file meets: the engine's Dataset equals the careful reader's, or there is none."""
    for f in cache.glob("**/*"):                 # each example starts from an empty cache
        f.unlink() if f.is_file() else None
    try:
        careful = load_bytes(path.read_bytes(), path.name)
    except CxDataError:
        return
    engine = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    if engine is not None:
        assert_same(engine, careful)


def test_a_plain_event_csv_gives_the_careful_frame_report_and_funnel(tmp_path):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    engine, careful = both(path)
    assert engine is not None and engine.on_engine
    spec = FunnelSpec(tuple(Step(s) for s in STEPS), 7 * 86400, by="device")
    a, b = funnel(engine, spec), funnel(careful, spec)
    assert engine.on_engine                                  # the funnel never made a pandas copy
    assert as_json(a) == as_json(b) and a.units[0] > 100
    order = ["user_id"]
    pd.testing.assert_frame_equal(a.paths.sort_values(order).reset_index(drop=True),
                                  b.paths.sort_values(order).reset_index(drop=True))
    pd.testing.assert_frame_equal(event_counts(engine), event_counts(careful))
    assert_same(engine, careful)


def test_step_filters_session_funnels_and_exclusions_agree(tmp_path):
    df = events_frame(seed=11)
    df["session_id"] = [f"s{x}" for x in np.random.default_rng(1).integers(0, 900, len(df))]
    path = tmp_path / "events.csv"
    write_csv(path, df)
    engine, careful = both(path)
    for spec in (FunnelSpec((Step("page_view", "page", "/"), Step("add_to_cart"), Step("purchase")), 86400),
                 FunnelSpec(tuple(Step(s) for s in STEPS), 3 * 86400, unit="session"),
                 FunnelSpec(tuple(Step(s) for s in STEPS[:3]), 7 * 86400, exclude=Step("purchase"), order="strict")):
        assert as_json(funnel(engine, spec)) == as_json(funnel(careful, spec))
    assert engine.on_engine


def test_typed_parquet_keeps_its_types_and_matches_the_careful_reader(tmp_path):
    df = events_frame(seed=3)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    df["user_id"] = df["user_id"].str[1:].astype("int64")
    df["revenue"] = np.where(df["event"] == "purchase", 19.5, np.nan)
    path = tmp_path / "events.parquet"
    df.to_parquet(path)
    engine = load_on_engine(path, limits=Limits.from_env())
    careful = load_bytes(path.read_bytes(), path.name)
    assert_same(engine, careful)
    assert engine.df["revenue"].sum() == pytest.approx(careful.df["revenue"].sum())


@pytest.mark.parametrize("dirty", [None, " u7", "", "N/A", "=cmd", "page:   "])
def test_a_typed_event_parquet_already_canonical_is_copied_as_it_is(tmp_path, dirty):
    """Text already clean and a UTC time: the canonical file is the file itself (no conversion written); one cell
    that would change (spaces, an empty id, a blank cell of a column no field reads) sends it through the
    conversion; either way the careful reader's (an id "N/A" stays an id; a formula-looking cell is counted, not
    changed)."""
    df = events_frame(seed=13)[["user_id", "event", "timestamp", "device", "page"]]
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    if dirty is not None:
        column, _, cell = dirty.rpartition(":")
        df.loc[40, column or ("device" if dirty == "=cmd" else "user_id")] = cell
    df = pd.concat([df, df.iloc[:3]], ignore_index=True)                 # copied rows
    path = tmp_path / "events.parquet"
    df.to_parquet(path)
    engine = load_on_engine(path, limits=Limits.from_env())
    careful = load_bytes(path.read_bytes(), path.name)
    assert_same(engine, careful)
    copied = pq.read_schema(engine.parquet).names == list(df.columns)
    assert copied == (dirty in (None, "N/A", "=cmd")) and careful.report.duplicates == 3
    assert careful.report.formulas == (dirty == "=cmd")


def test_whitespace_na_tokens_blank_cells_duplicates_and_formulas_count_as_the_careful_reader(tmp_path):
    df = events_frame(seed=5)
    tail = ("  u1 ,page_view,2026-03-02T10:00:00Z, mobile ,/\n"
            "u2,view_item,N/A,,/\n"
            "u2,view_item,N/A,,/\n"
            "u3,purchase,2026-03-02 11:00:00+02:00,tablet,=HYPERLINK(\"x\")\n"
            "u4,page_view,2026-03-02,desktop,-5\n"
            "u5,page_view,2026-03-03T01:02:03,   ,+cmd\n")
    path = tmp_path / "events.csv"
    write_csv(path, df, tail)
    engine, careful = both(path)
    assert_same(engine, careful)
    assert careful.report.duplicates == 1 and careful.report.formulas == 2
    assert careful.report.missing["timestamp"] == 2
    spec = FunnelSpec(tuple(Step(s) for s in STEPS[:2]), 86400)
    a, b = funnel(engine, spec), funnel(careful, spec)      # the events without a time are left out, and said so
    assert as_json(a) == as_json(b) and any("without a user or a time" in str(w) for w in a.warnings)


@pytest.mark.parametrize("tail", [
    "u9,page_view,05/03/2026 10:00,mobile,/\n",          # another date format after the sample
    "u9,page_view,2026-03-05T10:00:00Z,mobile,=\"007\"\n",   # an Excel text wrapper
    "u9,page_view,yesterday,mobile,/\n",                 # not a date at all: the careful reader names the row
])
def test_a_cell_the_sql_cannot_convert_the_careful_way_sends_the_file_to_the_careful_reader(tmp_path, tail):
    assert_declines(tmp_path / "events.csv", events_frame(), tail)
    assert not list((tmp_path / "cache").glob("**/*.parquet"))        # nothing half-written left behind


def test_revenue_with_a_decimal_comma_declines(tmp_path):
    df = events_frame()
    df["revenue"] = ""
    path = tmp_path / "events.csv"
    write_csv(path, df, "u9,purchase,2026-03-05T10:00:00Z,mobile,/,\"12,50\"\n")
    engine, careful = both(path)
    assert engine is None and careful.df["revenue"].iloc[-1] == 12.5


def test_value_maps_and_small_files_use_the_careful_reader(tmp_path, monkeypatch):
    ev = tmp_path / "events.csv"
    write_csv(ev, events_frame())
    assert load_on_engine(ev, limits=Limits.from_env(), sample_bytes=SAMPLE,
                          values={"event": {"page_view": "view"}}) is None
    assert load_path(ev).on_engine is False                       # under CX_ENGINE_LOAD_MIN_MB
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "0.01")
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", SAMPLE)
    assert load_path(ev).on_engine is True


def test_the_second_load_reuses_the_canonical_file_and_other_bytes_do_not(tmp_path, monkeypatch):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    first, careful = both(path)
    monkeypatch.setattr(canonical, "_convert", lambda *a, **k: pytest.fail("converted twice"))
    again = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    assert again.parquet == first.parquet
    assert_same(again, careful)
    monkeypatch.undo()
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    write_csv(path, events_frame(seed=99))
    other = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    assert other.parquet != first.parquet


def test_a_damaged_count_file_is_rebuilt(tmp_path):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    first = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    stats = first.parquet.replace(".parquet", ".json")
    with open(stats, "w") as f:
        f.write("{not json")
    again = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    with open(stats) as f:
        assert again.report.rows == first.report.rows and json.loads(f.read())["rows"] == first.report.rows


def test_the_row_limit_applies_to_the_whole_file(tmp_path, monkeypatch):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    monkeypatch.setenv("CX_MAX_ROWS", "2000")
    with pytest.raises(CxDataError, match="over the 2,000-row limit"):
        load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)


def test_the_dataset_reads_its_frame_only_when_asked_and_pickles_lazily(tmp_path):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    ds = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    assert ds.on_engine and ds.has("device") and not ds.has("session_id")
    assert ds.columns[:4] == ["user_id", "event", "timestamp", "device"]
    back = pickle.loads(pickle.dumps(ds))
    assert back.on_engine and back.parquet == ds.parquet
    assert len(ds.df) == 3_000 and not ds.on_engine
    t = ds.engine_table()
    assert int(t.count().execute()) == 3_000


# whitespace at either end, ASCII or not (the conversion's fast path tests the first and last code point), a
# combining mark last, NA tokens in any case and script
_cell = st.sampled_from(["", " ", "N/A", "none", "-", "  x ", "x", "=1", "+3", "\u00a0y", "ж", "y\u3000", "\u2003z",
                         "e\u0301", "NONE", "Н/Д", "—", "\u00a0"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["u1", " u2", "u3 ", "", "N/A", "42"]),
                               st.sampled_from(["page_view", "purchase", " view_item", "none", "purchase\u2009"]),
                               st.sampled_from(["2026-03-01T10:00:00Z", "2026-03-01 10:00:00", "", "n/a",
                                                "2026-03-02T23:59:59.5+01:00", "2026-03-03", "03/04/2026",
                                                "2026-13-01"]),
                               _cell), min_size=1, max_size=40))
def test_property_the_engine_equals_the_careful_reader_or_declines(tmp_path, rows):
    body = "\n".join(",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in r) for r in rows)
    path = tmp_path / "events.csv"
    write_csv(path, events_frame(400), body + "\n")
    equal_or_declined(path, tmp_path / "cache")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(0, 399), st.sampled_from(["page", "device", "user_id", "event"]),
                                st.one_of(_cell, st.sampled_from(["u1", "42", "=\"u4\"", "page_view", "purchase\u2009"]))),
                      min_size=1, max_size=4),
       duplicate=st.booleans())
def test_property_a_typed_parquet_file_equals_the_careful_reader_or_declines(tmp_path, cells, duplicate):
    """Typed times and a few text cells to clean, in the mapped fields and in a column no field reads (device is
    mapped, page is not), anywhere in the file: copied as it is, converted or declined, the engine's Dataset is
    the careful reader's."""
    df = events_frame(400)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    for row, column, cell in cells:
        df.loc[row, column] = cell
    if duplicate:
        df = pd.concat([df, df.iloc[[cells[0][0]]]], ignore_index=True)
    path = tmp_path / "events.parquet"
    df.to_parquet(path)
    equal_or_declined(path, tmp_path / "cache")


def test_ids_written_as_floats_decline(tmp_path):
    df = events_frame()
    df["user_id"] = [f"{i % 50}.0" for i in range(len(df))]
    path = tmp_path / "events.csv"
    write_csv(path, df)
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE) is None


def test_text_that_is_not_a_table_declines_quietly(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("".join(random_line(i) for i in range(400)))
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE) is None


def random_line(i: int) -> str:
    return string.ascii_lowercase[i % 26] * (i % 40 + 1) + "\n"


def test_an_upload_s_bytes_take_the_same_path_and_keep_the_upload_s_name(tmp_path, monkeypatch):
    path = tmp_path / "spool-name.csv"
    write_csv(path, events_frame())
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "0.01")
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", SAMPLE)
    ds = load_bytes(path.read_bytes(), "My events.csv")
    assert ds.on_engine and ds.name == "My events.csv"
    assert not [f for f in (tmp_path / "cache" / "canonical").iterdir() if f.name.startswith(".")]  # spool gone
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "100")
    careful = load_bytes(path.read_bytes(), "My events.csv")
    assert_same(ds, careful)


def test_a_declined_file_is_remembered_and_not_converted_again(tmp_path, monkeypatch):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame(), "u9,page_view,yesterday,mobile,/\n")
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE) is None
    monkeypatch.setattr(canonical, "_convert", lambda *a, **k: pytest.fail("converted again"))
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE) is None


def test_the_cache_keeps_the_most_recently_used_files_within_its_size(tmp_path, monkeypatch):
    paths = []
    for seed in (1, 2, 3):
        path = tmp_path / f"events{seed}.csv"
        write_csv(path, events_frame(seed=seed))
        paths.append(load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE).parquet)
    size = max(os.path.getsize(p) for p in paths)
    monkeypatch.setenv("CX_CACHE_MAX_MB", str(2.5 * size / 2**20))
    load_on_engine(tmp_path / "events1.csv", limits=Limits.from_env(), sample_bytes=SAMPLE)   # used again
    removed = canonical.prune(canonical.cache_dir())
    assert removed == 1
    assert os.path.exists(paths[0]) and not os.path.exists(paths[1]) and os.path.exists(paths[2])



def test_pruning_leaves_files_being_written_and_files_gone_meanwhile(tmp_path, monkeypatch):
    """Another session's conversion in progress (a hidden scratch file) is never removed, and a file another
    pruning removed between the listing and its size does not stop this one."""
    folder = canonical.cache_dir()
    folder.mkdir(parents=True)
    writing = canonical.scratch(folder, "abc-key.parquet")
    writing.write_bytes(b"x" * 4096)
    old = folder / "old-key.parquet"
    old.write_bytes(b"y" * 4096)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    (folder / "gone-key.parquet").symlink_to(folder / "nowhere.parquet")   # listed, then no size to read
    monkeypatch.setenv("CX_CACHE_MAX_MB", "0")
    assert canonical.prune(folder) == 1
    assert writing.exists() and not old.exists()


def test_scratch_names_are_unique_per_call_and_hidden(tmp_path):
    names = {canonical.scratch(tmp_path, "d-k.parquet") for _ in range(50)}
    assert len(names) == 50 and all(n.name.startswith(".") and n.parent == tmp_path for n in names)


def test_sessions_converting_the_same_upload_at_once_all_get_the_careful_table(tmp_path, monkeypatch):
    """A hosted server's sessions share one process: eight threads load the same bytes into an empty cache at once
    (each spools, converts and renames into place); every one gets the careful reader's table and nothing half
    written is left behind."""
    from concurrent.futures import ThreadPoolExecutor
    path = tmp_path / "events.csv"
    write_csv(path, events_frame(n=20_000))
    data = path.read_bytes()
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", SAMPLE)
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "100")
    careful = load_bytes(data, "events.csv")
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "0.01")
    with ThreadPoolExecutor(8) as pool:
        loaded = list(pool.map(lambda _: load_bytes(data, "events.csv"), range(8)))
    assert any(ds.on_engine for ds in loaded)
    for ds in loaded:
        pd.testing.assert_frame_equal(ds.df, careful.df)
        assert ds.report.rows == careful.report.rows and ds.report.duplicates == careful.report.duplicates
    assert not [f for f in canonical.cache_dir().iterdir() if f.name.startswith(".")]


def test_an_unchanged_file_is_not_hashed_again_and_a_changed_one_is(tmp_path, monkeypatch):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    os.utime(path, (1_700_000_000, 1_700_000_000))        # last changed long ago: its digest may be kept
    first = canonical.file_digest(path)
    calls = []
    real = canonical.hashlib.sha256
    monkeypatch.setattr(canonical.hashlib, "sha256", lambda *a: (calls.append(1) if not a else None) or real(*a))
    assert canonical.file_digest(path) == first and not calls
    write_csv(path, events_frame(seed=8))                  # changed now: hashed again, not remembered
    assert canonical.file_digest(path) != first and calls


# ------------------------------------------------------------------------------------------------- orders
def orders_frame(n: int = 3_000, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = np.round(rng.gamma(2.0, 30.0, n), 2)
    status = rng.choice(["paid", "Completed", "refunded", "cancelled", "partially_refunded", "оплачен", "",
                         "Versandt", "pending"], n)
    refunded = np.where(status == "refunded", amount, np.where(rng.random(n) < 0.05, np.round(amount / 2, 2), 0.0))
    refunded = np.where((status == "refunded") & (rng.random(n) < 0.3), np.nan, refunded)   # whole amount, unsaid
    return pd.DataFrame({
        "order_id": [f"#{100000 + i}" for i in range(n)],
        "customer_id": [f"c{x}" for x in rng.integers(0, n // 3, n)],
        "created_at": (pd.Timestamp("2025-01-01", tz="UTC")
                       + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
        "total": amount, "status": status, "refunded": refunded,
        "country": rng.choice(["DE", "FR", "", "US"], n),
    })


def test_an_order_file_gives_the_careful_frame_report_statuses_refunds_and_values(tmp_path):
    path = tmp_path / "orders.csv"
    write_csv(path, orders_frame(), "#900001,c1,2025-03-01 10:00:00,12.5,,,DE\n"
                                    ",c2,2025-03-02 10:00:00,7,paid,0,FR\n")     # no status; no order id
    engine, careful = both(path)
    assert engine is not None and engine.role == "orders"
    assert_same(engine, careful)
    assert careful.report.values["status"] and any("refund" in str(w) for w in careful.report.warnings)
    from cxlib.analyses.orders import summarize
    assert summarize(engine).to_json() == summarize(careful).to_json()


@pytest.mark.parametrize("change", ["line items", "unknown status", "credit notes", "currency header"])
def test_orders_that_need_the_careful_steps_decline(tmp_path, change):
    df = orders_frame()
    if change == "line items":
        df.loc[len(df) - 1, "order_id"] = df.loc[0, "order_id"]
    elif change == "unknown status":
        df.loc[len(df) - 1, "status"] = "in der Schwebe"
    elif change == "credit notes":
        df = df.drop(columns=["status"]).assign(order_id=[str(100000 + i) for i in range(len(df))])
        df.loc[len(df) - 1, "order_id"] = "C100"
    else:
        df = df.rename(columns={"total": "Total (EUR)"})
    path = tmp_path / "orders.csv"
    write_csv(path, df)
    engine, careful = both(path)
    assert engine is None and careful.report.rows > 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["#1", "#2", "", "x9"]),
                               st.sampled_from(["12.5", "", "0", "-3", "1,5", "N/A"]),
                               st.sampled_from(["paid", "refunded", "Cancelled", "", "n/a", "???", "partially refunded"]),
                               st.sampled_from(["", "0", "12.5", "5", "abc"])), min_size=1, max_size=12))
def test_property_orders_on_the_engine_equal_the_careful_reader_or_decline(tmp_path, rows):
    body = "".join(f"{oid}{i},c{i % 3},2025-02-0{1 + i % 9} 10:00:00,{amt},{st},{ref},DE\n"
                   if oid else f",c{i % 3},2025-02-01 10:00:00,{amt},{st},{ref},DE\n"
                   for i, (oid, amt, st, ref) in enumerate(rows))
    path = tmp_path / "orders.csv"
    write_csv(path, orders_frame(400), body.replace(",1,5,", ',"1,5",'))
    equal_or_declined(path, tmp_path / "cache")


def test_a_conversion_reports_its_progress_from_the_caller_s_thread(tmp_path):
    import threading
    path = tmp_path / "events.csv"
    write_csv(path, events_frame(20_000))
    seen: list[tuple[float, str]] = []
    with canonical.reporting(lambda f: seen.append((f, threading.current_thread().name))):
        ds = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    assert ds is not None and seen and seen[-1][0] == 1.0
    assert all(0 <= f <= 1 for f, _ in seen) and {name for _, name in seen} == {threading.current_thread().name}
    again = []
    with canonical.reporting(again.append):
        load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)     # nothing to convert: no report
    assert again == []


def test_a_large_new_file_is_hashed_while_it_is_converted_and_named_by_its_digest(tmp_path, monkeypatch):
    import hashlib

    from cxlib.data import canonical_cache
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    os.utime(path, (1_700_000_000, 1_700_000_000))
    monkeypatch.setattr(canonical_cache, "SMALL", 0)          # "large": hashed alongside the conversion
    ds = load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert ds.content_hash == digest and os.path.basename(ds.parquet).startswith(digest)
    assert not list(canonical.cache_dir().glob(".pending-*"))
    monkeypatch.setattr(canonical, "_convert", lambda *a, **k: pytest.fail("converted twice"))
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE).parquet == ds.parquet


def test_without_a_writable_cache_folder_the_careful_reader_reads_the_file(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CX_CACHE_DIR", str(blocked))
    path = tmp_path / "events.csv"
    write_csv(path, events_frame())
    assert load_on_engine(path, limits=Limits.from_env(), sample_bytes=SAMPLE) is None
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "0.01")
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", SAMPLE)
    ds = load_path(path)
    assert not ds.on_engine and ds.report.rows == 3_000


# ------------------------------------------------------------------------------------------------ survey
def survey_frame(n: int = 3_000, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(n)],
        "customer_id": [f"c{x}" for x in rng.integers(0, n // 2, n)],
        "answered_at": (pd.Timestamp("2026-02-01", tz="UTC")
                        + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nps": rng.choice(["10", "9", "7", "3", "0", "", "10 - Extremely likely"], n),
        "csat": rng.choice(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "", "5", "4"], n),
        "comment": rng.choice(["great, fast", "slow delivery", "", "=cmd"], n),
    })


def test_a_survey_file_gives_the_careful_frame_report_scores_and_values(tmp_path):
    from cxlib.analyses.survey import summarize
    path = tmp_path / "survey.csv"
    write_csv(path, survey_frame(), "r7,c1,2026-03-01T10:00:00Z,8,Satisfied,again\n")   # a repeated respondent
    engine, careful = both(path)
    assert engine is not None and engine.role == "responses"
    assert_same(engine, careful)
    assert careful.report.duplicates == 1 and careful.report.values.get("csat")
    assert json.dumps(summarize(engine).to_json(), sort_keys=True, default=str) == \
        json.dumps(summarize(careful).to_json(), sort_keys=True, default=str)


def test_typed_survey_scores_in_parquet_match_the_careful_reader(tmp_path):
    df = survey_frame(seed=9).assign(nps=lambda d: np.random.default_rng(1).integers(0, 11, len(d)),
                                     csat=lambda d: np.random.default_rng(2).integers(1, 6, len(d)).astype(float))
    path = tmp_path / "survey.parquet"
    df.to_parquet(path)
    assert_same(load_on_engine(path, limits=Limits.from_env()), load_bytes(path.read_bytes(), path.name))


def test_a_score_the_careful_converter_cannot_read_declines(tmp_path):
    path = tmp_path / "survey.csv"
    write_csv(path, survey_frame(), "r9999,c1,2026-03-01T10:00:00Z,not sure,Satisfied,x\n")
    engine, careful = both(path)
    assert engine is None and careful.report.issues


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["r1", "r2", "", "r3"]),
                               st.sampled_from(["10", "", "9 - very likely", "N/A", "7.5", "11", "abc", "0"]),
                               st.sampled_from(["Very satisfied", "", "3", "Neutral", "meh", "4,5", "Unsatisfied"])),
                     min_size=1, max_size=12))
def test_property_survey_answers_on_the_engine_equal_the_careful_reader_or_decline(tmp_path, rows):
    body = "".join(f"{rid},c1,2026-03-0{1 + i % 9}T10:00:00Z,{nps},\"{csat}\",x\n"
                   for i, (rid, nps, csat) in enumerate(rows))
    path = tmp_path / "survey.csv"
    write_csv(path, survey_frame(400), body)
    equal_or_declined(path, tmp_path / "cache")


# ----------------------------------------------------------------------------------------------- tickets
def tickets_frame(n: int = 3_000, seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "Ticket ID": [str(1000 + i) for i in range(n)],
        "Created at": (pd.Timestamp("2026-04-01", tz="UTC")
                       + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
        "Channel": rng.choice(["email", "Chat", " phone ", "", "web"], n),
        "First reply time (hours)": rng.choice(["0.5", "2", "", "12.25", "N/A"], n),
        "Resolution minutes": rng.choice(["30", "600", "", "45.5"], n),
        "Satisfaction": rng.choice(["Good", "bad", "offered", "unoffered", ""], n),
    })


def test_a_ticket_file_gives_the_careful_frame_report_times_ratings_and_values(tmp_path):
    from cxlib.analyses.support import summarize
    path = tmp_path / "tickets.csv"
    write_csv(path, tickets_frame(), "1007,2026-04-02 10:00:00,email,1,20,Good\n")     # a repeated ticket id
    engine, careful = both(path)
    assert engine is not None and engine.role == "tickets"
    assert_same(engine, careful)
    assert careful.report.duplicates == 1 and set(careful.report.values) == {"satisfaction", "channel"}
    assert json.dumps(summarize(engine).to_json(), sort_keys=True, default=str) == \
        json.dumps(summarize(careful).to_json(), sort_keys=True, default=str)


@pytest.mark.parametrize("tail", ["1999,2026-04-02 10:00:00,email,1:20,20,Good\n",       # a clock duration
                                  "1999,2026-04-02 10:00:00,email,1,20,so-so\n"])          # a rating no table knows
def test_tickets_the_careful_reader_must_read_decline(tmp_path, tail):
    assert_declines(tmp_path / "tickets.csv", tickets_frame(), tail)


def test_a_parquet_file_over_the_decompressed_limit_is_refused_as_the_careful_reader_refuses_it(tmp_path, monkeypatch):
    df = events_frame()
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    path = tmp_path / "events.parquet"
    df.to_parquet(path)
    monkeypatch.setenv("CX_MAX_DECOMPRESSED_MB", "0.01")
    assert load_on_engine(path, limits=Limits.from_env()) is None
    with pytest.raises(CxDataError, match="MB of data"):
        load_bytes(path.read_bytes(), path.name)


def test_order_headlines_on_the_engine_equal_the_careful_ones_with_currencies_and_gaps(tmp_path, monkeypatch):
    from cxlib.analyses.orders import summarize
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "0")      # else a table this small computes in pandas
    df = orders_frame(seed=21)
    df["currency"] = np.where(np.arange(len(df)) % 5 == 0, "USD", "EUR")
    df.loc[df.index % 11 == 0, "customer_id"] = ""
    df.loc[df.index % 13 == 0, "total"] = np.nan
    path = tmp_path / "orders.csv"
    write_csv(path, df)
    engine, careful = both(path)
    assert engine is not None
    a, b = summarize(engine), summarize(careful)
    assert engine.on_engine                                  # the headlines never read the table into pandas
    monkeypatch.setenv("CX_ENGINE_ANALYSIS_MIN_ROWS", "1000000")
    assert as_json(summarize(engine)) == as_json(b)
    assert as_json(a) == as_json(b)
    assert any("currencies" in str(w) for w in a.warnings) and any("no customer id" in str(w) for w in a.warnings)


def test_blank_lines_are_skipped_as_the_careful_reader_skips_them(tmp_path):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame(), "\nu1,page_view,2026-03-02T10:00:00Z,mobile,/\n\n")
    engine, careful = both(path)
    assert_same(engine, careful)
    assert careful.report.rows == 3_001


def test_a_file_the_engine_declines_is_not_offered_to_it_twice(tmp_path, monkeypatch):
    path = tmp_path / "events.csv"
    write_csv(path, events_frame(), "u9,page_view,05/03/2026 10:00,mobile,/\n")      # another date format
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "0.01")
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", SAMPLE)
    calls = []
    real = canonical.sample_table
    monkeypatch.setattr(canonical, "sample_table", lambda *a, **k: calls.append(1) or real(*a, **k))
    ds = load_path(path)
    assert not ds.on_engine and ds.report.rows == 3_001 and len(calls) == 1


def test_a_wide_file_whose_later_column_is_read_first_stays_on_the_engine(tmp_path):
    df = events_frame()
    wide = pd.DataFrame({"user_id": df["user_id"], "revenue": np.where(df["event"] == "purchase", "19.5", ""),
                         **{f"c{j}": "x" for j in range(2, 10)}, "timestamp": df["timestamp"], "event": df["event"]})
    path = tmp_path / "events.csv"
    write_csv(path, wide)
    engine, careful = both(path)
    assert_same(engine, careful)


def test_a_damaged_parquet_file_gets_the_careful_reader_s_message(tmp_path):
    df = events_frame()
    path = tmp_path / "events.parquet"
    df.to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[:4] + b"\x00" * 64 + data[68:-12] + b"\xff" * 8 + data[-4:])     # footer length wrong
    assert load_on_engine(path, limits=Limits.from_env()) is None
    with pytest.raises(CxDataError, match="damaged"):
        load_bytes(path.read_bytes(), path.name)


_ZONE_CHECK = """
import sys
import pandas as pd
sys.path.insert(0, {root!r})
from pathlib import Path
from test_canonical import assert_same, both, events_frame, write_csv
df = events_frame(seed=17)
df.loc[:5, "timestamp"] = ["2026-03-01T00:10:00Z", "2026-03-31T23:50:00Z", "2026-03-01 00:20:00",
                           "2026-03-31 23:55:00", "2026-03-02T01:00:00+05:00", "2026-03-02"]
write_csv(Path({folder!r}) / "events.csv", df)
typed = df.assign(timestamp=pd.to_datetime(df["timestamp"], utc=True, format="mixed").dt.tz_localize(None))
typed.to_parquet(Path({folder!r}) / "events.parquet")                   # times without a zone
for name in ("events.csv", "events.parquet"):
    engine, careful = both(Path({folder!r}) / name)
    assert_same(engine, careful)
    print(name, engine.report.date_range)
"""


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_the_machines_time_zone_changes_nothing(tmp_path, zone):
    """DuckDB reads times without an offset, and prints dates, in the machine's zone unless told otherwise; the
    careful reader uses UTC. On a laptop in New York or Tokyo the engine gives the same times, dates and date range
    (and does not decline the file: it would be read the slow way)."""
    import subprocess
    import sys
    code = _ZONE_CHECK.format(root=os.path.dirname(__file__), folder=str(tmp_path))
    env = {**os.environ, "TZ": zone, "CX_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines() == ["events.csv ('2026-03-01', '2026-03-31')",
                                       "events.parquet ('2026-03-01', '2026-03-31')"]
