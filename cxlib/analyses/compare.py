"""Compare two or more customer segments on one metric, with the right test for the metric.

- rates (conversion, repeat rate, CSAT top-2-box, ticket rate): Wilson CI per segment; pairwise
  two-proportion z-test (statsmodels ``proportions_ztest``, pooled) with a Newcombe CI of the
  difference; overall chi-square test of the k x 2 table (``scipy.stats.chi2_contingency``,
  no continuity correction, so with two segments it equals the z-test).
- money (AOV per order, revenue per customer): t CI of each mean; pairwise Welch t-test
  (``scipy.stats.ttest_ind(equal_var=False)``, Welch-Satterthwaite CI of the difference) and
  Mann-Whitney U (``scipy.stats.mannwhitneyu``) as a check robust to outliers; overall
  Kruskal-Wallis.
- NPS: CI from the multinomial variance ``(p_prom + p_detr - NPS^2) / n``; pairwise z-test on that
  variance and a seeded bootstrap percentile CI of the difference (resampling each segment's
  promoter/passive/detractor counts, vectorized as multinomial draws).

Pairwise p-values are corrected with Holm (``statsmodels.stats.multitest.multipletests``); a
difference is called real when its Holm-adjusted p-value is below ``alpha``.

Baseline (who is counted; ``cxlib.analyses.compare_baseline``). By default (``population="auto"``) a
comparison counts only customers who can have both the metric and the groups' definitions: buyers (at least one valid order) when
the metric comes from orders (AOV, revenue per customer, repeat rate), and customers who answered
the question when the metric or a group comes from the survey (NPS, CSAT, NPS bands, a rule on
``nps``). "Everyone else" is that baseline minus the other groups. So "detractors vs everyone
else" on revenue compares detractors with the other respondents, not with every customer who never
answered and every customer who never bought (at 0). ``population="all"`` counts everyone and warns
when the groups differ in who can have the metric.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from cxlib.analyses.compare_baseline import Population, baseline_criteria, selection_warnings
from cxlib.analyses.segments import (NPS_BANDS, VALUE_TIERS, CustomerView, index_in, join_clauses, join_sentences,
                                     name_msg)
from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg
from cxlib.core.result import Result
from cxlib.core.stats import holm, wilson_ci

MetricKind = Literal["rate", "money", "nps"]
EVERYONE_ELSE = N_("Everyone else")          # the group of the baseline's customers in no other compared group
POPULATIONS: tuple[str, ...] = ("auto", "all", "buyers", "respondents")


@dataclass(frozen=True, slots=True)
class CompareMetric:
    name: str
    label: Msg                       # what people read (translated by an interface)
    kind: MetricKind
    unit: str                        # what one observation is: customers, orders, responses
    needs: str | None                # "responses" or "tickets" when that join is required
    definition: Msg

    def describe(self) -> Msg:
        # TRANSLATORS: a metric's name, then its definition (a sentence fragment starting in lower case)
        return msg("{metric}: {definition}", metric=self.label, definition=self.definition)


METRICS: tuple[CompareMetric, ...] = (
    CompareMetric("conversion", msg("Conversion"), "rate", "customers", None,
                  msg("share of the segment's customers with at least one valid order.")),
    CompareMetric("repeat_rate", msg("Repeat rate"), "rate", "customers", None,
                  msg("share of the segment's buying customers with two or more valid orders.")),
    CompareMetric("aov", msg("Average order value"), "money", "orders", None,
                  msg("mean net amount of the segment's valid orders.")),
    CompareMetric("revenue_per_customer", msg("Revenue per customer"), "money", "customers", None,
                  msg("mean net revenue per customer in the segment (0 for customers without orders).")),
    CompareMetric("nps", msg("NPS"), "nps", "responses", "responses",
                  msg("% promoters (9-10) minus % detractors (0-6) among the segment's survey answers.")),
    CompareMetric("csat", msg("CSAT"), "rate", "responses", "responses",
                  msg("share of the segment's CSAT answers in the top two boxes (4-5 on the default 1-5 scale).")),
    CompareMetric("ticket_rate", msg("Ticket rate"), "rate", "customers", "tickets",
                  msg("share of the segment's customers who opened at least one support ticket.")),
)
METRICS_BY_NAME: dict[str, CompareMetric] = {m.name: m for m in METRICS}


@dataclass(frozen=True)
class Group:
    """Customers to compare: ``mask`` over ``view.customers``, or ``None`` for everyone else (the
    baseline's customers in none of the other groups). ``fields``: the customer-table fields the
    group's definition reads; a survey field (nps, nps_band, csat) makes it a group of respondents."""

    name: str
    mask: np.ndarray | None
    fields: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class GroupStat:
    segment: str
    n: int                           # observations (customers, orders or responses)
    value: float                     # rate (fraction), mean money, or NPS points (-100..100)
    ci_low: float
    ci_high: float
    successes: int | None = None     # rates: observations counted as yes


@dataclass(frozen=True, slots=True)
class PairTest:
    a: str
    b: str
    diff: float                      # value(a) - value(b)
    ci_low: float
    ci_high: float
    test: str                        # name of the test (stored English, marked for display)
    p_value: float
    p_holm: float
    significant: bool
    mw_p_value: float | None = None  # money: Mann-Whitney U
    mw_p_holm: float | None = None


@dataclass(frozen=True)
class Comparison(Result):
    metric: CompareMetric
    groups: tuple[GroupStat, ...]
    pairs: tuple[PairTest, ...]
    omnibus_test: str
    omnibus_p: float
    alpha: float = 0.05
    warnings: tuple[str, ...] = ()
    population: Population | None = None

    def _pair_msg(self, p: PairTest) -> Msg:
        """``A vs B +3.1 pts (p = 0.012)``: the difference in the metric's own unit."""
        a, b = name_msg(p.a), name_msg(p.b)
        if self.metric.kind == "rate":
            # TRANSLATORS: {a}, {b}: segment names; {diff_points}: difference in percentage points (pts);
            # {p}: the Holm-adjusted p-value
            return msg("{a} vs {b} {diff_points:+.1f} pts (p = {p:.3g})", a=a, b=b, diff_points=100 * p.diff,
                       p=p.p_holm)
        if self.metric.kind == "nps":
            # TRANSLATORS: {a}, {b}: segment names; {diff_nps}: difference in NPS points; {p}: adjusted p-value
            return msg("{a} vs {b} {diff_nps:+.1f} (p = {p:.3g})", a=a, b=b, diff_nps=p.diff, p=p.p_holm)
        # TRANSLATORS: {a}, {b}: segment names; {diff}: difference in money; {p}: adjusted p-value
        return msg("{a} vs {b} {diff:+,.2f} (p = {p:.3g})", a=a, b=b, diff=p.diff, p=p.p_holm)

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: n, value and its 95 % CI."""
        cols = [N_("segment"), "n", N_("value"), N_("ci_low"), N_("ci_high"), N_("successes")]
        return pd.DataFrame([{"segment": g.segment, "n": g.n, "value": g.value, "ci_low": g.ci_low,
                              "ci_high": g.ci_high, "successes": g.successes} for g in self.groups], columns=cols)

    def pairs_frame(self) -> pd.DataFrame:
        cols = ["a", "b", N_("diff"), N_("ci_low"), N_("ci_high"), N_("test"), N_("p_value"), N_("p_holm"),
                N_("significant"), N_("mw_p_value"), N_("mw_p_holm")]        # headers people read
        return pd.DataFrame([{c: getattr(p, c) for c in cols} for p in self.pairs], columns=cols)

    def summary(self) -> Msg:
        """What is, and is not, a real difference (Holm-adjusted)."""
        metric = self.metric.label
        real = [p for p in self.pairs if p.significant]
        not_real = [p for p in self.pairs if not p.significant and np.isfinite(p.p_holm)]
        parts: list[Msg] = []
        if real:
            parts.append(msg("Real differences in {metric} (Holm-adjusted p < {alpha:g}): {pairs}.", metric=metric,
                             alpha=self.alpha, pairs=join_clauses([self._pair_msg(p) for p in real])))
        if not_real:
            pairs = join_clauses([self._pair_msg(p) for p in not_real])
            parts.append(msg("Not a real difference (could be chance): {pairs}.", pairs=pairs) if real
                         else msg("No real difference (could be chance): {pairs}.", pairs=pairs))
        if not parts:
            parts.append(msg("Not enough data to test differences in {metric}.", metric=metric))
        if self.population is not None:
            parts.insert(0, self.population.describe(metric))
        return join_sentences(parts)

    def to_json(self) -> dict:
        money = self.metric.kind == "money"
        nps = self.metric.kind == "nps"

        def num(v):
            return round(v, 2) if (money or nps) and np.isfinite(v) else v
        return {"metric": self.metric.name, "alpha": self.alpha, "omnibus_test": self.omnibus_test,
                "omnibus_p": self.omnibus_p,
                "groups": [{"segment": g.segment, "n": g.n, "value": num(g.value), "ci95": [num(g.ci_low), num(g.ci_high)],
                            "successes": g.successes} for g in self.groups],
                "pairs": [{"a": p.a, "b": p.b, "diff": num(p.diff), "ci95": [num(p.ci_low), num(p.ci_high)],
                           "test": p.test, "p_value": p.p_value, "p_holm": p.p_holm, "significant": p.significant,
                           "mw_p_value": p.mw_p_value, "mw_p_holm": p.mw_p_holm} for p in self.pairs],
                "population": self.population.to_json() if self.population else None,
                "summary": self.summary(), "warnings": list(self.warnings)}


def _positions(view: CustomerView, metric: CompareMetric) -> np.ndarray | None:
    """Row of view.customers for each row of the metric's unit table (orders, responses); -1 if none."""
    table = view.orders if metric.name == "aov" else view.responses if metric.needs == "responses" else None
    if table is None:
        return None
    return index_in(table["customer_id"], view.customers["customer_id"])


def _observations(view: CustomerView, mask: np.ndarray, metric: CompareMetric, csat_top: float,
                  pos: np.ndarray | None, nps_bands: tuple[int, int] = (9, 6)) -> np.ndarray:
    """The metric's observations for one segment: 0/1 for rates, money values, or -1/0/+1 for NPS."""
    c = view.customers[mask]
    name = metric.name
    if name == "conversion":
        return (c["orders"].fillna(0) > 0).to_numpy(dtype=float)
    if name == "repeat_rate":
        buyers = c["orders"].fillna(0)
        return (buyers[buyers > 0] >= 2).to_numpy(dtype=float)
    if name == "revenue_per_customer":
        return c["net_revenue"].fillna(0.0).to_numpy(dtype=float)
    member = (pos >= 0) & mask[np.maximum(pos, 0)] if pos is not None else None
    if name == "aov":
        return view.orders["net"].to_numpy(dtype=float)[member]
    if name == "ticket_rate":
        return (c["tickets"].fillna(0) > 0).to_numpy(dtype=float)
    col = "nps" if name == "nps" else "csat"
    return _scores(view.responses[col].to_numpy(dtype=float)[member], name, csat_top, nps_bands)


def _scores(vals: np.ndarray, name: str, csat_top: float, nps_bands: tuple[int, int]) -> np.ndarray:
    """A group's NPS (-1/0/+1 per answer 0-10) or CSAT (1 when satisfied) observations from its answers."""
    vals = vals[~np.isnan(vals)]
    if name == "nps":
        vals = vals[(vals >= 0) & (vals <= 10)]
        return np.where(vals >= nps_bands[0], 1.0, np.where(vals <= nps_bands[1], -1.0, 0.0))
    return (vals >= csat_top).astype(float)


def _nps_var(x: np.ndarray) -> float:
    """Multinomial variance of one response's NPS contribution: p_prom + p_detr - NPS^2."""
    pp, pd_ = float(np.mean(x == 1)), float(np.mean(x == -1))
    return pp + pd_ - (pp - pd_) ** 2


def _group_stat(name: str, x: np.ndarray, kind: MetricKind, alpha: float) -> GroupStat:
    n = len(x)
    if n == 0:
        return GroupStat(name, 0, float("nan"), float("nan"), float("nan"), 0 if kind == "rate" else None)
    if kind == "rate":
        k = int(x.sum())
        lo, hi = wilson_ci(k, n, alpha)
        return GroupStat(name, n, k / n, float(lo), float(hi), k)
    if kind == "money":
        return _money_stat(name, n, float(x.mean()), float(x.std(ddof=1)) if n > 1 else float("nan"), alpha)
    score = 100 * float(x.mean())
    half = 100 * stats.norm.ppf(1 - alpha / 2) * np.sqrt(_nps_var(x) / n)
    return GroupStat(name, n, score, score - half, score + half)


def _money_stat(name: str, n: int, mean: float, sd: float, alpha: float) -> GroupStat:
    """A mean with its t interval, from the group's size, mean and sample standard deviation."""
    if n == 0:
        return GroupStat(name, 0, float("nan"), float("nan"), float("nan"))
    if n < 2:
        return GroupStat(name, n, mean, float("nan"), float("nan"))
    half = stats.t.ppf(1 - alpha / 2, n - 1) * sd / np.sqrt(n)
    return GroupStat(name, n, mean, mean - half, mean + half)


def _money_pair(mean_a: float, var_a: float, na: int, mean_b: float, var_b: float, nb: int, alpha: float,
                tests) -> tuple:
    """(diff, ci_low, ci_high, test, p, mw_p) of two means from their sizes, means and sample variances; ``tests``
    gives (Welch p, Mann-Whitney p), asked only when both groups have 2 values and some spread."""
    nan = float("nan")
    if na < 2 or nb < 2:
        return (mean_a - mean_b if na and nb else nan), nan, nan, N_("Welch t"), nan, None
    diff = mean_a - mean_b
    va, vb = var_a / na, var_b / nb
    se = np.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff, N_("Welch t"), nan, nan
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))     # Welch-Satterthwaite df
    half = stats.t.ppf(1 - alpha / 2, df) * se
    p, mw = tests()
    return diff, diff - half, diff + half, N_("Welch t"), p, mw


