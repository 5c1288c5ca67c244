"""Workspace storage: datasets stored once by content, specs round-trip, ownership, deletion."""
from __future__ import annotations

import pandas as pd
import pytest

from cxlib.data.dataset import ColumnIssue, Dataset, Report
from cxlib.data.loader import from_frame
from cxlib.saved.workspace import AnalysisSpec, Forbidden, NotFound, Workspace


@pytest.fixture
def ds() -> Dataset:
    base = from_frame(pd.DataFrame({
        "user_id": ["00123", "00124", "00124"], "event": ["view", "cart", "purchase"],
        "timestamp": ["2024-01-01 10:00:00+02:00", "2024-01-02 10:00", "2024-01-02 11:00"],
        "page": ["/a", "/b", None]}), "events", name="web.csv")
    report = Report(rows_in=3, rows=3, issues=(ColumnIssue("timestamp", "ts", "not a date", 1, ((4, "x"),)),),
                    date_range=("2024-01-01", "2024-01-02"), warnings=("w1",))
    return Dataset(name=base.name, role=base.role, df=base.df, mapping=base.mapping, report=report,
                   content_hash=base.content_hash)


def test_dataset_round_trip_keeps_values_and_dtypes(tmp_path, ds):
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    back = Workspace(tmp_path).get_dataset(ds_id)                       # a fresh handle: read from disk
    pd.testing.assert_frame_equal(back.df, ds.df, check_dtype=False)
    assert back.df["timestamp"].dtype == ds.df["timestamp"].dtype
    assert list(back.df["user_id"]) == ["00123", "00124", "00124"]       # ids stay text
    assert back.report == ds.report and back.mapping == ds.mapping and back.key == ds.key


def test_same_content_is_stored_once(tmp_path, ds):
    ws = Workspace(tmp_path)
    assert ws.put_dataset(ds, owner="ann") == ws.put_dataset(ds, owner="bob")
    assert len(list((tmp_path / "datasets").glob("*.parquet"))) == 1
    assert len(ws.list_datasets()) == 1


def test_analysis_spec_round_trip_and_unknown_id(tmp_path, ds):
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    spec = AnalysisSpec(dataset_id=ds_id, page="funnel", options={"steps": ["view", "cart"], "window": "7d"},
                        definitions={"version": 1}, title="Checkout <b>funnel</b>", author="ann")
    saved = ws.save_analysis(spec)
    assert saved.id and saved.created_at
    assert ws.get_analysis(saved.id) == saved
    with pytest.raises(NotFound, match="deleted"):
        ws.get_analysis("A" * 16)
    with pytest.raises(NotFound, match="not a valid"):
        ws.get_analysis("../../etc/passwd")


def test_only_owner_deletes_and_files_go(tmp_path, ds):
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    saved = ws.save_analysis(AnalysisSpec(dataset_id=ds_id, page="data", author="ann"))
    with pytest.raises(Forbidden):
        ws.delete_dataset(ds_id, user="bob")
    with pytest.raises(Forbidden):
        ws.delete_analysis(saved.id, user="bob")
    ws.delete_dataset(ds_id, user="ann")
    assert not list((tmp_path / "datasets").glob("*.parquet"))
    with pytest.raises(NotFound):
        ws.get_dataset(ds_id)


def test_saving_an_analysis_of_an_unknown_dataset_fails(tmp_path):
    with pytest.raises(NotFound):
        Workspace(tmp_path).save_analysis(AnalysisSpec(dataset_id="nope" * 4, page="funnel"))


def test_definition_sets(tmp_path):
    ws = Workspace(tmp_path)
    def_id = ws.save_definitions("Q4 targets", {"version": 1, "targets": {"nps": 10}}, owner="ann")
    assert ws.get_definitions(def_id) == {"version": 1, "targets": {"nps": 10}}
    assert ws.list_definitions() == [(def_id, "Q4 targets", "ann")]


