"""An experiment file as units: one row per unit with its variant, conversion and revenue, the data
checks (duplicates, sample ratio), the control variant and the pre-period revenue CUPED adjusts with
(taken from the one valid-orders rule of :mod:`cxlib.data.orders`). The test on them:
:mod:`cxlib.analyses.experiment`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd

from cxlib.core import abstats
from cxlib.data import counts
from cxlib.data.dataset import Dataset
from cxlib.data.orders import valid_orders
from cxlib.core.definitions import DefinitionSet
from cxlib.core.errors import CxDataError
from cxlib.data.roles import role_noun
from cxlib.core.messages import Msg, msg
from cxlib.core.messages import listing as _listing
from cxlib.analyses.experiment_words import METRIC_LABELS, _p_eq


CONTROL_NAMES = ("control", "a", "baseline", "original", "old", "base", "default", "champion", "existing", "current")


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


def column_checks(ds: Dataset, metric: str) -> list[Msg]:
    """The columns ``metric`` needs (an error when one is missing) and the first warning (no conversion column)."""
    warnings: list[Msg] = []
    if metric == "converted" and not ds.has("converted"):
        if not ds.has("revenue"):
            raise CxDataError(msg("the experiment has neither a 'converted' nor a 'revenue' column."), file=ds.name,
                              hint=msg("Map a 0/1 conversion column (or a revenue column) on the Data page."))
        warnings.append(msg("No conversion column: a unit counts as converted when its revenue is above 0."))
    if metric in ("revenue", "aov") and not ds.has("revenue"):
        raise CxDataError(msg("the {metric} metric needs a 'revenue' column.", metric=METRIC_LABELS[metric]),
                          file=ds.name, hint=msg("Map the revenue column, or choose the conversion metric."))
    return warnings


def row_warnings(ds: Dataset, metric: str, conv_missing: int, rev_missing: int, left_out: list[Msg], several: int
                 ) -> list[Msg]:
    """What the rows kept say, after :func:`column_checks`: kept rows without a conversion value (for the
    conversion metric) or without revenue (for the others), what was left out (unless loading said it) and the
    units whose rows were combined. ``conv_missing`` counts only when the table has a conversion column."""
    warnings: list[Msg] = []
    if metric == "converted" and conv_missing:
        warnings.append(msg("{rows:,} rows have no conversion value; they count as not converted.",
                            rows=conv_missing))
    if ds.has("revenue") and rev_missing and metric != "converted":
        warnings.append(msg("{rows:,} rows have no revenue; they count as 0.", rows=rev_missing))
    # what was left out, stated once: loading states it for a loaded file (the same sentences)
    warnings += [w for w in left_out if w not in ds.report.warnings]
    if several:
        warnings.append(msg("{units:,} units have several rows in their variant; they were combined into one "
                            "(converted if any row converted, revenue summed).", units=several))
    return warnings


def _units(ds: Dataset, metric: str) -> tuple[pd.DataFrame, DataChecks, list[str]]:
    """One row per analysable unit (unit_id, variant, converted, revenue, orders, exposed_at, n) + checks.

    Vectorized on integer codes (one factorization of unit and variant, then bincounts), so a
    few million rows take seconds, not minutes."""
    df = ds.df
    warnings = column_checks(ds, metric)
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
    conv_missing, rev_missing = (int(np.isnan(c).sum()) if has_conv else 0), int(np.isnan(r).sum())
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
    warnings += row_warnings(ds, metric, conv_missing, rev_missing, counts.assignment_notes(kept), several)
    return units, checks, warnings


def pre_period_revenue(units: pd.DataFrame, orders: Dataset, defs: DefinitionSet | None = None) -> pd.Series:
    """Each unit's net revenue over its valid orders (the one rule of :mod:`cxlib.data.orders` under
    ``defs.net_revenue``; default: completed, refunded, partially refunded or no status, amount minus
    refunded) placed before the unit's exposure (or before the experiment's first exposure when a unit
    has none). Units are matched on ``unit_id == customer_id``. Returns a float Series aligned with ``units``."""
    check_orders(orders)
    start = units["exposed_at"]
    if start.isna().all():
        raise no_exposure()
    start = start.fillna(start.min())
    if orders.on_engine:                # a large orders table stays in its file: only per-unit sums come back
        return _pre_period_on_engine(units, start, orders, defs)
    od = valid_orders(orders.df, defs)[["customer_id", "ordered_at", "net"]].rename(columns={"customer_id": "unit_id"})
    u = pd.DataFrame({"row": np.arange(len(units)), "unit_id": units["unit_id"].to_numpy(), "start": start.to_numpy()})
    m = u.merge(od, on="unit_id", how="inner")
    m = m.loc[m["ordered_at"] < m["start"]]
    sums = m.groupby("row")["net"].sum()
    return pd.Series(sums.reindex(np.arange(len(units)), fill_value=0.0).to_numpy(), index=units.index)


def pre_period_sums(starts, orders: Dataset, defs: DefinitionSet | None, by: str):
    """Engine expression: the net revenue of the valid orders (customer_id = ``key``) placed before ``start``, for
    each row of the Ibis table ``starts`` (``key``, ``start`` and ``by``), summed per ``by`` (column ``x``): the
    join of :func:`pre_period_revenue` for orders kept on the engine and for the A/B engine path (``EngineUnits``)."""
    from cxlib.data.orders import order_expr
    o = order_expr(orders.engine_table(row=True), defs, one_row_per_order=orders.on_engine)
    o = o.filter(o.valid).select(customer_id=o.customer_id, ordered_at=o.ordered_at, net=o.net)
    j = starts.join(o, [starts.key == o.customer_id, o.ordered_at < starts.start])
    return j.group_by(by).aggregate(x=j.net.sum())


def _pre_period_on_engine(units: pd.DataFrame, start: pd.Series, orders: Dataset,
                          defs: DefinitionSet | None) -> pd.Series:
    """:func:`pre_period_revenue` with the orders on the engine: the units (small) go to the engine and each
    unit's sum comes back (:func:`pre_period_sums`)."""
    import ibis

    from cxlib.data import engine
    u = ibis.memtable(pd.DataFrame({"row": np.arange(len(units), dtype=np.int64),
                                    "key": units["unit_id"].astype("string").astype(object).to_numpy(),
                                    "start": start.to_numpy()}))
    sums = engine.execute(pre_period_sums(u, orders, defs, "row"))
    out = np.zeros(len(units))
    out[sums["row"].to_numpy(dtype=np.int64)] = sums["x"].to_numpy(dtype=float)
    return pd.Series(out, index=units.index)


