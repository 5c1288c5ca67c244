"""Customer segments: RFM scores and named segments, value tiers, rule segments, joins.

RFM (as of a date ``D``, over *valid* orders placed on or before ``D``):

- recency ``R``: whole calendar days (UTC) from the customer's last valid order to ``D``;
- frequency ``F``: number of valid orders;
- monetary ``M``: net revenue, ``sum(amount - refunded)`` (``refunded`` missing -> 0).

Valid orders and net revenue follow the one rule of :mod:`cxlib.data.orders` (line items collapsed);
``RFMSpec.valid_statuses``/``subtract_refunds`` are that rule's revenue definition (``RFMSpec.revenue``).

Quintile scores 1-5 (5 = best: most recent, most orders, most revenue). Customers are sorted by
the value (recency reversed) and then by ``customer_id``, numbered 1..n, and cut into five
equal-count bins: ``score = max(1, ceil(5 * (rank - 1) / (n - 1)))`` -- exactly
``pandas.qcut(rank, 5, labels=False) + 1``. With ``quintile_method="ties_share"`` (default) a tie
group (e.g. every one-order customer) shares the score of its first member, so equal values always
get equal scores; ``"rank"`` keeps exactly equal-sized bins and splits ties by customer id.

Named segments come from the R x FM grid (``FM = ceil((F + M) / 2)``): ``DEFAULT_SCORE_MAP`` is
data (a tuple of :class:`ScoreRule`), editable, validated to cover each of the 25 cells once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.core.definitions import RevenueDef
from cxlib.core.statuses import ORDER_STATUSES, status_words
from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_frame, rule_notes
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.messages import listing, sentences

QuintileMethod = Literal["ties_share", "rank"]
QUINTILE_METHODS: tuple[str, ...] = ("ties_share", "rank")
NO_ORDERS = N_("No orders")               # segment of customers-file rows without a valid order
ORDER_ATTRIBUTES = ("country", "channel", "currency")   # per customer: the value on the latest valid order


@dataclass(frozen=True, slots=True)
class ScoreRule:
    """Customers with ``r_min <= R <= r_max`` and ``fm_min <= FM <= fm_max`` are in ``segment``."""

    segment: str
    r_min: int
    r_max: int
    fm_min: int
    fm_max: int

    def to_json(self) -> dict:
        return {"segment": self.segment, "r": [self.r_min, self.r_max], "fm": [self.fm_min, self.fm_max]}

    @classmethod
    def from_json(cls, obj: dict) -> "ScoreRule":
        return cls(str(obj["segment"]), int(obj["r"][0]), int(obj["r"][1]), int(obj["fm"][0]), int(obj["fm"][1]))


# Segment names are stored values (tables, JSON, rules such as ``segment = Lost``) and stay English;
# they are marked so that an interface translates them where it shows them.
DEFAULT_SCORE_MAP: tuple[ScoreRule, ...] = (
    ScoreRule(N_("Champions"), 5, 5, 4, 5),
    ScoreRule(N_("Loyal"), 3, 4, 4, 5),
    ScoreRule(N_("Potential loyalists"), 4, 5, 2, 3),
    ScoreRule(N_("New"), 5, 5, 1, 1),
    ScoreRule(N_("Promising"), 4, 4, 1, 1),
    ScoreRule(N_("Need attention"), 3, 3, 1, 3),
    ScoreRule(N_("At risk"), 1, 2, 3, 4),
    ScoreRule(N_("Can't lose"), 1, 2, 5, 5),
    ScoreRule(N_("Hibernating"), 2, 2, 1, 2),
    ScoreRule(N_("Lost"), 1, 1, 1, 2),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(r.segment for r in DEFAULT_SCORE_MAP)


def join_list(items: list) -> Msg | str:
    """``a, b, c`` as one value whose separators an interface can translate."""
    return listing(items)


def join_clauses(items: list) -> Msg | str:
    """``a; b; c``: clauses of one sentence."""
    return listing(items, "; ")


join_sentences = sentences


# NPS bands of a customer's latest answer: stored values (the ``nps_band`` column, ``customers --by
# nps_band``) and the names of the ready-made groups that compare them.
NPS_BANDS: tuple[tuple[str, str], ...] = (("detractor", N_("Detractors")), ("passive", N_("Passives")),
                                          ("promoter", N_("Promoters")))


def nps_band(scores: pd.Series, promoter_min: int = 9, detractor_max: int = 6) -> pd.Series:
    """``detractor`` (0..detractor_max), ``passive`` or ``promoter`` (promoter_min..10) per score;
    missing for no answer and for scores outside 0-10 (an ``11`` is a typo, not a promoter).

    The one rule for NPS bands of customers: the Segments page's groups, rule field ``nps_band`` and
    any customer-level breakdown (Customer 360) use it on each customer's latest answer.

    >>> nps_band(pd.Series([0, 6, 7, 8, 9, 10, 11, None])).tolist()
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter', <NA>, <NA>]
    """
    x = pd.to_numeric(scores, errors="coerce").astype(float)
    band = np.where(x >= promoter_min, "promoter", np.where(x <= detractor_max, "detractor", "passive"))
    return pd.Series(band, index=scores.index, dtype="string").where(x.between(0, 10), pd.NA)


def name_msg(name: object) -> Msg:
    """A segment or tier name as a value inside a sentence: an interface translates it when it is a
    marked name (``"At risk"``) and shows it as it is when it is the user's own (``"VIP Berlin"``)."""
    return Msg(str(name))