def test_a_shared_file_stays_until_its_last_owner_deletes_it(tmp_path, ds):
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    assert ws.put_dataset(ds, owner="bob") == ds_id                  # same content: one file, two records
    bobs = ws.save_analysis(AnalysisSpec(dataset_id=ds_id, page="funnel", author="bob"))
    assert [a.id for a in ws.analyses_using(ds_id)] == [bobs.id] and ws.analyses_using(ds_id, "ann") == []
    assert ws.delete_dataset(ds_id, user="ann") is False             # bob still uses it
    assert ws.has_dataset(ds_id) and len(list((tmp_path / "datasets").glob("*.parquet"))) == 1
    assert [d.id for d in ws.list_datasets("ann")] == [] and [d.owner for d in ws.list_datasets("bob")] == ["bob"]
    with pytest.raises(Forbidden):
        ws.delete_dataset(ds_id, user="ann")                         # her record is gone already
    assert ws.get_dataset(ds_id).df.equals(Workspace(tmp_path).get_dataset(ds_id).df)
    assert ws.delete_dataset(ds_id, user="bob") is True              # the last record: the file goes
    assert not list((tmp_path / "datasets").glob("*")) and not ws.has_dataset(ds_id)
    with pytest.raises(NotFound, match="deleted"):
        ws.get_dataset(ds_id)
    assert ws.get_analysis(bobs.id).dataset_id == ds_id              # the spec stays; opening it explains (page test)


def test_older_workspaces_get_owner_records_once(tmp_path, ds):
    import sqlite3
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    with sqlite3.connect(tmp_path / "workspace.sqlite3") as db:      # as a workspace made before owner records
        db.execute("DROP TABLE dataset_owners")
        db.execute("PRAGMA user_version = 0")
    ws = Workspace(tmp_path)
    assert [d.owner for d in ws.list_datasets("ann")] == ["ann"]
    ws.put_dataset(ds, owner="bob")
    ws.delete_dataset(ds_id, user="ann")
    assert [d.owner for d in Workspace(tmp_path).list_datasets()] == ["ann"]     # the row keeps its first uploader
    assert Workspace(tmp_path).list_datasets("ann") == []                        # but ann's record is not restored


def test_workspace_folder_is_private(tmp_path):
    ws = Workspace(tmp_path / "new")
    assert (ws.root.stat().st_mode & 0o077) == 0
    assert not Workspace(tmp_path / "new").has_dataset("../../x")


def test_a_table_parquet_cannot_hold_is_refused_with_a_clear_error(tmp_path, ds):
    from cxlib.core.errors import CxDataError
    odd = Dataset(name="odd.csv", role=ds.role, df=ds.df.assign(page=[1, "x", 2.5]), mapping=ds.mapping,
                  report=ds.report, content_hash="odd")
    ws = Workspace(tmp_path)
    with pytest.raises(CxDataError, match="odd.csv: this table cannot be stored"):
        ws.put_dataset(odd, owner="ann")
    assert not list((tmp_path / "datasets").glob("*")) and ws.list_datasets() == []


def test_each_owner_sees_the_file_name_they_gave_the_same_content(tmp_path, ds):
    """Finding 8: the second editor's (and her viewers') name comes from her own record, never the first's."""
    from dataclasses import replace
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(replace(ds, name="ann_q3_board.csv"), owner="ann")
    assert ws.put_dataset(replace(ds, name="eve_export.csv"), owner="eve") == ds_id
    assert [d.name for d in ws.list_datasets("eve")] == ["eve_export.csv"]
    assert [d.name for d in ws.list_datasets("ann")] == ["ann_q3_board.csv"]
    assert ws.get_dataset(ds_id, owner="eve").name == "eve_export.csv"
    assert ws.get_dataset(ds_id, owner="ann").name == "ann_q3_board.csv"
    with pytest.raises(NotFound):
        ws.get_dataset(ds_id, owner="vic")                              # no record: nothing, not someone's name