def check_orders(orders: Dataset) -> None:
    """CUPED's covariate comes from an orders dataset."""
    if orders.role != "orders":
        raise CxDataError(msg("'{file}' is {role} data, not orders.", file=orders.name, role=role_noun(orders.role)),
                          hint=msg("Pick an orders dataset for CUPED."))


def no_exposure() -> CxDataError:
    """The error when no unit has an exposure time (CUPED cannot tell what came before the experiment)."""
    return CxDataError(msg("CUPED needs exposure times to know what is 'before the experiment'."),
                       hint=msg("Map the exposure time column (exposed_at), or turn CUPED off."))


# ---------------------------------------------------------------- sufficient statistics per variant

@dataclass(frozen=True)
class Arm:
    """One variant's sufficient statistics: all the tests read (the same from pandas and from the engine)."""

    users: int
    conversions: int
    revenue: float                         # per-unit revenue (after the cap) summed
    mean: float                            # the analysed per-unit value's mean (revenue after the cap and CUPED)
    var: float                             # its sample variance (ddof 1)
    ratio: abstats.RatioStats | None = None   # revenue / orders with the user as the unit (aov)


@dataclass(frozen=True)
class Covariate:
    """CUPED's pre-period revenue: the orders it comes from and the revenue definition applied to them."""

    orders: Dataset
    defs: DefinitionSet | None = None


class FrameUnits:
    """The units of a table read into pandas (:func:`_units`) and each variant's statistics from their arrays.

    The engine's twin is :class:`cxlib.analyses.experiment_engine.EngineUnits`; both give the names (in order
    of first appearance), the checks, the warnings, the winsorization cap, the :class:`Arm` of each variant
    (with CUPED: ``(theta, variance_reduction, units_with_pre_data)``) and the Mann-Whitney rank sums."""

    def __init__(self, ds: Dataset, metric: str) -> None:
        self.frame, self.checks, self.warnings = _units(ds, metric)
        self.names = [str(v) for v in pd.unique(self.frame["variant"])]
        self.metric = metric

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def _revenue(self, cap: float | None) -> np.ndarray:
        y = self.frame["revenue"].to_numpy(float)
        return y if cap is None else np.minimum(y, cap)

    def cap(self, pct: float) -> tuple[float, int]:
        """The winsorization cap (the pooled ``pct`` percentile of revenue per unit) and the units above it."""
        y = self._revenue(None)
        cap = float(np.percentile(y, pct))
        return cap, int((y > cap).sum())

    def arms(self, order: list[str], cap: float | None, covariate: Covariate | None
             ) -> tuple[dict[str, Arm], tuple[float, float, int] | None]:
        y = raw = self._revenue(cap)
        cuped = None
        if covariate is not None:
            x = pre_period_revenue(self.frame, covariate.orders, covariate.defs).to_numpy(float)
            y, theta, red = abstats.cuped(y, x)
            cuped = (theta, red, int((x != 0).sum()))
        units = self.frame.assign(value=y, raw_value=raw)
        g = units.groupby("variant", observed=True, sort=False)
        agg = g.agg(users=("unit_id", "size"), conversions=("converted", "sum"), revenue=("raw_value", "sum"),
                    ysum=("value", "sum"), yvar=("value", "var")).reindex(order)
        groups = {n: grp for n, grp in g} if self.metric == "aov" else {}
        arms = {n: Arm(int(r["users"]), int(r["conversions"]), float(r["revenue"]), float(r["ysum"]) / int(r["users"]),
                       float(r["yvar"]),
                       abstats.RatioStats.from_arrays(groups[n]["raw_value"], groups[n]["orders"]) if groups else None)
                for n, r in agg.iterrows()}
        return arms, cuped

    def rank_sums(self, control: str, variant: str, cap: float | None) -> tuple[float, int, int, float]:
        """(U of the variant, its units, the control's units, the tie term) over their revenue per unit."""
        y, v = self._revenue(cap), self.frame["variant"].to_numpy()
        b, a = y[v == variant], y[v == control]
        u, ties = abstats.rank_sums_of(b, a)
        return u, len(b), len(a), ties


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


def _split(names: list[str], spec) -> tuple[dict[str, float], tuple[str, ...]]:
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


__all__ = ["CONTROL_NAMES", "Arm", "Covariate", "DataChecks", "FrameUnits", "check_orders", "column_checks", "no_exposure",
           "pick_control", "pre_period_revenue", "pre_period_sums", "row_warnings"]
