"""Support metrics: tickets, first reply and resolution times, SLA, ticket CSAT, weekly trend.

Definitions (DESIGN.md): first response time = minutes to the first agent reply; median, p90 and
% within SLA are computed among tickets that have a first reply (unanswered tickets are counted
and shown separately). p90 uses linear interpolation between order statistics (numpy default).
Ticket CSAT = good / (good + bad); "offered" and "unoffered" ratings are excluded.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame  # noqa: F401 - the examples below use it
from cxlib.core.definitions import DefinitionSet, SlaDef
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg

Freq = Literal["week", "month"]
_GOOD = {"good", "satisfied", "positive", "yes", "👍"}
_BAD = {"bad", "unsatisfied", "dissatisfied", "negative", "no", "👎"}
BLANK = N_("(blank)")                 # channel of tickets with an empty channel (stored in English)
ALL = N_("(all)")                     # the one channel when the file has no channel column
# Column names of the tables shown to people; an interface translates them for display.
COLUMNS = (N_("channel"), N_("period"), N_("tickets"), N_("answered"), N_("unanswered"),
           N_("first_reply_median_min"), N_("first_reply_p90_min"), N_("within_sla"), N_("within_sla_pct"),
           N_("resolution_median_min"), N_("resolution_p90_min"), N_("good"), N_("rated"), N_("csat_good_pct"))


def _rating(series: pd.Series) -> pd.Series:
    """Normalize satisfaction to 'good' / 'bad' / <NA> (offered, unoffered, blank)."""
    s = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="string")
    out = out.mask(s.isin(_GOOD).fillna(False), "good").mask(s.isin(_BAD).fillna(False), "bad")
    return out


def _check(ds: Dataset) -> None:
    for col in ("ticket_id", "created_at"):
        if col not in ds.columns:
            raise CxDataError(msg("the tickets table has no {column} column.", column=col), file=ds.name, column=col,
                              hint=msg("Map it on the Data page (or rename the column) and try again."))


def _sla_minutes(defs: DefinitionSet) -> float:
    return defs.sla.first_response_hours * 60.0


def _channels(values: pd.Series) -> pd.Series:
    """The channel group of each value: its text, trimmed; empty -> (blank)."""
    return values.astype("string").str.strip().fillna(BLANK).replace("", BLANK)


def _channel(ds: Dataset) -> pd.Series:
    if "channel" in ds.df.columns:
        return _channels(ds.df["channel"])
    return pd.Series(ALL, index=ds.df.index, dtype="string")


def _period(ts: pd.Series, freq: Freq) -> pd.Series:
    """The first day of each timestamp's calendar week (Monday) or month, in UTC."""
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None) if ts.dt.tz is not None else ts
    return naive.dt.to_period("W-SUN" if freq == "week" else "M").dt.start_time


# The figures per group come from sufficient statistics, the same on both paths: counts per group and, for the
# medians and 90th percentiles, the group's times at the ranks the interpolation reads (pandas' rule: linear
# between order statistics; the median is the middle value or the mean of the two middle ones).
QUANTILES = ((0.5, "median_min"), (0.9, "p90_min"))
TIMES = (("first_reply_minutes", "answered", "first_reply"), ("resolution_minutes", "resolved", "resolution"))
_COLS = ["tickets", "answered", "unanswered", "first_reply_median_min", "first_reply_p90_min", "within_sla",
         "within_sla_pct", "resolution_median_min", "resolution_p90_min", "good", "rated", "csat_good_pct"]


