"""Conversions of an experiment's units from an events file: the first qualifying event within the
window after each unit's exposure (the A/B test on them: :mod:`cxlib.analyses.experiment`).
"""
from __future__ import annotations

import os
import re
from dataclasses import replace

import numpy as np
import pandas as pd

from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg


_UNITS = {"w": "weeks", "d": "days", "h": "hours", "min": "minutes", "m": "minutes", "s": "seconds"}


def parse_window(window: str | pd.Timedelta) -> pd.Timedelta:
    """'7d', '24h', '30min', '2w', '90s' (or a Timedelta) -> Timedelta."""
    if isinstance(window, pd.Timedelta):
        return window
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(w|d|h|min|m|s)\s*", str(window).lower())
    if not m:
        raise CxDataError(msg("cannot read the window {window!r}.", window=window),
                          hint=msg("Use e.g. 7d, 24h or 30min."))
    return pd.Timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})


def conversions_from_events(experiment: Dataset, events: Dataset, event: str, window: str | pd.Timedelta = "7d"
                            ) -> Dataset:
    """Experiment dataset whose ``converted`` says whether the unit did ``event`` within ``window`` after
    its exposure (``exposed_at <= timestamp <= exposed_at + window``) and whose ``revenue`` sums the
    events' revenue in that window (when events carry revenue). Units match on unit_id = user_id.
    One DuckDB range join, no per-user loop. Rows without exposure time get converted = NaN.

    Examples
    --------
    >>> import cxlib as cx
    >>> exp = cx.load("sample_data/experiment_checkout.csv")
    >>> events = cx.load("sample_data/events.csv")
    >>> joined = cx.conversions_from_events(exp, events, "purchase", "7d")
    >>> joined.role, "converted" in joined.df.columns
    ('experiment', True)
    """
    win = parse_window(window)
    if win <= pd.Timedelta(0):
        raise CxDataError(msg("the conversion window must be positive."), hint=msg("Use e.g. 7d."))
    if not experiment.has("exposed_at"):
        raise CxDataError(msg("the assignments have no exposure time."), file=experiment.name,
                          hint=msg("Map the exposure timestamp (exposed_at) to join events within a window."))
    from cxlib.analyses.funnel import event_counts         # the step pickers' list, on the engine when it can be
    names = event_counts(events)["event"].tolist()
    if event not in set(names):
        raise CxDataError(msg("event '{event}' does not occur in the events data.", event=event), file=events.name,
                          hint=msg("Events found: {events}.", events=", ".join(map(str, sorted(names)[:15]))))
    key = f"{experiment.content_hash}|{events.content_hash}|{event}|{win}"
    name = f"{experiment.name} + {events.name}"
    if experiment.parquet and events.parquet:           # both converted by the engine: one query, no pandas copy
        joined = _joined_on_engine(experiment, events, event, win, key)
        if joined is not None:
            target, no_time = joined
            return Dataset(name=name, role="experiment", parquet=target, content_hash=key,
                           **_described(experiment, event, window, no_time))
    u = pd.DataFrame({"rid": np.arange(len(experiment.df)), "unit_id": experiment.df["unit_id"].astype(object),
                      "t0": experiment.df["exposed_at"]})
    has_revenue = "revenue" in events.columns
    con = engine.connect()
    try:
        con.register("u", u)
        if events.on_engine:            # a large events table: the event's rows are read from its file, not pandas
            con.execute(f"CREATE VIEW ev AS SELECT user_id, timestamp AS ts, {'revenue' if has_revenue else '0.0'} "
                        f"AS rev FROM read_parquet({engine.sql_text(events.canonical_file())}) WHERE event = "
                        f"{engine.sql_text(event)}")
        else:
            e = events.df.loc[events.df["event"] == event]
            con.register("ev", pd.DataFrame({"user_id": e["user_id"].astype(object), "ts": e["timestamp"],
                                             "rev": e["revenue"] if has_revenue else 0.0}))
        out = con.execute("""
            SELECT u.rid, count(ev.user_id) AS hits, coalesce(sum(ev.rev), 0) AS rev
            FROM u LEFT JOIN ev ON ev.user_id = u.unit_id AND ev.ts >= u.t0
                 AND ev.ts <= u.t0 + to_microseconds(?::BIGINT)
            GROUP BY u.rid ORDER BY u.rid""", [int(win / pd.Timedelta(microseconds=1))]).df()
    finally:
        con.close()
    df = experiment.df.copy()
    conv = (out["hits"].to_numpy() > 0).astype(float)
    df["converted"] = np.where(df["exposed_at"].isna().to_numpy(), np.nan, conv)
    if has_revenue and not experiment.has("revenue"):
        df["revenue"] = out["rev"].to_numpy(float)
    return Dataset(name=name, role="experiment", df=df, content_hash=key,
                   **_described(experiment, event, window, int(df["exposed_at"].isna().sum())))