def score_grid(score_map: tuple[ScoreRule, ...]) -> np.ndarray:
    """5x5 array of segment names, ``grid[r - 1, fm - 1]``; raises CxDataError unless every cell is
    covered exactly once."""
    grid = np.full((5, 5), None, dtype=object)
    problems: list[Msg] = []
    for rule in score_map:
        bounds = (rule.r_min, rule.r_max, rule.fm_min, rule.fm_max)
        if not str(rule.segment).strip():
            problems.append(msg("a rule has no segment name"))
            continue
        if any(not 1 <= b <= 5 for b in bounds) or rule.r_min > rule.r_max or rule.fm_min > rule.fm_max:
            problems.append(msg("'{segment}' has ranges R {r_min}-{r_max}, FM {fm_min}-{fm_max}; "
                                "scores run from 1 to 5 and min must not exceed max", segment=name_msg(rule.segment),
                                r_min=rule.r_min, r_max=rule.r_max, fm_min=rule.fm_min, fm_max=rule.fm_max))
            continue
        for r in range(rule.r_min, rule.r_max + 1):
            for fm in range(rule.fm_min, rule.fm_max + 1):
                if grid[r - 1, fm - 1] is not None:
                    problems.append(msg("cell R={r}, FM={fm} is in both '{segment}' and '{other}'", r=r, fm=fm,
                                        segment=name_msg(grid[r - 1, fm - 1]), other=name_msg(rule.segment)))
                else:
                    grid[r - 1, fm - 1] = rule.segment
    missing = [f"R={r}, FM={fm}" for r in range(1, 6) for fm in range(1, 6) if grid[r - 1, fm - 1] is None]
    if missing and not problems:
        cells = ", ".join(missing[:5])                   # score notation, the same in every language
        problems.append(msg("no segment covers {cells} ...", cells=cells) if len(missing) > 5
                        else msg("no segment covers {cells}", cells=cells))
    if problems:
        raise CxDataError(msg("the RFM score map is not valid: {problems}.", problems=join_clauses(problems[:4])),
                          hint=msg("Every combination of R score (1-5) and FM score (1-5) must belong to exactly "
                                   "one segment; fix the ranges or reset to the default map."))
    return grid


def score_map_frame(score_map: tuple[ScoreRule, ...] = DEFAULT_SCORE_MAP) -> pd.DataFrame:
    """The score map as an editable table (segment, r_min, r_max, fm_min, fm_max)."""
    return pd.DataFrame([{"segment": r.segment, "r_min": r.r_min, "r_max": r.r_max,
                          "fm_min": r.fm_min, "fm_max": r.fm_max} for r in score_map])