def _ranks(n: int) -> list[int]:
    """The ranks (0-based, ascending) of ``n`` values that the median and the 90th percentile read."""
    if n <= 0:
        return []
    out = {n // 2} if n % 2 else {n // 2 - 1, n // 2}
    for q, _ in QUANTILES[1:]:
        h = q * (n - 1)
        out |= {int(h)} | ({int(h) + 1} if h % 1 else set())
    return sorted(out)


def _quantile(at: Callable[[int], float], n: int, q: float) -> float:
    """The ``q`` quantile of ``n`` values from the value at each rank (``at``), as pandas computes it."""
    if n <= 0:
        return float("nan")
    if q == 0.5:
        return float(at(n // 2)) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2
    h = q * (n - 1)
    lo, frac = int(h), h % 1
    return float(at(lo)) if frac == 0 else at(lo) + (at(lo + 1) - at(lo)) * frac


def _table(counts: pd.DataFrame, picks: pd.DataFrame, key: str) -> pd.DataFrame:
    """The per-group ticket table from ``counts`` (index: the group; tickets, answered, within_sla, good, rated,
    resolved) and ``picks`` (key, column, rank, value: the times at the ranks :func:`_ranks` names)."""
    out = counts[["tickets", "answered", "within_sla", "good", "rated"]].astype("int64")
    at = {(k, c, int(r)): float(v) for k, c, r, v in picks[["key", "column", "rank", "value"]].itertuples(index=False)}
    for column, size, prefix in TIMES:
        for q, suffix in QUANTILES:
            out[f"{prefix}_{suffix}"] = np.array(
                [_quantile(lambda r, k=k, c=column: at[(k, c, r)], int(n), q) for k, n in counts[size].items()],
                dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["within_sla_pct"] = 100.0 * out["within_sla"] / out["answered"].replace(0, np.nan)
        out["csat_good_pct"] = 100.0 * out["good"] / out["rated"].replace(0, np.nan)
    out["unanswered"] = out["tickets"] - out["answered"]
    out.index.name = key
    return out[_COLS].reset_index()


def _agg(frame: pd.DataFrame, key: str, sla_min: float) -> pd.DataFrame:
    """Per-group ticket table of a pandas frame (:func:`_frame`), vectorized."""
    fr, res = frame["first_reply_minutes"], frame["resolution_minutes"]
    w = frame.assign(answered=fr.notna().astype("int64"), within=(fr <= sla_min).astype("int64"),
                     good=(frame["rating"] == "good").fillna(False).astype("int64"),
                     rated=frame["rating"].notna().astype("int64"), resolved=res.notna().astype("int64"))
    groups = w.groupby(key, sort=True, observed=True, dropna=True)
    counts = groups.agg(tickets=("ticket_id", "size"), answered=("answered", "sum"), within_sla=("within", "sum"),
                        good=("good", "sum"), rated=("rated", "sum"), resolved=("resolved", "sum"))
    code = groups.ngroup().fillna(-1).to_numpy("int64")       # each row's group, as counts orders them (-1: none)
    parts = []
    for column, size, _ in TIMES:
        values = frame[column].to_numpy("float64")
        ok = (code >= 0) & ~np.isnan(values)
        group, values = code[ok], values[ok]
        ordered = values[np.lexsort((values, group))]         # by group, then time: ranks are offsets
        starts = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=len(counts)))[:-1]])
        picks = [(k, r, ordered[starts[g] + r]) for g, (k, n) in enumerate(counts[size].items())
                 for r in _ranks(int(n))]
        parts.append(pd.DataFrame(picks, columns=["key", "rank", "value"]).assign(column=column))
    return _table(counts, pd.concat(parts, ignore_index=True), key)


def _frame(ds: Dataset) -> pd.DataFrame:
    df = ds.df
    nan = pd.Series(np.nan, index=df.index, dtype="float64")
    fr = df["first_reply_minutes"] if "first_reply_minutes" in df.columns else nan
    res = df["resolution_minutes"] if "resolution_minutes" in df.columns else nan
    rating = _rating(df["satisfaction"]) if "satisfaction" in df.columns else pd.Series(pd.NA, index=df.index,
                                                                                         dtype="string")
    return pd.DataFrame({"ticket_id": df["ticket_id"], "created_at": df["created_at"], "channel": _channel(ds),
                         "first_reply_minutes": fr.where(fr >= 0), "resolution_minutes": res.where(res >= 0),
                         "rating": rating})


