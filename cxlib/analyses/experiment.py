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
import re
from dataclasses import asdict, dataclass, replace
from typing import Literal, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.core.result import Result
from cxlib.core.stats import holm, wilson_ci
from cxlib.core import abstats
from cxlib.data import counts
from cxlib.core.abstats import Alternative, LiftTest
from cxlib.data.dataset import Dataset
from cxlib.data.orders import valid_orders
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.data.roles import role_noun
from cxlib.core.messages import N_, Msg, msg
from cxlib.core.messages import lines as _lines, listing as _listing, sentences as _sentences

Metric = Literal["converted", "revenue", "aov"]
Correction = Literal["holm", "none"]
# Metric names as they sit inside sentences ("B raised {metric} from ..."); Msg so a sentence translates them.
# TRANSLATORS: a metric's name inside A/B sentences ("B raised {metric} from ...", "Lift in {metric} over A"), lower case
METRIC_LABELS: dict[str, Msg] = {"converted": msg("conversion"), "revenue": msg("revenue per user"),
                                 "aov": msg("average order value")}
# The same names as a heading or column title.
# TRANSLATORS: a metric's name as a heading or column title
METRIC_TITLES: dict[str, Msg] = {"converted": msg("Conversion"), "revenue": msg("Revenue per user"),
                                 "aov": msg("Average order value")}
CONTROL_NAMES = ("control", "a", "baseline", "original", "old", "base", "default", "champion", "existing", "current")
MIN_CONVERSIONS = 10


@dataclass(frozen=True)
class ExperimentSpec:
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

    def to_json(self) -> dict:
        d = asdict(self)
        d["split"] = [list(p) for p in self.split]
        return d

    @classmethod
    def from_json(cls, obj: Mapping) -> "ExperimentSpec":
        d = dict(obj)
        d["split"] = tuple((str(k), float(v)) for k, v in d.get("split", ()))
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

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
class DataChecks:
    """What the data checks found, before any statistics."""

    rows: int = 0
    units: int = 0                             # units analysed
    rows_missing_unit_or_variant: int = 0
    duplicate_rows: int = 0
    units_with_several_rows: int = 0
    units_in_multiple_variants: int = 0
    rows_in_multiple_variants: int = 0
    expected_split: tuple[tuple[str, float], ...] = ()
    observed: tuple[tuple[str, int], ...] = ()
    missing_variants: tuple[str, ...] = ()     # named in the intended split, no users
    srm_p_value: float = 1.0
    srm_flag: bool = False

    def sentences(self) -> list[Msg]:
        # TRANSLATORS: a variant's name and its number of users
        obs = _listing([msg("{variant}: {users:,}", variant=k, users=v) for k, v in self.observed], ", ")
        out = [msg("{units:,} units analysed ({observed}).", units=self.units, observed=obs)]
        if self.rows:
            out.append(msg("{rows:,} rows read; {missing:,} without unit or variant, {duplicates:,} exact duplicates, "
                           "{multi_units:,} units in more than one variant ({multi_rows:,} rows), {several:,} units "
                           "with several rows (collapsed).", rows=self.rows, missing=self.rows_missing_unit_or_variant,
                           duplicates=self.duplicate_rows, multi_units=self.units_in_multiple_variants,
                           multi_rows=self.rows_in_multiple_variants, several=self.units_with_several_rows))
        split = _listing([msg("{variant} {share:.1%}", variant=k, share=v) for k, v in self.expected_split], " / ")
        if self.srm_flag:
            out.append(msg("Sample ratio check against {split}: {p_value} - MISMATCH.", split=split,
                           p_value=_p_eq(self.srm_p_value)))
        else:
            out.append(msg("Sample ratio check against {split}: {p_value} - no mismatch.", split=split,
                           p_value=_p_eq(self.srm_p_value)))
        return out


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


# ---------------------------------------------------------------- data preparation

