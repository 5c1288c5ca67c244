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

Engine: DuckDB, one in-process connection per call. The frame is scanned once into a compact table
of funnel events (unit hash, epoch microseconds, row id, bit mask of the steps each event matches).
Each step is then one ASOF join (the greedy earliest match is optimal for every option above);
s1 occurrences that share their s2 match are pruned to the latest one first, which changes no
result without an exclusion step (with one, a later, deeper attempt may be excluded where an
earlier, shorter one is not, so every s1 occurrence stays an attempt). Units are joined on a
64-bit hash of the id (probability of any collision below 3e-6 even with 10 million units). Per-unit results and statistics: pandas/numpy/scipy on small frames.
The plain-Python oracle is tests/funnel_reference.py; benchmarks/bench_funnel.py times it all.
"""
from __future__ import annotations

import argparse
import functools
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from cxlib.data.columns import resolve_column
from cxlib.data.dataset import Dataset
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.data.roles import role_noun
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.stats import holm, wilson_ci
from cxlib.core.spec import Spec

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import duckdb

Order = Literal["any", "strict"]
Start = Literal["any", "first"]
Unit = Literal["user", "session"]
Period = Literal["day", "week"]
# Breakdown values cxlib makes itself (stored in English, e.g. in the JSON; an interface shows tr(value)).
MISSING = N_("(missing)")
OTHER = N_("Other")
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
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


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
    def parse(cls, text: str) -> "Step":
        """``"page_view"`` or ``"page_view[page=/checkout]"``."""
        m = re.fullmatch(r"\s*([^\[\]]+?)\s*(?:\[\s*([^=\]]+?)\s*=\s*([^\]]*?)\s*\])?\s*", text)
        if not m or not m.group(1):
            raise CxDataError(msg("cannot read the step {text!r}.", text=text),
                              hint=msg("Write an event name, optionally with a filter: page_view[page=/checkout]."))
        return cls(m.group(1), m.group(2), m.group(3) if m.group(2) else None)

    @classmethod
    def from_value(cls, value: object) -> "Step":
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


def parse_window(text: str | float | int) -> float:
    """``"7d"``, ``"12h"``, ``"30m"``, ``"90s"``, ``"2w"`` (or a number of seconds) -> seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*", str(text).lower())
    if not m:
        raise CxDataError(msg("cannot read the window {text!r}.", text=text),
                          hint=msg("Write a number and a unit: 30m, 12h, 7d or 2w."))
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


_DURATIONS = (
    (7 * 86400, lambda n: msg("{count} week", count=n), lambda n: msg("{count} weeks", count=n)),
    (86400, lambda n: msg("{count} day", count=n), lambda n: msg("{count} days", count=n)),
    (3600, lambda n: msg("{count} hour", count=n), lambda n: msg("{count} hours", count=n)),
    (60, lambda n: msg("{count} minute", count=n), lambda n: msg("{count} minutes", count=n)),
)


def format_window(seconds: float) -> Msg:
    """``"7 days"``, ``"1 hour"``, ``"90 seconds"``: the largest whole unit."""
    for size, one, many in _DURATIONS:
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return one(n) if n == 1 else many(n)
    return msg("{seconds:g} seconds", seconds=seconds)


def duration_text(seconds: float) -> Msg:
    """A duration in the unit people read it in: ``29 s``, ``4.5 min``, ``3 h``, ``2.4 d`` (n/a when missing)."""
    if seconds is None or not math.isfinite(seconds):
        return msg("n/a")
    if seconds < 60:
        # TRANSLATORS: a duration: s = seconds, min = minutes, h = hours, d = days
        return msg("{value:,.0f} s", value=seconds)
    limit, size, one_decimal, whole = next(u for u in _DURATION_UNITS if seconds < u[0])
    value = seconds / size
    return (whole if value >= 100 or round(value, 1) == round(value) else one_decimal)(value)


# (below, unit size in seconds, one decimal, whole number): minutes below 1 h, hours below 1 day, then days
_DURATION_UNITS = (
    (3600, 60, lambda v: msg("{value:,.1f} min", value=v), lambda v: msg("{value:,.0f} min", value=v)),
    (86400, 3600, lambda v: msg("{value:,.1f} h", value=v), lambda v: msg("{value:,.0f} h", value=v)),
    (math.inf, 86400, lambda v: msg("{value:,.1f} d", value=v), lambda v: msg("{value:,.0f} d", value=v)),
)


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