def score_map_from_frame(df: pd.DataFrame) -> tuple[ScoreRule, ...]:
    """Score map from an edited table; validated (CxDataError names the problem)."""
    rules = []
    for i, row in enumerate(df.to_dict("records"), start=1):
        if all(pd.isna(v) or str(v).strip() == "" for v in row.values()):
            continue
        try:
            bounds = (int(row[k]) for k in ("r_min", "r_max", "fm_min", "fm_max"))
            rules.append(ScoreRule(str(row["segment"]).strip(), *bounds))
        except (TypeError, ValueError, KeyError):
            raise CxDataError(msg("row {row} of the score map needs a segment name and four whole numbers 1-5 "
                                  "(r_min, r_max, fm_min, fm_max).", row=i)) from None
    rules = tuple(rules)
    score_grid(rules)
    return rules


@dataclass(frozen=True, slots=True)
class RFMSpec:
    """How RFM is computed. ``as_of=None`` means the date of the latest valid order."""

    as_of: date | None = None
    valid_statuses: tuple[str, ...] = RevenueDef().valid_statuses     # the revenue rule RFM counts with
    subtract_refunds: bool = True
    score_map: tuple[ScoreRule, ...] = DEFAULT_SCORE_MAP
    quintile_method: QuintileMethod = "ties_share"

    def __post_init__(self) -> None:
        bad = [s for s in self.valid_statuses if s not in ORDER_STATUSES]
        if bad or not self.valid_statuses:
            raise CxDataError(msg("unknown order status(es) {statuses} in the RFM definition.", statuses=str(bad))
                              if bad else msg("the RFM definition counts no order status as valid."),
                              hint=msg("Use some of: {statuses}.", statuses=", ".join(ORDER_STATUSES)))
        if self.quintile_method not in QUINTILE_METHODS:
            raise CxDataError(msg("unknown quintile method {method}.", method=repr(self.quintile_method)),
                              hint=msg("Use one of: {methods}.", methods=", ".join(QUINTILE_METHODS)))
        score_grid(self.score_map)

    @property
    def revenue(self) -> RevenueDef:
        """The revenue definition these valid statuses and refund handling make (the one rule's input)."""
        return RevenueDef(tuple(self.valid_statuses), bool(self.subtract_refunds))

    @classmethod
    def from_definitions(cls, defs, **changes) -> "RFMSpec":
        """Valid statuses and refund handling from a ``cxlib.core.definitions.DefinitionSet``'s net revenue."""
        rev = defs.net_revenue
        return cls(valid_statuses=tuple(rev.valid_statuses), subtract_refunds=rev.subtract_refunds, **changes)

    def describe(self) -> Msg:
        net = msg("amount minus refunds") if self.subtract_refunds else msg("order amount")
        ties = (msg("equal values share a score") if self.quintile_method == "ties_share"
                else msg("equal-sized bins, ties split by customer id"))
        statuses = status_words(self.valid_statuses)
        if self.as_of:
            # TRANSLATORS: {net} ("amount minus refunds" / "order amount") and {ties} are phrases
            # translated on their own; {statuses} lists order statuses ("completed, refunded, partially refunded")
            return msg("RFM as of {date} over orders with status {statuses}: recency in days since the last "
                       "order, frequency = number of orders, monetary = {net}; each scored 1-5 by quintile "
                       "({ties}) and mapped to segments by R score and FM = (F + M) / 2 rounded up.",
                       date=self.as_of.isoformat(), statuses=statuses, net=net, ties=ties)
        return msg("RFM as of the latest order date over orders with status {statuses}: recency in days since "
                   "the last order, frequency = number of orders, monetary = {net}; each scored 1-5 by quintile "
                   "({ties}) and mapped to segments by R score and FM = (F + M) / 2 rounded up.",
                   statuses=statuses, net=net, ties=ties)

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat() if self.as_of else None, "valid_statuses": list(self.valid_statuses),
                "subtract_refunds": self.subtract_refunds, "quintile_method": self.quintile_method,
                "score_map": [r.to_json() for r in self.score_map]}

    @classmethod
    def from_json(cls, obj: dict) -> "RFMSpec":
        as_of = obj.get("as_of")
        return cls(as_of=date.fromisoformat(as_of) if as_of else None,
                   valid_statuses=tuple(obj.get("valid_statuses", RevenueDef().valid_statuses)),
                   subtract_refunds=bool(obj.get("subtract_refunds", True)),
                   score_map=tuple(ScoreRule.from_json(r) for r in obj["score_map"]) if obj.get("score_map")
                   else DEFAULT_SCORE_MAP,
                   quintile_method=obj.get("quintile_method", "ties_share"))


