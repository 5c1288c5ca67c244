"""A/B tests: data checks first, then per-variant results, lifts with intervals, and a verdict.

Inputs
------
- an experiment :class:`~cxlib.data.dataset.Dataset` (unit_id, variant, converted and/or revenue): :func:`analyze`;
- aggregate counts typed by hand ``{variant: (users, conversions)}``: :func:`analyze_counts`;
- assignments + events: :func:`conversions_from_events` derives ``converted`` (and revenue) within a
  window after exposure, then :func:`analyze`.

Data checks (always run, reported in ``result.checks``): rows without a unit or variant (excluded),
exact duplicate rows (dropped), units seen in more than one variant (counted, all their rows
excluded), several rows for one unit (collapsed: converted = max, revenue = sum), and sample ratio
mismatch (Pearson chi-square against the intended split, flagged at p < 0.001). With SRM the verdict
says the result is not trustworthy.

Statistics (see :mod:`cxlib.core.abstats` for the formulas): Wilson intervals per variant; two-proportion
z-test; Welch t-test on revenue per user with a Mann-Whitney U robustness check; ratio metrics
(average order value) by the delta method with the user as the unit; optional winsorization, CUPED
with pre-experiment revenue from an orders dataset, Holm correction for several variants, Beta-Binomial
chance to beat control and expected loss, always-valid sequential intervals.

Example
-------
>>> res = analyze_counts({"A": (10000, 410), "B": (10000, 462)}, ExperimentSpec(control="A"))
>>> round(res.comparisons[0].p_value, 3)
0.072
"""
from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, replace
from typing import Literal, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.core.result import Result
from cxlib.core.stats import holm, wilson_ci
from cxlib.core import abstats
from cxlib.core.abstats import Alternative, LiftTest
from cxlib.data.dataset import Dataset
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.data.roles import role_noun
from cxlib.core.messages import N_, Msg, msg
from cxlib.core.spec import Spec
from cxlib.core.messages import lines as _lines, listing as _listing
from cxlib.analyses.experiment_words import Decision, METRIC_LABELS, _caveats, _verdict, _warnings, decide
from cxlib.analyses.experiment_units import Arm, Covariate, DataChecks, FrameUnits, _split, pick_control

Metric = Literal["converted", "revenue", "aov"]
Correction = Literal["holm", "none"]
# The same names as a heading or column title.
# TRANSLATORS: a metric's name as a heading or column title
METRIC_TITLES: dict[str, Msg] = {"converted": msg("Conversion"), "revenue": msg("Revenue per user"),
                                 "aov": msg("Average order value")}