# --------------------------------------------------------------------------------- statistics
def chi_square(table: np.ndarray) -> tuple[float, int, float, float]:
    """Pearson chi-square test of independence (no continuity correction).

    Returns ``(statistic, dof, p_value, min_expected)``; NaN statistic when a margin is empty."""
    obs = np.asarray(table, dtype=float)
    obs = obs[obs.sum(axis=1) > 0][:, obs.sum(axis=0) > 0]
    if obs.ndim != 2 or min(obs.shape) < 2:
        return math.nan, 0, math.nan, math.nan
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / obs.sum()
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    return chi2, dof, float(stats.chi2.sf(chi2, dof)), float(expected.min())


# --------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class BreakdownTest:
    """Does full-funnel conversion differ across breakdown values? Pearson chi-square + Holm pairs."""

    chi2: float
    dof: int
    p_value: float
    pairwise: pd.DataFrame           # a, b, chi2, p_value, p_holm, significant

    def to_json(self) -> dict:
        return {"chi2": self.chi2, "dof": self.dof, "p_value": self.p_value,
                "pairwise": self.pairwise.to_dict(orient="records")}


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
    per_unit: "_PerUnit" = field(repr=False)   # level, step times and first-row ids per unit (arrays)
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
                         "n": int(len(d)), "median_s": q[0], "p75_s": q[1], "p90_s": q[2], "p95_s": q[3]})
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

    def biggest_drop_off(self) -> "DropOff | None":
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


class _PerUnit:
    """Per-unit results as numpy arrays (epoch microseconds; int64 min where a unit has no such step),
    plus the row of each unit's first step-1 event, whose ids are read from the event table only when
    ``FunnelResult.paths`` is built (or the result is pickled, e.g. by Streamlit's cache)."""

    _NAT = np.iinfo(np.int64).min

    def __init__(self, table: pa.Table, source: pd.DataFrame, spec: FunnelSpec) -> None:
        k = len(spec.steps)
        col = (lambda name: pc.fill_null(table[name], self._NAT).to_numpy())
        self.level = table["level"].to_numpy().astype(np.int64, copy=False)     # no NULL: excluded units are out
        self.first_ts = col("first_ts")
        self.times = [col(f"t{j}") for j in range(1, k + 1)]
        self.rid = table["rid"].to_numpy()
        self.id_names = ["user_id"] + (["session_id"] if spec.unit == "session" else [])
        self._source = source[["u_id"] + (["s_id"] if spec.unit == "session" else [])]
        self._ids: list[pd.Series] | None = None
        self.value: tuple[np.ndarray, list] | None = None   # breakdown (codes, labels), set by the breakdown

    def ids(self) -> list[pd.Series]:
        if self._ids is None:
            self._ids = [self._source[c].take(self.rid).reset_index(drop=True) for c in self._source.columns]
            self._source = None
        return self._ids

    def __getstate__(self) -> dict:
        self.ids()                                   # never pickle the whole event table
        return self.__dict__

    def frame(self) -> pd.DataFrame:
        stamp = (lambda us: pd.Series(us.view("datetime64[us]"), copy=True).dt.tz_localize("UTC"))
        cols = dict(zip(self.id_names, self.ids()))
        if self.value is not None:
            codes, labels = self.value
            cols["value"] = pd.Series(np.asarray(labels, dtype=object)[codes], dtype="string")
        cols["first_ts"] = stamp(self.first_ts)
        cols["level"] = self.level
        cols.update({f"t{j}": stamp(t) for j, t in enumerate(self.times, start=1)})
        return pd.DataFrame(cols)


# --------------------------------------------------------------------------------- engine
def event_counts(ds: Dataset) -> pd.DataFrame:
    """Events of the dataset with their row counts, most frequent first (for step pickers)."""
    if "event" not in ds.df.columns:
        raise CxDataError(msg("the events table has no event column."), file=ds.name,
                          hint=msg("Map a column to it on the Data page."))
    import duckdb                  # imported on use: importing the module stays light
    con = duckdb.connect(config={"threads": 2})
    try:
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
    frame, spec = _prepare(ds, spec, warnings)
    import duckdb                  # imported on use: importing the module stays light
    con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": False})
    try:
        con.register("src", frame)
        spec = _build_events(con, spec, warnings)
        raw = con.sql(_paths_sql(spec)).to_arrow_table()
    finally:
        con.close()
    return _assemble(spec, raw, frame, warnings)