def _order(v: np.ndarray, ids) -> np.ndarray:
    """Positions sorted by value, then id (integer ids, e.g. positions of an id-sorted table, are
    used as they are; text ids are ranked once)."""
    codes = np.asarray(ids)
    if not np.issubdtype(codes.dtype, np.integer):
        codes = pd.factorize(pd.Series(ids, dtype="string"), sort=True)[0]
    return np.lexsort((codes, v))


def quintile_scores(values: pd.Series, ids: pd.Series, *, method: QuintileMethod = "ties_share") -> np.ndarray:
    """Scores 1-5, higher value -> higher score (negate a value where lower is better).

    Customers are numbered 1..n by (value, id); ``score = max(1, ceil(5 (rank - 1) / (n - 1)))``,
    which equals ``pd.qcut(rank, 5, labels=False) + 1``. ``"ties_share"`` gives a tie group the
    score of its first member."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    v = np.asarray(values, dtype=float)
    if method == "ties_share":
        rank = pd.Series(v).rank(method="min").to_numpy().astype(np.int64)
    else:
        rank = np.empty(n, dtype=np.int64)
        rank[_order(v, ids)] = np.arange(1, n + 1)
    denom = max(n - 1, 1)
    return np.maximum(1, (5 * (rank - 1) + denom - 1) // denom)   # integer ceil: exact


@dataclass(frozen=True)
class RFMResult(Result):
    """One row per customer with a valid order (``customers``) plus the valid orders used."""

    customers: pd.DataFrame          # customer_id, email, orders, net_revenue, aov, first/last_order_at,
    #                                  recency_days, r, f, m, fm, rfm, segment, value_tier
    orders: pd.DataFrame             # customer_id, ordered_at, net (valid orders up to as_of)
    as_of: date
    spec: RFMSpec
    warnings: tuple[str, ...] = ()

    @property
    def segment_counts(self) -> dict[str, int]:
        counts = self.customers["segment"].value_counts()
        names = list(dict.fromkeys(r.segment for r in self.spec.score_map))
        return {name: int(counts.get(name, 0)) for name in names}

    def to_frame(self) -> pd.DataFrame:
        """One row per segment (score-map order): customers, shares, revenue, typical R/F/M."""
        c = self.customers
        g = c.groupby("segment", observed=True).agg(
            customers=("customer_id", "size"), net_revenue=("net_revenue", "sum"),
            recency_days_median=("recency_days", "median"), orders_mean=("orders", "mean"),
            net_revenue_mean=("net_revenue", "mean"))
        g = g.reindex(list(self.segment_counts)).fillna({"customers": 0, "net_revenue": 0.0})
        g["customers"] = g["customers"].astype(int)
        total_rev = float(c["net_revenue"].sum())
        g["customers_pct"] = (100 * g["customers"] / max(len(c), 1)).round(2)
        g["revenue_share_pct"] = (100 * g["net_revenue"] / total_rev).round(2) if total_rev else 0.0
        g["net_revenue"] = g["net_revenue"].round(2)
        # TRANSLATORS: column headers of the segment table (keys of the data); translate
        # as short headers, e.g. net_revenue_mean = mean net revenue per customer
        cols = [N_("customers"), N_("customers_pct"), N_("net_revenue"), N_("revenue_share_pct"),
                N_("recency_days_median"), N_("orders_mean"), N_("net_revenue_mean")]   # headers people read
        return g[cols].rename_axis(N_("segment")).reset_index()

    def grid_frame(self) -> pd.DataFrame:
        """Customers per (R, FM) cell with the cell's segment: 25 rows."""
        grid = score_grid(self.spec.score_map)
        counts = self.customers.groupby(["r", "fm"]).size()
        rows = [{"r": r, "fm": fm, "segment": grid[r - 1, fm - 1], "customers": int(counts.get((r, fm), 0))}
                for r in range(1, 6) for fm in range(1, 6)]
        return pd.DataFrame(rows)

    def summary(self) -> Msg:
        counts = {k: v for k, v in sorted(self.segment_counts.items(), key=lambda kv: -kv[1]) if v}
        # TRANSLATORS: a segment name and its number of customers, in the list of largest segments
        top = [msg("{segment} {customers}", segment=name_msg(k), customers=v) for k, v in list(counts.items())[:4]]
        if not top:
            return msg("{customers} customers as of {date}; largest segments: none.",
                       customers=len(self.customers), date=self.as_of.isoformat())
        return msg("{customers} customers as of {date}; largest segments: {segments}.",
                   customers=len(self.customers), date=self.as_of.isoformat(), segments=join_list(top))

    def to_json(self) -> dict:
        return {"customers": int(len(self.customers)), "segments": self.segment_counts,
                "as_of": self.as_of.isoformat(), "definition": self.spec.to_json(),
                "net_revenue": round(float(self.customers["net_revenue"].sum()), 2),
                "segment_table": self.to_frame().to_dict("records"), "warnings": list(self.warnings)}


