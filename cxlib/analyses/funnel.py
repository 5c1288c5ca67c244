"""Funnels: unique users (or sessions) per ordered step, drop-off, breakdowns, time to convert.

Semantics (DESIGN.md "Funnel semantics"): ordered steps s1..sk and a conversion window W. A unit
(a user, or a user's session) reaches level j when some occurrence of s1 at time t0 is followed
by s2..sj, each at a time >= the previous matched step (ties allowed, so one event may satisfy
two consecutive steps when it matches both), all <= t0 + W; other events may interleave. Each
unit counts at the deepest level reached from any s1 occurrence ("any" start) or from its first
s1 occurrence only ("first" start). Options:

- ``order="strict"``: between two consecutive matched steps no event of another funnel step may
  occur (repeats of the earlier step are allowed; events at the same instant never break it).
- ``exclude``: an attempt (a path from one s1 occurrence) during which the exclusion event
  happens strictly between step 1 and the last step it reached is dropped; units left without
  any attempt are excluded from every step (and counted in ``excluded_units``).
- The path shown for a unit (times to convert, drop-off lists) is its deepest, earliest-completed
  attempt, latest start first, with each step at its earliest possible time.
- A breakdown value is the unit's value on its first s1 event (same instant: the earlier row of
  the file); trends use that event's time.

Engine (``cxlib.analyses.funnel_compute``; breakdowns and their tests in
``cxlib.analyses.funnel_breakdown``; windows and durations as text in ``cxlib.core.durations``):
DuckDB, one in-process connection per call. The frame is scanned once into a compact table of funnel
events (unit hash, epoch microseconds, row id, bit mask of the steps each event matches).
Each step is then one ASOF join (the greedy earliest match is optimal for every option above);
s1 occurrences that share their s2 match are pruned to the latest one first, which changes no
result without an exclusion step (with one, a later, deeper attempt may be excluded where an
earlier, shorter one is not, so every s1 occurrence stays an attempt). Units are joined on a
64-bit hash of the id (probability of any collision below 3e-6 even with 10 million units).
Per-unit results and statistics: pandas/numpy/scipy on small frames.
The plain-Python oracle is tests/funnel_reference.py; benchmarks/bench_funnel.py times it all.
"""
from __future__ import annotations

import argparse
import functools
import math
import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.analyses.funnel_breakdown import MISSING, BreakdownTest, compute_breakdown
from cxlib.analyses.funnel_compute import (
    FrameRows,
    PerUnit,
    build_events,
    paths_sql,
    prepare_events,
    prepare_source,
)
from cxlib.core.durations import duration_text, format_window, parse_window
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg
from cxlib.core.result import Result
from cxlib.core.spec import Spec
from cxlib.core.stats import wilson_ci
from cxlib.data.columns import resolve_column
from cxlib.data.dataset import Dataset
from cxlib.data import engine
from cxlib.data.engine import sql_text
from cxlib.data.roles import role_noun

Order = Literal["any", "strict"]
Start = Literal["any", "first"]
Unit = Literal["user", "session"]
Period = Literal["day", "week"]
# Column names of the tables shown to people; an interface translates them for display.
COLUMNS = (N_("step_index"), N_("step"), N_("units"), N_("conversion_from_first"), N_("ci_low_from_first"),
           N_("ci_high_from_first"), N_("conversion_from_previous"), N_("ci_low_from_previous"),
           N_("ci_high_from_previous"), N_("drop_off"), N_("drop_off_rate"), N_("from_step"), N_("to_step"),
           N_("from"), N_("to"), N_("n"), N_("median_s"), N_("p75_s"), N_("p90_s"), N_("p95_s"), N_("value"),
           N_("conversion"), N_("a"), N_("b"), N_("rate_a"), N_("rate_b"), N_("chi2"), N_("p_value"),
           N_("p_holm"), N_("significant"), N_("period"), N_("converted"), N_("rate"), N_("ci_low"),
           N_("ci_high"), N_("user_id"), N_("session_id"), N_("bin_start_s"), N_("bin_end_s"))
QUANTILES = (0.5, 0.75, 0.9, 0.95)
# Readable headers of the time-to-convert table (time_to_convert_view); durations are text in their unit.
TIME_COLUMNS = (N_("From"), N_("To"), N_("Median"), N_("75th percentile"), N_("90th percentile"),
                N_("95th percentile"))
