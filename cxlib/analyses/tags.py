"""Customer tags and trigger lists, each with its rule in words and its count.

Tags (valid orders strictly before the as-of date ``D``; valid orders and net revenue as in
:func:`cxlib.analyses.propensity.customer_orders_expr`):

- **favourite category**: the category with the highest *lift* - the customer's share of orders in it
  divided by the shop's share - among categories the customer bought at least ``favourite_min_orders``
  times, when that lift is at least ``favourite_min_lift``. Needs a category column on the orders
  (``category_column``, or a column named like "category"); each order counts once, for its category
  (a line-item export collapsed to orders keeps its first line's).
- **promotion-only buyer**: at least ``promo_min_orders`` valid orders, every one with a discount.
- **price sensitive**: at least 2 valid orders and a share of discounted orders of at least
  ``price_sensitive_share``. Both need a discount column (a discount amount or a discount code:
  ``discount_column``, or columns named like "Discount Amount", "Discount Code", "coupon"); an order is
  discounted when such a cell holds anything other than empty or 0.
- **churn risk against the customer's own cadence**: a repeat customer whose days since the last order
  exceed ``churn_gap_multiple`` times their mean gap between orders; a one-time buyer whose days since
  the first order exceed the time by which ``one_time_quantile`` of the shop's eventual second orders
  have happened (Kaplan-Meier curve of the time from the first to the second valid order, one-time
  buyers censored at ``D``).
- **next-order window**: repeat customers: last order + their mean gap +- the standard deviation of
  their gaps (+- half the mean gap with a single gap), never before ``D``; one-time buyers: first order
  + the 25th to 75th percentile of the time to a second order among those who place one (Kaplan-Meier),
  and the chance of a second order in the next 90 days given none so far,
  ``(S(a) - S(a + 90)) / S(a)``, instead of assuming they are still active (P(alive) = 1).

Trigger lists (as of ``D``): **thanks** - a valid order in the last ``thanks_days`` days; **follow-up** -
browsed (an event whose name contains "view") or added to cart in the last ``followup_hours`` hours and
no order since (no valid order, no event whose name contains "purchase"); **birthday** - a birthday in
the next ``birthday_days`` days (from a birthday column of the customers file; 29 February counts on 28
February in other years).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.data import engine
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.spec import Spec
from cxlib.core.messages import Msg, N_, msg, sentences
from cxlib.analyses.propensity import _check_role, _order_facts, _time_filter, no_valid_orders, customer_orders_expr
from cxlib.analyses.propensity_model import DAY
from cxlib.analyses.propensity_result import _day

if TYPE_CHECKING:                    # pragma: no cover - typing only
    from cxlib.core.definitions import DefinitionSet

CATEGORY_NAMES = ("category", "product category", "product_category", "product type", "product_type", "类目",
                  "商品类目", "品类", "категория", "категория товара")
DISCOUNT_NAMES = ("discount", "discount amount", "discount_amount", "discounts", "total discount", "total_discount",
                  "discount code", "discount_code", "coupon", "coupon code", "coupon_code", "promo code", "promo_code",
                  "优惠", "优惠金额", "优惠券", "折扣", "скидка", "сумма скидки", "промокод")
BIRTHDAY_NAMES = ("birthday", "birth_date", "birthdate", "date of birth", "date_of_birth", "dob", "生日", "出生日期",
                  "день рождения", "дата рождения")
TAGS = (N_("favourite category"), N_("promotion-only buyer"), N_("price sensitive"), N_("churn risk"),
        N_("next-order window"))
TRIGGERS = (N_("thanks"), N_("follow-up"), N_("birthday"))


@dataclass(frozen=True, slots=True)
class TagSpec(Spec):
    """Thresholds of the tags and trigger lists (see the module docstring for the rules)."""

    as_of: str | None = None
    category_column: str | None = None
    discount_column: str | None = None
    favourite_min_orders: int = 2
    favourite_min_lift: float = 1.5
    promo_min_orders: int = 2
    price_sensitive_share: float = 0.5
    churn_gap_multiple: float = 2.0
    one_time_quantile: float = 0.8
    thanks_days: int = 7
    followup_hours: int = 48
    birthday_days: int = 7

    def __post_init__(self) -> None:
        for name in ("favourite_min_orders", "promo_min_orders", "thanks_days", "followup_hours", "birthday_days"):
            if int(getattr(self, name)) < 1:
                raise CxDataError(msg("{setting} must be at least 1, got {value}.", setting=name,
                                      value=getattr(self, name)))
        for name in ("price_sensitive_share", "one_time_quantile"):
            if not 0 < float(getattr(self, name)) <= 1:
                raise CxDataError(msg("{setting} must be a fraction in (0, 1], got {value}.", setting=name,
                                      value=getattr(self, name)))
        for name in ("favourite_min_lift", "churn_gap_multiple"):
            if float(getattr(self, name)) <= 0:
                raise CxDataError(msg("{setting} must be positive, got {value}.", setting=name,
                                      value=getattr(self, name)))
        if self.as_of is not None:
            _day(self.as_of)


# ----------------------------------------------------------------------------------------------
# Columns found by name
# ----------------------------------------------------------------------------------------------
def find_columns(columns, names: tuple[str, ...], given: str | None = None, *, file: str | None = None) -> list[str]:
    """The columns whose name (trimmed, case-folded) is one of ``names``, or just ``given`` when set
    (which must exist)."""
    columns = [str(c) for c in columns]
    if given:
        if given not in columns:
            raise CxDataError(msg("there is no column {column!r}.", column=given), file=file,
                              hint=msg("Columns: {columns}.", columns=", ".join(columns[:30])))
        return [given]
    wanted = {n.casefold() for n in names}
    return [c for c in columns if c.strip().casefold() in wanted]


def _discounted(cols: list[str]):
    """An expression builder: True when any of ``cols`` holds something other than empty or 0."""
    import ibis

    def build(t):
        flags = []
        for c in cols:
            text = t[c].cast("string").strip()
            number = text.replace(",", ".").try_cast("float64")
            flags.append(text.notnull() & (text != "") & ibis.coalesce(number != 0, ibis.literal(True)))
        out = flags[0]
        for f in flags[1:]:
            out = out | f
        return out.cast("int64")
    return build


# ----------------------------------------------------------------------------------------------
# Kaplan-Meier
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KaplanMeier:
    """Product-limit estimate of S(t) = P(no second order by day t after the first)."""

    times: np.ndarray                # distinct event times (days)
    survival: np.ndarray             # S just after each time
    at_risk: np.ndarray
    events: np.ndarray

    @classmethod
    def fit(cls, durations, observed) -> "KaplanMeier":
        d = np.asarray(durations, dtype=float)
        e = np.asarray(observed, dtype=bool)
        times = np.unique(d[e])
        # at risk at t: durations >= t (events and censorings at t both count as at risk)
        ds = np.sort(d)
        at_risk = len(d) - np.searchsorted(ds, times, side="left")
        events = np.searchsorted(np.sort(d[e]), times, side="right") - np.searchsorted(np.sort(d[e]), times,
                                                                                       side="left")
        surv = np.cumprod(1.0 - events / at_risk) if len(times) else np.array([])
        return cls(times, surv, at_risk, events)

    def __call__(self, t) -> np.ndarray:
        """S(t) (right-continuous step function; 1 before the first event)."""
        idx = np.searchsorted(self.times, np.asarray(t, dtype=float), side="right") - 1
        return np.where(idx >= 0, self.survival[np.maximum(idx, 0)] if len(self.times) else 1.0, 1.0)

    def eventual_quantile(self, q: float) -> float:
        """The first day by which a share ``q`` of the eventual second orders (1 - S at the last time) have
        happened; NaN without events."""
        if not len(self.times):
            return float("nan")
        f = 1.0 - self.survival
        k = int(np.searchsorted(f / f[-1], q - 1e-12, side="left"))
        return float(self.times[min(k, len(self.times) - 1)])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"day": self.times, "survival": self.survival, "at_risk": self.at_risk,
                             "events": self.events})


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One tag or trigger list: its rule in words and how many customers it holds (None: not available)."""

    name: str
    rule: str                        # a Msg
    customers: int | None
    unavailable: str = ""            # why it could not be computed (a Msg) or ""

    def to_json(self) -> dict:
        return {"tag": self.name, "rule": str(self.rule), "customers": self.customers,
                "unavailable": str(self.unavailable) or None}