def _on_engine(ds: Dataset, key, sla_min: float, name: str, keys: pd.Index | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the per-group ticket table, the counts per group) computed on the engine
    (:mod:`cxlib.analyses.support_engine`) for groups ``key`` (see its ``counts``); ``keys`` turns the engine's
    group numbers into the table's groups."""
    from cxlib.analyses import support_engine as se
    good, bad = [], []
    if "satisfaction" in ds.columns:
        raw = se.distinct(ds, "satisfaction").dropna()
        rating = _rating(raw)
        good, bad = raw[rating == "good"].tolist(), raw[rating == "bad"].tolist()
    counts = se.counts(ds, key, sla_min, good, bad)
    counts = counts[counts.index.notna()]
    picks = se.order_statistics(ds, key, counts, _ranks)
    picks = picks[picks["key"].notna()]
    if keys is not None:
        counts.index = keys[counts.index.astype("int64")]
        picks = picks.assign(key=np.asarray(keys[picks["key"].astype("int64")], dtype=object))
    return _table(counts.sort_index(), picks, name), counts


def _channel_key(ds: Dataset):
    """The engine's channel groups: each distinct channel mapped by :func:`_channels` (one group, (all), when
    the file has no channel column)."""
    if "channel" not in ds.columns:
        return ALL
    from cxlib.analyses.support_engine import distinct
    raw = distinct(ds, "channel").dropna()
    return "channel", pd.DataFrame({"raw": raw, "key": _channels(raw)}), BLANK


@dataclass(frozen=True)
class SupportSummary(Result):
    tickets: int
    answered: int
    unanswered: int
    first_reply_median_min: float
    first_reply_p90_min: float
    within_sla: int
    within_sla_pct: float            # 0..100 among answered tickets
    within_sla_ci95: tuple[float, float]
    resolution_median_min: float
    resolution_p90_min: float
    good: int
    rated: int
    csat_good_pct: float             # 0..100 (NaN when no good/bad rating)
    csat_good_ci95: tuple[float, float]
    by_channel: pd.DataFrame = field(repr=False, compare=False, default=None)
    tickets_per_1000_customers: float | None = None
    sla: SlaDef = field(default_factory=SlaDef)
    warnings: tuple[Msg, ...] = ()

    def to_json(self) -> dict:
        r = (lambda x: None if x is None or not np.isfinite(x) else round(float(x), 2))
        by = self.by_channel.set_index("channel") if self.by_channel is not None else pd.DataFrame()
        return {"tickets": self.tickets, "answered": self.answered, "unanswered": self.unanswered,
                "first_reply_median_min_by_channel": {str(k): r(v) for k, v in
                                                      by.get("first_reply_median_min", pd.Series()).items()},
                "first_reply_p90_min_by_channel": {str(k): r(v) for k, v in
                                                   by.get("first_reply_p90_min", pd.Series()).items()},
                "first_reply_median_min": r(self.first_reply_median_min),
                "first_reply_p90_min": r(self.first_reply_p90_min),
                "within_sla_pct": r(self.within_sla_pct) if self.answered else 0.0,
                "within_sla_ci95_pct": [r(x) for x in self.within_sla_ci95],
                "sla_hours": self.sla.first_response_hours,
                "resolution_median_min": r(self.resolution_median_min),
                "resolution_p90_min": r(self.resolution_p90_min),
                "csat_good_pct": r(self.csat_good_pct), "csat_rated": self.rated,
                "tickets_per_1000_customers": r(self.tickets_per_1000_customers),
                "warnings": list(self.warnings)}

    def to_frame(self) -> pd.DataFrame:
        return self.by_channel.copy()

    def summary(self) -> Msg:
        return msg("{tickets} tickets, {answered} answered; median first reply {median_min:.0f} min "
                   "(p90 {p90_min:.0f}); {within_sla_pct:.1f}% within {sla_hours:g} h; "
                   "ticket CSAT {csat_good_pct:.1f}% good.", tickets=self.tickets, answered=self.answered,
                   median_min=self.first_reply_median_min, p90_min=self.first_reply_p90_min,
                   within_sla_pct=self.within_sla_pct, sla_hours=self.sla.first_response_hours,
                   csat_good_pct=self.csat_good_pct)


