"""Plain, strict JSON from result data: the one NaN cleaner for every ``to_json`` and the CLI.

``json_safe(obj)``: dict keys -> ``str``, tuples and lists -> lists, numpy scalars (and 0-d arrays)
-> Python numbers, NaN / inf / ``pd.NA`` / ``NaT`` -> ``None`` (strict JSON has no NaN), anything else
as it is. ``json.dumps(json_safe(x), allow_nan=False)`` then never fails on a missing number.

>>> import numpy as np
>>> json_safe({"rate": np.float64("nan"), 1: (np.int64(3), float("inf"))})
{'rate': None, '1': [3, None]}
"""
from __future__ import annotations

import math


def json_safe(obj):
    """``obj`` with every missing or infinite number as ``None`` and numpy scalars as Python values."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and hasattr(obj, "dtype") and not isinstance(obj, (str, bytes)):
        try:
            obj = obj.item()                     # numpy scalar or 0-d array -> Python value
        except (ValueError, AttributeError):     # an array of several values stays as it is
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is not None and type(obj).__name__ in ("NAType", "NaTType"):   # pd.NA, pd.NaT (no pandas import)
        return None
    return obj