@dataclass(frozen=True)
class TagsResult(Result):
    as_of: str
    customers: pd.DataFrame          # one row per customer with a valid order before as_of
    rules: tuple[Rule, ...]
    km: KaplanMeier
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.customers.copy()

    def rules_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.to_json() for r in self.rules])

    def summary(self) -> Msg:
        counts = {r.name: r.customers for r in self.rules}
        return msg("{customers:,} customers tagged as of {date}: {churn:,} at churn risk, {promo} promotion-only "
                   "buyers, {favourite} with a favourite category.", customers=len(self.customers), date=self.as_of,
                   churn=counts.get("churn risk") or 0, promo=_count(counts.get("promotion-only buyer")),
                   favourite=_count(counts.get("favourite category")))

    def to_json(self) -> dict:
        return {"as_of": self.as_of, "customers": len(self.customers), "tags": [r.to_json() for r in self.rules],
                "warnings": [str(w) for w in self.warnings]}


def _count(n: int | None) -> str:
    return f"{n:,}" if n is not None else msg("(not available)")


@dataclass(frozen=True)
class TriggerResult(Result):
    as_of: str
    lists: dict                      # name -> DataFrame of members
    rules: tuple[Rule, ...]
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.to_json() for r in self.rules])

    def summary(self) -> Msg:
        c = {r.name: r.customers for r in self.rules}
        return msg("Trigger lists as of {date}: {thanks} to thank, {follow} to follow up, {birthday} birthdays.",
                   date=self.as_of, thanks=_count(c.get("thanks")), follow=_count(c.get("follow-up")),
                   birthday=_count(c.get("birthday")))

    def to_json(self) -> dict:
        return {"as_of": self.as_of, "lists": [r.to_json() for r in self.rules],
                "warnings": [str(w) for w in self.warnings]}


