"""The portable funnel: one Ibis expression that runs the same on DuckDB, PostgreSQL and Spark.

Semantics are DESIGN.md's "Funnel semantics" (the default: any start, other events allowed in
between): a unit reaches level j when some step-1 event at t0 is followed by steps 2..j, each at
a time >= the previous matched step (ties allowed), all <= t0 + window.

Formulation (no ASOF join, no engine-specific function, no UDF):

- attempts: the distinct (unit, t0) of step-1 events;
- for each step j >= 2, an inner join of the attempts that reached step j-1 with the step-j events
  of the same unit on ``ts >= t_prev AND ts <= t0 + window``, then ``MIN(ts)`` per attempt: the
  earliest match is never worse than a later one (it leaves the most room for the next steps);
- of the attempts that share their step-j match, only the latest start is kept (same next
  starting point, the latest deadline): this prunes rows and changes no level;
- a unit's level is the deepest step any of its attempts reached; users per step are the distinct
  units of each step's attempts.

This is what ``cxlib.analyses.funnel.funnel`` counts for ``order="any", start="any"``, no exclusion step
(tests/test_funnel_engine.py checks it, on all three engines in the slow parity tests).

Examples
--------
>>> import pandas as pd
>>> from cxlib import engine
>>> ev = engine.table(pd.DataFrame({
...     "user_id": ["a", "a", "a", "b", "b"],
...     "event": ["view", "cart", "buy", "view", "buy"],
...     "timestamp": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 10:05", "2026-01-09 10:00",
...                                  "2026-01-01 10:00", "2026-01-01 11:00"], utc=True)}))
>>> funnel_counts(ev, ["view", "cart", "buy"], 7 * 86400)
[2, 1, 0]
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cxlib.analyses.funnel import Step
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg

if TYPE_CHECKING:                     # pragma: no cover - typing only
    import ibis.expr.types as ir


def _steps(steps: Sequence[Step | str]) -> tuple[Step, ...]:
    out = tuple(s if isinstance(s, Step) else Step.parse(s) for s in steps)
    if len(out) < 2:
        raise CxDataError(msg("a funnel needs at least two steps."), hint=msg("Pick two or more events in order."))
    return out


def _window(window_seconds: float):
    """The window as an Ibis interval literal: whole seconds when it is whole, else microseconds."""
    import ibis
    w = float(window_seconds)
    if not (w >= 0 and math.isfinite(w)):
        raise CxDataError(msg("the conversion window must be a duration of zero or more."),
                          hint=msg("For example 7d, 12h or 30m."))
    if w.is_integer():
        return ibis.interval(seconds=int(w))
    return ibis.interval(microseconds=int(round(w * 1e6)))


def step_attempts(events: ir.Table, steps: Sequence[Step | str], window_seconds: float, *,
                  unit: Sequence[str] = ("user_id",), event: str = "event",
                  timestamp: str = "timestamp") -> list[ir.Table]:
    """For each step j (0-based), the attempts that reached it: unit columns ``u0..``, ``t0``
    (the attempt's step-1 time) and ``tp`` (its step-j match; ``t0`` for step 1)."""
    steps = _steps(steps)
    unit = tuple(unit)
    keys = [f"u{i}" for i in range(len(unit))]
    valid = [events[c].notnull() for c in (*unit, timestamp)]
    base = events.filter(*valid)

    def matching(step: Step) -> ir.Table:
        cond = base[event].cast("string") == step.event
        if step.prop is not None:
            cond = cond & (base[step.prop].cast("string") == ("" if step.value is None else step.value))
        return base.filter(cond).select(**{k: base[c].cast("string") for k, c in zip(keys, unit)},
                                        ts=base[timestamp])

    w = _window(window_seconds)
    first = matching(steps[0])
    reached = [first.select(*keys, t0=first.ts, tp=first.ts).distinct()]
    for step in steps[1:]:
        prev = reached[-1]
        ev = matching(step)
        ev = ev.select(**{f"e{k}": ev[k] for k in keys}, ets=ev.ts)
        pred = [prev[k] == ev[f"e{k}"] for k in keys] + [ev.ets >= prev.tp, ev.ets <= prev.t0 + w]
        joined = prev.inner_join(ev, pred)
        best = joined.group_by([joined[k] for k in keys] + [joined.t0]).aggregate(tp=joined.ets.min())
        # attempts sharing their match: the latest start has the latest deadline and dominates
        reached.append(best.group_by([*keys, "tp"]).aggregate(t0=best.t0.max()).select(*keys, "t0", "tp"))
    return reached


def funnel_levels(events: ir.Table, steps: Sequence[Step | str], window_seconds: float, *,
                  unit: Sequence[str] = ("user_id",), event: str = "event",
                  timestamp: str = "timestamp") -> ir.Table:
    """One row per unit with a step-1 event: the unit columns (as text, under their own names) and
    ``level``, the deepest step (1..k) reached from any step-1 occurrence within the window."""
    import ibis
    reached = step_attempts(events, steps, window_seconds, unit=unit, event=event, timestamp=timestamp)
    keys = [f"u{i}" for i in range(len(tuple(unit)))]
    parts = [r.select(*keys).distinct().mutate(level=ibis.literal(j, "int32")) for j, r in enumerate(reached, 1)]
    allp = ibis.union(*parts, distinct=False)
    out = allp.group_by(keys).aggregate(level=allp.level.max())
    return out.select(**{name: out[k] for k, name in zip(keys, unit)}, level=out.level)


def funnel_counts_expr(events: ir.Table, steps: Sequence[Step | str], window_seconds: float, *,
                       unit: Sequence[str] = ("user_id",), event: str = "event",
                       timestamp: str = "timestamp") -> ir.Table:
    """A small table ``(step, units)``: distinct units that reached each step (1-based)."""
    import ibis
    reached = step_attempts(events, steps, window_seconds, unit=unit, event=event, timestamp=timestamp)
    keys = [f"u{i}" for i in range(len(tuple(unit)))]
    parts = [r.select(*keys).distinct().count().name("units").as_table().mutate(step=ibis.literal(j, "int32"))
             for j, r in enumerate(reached, 1)]
    return ibis.union(*parts, distinct=False).select("step", "units")


def funnel_counts(events: ir.Table, steps: Sequence[Step | str], window_seconds: float, *,
                  unit: Sequence[str] = ("user_id",), event: str = "event", timestamp: str = "timestamp") -> list[int]:
    """Units per step, ``[n1, n2, ..., nk]``, computed on the events table's own engine."""
    from cxlib.data import engine
    expr = funnel_counts_expr(events, steps, window_seconds, unit=unit, event=event, timestamp=timestamp)
    got = dict(engine.execute(expr).itertuples(index=False, name=None))
    return [int(got.get(j, 0)) for j in range(1, len(_steps(steps)) + 1)]


__all__ = ["funnel_counts", "funnel_counts_expr", "funnel_levels", "step_attempts"]