def _valid_orders(orders: Dataset, spec: RFMSpec, warnings: list[Msg]) -> tuple[pd.DataFrame, date]:
    df = orders.df
    for col in ("customer_id", "ordered_at", "amount"):
        if col not in df.columns:
            raise CxDataError(msg("RFM needs an orders table with '{column}'.", column=col), file=orders.name,
                              hint=msg("Map the customer id, order date and amount columns on the Data page."))
    attrs = [c for c in ORDER_ATTRIBUTES if c in df.columns]
    frame = order_frame(df, spec.revenue, ("email", *attrs))
    warnings.extend(rule_notes(frame, len(df)))
    frame = frame.loc[frame["valid"], ["customer_id", "ordered_at", "net"]].assign(
        email=frame["email"].astype("string") if "email" in frame.columns else pd.NA,
        **{c: frame[c].astype("string") for c in attrs})
    no_id = frame["customer_id"].isna() | frame["ordered_at"].isna()
    if no_id.any():
        warnings.append(msg("{orders} valid order(s) have no customer id or order date and are left out of RFM.",
                            orders=int(no_id.sum())))
        frame = frame[~no_id]
    if frame.empty:
        raise CxDataError(msg("there are no valid orders with a customer id and a date to score."), file=orders.name,
                          hint=msg("Valid statuses are {statuses}; check the status column or widen the definition.",
                                   statuses=", ".join(spec.valid_statuses)))
    as_of = spec.as_of or frame["ordered_at"].max().date()
    cutoff = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    later = frame["ordered_at"] >= cutoff
    if later.any():
        warnings.append(msg("{orders} valid order(s) placed after {date} are ignored.",
                            orders=int(later.sum()), date=as_of.isoformat()))
        frame = frame[~later]
    if frame.empty:
        raise CxDataError(msg("no valid orders were placed on or before {date}.", date=as_of.isoformat()),
                          hint=msg("Choose a later as-of date."))
    return frame.reset_index(drop=True), as_of


