"""Plain-Python reference funnel: the oracle for cxlib.analyses.funnel (and the naive benchmark's cousin).

Written straight from the definition in DESIGN.md, sharing no code or formulation with the
engine: for every unit and every allowed step-1 occurrence, a memoised search over ALL paths
(each step at a time >= the previous one and <= t0 + window; an event may serve two consecutive
steps when it matches both; strict order checks every event strictly between two matched steps).
Slow (cubic per unit), meant for small hypothesis-generated logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

MISSING = "(missing)"


@dataclass(frozen=True)
class RefStep:
    event: str
    prop: str | None = None
    value: str | None = None


@dataclass
class RefUnit:
    level: int | None                 # None: excluded (every attempt hit the exclusion event)
    times: tuple[int, ...]            # t1..t_level, epoch microseconds
    first_ts: int
    value: str | None


def _matches(row: dict, step: RefStep) -> bool:
    if row["event"] != step.event:
        return False
    if step.prop is None:
        return True
    v = row.get(step.prop)
    return v is not None and not (isinstance(v, float) and v != v) and str(v) == step.value


def _us(ts) -> int:
    return int(pd.Timestamp(ts).value // 1000)


def reference_funnel(df: pd.DataFrame, steps: list[RefStep], window_us: int, *, order: str = "any",
                     start: str = "any", unit: str = "user", exclude: RefStep | None = None,
                     by: str | None = None) -> dict[tuple, RefUnit]:
    """unit key -> RefUnit, for every unit with a step-1 event."""
    units: dict[tuple, list[dict]] = {}
    for row in df.to_dict(orient="records"):
        row = {k: (None if (v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)) else v)
               for k, v in row.items()}
        if row.get("user_id") is None or row.get("timestamp") is None or row.get("event") is None:
            continue
        if unit == "session" and row.get("session_id") is None:
            continue
        row["t"] = _us(row["timestamp"])
        key = (row["user_id"], row["session_id"]) if unit == "session" else (row["user_id"],)
        units.setdefault(key, []).append(row)
    out = {}
    for key, rows in units.items():
        res = _unit(rows, steps, window_us, order, start, exclude, by)
        if res is not None:
            out[key] = res
    return out


def _unit(rows, steps, window_us, order, start, exclude, by) -> RefUnit | None:
    k = len(steps)
    s1 = [r for r in rows if _matches(r, steps[0])]
    if not s1:
        return None
    first_ts = min(r["t"] for r in s1)
    value = None
    if by is not None:
        first = next(r for r in s1 if r["t"] == first_ts)          # ties: the earlier row of the file
        value = MISSING if first.get(by) is None else str(first[by])
    starts = [r for r in s1 if r["t"] == first_ts] if start == "first" else s1
    n = len(rows)
    any_step = [any(_matches(r, s) for s in steps) for r in rows]
    step_of = [[_matches(r, s) for s in steps] for r in rows]

    def clean(a: int, b: int, j: int) -> bool:
        """Strict order: nothing of another funnel step strictly between rows a (step j) and b."""
        ta, tb = rows[a]["t"], rows[b]["t"]
        return not any(ta < rows[f]["t"] < tb and any_step[f] and not step_of[f][j] for f in range(n))

    attempts = []
    for s in starts:
        i0 = rows.index(s)
        t0 = s["t"]

        @lru_cache(maxsize=None)
        def best(i: int, j: int) -> tuple:
            """Best continuation after row i matched step j (0-based): (depth, -t_done, times...)."""
            options = [(j + 1, -rows[i]["t"])]
            if j + 1 < k:
                for nxt in range(n):
                    if (step_of[nxt][j + 1] and rows[i]["t"] <= rows[nxt]["t"] <= t0 + window_us
                            and (order != "strict" or clean(i, nxt, j))):
                        d = best(nxt, j + 1)
                        options.append((d[0], d[1], rows[nxt]["t"]) + d[2:])
            # deepest, then earliest completion, then earliest intermediate times
            return max(options, key=lambda o: (o[0], o[1], tuple(-x for x in o[2:])))

        b = best(i0, 0)
        level, done, times = b[0], -b[1], (t0,) + b[2:]
        if exclude is not None and any(_matches(r, exclude) and t0 < r["t"] < done for r in rows):
            continue
        attempts.append((level, -done, t0, times))
    if not attempts:
        return RefUnit(None, (), first_ts, value)
    level, _, _, times = max(attempts, key=lambda a: (a[0], a[1], a[2]))
    return RefUnit(level, times[:level], first_ts, value)


def counts(units: dict[tuple, RefUnit], k: int) -> list[int]:
    levels = [u.level for u in units.values() if u.level is not None]
    return [sum(lv >= j for lv in levels) for j in range(1, k + 1)]