def summarize(ds: Dataset, defs: DefinitionSet | None = None, *, customers: Dataset | None = None,
              sla_hours: float | None = None) -> SupportSummary:
    """Headline support metrics and the per-channel table.

    ``customers`` (a customers or orders dataset) adds tickets per 1,000 customers (distinct
    customer ids in it). ``sla_hours`` overrides ``defs.sla``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ticket_id": ["1", "2", "3"], "channel": ["email", "email", "chat"],
    ...     "created_at": ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-09 09:00"],
    ...     "first_reply_minutes": [30, 2000, None]})
    >>> ds = from_frame(df, "tickets")
    >>> res = summarize(ds)                    # SLA 24 h: 30 min is within, 2,000 min is not
    >>> res.tickets, res.answered, res.within_sla_pct
    (3, 2, 50.0)
    """
    from cxlib.core.stats import proportion_ci
    defs = defs or DefinitionSet.default()
    if sla_hours is not None:
        defs = defs.replace(sla=SlaDef(float(sla_hours)))
    _check(ds)
    sla_min = _sla_minutes(defs)
    if ds.aggregate_on_engine:          # a large table stays in the engine: counts and order statistics only
        total, counts = _on_engine(ds, "all", sla_min, "_all")
        by_channel = _on_engine(ds, _channel_key(ds), sla_min, "channel")[0]
        tickets, neg = int(counts["tickets"].sum()), int(counts["negative"].sum())
    else:
        frame = _frame(ds)
        total, by_channel, tickets = _agg(frame.assign(_all="all"), "_all", sla_min), _agg(frame, "channel", sla_min), \
            len(frame)
        neg = int((ds.df.get("first_reply_minutes", pd.Series(dtype=float)) < 0).sum())
    total = total.iloc[0] if tickets else None
    by_channel = by_channel.sort_values("tickets", ascending=False, kind="stable")
    warnings: list[Msg] = []
    if "first_reply_minutes" not in ds.columns:
        warnings.append(msg("No first reply time column: reply times and SLA cannot be computed."))
    if neg:
        warnings.append(msg("{count} ticket(s) have a negative first reply time and were treated as unanswered.",
                            count=neg))
    get = (lambda k: float(total[k]) if total is not None else float("nan"))
    answered, within = int(get("answered") or 0), int(get("within_sla") or 0)
    good, rated = int(get("good") or 0), int(get("rated") or 0)
    if 0 < answered < 30:
        warnings.append(msg("Only {count} answered tickets: reply-time figures are uncertain.", count=answered))
    if answered == 0 and "first_reply_minutes" in ds.columns:
        warnings.append(msg("No ticket has a first reply yet: % within SLA is undefined (reported as 0 in the "
                            "command-line output, which needs a number)."))
    if 0 < rated < 30:
        warnings.append(msg("Only {count} good/bad ratings: ticket CSAT is uncertain.", count=rated))
    _, slo, shi = proportion_ci(within, answered) if answered else (0, np.nan, np.nan)
    _, clo, chi = proportion_ci(good, rated) if rated else (0, np.nan, np.nan)
    per_1000 = None
    if customers is not None and "customer_id" in customers.columns:
        if customers.aggregate_on_engine:
            from cxlib.analyses.support_engine import customer_count
            n_cust = customer_count(customers)
        else:
            n_cust = int(customers.df["customer_id"].nunique(dropna=True))
        per_1000 = 1000.0 * tickets / n_cust if n_cust else None
    return SupportSummary(
        tickets=tickets, answered=answered, unanswered=tickets - answered,
        first_reply_median_min=get("first_reply_median_min"), first_reply_p90_min=get("first_reply_p90_min"),
        within_sla=within, within_sla_pct=get("within_sla_pct"), within_sla_ci95=(100 * slo, 100 * shi),
        resolution_median_min=get("resolution_median_min"), resolution_p90_min=get("resolution_p90_min"),
        good=good, rated=rated, csat_good_pct=get("csat_good_pct"), csat_good_ci95=(100 * clo, 100 * chi),
        by_channel=by_channel.reset_index(drop=True), tickets_per_1000_customers=per_1000, sla=defs.sla,
        warnings=tuple(warnings))


