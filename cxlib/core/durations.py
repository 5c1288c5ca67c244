"""Durations as people write and read them: ``"7d"`` -> seconds, seconds -> "7 days" / "4.5 min".

``parse_window`` is the one reader of windows and horizons ("30m", "12h", "7d", "2w", or a number of
seconds) for every analysis and for saved specs.
"""
from __future__ import annotations

import math
import re

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg

_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_window(text: str | float | int) -> float:
    """``"7d"``, ``"12h"``, ``"30m"``, ``"90s"``, ``"2w"`` (or a number of seconds) -> seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*", str(text).lower())
    if not m:
        raise CxDataError(msg("cannot read the window {text!r}.", text=text),
                          hint=msg("Write a number and a unit: 30m, 12h, 7d or 2w."))
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


_DURATIONS = (
    (7 * 86400, lambda n: msg("{count} week", count=n), lambda n: msg("{count} weeks", count=n)),
    (86400, lambda n: msg("{count} day", count=n), lambda n: msg("{count} days", count=n)),
    (3600, lambda n: msg("{count} hour", count=n), lambda n: msg("{count} hours", count=n)),
    (60, lambda n: msg("{count} minute", count=n), lambda n: msg("{count} minutes", count=n)),
)


def format_window(seconds: float) -> Msg:
    """``"7 days"``, ``"1 hour"``, ``"90 seconds"``: the largest whole unit."""
    for size, one, many in _DURATIONS:
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return one(n) if n == 1 else many(n)
    return msg("{seconds:g} seconds", seconds=seconds)


def duration_text(seconds: float) -> Msg:
    """A duration in the unit people read it in: ``29 s``, ``4.5 min``, ``3 h``, ``2.4 d`` (n/a when missing)."""
    if seconds is None or not math.isfinite(seconds):
        return msg("n/a")
    if seconds < 60:
        # TRANSLATORS: a duration: s = seconds, min = minutes, h = hours, d = days
        return msg("{value:,.0f} s", value=seconds)
    limit, size, one_decimal, whole = next(u for u in _DURATION_UNITS if seconds < u[0])
    value = seconds / size
    return (whole if value >= 100 or round(value, 1) == round(value) else one_decimal)(value)


# (below, unit size in seconds, one decimal, whole number): minutes below 1 h, hours below 1 day, then days
_DURATION_UNITS = (
    (3600, 60, lambda v: msg("{value:,.1f} min", value=v), lambda v: msg("{value:,.0f} min", value=v)),
    (86400, 3600, lambda v: msg("{value:,.1f} h", value=v), lambda v: msg("{value:,.0f} h", value=v)),
    (math.inf, 86400, lambda v: msg("{value:,.1f} d", value=v), lambda v: msg("{value:,.0f} d", value=v)),
)
