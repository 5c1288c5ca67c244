"""The period settings of retention, churn and CLV: cohorts, the churn window, the CLV horizon.

They are part of every :class:`~cxlib.core.definitions.DefinitionSet` (``defs.cohort``,
``defs.churn``, ``defs.clv``) and the analyses in ``cxlib.analyses.retention`` and
``cxlib.analyses.clv`` take them. Defaults: monthly cohorts over 12 periods, churned after 90 days
without a valid order, CLV over 365 days fitted in weeks on purchases counted once per day.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.core.spec import Spec
from cxlib.core.statuses import valid_status_words

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import pandas as pd

Period = Literal["month", "week"]
PERIODS: tuple[str, ...] = ("month", "week")
TimeUnit = Literal["day", "week"]
CountPeriod = Literal["day", "week"]
UNIT_DAYS = {"day": 1.0, "week": 7.0}


@dataclass(frozen=True, slots=True)
class CohortSpec(Spec):
    """How cohorts are built: by the month (or ISO week) of each customer's first valid order."""

    period: Period = "month"
    max_periods: int = 12            # show periods 0..max_periods after the first order

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise CxDataError(msg("unknown cohort period {period}.", period=repr(self.period)),
                              hint=msg("Use 'month' or 'week'."))
        if int(self.max_periods) < 1:
            raise CxDataError(msg("the number of cohort periods must be at least 1."),
                              hint=msg("Choose 1 or more periods, e.g. 12 months."))

    def describe(self, defs=None) -> Msg:
        """The caption; ``defs`` (DefinitionSet or RevenueDef) names the valid statuses in use."""
        statuses = valid_status_words(defs)
        # TRANSLATORS: {statuses} lists order statuses ("completed, refunded, partially refunded")
        if self.period == "week":
            return msg("Customers are grouped by the week of their first valid order (status {statuses}); each "
                       "cell is the share of the cohort with a valid order k weeks later, for k up to "
                       "{max_periods}.", statuses=statuses, max_periods=self.max_periods)
        return msg("Customers are grouped by the month of their first valid order (status {statuses}); each "
                   "cell is the share of the cohort with a valid order k months later, for k up to "
                   "{max_periods}.", statuses=statuses, max_periods=self.max_periods)


@dataclass(frozen=True, slots=True)
class ChurnSpec(Spec):
    """Churn definition: no valid order in the ``inactive_days`` days up to the analysis date."""

    inactive_days: int = 90
    as_of: str | None = None         # ISO date; None -> the date of the last order in the data

    def __post_init__(self) -> None:
        if int(self.inactive_days) < 1:
            raise CxDataError(msg("the churn window must be at least 1 day."),
                              hint=msg("Set inactive days to a positive number such as 90."))
        if self.as_of is not None:
            parse_day(self.as_of)   # fail early on a bad date

    def describe(self, defs=None) -> Msg:
        """The caption; ``defs`` (DefinitionSet or RevenueDef) names the valid statuses in use."""
        days, statuses = int(self.inactive_days), valid_status_words(defs)
        # TRANSLATORS: {statuses} lists order statuses ("completed, refunded, partially refunded")
        if self.as_of:
            return msg("A customer is churned when they have no valid order (status {statuses}) in the {days} "
                       "days up to the analysis date (on {date}); customers count from their first valid order.",
                       statuses=statuses, days=days, date=self.as_of)
        return msg("A customer is churned when they have no valid order (status {statuses}) in the {days} days "
                   "up to the analysis date (on the date of the last order in the data); customers count from "
                   "their first valid order.", statuses=statuses, days=days)

    def describe_retention(self) -> Msg:
        return msg("Retention rate: of the customers with a valid order in the {days} days before the latest "
                   "{days}-day window, the share who ordered again within that latest window.",
                   days=int(self.inactive_days))


def parse_day(value: str | pd.Timestamp) -> pd.Timestamp:
    """An ISO date (or timestamp) -> midnight UTC of that calendar day."""
    import pandas as pd              # only when a date is given: importing the definitions stays light
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise CxDataError(msg("the analysis date {value} is not a date.", value=repr(value)),
                          hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30.")) from None
    if ts is pd.NaT:
        raise CxDataError(msg("the analysis date is empty."), hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30."))
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.normalize().as_unit("us")


@dataclass(frozen=True, slots=True)
class CLVSpec(Spec):
    """Predictive CLV settings: horizon, time unit of the model, calibration end and profit margin."""

    horizon_days: int = 365
    time_unit: TimeUnit = "week"
    count_per: CountPeriod = "day"   # repeat purchases counted once per day (or week)
    calibration_end: str | None = None   # ISO date; None -> the date of the last order in the data
    margin: float = 1.0              # share of net revenue that is profit (1.0 -> revenue CLV)

    def __post_init__(self) -> None:
        if int(self.horizon_days) < 1:
            raise CxDataError(msg("the CLV horizon must be at least 1 day."), hint=msg("Use e.g. 365 days."))
        if self.time_unit not in UNIT_DAYS or self.count_per not in UNIT_DAYS:
            raise CxDataError(msg("unknown time unit."), hint=msg("Use 'day' or 'week'."))
        if not 0 < float(self.margin) <= 1:
            raise CxDataError(msg("the margin {margin} is not a fraction in (0, 1].", margin=self.margin),
                              hint=msg("Give the profit margin as a fraction, e.g. 0.3 for 30%."))

    def describe(self) -> Msg:
        days, margin, end = int(self.horizon_days), float(self.margin), self.calibration_end
        # TRANSLATORS: a phrase in brackets inside the CLV definition: how repeat purchases are counted
        counted = (msg("counted once per week") if self.count_per == "week" else msg("counted once per day"))
        if margin == 1 and end:
            return msg("Predicted CLV is the net revenue a customer is expected to bring in the next {days} days: "
                       "BG/NBD expected repeat purchases ({counted}) times the Gamma-Gamma expected purchase value, "
                       "fitted on valid orders up to {date}.", days=days, counted=counted, date=end)
        if margin == 1:
            return msg("Predicted CLV is the net revenue a customer is expected to bring in the next {days} days: "
                       "BG/NBD expected repeat purchases ({counted}) times the Gamma-Gamma expected purchase value, "
                       "fitted on valid orders up to the last order date.", days=days, counted=counted)
        if end:
            return msg("Predicted CLV is the profit ({margin:.0%} of net revenue) a customer is expected to bring in "
                       "the next {days} days: BG/NBD expected repeat purchases ({counted}) times the Gamma-Gamma "
                       "expected purchase value, fitted on valid orders up to {date}.",
                       margin=margin, days=days, counted=counted, date=end)
        return msg("Predicted CLV is the profit ({margin:.0%} of net revenue) a customer is expected to bring in "
                   "the next {days} days: BG/NBD expected repeat purchases ({counted}) times the Gamma-Gamma "
                   "expected purchase value, fitted on valid orders up to the last order date.",
                   margin=margin, days=days, counted=counted)


__all__ = ["CLVSpec", "ChurnSpec", "CohortSpec", "PERIODS", "UNIT_DAYS", "parse_day"]