# ----------------------------------------------------------------------------------------------
# Tags
# ----------------------------------------------------------------------------------------------
def _as_of(orders, spec, name: str | None) -> pd.Timestamp:
    if spec.as_of:
        return _day(spec.as_of)
    last = _order_facts(orders)["last"]
    if last is None:
        raise CxDataError(msg("no order has a date."), file=name,
                          hint=msg("Check the mapping of customer_id and ordered_at on the Data page."))
    return _day(pd.Timestamp(last, unit="s", tz="UTC")) + pd.Timedelta(days=1)


def customer_tags(orders, spec: TagSpec | None = None, *, defs: DefinitionSet | None = None) -> TagsResult:
    """Tags of every customer with a valid order before the as-of date (rules in the module docstring).

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.customer_tags(cx.load("sample_data/orders_shopify.csv"))
    >>> [r.name for r in res.rules][:3]
    ['favourite category', 'promotion-only buyer', 'price sensitive']
    """
    import ibis
    spec = spec or TagSpec()
    _check_role(orders, "orders")
    name = getattr(orders, "name", None)
    orders = engine.table(orders)                 # once per input: every expression below shares it
    D = _as_of(orders, spec, name)
    d = int(D.timestamp())
    src = _time_filter(orders, "ordered_at", D)
    category = find_columns(src.columns, CATEGORY_NAMES, spec.category_column, file=name)[:1]
    discount = find_columns(src.columns, DISCOUNT_NAMES, spec.discount_column, file=name)
    extra = {}
    if category:
        extra["category"] = (lambda t, c=category[0]: t[c].cast("string").strip(), "min")
    if discount:
        extra["discounted"] = (_discounted(discount), "max")
    vo = customer_orders_expr(src, defs, extra)
    o = vo.mutate(e=vo.ordered_at.epoch_seconds().cast("int64"))
    # gaps between consecutive orders of a customer (a window: portable; ties give a gap of 0)
    w = ibis.window(group_by=o.customer_id, order_by=o.e)
    g = o.mutate(gap=(o.e - o.e.lag().over(w)).cast("float64") / DAY)
    agg = {"orders": g.count(), "first": g.e.min(), "last": g.e.max(), "gap_mean": g.gap.mean(),
           "gap_sd": g.gap.std(how="sample"), "gaps": g.gap.count()}
    if discount:
        agg["discounted"] = g.discounted.sum()
    per = engine.execute(g.group_by("customer_id").aggregate(**agg))
    # second order time for the Kaplan-Meier curve
    second = g.filter(g.gap.notnull()).group_by("customer_id").aggregate(second=g.e.min())
    per = per.merge(engine.execute(second), on="customer_id", how="left")
    if per.empty:
        raise no_valid_orders(defs, name)
    per["customer_id"] = per["customer_id"].astype("string")
    per = per.sort_values("customer_id", kind="stable").reset_index(drop=True)
    n = per["orders"].to_numpy(float)
    since_last = (d - per["last"].to_numpy(float)) / DAY
    age = (d - per["first"].to_numpy(float)) / DAY
    repeat = n >= 2
    km = KaplanMeier.fit(np.where(repeat, (per["second"].to_numpy(float) - per["first"].to_numpy(float)) / DAY, age),
                         repeat)
    out = pd.DataFrame({"customer_id": per["customer_id"], "orders": n.astype(int),
                        "first_order_at": pd.to_datetime(per["first"], unit="s", utc=True),
                        "last_order_at": pd.to_datetime(per["last"], unit="s", utc=True),
                        "days_since_last": since_last, "mean_gap_days": per["gap_mean"].to_numpy(float)})
    rules: list[Rule] = []
    warnings: list[Msg] = []
    # favourite category
    if category:
        named = vo.filter(vo.category.notnull() & (vo.category != ""))
        rows = engine.execute(named.group_by(["customer_id", "category"]).aggregate(n=named.count()))
        fav = favourite_categories(rows, spec.favourite_min_orders, spec.favourite_min_lift)
        out = out.merge(fav, on="customer_id", how="left")
        rules.append(Rule(TAGS[0], msg("The category with the highest lift (the customer's share of orders in it "
                                       "divided by the shop's share) among those bought at least {orders} times, "
                                       "when the lift is at least {lift:g}; from column '{column}'.",
                                       orders=spec.favourite_min_orders, lift=spec.favourite_min_lift,
                                       column=category[0]), int(out["favourite_category"].notna().sum())))
    else:
        out = out.assign(favourite_category=pd.NA, favourite_lift=np.nan)
        rules.append(Rule(TAGS[0], msg("The category with the highest lift against the shop."), None,
                          msg("The orders have no category column; map one (e.g. a product category) to tag "
                              "favourite categories.")))
    # discounts
    if discount:
        share = per["discounted"].to_numpy(float) / n
        out["discount_share"] = share
        out["promotion_only"] = (n >= spec.promo_min_orders) & (share >= 1.0)
        out["price_sensitive"] = (n >= 2) & (share >= spec.price_sensitive_share)
        cols = ", ".join(f"'{c}'" for c in discount)
        rules.append(Rule(TAGS[1], msg("At least {orders} valid orders, every one with a discount (from {columns}).",
                                       orders=spec.promo_min_orders, columns=cols), int(out["promotion_only"].sum())))
        rules.append(Rule(TAGS[2], msg("At least 2 valid orders and at least {share:.0%} of them with a discount "
                                       "(from {columns}); measured per order, not per item.",
                                       share=spec.price_sensitive_share, columns=cols),
                          int(out["price_sensitive"].sum())))
    else:
        out = out.assign(discount_share=np.nan, promotion_only=pd.NA, price_sensitive=pd.NA)
        why = msg("The orders have no discount column (a discount amount or a discount code, e.g. Shopify's "
                  "'Discount Amount'); map one to tag promotion-only buyers and price sensitivity.")
        rules.append(Rule(TAGS[1], msg("Every valid order with a discount."), None, why))
        rules.append(Rule(TAGS[2], msg("A high share of orders with a discount."), None, why))
    # churn risk against the customer's own cadence
    limit_one = km.eventual_quantile(spec.one_time_quantile)
    gap = out["mean_gap_days"].to_numpy(float)
    churn = np.where(repeat, since_last > spec.churn_gap_multiple * gap, age > limit_one if np.isfinite(limit_one)
                     else False)
    out["churn_risk"] = churn.astype(bool)
    not_assessed = msg("One-time buyers: not assessed, no customer has a second order yet.")
    one_time = (msg("One-time buyers: more than {days:.0f} days since the first order, the time by which {share:.0%} "
                    "of the shop's second orders have happened (Kaplan-Meier).", days=limit_one,
                    share=spec.one_time_quantile) if np.isfinite(limit_one) else not_assessed)
    rules.append(Rule(TAGS[3], sentences([msg("Repeat customers: more than {multiple:g} times their own mean gap "
                                              "between orders since the last order.",
                                              multiple=spec.churn_gap_multiple), one_time]), int(churn.sum())))
    # next-order window
    sd = np.where(per["gaps"].to_numpy(float) >= 2, per["gap_sd"].to_numpy(float), gap / 2)
    q25, q75 = km.eventual_quantile(0.25), km.eventual_quantile(0.75)
    # days from the analysis date; a window that has already passed is no window
    start = np.where(repeat, gap - sd - since_last, q25 - age)
    end = np.where(repeat, gap + sd - since_last, q75 - age)
    ok = np.isfinite(start) & np.isfinite(end) & (end >= 0)
    start = np.maximum(start, 0)
    stamp = (lambda days: pd.to_datetime(np.where(ok, d + days * DAY, np.nan), unit="s", utc=True).floor("D"))
    out["next_order_from"], out["next_order_to"] = stamp(start), stamp(end)
    s_now = km(age)
    with np.errstate(invalid="ignore", divide="ignore"):
        p90 = np.where(~repeat & (s_now > 0), (s_now - km(age + 90)) / s_now, np.nan)
    out["second_order_90d"] = p90
    one_time = (msg("One-time buyers: days {start:.0f} to {end:.0f} after the first order, where the middle half of "
                    "the shop's second orders fall (Kaplan-Meier), while still ahead.", start=q25, end=q75)
                if np.isfinite(q25) else not_assessed)
    rules.append(Rule(TAGS[4], sentences([msg("Repeat customers: from the last order plus their mean gap minus one "
                                              "standard deviation of their gaps to plus one (half the mean gap with a "
                                              "single gap), never before the analysis date."), one_time]),
                      int(ok.sum())))
    if int(repeat.sum()) < 20:
        warnings.append(msg("Only {customers} customers ordered twice or more; cadence-based tags are rough.",
                            customers=int(repeat.sum())))
    return TagsResult(D.date().isoformat(), out, tuple(rules), km, tuple(warnings))