def _prepare(ds: Dataset, spec: FunnelSpec, warnings: list[Msg]) -> tuple[pd.DataFrame, FunnelSpec]:
    """The columns the SQL needs, under safe names (u_id, s_id, ts, ev, p<i>, bv); no copy of the data."""
    df = ds.df
    for col in ("user_id", "event", "timestamp"):
        if col not in df.columns:
            raise CxDataError(msg("the events table has no {column} column.", column=col), file=ds.name,
                              hint=msg("Map a column to it on the Data page."))
    if spec.unit == "session" and not ds.has("session_id"):
        raise CxDataError(msg("a session funnel needs a session_id column."), file=ds.name,
                          hint=msg("Map the session column, or use a user funnel."))
    cols = {"u_id": df["user_id"], "ts": df["timestamp"], "ev": df["event"], "rid": np.arange(len(df))}
    lo, hi = df["timestamp"].min(), df["timestamp"].max()
    as_us = (lambda ts: int(np.datetime64(ts.tz_convert(None).to_datetime64(), "us").astype(np.int64)))
    if pd.notna(lo) and max(-as_us(lo), as_us(hi)) >= _TS_LIMIT:
        raise CxDataError(msg("timestamps run from {start} to {end}, outside the years 1400-2500 a funnel can use.",
                              start=str(lo), end=str(hi)),
                          file=ds.name, hint=msg("Check the timestamp column's format on the Data page."))
    if spec.unit == "session":
        cols["s_id"] = df["session_id"]
    for i, s in enumerate(spec.steps + ((spec.exclude,) if spec.exclude else ())):
        if s.prop is not None:
            cols[f"p{i}"] = _as_text(df[resolve_column(ds, s.prop)])
    by = None
    if spec.by:
        by = resolve_column(ds, spec.by)
        cols["bv"] = _as_text(df[by])
    dropped = int((df["user_id"].isna() | df["timestamp"].isna()).sum())
    if dropped:
        warnings.append(msg("{count:,} event(s) without a user or a time were left out.", count=dropped))
    if spec.unit == "session" and (no_session := int(df["session_id"].isna().sum())):
        warnings.append(msg("{count:,} event(s) without a session were left out of this session funnel.",
                            count=no_session))
    spec = FunnelSpec(spec.steps, spec.window_seconds, spec.order, spec.start, spec.unit, spec.exclude, by,
                      spec.top_n, spec.period)
    return pd.DataFrame(cols, copy=False), spec


def _as_text(col: pd.Series) -> pd.Series:
    return col if isinstance(col.dtype, pd.StringDtype) else col.astype("string")


def _build_events(con: duckdb.DuckDBPyConnection, spec: FunnelSpec, warnings: list[Msg]) -> FunnelSpec:
    """Create the compact ``ev`` table; step events not found as spelled are matched to the data's
    unique case-insensitive spelling (the table is rebuilt then). Warns on absent events and on
    property filters no event satisfies. Returns the spec with the data's spellings."""
    con.execute(_events_sql(spec))
    counts = _bit_counts(con, spec)
    steps = spec.steps + ((spec.exclude,) if spec.exclude else ())
    empty = sorted({s.event for s, n in zip(steps, counts) if n == 0})
    absent = [e for e in empty if not con.sql(f"SELECT 1 FROM src WHERE ev = {_lit(e)} LIMIT 1").fetchall()]
    fix: dict[str, str] = {}
    if absent:
        folded: dict[str, list[str]] = {}
        for (name,) in con.sql("SELECT DISTINCT ev FROM src WHERE lower(trim(ev)) IN ("
                               + ", ".join(_lit(e.strip().casefold()) for e in absent) + ")").fetchall():
            folded.setdefault(name.strip().casefold(), []).append(name)
        fix = {e: folded[e.strip().casefold()][0] for e in absent if len(folded.get(e.strip().casefold(), [])) == 1}
    if fix:
        rename = (lambda st: Step(fix.get(st.event, st.event), st.prop, st.value))
        spec = FunnelSpec(tuple(map(rename, spec.steps)), spec.window_seconds, spec.order, spec.start, spec.unit,
                          rename(spec.exclude) if spec.exclude else None, spec.by, spec.top_n, spec.period)
        con.execute("DROP TABLE ev")
        con.execute(_events_sql(spec))
        counts = _bit_counts(con, spec)
    for i, (st, n) in enumerate(zip(spec.steps, counts)):
        if st.event in absent and st.event not in fix:
            warnings.append(msg("The event '{event}' never occurs in this file; every later step is 0.",
                                event=st.event))
        elif n == 0 and st.prop is not None:
            warnings.append(msg("No '{event}' event has {property} = {value} (step {step}); check the value's "
                                "spelling.", event=st.event, property=st.prop, value=st.value, step=i + 1))
    for a, b in zip(spec.steps, spec.steps[1:]):
        if a == b:
            warnings.append(msg("Two consecutive steps are both {step}: one event satisfies both.",
                                step=a.describe()))
    return spec