# The usual path of a shop's event log, in order: the default funnel is the part of it the data has.
PATH_EVENTS = ("session_start", "page_view", "view_item", "product_view", "view_item_list", "select_item",
               "add_to_cart", "view_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase")
MAX_STEPS = 8
# Edges (seconds) of the default time-to-convert histogram: ranges people name (under 10 s, 1 to 2 min,
# 6 to 12 h, 3 to 7 d, ...), even on a log with a long tail; the last range is open.
READABLE_EDGES = (0, 10, 30, 60, 120, 300, 600, 1800, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
                  3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)


# --------------------------------------------------------------------------------- definition
@dataclass(frozen=True, slots=True)
class Step(Spec):
    """One funnel step: an event name, optionally restricted to events where column ``prop == value``."""

    _aliases: ClassVar[dict[str, str]] = {"property": "prop"}

    event: str
    prop: str | None = None
    value: str | None = None

    @property
    def label(self) -> str:
        return self.event if self.prop is None else f"{self.event} ({self.prop} = {self.value})"

    def describe(self) -> Msg:
        if self.prop is None:
            # TRANSLATORS: an event name from the file, in quotes
            return msg("'{event}'", event=self.event)
        return msg("'{event}' where {property} = {value}", event=self.event, property=self.prop, value=self.value)

    @classmethod
    def parse(cls, text: str) -> Step:
        """``"page_view"`` or ``"page_view[page=/checkout]"``."""
        m = re.fullmatch(r"\s*([^\[\]]+?)\s*(?:\[\s*([^=\]]+?)\s*=\s*([^\]]*?)\s*\])?\s*", text)
        if not m or not m.group(1):
            raise CxDataError(msg("cannot read the step {text!r}.", text=text),
                              hint=msg("Write an event name, optionally with a filter: page_view[page=/checkout]."))
        return cls(m.group(1), m.group(2), m.group(3) if m.group(2) else None)

    @classmethod
    def from_value(cls, value: object) -> Step:
        """A step in a saved funnel: its JSON object, or the short form ``"page_view[page=/checkout]"``."""
        return cls.parse(value) if isinstance(value, str) else cls.from_json(value)


@dataclass(frozen=True, slots=True)
class FunnelSpec(Spec):
    """A funnel definition, saved as JSON with the analysis (``window`` such as "7d" is read too)."""

    _aliases: ClassVar[dict[str, str]] = {"window": "window_seconds"}

    steps: tuple[Step, ...]
    window_seconds: float = 7 * 86400.0
    order: Order = "any"
    start: Start = "any"
    unit: Unit = "user"
    exclude: Step | None = None
    by: str | None = None
    top_n: int = 10
    period: Period = "day"

    def __post_init__(self) -> None:
        if len(self.steps) < 2:
            raise CxDataError(msg("a funnel needs at least two steps."), hint=msg("Pick two or more events in order."))
        if not (self.window_seconds >= 0 and math.isfinite(self.window_seconds)):
            raise CxDataError(msg("the conversion window must be a duration of zero or more."),
                              hint=msg("For example 7d, 12h or 30m."))
        for name, val, ok in (("order", self.order, ("any", "strict")), ("start", self.start, ("any", "first")),
                              ("unit", self.unit, ("user", "session")), ("period", self.period, ("day", "week"))):
            if val not in ok:
                # the option's name and the accepted values are the JSON/CLI spelling: kept as they are
                # TRANSLATORS: {option} is a setting's name as written in a saved funnel (order, start, unit, period)
                raise CxDataError(msg("unknown funnel {option} {value!r}.", option=name, value=val),
                                  hint=msg("Use one of: {choices}.", choices=", ".join(ok)))
        if self.top_n < 1:
            raise CxDataError(msg("top_n must be at least 1."))

    def describe(self) -> Msg:
        """The definition sentence: one whole template per unit, start and order, then one per extra clause."""
        values = dict(path=_path(s.describe() for s in self.steps), window=format_window(self.window_seconds),
                      event=self.steps[0].event)
        main = _DESCRIBE[(self.unit == "user", self.start == "first", self.order == "strict")](**values)
        if self.exclude and self.by:
            # TRANSLATORS: {main} is the funnel's definition clause; {excluded} an event ("'refund'"), {field} a column
            return msg("{main}; attempts with {excluded} between steps are excluded; broken down by {field} on the "
                       "first {event}.", main=main, excluded=self.exclude.describe(), field=self.by, event=values["event"])
        if self.exclude:
            return msg("{main}; attempts with {excluded} between steps are excluded.", main=main,
                       excluded=self.exclude.describe())
        if self.by:
            return msg("{main}; broken down by {field} on the first {event}.", main=main, field=self.by,
                       event=values["event"])
        # TRANSLATORS: the funnel's definition clause as a sentence (in English: a full stop added)
        return msg("{main}.", main=main)

    @classmethod
    def _read(cls, name: str, value: object) -> object:
        if name == "window_seconds":
            return parse_window(value)
        return value