def _aov_on_engine(view: CustomerView, masks: dict[str, np.ndarray], alpha: float) -> tuple:
    """(group stats, pair rows, omnibus) of average order value with the orders left on the engine: the same
    numbers as from the groups' order values, from per-group moments and rank sums
    (:mod:`cxlib.analyses.compare_engine`)."""
    from cxlib.analyses.compare_engine import OrderGroups
    from cxlib.core import abstats
    groups = OrderGroups(view.orders, view.customers["customer_id"], masks)
    mom = groups.moments()
    gstats = tuple(_money_stat(name, g.n, g.mean, float(np.sqrt(g.var)), alpha) for name, g in mom.items())

    def tests(a: str, b: str) -> tuple[float, float]:
        ga, gb = mom[a], mom[b]
        p = stats.ttest_ind_from_stats(ga.mean, np.sqrt(ga.var), ga.n, gb.mean, np.sqrt(gb.var), gb.n,
                                       equal_var=False).pvalue
        return float(p), abstats.mann_whitney(*groups.mann_whitney(a, b))
    raw = [(a, b, *_money_pair(mom[a].mean, mom[a].var, mom[a].n, mom[b].mean, mom[b].var, mom[b].n, alpha,
                               lambda a=a, b=b: tests(a, b))) for a, b in combinations(mom, 2)]
    present = [name for name, g in mom.items() if g.n]
    if len(present) < 2:
        return gstats, raw, (N_("none"), float("nan"))
    ranks, sizes, tie_term, distinct = groups.kruskal(present)
    p = float("nan") if distinct < 2 else abstats.kruskal(ranks, sizes, tie_term)
    return gstats, raw, (N_("Kruskal-Wallis"), p)


