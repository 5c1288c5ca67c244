"""Survey metrics: NPS, CSAT and CES with confidence intervals, by segment and over time.

Scores are cleaned the same way everywhere (:func:`clean_scores`): blanks are excluded, answers
that are not numbers (and not a known CSAT text label) or fall outside the scale are excluded and
reported in ``warnings`` with counts and examples.

Intervals (95 %):
- NPS: normal approximation with the multinomial variance
  ``var = (p_prom + p_detr - (p_prom - p_detr)^2) / n``, in NPS points, clipped to [-100, 100].
- CSAT top-2-box % and CES % easy: Wilson score interval.
- Means: Student t interval ``mean +- t(0.975, n-1) * sd / sqrt(n)``.
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame  # noqa: F401 - the examples below use it
from cxlib.core.definitions import DefinitionSet
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.messages import sentences as _sentences
from cxlib.core.stats import proportion_ci
from cxlib.analyses.survey_scores import CSAT_LABELS, Scores, SurveyMetric, clean_scores, from_cells  # noqa: F401

Freq = Literal["week", "month"]
Z95 = 1.959963984540054
MIN_N = 30                            # below this, a result carries a small-sample warning
BLANK = N_("(blank)")                 # group of answers whose segment value is empty (stored in English)
# Column names of the tables shown to people (to_frame()); an interface translates them for display.
COLUMNS = (N_("score"), N_("responses"), N_("group"), N_("n"), N_("value"), N_("ci_low"), N_("ci_high"),
           N_("metric"), N_("answered_at"), N_("respondent_id"), N_("comment"))

# ---------------------------------------------------------------------------------------------
# Interval formulas (vectorized: accept scalars or arrays)
def nps_ci(promoters, detractors, n) -> tuple:
    """NPS (points) and its 95 % CI from counts, with the multinomial variance; clipped to +-100."""
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        pp = np.asarray(promoters, dtype="float64") / n
        pd_ = np.asarray(detractors, dtype="float64") / n
        score = (pp - pd_) * 100.0
        var = (pp + pd_ - (pp - pd_) ** 2) / n
        half = Z95 * np.sqrt(np.clip(var, 0, None)) * 100.0
    return score, np.clip(score - half, -100, 100), np.clip(score + half, -100, 100)


def mean_ci(total, total_sq, n) -> tuple:
    """Mean and Student-t 95 % interval from sums (n < 2 -> NaN bounds)."""
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(total, dtype="float64") / n
        var = (np.asarray(total_sq, dtype="float64") - n * mean ** 2) / (n - 1)
        se = np.sqrt(np.clip(var, 0, None) / n)
        tcrit = special.stdtrit(np.where(n > 1, n - 1, np.nan), 0.975)   # stats.t.ppf's own function
    return mean, mean - tcrit * se, mean + tcrit * se


# ---------------------------------------------------------------------------------------------
# Results
def _small(n: int, what: str) -> tuple[Msg, ...]:
    if n == 0:
        return (msg("No valid {metric} answers: the metric cannot be computed.", metric=what),)
    if n < MIN_N:
        return (msg("Only {n} valid {metric} answers: the interval is wide, read the score with care.", n=n,
                    metric=what),)
    return ()


@dataclass(frozen=True)
class NpsResult(Result):
    score: float                     # NPS points, -100..100 (NaN when n == 0)
    n: int
    promoters: int
    passives: int
    detractors: int
    ci95: tuple[float, float]
    distribution: tuple[int, ...] = ()   # counts of answers 0..10
    warnings: tuple[Msg, ...] = ()

    def to_json(self) -> dict:
        return {"score": _r2(self.score), "n": self.n, "promoters": self.promoters, "passives": self.passives,
                "detractors": self.detractors, "ci95": [_r2(self.ci95[0]), _r2(self.ci95[1])],
                "promoters_pct": _pct(self.promoters, self.n), "detractors_pct": _pct(self.detractors, self.n),
                "distribution": list(self.distribution)}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"score": list(range(11)), "responses": list(self.distribution or [0] * 11)})

    def summary(self) -> Msg:
        if not self.n:
            return msg("NPS: no valid answers.")
        return msg("NPS {score:+.1f} (95% CI {low:+.1f} to {high:+.1f}), n={n}: {promoters} promoters, "
                   "{passives} passives, {detractors} detractors.", score=self.score, low=self.ci95[0],
                   high=self.ci95[1], n=self.n, promoters=self.promoters, passives=self.passives,
                   detractors=self.detractors)


@dataclass(frozen=True)
class ScaleResult(Result):
    """CSAT or CES: mean with CI, a share (top-2-box % / % easy) with CI, and the distribution."""

    metric: str                      # "csat" | "ces"
    n: int
    mean: float
    mean_ci95: tuple[float, float]
    share_pct: float                 # CSAT top-2-box % or CES % easy, 0..100
    share_ci95: tuple[float, float]  # in % points
    headline: float                  # the value the definition selects (share or mean)
    headline_ci95: tuple[float, float]
    distribution: tuple[tuple[float, int], ...] = ()   # (answer, count)
    warnings: tuple[Msg, ...] = ()

    def to_json(self) -> dict:
        share_key = "top2_pct" if self.metric == "csat" else "easy_pct"
        return {share_key: _r2(self.share_pct), "mean": _r4(self.mean), "n": self.n,
                f"{share_key[:-4]}_ci95": [_r2(self.share_ci95[0]), _r2(self.share_ci95[1])],
                "mean_ci95": [_r4(self.mean_ci95[0]), _r4(self.mean_ci95[1])],
                "distribution": {f"{k:g}": v for k, v in self.distribution}}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.distribution), columns=["score", "responses"])

    def summary(self) -> Msg:
        name = self.metric.upper()
        if not self.n:
            return msg("{metric}: no valid answers.", metric=name)
        if self.metric == "csat":
            return msg("{metric} top-2-box {share:.1f}%, mean {mean:.2f}, n={n}.", metric=name,
                       share=self.share_pct, mean=self.mean, n=self.n)
        return msg("{metric} easy {share:.1f}%, mean {mean:.2f}, n={n}.", metric=name, share=self.share_pct,
                   mean=self.mean, n=self.n)


def _r2(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 2)


def _r4(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


def _pct(k: int, n: int) -> float | None:
    return round(100.0 * k / n, 2) if n else None


def _column(ds: Dataset, metric: str) -> str:
    if metric not in ds.columns:
        raise CxDataError(msg("this survey has no {metric} column.", metric=metric.upper()), file=ds.name,
                          column=metric, hint=msg("Map a score column to it on the Data page, or pick another metric."))
    return metric


def _scores(ds: Dataset, metric: SurveyMetric, defs: DefinitionSet) -> Scores:
    """The verdict on one score column: from the engine's counts per distinct cell when the table stays there
    (:attr:`Dataset.aggregate_on_engine`), else from the pandas column."""
    if ds.aggregate_on_engine:
        return _counted(ds, metric, defs)[0]
    return clean_scores(ds.df[_column(ds, metric)], metric, defs)


def _counted(ds: Dataset, metric: SurveyMetric, defs: DefinitionSet, **keys) -> tuple[Scores, pd.DataFrame]:
    """On the engine: the verdict on ``metric`` and its valid answers (``v``) with their counts (``n``) per
    distinct cell and ``keys`` (:func:`cxlib.analyses.survey_engine.cells`)."""
    from cxlib.analyses.survey_engine import cells
    from cxlib.analyses.survey_scores import parse
    c = cells(ds, _column(ds, metric), **keys)
    whole = (c.groupby("cell", dropna=False, sort=False).agg(n=("n", "sum"), first=("first", "min"))
             .sort_values("first", kind="stable"))
    sc, _ = from_cells(whole.index.to_series(), whole["n"], metric, defs)
    num = parse(c["cell"], metric)[0]
    return sc, c.assign(v=num)[sc.keep(num)]


def _dist_sums(sc: Scores) -> tuple[np.ndarray, np.ndarray, int]:
    """(valid values ascending, answers per value, n)."""
    return sc.counts.index.to_numpy(dtype="float64"), sc.counts.to_numpy(dtype="int64"), int(sc.counts.sum())


def nps(ds: Dataset, defs: DefinitionSet | None = None) -> NpsResult:
    """NPS with counts, 95 % CI and the 0-10 distribution.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = from_frame(pd.DataFrame({"nps": [10, 9, 8, 3]}), "responses")
    >>> nps(ds).score
    25.0
    """
    defs = defs or DefinitionSet.default()
    sc = _scores(ds, "nps", defs)
    v, c, n = _dist_sums(sc)
    prom = int(c[v >= defs.nps.promoter_min].sum())
    det = int(c[v <= defs.nps.detractor_max].sum())
    score, lo, hi = nps_ci(prom, det, n) if n else (np.nan, np.nan, np.nan)
    dist = tuple(int(x) for x in np.bincount(np.floor(v).astype(int), weights=c, minlength=11)[:11]) if n else (0,) * 11
    return NpsResult(float(score), n, prom, n - prom - det, det, (float(lo), float(hi)), dist,
                     sc.warnings + _small(n, "NPS"))


def _scale(ds: Dataset, metric: Literal["csat", "ces"], defs: DefinitionSet) -> ScaleResult:
    sc = _scores(ds, metric, defs)
    v, c, n = _dist_sums(sc)
    good = int(c[_good_mask(v, metric, defs)].sum())
    mean, mlo, mhi = mean_ci((v * c).sum(), (v ** 2 * c).sum(), n) if n else (np.nan, np.nan, np.nan)
    p, plo, phi = proportion_ci(good, n) if n else (np.nan, np.nan, np.nan)
    dist = tuple((float(k), int(x)) for k, x in zip(v, c))
    share, share_ci = float(p) * 100, (float(plo) * 100, float(phi) * 100)
    if metric == "csat" and defs.csat.mode == "mean":
        headline, head_ci = float(mean), (float(mlo), float(mhi))
    elif metric == "ces":
        headline, head_ci = float(mean), (float(mlo), float(mhi))
    else:
        headline, head_ci = share, share_ci
    return ScaleResult(metric, n, float(mean), (float(mlo), float(mhi)), share, share_ci, headline, head_ci,
                       dist, sc.warnings + _small(n, metric.upper()))


def _good_mask(v, metric: str, defs: DefinitionSet):
    """Which answers (an array or Series of valid values) are top-2-box (CSAT) or easy (CES)."""
    if metric == "csat":
        return v >= defs.csat.top2_min
    if metric == "ces":
        return v >= defs.ces.easy_min if defs.ces.higher_is_easier else v <= defs.ces.easy_max
    raise ValueError(metric)


def csat(ds: Dataset, defs: DefinitionSet | None = None) -> ScaleResult:
    """CSAT: top-2-box % (Wilson CI), mean (t CI), distribution; ``headline`` follows ``defs.csat.mode``.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.csat(cx.load("sample_data/survey_responses.csv"))
    >>> res.n, round(res.share_pct, 2)                      # top-2-box % on the 1-5 scale
    (857, 72.58)
    """
    return _scale(ds, "csat", defs or DefinitionSet.default())


def ces(ds: Dataset, defs: DefinitionSet | None = None) -> ScaleResult:
    """CES: mean (t CI) and % easy (Wilson CI) per ``defs.ces``; ``headline`` is the mean.

    Examples
    --------
    >>> import cxlib as cx
    >>> res = cx.ces(cx.load("sample_data/survey_responses.csv"))
    >>> res.n, round(res.share_pct, 2)                      # % easy (5-7 on the 1-7 scale)
    (830, 77.59)
    """
    return _scale(ds, "ces", defs or DefinitionSet.default())


def available(ds: Dataset) -> tuple[str, ...]:
    """Score metrics present (with at least one non-empty cell) in a responses dataset."""
    return tuple(m for m in ("nps", "csat", "ces") if ds.has(m))


# ---------------------------------------------------------------------------------------------
# By segment / over time
@dataclass(frozen=True)
class GroupedResult(Result):
    """A metric per group (segment value or period): value, 95 % CI, n. ``to_frame()`` is tidy."""

    metric: str
    by: str                          # field name or "week"/"month"
    frame: pd.DataFrame              # columns: group, n, value, ci_low, ci_high
    description: str = ""            # the definition sentence (a Msg)
    warnings: tuple[Msg, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_json(self) -> dict:
        f = self.frame.astype({"group": str})
        return {"metric": self.metric, "by": self.by,
                "groups": [{k: (_r4(v) if isinstance(v, float) else v) for k, v in row.items()}
                           for row in f.to_dict("records")]}

    def summary(self) -> Msg:
        name, groups = self.metric.upper(), len(self.frame)
        if self.by == "week":
            return msg("{metric} by week: {groups} groups.", metric=name, groups=groups)
        if self.by == "month":
            return msg("{metric} by month: {groups} groups.", metric=name, groups=groups)
        return msg("{metric} by {field}: {groups} groups.", metric=name, field=self.by, groups=groups)


def _grouped(counts: pd.DataFrame, metric: SurveyMetric, defs: DefinitionSet) -> pd.DataFrame:
    """Per-group value + CI from answers per group and value (columns ``g``, ``v``, ``n``), vectorized."""
    c = counts.groupby(["g", "v"], observed=True, dropna=True, sort=True)["n"].sum().reset_index()
    v, n = c["v"].astype("float64"), c["n"].astype("float64")
    work = pd.DataFrame({"g": c["g"], "n": n, "total": v * n, "total_sq": v ** 2 * n})
    if metric == "nps":
        work["prom"] = n.where(v >= defs.nps.promoter_min, 0.0)
        work["det"] = n.where(v <= defs.nps.detractor_max, 0.0)
    else:
        work["good"] = n.where(_good_mask(v, metric, defs), 0.0)
    agg = work.groupby("g", observed=True, dropna=True, sort=True).sum()
    if metric == "nps":
        val, lo, hi = nps_ci(agg["prom"], agg["det"], agg["n"])
    elif metric == "csat" and defs.csat.mode == "top2_pct":
        val, lo, hi = (x * 100 for x in proportion_ci(agg["good"], agg["n"]))
    else:
        val, lo, hi = mean_ci(agg["total"], agg["total_sq"], agg["n"])
    out = pd.DataFrame({"group": agg.index, "n": agg["n"].astype("int64").to_numpy(),
                        "value": np.asarray(val, dtype="float64"), "ci_low": np.asarray(lo, dtype="float64"),
                        "ci_high": np.asarray(hi, dtype="float64")})
    return out.reset_index(drop=True)


def _segment(values: pd.Series) -> pd.Series:
    """The group of each value of a breakdown column: its text, trimmed; empty -> (blank)."""
    return values.astype("string").str.strip().fillna(BLANK).replace("", BLANK)


def by_segment(ds: Dataset, metric: SurveyMetric, by: str, defs: DefinitionSet | None = None,
               *, max_groups: int = 30) -> GroupedResult:
    """``metric`` per value of column ``by`` (largest groups first, at most ``max_groups``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"nps": [10, 9, 8, 3], "country": ["DE", "DE", "FR", "FR"],
    ...     "answered_at": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-04"],
    ...     "comment": ["Fast delivery", "", "late parcel", "Late again"]})
    >>> ds = from_frame(df, "responses")
    >>> by_segment(ds, "nps", "country").to_frame()[["group", "n", "value"]].values.tolist()
    [['DE', 2, 100.0], ['FR', 2, -50.0]]
    """
    defs = defs or DefinitionSet.default()
    if by not in ds.columns:
        raise CxDataError(msg("no column {column!r} to break down by.", column=by), file=ds.name,
                          hint=msg("Columns: {columns}.", columns=", ".join(map(str, ds.columns[:20]))))
    if ds.aggregate_on_engine:
        sc, c = _counted(ds, metric, defs, by=by)
        counts = pd.DataFrame({"g": _segment(c["key"]), "v": c["v"], "n": c["n"]})
    else:
        sc = clean_scores(ds.df[_column(ds, metric)], metric, defs)
        counts = pd.DataFrame({"g": _segment(ds.df[by]).loc[sc.values.index], "v": sc.values, "n": 1})
    frame = _grouped(counts, metric, defs).sort_values("n", ascending=False, kind="stable")
    warnings = list(sc.warnings)
    if len(frame) > max_groups:
        warnings.append(msg("{count} values of {field}: showing the {shown} largest.", count=len(frame), field=by,
                            shown=max_groups))
        frame = frame.head(max_groups)
    small = int((frame["n"] < MIN_N).sum())
    if small:
        warnings.append(msg("{count} group(s) have fewer than {min_n} answers: their intervals are wide.",
                            count=small, min_n=MIN_N))
    return GroupedResult(metric, by, frame.reset_index(drop=True), defs.describe(metric), tuple(warnings))


def _period(ts: pd.Series, freq: Freq) -> pd.Series:
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None) if ts.dt.tz is not None else ts
    return naive.dt.to_period("W-SUN" if freq == "week" else "M").dt.start_time


def over_time(ds: Dataset, metric: SurveyMetric, freq: Freq = "month",
              defs: DefinitionSet | None = None) -> GroupedResult:
    """``metric`` per calendar week (Monday start) or month of ``answered_at``, with CIs.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"nps": [10, 9, 8, 3], "country": ["DE", "DE", "FR", "FR"],
    ...     "answered_at": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-04"],
    ...     "comment": ["Fast delivery", "", "late parcel", "Late again"]})
    >>> ds = from_frame(df, "responses")
    >>> over_time(ds, "nps", "month").to_frame()["value"].tolist()
    [100.0, -50.0]
    """
    defs = defs or DefinitionSet.default()
    if not ds.has("answered_at"):
        raise CxDataError(msg("this survey has no answer date, so there is no trend to show."), file=ds.name,
                          column="answered_at", hint=msg("Map a date column to answered_at on the Data page."))
    if ds.aggregate_on_engine:
        sc, c = _counted(ds, metric, defs, daily=True)
        dated = c["day"].notna()
        when = pd.to_datetime(c["day"][dated].astype("int64"), unit="D", utc=True)      # each UTC day
        counts = pd.DataFrame({"g": _period(when, freq), "v": c["v"][dated], "n": c["n"][dated]})
        undated = int(c["n"][~dated].sum())
    else:
        sc = clean_scores(ds.df[_column(ds, metric)], metric, defs)
        when = ds.df["answered_at"].loc[sc.values.index]
        dated = when.notna()
        counts = pd.DataFrame({"g": _period(when[dated], freq), "v": sc.values[dated], "n": 1})
        undated = int((~dated).sum())
    frame = _grouped(counts, metric, defs)
    warnings = list(sc.warnings)
    if undated:
        warnings.append(msg("{count} answer(s) have no date and are left out of the trend.", count=undated))
    return GroupedResult(metric, freq, frame, defs.describe(metric), tuple(warnings))


def comments(ds: Dataset, search: str = "", metric: SurveyMetric | None = None, *, limit: int = 500) -> pd.DataFrame:
    """Free-text comments with the score next to them, newest first, filtered by a plain substring.

    ``search`` is matched literally and case-insensitively (never as a regex). Text is returned as
    is: display it with ``st.dataframe`` or escape it, never render it as markdown.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"nps": [10, 9, 8, 3], "country": ["DE", "DE", "FR", "FR"],
    ...     "answered_at": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-04"],
    ...     "comment": ["Fast delivery", "", "late parcel", "Late again"]})
    >>> ds = from_frame(df, "responses")
    >>> comments(ds, "LATE")["comment"].tolist()              # newest first
    ['Late again', 'late parcel']
    """
    if not ds.has("comment"):
        return pd.DataFrame({"comment": pd.Series(dtype="string")})
    cols = [c for c in ("answered_at", "respondent_id", metric or "", "nps", "csat", "ces") if c in ds.columns]
    cols = list(dict.fromkeys(c for c in cols if c))
    if ds.aggregate_on_engine:          # the engine filters, orders and caps; the rule below checks its rows
        from cxlib.analyses.survey_engine import comment_rows
        frame = comment_rows(ds, cols, search.strip(), limit)
        return frame[_commented(frame["comment"], search)].reset_index(drop=True)
    frame = ds.df[cols + ["comment"]]
    out = frame[_commented(frame["comment"], search)]
    if "answered_at" in out.columns:
        out = out.sort_values("answered_at", ascending=False, kind="stable", na_position="last")
    return out.head(limit).reset_index(drop=True)


def _commented(comment: pd.Series, search: str) -> pd.Series:
    """Rows with a non-empty comment that contains ``search`` (literally, ignoring case) when one is given."""
    text = comment.astype("string")
    mask = text.notna() & (text.str.strip() != "")
    if search.strip():
        mask &= text.str.contains(re.escape(search.strip()), case=False, regex=True, na=False)
    return mask.fillna(False).astype(bool)


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SurveySummary(Result):
    responses: int
    nps: NpsResult | None
    csat: ScaleResult | None
    ces: ScaleResult | None
    warnings: tuple[Msg, ...] = field(default=())

    def to_json(self) -> dict:
        return {"responses": self.responses,
                # a metric with no valid answer has no score: null, not an object of nulls
                "nps": self.nps.to_json() if self.nps and self.nps.n else None,
                "csat": self.csat.to_json() if self.csat and self.csat.n else None,
                "ces": self.ces.to_json() if self.ces and self.ces.n else None,
                "warnings": list(self.warnings)}

    def to_frame(self) -> pd.DataFrame:
        rows = []
        if self.nps:
            rows.append({"metric": "nps", "value": self.nps.score, "ci_low": self.nps.ci95[0],
                         "ci_high": self.nps.ci95[1], "n": self.nps.n})
        for r in (self.csat, self.ces):
            if r:
                rows.append({"metric": r.metric, "value": r.headline, "ci_low": r.headline_ci95[0],
                             "ci_high": r.headline_ci95[1], "n": r.n})
        return pd.DataFrame(rows, columns=["metric", "value", "ci_low", "ci_high", "n"])

    def summary(self) -> Msg:
        parts = [msg("{count} responses.", count=self.responses)]
        parts += [r.summary() for r in (self.nps, self.csat, self.ces) if r]
        return _sentences(parts)


def summarize(ds: Dataset, defs: DefinitionSet | None = None) -> SurveySummary:
    """Every score metric the survey has (NPS, CSAT, CES), with warnings.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"nps": [10, 9, 8, 3], "country": ["DE", "DE", "FR", "FR"],
    ...     "answered_at": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-04"],
    ...     "comment": ["Fast delivery", "", "late parcel", "Late again"]})
    >>> ds = from_frame(df, "responses")
    >>> res = summarize(ds)
    >>> res.responses, res.nps.score, res.csat is None
    (4, 25.0, True)
    """
    defs = defs or DefinitionSet.default()
    have = available(ds)
    if not have:
        raise CxDataError(msg("this survey has no NPS, CSAT or CES answers."), file=ds.name,
                          hint=msg("Map a score column to nps, csat or ces on the Data page."))
    res_nps = nps(ds, defs) if "nps" in have else None
    res_csat = csat(ds, defs) if "csat" in have else None
    res_ces = ces(ds, defs) if "ces" in have else None
    warnings = tuple(w for r in (res_nps, res_csat, res_ces) if r for w in r.warnings)
    rows = int(ds.engine_table().count().execute()) if ds.aggregate_on_engine else len(ds.df)
    return SurveySummary(rows, res_nps, res_csat, res_ces, warnings)


def cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", help="also break NPS/CSAT down by this column")


def cli_run(ds: Dataset, args: argparse.Namespace, defs: DefinitionSet) -> dict:
    from cxlib.data.columns import resolve_column
    out = summarize(ds, defs).to_json()
    if args.by:
        col = resolve_column(ds, args.by)
        out["by"] = {m: by_segment(ds, m, col, defs).to_json()["groups"] for m in available(ds)}
    out["definitions"] = {m: defs.describe(m) for m in available(ds)}
    return out