def _path(parts) -> Msg:
    """Steps one after the other: ``'a' -> 'b' -> 'c'`` (one ``{first} -> {rest}`` template per arrow)."""
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    # TRANSLATORS: steps of a funnel one after the other; {first} is a step, {rest} the following steps
    return msg("{first} -> {rest}", first=parts[0], rest=_path(parts[1:]))


# The main clause of FunnelSpec.describe() by (users?, first start?, strict order?); a sentence is never
# assembled from pieces, so each combination is a whole template.
_DESCRIBE = {
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (True, False, False): lambda **v: msg(
        "Unique users who did {path} in this order within {window} of any {event}, other events allowed in between",
        **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (True, False, True): lambda **v: msg(
        "Unique users who did {path} in this order within {window} of any {event}, with no other funnel step in "
        "between", **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (True, True, False): lambda **v: msg(
        "Unique users who did {path} in this order within {window} of their first {event}, other events allowed in "
        "between", **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (True, True, True): lambda **v: msg(
        "Unique users who did {path} in this order within {window} of their first {event}, with no other funnel "
        "step in between", **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (False, False, False): lambda **v: msg(
        "Unique sessions who did {path} in this order within {window} of any {event}, other events allowed in "
        "between", **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (False, False, True): lambda **v: msg(
        "Unique sessions who did {path} in this order within {window} of any {event}, with no other funnel step in "
        "between", **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (False, True, False): lambda **v: msg(
        "Unique sessions who did {path} in this order within {window} of their first {event}, other events allowed "
        "in between", **v),
    # TRANSLATORS: {path}: the steps ("'a' -> 'b'"); {window}: a duration ("7 days"); {event}: an event name
    (False, True, True): lambda **v: msg(
        "Unique sessions who did {path} in this order within {window} of their first {event}, with no other funnel "
        "step in between", **v),
}


def default_steps(events: list[str]) -> list[str]:
    """The default funnel for a log whose events are ``events`` (most frequent first): the usual shop path
    (``PATH_EVENTS``) as far as the data has it, so up to purchase when purchases are logged; a log
    with fewer than two of those events gets its most frequent events.

    >>> default_steps(["page_view", "view_item", "purchase", "add_to_cart", "begin_checkout", "scroll"])
    ['page_view', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase']
    """
    present = set(events)
    path = [e for e in PATH_EVENTS if e in present]
    if len(path) > MAX_STEPS:        # keep the ends (entry and purchase) and the most frequent middle steps
        rank = {e: i for i, e in enumerate(events)}
        middle = sorted(path[1:-1], key=rank.get)[:MAX_STEPS - 2]
        path = [path[0], *[e for e in path[1:-1] if e in middle], path[-1]]
    return path if len(path) >= 2 else list(events[:4])


@dataclass(frozen=True)
class DropOff:
    """Units that reached step ``step_index`` (``step``) but not the next one."""

    step_index: int
    step: str
    next_step: str
    reached: int
    lost: int
    share: float


@dataclass(frozen=True, eq=False)
class FunnelResult(Result):
    """Counts per step with conversion CIs, drop-off, time to convert, breakdown, trend."""

    spec: FunnelSpec
    steps: tuple[str, ...]           # step labels
    units: tuple[int, ...]           # unique users (or sessions) reaching each step
    excluded_units: int
    breakdown: pd.DataFrame | None   # value, step, step_index, units, conversion (from step 1)
    test: BreakdownTest | None
    per_unit: PerUnit = field(repr=False)   # level, step times and first-row ids per unit (arrays)
    warnings: tuple[Msg, ...] = ()

    @functools.cached_property
    def paths(self) -> pd.DataFrame:
        """One row per unit: user_id (and session_id), value (with a breakdown), first_ts, level, t1..tk
        (UTC; NaT beyond the unit's level). Built on first use: counts and statistics do not need it."""
        return self.per_unit.frame()

    # ---- per-step numbers
    @property
    def unit_name(self) -> str:
        return "users" if self.spec.unit == "user" else "sessions"

    def to_frame(self) -> pd.DataFrame:
        """One row per step: units, conversion from step 1 and from the previous step (with Wilson
        95 % CIs), drop-off from the previous step."""
        n = np.array(self.units, dtype=float)
        prev = np.concatenate([[n[0]], n[:-1]])
        first_lo, first_hi = wilson_ci(n, np.full_like(n, n[0]))
        prev_lo, prev_hi = wilson_ci(n, prev)
        with np.errstate(invalid="ignore", divide="ignore"):
            return pd.DataFrame({
                "step_index": np.arange(1, len(n) + 1), "step": list(self.steps), "units": n.astype(int),
                "conversion_from_first": n / n[0], "ci_low_from_first": first_lo, "ci_high_from_first": first_hi,
                "conversion_from_previous": n / prev, "ci_low_from_previous": prev_lo,
                "ci_high_from_previous": prev_hi, "drop_off": (prev - n).astype(int),
                "drop_off_rate": (prev - n) / prev})

    def durations(self, step_index: int) -> np.ndarray:
        """Seconds from step ``step_index - 1`` to step ``step_index`` (1-based, >= 2) for units reaching it."""
        if not 2 <= step_index <= len(self.steps):
            raise CxDataError(msg("step {step} has no previous step.", step=step_index),
                              hint=msg("Use 2..{last}.", last=len(self.steps)))
        u = self.per_unit
        reached = u.level >= step_index
        return (u.times[step_index - 1][reached] - u.times[step_index - 2][reached]) / 1e6

    def time_to_convert(self) -> pd.DataFrame:
        """Median, p75, p90 and p95 seconds between consecutive steps (and step 1 -> last)."""
        rows = []
        k = len(self.steps)
        pairs = [(j - 1, j) for j in range(2, k + 1)] + ([(1, k)] if k > 2 else [])
        u = self.per_unit
        for a, b in pairs:
            reached = u.level >= b
            d = (u.times[b - 1][reached] - u.times[a - 1][reached]) / 1e6
            q = np.quantile(d, QUANTILES) if len(d) else [math.nan] * 4
            rows.append({"from_step": a, "to_step": b, "from": self.steps[a - 1], "to": self.steps[b - 1],
                         "n": len(d), "median_s": q[0], "p75_s": q[1], "p90_s": q[2], "p95_s": q[3]})
        return pd.DataFrame(rows)

    def time_to_convert_view(self) -> pd.DataFrame:
        """:meth:`time_to_convert` for reading: steps by name, units, and each quantile as a duration in
        its own unit (``duration_text``: ``29 s``, ``2.4 d``) under headers in words (``TIME_COLUMNS``)."""
        ttc = self.time_to_convert()
        out = pd.DataFrame({"From": [f"{i}. {s}" for i, s in zip(ttc["from_step"], ttc["from"])],
                            "To": [f"{i}. {s}" for i, s in zip(ttc["to_step"], ttc["to"])],
                            "Users" if self.spec.unit == "user" else "Sessions": ttc["n"]})
        for col, name in zip(("median_s", "p75_s", "p90_s", "p95_s"), TIME_COLUMNS[2:]):
            out[name] = [duration_text(v) for v in ttc[col]]
        return out

    def time_histogram(self, step_index: int, bin_seconds: float | None = None, *, max_bins: int = 60
                       ) -> pd.DataFrame:
        """Counts of time to convert into step ``step_index``: bin_start_s, bin_end_s, units, overflow
        and label (a ``Msg`` such as "1 min to 2 min").

        ``bin_seconds=None``: ranges people name (``READABLE_EDGES``: under 10 s, 10 s to 30 s, ...,
        7 d to 14 d, then open), up to the longest time, so fast and slow conversions both show. A
        width: equal bins [start, end) from 0, at most ``max_bins``; slower units fall in one last bin
        flagged ``overflow`` (its end is the longest time), so a long tail never flattens the shape.
        """
        if bin_seconds is not None and not bin_seconds > 0:
            raise CxDataError(msg("the histogram bin width must be positive."))
        d = self.durations(step_index)
        if len(d) == 0:
            return pd.DataFrame({"bin_start_s": [], "bin_end_s": [], "units": [], "overflow": [], "label": []})
        if bin_seconds is None:
            edges = np.array([*READABLE_EDGES, math.inf], dtype=float)
            idx = np.searchsorted(edges, d, side="right") - 1
            counts = np.bincount(idx, minlength=len(edges) - 1)[: int(idx.max()) + 1]
            start, end = edges[: len(counts)], edges[1: len(counts) + 1]
        else:
            width = float(bin_seconds)
            counts = np.bincount(np.minimum(np.floor(d / width).astype(np.int64), max_bins))
            start = np.arange(len(counts)) * width
            end = start + width
            if len(counts) > max_bins:
                end[-1] = max(float(d.max()), end[-1])
        overflow = np.arange(len(counts)) == max_bins if bin_seconds is not None else np.isinf(end)
        labels = [msg("under {duration}", duration=duration_text(b)) if a == 0 and bin_seconds is None
                  else msg("{duration} or more", duration=duration_text(a)) if o
                  # TRANSLATORS: a range of durations in a histogram: "1 min to 2 min"
                  else msg("{low} to {high}", low=duration_text(a), high=duration_text(b))
                  for a, b, o in zip(start, end, overflow)]
        return pd.DataFrame({"bin_start_s": start, "bin_end_s": end, "units": counts, "overflow": overflow,
                             "label": labels})

    def biggest_drop_off(self) -> DropOff | None:
        """The step after which the largest share of units did not continue (ties: more units lost, then
        the earlier step); None when no one entered or no one dropped off."""
        f = self.to_frame()
        best = None
        for j in range(1, len(f)):
            reached, lost = int(f["units"].iloc[j - 1]), int(f["drop_off"].iloc[j])
            if reached and lost:
                cand = DropOff(j, self.steps[j - 1], self.steps[j], reached, lost, lost / reached)
                if best is None or (cand.share, cand.lost) > (best.share, best.lost):
                    best = cand
        return best

    def drop_off_sentence(self) -> Msg:
        """One sentence naming the biggest drop-off: the step, how many units and which share."""
        d = self.biggest_drop_off()
        if d is None:
            return msg("No one dropped off between the steps.") if self.units[0] else msg("No one entered the funnel.")
        v = dict(step=d.step, next_step=d.next_step, lost=d.lost, reached=d.reached, share=d.share)
        # TRANSLATORS: {step} and {next_step} are event names from the file
        if self.spec.unit == "user":
            return msg("The biggest drop-off is after {step}: {lost:,} of {reached:,} users ({share:.1%}) did not go "
                       "on to {next_step}.", **v)
        return msg("The biggest drop-off is after {step}: {lost:,} of {reached:,} sessions ({share:.1%}) did not go "
                   "on to {next_step}.", **v)

    def dropped_at(self, step_index: int) -> pd.DataFrame:
        """Units that reached step ``step_index`` but not the next one (their path so far)."""
        if not 1 <= step_index < len(self.steps):
            raise CxDataError(msg("no drop-off after step {step}.", step=step_index),
                              hint=msg("Use 1..{last}.", last=len(self.steps) - 1))
        p = self.paths
        ids = ["user_id"] + (["session_id"] if "session_id" in p.columns else [])
        keep = ids + [f"t{j}" for j in range(1, step_index + 1)] + (["value"] if self.spec.by else [])
        out = p.loc[p["level"] == step_index, keep].rename(
            columns={f"t{j}": f"step{j}_at" for j in range(1, step_index + 1)})
        return out.sort_values(ids).reset_index(drop=True)

    def trend(self, period: Period | None = None) -> pd.DataFrame:
        """Overall conversion (step 1 -> last) by day or ISO week (from Monday) of each unit's first
        step-1 event: period, units, converted, rate, ci_low, ci_high (Wilson 95 %)."""
        period = period or self.spec.period
        if period not in ("day", "week"):
            raise CxDataError(msg("unknown trend period {period!r}.", period=period), hint=msg("Use day or week."))
        p = self.paths
        if len(p) == 0:
            return pd.DataFrame({"period": pd.Series([], dtype="datetime64[us, UTC]"), "units": [],
                                 "converted": [], "rate": [], "ci_low": [], "ci_high": []})
        day = p["first_ts"].dt.floor("D")
        start = day - pd.to_timedelta(day.dt.day_of_week, unit="D") if period == "week" else day
        g = pd.DataFrame({"period": start, "converted": p["level"] >= len(self.steps)}).groupby("period")
        out = g["converted"].agg(units="size", converted="sum").reset_index()
        out["converted"] = out["converted"].astype(int)
        out["rate"] = out["converted"] / out["units"]
        out["ci_low"], out["ci_high"] = wilson_ci(out["converted"].to_numpy(), out["units"].to_numpy())
        return out

    def summary(self) -> Msg:
        first = self.units[0]
        # TRANSLATORS: {step} is a funnel step (an event name from the file), {units} users or sessions at it
        parts = [msg("{step}: {units:,} ({percent:.1f}%)", step=s, units=u, percent=100 * u / first) if first
                 else msg("{step}: {units:,}", step=s, units=u) for s, u in zip(self.steps, self.units)]
        if self.spec.unit == "user":
            text = msg("Funnel of {count:,} users: {path}.", count=first, path=_path(parts))
        else:
            text = msg("Funnel of {count:,} sessions: {path}.", count=first, path=_path(parts))
        if self.test is not None and not math.isnan(self.test.p_value):
            test = msg("Chi-square test of conversion across {field} values: p = {p_value:.3g}.", field=self.spec.by,
                       p_value=self.test.p_value)
            # TRANSLATORS: two whole sentences one after the other (in English separated by a space)
            return msg("{first} {second}", first=text, second=test)
        return text

    def to_json(self) -> dict:
        f = self.to_frame()
        first = self.units[0]
        pct = [round(100 * u / first, 2) if first else None for u in self.units]
        prev_pct = [None if math.isnan(v) else round(100 * v, 2) for v in f["conversion_from_previous"]]
        breakdown = None
        if self.breakdown is not None:
            breakdown = {str(v): [int(x) for x in g.sort_values("step_index")["units"]]
                         for v, g in self.breakdown.groupby("value", sort=False, observed=True)}
        ttc = self.time_to_convert()
        return {
            "steps": list(self.steps), "users": [int(u) for u in self.units], "conversion_pct": pct,
            "breakdown": breakdown, "warnings": list(self.warnings), "unit": self.unit_name,
            "definition": self.spec.describe(), "spec": self.spec.to_json(),
            "conversion_from_previous_pct": prev_pct,
            "ci95_from_first": [[lo, hi] for lo, hi in zip(f["ci_low_from_first"], f["ci_high_from_first"])],
            "ci95_from_previous": [[lo, hi] for lo, hi in zip(f["ci_low_from_previous"], f["ci_high_from_previous"])],
            "drop_off": [{"step": s, "users": int(d), "pct": None if math.isnan(r) else round(100 * r, 2)}
                         for s, d, r in zip(f["step"], f["drop_off"], f["drop_off_rate"])],
            "time_to_convert": ttc.to_dict(orient="records"),
            "tests": self.test.to_json() if self.test is not None else None,
            "excluded_units": self.excluded_units,
        }


# --------------------------------------------------------------------------------- engine
def event_counts(ds: Dataset) -> pd.DataFrame:
    """Events of the dataset with their row counts, most frequent first (for step pickers)."""
    if "event" not in ds.columns:
        raise CxDataError(msg("the events table has no event column."), file=ds.name,
                          hint=msg("Map a column to it on the Data page."))
    con = engine.connect()
    try:
        if ds.on_engine:
            con.execute(f"CREATE VIEW src AS SELECT event AS ev FROM read_parquet({sql_text(ds.canonical_file())})")
        else:
            con.register("src", pd.DataFrame({"ev": ds.df["event"]}, copy=False))
        return con.sql("SELECT ev AS event, count(*) AS events FROM src WHERE ev IS NOT NULL "
                       "GROUP BY ev ORDER BY events DESC, event").df()
    finally:
        con.close()


def funnel(ds: Dataset, spec: FunnelSpec) -> FunnelResult:
    """Compute a funnel over an events dataset.

    Parameters
    ----------
    ds : Dataset
        Role ``events`` (user_id, event, timestamp; session_id for session funnels).
    spec : FunnelSpec
        Steps, window, order, start, unit, exclusion step, breakdown field.

    Returns
    -------
    FunnelResult

    Examples
    --------
    >>> spec = FunnelSpec((Step("page_view"), Step("add_to_cart"), Step("purchase")), parse_window("7d"))
    >>> funnel(ds, spec).units            # doctest: +SKIP
    (1200, 310, 95)
    """
    if ds.role != "events":
        raise CxDataError(msg("a funnel needs an events file, not {role}.", role=role_noun(ds.role)), file=ds.name,
                          hint=msg("Load an event log with user, event and timestamp columns."))
    warnings: list[Msg] = []
    con = engine.connect(preserve_insertion_order=False)
    try:
        if ds.on_engine:           # the canonical Parquet file: no pandas frame at all
            rows, spec = prepare_source(con, ds, spec, warnings)
        else:
            frame, spec = prepare_events(ds, spec, warnings)
            con.register("src", frame)
            rows = FrameRows(frame)
        spec = build_events(con, spec, warnings)
        raw = con.sql(paths_sql(spec)).to_arrow_table()
    finally:
        con.close()
    return _assemble(spec, raw, rows, warnings)


def _assemble(spec: FunnelSpec, raw: pa.Table, rows, warnings: list[Msg]) -> FunnelResult:
    """Counts, breakdown and chi-square tests from the per-unit rows (one per unit, numpy/pandas)."""
    k = len(spec.steps)
    excluded = raw["level"].null_count
    if excluded:
        raw = raw.filter(pc.is_valid(raw["level"]))
    per_unit = PerUnit(raw, rows, spec)
    level = per_unit.level
    units = tuple(int(n) for n in np.bincount(level, minlength=k + 1)[::-1].cumsum()[::-1][1:])
    name = "users" if spec.unit == "user" else "sessions"
    users = spec.unit == "user"
    if excluded:
        warnings.append(
            msg("{count:,} users were excluded: {step} happened between their steps in every attempt.",
                count=excluded, step=spec.exclude.describe()) if users else
            msg("{count:,} sessions were excluded: {step} happened between their steps in every attempt.",
                count=excluded, step=spec.exclude.describe()))
    if 0 < units[0] < 30:
        warnings.append(
            msg("Only {count} users reached step 1: conversion rates are very uncertain.", count=units[0]) if users
            else msg("Only {count} sessions reached step 1: conversion rates are very uncertain.", count=units[0]))
    breakdown, test = None, None
    if spec.by:
        # the breakdown value is the one on the unit's first step-1 row
        values = rows.take(["bv"], per_unit.rid)[0].fillna(MISSING)
        breakdown, test, per_unit.value = compute_breakdown(spec, values, level, name, warnings)
    return FunnelResult(spec=spec, steps=tuple(s.label for s in spec.steps), units=units, excluded_units=excluded,
                        breakdown=breakdown, test=test, per_unit=per_unit, warnings=tuple(warnings))


# --------------------------------------------------------------------------------- CLI
def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", required=True,
                        help="comma-separated event names in order; a step may filter: page_view[page=/checkout]")
    parser.add_argument("--window", default="7d", help="conversion window, e.g. 30m, 12h, 7d (default 7d)")
    parser.add_argument("--by", help="break down by this field (value on the first step-1 event)")
    parser.add_argument("--order", choices=["any", "strict"], default="any")
    parser.add_argument("--start", choices=["any", "first"], default="any",
                        help="count from any step-1 occurrence (default) or only the first")
    parser.add_argument("--unit", choices=["user", "session"], default="user")
    parser.add_argument("--exclude", help="exclusion step: attempts with this event between steps are dropped")
    parser.add_argument("--top", type=int, default=10, help="breakdown values shown before 'Other' (default 10)")


def _split_steps(text: str) -> list[str]:
    """Split on commas outside [...] filters."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in (x.strip() for x in parts + [cur]) if p]


def cli_run(ds: Dataset, args: argparse.Namespace, defs) -> dict:
    """The funnel's JSON (``defs``: read and checked like every command's; no funnel figure depends on them)."""
    spec = FunnelSpec(steps=tuple(Step.parse(s) for s in _split_steps(args.steps)),
                      window_seconds=parse_window(args.window), order=args.order, start=args.start,
                      unit=args.unit, exclude=Step.parse(args.exclude) if args.exclude else None,
                      by=resolve_column(ds, args.by) if args.by else None, top_n=args.top)
    return funnel(ds, spec).to_json()
