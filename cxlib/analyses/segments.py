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

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.core.definitions import RevenueDef
from cxlib.core.statuses import ORDER_STATUSES, status_words
from cxlib.data.dataset import Dataset
from cxlib.data.orders import MONEY_SCALE, money_units
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.messages import listing, sentences
from cxlib.core.spec import Spec
from cxlib.analyses import rfm_inputs, segments_engine
from cxlib.analyses.rfm_scores import DEFAULT_SCORE_MAP, ScoreRule, score_grid

QuintileMethod = Literal["ties_share", "rank"]
QUINTILE_METHODS: tuple[str, ...] = ("ties_share", "rank")
NO_ORDERS = N_("No orders")               # segment of customers-file rows without a valid order
ORDER_ATTRIBUTES = rfm_inputs.ORDER_ATTRIBUTES          # per customer: the value on the latest valid order


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


@dataclass(frozen=True, slots=True)
class RFMSpec(Spec):
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

    @classmethod
    def _read(cls, name: str, value: object) -> object:
        if name == "score_map" and not value:          # an empty map: the default one
            return DEFAULT_SCORE_MAP
        return value


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
    orders: pd.DataFrame             # customer_id, ordered_at, net (valid orders up to as_of; empty on the engine)
    as_of: date
    spec: RFMSpec
    warnings: tuple[str, ...] = ()
    source: Dataset | None = field(default=None, repr=False)   # engine path: where order_rows() reads them

    def order_values(self) -> pd.DataFrame | rfm_inputs.EngineOrderValues:
        """The valid orders used: ``orders`` (one row per order), or on the engine path the same orders left on the
        engine (:class:`~cxlib.analyses.rfm_inputs.EngineOrderValues`), which comparisons aggregate there."""
        return self.orders if self.source is None else rfm_inputs.EngineOrderValues(self.source, self.spec, self.as_of)

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
    if orders.aggregate_on_engine:       # a large table stays in the engine: per-customer aggregates only
        c, as_of = rfm_inputs.engine_customers(orders, spec, warnings)
        valid = rfm_inputs.NO_ORDERS_FRAME
    else:
        valid, as_of = rfm_inputs.valid_orders(orders, spec, warnings)
        valid = valid.sort_values("ordered_at", kind="mergesort")
        attrs = {col: (col, "last") for col in ORDER_ATTRIBUTES if col in valid.columns}   # from the latest order
        # money summed exactly, in millionths, as the engine sums it: equal totals tie in both (M scores, ranks)
        c = valid.assign(_units=money_units(valid["net"])).groupby("customer_id", sort=True).agg(
            email=("email", "last"), orders=("net", "size"), net_revenue=("_units", "sum"),
            first_order_at=("ordered_at", "min"), last_order_at=("ordered_at", "max"), **attrs).reset_index()
        c["net_revenue"] = c["net_revenue"] / MONEY_SCALE
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
                     warnings=tuple(warnings), source=orders if orders.aggregate_on_engine else None)


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


