"""The RFM score map: which (R, FM) cells make which named segment (``DEFAULT_SCORE_MAP``, data,
editable), checked to cover each of the 25 cells exactly once, and its table form for an editor. RFM
itself: :mod:`cxlib.analyses.segments`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.spec import Spec
from cxlib.core.messages import listing


@dataclass(frozen=True, slots=True)
class ScoreRule(Spec):
    """Customers with ``r_min <= R <= r_max`` and ``fm_min <= FM <= fm_max`` are in ``segment``.

    Its JSON is ``{"segment", "r": [min, max], "fm": [min, max]}`` (as saved since the first version)."""

    segment: str
    r_min: int
    r_max: int
    fm_min: int
    fm_max: int

    def to_json(self) -> dict:
        return {"segment": self.segment, "r": [self.r_min, self.r_max], "fm": [self.fm_min, self.fm_max]}

    @classmethod
    def from_json(cls, obj: dict) -> "ScoreRule":
        try:
            return cls(str(obj["segment"]), *(int(obj[key][i]) for key in ("r", "fm") for i in (0, 1)))
        except (KeyError, IndexError, TypeError, ValueError):
            raise cls._invalid(msg("{spec} needs {keys}", spec=cls.__name__, keys="segment, r, fm")) from None


# Segment names are stored values (tables, JSON, rules such as ``segment = Lost``) and stay English;
# they are marked so that an interface translates them where it shows them.
DEFAULT_SCORE_MAP: tuple[ScoreRule, ...] = (
    ScoreRule(N_("Champions"), 5, 5, 4, 5),
    ScoreRule(N_("Loyal"), 3, 4, 4, 5),
    ScoreRule(N_("Potential loyalists"), 4, 5, 2, 3),
    ScoreRule(N_("New"), 5, 5, 1, 1),
    ScoreRule(N_("Promising"), 4, 4, 1, 1),
    ScoreRule(N_("Need attention"), 3, 3, 1, 3),
    ScoreRule(N_("At risk"), 1, 2, 3, 4),
    ScoreRule(N_("Can't lose"), 1, 2, 5, 5),
    ScoreRule(N_("Hibernating"), 2, 2, 1, 2),
    ScoreRule(N_("Lost"), 1, 1, 1, 2),
)


SEGMENT_NAMES: tuple[str, ...] = tuple(r.segment for r in DEFAULT_SCORE_MAP)


def score_grid(score_map: tuple[ScoreRule, ...]) -> np.ndarray:
    """5x5 array of segment names, ``grid[r - 1, fm - 1]``; raises CxDataError unless every cell is
    covered exactly once."""
    grid = np.full((5, 5), None, dtype=object)
    problems: list[Msg] = []
    for rule in score_map:
        bounds = (rule.r_min, rule.r_max, rule.fm_min, rule.fm_max)
        if not str(rule.segment).strip():
            problems.append(msg("a rule has no segment name"))
            continue
        if any(not 1 <= b <= 5 for b in bounds) or rule.r_min > rule.r_max or rule.fm_min > rule.fm_max:
            problems.append(msg("'{segment}' has ranges R {r_min}-{r_max}, FM {fm_min}-{fm_max}; "
                                "scores run from 1 to 5 and min must not exceed max", segment=Msg(str(rule.segment)),
                                r_min=rule.r_min, r_max=rule.r_max, fm_min=rule.fm_min, fm_max=rule.fm_max))
            continue
        for r in range(rule.r_min, rule.r_max + 1):
            for fm in range(rule.fm_min, rule.fm_max + 1):
                if grid[r - 1, fm - 1] is not None:
                    problems.append(msg("cell R={r}, FM={fm} is in both '{segment}' and '{other}'", r=r, fm=fm,
                                        segment=Msg(str(grid[r - 1, fm - 1])), other=Msg(str(rule.segment))))
                else:
                    grid[r - 1, fm - 1] = rule.segment
    missing = [f"R={r}, FM={fm}" for r in range(1, 6) for fm in range(1, 6) if grid[r - 1, fm - 1] is None]
    if missing and not problems:
        cells = ", ".join(missing[:5])                   # score notation, the same in every language
        problems.append(msg("no segment covers {cells} ...", cells=cells) if len(missing) > 5
                        else msg("no segment covers {cells}", cells=cells))
    if problems:
        raise CxDataError(msg("the RFM score map is not valid: {problems}.", problems=listing(problems[:4], "; ")),
                          hint=msg("Every combination of R score (1-5) and FM score (1-5) must belong to exactly "
                                   "one segment; fix the ranges or reset to the default map."))
    return grid


def score_map_frame(score_map: tuple[ScoreRule, ...] = DEFAULT_SCORE_MAP) -> pd.DataFrame:
    """The score map as an editable table (segment, r_min, r_max, fm_min, fm_max)."""
    return pd.DataFrame([{"segment": r.segment, "r_min": r.r_min, "r_max": r.r_max,
                          "fm_min": r.fm_min, "fm_max": r.fm_max} for r in score_map])


def score_map_from_frame(df: pd.DataFrame) -> tuple[ScoreRule, ...]:
    """Score map from an edited table; validated (CxDataError names the problem)."""
    rules = []
    for i, row in enumerate(df.to_dict("records"), start=1):
        if all(pd.isna(v) or str(v).strip() == "" for v in row.values()):
            continue
        try:
            bounds = (int(row[k]) for k in ("r_min", "r_max", "fm_min", "fm_max"))
            rules.append(ScoreRule(str(row["segment"]).strip(), *bounds))
        except (TypeError, ValueError, KeyError):
            raise CxDataError(msg("row {row} of the score map needs a segment name and four whole numbers 1-5 "
                                  "(r_min, r_max, fm_min, fm_max).", row=i)) from None
    rules = tuple(rules)
    score_grid(rules)
    return rules


__all__ = ["DEFAULT_SCORE_MAP", "SEGMENT_NAMES", "ScoreRule", "score_grid", "score_map_frame", "score_map_from_frame"]