@dataclass(frozen=True)
class ExperimentSpec(Spec):
    """How to read an experiment. Every field has a trustworthy default."""

    control: str | None = None                 # None: a variant named control/A/baseline…, else the first
    metric: Metric = "converted"
    alpha: float = 0.05
    alternative: Alternative = "two-sided"     # "larger": the variant is expected to be better
    split: tuple[tuple[str, float], ...] = ()  # intended traffic split; () = equal
    correction: Correction = "holm"            # across variant-vs-control comparisons
    winsorize_pct: float | None = None         # e.g. 99: cap revenue at the pooled 99th percentile
    cuped: bool = True                         # use pre-experiment revenue when orders are given
    bayesian: bool = False                     # chance to beat control and expected loss (conversion)
    sequential: bool = False                   # always-valid intervals and p-values (peeking-safe)
    planned_users_per_variant: int | None = None
    srm_threshold: float = 0.001
    question: str = ""                         # what the test is meant to decide (for the memo)

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 0.5:
            raise CxDataError(msg("alpha must be between 0 and 0.5 (got {alpha}).", alpha=self.alpha),
                              hint=msg("Use 0.05 or 0.01."))
        if self.metric not in METRIC_LABELS:
            raise CxDataError(msg("unknown metric {metric!r}.", metric=self.metric),
                              hint=msg("Use one of: {options}.", options=", ".join(METRIC_LABELS)))
        if self.alternative not in abstats.ALTERNATIVES:
            raise CxDataError(msg("unknown alternative {alternative!r}.", alternative=self.alternative),
                              hint=msg("Use two-sided, larger or smaller."))
        if self.winsorize_pct is not None and not 50 <= self.winsorize_pct < 100:
            raise CxDataError(msg("the winsorization percentile must be between 50 and 100 (got {percentile}).",
                                  percentile=self.winsorize_pct),
                              hint=msg("99 caps revenue at its 99th percentile."))

    @classmethod
    def _read(cls, name: str, value: object) -> object:
        if name == "split":             # [["A", 0.5], ["B", 0.5]] -> (("A", 0.5), ("B", 0.5))
            return tuple((str(k), float(v)) for k, v in value or ())
        return value

    def describe(self) -> Msg:
        """The definition sentence: which test, at which level, with which options, against which split."""
        if self.sequential and self.winsorize_pct:
            # TRANSLATORS: the {extras} of the A/B definition sentence: "..., with {extras}; the traffic split ..."
            extras = msg("always-valid sequential intervals and revenue capped at its {percentile:g}th percentile",
                         percentile=self.winsorize_pct)
        elif self.winsorize_pct:
            extras = msg("revenue capped at its {percentile:g}th percentile", percentile=self.winsorize_pct)
        else:
            extras = msg("always-valid sequential intervals") if self.sequential else None
        # TRANSLATORS: a variant's name and its intended share of the traffic
        split = (_listing([msg("{variant} {share:g}", variant=k, share=v) for k, v in self.split], " / ")
                 if self.split else msg("an equal split"))
        values = dict(metric=METRIC_LABELS[self.metric], test=_TESTS[self.alternative, self.metric], alpha=self.alpha,
                      split=split, threshold=self.srm_threshold)
        if self.correction == "holm":
            if extras is None:
                return msg("Each variant's {metric} is compared with the control by {test} at {alpha:.0%} significance, "
                           "corrected for comparing several variants (Holm) when there are several; the traffic split is checked against "
                           "{split} (flagged at p < {threshold:g}).", **values)
            return msg("Each variant's {metric} is compared with the control by {test} at {alpha:.0%} significance, "
                       "corrected for comparing several variants (Holm) when there are several, with {extras}; the traffic split is "
                       "checked against {split} (flagged at p < {threshold:g}).", extras=extras, **values)
        if extras is None:
            return msg("Each variant's {metric} is compared with the control by {test} at {alpha:.0%} significance; "
                       "the traffic split is checked against {split} (flagged at p < {threshold:g}).", **values)
        return msg("Each variant's {metric} is compared with the control by {test} at {alpha:.0%} significance, "
                   "with {extras}; the traffic split is checked against {split} (flagged at p < {threshold:g}).",
                   extras=extras, **values)


# The test each definition sentence names, per (alternative, metric): whole noun phrases, so a
# translation can inflect them as the sentence needs.
_TESTS: dict[tuple[str, str], Msg] = {
    # TRANSLATORS: the {test} in "compared with the control by {test} at 5% significance"; write each as that sentence needs it
    ("two-sided", "converted"): msg("a two-sided comparison of two proportions (score test)"),
    ("larger", "converted"): msg("a one-sided comparison of two proportions, variant better (score test)"),
    ("smaller", "converted"): msg("a one-sided comparison of two proportions, variant worse (score test)"),
    ("two-sided", "revenue"): msg("a two-sided comparison of means (Welch t-test)"),
    ("larger", "revenue"): msg("a one-sided comparison of means, variant better (Welch t-test)"),
    ("smaller", "revenue"): msg("a one-sided comparison of means, variant worse (Welch t-test)"),
    ("two-sided", "aov"): msg("a two-sided comparison of a ratio counted per user (delta-method t-test)"),
    ("larger", "aov"): msg("a one-sided comparison of a ratio counted per user, variant better (delta-method t-test)"),
    ("smaller", "aov"): msg("a one-sided comparison of a ratio counted per user, variant worse (delta-method t-test)"),
}