def _pair(a: str, xa: np.ndarray, b: str, xb: np.ndarray, kind: MetricKind, alpha: float,
          rng: np.random.Generator, n_boot: int) -> tuple:
    """(diff, ci_low, ci_high, test, p, mw_p) for value(a) - value(b)."""
    na, nb = len(xa), len(xb)
    nan = float("nan")
    if kind == "rate":
        ka, kb = int(xa.sum()), int(xb.sum())
        if na == 0 or nb == 0:
            return nan, nan, nan, N_("two-proportion z"), nan, None
        diff = ka / na - kb / nb
        lo, hi = confint_proportions_2indep(ka, na, kb, nb, method="newcomb", compare="diff", alpha=alpha)
        pooled = (ka + kb) / (na + nb)
        p = float(proportions_ztest([ka, kb], [na, nb])[1]) if 0 < pooled < 1 else nan
        return diff, float(lo), float(hi), N_("two-proportion z"), p, None
    if kind == "money":
        def tests() -> tuple[float, float]:
            return (float(stats.ttest_ind(xa, xb, equal_var=False).pvalue),
                    float(stats.mannwhitneyu(xa, xb, alternative="two-sided").pvalue))
        return _money_pair(float(xa.mean()) if na else nan, float(xa.var(ddof=1)) if na > 1 else nan, na,
                           float(xb.mean()) if nb else nan, float(xb.var(ddof=1)) if nb > 1 else nan, nb, alpha, tests)
    if na == 0 or nb == 0:
        return nan, nan, nan, N_("NPS z + bootstrap CI"), nan, None
    diff = 100 * float(xa.mean() - xb.mean())
    se = np.sqrt(_nps_var(xa) / na + _nps_var(xb) / nb)
    p = float(2 * stats.norm.sf(abs(diff / 100) / se)) if se > 0 else nan
    boot = []
    for x, n in ((xa, na), (xb, nb)):
        probs = [np.mean(x == 1), np.mean(x == 0), np.mean(x == -1)]
        counts = rng.multinomial(n, probs, size=n_boot)          # resampling n answers with replacement
        boot.append(100 * (counts[:, 0] - counts[:, 2]) / n)
    lo, hi = np.quantile(boot[0] - boot[1], [alpha / 2, 1 - alpha / 2])
    return diff, float(lo), float(hi), N_("NPS z + bootstrap CI"), p, None


