"""Retention: cohorts of first valid order, churn at a date and over time, retention rate.

Definitions (DESIGN.md "Default metric definitions"):

- valid orders and their net revenue follow the one rule of :mod:`cxlib.data.orders` under the
  revenue definition in use (default: status completed, refunded or partially refunded; a missing
  status counts as completed; line items collapsed; net = amount - refunded);
- a customer is *churned* at an analysis date when they have no valid order in the ``inactive_days``
  days up to and including that date (default 90); only customers whose first valid order is on or
  before the date are counted;
- retention is read by cohort: customers grouped by the month of their first valid order, and the
  share of each cohort with a valid order ``k`` months later.

Dates are handled by calendar day in UTC: an analysis date ``D`` covers orders up to the end of day
``D``, and the churn window is the ``inactive_days`` calendar days ending with ``D``.

Examples
--------
>>> res = cohort_table(ds)                      # doctest: +SKIP
>>> res.to_frame().head()                       # cohort, period, customers, active, retention, ...
>>> churn_rate(ds, ChurnSpec(inactive_days=60)).value
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_frame, revenue_rule, rule_notes
from cxlib.core.result import Result
from cxlib.core.definitions import RevenueDef
from cxlib.core.errors import CxDataError
from cxlib.data.roles import role_noun
from cxlib.core.messages import Msg, N_, msg, sentences
from cxlib.core.periods import PERIODS, ChurnSpec, CohortSpec, Period, parse_day
from cxlib.core.stats import wilson_ci

if TYPE_CHECKING:
    from cxlib.core.definitions import DefinitionSet

SMALL_COHORT = 30            # cohorts smaller than this get a noise warning
DAY = pd.Timedelta(days=1)


# ----------------------------------------------------------------------------------------------
# Valid orders
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ValidOrders:
    """Valid orders of a dataset: one row per order (customer_id, ordered_at, net) + data facts."""

    orders: pd.DataFrame             # customer_id (string), ordered_at (UTC), net (float), row (in ds.df),
                                     # code (integer per customer: fast grouping)
    data_end: pd.Timestamp           # midnight UTC of the last day with any order (valid or not)
    warnings: tuple[str, ...] = ()


def valid_orders(ds: Dataset, defs: DefinitionSet | None = None) -> ValidOrders:
    """The valid orders of an orders dataset, with net revenue per order.

    Valid statuses and refund handling come from ``defs.net_revenue`` (default: completed, refunded,
    partially_refunded; net = amount - refunded). A missing status counts as completed. Orders without
    a customer or a date are left out with a warning. Raises ``CxDataError`` when ``ds`` is not an
    orders dataset or holds no usable valid order.
    """
    if ds.role != "orders":
        raise CxDataError(msg("retention needs an orders dataset, not {role}.", role=role_noun(ds.role)), file=ds.name,
                          hint=msg("Load an orders export (customer, order date, amount)."))
    rev = revenue_rule(defs)
    frame = order_frame(ds.df, rev)
    warnings: list[Msg] = list(rule_notes(frame, len(ds.df)))
    unusable = frame["customer_id"].isna() | frame["ordered_at"].isna()
    if unusable.any():
        warnings.append(msg("{orders} order(s) without a customer or an order date were left out.",
                            orders=int(unusable.sum())))
    frame = frame[~unusable]
    if frame.empty:
        raise CxDataError(msg("no order has both a customer and an order date."), file=ds.name,
                          hint=msg("Check the mapping of customer_id and ordered_at on the Data page."))
    data_end = frame["ordered_at"].max().normalize()
    valid = frame.loc[frame["valid"], ["customer_id", "ordered_at", "net", "_row"]]
    if valid.empty:
        raise CxDataError(msg("no valid order (status {statuses}) was found.", statuses=", ".join(rev.valid_statuses)),
                          file=ds.name, hint=msg("Check the status column mapping, or remove it to count every "
                                                 "order as completed."))
    valid = valid.rename(columns={"_row": "row"}).reset_index(drop=True)
    valid = valid.assign(code=pd.factorize(valid["customer_id"])[0])
    return ValidOrders(valid, data_end, tuple(warnings))


def _period_index(ts: pd.Series, period: Period) -> np.ndarray:
    """Integer period number: months since year 0, or ISO weeks (Mondays) since 1970-01-05."""
    if period == "month":
        return (ts.dt.year.to_numpy() * 12 + ts.dt.month.to_numpy() - 1).astype(np.int64)
    days = (ts.dt.tz_convert("UTC").dt.floor("D") - pd.Timestamp("1970-01-05", tz="UTC")).dt.days
    return np.floor_divide(days.to_numpy(dtype=np.int64), 7)


def _period_complete(day: pd.Timestamp, period: Period) -> bool:
    """True when ``day`` is the last day of its month (or ISO week): that period is fully observed."""
    return bool(day.is_month_end) if period == "month" else day.day_of_week == 6


def _period_label(idx: np.ndarray, period: Period) -> list[str]:
    if period == "month":
        return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in idx]
    start = pd.Timestamp("1970-01-05") + pd.to_timedelta(np.asarray(idx) * 7, unit="D")
    return [d.strftime("%Y-%m-%d") for d in start]


# ----------------------------------------------------------------------------------------------
# Cohorts
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CohortResult(Result):
    """Retention by cohort of first valid order.

    ``table`` is tidy: one row per (cohort, period k) with ``customers`` (cohort size), ``active``
    (customers with a valid order in period k), ``retention`` (active / customers, a fraction) and
    ``partial`` (the period is the last one of the data, so it is still incomplete). Periods after the
    end of the data are absent.
    """

    spec: CohortSpec
    table: pd.DataFrame
    customers: int
    data_end: str                    # ISO date of the last order in the data
    warnings: tuple[str, ...] = ()
    revenue: RevenueDef | None = None    # the revenue rule whose valid orders were counted (captions name it)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def matrix(self) -> pd.DataFrame:
        """Cohorts as rows, periods 0..k as columns, retention fractions (NaN = not observed yet)."""
        return self.table.pivot(index="cohort", columns="period", values="retention")

    def curve(self) -> pd.DataFrame:
        """Average retention by period over the cohorts that were observed for that period."""
        t = self.table
        g = t.groupby("period", observed=True).agg(customers=("customers", "sum"), active=("active", "sum"))
        g["retention"] = g["active"] / g["customers"]
        return g.reset_index()

    def summary(self) -> Msg:
        c = self.curve()
        k1 = c.loc[c["period"] == 1, "retention"]
        n = int(self.table["cohort"].nunique())
        week = self.spec.period == "week"
        first = (msg("{customers:,} customers in {cohorts} weekly cohort(s).", customers=self.customers, cohorts=n)
                 if week else
                 msg("{customers:,} customers in {cohorts} monthly cohort(s).", customers=self.customers, cohorts=n))
        if not len(k1):
            return first
        rate = float(k1.iloc[0])
        second = (msg("On average {rate:.1%} of a cohort ordered again one week after their first order.", rate=rate)
                  if week else
                  msg("On average {rate:.1%} of a cohort ordered again one month after their first order.", rate=rate))
        # TRANSLATORS: two whole sentences, one after the other
        return msg("{first} {second}", first=first, second=second)

    def to_json(self) -> dict:
        cohorts = []
        for cohort, g in self.table.groupby("cohort", sort=True, observed=True):
            cohorts.append({"cohort": str(cohort), "customers": int(g["customers"].iloc[0]),
                            "active": [int(a) for a in g["active"]],
                            "retention_pct": [round(float(r) * 100, 2) for r in g["retention"]]})
        return {"customers": int(self.customers), "period": self.spec.period, "data_end": self.data_end,
                "cohorts": cohorts, "definition": self.spec.describe(self.revenue), "spec": self.spec.to_json(),
                "warnings": list(self.warnings)}


def cohort_table(ds: Dataset, spec: CohortSpec | None = None, *, defs: DefinitionSet | None = None
                 ) -> CohortResult:
    """Retention by cohort of first valid order (vectorized groupby).

    Parameters
    ----------
    ds : Dataset
        An orders dataset.
    spec : CohortSpec, optional
        Period (month or ISO week) and how many periods after the first order to show.
    defs : DefinitionSet, optional
        Which statuses are valid orders (``defs.net_revenue``); default per DESIGN.md.

    Returns
    -------
    CohortResult
        ``to_frame()`` has one row per cohort and period; ``matrix()`` is the heatmap table.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.cohort_table(cx.load("sample_data/orders_shopify.csv"))
    >>> res.summary()[:40]
    '1,180 customers in 12 monthly cohort(s).'
    """
    spec = spec or CohortSpec()
    vo = valid_orders(ds, defs)
    o = vo.orders
    p = _period_index(o["ordered_at"], spec.period)
    cust = o["code"].to_numpy()
    first = pd.Series(p).groupby(cust).transform("min").to_numpy()
    k = p - first
    last_p = int(_period_index(pd.Series([vo.data_end]), spec.period)[0])
    cells = pd.DataFrame({"customer_id": cust, "cohort": first, "period": k})
    sizes = cells.loc[cells["period"] == 0].drop_duplicates("customer_id").groupby("cohort").size()
    active = (cells[cells["period"] <= spec.max_periods].drop_duplicates()
              .groupby(["cohort", "period"]).size())
    # every observable (cohort, k): cohort + k up to the data's last period
    grid = [(c, kk) for c in sizes.index for kk in range(0, min(spec.max_periods, last_p - c) + 1)]
    idx = pd.MultiIndex.from_tuples(grid, names=["cohort", "period"])
    table = pd.DataFrame({"active": active.reindex(idx, fill_value=0)}).reset_index()
    table["customers"] = sizes.reindex(table["cohort"]).to_numpy()
    table["retention"] = table["active"] / table["customers"]
    last_complete = _period_complete(vo.data_end, spec.period)
    table["partial"] = ((table["cohort"] + table["period"]) == last_p) & (not last_complete)
    labels = dict(zip(sizes.index, _period_label(sizes.index.to_numpy(), spec.period)))
    table["cohort_start"] = table["cohort"].map(labels)
    table = table.assign(cohort=table["cohort_start"])[          # headers people read
        [N_("cohort"), N_("period"), N_("customers"), N_("active"), N_("retention"), N_("partial")]]
    table = table.astype({"cohort": "string", "period": "int64", "customers": "int64", "active": "int64",
                          "retention": "float64", "partial": "bool"})
    warnings = list(vo.warnings)
    small = int((sizes < SMALL_COHORT).sum())
    week = spec.period == "week"
    if small:
        warnings.append(msg("{small} of {cohorts} cohort(s) have fewer than {minimum} customers; their percentages "
                            "move a lot with a few orders.", small=small, cohorts=len(sizes), minimum=SMALL_COHORT))
    if len(sizes) < 2:
        warnings.append(msg("All customers fall in one week; cohorts need data spanning several weeks.") if week
                        else msg("All customers fall in one month; cohorts need data spanning several months."))
    if table["partial"].any():
        last = _period_label(np.array([last_p]), spec.period)[0]
        warnings.append(msg("The last week in the data ({period}) is incomplete, so its retention is understated.",
                            period=last) if week else
                        msg("The last month in the data ({period}) is incomplete, so its retention is understated.",
                            period=last))
    return CohortResult(spec=spec, table=table.reset_index(drop=True), customers=int(sizes.sum()),
                        data_end=vo.data_end.date().isoformat(), warnings=tuple(warnings), revenue=revenue_rule(defs))


# ----------------------------------------------------------------------------------------------
# Churn and retention rates (scorecard metrics)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RateResult(Result):
    """A proportion with its Wilson 95% interval: churn rate or retention rate at one date."""

    metric: Literal["churn_rate", "retention_rate"]
    value: float                     # fraction; NaN when n == 0
    count: int                       # churned (or retained) customers
    n: int                           # customers counted
    ci95: tuple[float, float]        # Wilson score interval, fractions
    as_of: str                       # ISO date of the analysis
    sentence: str                    # the definition in use (also .definition())
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"metric": self.metric, "as_of": self.as_of, "value": self.value,
                              "count": self.count, "n": self.n, "ci_low": self.ci95[0],
                              "ci_high": self.ci95[1]}])

    def summary(self) -> Msg:
        metric = msg("Churn rate") if self.metric == "churn_rate" else msg("Retention rate")
        if self.n == 0:
            # TRANSLATORS: {metric} is "Churn rate" or "Retention rate"
            return msg("{metric} on {date}: no customers to count.", metric=metric, date=self.as_of)
        # TRANSLATORS: {metric} is "Churn rate" or "Retention rate"; 95% CI = 95% confidence interval
        return msg("{metric} on {date}: {rate:.1%} ({count:,} of {n:,} customers; 95% CI {low:.1%} to {high:.1%}).",
                   metric=metric, date=self.as_of, rate=self.value, count=self.count, n=self.n,
                   low=self.ci95[0], high=self.ci95[1])

    def to_json(self) -> dict:
        return {"metric": self.metric, "value": _num(self.value), "pct": _pct(self.value), "count": self.count,
                "n": self.n, "ci95": [_num(v) for v in self.ci95], "as_of": self.as_of, "definition": self.sentence,
                "warnings": list(self.warnings)}


def _num(x: float) -> float | None:
    """JSON-safe number: NaN/inf -> None."""
    return float(x) if np.isfinite(x) else None


def _pct(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x) * 100, 2)


def _as_of(vo: ValidOrders, spec: ChurnSpec) -> pd.Timestamp:
    return parse_day(spec.as_of) if spec.as_of else vo.data_end


def _counts_at(o: pd.DataFrame, ends: pd.DatetimeIndex, days: int) -> tuple[np.ndarray, np.ndarray]:
    """For each exclusive end ``e``: customers with a first valid order before ``e``, and those of them
    with a valid order in ``[e - days, e)``; a DuckDB range join, no per-customer loop."""
    first = np.sort(o.groupby("code")["ordered_at"].min().dt.tz_convert("UTC").dt.tz_localize(None)
                    .to_numpy(dtype="datetime64[us]"))          # datetime64, not Timestamp objects: fast sort
    ends = pd.DatetimeIndex(ends)
    ends = ends.tz_convert("UTC") if ends.tz is not None else ends.tz_localize("UTC")
    customers = np.searchsorted(first, ends.tz_localize(None).to_numpy(dtype="datetime64[us]"), side="left")
    evals = pd.DataFrame({"i": np.arange(len(ends)), "hi": ends, "lo": ends - pd.Timedelta(days=days)})
    import duckdb                  # imported on use: importing the module stays light
    con = duckdb.connect()
    try:
        con.register("o", o[["code", "ordered_at"]])
        con.register("e", evals)
        act = con.execute("SELECT e.i, count(DISTINCT o.code) AS n FROM e JOIN o "
                          "ON o.ordered_at >= e.lo AND o.ordered_at < e.hi GROUP BY e.i").df()
    finally:
        con.close()
    active = np.zeros(len(ends), dtype=np.int64)
    active[act["i"].to_numpy(dtype=np.int64)] = act["n"].to_numpy(dtype=np.int64)
    return customers.astype(np.int64), active


def churn_rate(ds: Dataset, spec: ChurnSpec | None = None, *, defs: DefinitionSet | None = None) -> RateResult:
    """Share of customers with no valid order in the ``spec.inactive_days`` days up to ``spec.as_of``.

    Customers counted: those whose first valid order is on or before the analysis date. The interval is
    the Wilson score interval.

    Examples
    --------
    >>> churn_rate(ds, ChurnSpec(inactive_days=90, as_of="2024-06-30")).value   # doctest: +SKIP
    0.62
    """
    spec = spec or ChurnSpec()
    vo = valid_orders(ds, defs)
    as_of = _as_of(vo, spec)
    n, active = (int(v[0]) for v in _counts_at(vo.orders, pd.DatetimeIndex([as_of + DAY]), int(spec.inactive_days)))
    churned = n - active
    lo, hi = wilson_ci(churned, n)
    warnings = list(vo.warnings)
    warnings += _window_warnings(vo, as_of, spec)
    if 0 < n < SMALL_COHORT:
        warnings.append(msg("Only {customers} customers are counted; the churn rate is uncertain.", customers=n))
    return RateResult("churn_rate", churned / n if n else float("nan"), churned, n,
                      (lo, hi), as_of.date().isoformat(), spec.describe(defs), tuple(warnings))


def _window_warnings(vo: ValidOrders, as_of: pd.Timestamp, spec: ChurnSpec) -> list[Msg]:
    out = []
    start = vo.orders["ordered_at"].min().normalize()
    if as_of - start < pd.Timedelta(days=int(spec.inactive_days)):
        out.append(msg("The data starts less than {days} days before the analysis date, so no customer can be "
                       "churned yet; the rate is not meaningful.", days=int(spec.inactive_days)))
    if as_of > vo.data_end:
        out.append(msg("The analysis date {date} is after the last order ({last_order}); customers look more "
                       "churned than they may be.", date=as_of.date().isoformat(),
                       last_order=vo.data_end.date().isoformat()))
    return out


def retention_rate(ds: Dataset, spec: ChurnSpec | None = None, *, defs: DefinitionSet | None = None
                   ) -> RateResult:
    """Period-over-period retention: of the customers with a valid order in the ``N`` days before the
    latest ``N``-day window (``N = spec.inactive_days``), the share with a valid order in that window.

    The latest window is the ``N`` days up to ``spec.as_of``; the previous window the ``N`` days before
    it. Wilson 95% interval.

    Examples
    --------
    >>> import cxlib as cx
    >>> round(cx.retention_rate(cx.load("sample_data/orders_shopify.csv")).value, 3)
    0.32
    """
    spec = spec or ChurnSpec()
    vo = valid_orders(ds, defs)
    as_of = _as_of(vo, spec)
    n_days = pd.Timedelta(days=int(spec.inactive_days))
    end = as_of + DAY
    o = vo.orders
    prev = np.unique(o.loc[(o["ordered_at"] >= end - 2 * n_days) & (o["ordered_at"] < end - n_days), "code"])
    curr = np.unique(o.loc[(o["ordered_at"] >= end - n_days) & (o["ordered_at"] < end), "code"])
    n = len(prev)
    retained = int(np.isin(curr, prev).sum())
    lo, hi = wilson_ci(retained, n)
    warnings = list(vo.warnings)
    if n == 0:
        warnings.append(msg("No customer ordered in the {days} days before the latest window; the retention rate "
                            "cannot be computed.", days=int(spec.inactive_days)))
    elif n < SMALL_COHORT:
        warnings.append(msg("Only {customers} customers are counted; the retention rate is uncertain.", customers=n))
    if as_of - o["ordered_at"].min().normalize() < 2 * n_days - DAY:
        warnings.append(msg("The data covers less than two {days}-day windows before the analysis date; the "
                            "previous window is incomplete.", days=int(spec.inactive_days)))
    return RateResult("retention_rate", retained / n if n else float("nan"), retained, n,
                      (lo, hi), as_of.date().isoformat(), spec.describe_retention(),
                      tuple(warnings))


# ----------------------------------------------------------------------------------------------
# Churn over time
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChurnTrend(Result):
    """Churn rate at the end of each month (or week), with Wilson 95% intervals."""

    spec: ChurnSpec
    freq: Period
    table: pd.DataFrame              # as_of, customers, churned, churn_rate, ci_low, ci_high
    warnings: tuple[str, ...] = ()
    revenue: RevenueDef | None = None    # the revenue rule whose valid orders were counted (captions name it)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Msg:
        if self.table.empty:
            return msg("Not enough history for a churn trend.")
        last = self.table.iloc[-1]
        first = self.table.iloc[0]
        return msg("Churn rate {first_rate:.1%} on {first_date} and {last_rate:.1%} on {last_date} ({points} points, "
                   "{days}-day window).", first_rate=float(first["churn_rate"]), first_date=str(first["as_of"]),
                   last_rate=float(last["churn_rate"]), last_date=str(last["as_of"]), points=len(self.table),
                   days=int(self.spec.inactive_days))

    def to_json(self) -> dict:
        pts = [{"as_of": r.as_of, "customers": int(r.customers), "churned": int(r.churned),
                "churn_rate": float(r.churn_rate), "ci95": [float(r.ci_low), float(r.ci_high)]}
               for r in self.table.itertuples(index=False)]
        return {"freq": self.freq, "points": pts, "definition": self.spec.describe(self.revenue),
                "spec": self.spec.to_json(), "warnings": list(self.warnings)}


def churn_trend(ds: Dataset, spec: ChurnSpec | None = None, freq: Period = "month", *,
                defs: DefinitionSet | None = None) -> ChurnTrend:
    """Churn rate at each month (or week) end, from the first date at which a customer could be churned
    (first order + ``inactive_days``) to the analysis date (always the last point).

    Examples
    --------
    >>> import cxlib as cx
    >>> trend = cx.churn_trend(cx.load("sample_data/orders_shopify.csv"))
    >>> len(trend.to_frame()) > 0
    True
    """
    spec = spec or ChurnSpec()
    if freq not in PERIODS:
        raise CxDataError(msg("unknown trend frequency {frequency}.", frequency=repr(freq)),
                          hint=msg("Use 'month' or 'week'."))
    vo = valid_orders(ds, defs)
    as_of = _as_of(vo, spec)
    start = vo.orders["ordered_at"].min().normalize() + pd.Timedelta(days=int(spec.inactive_days))
    rule = "ME" if freq == "month" else "W-SUN"
    days = pd.date_range(start, as_of, freq=rule, tz="UTC") if start <= as_of else pd.DatetimeIndex([], tz="UTC")
    days = days.normalize().as_unit("us")
    if start <= as_of and (len(days) == 0 or days[-1] != as_of):
        days = days.append(pd.DatetimeIndex([as_of]))
    warnings = list(vo.warnings)
    if len(days) == 0:
        warnings.append(msg("The data spans less than {days} days before the analysis date; there is no churn trend "
                            "to show.", days=int(spec.inactive_days)))
        table = pd.DataFrame({"as_of": pd.Series(dtype="string"), "customers": pd.Series(dtype="int64"),
                              "churned": pd.Series(dtype="int64"), "churn_rate": pd.Series(dtype="float64"),
                              "ci_low": pd.Series(dtype="float64"), "ci_high": pd.Series(dtype="float64")})
        return ChurnTrend(spec, freq, table, tuple(warnings), revenue_rule(defs))
    customers, active = _counts_at(vo.orders, days + DAY, int(spec.inactive_days))
    churned = customers - active
    lo, hi = wilson_ci(churned, customers)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(customers > 0, churned / np.maximum(customers, 1), np.nan)
    table = pd.DataFrame({N_("as_of"): pd.array([d.date().isoformat() for d in days], dtype="string"),
                          N_("customers"): customers, N_("churned"): churned, N_("churn_rate"): rate,
                          N_("ci_low"): lo, N_("ci_high"): hi})               # headers people read
    if len(table) < 3:
        warnings.append(msg("Fewer than 3 points in the churn trend; the data covers too short a period."))
    return ChurnTrend(spec, freq, table, tuple(warnings), revenue_rule(defs))


# ----------------------------------------------------------------------------------------------
# Who churned, who is about to, and the revenue at stake
# ----------------------------------------------------------------------------------------------
CHURN_STATUS_LABELS: dict[str, str] = {"at_risk": N_("At risk of churning"), "churned": N_("Churned")}


@dataclass(frozen=True, slots=True)
class ChurnList(Result):
    """Churned and at-risk customers at the analysis date, with the revenue at stake.

    ``table``: one row per customer (at risk first, then churned; each by revenue at stake):
    customer_id, email (of the last valid order, when the orders have one), status (``at_risk`` or
    ``churned``), first_order_at, last_order_at, days_since_last_order, orders, net_revenue (all
    valid orders up to the date) and net_revenue_window (the valid orders in the ``inactive_days``
    days up to and including the day of the last one: what the customer brought per churn window
    while buying).
    """

    spec: ChurnSpec
    at_risk_days: int
    as_of: str                       # ISO date of the analysis
    table: pd.DataFrame
    customers: int                   # customers counted (first valid order on or before the date)
    warnings: tuple[str, ...] = ()

    def totals(self) -> dict[str, dict]:
        """Per status: customers, net_revenue_window and net_revenue (sums, rounded to cents)."""
        out = {}
        for status in ("churned", "at_risk"):
            rows = self.table[self.table["status"] == status]
            out[status] = {"customers": int(len(rows)),
                           "net_revenue_window": round(float(rows["net_revenue_window"].sum()), 2),
                           "net_revenue": round(float(rows["net_revenue"].sum()), 2)}
        return out

    def describe(self) -> Msg:
        days, risk = int(self.spec.inactive_days), int(self.at_risk_days)
        parts = [msg("Churned: no valid order in the {days} days up to {date}.", days=days, date=self.as_of)]
        if risk:
            parts.append(msg("At risk of churning: the last valid order was {low} to {high} days before, so they "
                             "churn within {at_risk} days unless they order.", low=days - risk, high=days - 1,
                             at_risk=risk))
        parts.append(msg("Revenue at stake: each customer's net revenue in the {days} days up to their last valid "
                         "order, and in all.", days=days))
        return sentences(parts)

    def summary(self) -> Msg:
        t = self.totals()
        return msg("On {date}: {churned:,} churned customers brought {churned_window:,.2f} in their last {days} days "
                   "of buying ({churned_total:,.2f} in all); {at_risk:,} customers at risk of churning brought "
                   "{risk_window:,.2f} ({risk_total:,.2f} in all).", date=self.as_of, days=int(self.spec.inactive_days),
                   churned=t["churned"]["customers"], churned_window=t["churned"]["net_revenue_window"],
                   churned_total=t["churned"]["net_revenue"], at_risk=t["at_risk"]["customers"],
                   risk_window=t["at_risk"]["net_revenue_window"], risk_total=t["at_risk"]["net_revenue"])

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_json(self) -> dict:
        rows = self.table.assign(first_order_at=self.table["first_order_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 last_order_at=self.table["last_order_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 net_revenue=self.table["net_revenue"].round(2),
                                 net_revenue_window=self.table["net_revenue_window"].round(2))
        return {"as_of": self.as_of, "inactive_days": int(self.spec.inactive_days), "at_risk_days": self.at_risk_days,
                "customers": self.customers, **self.totals(), "list": rows.astype(object).where(rows.notna(), None)
                .to_dict("records"), "definition": self.describe(), "spec": self.spec.to_json(),
                "warnings": list(self.warnings)}


def default_at_risk_days(inactive_days: int) -> int:
    """30 days, or a third of a shorter churn window."""
    return min(30, int(inactive_days) // 3)


def churn_list(ds: Dataset, spec: ChurnSpec | None = None, at_risk_days: int | None = None, *,
               defs: DefinitionSet | None = None) -> ChurnList:
    """The churned and at-risk customers at ``spec.as_of`` with their revenue at stake.

    A customer counted by :func:`churn_rate` (first valid order on or before the date) is *churned*
    when their last valid order is ``inactive_days`` or more calendar days before the date (no valid
    order in the window), and *at risk* when it is ``inactive_days - at_risk_days`` to
    ``inactive_days - 1`` days before (they turn churned within ``at_risk_days`` days without an
    order). ``at_risk_days`` = 0 lists the churned only; default :func:`default_at_risk_days`.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = churn_list(cx.load("sample_data/orders_shopify.csv"))
    >>> res.totals()["churned"]["customers"], res.totals()["at_risk"]["customers"]
    (771, 99)
    """
    spec = spec or ChurnSpec()
    days = int(spec.inactive_days)
    at_risk_days = default_at_risk_days(days) if at_risk_days is None else int(at_risk_days)
    if not 0 <= at_risk_days < days:
        raise CxDataError(msg("the at-risk window must be from 0 to {most} days (shorter than the churn window).",
                              most=days - 1),
                          hint=msg("Choose fewer days, e.g. 30 with a 90-day churn window."))
    vo = valid_orders(ds, defs)
    as_of = _as_of(vo, spec)
    o = vo.orders[vo.orders["ordered_at"] < as_of + DAY]
    g = o.groupby("code", sort=False)
    per = pd.DataFrame({"customer_id": g["customer_id"].first(), "first_order_at": g["ordered_at"].min(),
                        "last_order_at": g["ordered_at"].max(), "orders": g.size(), "net_revenue": g["net"].sum()})
    last_day = per["last_order_at"].dt.tz_convert("UTC").dt.normalize()
    per["days_since_last_order"] = (as_of - last_day).dt.days.astype(np.int64)
    start = (last_day + DAY - pd.Timedelta(days=days)).reindex(o["code"]).to_numpy()
    in_window = o["ordered_at"].to_numpy() >= start
    per["net_revenue_window"] = o.loc[in_window, "net"].groupby(o.loc[in_window, "code"]).sum().reindex(
        per.index, fill_value=0.0)
    since = per["days_since_last_order"]
    per["status"] = np.where(since >= days, "churned", np.where(since >= days - at_risk_days, "at_risk", ""))
    listed = per[per["status"] != ""].copy()
    if "email" in ds.df.columns:
        last_row = o.sort_values("ordered_at", kind="mergesort").groupby("code")["row"].last()
        rows = last_row.reindex(listed.index).to_numpy()           # positions in ds.df
        listed["email"] = ds.df["email"].astype("string").iloc[rows].to_numpy()
    listed["rank"] = listed["status"].map({"at_risk": 0, "churned": 1})
    listed = listed.sort_values(["rank", "net_revenue_window", "net_revenue", "customer_id"],
                                ascending=[True, False, False, True], kind="mergesort")
    cols = [N_("customer_id"), N_("email"), N_("status"), N_("first_order_at"), N_("last_order_at"),
            N_("days_since_last_order"), N_("orders"), N_("net_revenue"), N_("net_revenue_window")]   # headers people read
    table = listed[[c for c in cols if c in listed.columns]].reset_index(drop=True)
    table["status"] = table["status"].astype("string")
    warnings = list(vo.warnings) + _window_warnings(vo, as_of, spec)
    return ChurnList(spec, at_risk_days, as_of.date().isoformat(), table, int(len(per)), tuple(warnings))


# ----------------------------------------------------------------------------------------------
# Command line: python -m cxlib cohorts FILE
# ----------------------------------------------------------------------------------------------
def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", choices=PERIODS, default=None, help="cohort period (default month)")
    parser.add_argument("--max-periods", type=int, default=None, help="periods after the first order (default 12)")
    parser.add_argument("--inactive-days", type=int, default=None,
                        help="churned after this many days without a valid order (default 90)")
    parser.add_argument("--as-of", default=None, help="analysis date YYYY-MM-DD (default: last order date)")


def cli_run(ds: Dataset, args: argparse.Namespace) -> dict:
    """``cohorts`` -> {customers, cohorts: [{cohort, customers, active, retention_pct}], churn, warnings}.

    Options override the definitions file (``--definitions``), which overrides the defaults.
    """
    from cxlib.core.definitions import load_definitions
    defs = load_definitions(getattr(args, "definitions", None))
    base_c, base_ch = CohortSpec.from_json(defs.retention.to_json()), ChurnSpec.from_json(defs.churn.to_json())
    cspec = CohortSpec(period=args.period or base_c.period,
                       max_periods=args.max_periods if args.max_periods is not None else base_c.max_periods)
    chspec = ChurnSpec(inactive_days=args.inactive_days if args.inactive_days is not None else base_ch.inactive_days,
                       as_of=args.as_of or base_ch.as_of)
    res = cohort_table(ds, cspec, defs=defs)
    churn = churn_rate(ds, chspec, defs=defs)
    out = res.to_json()
    out["churn"] = {"churn_pct": _pct(churn.value), "rate": _num(churn.value), "churned": churn.count,
                    "n": churn.n, "ci95": [_num(v) for v in churn.ci95], "as_of": churn.as_of,
                    "inactive_days": int(chspec.inactive_days),
                    "definition": churn.sentence}
    out["warnings"] = list(dict.fromkeys(list(res.warnings) + list(churn.warnings)))
    return out


__all__ = ["CHURN_STATUS_LABELS", "ChurnList", "ChurnSpec", "ChurnTrend", "CohortResult", "CohortSpec", "RateResult",
           "ValidOrders", "churn_list", "churn_rate", "default_at_risk_days", "churn_trend", "cohort_table", "retention_rate", "valid_orders"]