@dataclass(frozen=True)
class VariantSummary:
    name: str
    users: int
    conversions: int
    rate: float
    rate_ci: tuple[float, float]               # Wilson
    revenue: float | None = None               # total (after winsorization)
    revenue_per_user: float | None = None
    value: float = float("nan")                # the analysed metric's value
    value_ci: tuple[float, float] = (float("nan"), float("nan"))   # its interval (level 1 - alpha)


@dataclass(frozen=True)
class Comparison:
    variant: str
    control: str
    metric: str
    test: LiftTest
    p_value_adjusted: float
    significant: bool
    mann_whitney_p: float | None = None        # robustness check for revenue
    chance_to_beat: float | None = None        # Bayesian, conversion only
    expected_loss: float | None = None         # absolute rate lost if the variant is shipped and is worse
    sequential: bool = False

    @property
    def p_value(self) -> float:
        return self.test.p_value


@dataclass(frozen=True)
class CupedInfo:
    theta: float
    variance_reduction: float                  # 1 - Var(adjusted) / Var(raw)
    units_with_pre_data: int


@dataclass(frozen=True)
class ExperimentResult(Result):
    spec: ExperimentSpec
    control: str
    variants: tuple[VariantSummary, ...]
    comparisons: tuple[Comparison, ...]
    checks: DataChecks
    verdict: str
    warnings: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    cuped: CupedInfo | None = None
    dataset_name: str = ""
    data_hash: str = ""
    decision: Decision | None = None           # Ship / Don't ship yet / No detectable change, and why

    @property
    def trustworthy(self) -> bool:
        return not self.checks.srm_flag

    def to_frame(self) -> pd.DataFrame:
        """One row per variant: counts, rates with Wilson CI, and the comparison with the control."""
        comps = {c.variant: c for c in self.comparisons}
        rows = []
        for v in self.variants:
            c = comps.get(v.name)
            t = c.test if c else None
            rows.append({                   # headers people read (the page translates them): marked
                N_("variant"): v.name, N_("is_control"): v.name == self.control, N_("users"): v.users,
                N_("conversions"): v.conversions, N_("rate"): v.rate, N_("rate_ci_low"): v.rate_ci[0],
                N_("rate_ci_high"): v.rate_ci[1], N_("revenue_per_user"): v.revenue_per_user,
                N_("metric"): self.spec.metric, N_("value"): v.value, N_("value_ci_low"): v.value_ci[0],
                N_("value_ci_high"): v.value_ci[1], N_("abs_lift"): t.abs_lift if t else None,
                N_("abs_ci_low"): t.abs_ci[0] if t else None, N_("abs_ci_high"): t.abs_ci[1] if t else None,
                N_("rel_lift"): t.rel_lift if t else None, N_("rel_ci_low"): t.rel_ci[0] if t else None,
                N_("rel_ci_high"): t.rel_ci[1] if t else None, N_("p_value"): t.p_value if t else None,
                N_("p_value_adjusted"): c.p_value_adjusted if c else None,
                N_("significant"): c.significant if c else None,
                N_("mann_whitney_p"): c.mann_whitney_p if c else None,
                N_("chance_to_beat"): c.chance_to_beat if c else None,
                N_("expected_loss"): c.expected_loss if c else None,
            })
        return pd.DataFrame(rows)

    def summary(self) -> Msg:
        lines = ([self.decision.sentence] if self.decision else []) + [self.verdict, *self.checks.sentences()]
        if self.cuped and self.cuped.theta != 0:
            lines.append(msg("CUPED reduced the variance by {reduction:.1%}.", reduction=self.cuped.variance_reduction))
        return _lines(lines + [msg("Warning: {warning}", warning=w) for w in self.warnings])

    def to_json(self) -> dict:
        """The ``abtest`` CLI object (DESIGN.md keys) plus details. ``ci95`` is the interval of
        ``abs_lift`` at the reported level (``ci_level``); ``rel_ci95`` that of ``rel_lift``."""
        variants = {v.name: {"users": v.users, "conversions": v.conversions, "rate": v.rate,
                             "rate_ci95": list(v.rate_ci), "value": v.value, "value_ci": list(v.value_ci),
                             "revenue_per_user": None if v.revenue_per_user is None else round(v.revenue_per_user, 2)}
                    for v in self.variants}
        comps = [{"variant": c.variant, "abs_lift": c.test.abs_lift, "rel_lift": c.test.rel_lift,
                  "ci95": list(c.test.abs_ci), "rel_ci95": list(c.test.rel_ci), "ci_level": c.test.ci_level,
                  "p_value": c.test.p_value, "p_value_adjusted": c.p_value_adjusted, "significant": c.significant,
                  "test": c.test.test, "mann_whitney_p": c.mann_whitney_p, "chance_to_beat": c.chance_to_beat,
                  "expected_loss": c.expected_loss} for c in self.comparisons]
        ch = self.checks
        return _json_safe({"variants": variants, "comparisons": comps,
                "srm": {"p_value": ch.srm_p_value, "flag": ch.srm_flag, "observed": dict(ch.observed),
                        "expected_split": dict(ch.expected_split)},
                "users_in_multiple_variants": ch.units_in_multiple_variants,
                "verdict": self.verdict, "decision": self.decision.to_json() if self.decision else None,
                "warnings": list(self.warnings), "caveats": list(self.caveats),
                "control": self.control, "metric": self.spec.metric, "spec": self.spec.to_json(),
                "checks": {k: v for k, v in asdict(ch).items() if k not in ("expected_split", "observed")},
                "cuped": asdict(self.cuped) if self.cuped else None, "data_hash": self.data_hash})