def _bit_counts(con: duckdb.DuckDBPyConnection, spec: FunnelSpec) -> tuple[int, ...]:
    """Events matching each step (and the exclusion step) in the ``ev`` table."""
    n = len(spec.steps) + (1 if spec.exclude else 0)
    return tuple(con.sql("SELECT " + ", ".join(f"count(*) FILTER (WHERE m & {1 << i} <> 0)" for i in range(n))
                         + " FROM ev").fetchall()[0])


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _cond(i: int, step: Step) -> str:
    """SQL condition for one step (``p{i}`` holds its property column as text)."""
    if step.prop is None:
        return f"ev = {_lit(step.event)}"
    return f"(ev = {_lit(step.event)} AND p{i} = {_lit(step.value)})"


_TS_LIMIT = 2**54          # |epoch microseconds| below this (years 1399-2540): integer tie-break keys fit


def _events_sql(spec: FunnelSpec) -> str:
    """One scan of the frame into a compact table of funnel-relevant events: unit hash, epoch
    microseconds, row id and a bit mask of the steps (bit k: the exclusion step) each event matches."""
    k = len(spec.steps)
    session = spec.unit == "session"
    key = "hash(u_id, s_id)" if session else "hash(u_id)"
    valid = "u_id IS NOT NULL AND ts IS NOT NULL" + (" AND s_id IS NOT NULL" if session else "")
    steps = spec.steps + ((spec.exclude,) if spec.exclude else ())
    # bits of the steps without a property filter come from a join on the event name (no string
    # comparison per step and row); steps with a filter add their bit where the property matches
    bits: dict[str, int] = {}
    for i, s in enumerate(steps):
        bits[s.event] = bits.get(s.event, 0) | (1 << i if s.prop is None else 0)
    names = ", ".join(f"({_lit(e)}, {b})" for e, b in sorted(bits.items()))
    mask = " + ".join(["n.bits"] + [f"CASE WHEN {_cond(i, s)} THEN {1 << i} ELSE 0 END"
                                    for i, s in enumerate(steps) if s.prop is not None])
    return (f"CREATE TEMP TABLE ev AS SELECT * FROM (SELECT {key} AS u, epoch_us(ts) AS ts, rid, "
            f"({mask})::UINTEGER AS m FROM src JOIN (VALUES {names}) n(name, bits) ON ev = n.name "
            f"WHERE {valid}) WHERE m <> 0")


