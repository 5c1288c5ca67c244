"""The CX scorecard: one tile per metric the loaded data supports, judged against targets.

A tile holds the value (with a 95 % CI where one applies), the definition sentence, the user's
target (``DefinitionSet.targets``), a status and a small trend for a sparkline. The status respects
uncertainty (:func:`judge`): with a CI, a target inside the interval gives "not enough data to
tell"; without a CI (net revenue, median reply time) the value alone decides.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from cxlib.analyses import orders as orders_mod
from cxlib.analyses import support as support_mod
from cxlib.analyses import survey as survey_mod
from cxlib.data.dataset import Dataset
from cxlib.core.definitions import METRICS_BY_NAME, DefinitionSet
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.messages import listing as _listing
from cxlib.core.stats import proportion_ci

Status = Literal["met", "not met", "not enough data to tell", "no target", "no data"]
# The stored values (JSON "status") stay English; each is also its own label, marked for translation:
# an interface shows tr(status).
STATUSES: tuple[str, ...] = (N_("met"), N_("not met"), N_("not enough data to tell"), N_("no target"),
                             N_("no data"))
# Column names of the scorecard table (to_frame()); an interface translates them for display.
COLUMNS = (N_("metric"), N_("label"), N_("value"), N_("ci_low"), N_("ci_high"), N_("unit"), N_("n"), N_("target"),
           N_("status"), N_("definition"))


def judge(value: float, ci95: tuple[float, float] | None, target: float | None,
          higher_is_better: bool = True) -> Status:
    """Status of a value against a target.

    With a CI: met when the whole interval is on the good side of the target (bound equal to the
    target counts as met), not met when the whole interval is on the bad side, otherwise "not enough
    data to tell". Without a CI, the value is compared directly.

    Examples
    --------
    >>> judge(42.0, (30.0, 54.0), 40)
    'not enough data to tell'
    >>> judge(42.0, (41.0, 43.0), 40)
    'met'
    >>> judge(10.0, None, 12, higher_is_better=False)
    'met'
    """
    if value is None or not math.isfinite(value):
        return "no data"
    if target is None:
        return "no target"
    lo, hi = (ci95 if ci95 is not None and all(np.isfinite(ci95)) else (value, value))
    if higher_is_better:
        return "met" if lo >= target else ("not met" if hi < target else "not enough data to tell")
    return "met" if hi <= target else ("not met" if lo > target else "not enough data to tell")


@dataclass(frozen=True)
class Tile:
    metric: str                      # name in cxlib.core.definitions.METRICS
    label: str                       # the metric's label, marked for translation: shown as tr(label)
    value: float                     # in display units (NPS points, %, minutes, money, scale points)
    ci95: tuple[float, float] | None
    unit: str                        # "pts", "%", "min", "money", "" (scale)
    n: int | None
    target: float | None
    status: Status
    higher_is_better: bool
    description: str                 # the definition sentence (a Msg)
    dataset: str = ""
    currency: str | None = None
    trend: pd.DataFrame = field(default=None, repr=False, compare=False)   # period, value
    warnings: tuple[Msg, ...] = ()

    def formatted(self, value: float | None = None) -> Msg:
        """The value as text: '+32.1', '84.5%', '27 min', '12,345.67 EUR', '4.21' (a Msg: numbers follow
        the interface's locale when translated)."""
        v = self.value if value is None else value
        if v is None or not math.isfinite(v):
            return msg("n/a")
        if self.unit == "pts":
            return Msg("{value:+.1f}", value=v)      # a number alone: nothing to translate, not extracted
        if self.unit == "%":
            return msg("{value:.1f}%", value=v)
        if self.unit == "min":
            return msg("{minutes:,.0f} min", minutes=v)
        if self.unit == "money":
            if self.currency:
                # TRANSLATORS: an amount of money; {currency} is the file's currency code (EUR, CNY, RUB)
                return msg("{amount:,.2f} {currency}", amount=v, currency=self.currency)
            return Msg("{amount:,.2f}", amount=v)
        return Msg("{value:.2f}", value=v)

    def ci_text(self) -> Msg | str:
        """'95% CI 26.2 to 36.3', or '' when the tile has no interval."""
        if not self.ci95 or not all(np.isfinite(self.ci95)):
            return ""
        # TRANSLATORS: a 95 % confidence interval; {low} and {high} are values already formatted ("72.6%")
        return msg("95% CI {low} to {high}", low=self.formatted(self.ci95[0]), high=self.formatted(self.ci95[1]))

    def to_json(self) -> dict:
        fin = (lambda x: None if x is None or not math.isfinite(x) else round(float(x), 4))
        return {"metric": self.metric, "label": self.label, "value": fin(self.value),
                "ci95": [fin(x) for x in self.ci95] if self.ci95 else None, "unit": self.unit, "n": self.n,
                "target": self.target, "status": self.status, "higher_is_better": self.higher_is_better,
                "description": self.description, "dataset": self.dataset, "currency": self.currency,
                "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Scorecard(Result):
    tiles: tuple[Tile, ...]
    warnings: tuple[Msg, ...] = ()

    def tile(self, metric: str) -> Tile | None:
        return next((t for t in self.tiles if t.metric == metric), None)

    def to_frame(self) -> pd.DataFrame:
        rows = [{"metric": t.metric, "label": t.label, "value": t.value,
                 "ci_low": t.ci95[0] if t.ci95 else np.nan, "ci_high": t.ci95[1] if t.ci95 else np.nan,
                 "unit": t.unit, "n": t.n, "target": t.target, "status": t.status, "definition": t.description}
                for t in self.tiles]
        return pd.DataFrame(rows, columns=["metric", "label", "value", "ci_low", "ci_high", "unit", "n", "target",
                                           "status", "definition"])

    def to_json(self) -> dict:
        return {"tiles": [t.to_json() for t in self.tiles], "warnings": list(self.warnings)}

    def summary(self) -> Msg:
        if not self.tiles:
            return msg("No metric can be computed from the loaded data.")
        counts = pd.Series([t.status for t in self.tiles]).value_counts()
        # TRANSLATORS: how many metrics have a status: "2 met", "1 not enough data to tell"
        parts = [msg("{count} {status}", count=int(n), status=Msg(s)) for s, n in counts.items()]
        return msg("{count} metrics: {statuses}.", count=len(self.tiles), statuses=_listing(parts))




# ---------------------------------------------------------------------------------------------
def _freq(ts: pd.Series) -> Literal["week", "month"]:
    ts = ts.dropna()
    return _freq_between(ts.min(), ts.max()) if len(ts) else "week"


def _freq_between(first, last) -> Literal["week", "month"]:
    """Monthly trends for data spanning more than 120 days, else weekly."""
    return "month" if first is not None and (last - first) > pd.Timedelta(days=120) else "week"


def _span_freq(ds: Dataset, column: str) -> Literal["week", "month"]:
    """:func:`_freq` of a time column of ``ds``, from its first and last value (:meth:`Dataset.time_range`)."""
    return _freq_between(*ds.time_range(column))


def _trend(period: pd.Series, value: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"period": pd.to_datetime(period).to_numpy(),
                         "value": pd.to_numeric(value, errors="coerce").to_numpy(dtype="float64")})


def _tile(metric: str, defs: DefinitionSet, value: float, ci, n, ds: Dataset, trend=None,
          warnings: Iterable[Msg] = (), currency: str | None = None, unit: str | None = None) -> Tile:
    m = METRICS_BY_NAME[metric]
    target = defs.target(metric)
    ci = tuple(float(x) for x in ci) if ci is not None else None
    return Tile(metric, m.label, float(value), ci, unit if unit is not None else m.unit,
                None if n is None else int(n), target, judge(float(value), ci, target, m.higher_is_better),
                m.higher_is_better, defs.describe(metric), ds.name, currency, trend, tuple(warnings))


def survey_tiles(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    tiles = []
    have = survey_mod.available(ds)
    dated = ds.has("answered_at")
    freq = _span_freq(ds, "answered_at") if dated else "month"
    for metric in have:
        if metric == "nps":
            r = survey_mod.nps(ds, defs)
            value, ci, n, unit = r.score, r.ci95, r.n, "pts"
        else:
            r = survey_mod.csat(ds, defs) if metric == "csat" else survey_mod.ces(ds, defs)
            value, ci, n = r.headline, r.headline_ci95, r.n
            unit = "%" if metric == "csat" and defs.csat.mode == "top2_pct" else ""
        if not n:
            continue
        trend = None
        if dated:
            g = survey_mod.over_time(ds, metric, freq, defs).frame
            trend = _trend(g["group"], g["value"])
        tiles.append(_tile(metric, defs, value, ci, n, ds, trend, r.warnings, unit=unit))
    return tiles


def order_tiles(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    s = orders_mod.summarize(ds, defs)
    if not s.valid_orders:
        return []
    t = orders_mod.over_time(ds, _span_freq(ds, "ordered_at"), defs).frame
    total, squares, n, _ = _net_moments(ds, defs, per_customer=False)
    _, alo, ahi = survey_mod.mean_ci(total, squares, n)
    tiles = [
        _tile("net_revenue", defs, s.net_revenue, None, s.valid_orders, ds, _trend(t["period"], t["net_revenue"]),
              s.warnings, s.currency),
        _tile("aov", defs, s.aov, (float(alo), float(ahi)), s.valid_orders, ds, _trend(t["period"], t["aov"]),
              currency=s.currency),
    ]
    if s.buyers:
        tiles.append(_tile("repeat_rate", defs, 100 * s.repeat_rate, tuple(100 * x for x in s.repeat_rate_ci95),
                           s.buyers, ds))
    return tiles


def clv_tiles(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    """Mean CLV per customer: historical (net revenue so far) or predictive, per ``defs.clv_method``."""
    if defs.clv_method.method == "predictive":
        return _predictive_clv(ds, defs)
    total, squares, n, currency = _net_moments(ds, defs, per_customer=True)
    if not n:
        return []
    clv, lo, hi = survey_mod.mean_ci(total, squares, n)
    return [_tile("clv", defs, float(clv), (float(lo), float(hi)), n, ds, currency=currency)]


def _net_moments(ds: Dataset, defs: DefinitionSet, *, per_customer: bool) -> tuple[float, float, int, str | None]:
    """Sum, sum of squares and count of the valid orders' net revenue (``per_customer``: of each customer's),
    and the orders' most frequent currency: a mean's sufficient statistics, on the engine for a large table."""
    if ds.aggregate_on_engine:
        from cxlib.analyses import orders_engine
        return orders_engine.net_moments(ds, defs, per_customer)
    work, _ = orders_mod.prepare(ds, defs)
    valid = work[work["valid"]]
    x = valid.groupby("customer_id")["net"].sum() if per_customer else valid["net"].dropna()
    cur = work["currency"].dropna().mode() if "currency" in work.columns else pd.Series([], dtype=object)
    return float(x.sum()), float((x ** 2).sum()), len(x), str(cur.iloc[0]) if len(cur) else None


def _predictive_clv(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    try:
        from cxlib.analyses.clv import predict_clv
    except ImportError:
        return []
    if not ds.has("customer_id"):
        return []
    res = predict_clv(ds, defs.clv, **_with_defs(predict_clv, defs))
    c = res.customers
    if res.bgnbd is None or c.empty:
        return []
    v = c["predicted_clv"].dropna()
    if v.empty:
        return []
    # no CI: the spread of per-customer predictions says nothing about the model's own uncertainty
    if ds.aggregate_on_engine:
        from cxlib.analyses.orders_engine import currency_mode
        currency = currency_mode(ds)
    else:
        cur = ds.df["currency"].dropna().mode() if "currency" in ds.df.columns else pd.Series([], dtype=object)
        currency = str(cur.iloc[0]) if len(cur) else None
    return [_tile("clv", defs, float(v.mean()), None, len(v), ds, currency=currency, warnings=res.warnings)]


def _with_defs(fn, defs: DefinitionSet) -> dict:
    """``{"defs": defs}`` when the retention/CLV function accepts our definitions (valid statuses)."""
    return {"defs": defs} if "defs" in inspect.signature(fn).parameters else {}


def retention_tiles(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    """Churn and retention rate via cxlib.analyses.retention (absent module or no customer ids -> no tiles)."""
    try:
        from cxlib.analyses import retention
        from cxlib.analyses import churn as churn_mod
    except ImportError:
        return []
    if not ds.has("customer_id"):
        return []
    tiles = []
    churn = retention.churn_rate(ds, defs.churn, **_with_defs(retention.churn_rate, defs))
    if churn.n:
        trend = None
        try:
            tr = churn_mod.churn_trend(ds, defs.churn, "month", **_with_defs(churn_mod.churn_trend, defs)).table
            trend = _trend(tr["as_of"], 100 * tr["churn_rate"]) if len(tr) else None
        except CxDataError:
            pass
        tiles.append(_tile("churn_rate", defs, 100 * churn.value, tuple(100 * x for x in churn.ci95), churn.n, ds,
                           trend, churn.warnings))
    ret = retention.retention_rate(ds, defs.churn, **_with_defs(retention.retention_rate, defs))
    if ret.n:
        tiles.append(_tile("retention_rate", defs, 100 * ret.value, tuple(100 * x for x in ret.ci95), ret.n, ds,
                           warnings=ret.warnings))
    return tiles


def support_tiles(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    s = support_mod.summarize(ds, defs)
    tr = support_mod.over_time(ds, _span_freq(ds, "created_at"), defs).frame
    tiles = []
    if s.answered:
        tiles.append(_tile("first_reply_sla", defs, s.within_sla_pct, s.within_sla_ci95, s.answered, ds,
                           _trend(tr["period"], tr["within_sla_pct"]), s.warnings))
        tiles.append(_tile("first_reply_median", defs, s.first_reply_median_min, None, s.answered, ds,
                           _trend(tr["period"], tr["first_reply_median_min"])))
    if s.rated:
        tiles.append(_tile("ticket_csat", defs, s.csat_good_pct, s.csat_good_ci95, s.rated, ds,
                           _trend(tr["period"], tr["csat_good_pct"])))
    return tiles


def cart_abandonment(ds: Dataset, defs: DefinitionSet | None = None) -> tuple[float, tuple[float, float], int, pd.DataFrame]:
    """1 - (cart users who also purchased) / (users with a cart event), with a Wilson CI (fractions).

    Returns ``(rate, ci95, carts, weekly)`` where ``weekly`` has period, carts, purchased, rate
    (users grouped by the week or month of their first cart event).
    """
    defs = defs or DefinitionSet.default()
    cart, purchase = list(defs.cart.cart_events), list(defs.cart.purchase_events)
    if ds.aggregate_on_engine:       # per cart user on the engine: counts and periods leave it
        from cxlib.analyses import scorecard_engine
        n, k, first, last = scorecard_engine.cart_counts(ds, cart, purchase)
        if not n:
            return _abandonment(0, 0, None)
        return _abandonment(n, k, scorecard_engine.cart_periods(ds, cart, purchase, _freq_between(first, last)))
    df = ds.df
    ev = df["event"].astype("string")
    carts = df.loc[ev.isin(cart).fillna(False).to_numpy(), ["user_id", "timestamp"]]
    buyers = set(df.loc[ev.isin(purchase).fillna(False).to_numpy(), "user_id"].dropna())
    first = carts.dropna(subset=["user_id"]).groupby("user_id", observed=True)["timestamp"].min()
    if not len(first):
        return _abandonment(0, 0, None)
    bought = first.index.isin(list(buyers))
    per = pd.DataFrame({"ts": first.reset_index(drop=True), "bought": bought})      # keeps the datetime dtype
    per = per.dropna(subset=["ts"])
    freq = _freq(per["ts"]) if len(per) else "week"
    naive = per["ts"].dt.tz_convert("UTC").dt.tz_localize(None) if per["ts"].dt.tz else per["ts"]
    per["period"] = naive.dt.to_period("W-SUN" if freq == "week" else "M").dt.start_time
    weekly = per.groupby("period").agg(carts=("bought", "size"), purchased=("bought", "sum")).reset_index()
    return _abandonment(len(first), int(bought.sum()), weekly)


def _abandonment(n: int, k: int, weekly: pd.DataFrame | None
                 ) -> tuple[float, tuple[float, float], int, pd.DataFrame]:
    """Cart abandonment from its counts: ``n`` cart users, ``k`` of them purchased, ``weekly`` (period, carts,
    purchased) per period of the first cart event."""
    if not n:                        # no cart event: nothing to rate (and no times to group by period)
        return np.nan, (np.nan, np.nan), 0, pd.DataFrame(columns=["period", "carts", "purchased", "rate"])
    p, lo, hi = proportion_ci(k, n)
    weekly = weekly.assign(rate=1 - weekly["purchased"] / weekly["carts"])
    return 1 - float(p), (1 - float(hi), 1 - float(lo)), n, weekly


def event_tiles(ds: Dataset, defs: DefinitionSet) -> list[Tile]:
    rate, ci, n, weekly = cart_abandonment(ds, defs)
    if not n:                        # the tile stays, saying why it has no value
        note = msg("{file} has no cart event ({cart_events}), so cart abandonment cannot be computed; name the "
                   "events that mean 'added to cart' on the Definitions page.", file=ds.name,
                   cart_events=", ".join(defs.cart.cart_events))
        return [_tile("cart_abandonment", defs, np.nan, None, 0, ds, warnings=(note,))]
    return [_tile("cart_abandonment", defs, 100 * rate, tuple(100 * x for x in ci), n, ds,
                  _trend(weekly["period"], 100 * weekly["rate"]))]


_BUILDERS = {"responses": (survey_tiles,), "orders": (order_tiles, clv_tiles, retention_tiles),
             "tickets": (support_tiles,), "events": (event_tiles,)}


def build(datasets: Iterable[Dataset] | Mapping[str, Dataset], defs: DefinitionSet | None = None) -> Scorecard:
    """Tiles for every metric the datasets support (the first dataset of each role is used).

    A metric whose computation fails on this data (e.g. no valid order) is left out with a warning;
    nothing raises for weak data.
    """
    defs = defs or DefinitionSet.default()
    items = list(datasets.values()) if isinstance(datasets, Mapping) else list(datasets)
    tiles: list[Tile] = []
    warnings: list[Msg] = []
    seen: set[str] = set()
    for ds in items:
        builders = _BUILDERS.get(ds.role)
        if builders is None or ds.role in seen:
            continue
        seen.add(ds.role)
        for builder in builders:
            try:
                tiles += builder(ds, defs)
            except CxDataError as err:
                said = getattr(err, "msg", None) or Msg(str(err))
                note = said if str(err).startswith(ds.name) else msg("{file}: {message}", file=ds.name, message=said)
                if note not in warnings:
                    warnings.append(note)
    order = {m: i for i, m in enumerate(METRICS_BY_NAME)}
    tiles.sort(key=lambda t: order[t.metric])
    return Scorecard(tuple(tiles), tuple(warnings))