def _json_safe(obj):
    """Plain JSON: tuples -> lists, numpy scalars -> Python, NaN/inf -> None (strict JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj



# ---------------------------------------------------------------- analysis

def analyze(ds: Dataset, spec: ExperimentSpec | None = None, *, orders: Dataset | None = None,
            defs: DefinitionSet | None = None, **options) -> ExperimentResult:
    """Analyse an experiment dataset (one or more rows per unit).

    Parameters
    ----------
    ds : experiment Dataset (unit_id, variant, converted and/or revenue; exposed_at for CUPED).
    spec : an :class:`ExperimentSpec`; keyword ``options`` override its fields.
    orders : an orders Dataset with pre-experiment purchases of the same users (customer_id = unit_id),
        used for CUPED on the revenue metrics when ``spec.cuped``.
    defs : the definitions whose revenue rule gives the pre-period revenue (default definitions).

    Examples
    --------
    >>> import cxlib as cx
    >>> exp = cx.load("sample_data/experiment_checkout.csv")
    >>> res = cx.abtest(exp)
    >>> res.comparisons[0].significant, round(res.comparisons[0].test.p_value, 3)
    (True, 0.032)
    """
    if ds.role != "experiment":
        raise CxDataError(msg("'{file}' is {role} data, not an experiment.", file=ds.name, role=role_noun(ds.role)),
                          hint=msg("Pick an experiment dataset (unit id and variant per row)."))
    spec = replace(spec or ExperimentSpec(), **options)
    with _units_of(ds, spec.metric) as units:
        names = units.names
        if len(names) < 2:
            raise CxDataError(msg("only one variant ({variants}) has usable rows; an A/B test needs two or more.",
                                  variants=", ".join(names) or msg("none")),
                              file=ds.name, hint=msg("Check the variant column and the excluded rows."))
        control = pick_control(names, spec.control)
        order = [control] + sorted(n for n in names if n != control)
        warnings, cap = list(units.warnings), None
        if spec.metric != "converted" and spec.winsorize_pct:
            cap, n_capped = units.cap(spec.winsorize_pct)
            warnings.append(msg("Revenue was capped at {cap:,.2f} (the {percentile:g}th percentile); {units:,} units "
                                "were capped.", cap=cap, percentile=spec.winsorize_pct, units=n_capped))
        covariate = Covariate(orders, defs) if spec.metric == "revenue" and orders is not None and spec.cuped else None
        arms, cuped = units.arms(order, cap, covariate)
        ranks = {n: units.rank_sums(control, n, cap) for n in order[1:]} if spec.metric == "revenue" else {}
    cuped_info = None
    if cuped is not None:
        cuped_info = CupedInfo(*cuped)
        if cuped_info.theta == 0:
            warnings.append(msg("CUPED had no effect: no unit has pre-experiment revenue that varies."))
    weights, missing = _split(order, spec)
    checks = replace(units.checks, expected_split=tuple(weights.items()), missing_variants=missing)
    has_rev = "revenue" in ds.columns and ds.has("revenue")
    variants = [_variant_summary(spec, n, arms[n], has_rev) for n in order]
    return _finish(spec, control, variants, checks, warnings, ds.name, ds.content_hash, cuped_info,
                   arms=arms, ranks=ranks)


def _units_of(ds: Dataset, metric: str):
    """The units and the statistics source: on the engine for a large table that lives in its Parquet file
    (aggregates only: :mod:`cxlib.analyses.experiment_engine`), else from the table read into pandas. A table
    with an ``orders`` column is never loaded by the engine (it is read the careful way), so it stays in pandas."""
    if ds.aggregate_on_engine and "orders" not in ds.columns:
        from cxlib.analyses.experiment_engine import EngineUnits
        return EngineUnits(ds, metric)
    return FrameUnits(ds, metric)


def _variant_summary(spec: ExperimentSpec, name: str, arm: Arm, has_rev: bool) -> VariantSummary:
    """Counts, conversion rate (Wilson CI) and the analysed metric's value with its interval:
    Wilson (conversion), Student t (revenue per user), delta method (ratio metrics)."""
    users, conv = arm.users, arm.conversions
    rate_ci = wilson_ci(conv, users, spec.alpha)
    value, value_ci = conv / users, rate_ci
    if spec.metric == "revenue":
        value = arm.mean
        half = (stats.t.ppf(1 - spec.alpha / 2, users - 1) * np.sqrt(arm.var / users)) if users > 1 else np.nan
        value_ci = (value - half, value + half)
    elif spec.metric == "aov":
        rs = arm.ratio
        value = rs.ratio
        half = stats.norm.ppf(1 - spec.alpha / 2) * np.sqrt(rs.unit_variance / users) if users > 1 else np.nan
        value_ci = (value - half, value + half)
    revenue = arm.revenue if has_rev else None
    return VariantSummary(name, users, conv, conv / users, rate_ci, revenue,
                          revenue / users if revenue is not None else None, float(value),
                          (float(value_ci[0]), float(value_ci[1])))


def analyze_counts(counts: Mapping[str, tuple[int, int]], spec: ExperimentSpec | None = None,
                   **options) -> ExperimentResult:
    """Quick check from aggregate counts typed by hand: ``{variant: (users, conversions)}``.

    Only the conversion metric is possible; the SRM check uses the users per variant.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.analyze_counts({"A": (10000, 410), "B": (10000, 462)})
    >>> round(res.comparisons[0].test.p_value, 3), res.comparisons[0].significant
    (0.072, False)
    """
    spec = replace(spec or ExperimentSpec(), **options)
    if spec.metric != "converted":
        raise CxDataError(msg("aggregate counts only support the conversion metric."),
                          hint=msg("Load unit-level data to analyse revenue."))
    clean: dict[str, tuple[int, int]] = {}
    for name, pair in counts.items():
        try:
            users, conv = (int(v) for v in pair)
        except (TypeError, ValueError):
            raise CxDataError(msg("variant '{variant}': users and conversions must be whole numbers.", variant=name),
                              hint=msg("Enter counts such as 10000 and 412.")) from None
        if users <= 0 or conv < 0 or conv > users:
            raise CxDataError(msg("variant '{variant}': {conversions} conversions out of {users} users is impossible.",
                                  variant=name, conversions=conv, users=users),
                              hint=msg("Users must be positive and conversions between 0 and users."))
        clean[str(name)] = (users, conv)
    if len(clean) < 2:
        raise CxDataError(msg("an A/B test needs at least two variants."), hint=msg("Add a row for each variant."))
    names = list(clean)
    control = pick_control(names, spec.control)
    order = [control] + [n for n in names if n != control]
    weights, missing = _split(order, spec)
    variants = []
    for n in order:
        users, conv = clean[n]
        ci = wilson_ci(conv, users, spec.alpha)
        variants.append(VariantSummary(n, users, conv, conv / users, ci, value=conv / users, value_ci=ci))
    checks = DataChecks(units=sum(u for u, _ in clean.values()), expected_split=tuple(weights.items()),
                        missing_variants=missing)
    # TRANSLATORS: the data of an A/B test typed in by hand, as in "A/B test on {name}"
    return _finish(spec, control, variants, checks, [], msg("counts typed in"), "", None)


def _finish(spec, control, variants, checks, warnings, name, data_hash, cuped_info, *, arms=None, ranks=None
            ) -> ExperimentResult:
    """The statistics on the variants' sufficient statistics (``arms``: :class:`Arm` per variant; ``ranks``: the
    Mann-Whitney rank sums per variant against the control), the same whichever path computed them."""
    weights = dict(checks.expected_split)
    obs = [v.users for v in variants] + [0 for _ in checks.missing_variants]
    w = [weights[v.name] for v in variants] + [weights[m] for m in checks.missing_variants]
    srm_p = abstats.srm_p_value(obs, w)
    checks = replace(checks, observed=tuple((v.name, v.users) for v in variants), srm_p_value=srm_p,
                     srm_flag=bool(srm_p < spec.srm_threshold))
    if checks.missing_variants:
        warnings.append(msg("Variant(s) {variants} of the intended split have no users.",
                            variants=", ".join(checks.missing_variants)))
    ctrl = variants[0]
    raw = []
    for v in variants[1:]:
        raw.append((v, _compare(spec, ctrl, v, arms, ranks)))
    ps = [t.p_value for _, (t, _mw, _b) in raw]
    adj = [float(x) for x in holm(ps)] if spec.correction == "holm" and len(ps) > 1 else ps
    comps = tuple(Comparison(v.name, control, spec.metric, t, p_adj, bool(p_adj < spec.alpha), mw,
                             bayes[0] if bayes else None, bayes[1] if bayes else None, spec.sequential)
                  for (v, (t, mw, bayes)), p_adj in zip(raw, adj))
    warnings += _warnings(spec, variants, comps, checks, cuped_info)
    caveats = _caveats(spec, comps, cuped_info)
    verdict = _verdict(spec, variants, comps, checks)
    return ExperimentResult(spec, control, tuple(variants), comps, checks, verdict, tuple(warnings), tuple(caveats),
                            cuped_info, name, data_hash, decide(spec, variants, comps, checks))


def _compare(spec, a: VariantSummary, b: VariantSummary, arms, ranks) -> tuple:
    mw = bayes = None
    if spec.metric == "converted":
        t = abstats.proportion_test(a.conversions, a.users, b.conversions, b.users, alpha=spec.alpha,
                                    alternative=spec.alternative)
        va, vb = t.mean_a * (1 - t.mean_a), t.mean_b * (1 - t.mean_b)
        if spec.bayesian:
            ctb, loss_b, _ = abstats.beta_binomial(a.conversions, a.users, b.conversions, b.users)
            bayes = (ctb, loss_b)                       # P(variant > control), loss if shipped
    elif spec.metric == "revenue":
        va, vb = arms[a.name].var, arms[b.name].var
        t = abstats.mean_test(a.value, va, a.users, b.value, vb, b.users, alpha=spec.alpha, alternative=spec.alternative)
        mw = abstats.mann_whitney(*ranks[b.name], alternative=spec.alternative)
    else:
        sa, sb = arms[a.name].ratio, arms[b.name].ratio
        t = abstats.ratio_test(sa, sb, alpha=spec.alpha, alternative=spec.alternative)
        va, vb = sa.unit_variance, sb.unit_variance
    if spec.sequential and np.isfinite(t.abs_lift):
        tuning = 2 * spec.planned_users_per_variant if spec.planned_users_per_variant else 5000
        n = a.users + b.users
        abs_ci, p = abstats.always_valid(t.abs_lift, va / a.users + vb / b.users, n, alpha=spec.alpha, tuning=tuning)
        crit = abstats.always_valid_crit(n, alpha=spec.alpha, tuning=tuning)      # the same sequence's width
        rel_ci = abstats.fieller_interval(t.mean_a, va / a.users, t.mean_b, vb / b.users, crit)
        t = replace(t, abs_ci=abs_ci, rel_ci=rel_ci, p_value=p, test=t.test + " (always-valid)",
                    ci_level=1 - spec.alpha)
    return t, mw, bayes


# ---------------------------------------------------------------- command line

def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--control", help="name of the control variant (default: control/A/baseline, else first)")
    parser.add_argument("--metric", choices=list(METRIC_LABELS), default="converted")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--alternative", choices=list(abstats.ALTERNATIVES), default="two-sided")
    parser.add_argument("--split", help="intended split, e.g. control=50,treatment=50 (default: equal)")
    parser.add_argument("--winsorize", type=float, help="cap revenue at this percentile, e.g. 99")
    parser.add_argument("--bayesian", action="store_true", help="add chance to beat control and expected loss")
    parser.add_argument("--sequential", action="store_true", help="always-valid intervals and p-values")
    parser.add_argument("--planned", type=int, help="planned users per variant (peeking warning)")


def parse_split(text: str | None) -> tuple[tuple[str, float], ...]:
    if not text:
        return ()
    try:
        return tuple((k.strip(), float(v)) for k, v in (part.rsplit("=", 1) for part in text.split(",")))
    except ValueError:
        raise CxDataError(msg("cannot read --split {split!r}.", split=text),
                          hint=msg("Use name=share pairs, e.g. control=50,treatment=50.")) from None


def cli_run(ds: Dataset, args: argparse.Namespace, defs) -> dict:
    """The A/B test's JSON (``defs``: read and checked like every command's; a unit-level file's figures
    do not depend on them: the revenue definition applies to the orders used for CUPED, which the page takes)."""
    spec = ExperimentSpec(control=args.control, metric=args.metric, alpha=args.alpha, alternative=args.alternative,
                          split=parse_split(args.split), winsorize_pct=args.winsorize, bayesian=args.bayesian,
                          sequential=args.sequential, planned_users_per_variant=args.planned)
    out = analyze(ds, spec).to_json()
    # The contract's lifts are numbers; a lift with no control conversions is undefined, so that
    # comparison moves out of "comparisons" with a warning instead of printing null.
    undefined = [c for c in out["comparisons"] if c["rel_lift"] is None or c["abs_lift"] is None
                 or c["p_value"] is None]
    if undefined:
        out["comparisons"] = [c for c in out["comparisons"] if c not in undefined]
        out["undefined_comparisons"] = undefined
        out["warnings"].append(msg("No lift can be computed for {variants}: the control has no conversions (or no "
                                   "users). Collect more data.", variants=", ".join(c["variant"] for c in undefined)))
    return out