def test_data_deleted_by_its_owner_is_gone_for_her_analyses_even_if_another_owner_keeps_it(tmp_path, ds):
    """Finding 8: after ann deletes her stored data, her analysis no longer opens (eve's still does)."""
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    ws.put_dataset(ds, owner="eve")
    assert ws.delete_dataset(ds_id, user="ann") is False
    assert not ws.has_dataset(ds_id, owner="ann") and ws.has_dataset(ds_id, owner="eve") and ws.has_dataset(ds_id)
    with pytest.raises(NotFound, match="deleted by the person who stored it"):
        ws.get_dataset(ds_id, owner="ann")


def test_a_version_1_workspace_gets_each_owners_name_once(tmp_path, ds):
    import sqlite3
    ws = Workspace(tmp_path)
    ds_id = ws.put_dataset(ds, owner="ann")
    with sqlite3.connect(tmp_path / "workspace.sqlite3") as db:      # as made by version 1: no name column
        db.execute("DROP TABLE dataset_owners")
        db.execute("CREATE TABLE dataset_owners (dataset_id TEXT NOT NULL, owner TEXT NOT NULL, "
                   "created_at TEXT NOT NULL, PRIMARY KEY (dataset_id, owner))")
        db.execute("INSERT INTO dataset_owners VALUES (?, 'ann', '2026-01-01T00:00:00Z')", (ds_id,))
        db.execute("PRAGMA user_version = 1")
    ws = Workspace(tmp_path)
    assert ws.get_dataset(ds_id, owner="ann").name == "web.csv" and Workspace(tmp_path).list_datasets("ann")[0].name == "web.csv"


def test_every_file_the_workspace_creates_is_private(tmp_path, ds):
    """Finding 9: workspace.sqlite3 (and its -wal/-shm) and the Parquet files are 0600, the folders 0700."""
    import os
    old = os.umask(0o022)                                              # a usual umask: files would be 0644
    try:
        ws = Workspace(tmp_path / "data")
        ws.put_dataset(ds, owner="ann")
        ws.save_analysis(AnalysisSpec(dataset_id=ds.key, page="funnel", author="ann"))
        files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
        assert {p.name for p in files} >= {"workspace.sqlite3", f"{ds.key}.parquet"}
        assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {p.name: "0o600" for p in files}
        dirs = [tmp_path / "data", tmp_path / "data" / "datasets"]
        assert [oct(d.stat().st_mode & 0o777) for d in dirs] == ["0o700", "0o700"]
    finally:
        os.umask(old)


def test_a_large_table_is_stored_and_opened_without_a_pandas_copy(tmp_path, monkeypatch):
    """An upload the engine converted (hosted: up to 200 MB) is stored from its canonical file a row group at a
    time, and opened again on the engine: saving or replaying an analysis never reads the table into pandas."""
    import numpy as np
    import pyarrow.parquet as pq

    from cxlib.data import canonical
    from cxlib.data.loader import load_on_engine
    from cxlib.data.table import Limits
    monkeypatch.setenv("CX_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(5)
    n = 40_000
    frame = pd.DataFrame({"user_id": [f"u{x}" for x in rng.integers(0, 3000, n)],
                          "event": rng.choice(["page_view", "add_to_cart", "purchase"], n),
                          "timestamp": pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(
                              rng.integers(0, 30 * 86400, n), unit="s"),
                          "device": rng.choice(["mobile", "desktop"], n)})
    source = tmp_path / "events.csv"
    frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(source, index=False)
    ds = load_on_engine(source, limits=Limits.from_env(), sample_bytes=4_000)
    assert ds is not None and ds.on_engine
    assert any(c.startswith("__cx_") for c in pq.read_schema(ds.parquet).names)     # the load's own columns
    ws = Workspace(tmp_path / "ws")
    ds_id = ws.put_dataset(ds, owner="ann")
    assert ds.on_engine                                              # stored without a pandas copy
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "0")
    back = ws.get_dataset(ds_id)
    assert back.on_engine and back.columns == ds.columns == ["user_id", "event", "timestamp", "device"]
    pd.testing.assert_frame_equal(back.df, canonical.read_frame(ds.parquet))
    assert back.report == ds.report and back.key == ds.key
    monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", "100")               # a small stored table is read as before
    assert not ws.get_dataset(ds_id).on_engine