def _paths_sql(spec: FunnelSpec) -> str:
    """One row per unit with a step-1 event: the row id of its first step-1 event and that time, and
    its deepest, earliest-completed attempt (level, t1..tk in epoch microseconds; NULL: excluded)."""
    k = len(spec.steps)
    ctes = [f"s{j} AS (SELECT u, ts FROM ev WHERE m & {1 << (j - 1)} <> 0)" for j in range(1, k + 1)]
    # first step-1 event; ties at the same instant: the earlier row of the file
    # (one aggregate of a positive key: time, then row id, in 55 + 40 bits; unpacked with shifts)
    ctes.append(f"firsts AS (SELECT u, (k & {2**40 - 1})::BIGINT AS rid, (k >> 40)::BIGINT - {_TS_LIMIT} AS first_ts "
                f"FROM (SELECT u, min((ts + {_TS_LIMIT})::HUGEINT * {2**40} + rid) AS k FROM ev "
                "WHERE m & 1 <> 0 GROUP BY u))")
    start = "(SELECT u, min(ts) AS ts FROM s1 GROUP BY u)" if spec.start == "first" else "s1"
    if spec.exclude is None:
        # of the s1 occurrences sharing their s2 match, the latest one dominates: keep only it
        ctes.append(f"p2 AS (SELECT a.u, max(a.ts) AS t1, b.ts AS t2 FROM {start} a "
                    f"ASOF LEFT JOIN s2 b ON a.u = b.u AND b.ts >= a.ts GROUP BY a.u, b.ts)")
    else:
        # no pruning: a later, deeper attempt may be excluded where an earlier, shorter one is not
        ctes.append(f"p2 AS (SELECT a.u, a.ts AS t1, b.ts AS t2 FROM {start} a "
                    f"ASOF LEFT JOIN s2 b ON a.u = b.u AND b.ts >= a.ts)")
    w = int(round(spec.window_seconds * 1e6))
    for j in range(3, k + 1):
        ctes.append(f"p{j} AS (SELECT a.*, b.ts AS t{j} FROM p{j - 1} a "
                    f"ASOF LEFT JOIN s{j} b ON a.u = b.u AND b.ts >= a.t{j - 1})")
    last = f"p{k}"
    oks = [f"t{j} <= t1 + {w}" for j in range(2, k + 1)]
    if spec.order == "strict":
        for j in range(1, k):
            # first event of another funnel step strictly after step j (repeats of step j allowed)
            ctes.append(f"v{j} AS (SELECT u, ts FROM ev WHERE m & {(1 << k) - 1} <> 0 AND m & {1 << (j - 1)} = 0)")
            ctes.append(f"q{j} AS (SELECT a.*, b.ts AS n{j} FROM {last} a "
                        f"ASOF LEFT JOIN v{j} b ON a.u = b.u AND b.ts > a.t{j})")
            last = f"q{j}"
        oks = [f"{ok} AND (n{j - 1} IS NULL OR n{j - 1} >= t{j})" for j, ok in zip(range(2, k + 1), oks)]
    level = ("CASE " + " ".join(f"WHEN NOT coalesce({ok}, false) THEN {j - 1}" for j, ok in zip(range(2, k + 1), oks))
             + f" ELSE {k} END")
    ts_cols = ", ".join(f"t{j}" for j in range(1, k + 1))
    ctes.append(f"lv AS (SELECT u, {ts_cols}, {level} AS level FROM {last})")
    done = "CASE level " + " ".join(f"WHEN {j} THEN t{j}" for j in range(1, k + 1)) + " END"
    ctes.append(f"att AS (SELECT *, {done} AS t_done FROM lv)")
    att = "att"
    if spec.exclude is not None:
        ctes.append(f"x AS (SELECT u, ts FROM ev WHERE m & {1 << k} <> 0)")
        ctes.append("kept AS (SELECT a.* FROM att a ASOF LEFT JOIN x b ON a.u = b.u AND b.ts > a.t1 "
                    "WHERE b.ts IS NULL OR b.ts >= a.t_done)")
        att = "kept"
    # best attempt: deepest, then earliest completed, then latest start, as one integer key
    # (level | inverted t_done | t1, each time offset into [0, 2^55))
    rank = (f"level::HUGEINT * {2**110} + ({2**55 - 1} - (t_done + {_TS_LIMIT}))::HUGEINT * {2**55} "
            f"+ (t1 + {_TS_LIMIT})")
    path = ", ".join(f"t{j} := CASE WHEN level >= {j} THEN t{j} END" for j in range(1, k + 1))
    ctes.append(f"best AS (SELECT u, arg_max(struct_pack(level := level, {path}), {rank}) AS b "
                f"FROM {att} GROUP BY u)")
    # a level-1 path completes earliest at the unit's first step-1 event (pruning may have dropped it)
    t1 = "b.b.t1" if spec.exclude is not None else "CASE WHEN b.b.level = 1 THEN f.first_ts ELSE b.b.t1 END"
    out = f"{t1} AS t1, " + ", ".join(
        f"b.b.t{j} AS t{j}" for j in range(2, k + 1))
    return ("WITH " + ",\n".join(ctes) + f"\nSELECT f.rid, f.first_ts, b.b.level AS level, {out} "
            "FROM firsts f LEFT JOIN best b ON f.u = b.u")


