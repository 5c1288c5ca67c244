"""Workspace storage: datasets, definition sets and saved analyses that outlive a session.

An embedded default that needs no set-up: one SQLite database plus a data folder (default
``./.cxdata``, or ``$CX_DATA_DIR``). Datasets are stored once per content (their canonical table
as Parquet, their mapping and report as JSON). A saved analysis is a JSON spec (dataset
reference, definitions, page, options, title, author, created time) that reproduces the same
figures when reopened; its id is an unguessable token used in share links (``?analysis=<id>``).

Examples
--------
>>> ws = Workspace(tmp_path)                                         # doctest: +SKIP
>>> ds_id = ws.put_dataset(ds, owner="ann")
>>> spec = ws.save_analysis(AnalysisSpec(dataset_id=ds_id, page="funnel", options={...},
...                                      definitions={...}, title="Checkout funnel", author="ann"))
>>> ws.get_dataset(ws.get_analysis(spec.id).dataset_id).df.equals(ds.df)
True
"""
from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from cxlib.data.dataset import ColumnIssue, Dataset, Report
from cxlib.core.errors import CxDataError

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    mapping TEXT NOT NULL, report TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definition_sets (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY, body TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_owners (
    dataset_id TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL, name TEXT,
    PRIMARY KEY (dataset_id, owner));
"""
# 1: dataset_owners (one record per person who stored a dataset); 2: the file name each owner gave it
SCHEMA_VERSION = 2
_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


class NotFound(CxDataError):
    """An id that does not exist (any more)."""


class Forbidden(CxDataError):
    """The user may not do this (not the owner, or a viewer)."""


@dataclass(frozen=True)
class AnalysisSpec:
    """Everything needed to reproduce a page's figures: data, definitions, options."""

    dataset_id: str
    page: str                                   # e.g. "funnel", "experiment", "scorecard"
    options: dict = field(default_factory=dict)
    definitions: dict = field(default_factory=dict)
    title: str = ""
    author: str = ""
    created_at: str = ""
    id: str = ""
    extra_dataset_ids: tuple[str, ...] = ()     # pages that join several datasets
    # How each dataset was read, so the file alone reproduces it: dataset id -> {"role", "columns"
    # (canonical -> header), "values" (field -> {value: canonical})}, as a --mapping file holds them.
    mappings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = asdict(self)
        out["extra_dataset_ids"] = list(self.extra_dataset_ids)
        return {"version": 1, **out}

    @classmethod
    def from_json(cls, data: dict) -> AnalysisSpec:
        if not isinstance(data, dict) or data.get("version") != 1:
            raise CxDataError("this is not a saved analysis (version 1).",
                              hint="Save the analysis again from the app.")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known - {"version"}
        if unknown:
            raise CxDataError(f"unknown keys in the saved analysis: {sorted(unknown)}.")
        body = {k: v for k, v in data.items() if k in known}
        body["extra_dataset_ids"] = tuple(body.get("extra_dataset_ids", ()))
        return cls(**body)


@dataclass(frozen=True)
class DatasetInfo:
    id: str
    name: str
    role: str
    owner: str
    created_at: str
    rows: int


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy_table(ds: Dataset, target: Path) -> None:
    """The canonical columns of an engine-loaded dataset's file written to ``target``, a row group at a time (the
    file's per-row load columns left out), so storing a large table never holds it in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    source = pq.ParquetFile(ds.canonical_file())
    columns = ds.columns
    schema = pa.schema([source.schema_arrow.field(c) for c in columns])
    with pq.ParquetWriter(target, schema, compression="snappy") as out:
        for i in range(source.num_row_groups):
            out.write_table(source.read_row_group(i, columns=columns))


def report_to_json(report: Report) -> dict:
    return asdict(report)


def report_from_json(data: dict) -> Report:
    data = dict(data)
    data["issues"] = tuple(ColumnIssue(**{**i, "examples": tuple(tuple(e) for e in i.get("examples", ()))})
                           for i in data.get("issues", ()))
    for key in ("warnings", "source_columns"):
        data[key] = tuple(data.get(key, ()))
    if data.get("date_range"):
        data["date_range"] = tuple(data["date_range"])
    return Report(**data)


class Workspace:
    """SQLite + a folder of Parquet files. Safe to share between sessions of one process.

    Everything it creates is private to the account running the app: folders 0700, the database and
    the Parquet files 0600 (SQLite gives its -wal and -shm files the database's mode)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root or os.environ.get("CX_DATA_DIR") or ".cxdata").resolve()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)          # uploaded data: not for other accounts
        (self.root / "datasets").mkdir(mode=0o700, exist_ok=True)
        self._lock = threading.Lock()
        db_path = self.root / "workspace.sqlite3"
        if not db_path.exists():
            os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._db() as db:
            db.executescript(SCHEMA)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version < 1:                                              # once: owners of older rows
                db.execute("INSERT OR IGNORE INTO dataset_owners (dataset_id, owner, created_at) "
                           "SELECT id, owner, created_at FROM datasets")
            if version < 2:                                              # once: each owner's file name
                if "name" not in {row[1] for row in db.execute("PRAGMA table_info(dataset_owners)")}:
                    db.execute("ALTER TABLE dataset_owners ADD COLUMN name TEXT")
                db.execute("UPDATE dataset_owners SET name = (SELECT d.name FROM datasets d WHERE d.id = dataset_id) "
                           "WHERE name IS NULL")
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _db(self):
        con = sqlite3.connect(self.root / "workspace.sqlite3", timeout=30)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            yield con
            con.commit()
        finally:
            con.close()

    # -- datasets -----------------------------------------------------------------------------
    def _parquet(self, content_key: str) -> Path:
        return self.root / "datasets" / f"{content_key}.parquet"

    def put_dataset(self, ds: Dataset, *, owner: str) -> str:
        """Store ``ds`` (once per content and mapping) and record ``owner`` as one of its owners; returns its id.

        Two people uploading the same file share one Parquet file, and each holds an ownership record
        with the file name *they* gave it (shown to them and to the viewers of their analyses):
        :meth:`delete_dataset` removes the caller's record, and the file only when no record is left."""
        ds_id = ds.key
        path = self._parquet(ds_id)
        with self._lock:
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                try:
                    if ds.on_engine:          # a large table: copied from its canonical file, never read into pandas
                        _copy_table(ds, tmp)
                    else:
                        ds.df.to_parquet(tmp, index=False)
                except (ValueError, TypeError) as err:        # pyarrow.ArrowInvalid is a ValueError
                    tmp.unlink(missing_ok=True)
                    raise CxDataError(f"this table cannot be stored ({err}).", file=ds.name,
                                      hint="Load the file again on the Data page so its columns are read as text "
                                           "or numbers, then save.") from None
                os.chmod(tmp, 0o600)
                tmp.replace(path)
            with self._db() as db:
                db.execute("INSERT OR IGNORE INTO datasets VALUES (?,?,?,?,?,?,?,?)",
                           (ds_id, ds.content_hash, ds.name, ds.role, json.dumps(ds.mapping),
                            json.dumps(report_to_json(ds.report)), owner, _now()))
                db.execute("INSERT INTO dataset_owners (dataset_id, owner, created_at, name) VALUES (?,?,?,?) "
                           "ON CONFLICT (dataset_id, owner) DO UPDATE SET name = excluded.name",
                           (ds_id, owner, _now(), ds.name))
        return ds_id

    def get_dataset(self, dataset_id: str, *, owner: str | None = None) -> Dataset:
        """The stored dataset; with ``owner``, under the name that owner gave it (NotFound when that
        owner holds no record of it, e.g. after deleting it, even if someone else still stores it)."""
        row = self._row("SELECT content_hash, name, role, mapping, report FROM datasets WHERE id=?", dataset_id,
                        what="dataset")
        content_hash, name, role, mapping, report = row
        if owner is not None:
            name = self._owner_name(dataset_id, owner)
        path = self._parquet(dataset_id)
        if not path.exists():
            raise NotFound("the data of this dataset is missing from the workspace.", file=name,
                           hint="Upload the file again.")
        kept = dict(name=name, role=role, mapping=json.loads(mapping), report=report_from_json(json.loads(report)),
                    content_hash=content_hash)
        from cxlib.data.canonical_cache import min_bytes
        if path.stat().st_size >= min_bytes():      # large, as its upload was: analysed on the engine from this file
            return Dataset(parquet=str(path), **kept)
        return Dataset(df=pd.read_parquet(path), **kept)

    def list_datasets(self, owner: str | None = None) -> list[DatasetInfo]:
        """Stored datasets: all (with their first uploader as owner), or those ``owner`` holds a record of."""
        if owner is None:
            sql, args = "SELECT id, name, role, owner, created_at, report FROM datasets", ()
        else:
            sql = ("SELECT d.id, coalesce(o.name, d.name), d.role, o.owner, o.created_at, d.report FROM datasets d "
                   "JOIN dataset_owners o ON o.dataset_id = d.id WHERE o.owner=?")
            args = (owner,)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY 5, 1", args).fetchall()
        return [DatasetInfo(i, n, r, o, c, json.loads(rep).get("rows", 0)) for i, n, r, o, c, rep in rows]

    def has_dataset(self, dataset_id: str, *, owner: str | None = None) -> bool:
        """Whether the dataset is stored (an invalid id is simply not); with ``owner``, whether that owner
        still holds it (an analysis whose author deleted its data must say so)."""
        try:
            self._row("SELECT id FROM datasets WHERE id=?", dataset_id, what="dataset")
            if owner is not None:
                self._owner_name(dataset_id, owner)
        except NotFound:
            return False
        return self._parquet(dataset_id).exists()

    def _owner_name(self, dataset_id: str, owner: str) -> str:
        with self._db() as db:
            row = db.execute("SELECT coalesce(o.name, d.name) FROM dataset_owners o JOIN datasets d ON d.id = o.dataset_id "
                             "WHERE o.dataset_id=? AND o.owner=?", (dataset_id, owner)).fetchone()
        if row is None:
            raise NotFound("this data was deleted by the person who stored it.",
                           hint="Ask them to share the analysis again.")
        return row[0]

    def delete_dataset(self, dataset_id: str, *, user: str) -> bool:
        """Remove ``user``'s record of a dataset; only someone who stored it may. The Parquet file and the
        dataset go when no other record uses them (returns True then). Saved analyses using a removed
        dataset stop opening, with a clear message."""
        self._row("SELECT id FROM datasets WHERE id=?", dataset_id, what="dataset")
        with self._lock, self._db() as db:
            gone = db.execute("DELETE FROM dataset_owners WHERE dataset_id=? AND owner=?", (dataset_id, user))
            if gone.rowcount == 0:
                raise Forbidden("only the person who uploaded this dataset can delete it.")
            left = db.execute("SELECT count(*) FROM dataset_owners WHERE dataset_id=?", (dataset_id,)).fetchone()[0]
            if left:
                return False
            db.execute("DELETE FROM datasets WHERE id=?", (dataset_id,))
            self._parquet(dataset_id).unlink(missing_ok=True)
        return True

    # -- definition sets ---------------------------------------------------------------------
    def save_definitions(self, name: str, body: dict, *, owner: str) -> str:
        def_id = secrets.token_urlsafe(9)
        with self._db() as db:
            db.execute("INSERT INTO definition_sets VALUES (?,?,?,?,?)",
                       (def_id, name, json.dumps(body, sort_keys=True), owner, _now()))
        return def_id

    def get_definitions(self, def_id: str) -> dict:
        return json.loads(self._row("SELECT body FROM definition_sets WHERE id=?", def_id,
                                    what="definition set")[0])

    def list_definitions(self) -> list[tuple[str, str, str]]:
        with self._db() as db:
            return db.execute("SELECT id, name, owner FROM definition_sets ORDER BY created_at").fetchall()

    # -- analyses ----------------------------------------------------------------------------
    def save_analysis(self, spec: AnalysisSpec) -> AnalysisSpec:
        """Store a spec; returns it with its new id and creation time."""
        for ds_id in (spec.dataset_id, *spec.extra_dataset_ids):
            self._row("SELECT id FROM datasets WHERE id=?", ds_id, what="dataset")
        saved = replace(spec, id=secrets.token_urlsafe(12), created_at=spec.created_at or _now())
        with self._db() as db:
            db.execute("INSERT INTO analyses VALUES (?,?,?,?)",
                       (saved.id, json.dumps(saved.to_json(), sort_keys=True), saved.author, saved.created_at))
        return saved

    def get_analysis(self, analysis_id: str) -> AnalysisSpec:
        return AnalysisSpec.from_json(json.loads(self._row("SELECT body FROM analyses WHERE id=?", analysis_id,
                                                           what="analysis")[0]))

    def list_analyses(self, author: str | None = None) -> list[AnalysisSpec]:
        sql, args = "SELECT body FROM analyses", ()
        if author is not None:
            sql, args = sql + " WHERE author=?", (author,)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY created_at", args).fetchall()
        return [AnalysisSpec.from_json(json.loads(b)) for (b,) in rows]

    def analyses_using(self, dataset_id: str, author: str | None = None) -> list[AnalysisSpec]:
        """Saved analyses (of ``author``, or everyone's) that read the dataset."""
        return [a for a in self.list_analyses(author) if dataset_id in (a.dataset_id, *a.extra_dataset_ids)]

    def delete_analysis(self, analysis_id: str, *, user: str) -> None:
        author = self._row("SELECT author FROM analyses WHERE id=?", analysis_id, what="analysis")[0]
        if author != user:
            raise Forbidden("only the author of this analysis can delete it.")
        with self._db() as db:
            db.execute("DELETE FROM analyses WHERE id=?", (analysis_id,))

    # -- helpers -----------------------------------------------------------------------------
    def _row(self, sql: str, key: str, *, what: str) -> tuple:
        if not isinstance(key, str) or not _ID.match(key):
            raise NotFound(f"'{str(key)[:40]}' is not a valid {what} id.", hint="Check the link you were sent.")
        with self._db() as db:
            row = db.execute(sql, (key,)).fetchone()
        if row is None:
            raise NotFound(f"no {what} with id '{key}' (it may have been deleted).",
                           hint="Ask the person who shared it for a new link.")
        return row
