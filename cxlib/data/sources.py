"""Sources: tables that live in an engine (a DuckDB file, PostgreSQL, Spark, a cloud warehouse).

``connect(URL)`` opens the engine named by the URL's scheme and returns a :class:`Source`;
``source.table(NAME)`` is an Ibis table, ready for the same engine expressions as a file's
canonical table (``cxlib.data.engine.table`` returns Ibis tables as they are).

==============================================  =========================================================
URL                                             engine
==============================================  =========================================================
``duckdb://`` / ``duckdb:///path/to/file.db``   DuckDB in memory / a database file (``?read_only=true``)
``postgres://user[:password]@host[:port]/db``   PostgreSQL (psycopg); other query options go to libpq
``pyspark://``                                  a Spark session: ``local[2]``, UI off, UTC; query options
                                                ``master=``, ``app_name=`` and any ``spark.*`` setting
``bigquery://project[/dataset]``                Google BigQuery (ibis-framework[bigquery])
``snowflake://user:pw@account/db/schema``       Snowflake (ibis-framework[snowflake])
``clickhouse://user:pw@host:port/db``           ClickHouse (ibis-framework[clickhouse])
``trino://user@host:port/catalog/schema``       Trino (ibis-framework[trino])
==============================================  =========================================================

Credentials are never kept on the Source, never in its ``repr``/``str`` and never in an error
message: every URL shown back has its password replaced by ``***`` (:func:`mask_url`), and an
engine's own error text is scrubbed of the password before it is shown.

Examples
--------
>>> src = connect("duckdb://")
>>> _ = src.backend.raw_sql("CREATE TABLE t AS SELECT 1 AS x")
>>> src.table("t").x.sum().execute()
np.int64(1)
>>> str(connect("duckdb://"))
'duckdb://'
"""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg

# scheme -> (engine, Python module the Ibis backend needs, pip package that brings it)
ENGINES: dict[str, tuple[str, str, str]] = {
    "duckdb": ("duckdb", "duckdb", "ibis-framework[duckdb]"),
    "postgres": ("postgres", "psycopg", "ibis-framework[postgres]"),
    "postgresql": ("postgres", "psycopg", "ibis-framework[postgres]"),
    "pyspark": ("pyspark", "pyspark", "ibis-framework[pyspark]"),
    "bigquery": ("bigquery", "google.cloud.bigquery", "ibis-framework[bigquery]"),
    "snowflake": ("snowflake", "snowflake.connector", "ibis-framework[snowflake]"),
    "clickhouse": ("clickhouse", "clickhouse_connect", "ibis-framework[clickhouse]"),
    "trino": ("trino", "trino", "ibis-framework[trino]"),
}
# The local Spark session cxlib starts when the URL names nothing else.
SPARK_DEFAULTS = {"spark.master": "local[2]", "spark.app.name": "cxlib", "spark.ui.enabled": "false",
                  "spark.ui.showConsoleProgress": "false", "spark.sql.session.timeZone": "UTC", "spark.sql.shuffle.partitions": "8",
                  "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
                  "spark.executor.extraJavaOptions": "-Duser.timezone=UTC"}


@dataclass(frozen=True)
class SourceURL:
    """A parsed source URL. The password is kept out of ``repr`` and ``str`` (which are masked)."""

    scheme: str
    engine: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    path: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @property
    def masked(self) -> str:
        """The URL as it may be shown: the password replaced by ``***``."""
        auth = ""
        if self.user is not None or self.password is not None:
            auth = quote(self.user or "", safe="") + (":***" if self.password is not None else "") + "@"
        netloc = auth + (self.host or "") + (f":{self.port}" if self.port is not None else "")
        query = "&".join(f"{k}={v}" for k, v in self.options)
        return f"{self.scheme}://{netloc}{self.path}" + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"SourceURL({self.masked!r})"

    @property
    def parts(self) -> list[str]:
        """The path's non-empty segments (database, schema, ...)."""
        return [unquote(p) for p in self.path.split("/") if p]