def compare_segments(view: CustomerView, groups, metric: str, *, population: str = "auto", alpha: float = 0.05,
                     n_boot: int = 2000, seed: int = 0, csat_top: float = 4, promoter_min: int = 9,
                     detractor_max: int = 6) -> Comparison:
    """Compare segments on one metric, every pair tested and Holm-corrected, on a fair baseline.

    Parameters
    ----------
    view : the joined customer table (``segments.build_customer_view``).
    groups : 2 or more groups: a sequence of :class:`Group`, or a dict name -> boolean mask over
        ``view.customers`` (``None`` or the name ``EVERYONE_ELSE`` with ``None``: everyone else; see
        ``segment_groups``, ``nps_band_groups``, ``comparison_groups``).
    metric : a name from ``METRICS``: conversion, repeat_rate, aov, revenue_per_customer, nps, csat,
        ticket_rate.
    population : who is counted (see the module docstring): ``auto`` (default: the fair baseline for
        the metric and the groups), ``all``, ``buyers`` or ``respondents``; ``Comparison.population``
        says which, and ``summary()`` starts with it.
    alpha : significance level for the Holm-adjusted p-values and the CIs (1 - alpha).
    n_boot, seed : bootstrap resamples and seed for the NPS difference CI.
    csat_top : CSAT answers at or above this count as satisfied (top-2-box on 1-5).
    promoter_min, detractor_max : NPS bands (``definitions.NpsDef``).

    Returns
    -------
    Comparison
        per-segment values with CIs (``to_frame``), pairwise tests (``pairs_frame``), an
        omnibus test, the baseline (``population``), ``summary()`` (who is compared, what is and is
        not a real difference) and ``warnings`` (also when the groups differ in who can have the metric).

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.analyses.segments import build_customer_view
    >>> view = build_customer_view(cx.rfm(cx.load("sample_data/orders_shopify.csv")))
    >>> cmp = compare_segments(view, segment_groups(view, ["Champions", "At risk"]), "revenue_per_customer")
    >>> cmp.population.name, cmp.groups[0].n
    ('buyers', 129)
    """
    if metric not in METRICS_BY_NAME:
        raise CxDataError(msg("unknown comparison metric {metric}.", metric=repr(metric)),
                          hint=msg("Use one of: {metrics}.", metrics=", ".join(METRICS_BY_NAME)))
    if population not in POPULATIONS:
        raise CxDataError(msg("unknown baseline {population}.", population=repr(population)),
                          hint=msg("Use one of: {options}.", options=", ".join(POPULATIONS)))
    m = METRICS_BY_NAME[metric]
    groups = _as_groups(groups)
    if len(groups) < 2:
        raise CxDataError(msg("pick at least two segments to compare."))
    if m.needs == "responses" and (view.responses is None or m.name not in view.responses.columns):
        # TRANSLATORS: {score} is the survey column: nps or csat
        raise CxDataError(msg("{metric} needs survey responses with a {score} score joined to customers.",
                              metric=m.label, score=m.name),
                          hint=msg("Load a responses file that has a customer id or email column and pick it."))
    if m.needs == "tickets" and "tickets" not in view.customers.columns:
        raise CxDataError(msg("Ticket rate needs support tickets joined to customers."),
                          hint=msg("Load a tickets file with a customer id, email or requester column and pick it."))
    n_rows = len(view.customers)
    wrong = [g.name for g in groups if g.mask is not None and np.shape(g.mask) != (n_rows,)]
    if wrong:
        raise CxDataError(msg("segment(s) {segments} do not match the customer table ({rows} rows).",
                              segments=", ".join(map(repr, wrong)), rows=n_rows),
                          hint=msg("Build masks over view.customers, e.g. with segment_groups()."))
    fair, chosen, base = baseline_criteria(view, m, groups, population)
    masks = _group_masks(groups, base)
    warnings: list[Msg] = selection_warnings(view, m, masks, fair, chosen)
    overlap = int((np.sum(list(masks.values()), axis=0) > 1).sum())
    if overlap:
        warnings.append(msg("{customers} customer(s) are in more than one of the compared segments; the tests "
                            "assume separate groups, so treat p-values as approximate.", customers=overlap))
    if m.name == "aov" and not isinstance(view.orders, pd.DataFrame):          # a large table's orders
        gstats, raw, (omnibus_test, omnibus_p) = _aov_on_engine(view, masks, alpha)
    else:
        if m.needs == "responses" and not isinstance(view.responses, pd.DataFrame):     # answers on the engine
            found = view.responses.values_by_group(m.name, view.customers["customer_id"], masks)
            obs = {name: _scores(found[name], m.name, csat_top, (promoter_min, detractor_max)) for name in masks}
        else:
            pos = _positions(view, m)
            obs = {name: _observations(view, mask, m, csat_top, pos, (promoter_min, detractor_max))
                   for name, mask in masks.items()}
        gstats = tuple(_group_stat(name, x, m.kind, alpha) for name, x in obs.items())
        rng = np.random.default_rng(seed)
        raw = [(a, b, *_pair(a, obs[a], b, obs[b], m.kind, alpha, rng, n_boot)) for a, b in combinations(obs, 2)]
        omnibus_test, omnibus_p = _omnibus(obs, m.kind)
    for g in gstats:
        if g.n < 30:
            warnings.append(_few_observations(g, m))
    p_holm = holm([np.nan if r[6] is None else r[6] for r in raw])
    mw_holm = holm([np.nan if r[7] is None else r[7] for r in raw]) if m.kind == "money" else [None] * len(raw)
    pairs = tuple(PairTest(a, b, diff, lo, hi, test, p, float(ph), bool(np.isfinite(ph) and ph < alpha),
                           mw, (None if mwh is None or not np.isfinite(mwh) else float(mwh)))
                  for (a, b, diff, lo, hi, test, p, mw), ph, mwh in zip(raw, p_holm, mw_holm))
    for p in pairs:
        if p.mw_p_holm is not None and (p.mw_p_holm < alpha) != p.significant:
            warnings.append(msg("{a} vs {b}: the Welch t-test and the Mann-Whitney test disagree, so the difference "
                                "depends on a few large values; look at the distribution before acting on it.",
                                a=name_msg(p.a), b=name_msg(p.b)))
    reason = ("both" if fair[0] and fair[1] else "orders" if fair[0] else "survey" if fair[1] else "")
    pop = Population(chosen[0], chosen[1], int(base.sum()), n_rows, population, reason)
    return Comparison(m, gstats, pairs, omnibus_test, omnibus_p, alpha, tuple(warnings), pop)