@dataclass(frozen=True)
class SupportTrend(Result):
    """Tickets per week (Monday start) or month: volume, reply times, SLA %, CSAT good %."""

    freq: str
    frame: pd.DataFrame
    description: str = ""            # the definition sentence (a Msg)
    warnings: tuple[Msg, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_json(self) -> dict:
        f = self.frame.copy()
        f["period"] = f["period"].astype(str)
        return {"freq": self.freq, "rows": f.round(2).to_dict("records")}

    def summary(self) -> Msg:
        if self.freq == "month":
            return msg("Support by month: {periods} periods.", periods=len(self.frame))
        if self.freq == "week":
            return msg("Support by week: {periods} periods.", periods=len(self.frame))
        return msg("Support by {freq}: {periods} periods.", freq=self.freq, periods=len(self.frame))


def over_time(ds: Dataset, freq: Freq = "week", defs: DefinitionSet | None = None) -> SupportTrend:
    """The per-period ticket table (same columns as the per-channel table).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ticket_id": ["1", "2", "3"], "channel": ["email", "email", "chat"],
    ...     "created_at": ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-09 09:00"],
    ...     "first_reply_minutes": [30, 2000, None]})
    >>> ds = from_frame(df, "tickets")
    >>> over_time(ds, "week").to_frame()[["tickets", "answered"]].values.tolist()    # weeks of 1 and 8 January
    [[2, 2], [1, 0]]
    """
    defs = defs or DefinitionSet.default()
    _check(ds)
    if ds.aggregate_on_engine:          # periods of the distinct UTC days, mapped on the engine
        from cxlib.analyses import support_engine as se
        days = se.distinct_days(ds)
        codes, periods = pd.factorize(_period(pd.to_datetime(days, unit="D", utc=True), freq))
        key = ("day", pd.DataFrame({"raw": days.to_numpy(), "key": codes}), None)
        out = _on_engine(ds, key, _sla_minutes(defs), "period", keys=pd.Index(periods))[0]
        undated = se.undated(ds)
    else:
        frame = _frame(ds)
        frame["period"] = _period(frame["created_at"], freq)
        out = _agg(frame, "period", _sla_minutes(defs))
        undated = int(frame["created_at"].isna().sum())
    warnings = ((msg("{count} ticket(s) have no creation date and are left out of the trend.", count=undated),)
                if undated else ())
    return SupportTrend(freq, out, defs.describe("first_reply_sla"), warnings)


def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sla-hours", type=float, default=None,
                        help="first response SLA in hours (default: the definitions' value, 24)")


def cli_run(ds: Dataset, args: argparse.Namespace, defs: DefinitionSet) -> dict:
    hours = getattr(args, "sla_hours", None)
    if hours is not None and not (np.isfinite(hours) and hours > 0):
        raise CxDataError(msg("--sla-hours must be a number of hours above 0, got {hours}.", hours=hours),
                          hint=msg("For example --sla-hours 24."))
    out = summarize(ds, defs, sla_hours=hours).to_json()
    out["definition"] = (defs if hours is None else defs.replace(sla=SlaDef(float(hours)))).describe("first_reply_sla")
    return out