def parse_url(url: str) -> SourceURL:
    """Split a source URL into its parts; a clear :class:`CxDataError` when it cannot be used."""
    text = str(url).strip()
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", text)
    scheme = m.group(1).lower() if m else ""
    if scheme not in ENGINES:
        raise CxDataError(msg("cannot use the source {url!r}.", url=_mask_text(text)),
                          hint=msg("Start it with one of: {schemes}.",
                                   schemes=", ".join(f"{s}://" for s in ENGINES if s != "postgresql")))
    if scheme == "duckdb":          # a file path, not a host: duckdb:///abs/path.db, duckdb://rel/path.db
        rest, _, query = text[len("duckdb://"):].partition("?")
        return SourceURL(scheme, "duckdb", path=unquote(rest), options=tuple(parse_qsl(query)))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise CxDataError(msg("cannot read the host and port of {url!r}.", url=_mask_text(text)),
                          hint=msg("Write it as {form}.", form=f"{scheme}://user:password@host:port/...")) from None
    return SourceURL(scheme, ENGINES[scheme][0],
                     user=unquote(parts.username) if parts.username is not None else None,
                     password=unquote(parts.password) if parts.password is not None else None,
                     host=unquote(parts.hostname) if parts.hostname else None, port=port, path=parts.path,
                     options=tuple(parse_qsl(parts.query, keep_blank_values=True)))


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for messages and logs."""
    try:
        return parse_url(url).masked
    except CxDataError:
        return _mask_text(str(url))


def mask_text(text: str) -> str:
    """``text`` (any message) with the password of every ``scheme://user:password@`` in it replaced by ``***``."""
    return _mask_text(str(text))


def _mask_text(text: str) -> str:
    """Mask ``user:password@`` in text that is not a usable URL (best effort, never shows the password)."""
    return re.sub(r"(://[^:/@?#]*):[^/?#]*@", r"\1:***@", text)      # up to the last @ of the netloc


class Source:
    """An open engine connection. ``table(name)`` gives an Ibis table; ``backend`` is the Ibis backend."""

    def __init__(self, url: SourceURL, backend) -> None:
        self._url = url.masked              # only the masked form is kept
        self.engine = url.engine
        self.backend = backend

    @property
    def url(self) -> str:
        return self._url

    def table(self, name: str):
        """The table (or view) ``name``; ``schema.table`` names one in another schema/database."""
        if not name or not str(name).strip():
            raise CxDataError(msg("name the table to read from {url}.", url=self._url))
        name = str(name).strip()
        try:
            if "." in name and self.engine in ("postgres", "duckdb", "pyspark"):
                schema, _, table = name.rpartition(".")
                return self.backend.table(table, database=schema)
            return self.backend.table(name)
        except Exception:             # noqa: BLE001 - any engine error becomes one clear sentence
            raise CxDataError(msg("there is no table {table!r} in {url}.", table=name, url=self._url),
                              hint=msg("Tables there: {tables}.", tables=self._some_tables())) from None

    def list_tables(self) -> list[str]:
        """Tables and views in the connection's current schema/database."""
        if self.engine == "duckdb":
            # ibis 12's DuckDB list_tables calls a cursor method duckdb 2.0 removed (fetch_arrow_table)
            rows = self.backend.con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = current_schema()").fetchall()
            return sorted(r[0] for r in rows)
        return sorted(self.backend.list_tables())

    def _some_tables(self) -> str:
        try:
            names = self.list_tables()
        except Exception:                    # noqa: BLE001 - listing is only a hint
            return "?"
        return ", ".join(names[:30]) + (", ..." if len(names) > 30 else "") if names else "(none)"

    def close(self) -> None:
        """Close the connection (a Spark session is left running: it is shared by the process)."""
        if self.engine != "pyspark":
            try:
                self.backend.disconnect()
            except Exception:                # noqa: BLE001, S110 - closing twice or a dropped server
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Source({self._url!r})"

    def __str__(self) -> str:
        return self._url


def connect(url: str) -> Source:
    """Open the engine a source URL names (see the module docstring for the forms).

    Examples
    --------
    >>> src = cx.connect("duckdb://")
    >>> src.engine
    'duckdb'
    """
    parsed = parse_url(url)
    engine, module, package = ENGINES[parsed.scheme]
    if not _importable(module):
        raise CxDataError(msg("the {engine} engine needs a package that is not installed.", engine=engine),
                          hint=msg("Install it with: pip install '{package}'", package=package))
    try:
        backend = _OPEN[engine](parsed)
    except CxDataError:
        raise
    except Exception as err:                 # noqa: BLE001 - the driver's text, scrubbed of the password
        raise CxDataError(msg("could not connect to {url}: {reason}", url=parsed.masked,
                              reason=_scrub(err, parsed)),
                          hint=msg("Check the host, port, database, user and password.")) from None
    return Source(parsed, backend)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _scrub(err: BaseException, url: SourceURL) -> str:
    """The first line of an engine's error message without the password in any spelling."""
    return _without_password((str(err).strip().splitlines() or [type(err).__name__])[0], url.password)


def _without_password(text: str, password: str | None) -> str:
    """``text`` with ``password`` in any spelling (as typed, percent-encoded) and any URL's password masked."""
    for secret in {password, quote(password, safe=""), quote(password)} if password else ():
        text = text.replace(secret, "***")
    return _mask_text(text)