def _as_groups(groups) -> list[Group]:
    """Groups from a dict (name -> mask or None) or a sequence of Group; names must differ."""
    if isinstance(groups, dict):
        out = [g if isinstance(g, Group) else Group(str(name), None if g is None else np.asarray(g, dtype=bool))
               for name, g in groups.items()]
    else:
        out = list(groups)
    names = [g.name for g in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CxDataError(msg("two compared groups are called {names}.", names=", ".join(map(repr, twice))),
                          hint=msg("Give each group its own name (rename a rule segment)."))
    rest = [g for g in out if g.mask is None]
    if rest:                                     # everyone else reads what the other groups read
        fields = frozenset().union(*(g.fields for g in out if g.mask is not None))
        out = [Group(g.name, None, g.fields | fields) if g.mask is None else g for g in out]
    return out


def _group_masks(groups: list[Group], base: np.ndarray) -> dict[str, np.ndarray]:
    """Each group within the baseline; everyone else = the baseline minus the other groups."""
    named = [np.asarray(g.mask, dtype=bool) for g in groups if g.mask is not None]
    others = np.logical_or.reduce(named) if named else np.zeros(len(base), dtype=bool)
    return {g.name: (base & ~others) if g.mask is None else (base & np.asarray(g.mask, dtype=bool)) for g in groups}


def _few_observations(g: GroupStat, m: CompareMetric) -> Msg:
    """Warning for a segment with no or fewer than 30 observations, in the metric's unit."""
    seg, n, metric = name_msg(g.segment), g.n, m.label
    if m.unit == "orders":
        return (msg("'{segment}' has no orders to measure {metric}.", segment=seg, metric=metric) if n == 0 else
                msg("'{segment}' has only {n} orders: its {metric} is imprecise.", segment=seg, n=n, metric=metric))
    if m.unit == "responses":
        return (msg("'{segment}' has no responses to measure {metric}.", segment=seg, metric=metric) if n == 0 else
                msg("'{segment}' has only {n} responses: its {metric} is imprecise.", segment=seg, n=n, metric=metric))
    return (msg("'{segment}' has no customers to measure {metric}.", segment=seg, metric=metric) if n == 0 else
            msg("'{segment}' has only {n} customers: its {metric} is imprecise.", segment=seg, n=n, metric=metric))


def _omnibus(obs: dict[str, np.ndarray], kind: MetricKind) -> tuple[str, float]:
    present = [x for x in obs.values() if len(x)]
    nan = float("nan")
    if len(present) < 2:
        return N_("none"), nan
    if kind == "rate":
        table = np.array([[x.sum(), len(x) - x.sum()] for x in present])
        if (table.sum(axis=0) == 0).any():
            return N_("chi-square"), nan
        return N_("chi-square"), float(stats.chi2_contingency(table, correction=False).pvalue)
    if kind == "money":
        if all(np.ptp(x) == 0 for x in present) and len({float(x[0]) for x in present}) == 1:
            return N_("Kruskal-Wallis"), nan
        return N_("Kruskal-Wallis"), float(stats.kruskal(*present).pvalue)
    table = np.array([[np.sum(x == v) for v in (1, 0, -1)] for x in present])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return N_("chi-square"), nan
    return N_("chi-square"), float(stats.chi2_contingency(table, correction=False).pvalue)


def segment_groups(view: CustomerView, names: list[str], column: str = "segment") -> dict[str, np.ndarray]:
    """Masks for values of a segment column (RFM ``segment`` by default, or ``value_tier``)."""
    col = view.customers[column].astype("string")
    return {str(n): (col == n).fillna(False).to_numpy(dtype=bool) for n in names}


def nps_band_groups(view: CustomerView) -> list[Group]:
    """Detractors, Passives and Promoters by each customer's latest NPS answer (the ``nps_band``
    column of :func:`cxlib.analyses.segments.build_customer_view`); empty without survey answers."""
    if "nps_band" not in view.customers.columns:
        return []
    band = view.customers["nps_band"].astype("string")
    return [Group(label, (band == value).fillna(False).to_numpy(dtype=bool), frozenset({"nps_band"}))
            for value, label in NPS_BANDS]


def comparison_groups(view: CustomerView, segment_names=(), rule_segments=()) -> dict[str, Group]:
    """Every group a comparison can use, by a key that stays the same when a rule segment is renamed:
    ``rfm:<segment>`` (RFM segments with customers, "No orders" included), ``tier:<tier>``,
    ``nps:<band>``, ``rule:<id>`` (``RuleSegment.id``, else its name) and ``rest`` (everyone else)."""
    c = view.customers
    out: dict[str, Group] = {}
    for column, prefix, names in (("segment", "rfm", segment_names), ("value_tier", "tier", [n for n, _ in VALUE_TIERS])):
        if column in c.columns:
            col = c[column].astype("string")
            for name in names:
                mask = (col == name).fillna(False).to_numpy(dtype=bool)
                if mask.any():
                    out[f"{prefix}:{name}"] = Group(str(name), mask, frozenset({column}))
    for (value, _), group in zip(NPS_BANDS, nps_band_groups(view)):
        out[f"nps:{value}"] = group
    for seg in rule_segments:
        out[f"rule:{seg.id or seg.name}"] = Group(seg.name, seg.mask, seg.fields)
    out["rest"] = Group(EVERYONE_ELSE, None)
    return out