def _units(ds: Dataset, metric: str) -> tuple[pd.DataFrame, DataChecks, list[str]]:
    """One row per analysable unit (unit_id, variant, converted, revenue, orders, exposed_at, n) + checks.

    Vectorized on integer codes (one factorization of unit and variant, then bincounts), so a
    few million rows take seconds, not minutes."""
    df = ds.df
    warnings: list[Msg] = []
    if metric == "converted" and not ds.has("converted"):
        if not ds.has("revenue"):
            raise CxDataError(msg("the experiment has neither a 'converted' nor a 'revenue' column."), file=ds.name,
                              hint=msg("Map a 0/1 conversion column (or a revenue column) on the Data page."))
        warnings.append(msg("No conversion column: a unit counts as converted when its revenue is above 0."))
    if metric in ("revenue", "aov") and not ds.has("revenue"):
        raise CxDataError(msg("the {metric} metric needs a 'revenue' column.", metric=METRIC_LABELS[metric]),
                          file=ds.name, hint=msg("Map the revenue column, or choose the conversion metric."))
    n_rows = len(df)
    kept = counts.assignment_rows(df)                     # the rows every analysis keeps (one place)
    uid, u_names, vid, v_names = kept.unit, kept.unit_names, kept.variant, kept.variant_names
    nv = max(len(v_names), 1)
    has_conv = "converted" in df.columns
    conv = df["converted"].to_numpy(float) if has_conv else np.full(n_rows, np.nan)
    rev = df["revenue"].to_numpy(float) if "revenue" in df.columns else np.full(n_rows, np.nan)
    orders = pd.to_numeric(df["orders"], errors="coerce").to_numpy(float) if "orders" in df.columns else None
    t = (df["exposed_at"].to_numpy("datetime64[us]").view("int64") if "exposed_at" in df.columns
         else np.full(n_rows, np.iinfo("int64").min))
    bad, dup, in_multi, keep = kept.missing, kept.duplicate, kept.multi, kept.keep
    pair = uid.astype("int64") * nv + vid
    codes, keys = pd.factorize(pair[keep])
    n_units = len(keys)
    c, r = conv[keep], rev[keep]
    if has_conv and metric == "converted" and np.isnan(c).any():
        warnings.append(msg("{rows:,} rows have no conversion value; they count as not converted.",
                            rows=int(np.isnan(c).sum())))
    if ds.has("revenue") and np.isnan(r).any() and metric != "converted":
        warnings.append(msg("{rows:,} rows have no revenue; they count as 0.", rows=int(np.isnan(r).sum())))
    c = np.nan_to_num(c) if has_conv else (np.nan_to_num(r) > 0) * 1.0
    o = np.nan_to_num(orders[keep]) if orders is not None else c
    n = np.bincount(codes, minlength=n_units)
    exposed = pd.Series(t[keep]).where(t[keep] != np.iinfo("int64").min).groupby(codes).min().reindex(range(n_units))
    units = pd.DataFrame({
        "unit_id": np.asarray(u_names, dtype=object)[keys // nv],
        "variant": pd.Categorical.from_codes(keys % nv, categories=[str(v) for v in v_names]),
        "converted": (np.bincount(codes, weights=c > 0, minlength=n_units) > 0) * 1.0,
        "revenue": np.bincount(codes, weights=np.nan_to_num(r), minlength=n_units),
        "orders": np.bincount(codes, weights=o, minlength=n_units),
        "exposed_at": pd.to_datetime(exposed.to_numpy(), unit="us", utc=True),
        "n": n})
    multi_units = kept.units_in_multiple_variants
    several = int((n > 1).sum())
    checks = DataChecks(rows=n_rows, units=n_units, rows_missing_unit_or_variant=int(bad.sum()),
                        duplicate_rows=int(dup.sum()), units_with_several_rows=several,
                        units_in_multiple_variants=multi_units, rows_in_multiple_variants=int(in_multi.sum()))
    # what was left out, stated once: loading states it for a loaded file (the same sentences)
    warnings += [w for w in counts.assignment_notes(kept) if w not in ds.report.warnings]
    if several:
        warnings.append(msg("{units:,} units have several rows in their variant; they were combined into one "
                            "(converted if any row converted, revenue summed).", units=several))
    return units, checks, warnings


def pre_period_revenue(units: pd.DataFrame, orders: Dataset, defs: DefinitionSet | None = None) -> pd.Series:
    """Each unit's net revenue over its valid orders (the one rule of :mod:`cxlib.data.orders` under
    ``defs.net_revenue``; default: completed, refunded, partially refunded or no status, amount minus
    refunded) placed before the unit's exposure (or before the experiment's first exposure when a unit
    has none). Units are matched on ``unit_id == customer_id``. Returns a float Series aligned with ``units``."""
    if orders.role != "orders":
        raise CxDataError(msg("'{file}' is {role} data, not orders.", file=orders.name, role=role_noun(orders.role)),
                          hint=msg("Pick an orders dataset for CUPED."))
    start = units["exposed_at"]
    if start.isna().all():
        raise CxDataError(msg("CUPED needs exposure times to know what is 'before the experiment'."),
                          hint=msg("Map the exposure time column (exposed_at), or turn CUPED off."))
    start = start.fillna(start.min())
    od = valid_orders(orders.df, defs)[["customer_id", "ordered_at", "net"]].rename(columns={"customer_id": "unit_id"})
    u = pd.DataFrame({"row": np.arange(len(units)), "unit_id": units["unit_id"].to_numpy(), "start": start.to_numpy()})
    m = u.merge(od, on="unit_id", how="inner")
    m = m.loc[m["ordered_at"] < m["start"]]
    sums = m.groupby("row")["net"].sum()
    return pd.Series(sums.reindex(np.arange(len(units)), fill_value=0.0).to_numpy(), index=units.index)


def pick_control(names: list[str], control: str | None = None) -> str:
    """``control`` when given (it must exist), else a variant named control/A/baseline/original…,
    else the alphabetically first."""
    if control is not None:
        if control not in names:
            raise CxDataError(msg("control variant '{control}' is not in the data.", control=control),
                              hint=msg("Variants found: {variants}.", variants=", ".join(names[:20])))
        return control
    for cand in CONTROL_NAMES:                     # exact name first ("A", "control")
        for n in names:
            if n.strip().lower() == cand:
                return n
    for cand in CONTROL_NAMES[:1] + CONTROL_NAMES[2:]:   # then a word of the name ("old_checkout")
        for n in names:
            if cand in re.split(r"[^0-9a-z]+", n.lower()):
                return n
    return sorted(names)[0]


def _split(names: list[str], spec: ExperimentSpec) -> tuple[dict[str, float], tuple[str, ...]]:
    if not spec.split:
        return {n: 1 / len(names) for n in names}, ()
    w = {k: float(v) for k, v in spec.split}
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise CxDataError(msg("the intended split must be non-negative shares."),
                          hint=msg("E.g. control=50, treatment=50."))
    unknown = [n for n in names if n not in w]
    if unknown:
        raise CxDataError(msg("the intended split does not name variant(s) {variants}.", variants=", ".join(unknown)),
                          hint=msg("Give a share for every variant in the data."))
    total = sum(w.values())
    return {k: w[k] / total for k in [*names, *(k for k in w if k not in names)]}, tuple(k for k in w if k not in names)


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
    units, checks, warnings = _units(ds, spec.metric)
    names = [str(v) for v in pd.unique(units["variant"])]
    if len(names) < 2:
        raise CxDataError(msg("only one variant ({variants}) has usable rows; an A/B test needs two or more.",
                              variants=", ".join(names) or msg("none")),
                          file=ds.name, hint=msg("Check the variant column and the excluded rows."))
    control = pick_control(names, spec.control)
    cuped_info = None
    y = units["revenue"].to_numpy(float)
    if spec.metric != "converted" and spec.winsorize_pct:
        cap = float(np.percentile(y, spec.winsorize_pct))
        n_capped = int((y > cap).sum())
        y = np.minimum(y, cap)
        warnings.append(msg("Revenue was capped at {cap:,.2f} (the {percentile:g}th percentile); {units:,} units "
                            "were capped.", cap=cap, percentile=spec.winsorize_pct, units=n_capped))
    raw_y = y
    if spec.metric == "revenue" and orders is not None and spec.cuped:
        x = pre_period_revenue(units, orders, defs).to_numpy(float)
        y, theta, red = abstats.cuped(y, x)
        cuped_info = CupedInfo(theta, red, int((x != 0).sum()))
        if theta == 0:
            warnings.append(msg("CUPED had no effect: no unit has pre-experiment revenue that varies."))
    units = units.assign(value=y, raw_value=raw_y)
    order = [control] + sorted(n for n in names if n != control)
    g = units.groupby("variant", observed=True, sort=False)
    agg = g.agg(users=("unit_id", "size"), conversions=("converted", "sum"), revenue=("raw_value", "sum"),
                ysum=("value", "sum"), yvar=("value", "var"), orders=("orders", "sum")).reindex(order)
    arrays = {n: grp for n, grp in g} if spec.metric != "converted" else {}
    weights, missing = _split(order, spec)
    checks = replace(checks, expected_split=tuple(weights.items()), missing_variants=missing)
    has_rev = "revenue" in ds.df.columns and ds.has("revenue")
    variants = [_variant_summary(spec, n, agg.loc[n], arrays, has_rev) for n in order]
    return _finish(spec, control, variants, checks, warnings, ds.name, ds.content_hash, cuped_info,
                   arrays=arrays, agg=agg)


def _variant_summary(spec: ExperimentSpec, name: str, r: pd.Series, arrays: dict, has_rev: bool) -> VariantSummary:
    """Counts, conversion rate (Wilson CI) and the analysed metric's value with its interval:
    Wilson (conversion), Student t (revenue per user), delta method (ratio metrics)."""
    users, conv = int(r["users"]), int(r["conversions"])
    rate_ci = wilson_ci(conv, users, spec.alpha)
    value, value_ci = conv / users, rate_ci
    if spec.metric == "revenue":
        value = float(r["ysum"]) / users
        half = (stats.t.ppf(1 - spec.alpha / 2, users - 1) * np.sqrt(r["yvar"] / users)) if users > 1 else np.nan
        value_ci = (value - half, value + half)
    elif spec.metric == "aov":
        rs = abstats.RatioStats.from_arrays(arrays[name]["raw_value"], arrays[name]["orders"])
        value = rs.ratio
        half = stats.norm.ppf(1 - spec.alpha / 2) * np.sqrt(rs.unit_variance / users) if users > 1 else np.nan
        value_ci = (value - half, value + half)
    revenue = float(r["revenue"]) if has_rev else None
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


def _finish(spec, control, variants, checks, warnings, name, data_hash, cuped_info, *, arrays=None, agg=None
            ) -> ExperimentResult:
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
        raw.append((v, _compare(spec, ctrl, v, agg, arrays, sum(x.users for x in variants))))
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


def _compare(spec, a: VariantSummary, b: VariantSummary, agg, arrays, n_total) -> tuple:
    mw = bayes = None
    if spec.metric == "converted":
        t = abstats.proportion_test(a.conversions, a.users, b.conversions, b.users, alpha=spec.alpha,
                                    alternative=spec.alternative)
        va, vb = t.mean_a * (1 - t.mean_a), t.mean_b * (1 - t.mean_b)
        if spec.bayesian:
            ctb, loss_b, _ = abstats.beta_binomial(a.conversions, a.users, b.conversions, b.users)
            bayes = (ctb, loss_b)                       # P(variant > control), loss if shipped
    elif spec.metric == "revenue":
        ra, rb = agg.loc[a.name], agg.loc[b.name]
        va, vb = float(ra["yvar"]), float(rb["yvar"])
        t = abstats.mean_test(a.value, va, a.users, b.value, vb, b.users, alpha=spec.alpha, alternative=spec.alternative)
        mw = float(stats.mannwhitneyu(arrays[b.name]["raw_value"], arrays[a.name]["raw_value"],
                                      alternative={"two-sided": "two-sided", "larger": "greater",
                                                   "smaller": "less"}[spec.alternative]).pvalue)
    else:
        sa = abstats.RatioStats.from_arrays(arrays[a.name]["raw_value"], arrays[a.name]["orders"])
        sb = abstats.RatioStats.from_arrays(arrays[b.name]["raw_value"], arrays[b.name]["orders"])
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


# ---------------------------------------------------------------- words

class _Signed(float):
    """A change that prints with a real minus sign (U+2212) under any format: ``−3.1``, ``+12.7``."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return float.__format__(self, spec).replace("-", "\u2212")








def _p_eq(p: float, name: Msg | None = None) -> Msg:
    """'p = 0.03' or 'p < 0.001'; ``name`` says which p-value (one-sided, always-valid)."""
    name = msg("p") if name is None else name
    if not np.isfinite(p):
        # TRANSLATORS: {name} is "p", "p-value", "one-sided p-value" or "always-valid p-value"; {p_value} is "n/a" (not available)
        return msg("{name} = {p_value}", name=name, p_value=msg("n/a"))
    if p < 0.001:
        # TRANSLATORS: {name} is "p", "p-value", "one-sided p-value" or "always-valid p-value"
        return msg("{name} < {limit:g}", name=name, limit=0.001)
    if p < 0.01:
        # TRANSLATORS: {name} is "p", "p-value", "one-sided p-value" or "always-valid p-value"
        return msg("{name} = {p_value:.3f}", name=name, p_value=float(p))
    # TRANSLATORS: {name} is "p", "p-value", "one-sided p-value" or "always-valid p-value"
    return msg("{name} = {p_value:.2f}", name=name, p_value=float(p))


def _fmt_value(x: float, metric: str) -> Msg:
    if not np.isfinite(x):
        return msg("n/a")
    if metric == "converted":
        # TRANSLATORS: a conversion rate in percent
        return msg("{percent:.2f} %", percent=float(x) * 100)
    # TRANSLATORS: revenue per user or average order value
    return msg("{value:,.2f}", value=float(x))


def _fmt_pct(x: float) -> Msg:
    """A relative change in percent with its sign: ``+12.7 %``, ``−3.1 %``."""
    if not np.isfinite(x):
        return msg("n/a")
    # TRANSLATORS: a relative change in percent, with its sign
    return msg("{change:+.1f} %", change=_Signed(x * 100))


def _test_name(spec: ExperimentSpec, c: Comparison) -> Msg:
    """The technical name of the method behind a p-value and its intervals, said in brackets."""
    if c.sequential:
        # TRANSLATORS: technical names of statistical methods, shown in brackets after plain words
        return msg("always-valid confidence sequence")
    return _METHOD_NAMES[spec.metric]


_METHOD_NAMES: dict[str, Msg] = {"converted": msg("score test"), "revenue": msg("Welch t-test"),
                                 "aov": msg("delta-method t-test")}


def comparison_sentence(spec: ExperimentSpec, a: VariantSummary, b: VariantSummary, c: Comparison) -> Msg:
    """What changed, by how much and how sure, in plain words with the statistics' names in brackets:
    whole sentences (what happened; the likely range; how unlikely by chance), one template each."""
    t = c.test
    adjusted = c.p_value_adjusted != t.p_value
    p_val = c.p_value_adjusted if adjusted else t.p_value
    if c.sequential:
        p_name = msg("always-valid p-value")
    else:
        p_name = msg("one-sided p-value") if spec.alternative != "two-sided" else msg("p-value")
    v = dict(variant=b.name, control=a.name, metric=METRIC_LABELS[spec.metric], before=_fmt_value(a.value, spec.metric),
             after=_fmt_value(b.value, spec.metric), lift=_fmt_pct(t.rel_lift), level=t.ci_level * 100,
             low=_fmt_pct(t.rel_ci[0]), high=_fmt_pct(t.rel_ci[1]), p_value=_p_eq(p_val, p_name),
             alpha=spec.alpha * 100, test=_test_name(spec, c))
    if c.significant and t.abs_lift > 0:
        happened = msg("{variant} raised {metric} from {before} to {after} ({lift}).", **v)
    elif c.significant:
        happened = msg("{variant} lowered {metric} from {before} to {after} ({lift}).", **v)
    elif spec.alternative == "larger":
        happened = msg("{variant} did not detectably increase {metric}: {before} in {control} vs {after} ({lift}).", **v)
    elif spec.alternative == "smaller":
        happened = msg("{variant} did not detectably decrease {metric}: {before} in {control} vs {after} ({lift}).", **v)
    else:
        happened = msg("{variant} did not detectably change {metric}: {before} in {control} vs {after} ({lift}).", **v)
    if adjusted:      # Holm adjusts p-values, not intervals: say so, or an interval excluding 0 reads as significant
        likely = msg("The true change is likely between {low} and {high} ({level:.0f} % confidence interval, not "
                     "widened for comparing several variants).", **v)
    else:
        likely = msg("The true change is likely between {low} and {high} ({level:.0f} % confidence interval).", **v)
    if c.significant and adjusted:
        chance = msg("Even allowing for the several variants compared, a difference this large would be unlikely if "
                     "{variant} changed nothing ({p_value} after Holm correction, {test}; significant at {alpha:g} %).",
                     **v)
    elif c.significant:
        chance = msg("A difference this large would be unlikely if {variant} changed nothing ({p_value}, {test}; "
                     "significant at {alpha:g} %).", **v)
    elif adjusted:
        chance = msg("Allowing for the several variants compared, a difference this large could be chance ({p_value} "
                     "after Holm correction, {test}; not significant at {alpha:g} %).", **v)
    else:
        chance = msg("A difference this large could be chance ({p_value}, {test}; not significant at {alpha:g} %).",
                     **v)
    parts = [happened, likely, chance]
    if not c.significant and spec.alternative == "larger" and t.rel_ci[1] < 0:
        parts.append(msg("It moved the other way ({lift}), which a one-sided test for an increase cannot call "
                         "significant; look at it before shipping.", lift=v["lift"]))
    if not c.significant and spec.alternative == "smaller" and t.rel_ci[0] > 0:
        parts.append(msg("It moved the other way ({lift}), which a one-sided test for a decrease cannot call "
                         "significant; look at it before shipping.", lift=v["lift"]))
    return _sentences(parts)


def default_question(res: "ExperimentResult") -> Msg:
    """The question a test answers when the user has not typed one (the decision memo's title)."""
    metric = METRIC_LABELS[res.spec.metric]
    if len(res.comparisons) == 1:
        return msg("Does {variant} change {metric} compared with {control}?", variant=res.comparisons[0].variant,
                   metric=metric, control=res.control)
    return msg("Does any variant change {metric} compared with {control}?", metric=metric, control=res.control)


def _verdict(spec, variants, comps, checks: DataChecks) -> Msg | str:
    by = {v.name: v for v in variants}
    parts = [comparison_sentence(spec, variants[0], by[c.variant], c) for c in comps]
    if checks.srm_flag:
        observed = _listing([msg("{variant} {users:,}", variant=k, users=v) for k, v in checks.observed], " / ")
        return msg("Not trustworthy: the users per variant ({observed}) do not match the intended split (sample ratio "
                   "mismatch, {p_value}), so assignment or tracking is broken and the lifts below may be biased. Fix "
                   "the cause before deciding. As measured: {results}", observed=observed,
                   p_value=_p_eq(checks.srm_p_value), results=_sentences(parts))
    if len(parts) > 2:
        sig = [c.variant for c in comps if c.significant]
        if sig:
            head = msg("{significant} of {total} variants differ significantly from {control} ({variants}).",
                       significant=len(sig), total=len(comps), control=variants[0].name, variants=", ".join(sig))
        else:
            head = msg("{significant} of {total} variants differ significantly from {control}.",
                       significant=0, total=len(comps), control=variants[0].name)
        return msg("{first} {second}", first=head,
                   second=_sentences([p for p, c in zip(parts, comps) if c.significant]))
    return _sentences(parts)


Call = Literal["ship", "dont_ship_yet", "no_change"]
# The decision's headline words (the JSON keeps the call's code; an interface shows the headline).
CALLS: dict[str, str] = {"ship": N_("Ship"), "dont_ship_yet": N_("Don't ship yet"),
                         "no_change": N_("No detectable change")}


@dataclass(frozen=True)
class Decision:
    """What to do, in one sentence that starts with the headline and gives the reason."""

    call: Call
    variant: str | None                        # the variant to ship (ship), or the one the reason is about
    sentence: Msg                              # "Ship B, because it raised conversion ... (+1.6 %)."

    @property
    def headline(self) -> Msg:
        if self.call == "ship":
            return msg("Ship {variant}", variant=self.variant)
        return Msg(CALLS[self.call])

    def to_json(self) -> dict:
        return {"call": self.call, "variant": self.variant, "headline": str(self.headline),
                "sentence": str(self.sentence)}


def decide(spec: ExperimentSpec, variants, comps, checks: DataChecks) -> Decision:
    """Ship / Don't ship yet / No detectable change, with the reason in one sentence.

    Don't ship yet when the data cannot be trusted (sample ratio mismatch), when the planned sample is
    not reached (fixed-horizon tests), when a variant made things significantly worse and none better,
    or when the winner's evidence is fragile (too few conversions, mean and rank tests disagreeing on
    revenue). Ship the variant with the largest significant gain otherwise; no detectable change when
    no variant differs significantly.
    """
    by = {v.name: v for v in variants}
    control = variants[0]
    if checks.srm_flag:
        return Decision("dont_ship_yet", None, msg(
            "Don't ship yet, because the users per variant do not match the intended split (sample ratio mismatch, "
            "{p_value}): fix the assignment or tracking first.", p_value=_p_eq(checks.srm_p_value)))
    smallest = min(v.users for v in variants)
    if spec.planned_users_per_variant and not spec.sequential and smallest < spec.planned_users_per_variant:
        return Decision("dont_ship_yet", None, msg(
            "Don't ship yet, because the planned sample is not reached ({smallest:,} of {planned:,} users per "
            "variant) and stopping early makes false wins likely.", smallest=smallest,
            planned=spec.planned_users_per_variant))
    gains = [c for c in comps if c.significant and c.test.abs_lift > 0]
    losses = [c for c in comps if c.significant and c.test.abs_lift < 0]
    if gains:
        best = max(gains, key=lambda c: c.test.rel_lift if np.isfinite(c.test.rel_lift) else c.test.abs_lift)
        b = by[best.variant]
        v = dict(variant=b.name, metric=METRIC_LABELS[spec.metric], before=_fmt_value(control.value, spec.metric),
                 after=_fmt_value(b.value, spec.metric), lift=_fmt_pct(best.test.rel_lift),
                 low=_fmt_pct(best.test.rel_ci[0]))
        few = spec.metric == "converted" and min(b.conversions, control.conversions) < MIN_CONVERSIONS
        if few:
            return Decision("dont_ship_yet", b.name, msg(
                "Don't ship yet, because {variant}'s gain rests on fewer than {minimum} conversions in an arm, too "
                "few to trust the result.", variant=b.name, minimum=MIN_CONVERSIONS))
        if best.mann_whitney_p is not None and not spec.sequential and best.mann_whitney_p >= spec.alpha:
            return Decision("dont_ship_yet", b.name, msg(
                "Don't ship yet, because {variant}'s higher {metric} comes from a few large values: the rank test "
                "finds no difference ({p_value}).", p_value=_p_eq(best.mann_whitney_p), **v))
        if losses:
            worse = ", ".join(c.variant for c in losses)
            return Decision("ship", b.name, msg(
                "Ship {variant}, because it raised {metric} from {before} to {after} ({lift}) and even the low end "
                "of its likely range is a gain ({low}); do not ship {worse}, which did worse.", worse=worse, **v))
        return Decision("ship", b.name, msg(
            "Ship {variant}, because it raised {metric} from {before} to {after} ({lift}) and even the low end of "
            "its likely range is a gain ({low}).", **v))
    if losses:
        worst = min(losses, key=lambda c: c.test.abs_lift)
        b = by[worst.variant]
        return Decision("dont_ship_yet", b.name, msg(
            "Don't ship yet, because {variant} lowered {metric} from {before} to {after} ({lift}): keep {control}.",
            variant=b.name, metric=METRIC_LABELS[spec.metric], before=_fmt_value(control.value, spec.metric),
            after=_fmt_value(b.value, spec.metric), lift=_fmt_pct(worst.test.rel_lift), control=control.name))
    if len(comps) == 1:
        c = comps[0]
        low, high = c.test.rel_ci
        if (spec.alternative == "larger" and high < 0) or (spec.alternative == "smaller" and low > 0):
            return Decision("dont_ship_yet", c.variant, msg(
                "Don't ship yet, because {variant} moved {metric} the other way ({lift}), which this one-sided test "
                "cannot call significant: look at it before deciding.", variant=c.variant,
                metric=METRIC_LABELS[spec.metric], lift=_fmt_pct(c.test.rel_lift)))
        return Decision("no_change", c.variant, msg(
            "No detectable change, because {variant}'s likely change ({low} to {high}) includes no change; more "
            "users would narrow it.", variant=c.variant, low=_fmt_pct(c.test.rel_ci[0]),
            high=_fmt_pct(c.test.rel_ci[1])))
    return Decision("no_change", None, msg(
        "No detectable change, because no variant's {metric} differs from {control} by more than chance; more users "
        "would narrow the intervals.", metric=METRIC_LABELS[spec.metric], control=control.name))


def _warnings(spec, variants, comps, checks, cuped_info) -> list[Msg]:
    out = []
    if checks.srm_flag:
        out.append(msg("Sample ratio mismatch ({p_value}, flagged below {threshold:g}): the split of users differs "
                       "from the intended one; the result is not trustworthy until the cause is found.",
                       p_value=_p_eq(checks.srm_p_value), threshold=spec.srm_threshold))
    if spec.metric == "converted":
        few = [v.name for v in variants if v.conversions < MIN_CONVERSIONS or v.users - v.conversions < MIN_CONVERSIONS]
        if few:
            out.append(msg("Fewer than {minimum} conversions (or non-conversions) in {variants}: the normal "
                           "approximation behind the p-value and intervals is unreliable.",
                           minimum=MIN_CONVERSIONS, variants=", ".join(few)))
    if spec.planned_users_per_variant and not spec.sequential:
        smallest = min(v.users for v in variants)
        if smallest < spec.planned_users_per_variant:
            out.append(msg("The planned sample ({planned:,} users per variant) is not reached yet (smallest variant: "
                           "{smallest:,}). Stopping early on a significant result inflates false positives (peeking); "
                           "wait for the plan, or use the sequential option.",
                           planned=spec.planned_users_per_variant, smallest=smallest))
    for c in comps:                  # robustness check (fixed-horizon, so not against always-valid p-values)
        if (c.mann_whitney_p is not None and not spec.sequential
                and (c.mann_whitney_p < spec.alpha) != (c.test.p_value < spec.alpha)):
            v = dict(variant=c.variant, welch_p=_p_eq(c.test.p_value), rank_p=_p_eq(c.mann_whitney_p))
            if spec.winsorize_pct:
                out.append(msg("For {variant}, the Welch t-test on means ({welch_p}) and the Mann-Whitney rank test "
                               "({rank_p}) disagree: revenue is skewed or mostly zero, so the difference in means is "
                               "uncertain.", **v))
            else:
                out.append(msg("For {variant}, the Welch t-test on means ({welch_p}) and the Mann-Whitney rank test "
                               "({rank_p}) disagree: revenue is skewed or mostly zero, so the difference in means is "
                               "uncertain; consider capping revenue (winsorizing).", **v))
    if spec.sequential and spec.alternative != "two-sided":
        out.append(msg("Sequential intervals and p-values are two-sided; the one-sided setting was not applied to "
                       "them."))
    return out


def _caveats(spec, comps, cuped_info) -> list[Msg]:
    out = []
    if len(comps) > 1:
        if spec.correction == "holm":
            out.append(msg("With {comparisons} variants compared with the control, each p-value is raised so that the "
                           "chance of any false win stays at the significance level (Holm correction); the intervals "
                           "are not widened.", comparisons=len(comps)))
        else:
            out.append(msg("With {comparisons} variants compared with the control, the p-values are NOT raised for the "
                           "extra chances of a false win (no multiple-comparison correction); the intervals are not "
                           "widened either.", comparisons=len(comps)))
    if spec.alternative != "two-sided":
        out.append(msg("The test looks in one direction only (one-sided), so the interval shown is the {level:.0%} "
                       "interval, whose relevant end matches that test.", level=1 - 2 * spec.alpha))
    if cuped_info and cuped_info.theta != 0:
        out.append(msg("Revenue before the test of {units:,} units was used to remove noise that existed before it "
                       "(CUPED), reducing the variance by {reduction:.1%}.", units=cuped_info.units_with_pre_data,
                       reduction=cuped_info.variance_reduction))
    if spec.metric == "aov":
        out.append(msg("Average order value is a ratio: its uncertainty is counted per user, the unit that was "
                       "randomized, not per order (delta method)."))
    if spec.sequential:
        out.append(msg("The p-value and both intervals come from one always-valid confidence sequence (the relative "
                       "one by Fieller's method), so a result is significant exactly when its interval excludes no "
                       "change, however often the results are looked at."))
    elif spec.metric == "converted":
        out.append(msg("The p-value and both intervals come from one method (score test), so a result is significant "
                       "exactly when its interval excludes no change."))
    else:
        out.append(msg("The p-value and both intervals come from one test (Welch t-test; the relative interval by "
                       "Fieller's method), so a result is significant exactly when its interval excludes no change."))
    return out


# ---------------------------------------------------------------- events + assignments

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "min": "minutes", "m": "minutes", "s": "seconds"}


def parse_window(window: str | pd.Timedelta) -> pd.Timedelta:
    """'7d', '24h', '30min', '2w', '90s' (or a Timedelta) -> Timedelta."""
    if isinstance(window, pd.Timedelta):
        return window
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(w|d|h|min|m|s)\s*", str(window).lower())
    if not m:
        raise CxDataError(msg("cannot read the window {window!r}.", window=window),
                          hint=msg("Use e.g. 7d, 24h or 30min."))
    return pd.Timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})