def favourite_categories(rows: pd.DataFrame, min_orders: int, min_lift: float) -> pd.DataFrame:
    """From ``customer_id, category, n`` (orders per customer and category): each customer's favourite
    category and its lift, or nothing (see :class:`TagSpec`)."""
    if rows.empty:
        return pd.DataFrame({"customer_id": pd.Series([], dtype="string"), "favourite_category": [],
                             "favourite_lift": []})
    total = rows.groupby("customer_id")["n"].transform("sum")
    shop = rows.groupby("category")["n"].transform("sum") / rows["n"].sum()
    r = rows.assign(lift=(rows["n"] / total) / shop)
    r = r[(r["n"] >= min_orders) & (r["lift"] >= min_lift)]
    r = r.sort_values(["customer_id", "lift", "n", "category"], ascending=[True, False, False, True], kind="stable")
    best = r.drop_duplicates("customer_id")
    return pd.DataFrame({"customer_id": best["customer_id"].astype("string"),
                         "favourite_category": best["category"].astype("string"),
                         "favourite_lift": best["lift"].to_numpy(float)})


# ----------------------------------------------------------------------------------------------
# Trigger lists
# ----------------------------------------------------------------------------------------------
def trigger_lists(orders, events=None, customers=None, spec: TagSpec | None = None, *,
                  defs: DefinitionSet | None = None) -> TriggerResult:
    """Who to contact now: thanks, follow-up after browsing without buying, birthdays (rules in the module
    docstring). Members are listed in full (these are the lists to export).

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.trigger_lists(cx.load("sample_data/orders_shopify.csv"))
    >>> [r.name for r in res.rules]
    ['thanks', 'follow-up', 'birthday']
    """
    spec = spec or TagSpec()
    _check_role(orders, "orders")
    name = getattr(orders, "name", None)
    orders = engine.table(orders)
    D = _as_of(orders, spec, name)
    d = int(D.timestamp())
    vo = customer_orders_expr(_time_filter(orders, "ordered_at", D), defs)
    o = vo.mutate(e=vo.ordered_at.epoch_seconds().cast("int64"))
    lists, rules, warnings = {}, [], []
    # thanks
    recent = o.filter(o.e >= d - int(spec.thanks_days) * DAY)
    thanks = engine.execute(recent.group_by("customer_id").aggregate(orders=recent.count(),
                                                                      last_order_at=recent.ordered_at.max()))
    lists["thanks"] = thanks.sort_values(["last_order_at", "customer_id"], ascending=[False, True],
                                         kind="stable").reset_index(drop=True)
    rules.append(Rule(TRIGGERS[0], msg("A valid order in the {days} days before {date}.", days=spec.thanks_days,
                                       date=D.date().isoformat()), len(thanks)))
    # follow-up
    if events is not None:
        _check_role(events, "events")
        ev = _time_filter(events, "timestamp", D)
        name = ev.event.cast("string").lower()
        start = d - int(spec.followup_hours) * 3600
        x = ev.filter(ev.user_id.notnull() & ev.timestamp.notnull()).select(
            customer_id=ev.user_id.cast("string"), e=ev.timestamp.epoch_seconds().cast("int64"),
            browse=name.contains("view") | (name.contains("cart") & ~name.contains("remove")),
            cart=name.contains("cart") & ~name.contains("remove"), bought=name.contains("purchase"))
        per = x.group_by("customer_id").aggregate(
            last_browse=x.e.max(where=x.browse & (x.e >= start)), carted=x.e.count(where=x.cart & (x.e >= start)),
            last_purchase=x.e.max(where=x.bought))
        last_order = o.group_by("customer_id").aggregate(last_order=o.e.max())
        j = per.left_join(last_order, "customer_id")
        j = j.filter(j.last_browse.notnull() & (j.last_purchase.isnull() | (j.last_purchase < j.last_browse))
                     & (j.last_order.isnull() | (j.last_order < j.last_browse)))
        f = engine.execute(j.select(customer_id=j.customer_id, last_browse=j.last_browse, carted=j.carted))
        f = f.assign(last_browse_at=pd.to_datetime(f["last_browse"], unit="s", utc=True),
                     carted=f["carted"] > 0).drop(columns="last_browse")
        lists["follow-up"] = f.sort_values(["carted", "last_browse_at", "customer_id"], ascending=[False, False, True],
                                           kind="stable").reset_index(drop=True)
        rules.append(Rule(TRIGGERS[1], msg("Viewed items or added to cart in the {hours} hours before {date} and "
                                           "ordered nothing since (no valid order, no purchase event).",
                                           hours=spec.followup_hours, date=D.date().isoformat()), len(f)))
    else:
        rules.append(Rule(TRIGGERS[1], msg("Browsed or carted without buying."), None,
                          msg("No events file was given; load events whose user ids are customer ids.")))
    # birthday
    col = find_columns(customers.df.columns, BIRTHDAY_NAMES) if customers is not None else []
    if customers is not None and col:
        _check_role(customers, "customers")
        lists["birthday"] = birthdays(customers.df[["customer_id", col[0]]].rename(columns={col[0]: "birthday"}),
                                      D, int(spec.birthday_days))
        rules.append(Rule(TRIGGERS[2], msg("A birthday in the {days} days from {date} (column '{column}').",
                                           days=spec.birthday_days, date=D.date().isoformat(), column=col[0]),
                          len(lists["birthday"])))
    else:
        why = (msg("The customers file has no birthday column.") if customers is not None
               else msg("No customers file was given; birthdays come from a customers file with a birthday column."))
        rules.append(Rule(TRIGGERS[2], msg("A birthday in the next days."), None, why))
    return TriggerResult(D.date().isoformat(), lists, tuple(rules), tuple(warnings))


def birthdays(frame: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    """Customers whose next birthday (29 February -> 28 February in other years) is within ``days`` days
    from ``as_of`` (0 = today). ``frame``: customer_id, birthday (dates or text)."""
    born = pd.to_datetime(frame["birthday"], errors="coerce", utc=True)
    ok = born.notna()
    f = frame[ok].assign(born=born[ok])
    today = as_of.tz_convert("UTC").normalize()

    def next_birthday(year: int) -> pd.Series:
        month, day = f["born"].dt.month, f["born"].dt.day
        leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
        day = day.where(~((month == 2) & (day == 29)) | leap, 28)
        return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), utc=True)

    this = next_birthday(today.year)
    nxt = this.where(this >= today, next_birthday(today.year + 1))
    until = (nxt - today).dt.days
    out = pd.DataFrame({"customer_id": f["customer_id"].astype("string"), "birthday": f["born"].dt.date,
                        "days_until": until})
    out = out[out["days_until"] < days]
    return out.sort_values(["days_until", "customer_id"], kind="stable").reset_index(drop=True)


__all__ = ["KaplanMeier", "Rule", "TagSpec", "TagsResult", "TriggerResult", "birthdays", "customer_tags",
           "favourite_categories", "find_columns", "trigger_lists"]
