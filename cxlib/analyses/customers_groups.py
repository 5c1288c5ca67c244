"""Customer 360's groups and questions: the per-customer scores at the as-of date, group tables with
their confidence intervals, NPS-band value, revenue at risk, response bias and the tests between groups
(the analysis itself: :mod:`cxlib.analyses.customers`).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, msg
from cxlib.analyses.segments import NO_ORDERS, VALUE_TIERS, quintile_scores, value_tiers, RFMSpec
from cxlib.analyses.rfm_scores import score_grid
from cxlib.core.stats import proportion_ci
from cxlib.analyses.survey import mean_ci, nps_ci


SPECIAL_FIELDS: tuple[str, ...] = ("repeat", "segment", "value_tier", "nps_band")
NPS_BANDS: tuple[str, ...] = ("detractor", "passive", "promoter")
REPEAT_GROUPS: tuple[str, ...] = ("repeat", "one_or_none")
BLANK = N_("(blank)")


def _ts(d: date):
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def _latest(t, value_col: str, key: str = "customer_key", time_col: str = "answered_at"):
    """Per key: the value of the latest row (ties: the later file row)."""
    import ibis
    w = ibis.window(group_by=key, order_by=[t[time_col].desc(nulls_first=False), t._row.desc()])
    ranked = t.mutate(_rank=ibis.row_number().over(w))
    return ranked.filter(ranked._rank == 0).select(key, **{value_col: ranked[value_col],
                                                             f"{value_col}_at": ranked[time_col]})


GROUP_COLUMNS = (N_("group"), N_("customers"), N_("respondents"), N_("answers"), N_("small"), "nps",
                 "nps_ci_low", "nps_ci_high", N_("csat_top2_pct"), N_("csat_ci_low"), N_("csat_ci_high"),
                 N_("ces_mean"), N_("ces_ci_low"), N_("ces_ci_high"), N_("tickets"),
                 N_("first_reply_median_min"), N_("ticket_csat_good_pct"), N_("net_revenue"),
                 N_("repeat_rate_pct"))


def _score(c: pd.DataFrame, as_of: date, defs: DefinitionSet, metrics: list[str], has_tickets: bool,
           has_responses: bool) -> pd.DataFrame:
    """Fill the per-customer table: zeros for no orders, RFM scores and segment, value tier, repeat,
    NPS band, tenure."""
    c = c.copy()
    c["orders"] = c["orders"].fillna(0).astype("int64")
    for col in ("net_revenue", "trailing_net_revenue"):
        c[col] = c[col].fillna(0.0).astype("float64")
    buyers = c["orders"] > 0
    b = c[buyers]
    spec = RFMSpec()
    last = pd.to_datetime(b["last_order_at"], utc=True).dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
    recency = (pd.Timestamp(as_of) - last).dt.days.astype("int64")
    ids = b["customer_key"]
    c["recency_days"] = pd.Series(pd.NA, index=c.index, dtype="Int64")
    c.loc[buyers, "recency_days"] = recency.to_numpy()
    for name, values in (("r", -recency), ("f", b["orders"]), ("m", b["net_revenue"])):
        c[name] = pd.Series(pd.NA, index=c.index, dtype="Int64")
        c.loc[buyers, name] = quintile_scores(values, ids, method=spec.quintile_method)
    fm = (c["f"] + c["m"] + 1) // 2
    grid = score_grid(spec.score_map)
    seg = pd.Series(NO_ORDERS, index=c.index, dtype="string")
    if buyers.any():
        seg[buyers] = grid[c.loc[buyers, "r"].astype(int).to_numpy() - 1, fm[buyers].astype(int).to_numpy() - 1]
    c["segment"] = seg
    tier = pd.Series(NO_ORDERS, index=c.index, dtype="string")
    if buyers.any():
        tier[buyers] = value_tiers(b["net_revenue"], ids).to_numpy()
    c["value_tier"] = tier
    c["repeat"] = np.where(c["orders"] >= defs.repeat.min_orders, "repeat", "one_or_none")
    if "latest_nps" in c.columns:
        s = c["latest_nps"]
        c["nps_band"] = pd.Series(np.select([s <= defs.nps.detractor_max, s >= defs.nps.promoter_min],
                                             ["detractor", "promoter"], "passive"), index=c.index,
                                  dtype="string").where(s.notna())
    if has_responses:
        c["answers"] = c["answers"].fillna(0).astype("int64") if "answers" in c.columns else 0
    if has_tickets:
        for col in ("tickets", "ticket_good", "ticket_rated"):
            c[col] = c[col].fillna(0).astype("int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            c["ticket_csat_good_pct"] = 100.0 * c["ticket_good"] / c["ticket_rated"].replace(0, np.nan)
    start = c["signup_at"] if "signup_at" in c.columns else pd.Series(pd.NaT, index=c.index)
    start = pd.to_datetime(start, utc=True).fillna(pd.to_datetime(c["first_order_at"], utc=True))
    c["tenure_days"] = (pd.Timestamp(as_of, tz="UTC") - start.dt.normalize()).dt.days.astype("float64")
    return c


def _state_at(rv, valid, c: pd.DataFrame, defs: DefinitionSet, when: str):
    """Every answer (ticket) with the valid orders and net revenue its customer had placed by its time
    ``when``, the value tier those reach (the tier whose lowest current net revenue they reach) and repeat:
    a portable join + aggregate, no ASOF join."""
    import ibis
    o = valid.select(o_key="customer_key", o_at="ordered_at", o_net="net")
    j = rv.left_join(o, [rv.customer_key == o.o_key, o.o_at <= rv[when]])
    before = j.group_by("_row").aggregate(orders_before=j.o_at.count(), net_before=j.o_net.sum())
    out = rv.join(before, "_row")
    buyers = c[c["orders"] > 0]
    cases = []
    for tier, _ in VALUE_TIERS:
        lowest = buyers.loc[buyers["value_tier"] == tier, "net_revenue"]
        if len(lowest):
            cases.append((out.net_before.fill_null(0.0) >= float(lowest.min()), tier))
    nob = out.orders_before == 0
    tier_at = ibis.cases((nob, NO_ORDERS), *cases, else_=VALUE_TIERS[-1][0]) if cases else ibis.literal(NO_ORDERS)
    return out.mutate(value_tier_at=tier_at, repeat_at=ibis.cases(
        (out.orders_before >= defs.repeat.min_orders, "repeat"), else_="one_or_none"),
        net_before=out.net_before.fill_null(0.0))


def _field(by: str, c: pd.DataFrame, customers: Dataset | None, orders: Dataset) -> str:
    """The customer-table column for ``--by``: a special field, a canonical name or a file header."""
    if by in SPECIAL_FIELDS:
        if by == "nps_band" and "nps_band" not in c.columns:
            raise CxDataError(msg("grouping by nps_band needs survey responses with an NPS score."),
                              hint=msg("Add a responses file with --responses."))
        return by
    from cxlib.data.synonyms import norm_header
    usable = [col for col in c.columns if col not in ("customer_key", "_row")]
    if by in usable:
        return by
    wanted = norm_header(by)
    for ds in (customers, orders):                   # the file's own header of a canonical field
        if ds is not None:
            canon = next((k for k, v in ds.mapping.items() if norm_header(v) == wanted), None)
            if canon and canon in usable:
                return canon
    found = next((col for col in usable if norm_header(col) == wanted), None)
    if found:
        return found
    fields_ = list(SPECIAL_FIELDS) + [col for col in c.columns if c[col].dtype == object or
                                      pd.api.types.is_string_dtype(c[col].dtype)][:20]
    raise CxDataError(msg("no field {field} to group customers by.", field=repr(by)),
                      hint=msg("Fields: {fields}.", fields=", ".join(dict.fromkeys(
                          f for f in fields_ if f not in ("customer_key", "rule")))))


def _group_key(t, col: str):
    import ibis
    v = t[col].cast("string").strip()
    return ibis.cases((v.isnull() | (v == ""), BLANK), else_=v)


def _groups(ct, rv, tk, by: str | None, spec, defs: DefinitionSet, metrics: list[str]) -> pd.DataFrame:
    """Per group: customers, respondents, NPS/CSAT/CES with CIs, tickets, first reply, ticket CSAT, net revenue,
    repeat rate. ``by=None``: one group ``all``."""
    import ibis
    g = _group_key(ct, by) if by else ibis.literal("all")
    cg = ct.mutate(group=g)
    cols = set(ct.columns)
    agg = dict(customers=cg.count(), net_revenue=cg.net_revenue.sum(), buyers=(cg.orders > 0).cast("int64").sum(),
               repeaters=(cg.orders >= defs.repeat.min_orders).cast("int64").sum())
    if "answers" in cols:
        agg["respondents"] = (cg.answers > 0).cast("int64").sum()
    if "tickets" in cols:
        agg["tickets"] = cg.tickets.sum()
    out = engine.execute(cg.group_by("group").aggregate(**agg))
    scores = _score_stats(cg, rv, by, spec, defs, metrics)
    if scores is not None:
        out = out.merge(scores, on="group", how="outer")
    if tk is not None:
        tg = tk.join(cg.select("customer_key", "group"), "customer_key")
        ts = engine.execute(tg.group_by("group").aggregate(
            first_reply_median_min=tg.first_reply_minutes.median(), ticket_good=tg.good.sum(),
            ticket_rated=tg.rated.sum()))
        out = out.merge(ts, on="group", how="left")
    return _finish_groups(out, spec, by)


def _score_stats(cg, rv, by, spec, defs: DefinitionSet, metrics: list[str]) -> pd.DataFrame | None:
    """Sufficient statistics of the survey scores per group: customer level = each customer's latest answer
    per metric; response level = every answer (value tier and repeat as of the answer)."""
    import ibis
    if not metrics:
        return None
    if spec.level == "customer":
        src = cg.select("group", **{m: cg[f"latest_{m}"] for m in metrics})
    else:
        at = {"value_tier": "value_tier_at", "repeat": "repeat_at"}
        if by in at:
            src = rv.select(group=_group_key(rv, at[by]), **{m: rv[m] for m in metrics})
        else:
            src = rv.join(cg.select("customer_key", "group"), "customer_key").select("group", *metrics)
    agg = {}
    for m in metrics:
        v = src[m]
        agg[f"{m}_n"] = v.count()
        if m == "nps":
            agg["promoters"] = (v >= defs.nps.promoter_min).cast("int64").sum()
            agg["detractors"] = (v <= defs.nps.detractor_max).cast("int64").sum()
        elif m == "csat":
            agg["csat_good"] = (v >= defs.csat.top2_min).cast("int64").sum()
        else:
            agg["ces_sum"], agg["ces_sq"] = v.sum(), (v * v).sum()
    any_answer = ibis.or_(*[src[m].notnull() for m in metrics])
    agg["answers"] = any_answer.cast("int64").sum()
    return engine.execute(src.group_by("group").aggregate(**agg))


def _finish_groups(out: pd.DataFrame, spec, by: str | None) -> pd.DataFrame:
    """Intervals and shares from the sufficient statistics; groups in a fixed order."""
    out = out.copy()
    has_scores = "answers" in out.columns
    for col in ("customers", "respondents", "tickets", "answers", "buyers", "repeaters", "nps_n", "promoters",
                "detractors", "csat_n", "csat_good", "ces_n", "ticket_good", "ticket_rated"):
        out[col] = out[col].fillna(0).astype("int64") if col in out.columns else 0
    for col in ("net_revenue", "ces_sum", "ces_sq", "first_reply_median_min"):
        out[col] = out[col].astype("float64") if col in out.columns else np.nan
    n = out["nps_n"].to_numpy(dtype=float)
    score, lo, hi = nps_ci(out["promoters"], out["detractors"], n)
    ok = n > 0
    out["nps"], out["nps_ci_low"], out["nps_ci_high"] = (np.where(ok, score, np.nan), np.where(ok, lo, np.nan),
                                                         np.where(ok, hi, np.nan))
    p, plo, phi = proportion_ci(out["csat_good"], out["csat_n"])
    out["csat_top2_pct"], out["csat_ci_low"], out["csat_ci_high"] = 100 * p, 100 * np.asarray(plo), \
        100 * np.asarray(phi)
    mean, mlo, mhi = mean_ci(out["ces_sum"], out["ces_sq"], out["ces_n"])
    out["ces_mean"], out["ces_ci_low"], out["ces_ci_high"] = mean, mlo, mhi
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ticket_csat_good_pct"] = 100.0 * out["ticket_good"] / out["ticket_rated"].replace(0, np.nan)
        out["repeat_rate_pct"] = 100.0 * out["repeaters"] / out["buyers"].replace(0, np.nan)
    out["small"] = (out["answers"] < spec.min_answers) if has_scores else False
    out["group"] = out["group"].astype(str)
    order = _group_order(by, out["group"].tolist())
    out = out.set_index("group").loc[order].reset_index()
    extra = [col for col in out.columns if col not in GROUP_COLUMNS]
    return out[list(GROUP_COLUMNS) + extra].reset_index(drop=True)


def _group_order(by: str | None, groups: list[str]) -> list[str]:
    fixed = {"nps_band": NPS_BANDS, "repeat": REPEAT_GROUPS,
             "value_tier": tuple(t for t, _ in VALUE_TIERS) + (NO_ORDERS,)}.get(by or "")
    if by == "segment":
        from cxlib.analyses.rfm_scores import SEGMENT_NAMES
        fixed = SEGMENT_NAMES + (NO_ORDERS,)
    head = [g for g in (fixed or ()) if g in groups]
    rest = sorted(g for g in groups if g not in head and g != BLANK)
    return head + rest + ([BLANK] if BLANK in groups else [])


def _band_value(c: pd.DataFrame, rv, valid, as_of: date, spec, defs: DefinitionSet) -> pd.DataFrame:
    """Net revenue per customer and the repurchase rate within ``repurchase_days`` of the latest NPS answer,
    detractors vs promoters: each with its CI, the difference with its CI and p-value (Welch t; Newcombe CI
    and two-proportion z test)."""
    from cxlib.analyses.compare import _group_stat, _pair
    days = spec.repurchase_days
    latest = _latest(rv.filter(rv.nps.notnull()), "nps")
    end = _ts(as_of + timedelta(days=1))
    o = valid.select(o_key="customer_key", o_at="ordered_at")
    j = latest.left_join(o, [latest.customer_key == o.o_key, o.o_at > latest.nps_at,
                             o.o_at <= latest.nps_at + _interval(days)])
    rep = j.group_by(["customer_key", "nps_at"]).aggregate(later=j.o_at.count())
    rep = rep.filter(rep.nps_at + _interval(days) <= end)                  # followed up for the whole window
    r = engine.execute(rep.select("customer_key", "later"))
    band = c.set_index("customer_key")["nps_band"]
    r["band"] = r["customer_key"].map(band)
    rows = []
    rng = np.random.default_rng(0)
    for metric, kind, data in (
            ("net_revenue", "money", {b: c.loc[c["nps_band"] == b, "net_revenue"].to_numpy(float)
                                      for b in ("detractor", "promoter")}),
            (f"repurchase_{days}d", "rate", {b: (r.loc[r["band"] == b, "later"] > 0).to_numpy(float)
                                             for b in ("detractor", "promoter")})):
        ga, gb = (_group_stat(b, data[b], kind, 0.05) for b in ("detractor", "promoter"))
        diff, lo, hi, test, p, _ = _pair("detractor", data["detractor"], "promoter", data["promoter"], kind, 0.05,
                                         rng, 0)
        rows.append({"metric": metric, "detractors_n": ga.n, "detractors": ga.value, "detractors_ci_low": ga.ci_low,
                     "detractors_ci_high": ga.ci_high, "promoters_n": gb.n, "promoters": gb.value,
                     "promoters_ci_low": gb.ci_low, "promoters_ci_high": gb.ci_high, "difference": diff,
                     "difference_ci_low": lo, "difference_ci_high": hi, "test": str(test), "p_value": p,
                     "small": min(ga.n, gb.n) < spec.min_answers})
    return pd.DataFrame(rows)


def _interval(days: int):
    import ibis
    return ibis.interval(days=days)


def _revenue_at_risk(c: pd.DataFrame, spec) -> dict:
    det = c["nps_band"] == "detractor"
    total = float(c["trailing_net_revenue"].sum())
    risk = float(c.loc[det.fillna(False), "trailing_net_revenue"].sum())
    return {"detractors": int(det.fillna(False).sum()), "net_revenue": round(risk, 2),
            "share_pct": round(100 * risk / total, 2) if total else None, "trailing_days": spec.trailing_days,
            "total_net_revenue": round(total, 2)}


def _response_bias(c: pd.DataFrame) -> pd.DataFrame:
    """Responders (at least one answer) vs non-responders of the customer base: means, the difference with a
    Welch CI and p-value."""
    from cxlib.analyses.compare import _pair
    resp = c["answers"] > 0
    rows = []
    rng = np.random.default_rng(0)
    for metric in ("orders", "net_revenue", "tenure_days"):
        a = c.loc[resp, metric].dropna().to_numpy(float)
        b = c.loc[~resp, metric].dropna().to_numpy(float)
        diff, lo, hi, _, p, _ = _pair("responders", a, "non_responders", b, "money", 0.05, rng, 0)
        rows.append({"metric": metric, "responders_n": len(a), "responders_mean": a.mean() if len(a) else np.nan,
                     "non_responders_n": len(b), "non_responders_mean": b.mean() if len(b) else np.nan,
                     "difference": diff, "ci_low": lo, "ci_high": hi, "p_value": p})
    return pd.DataFrame(rows)


def _tests(groups: pd.DataFrame, by_band: pd.DataFrame) -> dict:
    """Chi-square tests of independence: NPS bands x groups, CSAT top-2 x groups, ticket CSAT x NPS band."""
    def chi2(table: np.ndarray) -> float | None:
        table = table[table.sum(axis=1) > 0]
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[0] < 2 or table.shape[1] < 2:
            return None
        return float(stats.chi2_contingency(table, correction=False).pvalue)
    out = {}
    if groups["nps_n"].sum():
        t = np.column_stack([groups["promoters"], groups["nps_n"] - groups["promoters"] - groups["detractors"],
                             groups["detractors"]])
        out["nps_by_group"] = {"test": "chi-square", "p_value": chi2(t)}
    if groups["csat_n"].sum():
        t = np.column_stack([groups["csat_good"], groups["csat_n"] - groups["csat_good"]])
        out["csat_by_group"] = {"test": "chi-square", "p_value": chi2(t)}
    if len(by_band) and "ticket_rated" in by_band and by_band["ticket_rated"].sum():
        t = np.column_stack([by_band["ticket_good"], by_band["ticket_rated"] - by_band["ticket_good"]])
        out["ticket_csat_by_nps_band"] = {"test": "chi-square", "p_value": chi2(t)}
    return out


__all__ = ["BLANK", "GROUP_COLUMNS", "NPS_BANDS", "REPEAT_GROUPS", "SPECIAL_FIELDS"]
