"""Customer 360: every export joined on the person, and the CX questions asked across them.

Built in two parts (ENGINE.md): Ibis expressions from the canonical tables to per-customer and
per-group sufficient statistics, then the statistics in Python.

- Identity: :mod:`cxlib.data.identity` links the rows of the orders, customers, responses and tickets
  files to one customer key per person (customer id, else e-mail, else phone).
- The customer table: one row per person of the customer base (a row in the orders or the customers
  file): valid orders, net revenue (the valid-orders rule of :class:`cxlib.core.definitions.RevenueDef`),
  first/last valid order, RFM scores and segment, value tier, repeat (``repeat`` = at least
  ``defs.repeat.min_orders`` valid orders, else ``one_or_none``), the customers file's attributes,
  the latest NPS/CSAT/CES answer and the NPS band of the latest NPS answer (``detractor`` 0-6,
  ``passive``, ``promoter`` 9-10 by the definitions), answers, tickets, median first reply and
  ticket CSAT (good / (good + bad)).
- Responses and tickets are kept at their own level with the customer's state at that moment:
  valid orders and net revenue placed up to the answer (a portable join + aggregate, no ASOF join),
  the value tier those reached (the tier whose lowest current net revenue they reach) and repeat.
- Questions: NPS (multinomial CI), CSAT top-2-box (Wilson), CES mean (t) by any field, at the
  customer level (each customer's latest answer) or the response level (every answer, value tier
  and repeat as of the answer); groups with fewer than ``min_answers`` answers are marked ``small``;
  tickets, first reply and ticket CSAT by NPS band; net revenue and 90-day repurchase by NPS band
  with the detractor - promoter difference and its CI; revenue at risk; a response-bias table.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from cxlib.data import engine
from cxlib.data import identity
from cxlib.data.dataset import Dataset
from cxlib.data.orders import order_expr
from cxlib.core.definitions import DefinitionSet
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.spec import Spec
from cxlib.data.identity import IdentitySpec, Resolution
from cxlib.core.messages import Msg, msg
from cxlib.analyses.customers_groups import (GROUP_COLUMNS, _band_value, _field, _groups, _latest, _response_bias,
                                            _revenue_at_risk, _score, _state_at, _tests, _ts)

Level = Literal["customer", "response"]
GOOD = ("good", "satisfied", "positive", "yes", "👍")       # as cxlib.analyses.support
BAD = ("bad", "unsatisfied", "dissatisfied", "negative", "no", "👎")
ORDER_ATTRIBUTES = ("country", "channel")                     # per customer: the value on the latest valid order


@dataclass(frozen=True)
class CustomersSpec(Spec):
    """What the Customer 360 analysis computes (JSON: ``to_json`` / strict ``from_json``)."""

    by: str | None = None            # a field (header or canonical name), repeat, segment, value_tier, nps_band
    level: Level = "customer"        # customer: each customer's latest answer; response: every answer
    as_of: date | None = None        # None: the date of the latest valid order
    repurchase_days: int = 90
    trailing_days: int = 365         # revenue at risk: net revenue of the last N days
    min_answers: int = 10            # groups with fewer answers are marked small
    identity: IdentitySpec = field(default_factory=IdentitySpec)

    def __post_init__(self) -> None:
        if self.level not in ("customer", "response"):
            raise CxDataError(msg("unknown level {level}.", level=repr(self.level)),
                              hint=msg("Use one of: {levels}.", levels="customer, response"))
        for name in ("repurchase_days", "trailing_days", "min_answers"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise CxDataError(msg("{name} must be a whole number of at least 1, got {value!r}.", name=name,
                                      value=v))



def _date(value: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CxDataError(msg("--as-of {value} is not a date.", value=repr(value)),
                          hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30.")) from None


# ---- helpers -------------------------------------------------------------------------------------------
def _frame_table(ds: Dataset):
    """The dataset's canonical table on the engine with ``_row`` (its row position): over its canonical Parquet
    file when it has one, so a large export is joined without a pandas copy."""
    return ds.engine_table(row=True)


def _attach(table, other, key: str = "customer_key"):
    """``table`` left-joined with ``other`` on ``key``, the key once."""
    j = table.left_join(other, key)
    return j.select(*table.columns, *[c for c in other.columns if c != key])


# ---- the result -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomersResult(Result):
    """Customer 360: match report, customer table, groups and the CX questions (see module docstring)."""

    spec: CustomersSpec
    as_of: date
    by: str | None                   # the customer-table column the groups use
    resolution: Resolution
    customers: pd.DataFrame          # one row per person (the member list; export with cxlib.data.export)
    groups: pd.DataFrame             # GROUP_COLUMNS (+ promoters, detractors, nps_n, ...)
    by_band: pd.DataFrame            # tickets, first reply, ticket CSAT per NPS band
    band_value: pd.DataFrame         # net revenue and repurchase: detractors, promoters, difference
    revenue_at_risk: dict
    response_bias: pd.DataFrame      # responders vs non-responders on orders, revenue, tenure
    tests: dict                      # overall tests across groups (name -> {test, p_value})
    responses_table: object = None   # ibis Table: answers with the customer's state at that moment
    tickets_table: object = None     # ibis Table: tickets with their customer key
    sentence: Msg = msg("Customer 360.")       # the definition in use (also .definition())
    warnings: tuple[Msg, ...] = ()

    # -- contract ---------------------------------------------------------------------------------------------
    def cli_json(self) -> dict:
        """Exactly the keys of DESIGN.md's ``customers`` command."""
        matches = {}
        for role in ("customers", "responses", "tickets"):
            f = self.resolution.match(role)
            if f is not None:
                matches[role] = f.to_json()
        return {"customers": int(len(self.customers)), "matches": matches,
                "groups": [_group_json(r) for r in self.groups.to_dict("records")],
                "warnings": [str(w) for w in self.warnings]}

    def to_json(self) -> dict:
        out = self.cli_json()
        out.update({"as_of": self.as_of.isoformat(), "by": self.by, "spec": self.spec.to_json(),
                    "identity": self.resolution.to_json(), "definition": self.sentence,
                    "groups_detail": _records(self.groups), "by_band": _records(self.by_band),
                    "band_value": _records(self.band_value), "revenue_at_risk": _clean(self.revenue_at_risk),
                    "response_bias": _records(self.response_bias), "tests": _clean(self.tests)})
        return out

    def to_frame(self) -> pd.DataFrame:
        return self.groups.copy()

    def summary(self) -> Msg:
        f = self.resolution.match("responses")
        risk = self.revenue_at_risk
        if f is None:
            return msg("{customers} customers; revenue at risk (trailing net revenue of detractors) {risk:,.2f}.",
                       customers=len(self.customers), risk=risk.get("net_revenue", 0.0))
        return msg("{customers} customers; {matched} of {rows} responses matched to a customer; revenue at risk "
                   "(trailing net revenue of detractors) {risk:,.2f}.", customers=len(self.customers),
                   matched=f.matched, rows=f.rows, risk=risk.get("net_revenue", 0.0))

    def describe(self) -> Msg:
        return self.sentence

    def members(self, mask=None) -> pd.DataFrame:
        """The customer table (or the rows of ``mask``), highest net revenue first."""
        c = self.customers if mask is None else self.customers[np.asarray(mask, dtype=bool)]
        return c.sort_values(["net_revenue", "customer_key"], ascending=[False, True], kind="mergesort") \
            .reset_index(drop=True)

    def crosswalk(self, limit: int | None = None) -> pd.DataFrame:
        return self.resolution.crosswalk(limit)


