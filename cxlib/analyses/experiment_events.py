"""Conversions of an experiment's units from an events file: the first qualifying event within the
window after each unit's exposure (the A/B test on them: :mod:`cxlib.analyses.experiment`).
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

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
    import duckdb
    win = parse_window(window)
    if win <= pd.Timedelta(0):
        raise CxDataError(msg("the conversion window must be positive."), hint=msg("Use e.g. 7d."))
    if not experiment.has("exposed_at"):
        raise CxDataError(msg("the assignments have no exposure time."), file=experiment.name,
                          hint=msg("Map the exposure timestamp (exposed_at) to join events within a window."))
    names = events.df["event"].dropna().unique()
    if event not in set(names):
        raise CxDataError(msg("event '{event}' does not occur in the events data.", event=event), file=events.name,
                          hint=msg("Events found: {events}.", events=", ".join(map(str, sorted(names)[:15]))))
    u = pd.DataFrame({"rid": np.arange(len(experiment.df)), "unit_id": experiment.df["unit_id"].astype(object),
                      "t0": experiment.df["exposed_at"]})
    e = events.df.loc[events.df["event"] == event]
    ev = pd.DataFrame({"user_id": e["user_id"].astype(object), "ts": e["timestamp"],
                       "rev": e["revenue"] if "revenue" in e.columns else 0.0})
    con = duckdb.connect()
    try:
        con.register("u", u)
        con.register("ev", ev)
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
    if "revenue" in events.df.columns and not experiment.has("revenue"):
        df["revenue"] = out["rev"].to_numpy(float)
    report = replace(experiment.report, warnings=experiment.report.warnings + (
        (msg("{units:,} units have no exposure time: conversion unknown.", units=int(df["exposed_at"].isna().sum())),)
        if df["exposed_at"].isna().any() else ()))
    # TRANSLATORS: how conversion was read: an event name, then a time window such as 7d
    mapping = {**experiment.mapping, "converted": msg("{event} within {window}", event=event, window=window)}
    return Dataset(name=f"{experiment.name} + {events.name}", role="experiment", df=df, mapping=mapping,
                   report=report, content_hash=f"{experiment.content_hash}|{events.content_hash}|{event}|{win}")


__all__ = ["conversions_from_events", "parse_window"]