def _described(experiment: Dataset, event: str, window, no_time: int) -> dict:
    """The joined Dataset's report (the assignments' own, and how many units have no exposure time) and mapping
    (how conversion was read)."""
    report = replace(experiment.report, warnings=experiment.report.warnings + (
        (msg("{units:,} units have no exposure time: conversion unknown.", units=no_time),) if no_time else ()))
    # TRANSLATORS: how conversion was read: an event name, then a time window such as 7d
    mapping = {**experiment.mapping, "converted": msg("{event} within {window}", event=event, window=window)}
    return {"report": report, "mapping": mapping}


def _joined_on_engine(experiment: Dataset, events: Dataset, event: str, win: pd.Timedelta, key: str
                      ) -> tuple[str, int] | None:
    """:func:`conversions_from_events` of two canonical Parquet files: the same range join in one DuckDB query,
    written in the assignments' row order to a canonical file of its own (in the cache folder, named by both
    inputs and the event and window), so the joined Dataset stays on the engine too. Returns (that file, units
    without an exposure time), or None when the cache folder cannot be written."""
    import hashlib

    import duckdb

    from cxlib.data.canonical_cache import cache_dir, scratch
    from cxlib.data.engine import sql_name as q
    from cxlib.data.engine import sql_text
    cols = experiment.columns
    new = {"converted": "CASE WHEN x.exposed_at IS NULL THEN NULL ELSE (coalesce(h.hits, 0) > 0)::DOUBLE END"}
    if "revenue" in events.columns and not experiment.has("revenue"):
        new["revenue"] = "coalesce(h.rev, 0)::DOUBLE"
    select = [f"{new[c]} AS {q(c)}" if c in new else f"x.{q(c)}" for c in cols]
    select += [f"{e} AS {q(c)}" for c, e in new.items() if c not in cols]
    rev = "e.revenue" if "revenue" in events.columns else "0.0"
    exp, ev = sql_text(experiment.canonical_file()), sql_text(events.canonical_file())
    micros = int(win / pd.Timedelta(microseconds=1))
    sql = (f"SELECT {', '.join(select)} FROM read_parquet({exp}, file_row_number=true) x LEFT JOIN ("
           f"SELECT u.file_row_number AS rid, count(e.user_id) AS hits, coalesce(sum({rev}), 0) AS rev "
           f"FROM read_parquet({exp}, file_row_number=true) u JOIN read_parquet({ev}) e "
           f"ON e.user_id = u.unit_id AND e.timestamp >= u.exposed_at "
           f"AND e.timestamp <= u.exposed_at + to_microseconds({micros}::BIGINT) "
           f"WHERE e.event = {sql_text(event)} GROUP BY u.file_row_number) h ON h.rid = x.file_row_number "
           "ORDER BY x.file_row_number")
    target = cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()}-events-join.parquet"
    tmp = scratch(target.parent, target.name)
    con = engine.connect(preserve_insertion_order=True)
    try:
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY ({sql}) TO {sql_text(str(tmp))} (FORMAT parquet, COMPRESSION snappy)")
            os.replace(tmp, target)
        os.utime(target)                                 # recently used: kept longest by the cache's pruning
        no_time = con.sql(f"SELECT count(*) - count(exposed_at) FROM read_parquet({exp})").fetchall()[0][0]
    except (duckdb.Error, OSError):
        return None
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    return str(target), int(no_time)


__all__ = ["conversions_from_events", "parse_window"]