def _r2(x) -> float | None:
    return None if x is None or (isinstance(x, float) and not np.isfinite(x)) or pd.isna(x) else round(float(x), 2)


def _group_json(r: dict) -> dict:
    return {"group": str(r["group"]), "customers": int(r["customers"]), "respondents": int(r["respondents"]),
            "nps": _r2(r["nps"]), "nps_ci95": [_r2(r["nps_ci_low"]), _r2(r["nps_ci_high"])],
            "csat_top2_pct": _r2(r["csat_top2_pct"]), "tickets": int(r["tickets"]),
            "first_reply_median_min": _r2(r["first_reply_median_min"]),
            "ticket_csat_good_pct": _r2(r["ticket_csat_good_pct"]), "net_revenue": _r2(r["net_revenue"]),
            "repeat_rate_pct": _r2(r["repeat_rate_pct"])}


def _clean(obj):
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.generic,)):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def _records(df: pd.DataFrame) -> list[dict]:
    return [_clean(r) for r in df.astype(object).where(df.notna(), None).to_dict("records")]


# ---- the analysis -------------------------------------------------------------------------------------------
def customers(orders: Dataset, customers: Dataset | None = None, responses: Dataset | None = None,
              tickets: Dataset | None = None, spec: CustomersSpec | None = None,
              defs: DefinitionSet | None = None) -> CustomersResult:
    """Customer 360 on the given exports (see the module docstring); every figure in one call.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.customers(cx.load("sample_data/orders_shopify.csv"),
    ...                    responses=cx.load("sample_data/survey_responses.csv"))
    >>> res.resolution.match("responses").matched > 0
    True
    """
    import ibis
    spec = spec or CustomersSpec()
    defs = defs or DefinitionSet.default()
    if orders.role != "orders":
        raise CxDataError(msg("the first file must be orders, not {role}.", role=orders.role), file=orders.name)
    files = [("orders", orders), ("customers", customers), ("responses", responses), ("tickets", tickets)]
    files = [(role, ds) for role, ds in files if ds is not None]
    for role, ds in files:
        if ds.role != role:
            raise CxDataError(msg("{file} holds {found}, not {expected}.", file=ds.name, found=ds.role,
                                  expected=role), hint=msg("Pick a {role} file for this option.", role=role))
    tables = {role: _frame_table(ds) for role, ds in files}
    index = {role: i for i, (role, _) in enumerate(files)}
    res = identity.resolve([identity.source_for(ds, tables[role]) for role, ds in files], spec.identity)
    warnings: list[Msg] = list(res.warnings)

    def keyed(role):
        return _attach(tables[role], res.keys_for(index[role]), "_row")

    # valid orders with their customer key, up to as_of
    vo = order_expr(tables["orders"], defs)          # every order, the one rule's valid and net
    vo = _attach(vo, res.keys_for(index["orders"]).select("_row", "customer_key"), "_row")
    valid = vo.filter(vo.valid & vo.customer_key.notnull() & vo.ordered_at.notnull())
    last = engine.execute(valid.ordered_at.max())
    if spec.as_of is None and (last is None or pd.isna(last)):
        raise CxDataError(msg("there are no valid orders with a customer and a date."), file=orders.name,
                          hint=msg("Check the status column or the valid statuses in Definitions."))
    as_of = spec.as_of or pd.Timestamp(last).date()
    end = _ts(as_of + timedelta(days=1))
    later = int(engine.execute(valid.filter(valid.ordered_at >= end).count()))
    if later:
        warnings.append(msg("{count} valid order(s) placed after {date} are left out.", count=later,
                            date=as_of.isoformat()))
    valid = valid.filter(valid.ordered_at < end)
    no_key = int(engine.execute(vo.filter(vo.valid & vo.customer_key.isnull()).count()))
    if no_key:
        warnings.append(msg("{count} valid order(s) have no customer id or e-mail and belong to no customer.",
                            count=no_key))
    trailing_from = _ts(as_of + timedelta(days=1) - timedelta(days=spec.trailing_days))
    per_orders = valid.group_by("customer_key").aggregate(
        orders=valid.count(), net_revenue=valid.net.sum(), first_order_at=valid.ordered_at.min(),
        last_order_at=valid.ordered_at.max(),
        trailing_net_revenue=valid.net.sum(where=valid.ordered_at >= trailing_from))

    # the customer base: persons with a row in the orders or the customers file
    base_files = [index[r] for r in ("orders", "customers") if r in index]
    k = res.keys
    persons = k.filter(k.file.isin(base_files) & k.customer_key.notnull()).select("customer_key").distinct()
    table = _attach(persons, per_orders)
    # attributes: the customers file's first row per person, else the latest valid order's country/channel
    attr_cols: list[str] = []
    if "customers" in index:
        ct = keyed("customers").filter(lambda t: t.customer_key.notnull())
        drop = {"_row", "customer_key", "rule", "ambiguous"}
        attr_cols = [c for c in ct.columns if c not in drop]
        w = ibis.window(group_by="customer_key", order_by=ct._row)
        first = ct.mutate(_rank=ibis.row_number().over(w))
        first = first.filter(first._rank == 0).select("customer_key", *attr_cols)
        table = _attach(table, first)
    ot = tables["orders"]
    order_attrs = [c for c in ORDER_ATTRIBUTES if c in ot.columns and c not in attr_cols]
    if order_attrs:
        latest_o = ot.select("_row", *order_attrs).join(valid.select("_row", "customer_key", "ordered_at"), "_row")
        w = ibis.window(group_by="customer_key", order_by=[latest_o.ordered_at.desc(), latest_o._row.desc()])
        latest_o = latest_o.mutate(_rank=ibis.row_number().over(w))
        latest_o = latest_o.filter(latest_o._rank == 0).select("customer_key", *order_attrs)
        table = _attach(table, latest_o)
    # survey answers: latest valid score per metric, answer count
    resp_level = None
    metrics: list[str] = []
    if "responses" in index:
        rt = keyed("responses")
        bounds = {"nps": (0.0, 10.0), "csat": (1.0, float(defs.csat.scale_max)),
                  "ces": tuple(float(b) for b in defs.ces.bounds)}
        metrics = [m for m in ("nps", "csat", "ces") if m in rt.columns]
        clean = {m: rt[m].cast("float64") for m in metrics}
        clean = {m: ibis.cases((v.between(*bounds[m]), v), else_=ibis.null("float64")) for m, v in clean.items()}
        when = rt.answered_at if "answered_at" in rt.columns else ibis.null("timestamp('UTC')")
        rv = rt.select("_row", "customer_key", "ambiguous", answered_at=when.cast("timestamp('UTC')"), **clean)
        any_score = ibis.or_(*[rv[m].notnull() for m in metrics]) if metrics else ibis.literal(False)
        rv = rv.filter(any_score & ~rv.ambiguous.fill_null(False)).semi_join(persons, "customer_key")
        counts = rv.group_by("customer_key").aggregate(answers=rv.count())
        table = _attach(table, counts)
        for m in metrics:
            sub = rv.filter(rv[m].notnull())
            table = _attach(table, _latest(sub, m).rename(**{f"latest_{m}": m, f"latest_{m}_at": f"{m}_at"}))
        resp_level = rv
    # tickets
    tk_level = None
    if "tickets" in index:
        tt = keyed("tickets")
        fr = tt.first_reply_minutes.cast("float64") if "first_reply_minutes" in tt.columns \
            else ibis.null("float64")
        sat = (tt.satisfaction.cast("string").strip().lower() if "satisfaction" in tt.columns
               else ibis.null("string"))
        tk_level = tt.select("_row", "ticket_id", "customer_key", "ambiguous",
                             created_at=tt.created_at, first_reply_minutes=ibis.cases((fr >= 0, fr),
                                                                                     else_=ibis.null("float64")),
                             good=sat.isin(list(GOOD)).fill_null(False).cast("int64"),
                             rated=(sat.isin(list(GOOD)) | sat.isin(list(BAD))).fill_null(False).cast("int64"))
        tk_level = tk_level.filter(~tk_level.ambiguous.fill_null(False)).semi_join(persons, "customer_key")
        per_t = tk_level.group_by("customer_key").aggregate(
            tickets=tk_level.count(), first_reply_median_min=tk_level.first_reply_minutes.median(),
            ticket_good=tk_level.good.sum(), ticket_rated=tk_level.rated.sum())
        table = _attach(table, per_t)
    c = engine.execute(table.order_by("customer_key"))
    c = _score(c, as_of, defs, metrics, tickets is not None, responses is not None)

    # responses at their own level, with the state at the answer's time
    if resp_level is not None:
        resp_level = _state_at(resp_level, valid, c, defs, "answered_at")
    if tk_level is not None:
        tk_level = _state_at(tk_level, valid, c, defs, "created_at")
    tables_c = engine.table(c)
    by_col = _field(spec.by, c, customers, orders) if spec.by else None
    groups = _groups(tables_c, resp_level, tk_level, by_col, spec, defs, metrics)
    by_band = _groups(tables_c, resp_level, tk_level, "nps_band", replace(spec, level="customer"), defs, metrics) \
        if "nps" in metrics else pd.DataFrame(columns=list(GROUP_COLUMNS))
    band_value = _band_value(c, resp_level, valid, as_of, spec, defs) if "nps" in metrics else pd.DataFrame()
    risk = _revenue_at_risk(c, spec) if "nps" in metrics else {}
    bias = _response_bias(c) if responses is not None else pd.DataFrame()
    tests = _tests(groups, by_band)
    small = groups[groups["small"]]["group"].astype(str).tolist()
    if len(small):
        warnings.append(msg("{count} group(s) have fewer than {min_n} answers and are marked small: {groups}.",
                            count=len(small), min_n=spec.min_answers, groups=", ".join(small[:10])))
    for f in res.files:
        if f.ambiguous:
            warnings.append(msg("{file}: {count} row(s) are ambiguous (their person has too many identifiers) and "
                                "are not counted.", file=f.file, count=f.ambiguous))
    definition = _definition(spec, as_of, by_col, defs)
    return CustomersResult(spec, as_of, by_col, res, c, groups, by_band, band_value, risk, bias, tests,
                           resp_level, tk_level, definition, tuple(warnings))