def compute_rfm(orders: Dataset, spec: RFMSpec | None = None) -> RFMResult:
    """RFM scores and named segments for every customer with a valid order.

    Parameters
    ----------
    orders : an orders Dataset (one row per order: customer_id, ordered_at, amount; status,
        refunded, email, country optional).
    spec : the RFM definition; default ``RFMSpec()`` (as of the latest order date).

    Returns
    -------
    RFMResult
        ``customers`` (one row per customer, sorted by id, with recency_days, orders,
        net_revenue, r/f/m/fm scores, segment, value_tier), ``segment_counts``, ``warnings``.

    Examples
    --------
    >>> from cxlib.data.loader import load_path
    >>> res = compute_rfm(load_path("sample_data/orders_shopify.csv", role="orders"))
    >>> res.summary()
    '1180 customers as of 2026-10-31; largest segments: Lost 182, Need attention 178, Loyal 167, Potential loyalists 164.'
    """
    spec = spec or RFMSpec()
    warnings: list[Msg] = []
    valid, as_of = _valid_orders(orders, spec, warnings)
    valid = valid.sort_values("ordered_at", kind="mergesort")
    attrs = {col: (col, "last") for col in ORDER_ATTRIBUTES if col in valid.columns}   # from the latest order
    c = valid.groupby("customer_id", sort=True).agg(
        email=("email", "last"), orders=("net", "size"), net_revenue=("net", "sum"),
        first_order_at=("ordered_at", "min"), last_order_at=("ordered_at", "max"), **attrs).reset_index()
    c["orders"] = c["orders"].astype(int)
    c["aov"] = c["net_revenue"] / c["orders"]
    last_day = c["last_order_at"].dt.tz_convert("UTC").dt.normalize()
    c["recency_days"] = ((pd.Timestamp(as_of, tz="UTC") - last_day).dt.days).astype(int)
    ids = np.arange(len(c))                               # c is sorted by customer_id: ties break by id
    c["r"] = quintile_scores(-c["recency_days"], ids, method=spec.quintile_method)
    c["f"] = quintile_scores(c["orders"], ids, method=spec.quintile_method)
    c["m"] = quintile_scores(c["net_revenue"], ids, method=spec.quintile_method)
    c["fm"] = (c["f"] + c["m"] + 1) // 2
    c["rfm"] = c["r"].astype(str) + c["f"].astype(str) + c["m"].astype(str)
    grid = score_grid(spec.score_map)
    c["segment"] = pd.Series(grid[c["r"].to_numpy() - 1, c["fm"].to_numpy() - 1], index=c.index, dtype="string")
    c["value_tier"] = value_tiers(c["net_revenue"], ids)
    n = len(c)
    if n < 25:
        warnings.append(msg("only {customers} customer(s): quintile scores on so few customers are coarse; "
                            "read segments with care.", customers=n))
    for name, col in ((msg("Recency"), "recency_days"), (msg("Frequency"), "orders"), (msg("Monetary"), "net_revenue")):
        distinct = c[col].nunique()
        if spec.quintile_method == "ties_share" and n >= 25 and distinct < 5:
            # TRANSLATORS: {measure} is Recency, Frequency or Monetary
            warnings.append(msg("{measure} has only {distinct} distinct value(s), so its scores use fewer than "
                                "5 levels.", measure=name, distinct=int(distinct)))
    return RFMResult(customers=c, orders=valid[["customer_id", "ordered_at", "net"]], as_of=as_of, spec=spec,
                     warnings=tuple(warnings))


# Tier names are stored values (like segment names), marked for display in the interface's language.
VALUE_TIERS: tuple[tuple[str, float], ...] = ((N_("Top 10%"), 0.10), (N_("Next 20%"), 0.30),
                                              (N_("Middle 30%"), 0.60), (N_("Bottom 40%"), 1.0))


def value_tiers(net_revenue: pd.Series, ids: pd.Series) -> pd.Series:
    """Value tier per customer: customers ranked by net revenue (highest first, then id) and cut at
    10 %, 30 % and 60 % of customers (``VALUE_TIERS``)."""
    n = len(net_revenue)
    order = _order(-np.asarray(net_revenue, dtype=float), ids)
    pos = np.empty(n, dtype=float)
    pos[order] = np.arange(1, n + 1) / max(n, 1)          # share of customers at or above this one
    labels = np.array([t for t, _ in VALUE_TIERS], dtype=object)
    idx = np.searchsorted(np.array([c for _, c in VALUE_TIERS]), pos - 1e-12, side="left")
    return pd.Series(labels[np.minimum(idx, len(labels) - 1)], index=net_revenue.index, dtype="string")