def hide_password(text: str, url: str) -> str:
    """``text`` (a message, a traceback) as it may be shown: without the password of ``url`` in any spelling."""
    try:
        password = parse_url(url).password
    except CxDataError:
        password = None
    return _without_password(str(text), password)


def scrub(err: BaseException, url: str) -> str:
    """An engine error's first line as it may be shown: without the password of ``url`` in any spelling."""
    return hide_password((str(err).strip().splitlines() or [type(err).__name__])[0], url)


def _flag(value: str | None, default: bool = False) -> bool:
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


# ------------------------------------------------------------------------------------------ engines
def _open_duckdb(url: SourceURL):
    import ibis
    opts = dict(url.options)
    path = url.path
    from cxlib.data.engine import UTC
    if path in ("", ":memory:"):
        con = ibis.duckdb.connect()
    elif not Path(path).exists():
        raise CxDataError(msg("there is no DuckDB database at {path}.", path=path),
                          hint=msg("Check the path: duckdb:///absolute/path.db or duckdb://relative/path.db."))
    else:
        con = ibis.duckdb.connect(path, read_only=_flag(opts.get("read_only")))
    con.raw_sql(UTC)
    return con


def _open_postgres(url: SourceURL):
    import ibis
    db = url.parts
    if not url.host or not db:
        raise CxDataError(msg("a PostgreSQL source names a host and a database."),
                          hint=msg("Write it as {form}.", form="postgres://user:password@host:5432/database"))
    return ibis.postgres.connect(host=url.host, port=url.port or 5432, user=url.user, password=url.password,
                                 database=db[0], **dict(url.options))


def spark_session(options: dict[str, str] | None = None):
    """The process's Spark session (created with :data:`SPARK_DEFAULTS` and ``options`` when none runs).

    ``options``: ``master``, ``app_name`` and any ``spark.*`` setting. A session already running
    keeps its master; settings that can change at run time (``spark.sql.*``) are applied to it.
    """
    from pyspark.sql import SparkSession
    conf = dict(SPARK_DEFAULTS)
    for key, value in (options or {}).items():
        if key == "master":
            conf["spark.master"] = value
        elif key == "app_name":
            conf["spark.app.name"] = value
        elif key.startswith("spark."):
            conf[key] = value
        else:
            raise CxDataError(msg("unknown pyspark:// option {option!r}.", option=key),
                              hint=msg("Use master=, app_name= or a spark.* setting."))
    active = SparkSession.getActiveSession()
    if active is not None:
        for key, value in conf.items():
            if key.startswith("spark.sql."):
                active.conf.set(key, value)
        return active
    if conf["spark.master"].startswith("local"):     # a local session listens on loopback only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        conf.setdefault("spark.driver.host", "127.0.0.1")
        conf.setdefault("spark.driver.bindAddress", "127.0.0.1")
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(os.environ.get("CX_SPARK_LOG_LEVEL", "ERROR"))
    return session


def _open_pyspark(url: SourceURL):
    import ibis
    opts = dict(url.options)
    if url.host and "master" not in opts:             # pyspark://host:7077 -> a standalone cluster
        opts["master"] = f"spark://{url.host}:{url.port or 7077}"
    return ibis.pyspark.connect(spark_session(opts))


def _open_other(url: SourceURL):
    """Cloud warehouses: the URL is checked here and handed to Ibis as it is (Ibis reads these forms)."""
    import ibis
    if url.engine == "bigquery" and not url.host:
        raise CxDataError(msg("a BigQuery source names a project."),
                          hint=msg("Write it as {form}.", form="bigquery://project/dataset"))
    if url.engine != "bigquery" and not url.host:
        raise CxDataError(msg("a {engine} source names a host.", engine=url.engine),
                          hint=msg("Write it as {form}.", form=f"{url.scheme}://user:password@host/..."))
    auth = ""
    if url.user is not None:
        auth = quote(url.user, safe="") + (":" + quote(url.password, safe="") if url.password is not None else "") + "@"
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in url.options)
    return ibis.connect(f"{url.scheme}://{auth}{url.host}" + (f":{url.port}" if url.port else "") + url.path
                        + (f"?{query}" if query else ""))


_OPEN = {"duckdb": _open_duckdb, "postgres": _open_postgres, "pyspark": _open_pyspark,
         "bigquery": _open_other, "snowflake": _open_other, "clickhouse": _open_other, "trino": _open_other}

__all__ = ["ENGINES", "SPARK_DEFAULTS", "Source", "SourceURL", "connect", "mask_text", "mask_url", "parse_url",
           "hide_password", "scrub", "spark_session"]