def _definition(spec: CustomersSpec, as_of: date, by: str | None, defs: DefinitionSet) -> Msg:
    level = (msg("survey scores use each customer's latest answer") if spec.level == "customer" else
             msg("survey scores use every answer, with value tier and repeat as of the answer"))
    return msg("Customers as of {date}: {identity} {revenue} Groups by {field}; {level}; groups with fewer "
               "than {min_n} answers are marked small. NPS band = the latest NPS answer (detractor 0-{det}, "
               "promoter {prom}-10). Revenue at risk = net revenue of the last {days} days of detractors.",
               date=as_of.isoformat(), identity=spec.identity.describe(), revenue=defs.describe("net_revenue"),
               field=by or msg("nothing (all customers)"), level=level, min_n=spec.min_answers,
               det=defs.nps.detractor_max, prom=defs.nps.promoter_min, days=spec.trailing_days)


# ---- command line -------------------------------------------------------------------------------------------
def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--customers", dest="customers_file", help="customers file (attributes: city, gender, ...)")
    parser.add_argument("--responses", help="survey responses file")
    parser.add_argument("--tickets", help="support tickets file")
    parser.add_argument("--by", help="group by a customer attribute (file header or canonical name), repeat, "
                                     "segment, value_tier or nps_band")
    parser.add_argument("--level", choices=("customer", "response"), default="customer",
                        help="survey scores per customer (latest answer, default) or per answer")
    parser.add_argument("--as-of", dest="as_of", help="analysis date YYYY-MM-DD (default: latest valid order)")
    parser.add_argument("--region", help="default phone region, e.g. DE (phones without + or 00)")
    parser.add_argument("--gmail-rules", action="store_true",
                        help="treat googlemail as gmail and ignore dots and +tags in gmail addresses")


def cli_run(ds: Dataset, args: argparse.Namespace, defs: DefinitionSet) -> dict:
    from cxlib.data.loader import load_path
    extra = {}
    for option, role in (("customers_file", "customers"), ("responses", "responses"), ("tickets", "tickets")):
        path = getattr(args, option, None)
        if path:
            extra[role] = load_path(path, role=role, expect_role=role)
    spec = CustomersSpec(by=getattr(args, "by", None), level=getattr(args, "level", "customer"),
                         as_of=_date(args.as_of) if getattr(args, "as_of", None) else None,
                         identity=IdentitySpec(gmail_rules=bool(getattr(args, "gmail_rules", False)),
                                               default_region=getattr(args, "region", None)))
    res = customers(ds, extra.get("customers"), extra.get("responses"), extra.get("tickets"), spec, defs)
    out = res.cli_json()
    out["warnings"] = [str(w) for d in extra.values() for w in d.warnings] + out["warnings"]
    return out


__all__ = ["CustomersSpec", "CustomersResult", "customers"]
