"""Metric definitions as data: small dataclasses that serialize to/from JSON.

Every figure in the app is computed under one :class:`DefinitionSet` (NPS bands, CSAT scale and
mode, CES scale, which order states count as revenue, repeat threshold, churn, retention, cart
abandonment events, first-response SLA, CLV method) plus the user's targets. The set is saved and
loaded as versioned JSON, so the same file gives the same numbers in the app and in
``python -m cxlib ... --definitions defs.json``. Each definition renders one plain-English sentence
(``describe()``) shown under every figure that uses it.

Examples
--------
>>> defs = DefinitionSet.default()
>>> defs.describe("nps")
'NPS = % promoters (9-10) minus % detractors (0-6) on a 0-10 scale, over answered responses; blanks and out-of-range answers excluded.'
>>> DefinitionSet.from_json(defs.to_json()) == defs
True
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Literal, get_args

from cxlib.errors import CxDataError

ORDER_STATES: tuple[str, ...] = ("completed", "in_transit", "pending", "cancelled", "refunded",
                                 "partially_refunded")
CsatMode = Literal["top2_pct", "mean"]
CesScale = Literal["1-7", "1-5", "0-10"]
ClvMethod = Literal["historical", "predictive"]
Period = Literal["week", "month"]
VERSION = 1


def _bad(what: str, hint: str = "Fix the value in the Definitions page or in the JSON file.") -> CxDataError:
    return CxDataError(f"invalid definition: {what}.", hint=hint)


def _check_choice(name: str, value: object, alias: object) -> None:
    choices = get_args(alias)
    if value not in choices:
        raise _bad(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")


def _check_int(name: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")


def _check_events(name: str, value: object) -> None:
    if (not isinstance(value, tuple) or not value
            or not all(isinstance(v, str) and v.strip() for v in value)):
        raise _bad(f"{name} must be a non-empty list of event names, got {value!r}")


class _Spec:
    """Shared JSON plumbing for the small definition dataclasses (lists <-> tuples)."""

    def to_json(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, obj: dict):
        if not isinstance(obj, dict):
            raise _bad(f"{cls.__name__} must be a JSON object, got {type(obj).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(obj) - names)
        if unknown:
            raise _bad(f"unknown key(s) {', '.join(unknown)} in {cls.__name__}",
                       hint=f"Known keys: {', '.join(sorted(names))}.")
        kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in obj.items()}
        try:
            return cls(**kwargs)
        except TypeError as err:
            raise _bad(f"{cls.__name__}: {err}") from None


@dataclass(frozen=True)
class NpsDef(_Spec):
    """NPS bands on a 0-10 scale: promoters >= promoter_min, detractors <= detractor_max."""

    promoter_min: int = 9
    detractor_max: int = 6

    def __post_init__(self) -> None:
        _check_int("NPS promoter_min", self.promoter_min, 1, 10)
        _check_int("NPS detractor_max", self.detractor_max, 0, 9)
        if self.detractor_max >= self.promoter_min:
            raise _bad("NPS detractor_max must be below promoter_min")

    def describe(self) -> str:
        return (f"NPS = % promoters ({self.promoter_min}-10) minus % detractors (0-{self.detractor_max}) "
                "on a 0-10 scale, over answered responses; blanks and out-of-range answers excluded.")


@dataclass(frozen=True)
class CsatDef(_Spec):
    """CSAT on a 1..scale_max scale; headline = top-2-box % or mean."""

    scale_max: int = 5               # 5, 7 or 10 (scale starts at 1)
    mode: CsatMode = "top2_pct"

    def __post_init__(self) -> None:
        if self.scale_max not in (5, 7, 10) or isinstance(self.scale_max, bool):
            raise _bad(f"CSAT scale_max must be 5, 7 or 10, got {self.scale_max!r}")
        _check_choice("CSAT mode", self.mode, CsatMode)

    @property
    def top2_min(self) -> int:
        return self.scale_max - 1

    def describe(self) -> str:
        if self.mode == "mean":
            return (f"CSAT = mean answer on a 1-{self.scale_max} scale (text labels mapped to 1-5); "
                    "blanks and out-of-range answers excluded.")
        return (f"CSAT = % of answers in the top two boxes ({self.top2_min}-{self.scale_max}) on a "
                f"1-{self.scale_max} scale (text labels mapped to 1-5); blanks and out-of-range answers excluded.")


@dataclass(frozen=True)
class CesDef(_Spec):
    """Customer effort score: scale, and which answers count as 'easy'."""

    scale: CesScale = "1-7"
    easy_min: int = 5                # 1-7 / 1-5 agreement ("it was easy"): easy when >= easy_min
    easy_max: int = 3                # 0-10 effort scale (higher = more effort): easy when <= easy_max

    def __post_init__(self) -> None:
        _check_choice("CES scale", self.scale, CesScale)
        lo, hi = self.bounds
        _check_int("CES easy_min", self.easy_min, 0, 10)
        _check_int("CES easy_max", self.easy_max, 0, 10)
        if self.higher_is_easier and not lo <= self.easy_min <= hi:
            raise _bad(f"CES easy_min must be within the {self.scale} scale")

    @property
    def bounds(self) -> tuple[int, int]:
        lo, hi = self.scale.split("-")
        return int(lo), int(hi)

    @property
    def higher_is_easier(self) -> bool:
        return self.scale != "0-10"

    def describe(self) -> str:
        lo, hi = self.bounds
        if self.higher_is_easier:
            return (f"CES = mean agreement that the task was easy on a {lo}-{hi} scale; "
                    f"% easy = share of answers {self.easy_min}-{hi}.")
        return (f"CES = mean effort on a {lo}-{hi} scale (lower is easier); "
                f"% easy = share of answers {lo}-{self.easy_max}.")


@dataclass(frozen=True)
class RevenueDef(_Spec):
    """Which normalized order states are valid orders, and whether refunds are subtracted."""

    valid_statuses: tuple[str, ...] = ("completed", "refunded", "partially_refunded")
    subtract_refunds: bool = True

    def __post_init__(self) -> None:
        bad = [s for s in self.valid_statuses if s not in ORDER_STATES] if isinstance(
            self.valid_statuses, tuple) else [self.valid_statuses]
        if bad or not self.valid_statuses:
            raise _bad(f"valid order statuses must be a non-empty list of {', '.join(ORDER_STATES)}; "
                       f"got {bad or 'none'}")
        if not isinstance(self.subtract_refunds, bool):
            raise _bad("subtract_refunds must be true or false")

    def describe(self) -> str:
        states = ", ".join(s.replace("_", " ") for s in self.valid_statuses)
        minus = "amount minus refunded amount" if self.subtract_refunds else "amount (refunds not subtracted)"
        return (f"Net revenue = sum of {minus} over valid orders (status {states}; "
                "orders without a status count as completed).")


@dataclass(frozen=True)
class RepeatDef(_Spec):
    """A repeat customer has at least ``min_orders`` valid orders."""

    min_orders: int = 2

    def __post_init__(self) -> None:
        _check_int("repeat min_orders", self.min_orders, 2, 1000)

    def describe(self) -> str:
        return (f"Repeat rate = share of customers with at least one valid order who have "
                f"{self.min_orders} or more valid orders.")


@dataclass(frozen=True)
class CartDef(_Spec):
    """Cart abandonment = 1 - users who purchased / users who created a cart (events)."""

    cart_events: tuple[str, ...] = ("add_to_cart",)
    purchase_events: tuple[str, ...] = ("purchase",)

    def __post_init__(self) -> None:
        _check_events("cart_events", self.cart_events)
        _check_events("purchase_events", self.purchase_events)

    def describe(self) -> str:
        return (f"Cart abandonment = 1 - users with a purchase event ({', '.join(self.purchase_events)}) "
                f"among users with a cart event ({', '.join(self.cart_events)}).")


@dataclass(frozen=True)
class SlaDef(_Spec):
    """First-response SLA in hours."""

    first_response_hours: float = 24.0

    def __post_init__(self) -> None:
        v = self.first_response_hours
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 < v <= 24 * 365:
            raise _bad(f"first_response_hours must be a number of hours above 0, got {v!r}")

    def describe(self) -> str:
        return (f"First response within SLA = share of answered tickets whose first agent reply came within "
                f"{self.first_response_hours:g} h; unanswered tickets counted separately.")


# Churn, retention and CLV settings are the retention modules' own dataclasses; the set holds them.
from cxlib.clv import CLVSpec  # noqa: E402
from cxlib.retention import ChurnSpec, CohortSpec  # noqa: E402
@dataclass(frozen=True)
class ClvMethodDef(_Spec):
    """Which CLV the scorecard shows: historical (net revenue so far) or predictive."""

    method: ClvMethod = "historical"

    def __post_init__(self) -> None:
        _check_choice("CLV method", self.method, ClvMethod)

    def describe(self) -> str:
        return ("Historical CLV = net revenue of a customer's valid orders so far (refunds subtracted), "
                "averaged over customers.")


def _foreign_to_json(spec) -> dict:
    return dict(spec.to_json())


def _foreign_from_json(cls, obj):
    """Parse a spec owned by another module, rejecting unknown keys and wrapping its errors."""
    if not isinstance(obj, dict):
        raise _bad(f"{cls.__name__} must be a JSON object, got {type(obj).__name__}")
    known = set(cls().to_json())
    unknown = sorted(set(obj) - known)
    if unknown:
        raise _bad(f"unknown key(s) {', '.join(unknown)} in {cls.__name__}",
                   hint=f"Known keys: {', '.join(sorted(known))}.")
    try:
        return cls.from_json(obj)
    except CxDataError as err:
        raise _bad(f"{cls.__name__}: {err}") from None
    except (TypeError, ValueError) as err:
        raise _bad(f"{cls.__name__}: {err}") from None


@dataclass(frozen=True)
class Metric:
    """One scorecard metric: which definition describes it, and which direction is good."""

    name: str
    label: str
    definition: str                  # attribute of DefinitionSet whose describe() applies
    role: str                        # dataset role it needs
    higher_is_better: bool = True
    unit: str = ""                   # "%", "pts", "min", "money", ""
    target_min: float = -math.inf
    target_max: float = math.inf


METRICS: tuple[Metric, ...] = (
    Metric("nps", "NPS", "nps", "responses", True, "pts", -100, 100),
    Metric("csat", "CSAT", "csat", "responses", True, "", 0, 100),
    Metric("ces", "CES", "ces", "responses", True, "", 0, 10),
    Metric("net_revenue", "Net revenue", "net_revenue", "orders", True, "money", 0),
    Metric("aov", "Average order value", "net_revenue", "orders", True, "money", 0),
    Metric("repeat_rate", "Repeat customer rate", "repeat", "orders", True, "%", 0, 100),
    Metric("churn_rate", "Churn rate", "churn", "orders", False, "%", 0, 100),
    Metric("retention_rate", "Retention rate", "retention", "orders", True, "%", 0, 100),
    Metric("clv", "Customer lifetime value", "clv_method", "orders", True, "money", 0),
    Metric("cart_abandonment", "Cart abandonment", "cart", "events", False, "%", 0, 100),
    Metric("first_reply_sla", "First reply within SLA", "sla", "tickets", True, "%", 0, 100),
    Metric("first_reply_median", "Median first reply", "sla", "tickets", False, "min", 0),
    Metric("ticket_csat", "Ticket CSAT (good %)", "ticket_csat", "tickets", True, "%", 0, 100),
)
METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

_EXTRA_SENTENCES = {
    "aov": "Average order value = net revenue / number of valid orders.",
    "first_reply_median": "First reply time = minutes from ticket creation to the first agent reply; "
                          "median over answered tickets.",
    "ticket_csat": "Ticket CSAT = good / (good + bad) ratings; offered but unanswered ratings excluded.",
}

_SPECS: dict[str, type] = {
    "nps": NpsDef, "csat": CsatDef, "ces": CesDef, "net_revenue": RevenueDef, "repeat": RepeatDef,
    "cart": CartDef, "sla": SlaDef, "churn": ChurnSpec, "retention": CohortSpec, "clv": CLVSpec,
    "clv_method": ClvMethodDef,
}
_FOREIGN = ("churn", "retention", "clv")


@dataclass(frozen=True)
class DefinitionSet:
    """Every metric definition plus targets ``{metric name: value}`` (metric names: ``METRICS``)."""

    nps: NpsDef = field(default_factory=NpsDef)
    csat: CsatDef = field(default_factory=CsatDef)
    ces: CesDef = field(default_factory=CesDef)
    net_revenue: RevenueDef = field(default_factory=RevenueDef)
    repeat: RepeatDef = field(default_factory=RepeatDef)
    churn: ChurnSpec = field(default_factory=ChurnSpec)
    retention: CohortSpec = field(default_factory=CohortSpec)
    clv: CLVSpec = field(default_factory=CLVSpec)
    clv_method: ClvMethodDef = field(default_factory=ClvMethodDef)
    cart: CartDef = field(default_factory=CartDef)
    sla: SlaDef = field(default_factory=SlaDef)
    targets: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.targets.items():
            m = METRICS_BY_NAME.get(name)
            if m is None:
                raise _bad(f"target for unknown metric {name!r}",
                           hint=f"Known metrics: {', '.join(METRICS_BY_NAME)}.")
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                    or not m.target_min <= value <= m.target_max):
                raise _bad(f"target for {m.label} must be a number from {m.target_min:g} to {m.target_max:g}, "
                           f"got {value!r}")

    @classmethod
    def default(cls) -> "DefinitionSet":
        """The defaults of DESIGN.md, no targets."""
        return cls()

    def describe(self, metric: str) -> str:
        """One plain-English sentence for a metric name (``METRICS``) or a definition name."""
        if metric in _EXTRA_SENTENCES:
            return _EXTRA_SENTENCES[metric]
        if metric == "retention_rate" and hasattr(self.churn, "describe_retention"):
            return self.churn.describe_retention()
        if metric == "clv":
            return self.clv_method.describe() if self.clv_method.method == "historical" else self.clv.describe()
        if metric in _SPECS:
            return getattr(self, metric).describe()
        m = METRICS_BY_NAME.get(metric)
        if m is None:
            raise CxDataError(f"unknown metric {metric!r}.", hint=f"Known metrics: {', '.join(METRICS_BY_NAME)}.")
        return getattr(self, m.definition).describe()

    def target(self, metric: str) -> float | None:
        return self.targets.get(metric)

    def with_target(self, metric: str, value: float | None) -> "DefinitionSet":
        """A copy with the target of ``metric`` set (``None`` removes it)."""
        targets = {k: v for k, v in self.targets.items() if k != metric}
        if value is not None:
            targets[metric] = float(value)
        return dataclasses.replace(self, targets=targets)

    def replace(self, **changes) -> "DefinitionSet":
        """A copy with some definitions replaced, e.g. ``defs.replace(sla=SlaDef(8))``."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        out: dict = {"version": VERSION}
        for name in _SPECS:
            out[name] = _foreign_to_json(getattr(self, name)) if name in _FOREIGN else getattr(self, name).to_json()
        out["targets"] = dict(self.targets)
        return out

    def dumps(self) -> str:
        """Pretty JSON text (what the Definitions page offers for download)."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, obj: dict) -> "DefinitionSet":
        """Parse a saved set; missing parts take defaults, unknown keys raise :class:`CxDataError`."""
        if not isinstance(obj, dict):
            raise _bad("the file must hold one JSON object", hint="Download a definitions file from the app "
                       "to see the expected shape.")
        version = obj.get("version")
        if version != VERSION:
            raise _bad(f"unsupported version {version!r} (this app reads version {VERSION})",
                       hint='Add "version": 1 or download a fresh definitions file from the app.')
        unknown = sorted(set(obj) - set(_SPECS) - {"version", "targets"})
        if unknown:
            raise _bad(f"unknown key(s) {', '.join(unknown)}",
                       hint=f"Known keys: version, targets, {', '.join(_SPECS)}.")
        kwargs = {name: (_foreign_from_json(spec, obj[name]) if name in _FOREIGN else spec.from_json(obj[name]))
                  for name, spec in _SPECS.items() if name in obj}
        targets = obj.get("targets", {}) or {}
        if not isinstance(targets, dict):
            raise _bad("targets must be an object {metric: value}")
        return cls(**kwargs, targets=dict(targets))

    @classmethod
    def loads(cls, text: str | bytes) -> "DefinitionSet":
        """Parse JSON text (an uploaded file); bad JSON raises a clear :class:`CxDataError`."""
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise CxDataError(f"the definitions file is not valid JSON ({err}).",
                              hint="Upload a file downloaded from the Definitions page.") from None
        return cls.from_json(obj)


def load_definitions(path: str | None) -> DefinitionSet:
    """CLI helper: the set saved at ``path``, or the defaults when ``path`` is None."""
    if not path:
        return DefinitionSet.default()
    try:
        with open(path, "rb") as fh:
            text = fh.read()
    except OSError as err:
        raise CxDataError(f"cannot read the definitions file ({err.strerror}).", file=str(path),
                          hint="Check the path given to --definitions.") from None
    try:
        return DefinitionSet.loads(text)
    except CxDataError as err:
        raise CxDataError(str(err), file=str(path)) from None
