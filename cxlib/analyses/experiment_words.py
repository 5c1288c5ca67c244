"""The A/B test in words: the sentence per comparison, the verdict, the ship / don't-ship-yet decision,
the warnings and caveats (the numbers they speak of: :mod:`cxlib.analyses.experiment`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from cxlib.core.messages import N_, Msg, msg
from cxlib.core.messages import listing as _listing, sentences as _sentences


# Metric names as they sit inside sentences ("B raised {metric} from ..."); Msg so a sentence translates them.
# TRANSLATORS: a metric's name inside A/B sentences ("B raised {metric} from ...", "Lift in {metric} over A"), lower case
METRIC_LABELS: dict[str, Msg] = {"converted": msg("conversion"), "revenue": msg("revenue per user"),
                                 "aov": msg("average order value")}


MIN_CONVERSIONS = 10


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


def _test_name(spec, c) -> Msg:
    """The technical name of the method behind a p-value and its intervals, said in brackets."""
    if c.sequential:
        # TRANSLATORS: technical names of statistical methods, shown in brackets after plain words
        return msg("always-valid confidence sequence")
    return _METHOD_NAMES[spec.metric]


_METHOD_NAMES: dict[str, Msg] = {"converted": msg("score test"), "revenue": msg("Welch t-test"),
                                 "aov": msg("delta-method t-test")}


def comparison_sentence(spec, a, b, c) -> Msg:
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


def default_question(res) -> Msg:
    """The question a test answers when the user has not typed one (the decision memo's title)."""
    metric = METRIC_LABELS[res.spec.metric]
    if len(res.comparisons) == 1:
        return msg("Does {variant} change {metric} compared with {control}?", variant=res.comparisons[0].variant,
                   metric=metric, control=res.control)
    return msg("Does any variant change {metric} compared with {control}?", metric=metric, control=res.control)


def _verdict(spec, variants, comps, checks) -> Msg | str:
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


def decide(spec, variants, comps, checks) -> Decision:
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


__all__ = ["CALLS", "Decision", "METRIC_LABELS", "MIN_CONVERSIONS", "comparison_sentence", "decide",
           "default_question"]