def value_tier_frame(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers and net revenue share per value tier."""
    total = float(customers["net_revenue"].sum())
    g = customers.groupby("value_tier", observed=True).agg(customers=("customer_id", "size"),
                                                           net_revenue=("net_revenue", "sum"))
    g = g.reindex([t for t, _ in VALUE_TIERS]).fillna(0)
    g["customers"] = g["customers"].astype(int)
    g["revenue_share_pct"] = (100 * g["net_revenue"] / total).round(2) if total else 0.0
    g["net_revenue"] = g["net_revenue"].round(2)
    return g.rename_axis(N_("value_tier")).reset_index()


# ---- command line -------------------------------------------------------------------------
def cli_arguments(parser) -> None:
    parser.add_argument("--as-of", dest="as_of", help="analysis date YYYY-MM-DD (default: date of the latest order)")
    parser.add_argument("--ties", choices=QUINTILE_METHODS, default="ties_share",
                        help="how equal values are scored (default: ties_share)")


def cli_run(ds: Dataset, args) -> dict:
    as_of = None
    if getattr(args, "as_of", None):
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise CxDataError(msg("--as-of {value} is not a date.", value=repr(args.as_of)),
                              hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30.")) from None
    from cxlib.core.definitions import load_definitions
    revenue = load_definitions(getattr(args, "definitions", None)).net_revenue
    res = compute_rfm(ds, RFMSpec(as_of=as_of, quintile_method=getattr(args, "ties", "ties_share"),
                                  valid_statuses=tuple(revenue.valid_statuses),
                                  subtract_refunds=revenue.subtract_refunds))
    return res.to_json()


# ---- joins: customers, survey responses and tickets onto the RFM table -----------------------
@dataclass(frozen=True, slots=True)
class JoinStats:
    """How rows of another table were matched to customers."""

    source: str                      # "customers", "responses" or "tickets"
    rows: int
    by_customer_id: int
    by_email: int
    unmatched: int

    @property
    def matched(self) -> int:
        return self.by_customer_id + self.by_email

    def sentence(self) -> Msg:
        if self.source == "customers":
            return msg("customers: {matched} of {rows} customers in the customers file have valid orders; "
                       "{unmatched} without a valid order (no order, or only cancelled or pending ones) are kept "
                       "in the segment '{segment}'.", matched=self.matched,
                       rows=self.rows, unmatched=self.unmatched, segment=name_msg(NO_ORDERS))
        counts = dict(matched=self.matched, rows=self.rows, by_id=self.by_customer_id, by_email=self.by_email,
                      unmatched=self.unmatched)
        if self.source == "responses":
            return msg("responses: {matched} of {rows} rows matched to customers ({by_id} by customer id, "
                       "{by_email} by email); {unmatched} unmatched.", **counts)
        return msg("tickets: {matched} of {rows} rows matched to customers ({by_id} by customer id, "
                   "{by_email} by email); {unmatched} unmatched.", **counts)

    def to_json(self) -> dict:
        return {"source": self.source, "rows": self.rows, "by_customer_id": self.by_customer_id,
                "by_email": self.by_email, "matched": self.matched, "unmatched": self.unmatched}


@dataclass(frozen=True)
class CustomerView:
    """Everything known per customer: RFM + attributes + latest NPS/CSAT + ticket count.

    ``customers`` has one row per customer (buyers, plus customers-file rows without a valid
    order, whose ``segment`` is ``"No orders"``). ``responses``/``tickets`` keep the matched rows
    (with ``customer_id``) for comparisons at the response/ticket level."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    responses: pd.DataFrame | None = None
    tickets: pd.DataFrame | None = None
    joins: tuple[JoinStats, ...] = ()
    warnings: tuple[str, ...] = ()

    def describe_joins(self) -> Msg:
        if not self.joins:
            return msg("No other table joined.")
        return join_sentences([j.sentence() for j in self.joins])


def index_in(values: pd.Series, value_set: pd.Series) -> np.ndarray:
    """Position of each value in ``value_set`` (unique), -1 when absent: an Arrow hash lookup, much
    faster than ``isin``/``get_indexer`` on text columns."""
    found = pc.index_in(pa.array(values.astype("string")), value_set=pa.array(value_set.astype("string")))
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