def _assemble(spec: FunnelSpec, raw: pa.Table, frame: pd.DataFrame, warnings: list[Msg]) -> FunnelResult:
    """Counts, breakdown and chi-square tests from the per-unit rows (one per unit, numpy/pandas)."""
    k = len(spec.steps)
    excluded = raw["level"].null_count
    if excluded:
        raw = raw.filter(pc.is_valid(raw["level"]))
    per_unit = _PerUnit(raw, frame, spec)
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
        values = frame["bv"].take(per_unit.rid).reset_index(drop=True).fillna(MISSING)
        breakdown, test, per_unit.value = _breakdown(spec, values, level, name, warnings)
    return FunnelResult(spec=spec, steps=tuple(s.label for s in spec.steps), units=units, excluded_units=excluded,
                        breakdown=breakdown, test=test, per_unit=per_unit, warnings=tuple(warnings))


def _breakdown(spec: FunnelSpec, values: pd.Series, level: np.ndarray, name: str,
               warnings: list[Msg]) -> tuple[pd.DataFrame, BreakdownTest, tuple[np.ndarray, list]]:
    k = len(spec.steps)
    codes, uniq = pd.factorize(values)
    counts = np.bincount(codes, minlength=len(uniq))
    names = np.asarray(uniq, dtype=object)
    rank = np.lexsort((names.astype(str), -counts))            # most units first, then by value
    pos = np.empty(len(uniq), dtype=np.int64)
    if len(uniq) > spec.top_n:
        warnings.append(msg("{field} has {count:,} values; the {shown} largest are shown and the other {rest:,} are "
                            "grouped as '{other}'.", field=spec.by, count=len(uniq), shown=spec.top_n,
                            rest=len(uniq) - spec.top_n, other=Msg(OTHER)))
        pos[rank[:spec.top_n]] = np.arange(spec.top_n)
        pos[rank[spec.top_n:]] = spec.top_n
        order = list(names[rank[:spec.top_n]]) + [OTHER]
    else:
        pos[rank] = np.arange(len(uniq))
        order = list(names[rank])
    codes = pos[codes]
    per = np.zeros((len(order), k), dtype=np.int64)          # units reaching >= step j, per value
    for j in range(1, k + 1):
        per[:, j - 1] = np.bincount(codes[level >= j], minlength=len(order))
    rows = [{"value": v, "step_index": j, "step": spec.steps[j - 1].label, "units": int(per[i, j - 1]),
             "conversion": per[i, j - 1] / per[i, 0] if per[i, 0] else math.nan}
            for i, v in enumerate(order) for j in range(1, k + 1)]
    frame = pd.DataFrame(rows, columns=["value", "step_index", "step", "units", "conversion"])
    conv, total = per[:, k - 1], per[:, 0]
    table = np.column_stack([conv, total - conv])
    chi2, dof, p, min_exp = chi_square(table)
    if not math.isnan(min_exp) and min_exp < 5:
        warnings.append(msg("Some breakdown groups are small (expected count below 5): the chi-square test of "
                            "conversion differences is approximate."))
    pairs = []
    for a in range(len(order)):
        for b in range(a + 1, len(order)):
            c2, _, pv, _ = chi_square(table[[a, b]])
            pairs.append({"a": order[a], "b": order[b], "rate_a": conv[a] / total[a] if total[a] else math.nan,
                          "rate_b": conv[b] / total[b] if total[b] else math.nan, "chi2": c2, "p_value": pv})
    pw = pd.DataFrame(pairs, columns=["a", "b", "rate_a", "rate_b", "chi2", "p_value"])
    ok = pw["p_value"].notna().to_numpy()
    pw["p_holm"] = np.nan
    pw.loc[ok, "p_holm"] = holm(pw.loc[ok, "p_value"].to_numpy())
    pw["significant"] = pw["p_holm"] < 0.05
    return frame, BreakdownTest(chi2, dof, p, pw), (codes, order)


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