def conversions_from_events(experiment: Dataset, events: Dataset, event: str, window: str | pd.Timedelta = "7d"
                            ) -> Dataset:
    """Experiment dataset whose ``converted`` says whether the unit did ``event`` within ``window`` after
    its exposure (``exposed_at <= timestamp <= exposed_at + window``) and whose ``revenue`` sums the
    events' revenue in that window (when events carry revenue). Units match on unit_id = user_id.
    One DuckDB range join, no per-user loop. Rows without exposure time get converted = NaN.

    Examples
    --------
    >>> import cxlib as cx
    >>> exp = cx.load("sample_data/experiment_checkout.csv")
    >>> events = cx.load("sample_data/events.csv")
    >>> joined = cx.conversions_from_events(exp, events, "purchase", "7d")
    >>> joined.role, "converted" in joined.df.columns
    ('experiment', True)
    """
    import duckdb
    win = parse_window(window)
    if win <= pd.Timedelta(0):
        raise CxDataError(msg("the conversion window must be positive."), hint=msg("Use e.g. 7d."))
    if not experiment.has("exposed_at"):
        raise CxDataError(msg("the assignments have no exposure time."), file=experiment.name,
                          hint=msg("Map the exposure timestamp (exposed_at) to join events within a window."))
    names = events.df["event"].dropna().unique()
    if event not in set(names):
        raise CxDataError(msg("event '{event}' does not occur in the events data.", event=event), file=events.name,
                          hint=msg("Events found: {events}.", events=", ".join(map(str, sorted(names)[:15]))))
    u = pd.DataFrame({"rid": np.arange(len(experiment.df)), "unit_id": experiment.df["unit_id"].astype(object),
                      "t0": experiment.df["exposed_at"]})
    e = events.df.loc[events.df["event"] == event]
    ev = pd.DataFrame({"user_id": e["user_id"].astype(object), "ts": e["timestamp"],
                       "rev": e["revenue"] if "revenue" in e.columns else 0.0})
    con = duckdb.connect()
    try:
        con.register("u", u)
        con.register("ev", ev)
        out = con.execute("""
            SELECT u.rid, count(ev.user_id) AS hits, coalesce(sum(ev.rev), 0) AS rev
            FROM u LEFT JOIN ev ON ev.user_id = u.unit_id AND ev.ts >= u.t0
                 AND ev.ts <= u.t0 + to_microseconds(?::BIGINT)
            GROUP BY u.rid ORDER BY u.rid""", [int(win / pd.Timedelta(microseconds=1))]).df()
    finally:
        con.close()
    df = experiment.df.copy()
    conv = (out["hits"].to_numpy() > 0).astype(float)
    df["converted"] = np.where(df["exposed_at"].isna().to_numpy(), np.nan, conv)
    if "revenue" in events.df.columns and not experiment.has("revenue"):
        df["revenue"] = out["rev"].to_numpy(float)
    report = replace(experiment.report, warnings=experiment.report.warnings + (
        (msg("{units:,} units have no exposure time: conversion unknown.", units=int(df["exposed_at"].isna().sum())),)
        if df["exposed_at"].isna().any() else ()))
    # TRANSLATORS: how conversion was read: an event name, then a time window such as 7d
    mapping = {**experiment.mapping, "converted": msg("{event} within {window}", event=event, window=window)}
    return Dataset(name=f"{experiment.name} + {events.name}", role="experiment", df=df, mapping=mapping,
                   report=report, content_hash=f"{experiment.content_hash}|{events.content_hash}|{event}|{win}")


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


def cli_run(ds: Dataset, args: argparse.Namespace) -> dict:
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