def cli_run(ds: Dataset, args, defs) -> dict:
    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise CxDataError(msg("--as-of {value} is not a date.", value=repr(args.as_of)),
                              hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30.")) from None
    return compute_rfm(ds, RFMSpec.from_definitions(defs, as_of=as_of, quintile_method=args.ties)).to_json()


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
    order, whose ``segment`` is ``"No orders"``). ``orders`` are RFM's valid orders (:meth:`RFMResult.order_values`:
    left on the engine for a large table). ``responses`` keeps the matched rows (with ``customer_id``) for
    comparisons at the response level; ``tickets`` the matched tickets per customer (customer_id, tickets)."""

    customers: pd.DataFrame
    orders: pd.DataFrame | rfm_inputs.EngineOrderValues
    responses: pd.DataFrame | segments_engine.EngineResponses | None = None
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


def _norm_email(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().replace("", pd.NA)


def _match(ids: pd.Series | None, emails: pd.Series | None, known_ids: pd.Series,
           email_to_id: pd.Series) -> tuple[pd.Series, int, int]:
    """customer_id per row: by customer id first, else by normalized email."""
    n = len(ids if ids is not None else emails)
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    by_id = 0
    if ids is not None:
        ids = ids.astype("string").str.strip().reset_index(drop=True)
        found = index_in(ids, known_ids) >= 0
        out = ids.where(found, pd.NA).astype("string")
        by_id = int(out.notna().sum())
    by_email = 0
    if emails is not None and len(email_to_id):
        via = _norm_email(emails.reset_index(drop=True)).map(email_to_id).astype("string")
        fill = out.isna() & via.notna()
        out = out.mask(fill, via)
        by_email = int(fill.sum())
    return out, by_id, by_email


def _latest(df: pd.DataFrame, col: str, time_col: str | None) -> pd.Series:
    d = df[df[col].notna() & (df[col].between(0, 10) if col == "nps" else True)]     # NPS: answers 0-10 only
    if time_col and time_col in d.columns:
        d = d.sort_values(time_col, kind="mergesort", na_position="first")
    return d.groupby("customer_id", sort=False)[col].last()


def shares_customers(other: Dataset, *sources: Dataset | None) -> bool:
    """True when ``other`` (customers, responses or tickets) has a customer id or an email that also
    appears in one of ``sources`` (orders, customers): a cheap test of whether a join makes sense. A table kept
    in its Parquet file is tested on the engine (no pandas copy)."""
    if any(d is not None and d.on_engine for d in (other, *sources)):
        return segments_engine.shares_customers(other, [d for d in sources if d is not None])
    ids = [d.df["customer_id"].astype("string").str.strip() for d in sources if d is not None and "customer_id" in d.df]
    emails = [_norm_email(d.df["email"]) for d in sources if d is not None and "email" in d.df]
    ids = pd.concat(ids).dropna() if ids else pd.Series([], dtype="string")
    emails = pd.concat(emails).dropna() if emails else pd.Series([], dtype="string")
    d = other.df
    for col in ("customer_id", "requester"):
        if col in d.columns and d[col].astype("string").str.strip().isin(ids).any():
            return True
    for col in ("email", "requester"):
        if col in d.columns and _norm_email(d[col]).isin(emails).any():
            return True
    return False


def _responses(responses: Dataset, known_ids: pd.Series, email_to_id: pd.Series):
    """(the matched answers, each customer's latest NPS and CSAT, rows, matched by id, by email), or None without
    a customer id or email column. The matched answers are rows of nps, csat, ces, answered_at and customer_id; for a
    table kept in its Parquet file they stay on the engine (:class:`~cxlib.analyses.segments_engine.EngineResponses`)."""
    if responses.on_engine:
        return segments_engine.responses(responses, known_ids, email_to_id)
    r = responses.df
    ids = r["customer_id"] if responses.has("customer_id") else None
    em = r["email"] if responses.has("email") else None
    if ids is None and em is None:
        return None
    cid, by_id, by_em = _match(ids, em, known_ids, email_to_id)
    keep = [c for c in ("nps", "csat", "ces", "answered_at") if c in r.columns]
    out = r[keep].reset_index(drop=True).assign(customer_id=cid)
    out = out[out["customer_id"].notna()].reset_index(drop=True)
    latest = {col: _latest(out, col, "answered_at") for col in ("nps", "csat") if col in out.columns}
    return out, latest, len(r), by_id, by_em


TICKET_IDS = ("customer_id", "requester")                        # the first of these with a value: the id
TICKET_EMAILS = ("email", "requester_email", "requester")        # the first of these with a value: the email


def _ticket_counts(tickets: Dataset, known_ids: pd.Series, email_to_id: pd.Series
                   ) -> tuple[pd.DataFrame, int, int, int] | None:
    """(matched tickets per customer: customer_id, tickets; the tickets; matched by id; by email), or None when
    the file has neither an id nor an email column with a value. A table kept in its Parquet file is matched on
    the engine (:func:`cxlib.analyses.segments_engine.ticket_counts`)."""
    if tickets.on_engine:
        return segments_engine.ticket_counts(tickets, known_ids, email_to_id, TICKET_IDS, TICKET_EMAILS)
    t = tickets.df
    ids = next((t[c] for c in TICKET_IDS if c in t.columns and t[c].notna().any()), None)
    em = next((t[c] for c in TICKET_EMAILS if c in t.columns and t[c].notna().any()), None)
    if ids is None and em is None:
        return None
    cid, by_id, by_em = _match(ids, em, known_ids, email_to_id)
    counts = cid.dropna().value_counts(sort=False)
    out = pd.DataFrame({"customer_id": counts.index.astype("string"), "tickets": counts.to_numpy(dtype=np.int64)})
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True), len(t), by_id, by_em


def build_customer_view(rfm: RFMResult, customers: Dataset | None = None, responses: Dataset | None = None,
                        tickets: Dataset | None = None, *, promoter_min: int = 9, detractor_max: int = 6
                        ) -> CustomerView:
    """Join customer attributes, survey responses and tickets to the RFM table (customer id first,
    else email normalized to lower case without spaces); counts of matched/unmatched rows in ``joins``.

    With responses, ``nps`` and ``csat`` are each customer's latest answer (NPS: the latest answer
    0-10) and ``nps_band`` its band (:func:`nps_band` with ``promoter_min``/``detractor_max``).

    Attributes in both the customers file and the orders (email, country, channel) take the
    customers file's value, falling back to the latest order's; other clashing columns of the
    customers file get a ``_attr`` suffix."""
    base = rfm.customers.copy()
    joins: list[JoinStats] = []
    warnings: list[Msg] = []
    if customers is not None:
        attrs = customers.df.copy()
        attrs["customer_id"] = attrs["customer_id"].astype("string").str.strip()
        attrs = attrs[attrs["customer_id"].notna()]
        dup = attrs["customer_id"].duplicated()
        if dup.any():
            warnings.append(msg("{repeated} repeated customer id(s) in {file}; the first row of each is used.",
                                repeated=int(dup.sum()), file=customers.name))
            attrs = attrs[~dup]
        shared = [c for c in attrs.columns if c in base.columns and c != "customer_id"
                  and (c == "email" or c in ORDER_ATTRIBUTES)]        # customers file wins, orders fill gaps
        clash = [c for c in attrs.columns if c in base.columns and c != "customer_id" and c not in shared]
        attrs = attrs.rename(columns={c: f"{c}_attr" for c in shared + clash})
        in_rfm = attrs["customer_id"].isin(base["customer_id"])
        base = base.merge(attrs, on="customer_id", how="outer", sort=True)
        for col in shared:
            base[col] = base[f"{col}_attr"].astype("string").fillna(base[col].astype("string"))
            base = base.drop(columns=f"{col}_attr")
        no_orders = base["orders"].isna()
        base.loc[no_orders, ["orders", "net_revenue"]] = 0
        base["orders"] = base["orders"].astype(int)
        base["segment"] = base["segment"].astype("string").fillna(NO_ORDERS)
        joins.append(JoinStats("customers", len(attrs), int(in_rfm.sum()), 0, int((~in_rfm).sum())))
    base["email_norm"] = _norm_email(base["email"]) if "email" in base.columns else pd.NA
    emails = base.dropna(subset=["email_norm"]).drop_duplicates("email_norm")
    email_to_id = pd.Series(emails["customer_id"].to_numpy(), index=emails["email_norm"].to_numpy())
    resp_out = None
    if responses is not None:
        found = _responses(responses, base["customer_id"], email_to_id)
        if found is None:
            warnings.append(msg("{file} has no customer id or email column, so responses cannot be joined.",
                                file=responses.name))
        else:
            resp_out, latest, rows, by_id, by_em = found
            joins.append(JoinStats("responses", rows, by_id, by_em, rows - by_id - by_em))
            for col, values in latest.items():
                base[col] = base["customer_id"].map(values).astype(float)
            if "nps" in base.columns:
                base["nps_band"] = nps_band(base["nps"], promoter_min, detractor_max)
    tick_out = None
    if tickets is not None:
        found = _ticket_counts(tickets, base["customer_id"], email_to_id)
        if found is None:
            warnings.append(msg("{file} has no customer id, email or requester column, so tickets cannot be joined.",
                                file=tickets.name))
        else:
            tick_out, rows, by_id, by_em = found
            joins.append(JoinStats("tickets", rows, by_id, by_em, rows - by_id - by_em))
            base["tickets"] = base["customer_id"].map(tick_out.set_index("customer_id")["tickets"]).fillna(0).astype(int)
    for j in joins:
        if j.source != "customers" and j.rows and j.matched == 0:
            warnings.append(msg("none of the {rows} responses rows match a customer by id or email.", rows=j.rows)
                            if j.source == "responses" else
                            msg("none of the {rows} tickets rows match a customer by id or email.", rows=j.rows))
    return CustomerView(customers=base.drop(columns="email_norm"), orders=rfm.order_values(), responses=resp_out,
                        tickets=tick_out, joins=tuple(joins), warnings=tuple(rfm.warnings) + tuple(warnings))
