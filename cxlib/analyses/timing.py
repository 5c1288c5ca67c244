"""When customers act: orders, events, answers or tickets by weekday and hour, in the shop's time.

Definitions
-----------
- A row's *slot* is its weekday (0 = Monday) and hour (0-23) in the chosen time zone (an IANA name
  such as ``Europe/Berlin``; daylight saving is applied date by date). Counts are summed over every
  week of the data: orders count valid orders (the revenue definition's statuses; line items of one
  order counted once), events count events, answers and tickets count rows.
- For events with a conversion event (default ``purchase``), a slot's *conversion rate* is, among the
  *user-hours* in that slot (a user with any event in one clock hour), the share that include the
  conversion event; 95% Wilson intervals. A slot is *not enough data* when it has fewer than
  ``min_units`` user-hours or its interval is wider than ``max_ci_width``.

The engine aggregates (rows per UTC hour, user-hours per UTC hour); Python maps each UTC hour to the
local weekday and hour with :mod:`zoneinfo`. In a zone whose offset is not a whole number of hours
(India, Newfoundland, ...) the UTC buckets are 30 or 15 minutes so that each maps to one local hour.

Examples
--------
>>> import cxlib as cx
>>> res = cx.timing(cx.load("sample_data/orders_shopify.csv"), cx.TimingSpec(tz="Europe/Berlin"))
>>> int(res.cells["count"].sum()) == cx.orders(cx.load("sample_data/orders_shopify.csv")).valid_orders
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import numpy as np
import pandas as pd

from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.result import Result
from cxlib.core.stats import wilson_ci
from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.roles import ROLES_BY_NAME, role_noun

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import ibis.expr.types as ir

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
UNITS = {"orders": N_("orders"), "events": N_("events"), "responses": N_("answers"), "tickets": N_("tickets"),
         "experiment": N_("assignments"), "customers": N_("sign-ups"), "messages": N_("messages")}


@dataclass(frozen=True, slots=True)
class TimingSpec:
    """Which time zone, which conversion event, and when a slot has too little data for its rate."""

    tz: str = "UTC"
    conversion_event: str = "purchase"
    by: str | None = None              # a column to break the heatmap down by (device, channel, ...)
    min_units: int = 30                # user-hours below which a slot's rate is not judged
    max_ci_width: float = 0.2          # 95% interval wider than this (a fraction) -> "not enough data"

    def __post_init__(self) -> None:
        zone(self.tz)                  # fail early on an unknown zone
        if int(self.min_units) < 1:
            raise CxDataError(msg("the minimum number of user-hours per slot must be at least 1."),
                              hint=msg("Use e.g. 30."))
        if not 0 < float(self.max_ci_width) <= 1:
            raise CxDataError(msg("the widest interval allowed must be a fraction in (0, 1], got {value}.",
                                  value=self.max_ci_width), hint=msg("Use e.g. 0.2 for 20 points."))

    def to_json(self) -> dict:
        return {"tz": self.tz, "conversion_event": self.conversion_event, "by": self.by,
                "min_units": int(self.min_units), "max_ci_width": float(self.max_ci_width)}

    @classmethod
    def from_json(cls, obj: dict) -> TimingSpec:
        allowed = set(cls().to_json())
        unknown = sorted(set(obj) - allowed)
        if unknown:
            raise CxDataError(msg("unknown key(s) {keys} in TimingSpec", keys=", ".join(unknown)),
                              hint=msg("Known keys: {keys}.", keys=", ".join(sorted(allowed))))
        return cls(**obj)

    def describe(self) -> Msg:
        return msg("Counts by weekday and hour in {tz} time, summed over every week of the data; a slot's "
                   "conversion rate is the share of user-hours (a user active in one clock hour) that include "
                   "'{event}', with a 95% Wilson interval; slots with fewer than {n} user-hours or an interval "
                   "wider than {width:.0%} are marked 'not enough data'.", tz=self.tz,
                   event=self.conversion_event, n=int(self.min_units), width=float(self.max_ci_width))


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or a CxDataError with close names."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        import difflib
        close = difflib.get_close_matches(str(name), sorted(available_timezones()), n=3)
        raise CxDataError(msg("unknown time zone {name}.", name=repr(name)),
                          hint=msg("Use an IANA name such as Europe/Berlin or America/New_York{close}.",
                                   close=(" (" + ", ".join(close) + "?)") if close else "")) from None


@dataclass(frozen=True, slots=True)
class TimingResult(Result):
    """The weekday x hour heatmap of one dataset, with rates for events."""

    spec: TimingSpec
    role: str
    cells: pd.DataFrame                # weekday, hour, [by], count, [units, conversions, rate, ci_low, ci_high, enough]
    weeks: float                       # weeks of data the counts are summed over
    busiest: dict | None               # {weekday, hour, count, share}
    best: dict | None                  # {weekday, hour, rate, ci95, units} among slots with enough data
    warnings: tuple[Msg, ...] = ()

    @property
    def has_rates(self) -> bool:
        return "rate" in self.cells.columns

    def sentence(self) -> Msg:
        """The busiest and (for events) best-converting slots, in words."""
        unit = UNITS.get(self.role, N_("rows"))
        if not self.busiest:
            return msg("No {unit} with a time to place on the heatmap.", unit=Msg(unit))
        b = self.busiest
        busy = msg("Busiest: {day} {hour:02d}:00-{end:02d}:00 ({count:,} {unit}, {share:.1%} of all).",
                   day=Msg(WEEKDAYS[b["weekday"]]), hour=b["hour"], end=(b["hour"] + 1) % 24, count=b["count"],
                   unit=Msg(unit), share=b["share"])
        if not self.has_rates:
            return busy
        if not self.best:
            return msg("{busy} Not enough data to name a best-converting hour (every slot has fewer than {n} "
                       "user-hours or too wide an interval).", busy=busy, n=int(self.spec.min_units))
        c = self.best
        return msg("{busy} Best converting: {day} {hour:02d}:00-{end:02d}:00, {rate:.1%} of {units:,} user-hours "
                   "(95% CI {low:.1%}-{high:.1%}).", busy=busy, day=Msg(WEEKDAYS[c["weekday"]]), hour=c["hour"],
                   end=(c["hour"] + 1) % 24, rate=c["rate"], units=c["units"], low=c["ci95"][0], high=c["ci95"][1])

    def describe(self) -> Msg:
        return self.sentence()

    def to_frame(self) -> pd.DataFrame:
        return self.cells.copy()

    def to_json(self) -> dict:
        """The CLI contract: ``{tz, heatmap: [{weekday, hour, count}], warnings}`` plus rates and the sentence."""
        cols = [c for c in ("weekday", "hour", self.spec.by, "count", "units", "conversions", "rate")
                if c and c in self.cells.columns]
        rows = []
        for rec in self.cells[cols].to_dict("records"):
            out = {k: (int(v) if k in ("weekday", "hour", "count", "units", "conversions") else
                       (None if isinstance(v, float) and math.isnan(v) else v)) for k, v in rec.items()}
            rows.append(out)
        return {"tz": self.spec.tz, "heatmap": rows, "weeks": round(self.weeks, 2), "busiest": self.busiest,
                "best_converting": self.best, "summary": str(self.sentence()), "spec": self.spec.to_json(),
                "warnings": [str(w) for w in self.warnings]}


# ---------------------------------------------------------------------------------------------------------
# engine part: rows (and user-hours) per UTC bucket
def bucket_minutes(tz: ZoneInfo, start: datetime, end: datetime) -> int:
    """60 when every UTC offset of ``tz`` between ``start`` and ``end`` is whole hours, else 30 or 15."""
    offsets = {tz.utcoffset(datetime(y, m, 1, tzinfo=timezone.utc).replace(tzinfo=None))
               for y in range(start.year, end.year + 1) for m in range(1, 13)}
    minutes = {int(o.total_seconds() // 60) % 60 for o in offsets if o is not None}
    if minutes <= {0}:
        return 60
    return 30 if minutes <= {0, 30} else 15


def bucket_keys(ts: ir.TimestampColumn, minutes: int) -> list:
    """The UTC bucket of ``ts``: its hour (truncated) and, for buckets under an hour, the part of the hour.

    Truncation and minute extraction mean the same on every engine (epoch arithmetic does not: some
    engines count seconds from their own origin, and integer division rounds differently)."""
    keys = [ts.truncate("h").name("utc_hour")]
    if minutes < 60:
        keys.append((ts.minute() // minutes).cast("int32").name("part"))
    return keys


def _counts_expr(t: ir.Table, time: str, key: str | None, by: str | None, minutes: int) -> ir.Table:
    """Rows (or distinct ``key`` values) per UTC bucket of ``minutes`` (and ``by``)."""
    f = t.filter(t[time].notnull())
    keys = bucket_keys(f[time], minutes)
    keys += [f[by].cast("string").fill_null("(missing)").name("by")] if by else []
    return f.group_by(keys).aggregate(count=(f[key].nunique() if key else f.count()))


def _rates_expr(t: ir.Table, time: str, user: str, event: str, by: str | None, minutes: int) -> ir.Table:
    """User-buckets per UTC bucket (and ``by``: the user's value on their first event of the bucket)
    and how many of them include ``event``."""
    u = t.filter(t[time].notnull() & t[user].notnull())
    u = u.mutate(*bucket_keys(u[time], minutes), conv=(u.event.cast("string") == event).ifelse(1, 0))
    parts = ["utc_hour"] + (["part"] if minutes < 60 else [])
    aggs = {"conv": u.conv.max()}
    if by:
        aggs["by"] = u[by].cast("string").fill_null("(missing)").first(order_by=u[time])
    per_user = u.group_by([u[user], *parts]).aggregate(**aggs)
    keys = parts + (["by"] if by else [])
    return per_user.group_by(keys).aggregate(units=per_user.count(), conversions=per_user.conv.sum())


def _local(buckets: pd.DataFrame, tz: ZoneInfo, minutes: int) -> pd.DataFrame:
    """UTC buckets -> local weekday and hour (with daylight saving date by date)."""
    hour = pd.to_datetime(buckets["utc_hour"])
    hour = hour.dt.tz_localize("UTC") if hour.dt.tz is None else hour.dt.tz_convert("UTC")
    if minutes < 60:
        hour = hour + pd.to_timedelta(buckets["part"].to_numpy(dtype="int64") * minutes, unit="m")
    when = pd.DatetimeIndex(hour).tz_convert(tz)
    out = buckets.drop(columns=[c for c in ("utc_hour", "part") if c in buckets])
    out.insert(0, "hour", when.hour.to_numpy(dtype="int64"))
    out.insert(0, "weekday", when.day_of_week.to_numpy(dtype="int64"))
    return out


def _grid(by_values: list[str] | None) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"]).to_frame(index=False)
    if by_values is None:
        return grid
    return grid.merge(pd.DataFrame({"by": by_values}), how="cross")


# ---------------------------------------------------------------------------------------------------------
def timing(ds: Dataset, spec: TimingSpec | None = None, defs: DefinitionSet | None = None) -> TimingResult:
    """The weekday x hour heatmap of ``ds`` (orders, events, survey answers, tickets) in ``spec.tz``.

    Raises
    ------
    CxDataError
        When the dataset has no time column with any value, or ``spec.by`` is not one of its columns.
    """
    spec = spec or TimingSpec()
    defs = defs or DefinitionSet.default()
    role = ds.role
    time = ROLES_BY_NAME[role].main_time if role in ROLES_BY_NAME else None
    if not time or not ds.has(time):
        raise CxDataError(msg("{name} has no times to place on the heatmap.", name=ds.name),
                          hint=msg("Load {role} data with a date and time column, and map it on the Data page.",
                                   role=role_noun(role)))
    by = _by_column(ds, spec.by)
    tz = zone(spec.tz)
    first, last = ds.time_range(time)
    minutes = bucket_minutes(tz, first.to_pydatetime(), last.to_pydatetime())
    warnings: list[Msg] = []
    if role == "orders":
        from cxlib.data.orders import valid_orders_expr          # the one valid-orders rule
        cols = [c for c in ("order_id", "ordered_at", "status", "customer_id", "amount", "refunded", by)
                if c and c in ds.columns]
        t = (ds.engine_table(row=True).select(*cols, "_row") if ds.on_engine
             else engine.table(ds.df[cols].assign(_row=np.arange(len(ds.df)))))
        vo = valid_orders_expr(t, defs, extra={by: by} if by and by not in ("customer_id",) else None)
        counts = engine.execute(_counts_expr(vo, "ordered_at", None, by, minutes))
    else:
        cols = [c for c in (time, "user_id", "event", by) if c and c in ds.columns]
        t = ds.engine_table().select(*cols) if ds.on_engine else engine.table(ds.df[cols])
        counts = engine.execute(_counts_expr(t, time, None, by, minutes))
    cells = _local(counts, tz, minutes)
    keys = ["weekday", "hour"] + (["by"] if by else [])
    cells = cells.groupby(keys, as_index=False)["count"].sum()
    rates = None
    if role == "events" and ds.has("user_id"):
        if not int(engine.execute(t.filter(t.event.cast("string") == spec.conversion_event).count())):
            warnings.append(msg("No '{event}' events: conversion rates are not shown.", event=spec.conversion_event))
        else:
            rates = _local(engine.execute(_rates_expr(t, time, "user_id", spec.conversion_event, by, minutes)),
                           tz, minutes)
            rates = rates.groupby(keys, as_index=False)[["units", "conversions"]].sum()
            if minutes != 60:
                warnings.append(msg("{tz} is not a whole number of hours from UTC: user-hours are counted per "
                                    "{minutes} minutes.", tz=spec.tz, minutes=minutes))
    by_values = sorted(cells["by"].unique().tolist()) if by else None
    out = _grid(by_values).merge(cells, on=keys, how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    best = None
    if rates is not None:
        out = out.merge(rates, on=keys, how="left")
        out[["units", "conversions"]] = out[["units", "conversions"]].fillna(0).astype("int64")
        out["rate"] = np.where(out["units"] > 0, out["conversions"] / out["units"].where(out["units"] > 0, 1), np.nan)
        low, high = wilson_ci(out["conversions"].to_numpy(), out["units"].to_numpy())
        out["ci_low"], out["ci_high"] = low, high
        out["enough"] = (out["units"] >= int(spec.min_units)) & ((out["ci_high"] - out["ci_low"]) <= spec.max_ci_width)
        best = _best(out, spec, by)
    if by:
        out = out.rename(columns={"by": by})
    total = int(out["count"].sum())
    busiest = None
    if total:
        per_slot = out.groupby(["weekday", "hour"], as_index=False)["count"].sum()
        top = per_slot.sort_values(["count", "weekday", "hour"], ascending=[False, True, True]).iloc[0]
        busiest = {"weekday": int(top["weekday"]), "hour": int(top["hour"]), "count": int(top["count"]),
                   "share": float(top["count"]) / total}
    weeks = max((last - first).total_seconds() / (7 * 86400), 1 / 7) if total else 0.0
    if total and weeks < 4:
        warnings.append(msg("Only {days:.0f} days of data: each slot is seen at most {n} time(s); read the "
                            "heatmap as indicative.", days=weeks * 7, n=math.ceil(weeks)))
    return TimingResult(spec, role, out, float(weeks), busiest, best, tuple(warnings))


def _best(cells: pd.DataFrame, spec: TimingSpec, by: str | None) -> dict | None:
    """The best-converting slot among those with enough data (segments of ``by`` added together)."""
    if by:
        cells = cells.groupby(["weekday", "hour"], as_index=False)[["units", "conversions"]].sum()
        cells["rate"] = cells["conversions"] / cells["units"].where(cells["units"] > 0)
        cells["ci_low"], cells["ci_high"] = wilson_ci(cells["conversions"].to_numpy(), cells["units"].to_numpy())
        cells["enough"] = ((cells["units"] >= int(spec.min_units))
                           & ((cells["ci_high"] - cells["ci_low"]) <= spec.max_ci_width))
    ok = cells[cells["enough"]]
    if ok.empty:
        return None
    top = ok.sort_values(["rate", "units", "weekday", "hour"], ascending=[False, False, True, True]).iloc[0]
    return {"weekday": int(top["weekday"]), "hour": int(top["hour"]), "rate": float(top["rate"]),
            "ci95": [float(top["ci_low"]), float(top["ci_high"])], "units": int(top["units"])}


def _by_column(ds: Dataset, by: str | None) -> str | None:
    """``by`` as a column of the dataset (a canonical name or the file's own header), or None."""
    from cxlib.data.columns import resolve_column
    return resolve_column(ds, by) if by else None


# ---------------------------------------------------------------------------------------------------------
# command line: python -m cxlib timing FILE [--tz ZONE] [--by FIELD] [--event NAME] --json
def cli_arguments(parser) -> None:
    parser.add_argument("--tz", default="UTC", help="the shop's time zone, an IANA name such as Europe/Berlin "
                                                   "(default UTC)")
    parser.add_argument("--by", help="break the heatmap down by this column (file header or canonical name)")
    parser.add_argument("--event", default="purchase", help="conversion event for rates on events (default purchase)")


def cli_run(ds: Dataset, args, defs: DefinitionSet) -> dict:
    spec = TimingSpec(tz=args.tz, by=getattr(args, "by", None), conversion_event=args.event)
    return timing(ds, spec, defs).to_json()


__all__ = ["TimingResult", "TimingSpec", "WEEKDAYS", "bucket_keys", "bucket_minutes", "timing", "zone"]
