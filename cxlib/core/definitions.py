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

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg
from cxlib.core.periods import CLVSpec, ChurnSpec, CohortSpec
from cxlib.core.spec import Spec
from cxlib.core.statuses import DEFAULT_VALID_STATUSES, ORDER_STATUSES, status_words

CsatMode = Literal["top2_pct", "mean"]
CesScale = Literal["1-7", "1-5", "0-10"]
ClvMethod = Literal["historical", "predictive"]
Period = Literal["week", "month"]
VERSION = 1


_FIX_HINT = msg("Fix the value in the Definitions page or in the JSON file.")


def _bad(problem: Msg, hint: Msg = _FIX_HINT) -> CxDataError:
    """``problem`` is a whole clause (a ``Msg``); ``name`` values in it are JSON keys, kept as they are."""
    # TRANSLATORS: {problem} is a whole clause saying what is wrong (translated on its own)
    return CxDataError(msg("invalid definition: {problem}.", problem=problem), hint=hint)


def _error_msg(err: Exception) -> Msg | str:
    """The sentence of a caught error: a ``CxDataError``'s ``Msg``, else the exception's own text."""
    return getattr(err, "msg", None) or str(err)




def _check_choice(name: str, value: object, alias: object) -> None:
    choices = get_args(alias)
    if value not in choices:
        # TRANSLATORS: {name} is a setting's key in the JSON file (e.g. "CSAT mode"), kept in English
        raise _bad(msg("{name} must be one of {choices}, got {value!r}", name=name,
                       choices=", ".join(map(str, choices)), value=value))


def _check_int(name: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(msg("{name} must be a whole number from {low} to {high}, got {value!r}", name=name, low=lo,
                       high=hi, value=value))


def _check_events(name: str, value: object) -> None:
    if (not isinstance(value, tuple) or not value
            or not all(isinstance(v, str) and v.strip() for v in value)):
        raise _bad(msg("{name} must be a non-empty list of event names, got {value!r}", name=name, value=value))


class _Def(Spec):
    """The definitions' JSON errors say "invalid definition: ..." and point to the Definitions page."""

    __slots__ = ()
    _invalid = staticmethod(_bad)


@dataclass(frozen=True)
class NpsDef(_Def):
    """NPS bands on a 0-10 scale: promoters >= promoter_min, detractors <= detractor_max."""

    promoter_min: int = 9
    detractor_max: int = 6

    def __post_init__(self) -> None:
        _check_int("NPS promoter_min", self.promoter_min, 1, 10)
        _check_int("NPS detractor_max", self.detractor_max, 0, 9)
        if self.detractor_max >= self.promoter_min:
            raise _bad(msg("NPS detractor_max must be below promoter_min"))

    def describe(self) -> Msg:
        return msg("NPS = % promoters ({promoter_min}-10) minus % detractors (0-{detractor_max}) on a 0-10 scale, "
                   "over answered responses; blanks and out-of-range answers excluded.",
                   promoter_min=self.promoter_min, detractor_max=self.detractor_max)


@dataclass(frozen=True)
class CsatDef(_Def):
    """CSAT on a 1..scale_max scale; headline = top-2-box % or mean."""

    scale_max: int = 5               # 5, 7 or 10 (scale starts at 1)
    mode: CsatMode = "top2_pct"

    def __post_init__(self) -> None:
        if self.scale_max not in (5, 7, 10) or isinstance(self.scale_max, bool):
            raise _bad(msg("CSAT scale_max must be 5, 7 or 10, got {value!r}", value=self.scale_max))
        _check_choice("CSAT mode", self.mode, CsatMode)

    @property
    def top2_min(self) -> int:
        return self.scale_max - 1

    def describe(self) -> Msg:
        if self.mode == "mean":
            return msg("CSAT = mean answer on a 1-{scale_max} scale (text labels mapped to 1-5); "
                       "blanks and out-of-range answers excluded.", scale_max=self.scale_max)
        return msg("CSAT = % of answers in the top two boxes ({top2_min}-{scale_max}) on a 1-{scale_max} scale "
                   "(text labels mapped to 1-5); blanks and out-of-range answers excluded.",
                   top2_min=self.top2_min, scale_max=self.scale_max)


@dataclass(frozen=True)
class CesDef(_Def):
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
            raise _bad(msg("CES easy_min must be within the {scale} scale", scale=self.scale))

    @property
    def bounds(self) -> tuple[int, int]:
        lo, hi = self.scale.split("-")
        return int(lo), int(hi)

    @property
    def higher_is_easier(self) -> bool:
        return self.scale != "0-10"

    def describe(self) -> Msg:
        lo, hi = self.bounds
        if self.higher_is_easier:
            return msg("CES = mean agreement that the task was easy on a {low}-{high} scale; "
                       "% easy = share of answers {easy_min}-{high}.", low=lo, high=hi, easy_min=self.easy_min)
        return msg("CES = mean effort on a {low}-{high} scale (lower is easier); "
                   "% easy = share of answers {low}-{easy_max}.", low=lo, high=hi, easy_max=self.easy_max)


@dataclass(frozen=True)
class RevenueDef(_Def):
    """Which normalized order states are valid orders, and whether refunds are subtracted."""

    valid_statuses: tuple[str, ...] = DEFAULT_VALID_STATUSES
    subtract_refunds: bool = True

    def __post_init__(self) -> None:
        bad = [s for s in self.valid_statuses if s not in ORDER_STATUSES] if isinstance(
            self.valid_statuses, tuple) else [self.valid_statuses]
        if bad:
            raise _bad(msg("valid order statuses must be a non-empty list of {allowed}; got {found}",
                           allowed=", ".join(ORDER_STATUSES), found=bad))
        if not self.valid_statuses:
            raise _bad(msg("valid order statuses must be a non-empty list of {allowed}; got none",
                           allowed=", ".join(ORDER_STATUSES)))
        if not isinstance(self.subtract_refunds, bool):
            raise _bad(msg("subtract_refunds must be true or false"))

    def describe(self) -> Msg:
        states = status_words(self.valid_statuses)
        if self.subtract_refunds:
            # TRANSLATORS: {statuses} lists order statuses ("completed, refunded, partially refunded")
            return msg("Net revenue = sum of amount minus refunded amount over valid orders (status {statuses}; "
                       "orders without a status count as completed).", statuses=states)
        return msg("Net revenue = sum of amount (refunds not subtracted) over valid orders (status {statuses}; "
                   "orders without a status count as completed).", statuses=states)


@dataclass(frozen=True)
class RepeatDef(_Def):
    """A repeat customer has at least ``min_orders`` valid orders."""

    min_orders: int = 2

    def __post_init__(self) -> None:
        _check_int("repeat min_orders", self.min_orders, 2, 1000)

    def describe(self) -> Msg:
        return msg("Repeat rate = share of customers with at least one valid order who have "
                   "{min_orders} or more valid orders.", min_orders=self.min_orders)


@dataclass(frozen=True)
class CartDef(_Def):
    """Cart abandonment = 1 - users who purchased / users who created a cart (events)."""

    cart_events: tuple[str, ...] = ("add_to_cart",)
    purchase_events: tuple[str, ...] = ("purchase",)

    def __post_init__(self) -> None:
        _check_events("cart_events", self.cart_events)
        _check_events("purchase_events", self.purchase_events)

    def describe(self) -> Msg:
        # event names are the data's own words: listed as they are
        return msg("Cart abandonment = 1 - users with a purchase event ({purchase_events}) "
                   "among users with a cart event ({cart_events}).",
                   purchase_events=", ".join(self.purchase_events), cart_events=", ".join(self.cart_events))


@dataclass(frozen=True)
class SlaDef(_Def):
    """First-response SLA in hours."""

    first_response_hours: float = 24.0

    def __post_init__(self) -> None:
        v = self.first_response_hours
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 < v <= 24 * 365:
            raise _bad(msg("first_response_hours must be a number of hours above 0, got {value!r}", value=v))

    def describe(self) -> Msg:
        return msg("First response within SLA = share of answered tickets whose first agent reply came within "
                   "{hours:g} h; unanswered tickets counted separately.", hours=self.first_response_hours)


@dataclass(frozen=True)
class ClvMethodDef(_Def):
    """Which CLV the scorecard shows: historical (net revenue so far) or predictive."""

    method: ClvMethod = "historical"

    def __post_init__(self) -> None:
        _check_choice("CLV method", self.method, ClvMethod)

    def describe(self) -> Msg:
        return msg("Historical CLV = net revenue of a customer's valid orders so far (refunds subtracted), "
                   "averaged over customers.")


def _part_from_json(cls, obj):
    """Parse one part of a saved set; a period spec's own errors are said as definition errors."""
    try:
        return cls.from_json(obj)
    except CxDataError as err:
        if issubclass(cls, _Def):
            raise
        settings = isinstance(err.message, Msg) and err.message.template.startswith("invalid settings")
        problem = err.message.params.get("problem") if settings else None
        raise _bad(msg("{spec}: {error}", spec=cls.__name__, error=problem or _error_msg(err)),
                   hint=err.hint or _FIX_HINT) from None


@dataclass(frozen=True)
class Metric:
    """One scorecard metric: which definition describes it, and which direction is good."""

    name: str
    label: str                       # marked for translation (N_): an interface shows tr(label)
    definition: str                  # attribute of DefinitionSet whose describe() applies
    role: str                        # dataset role it needs
    higher_is_better: bool = True
    unit: str = ""                   # "%", "pts", "min", "money", ""
    target_min: float = -math.inf
    target_max: float = math.inf


METRICS: tuple[Metric, ...] = (
    Metric("nps", N_("NPS"), "nps", "responses", True, "pts", -100, 100),
    Metric("csat", N_("CSAT"), "csat", "responses", True, "", 0, 100),
    Metric("ces", N_("CES"), "ces", "responses", True, "", 0, 10),
    Metric("net_revenue", N_("Net revenue"), "net_revenue", "orders", True, "money", 0),
    Metric("aov", N_("Average order value"), "net_revenue", "orders", True, "money", 0),
    Metric("repeat_rate", N_("Repeat customer rate"), "repeat", "orders", True, "%", 0, 100),
    Metric("churn_rate", N_("Churn rate"), "churn", "orders", False, "%", 0, 100),
    Metric("retention_rate", N_("Retention rate"), "retention", "orders", True, "%", 0, 100),
    Metric("clv", N_("Customer lifetime value"), "clv_method", "orders", True, "money", 0),
    Metric("cart_abandonment", N_("Cart abandonment"), "cart", "events", False, "%", 0, 100),
    Metric("first_reply_sla", N_("First reply within SLA"), "sla", "tickets", True, "%", 0, 100),
    Metric("first_reply_median", N_("Median first reply"), "sla", "tickets", False, "min", 0),
    Metric("ticket_csat", N_("Ticket CSAT (good %)"), "ticket_csat", "tickets", True, "%", 0, 100),
)
METRICS_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

# The targets the product ships with (DESIGN.md: CSAT >= 80 % top-2-box; first reply within the SLA of
# 24 h for >= 90 % of answered tickets). They are ordinary targets: editable, saved in the JSON, and an
# interface marks them as defaults while they are unchanged. A file without "targets" gets them.
DEFAULT_TARGETS: dict[str, float] = {"csat": 80.0, "first_reply_sla": 90.0}

# The unit a target is typed in, as the target field names it ("Target (%)").
_UNIT_WORDS: dict[str, str] = {
    # TRANSLATORS: the unit of a target field, shown as "Target ({unit})"
    "%": N_("%"), "pts": N_("NPS points"), "min": N_("minutes"), "money": N_("amount in the data's currency"),
}

_EXTRA_SENTENCES: dict[str, Msg] = {
    "aov": msg("Average order value = net revenue / number of valid orders."),
    "first_reply_median": msg("First reply time = minutes from ticket creation to the first agent reply; "
                              "median over answered tickets."),
    "ticket_csat": msg("Ticket CSAT = good / (good + bad) ratings; offered but unanswered ratings excluded."),
}

_SPECS: dict[str, type] = {
    "nps": NpsDef, "csat": CsatDef, "ces": CesDef, "net_revenue": RevenueDef, "repeat": RepeatDef,
    "cart": CartDef, "sla": SlaDef, "churn": ChurnSpec, "retention": CohortSpec, "clv": CLVSpec,
    "clv_method": ClvMethodDef,
}


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
    targets: dict[str, float] | None = None    # None: the default targets that fit these definitions

    def __post_init__(self) -> None:
        if self.targets is None:
            object.__setattr__(self, "targets", self.default_targets())
        for name, value in self.targets.items():
            m = METRICS_BY_NAME.get(name)
            if m is None:
                raise _bad(msg("target for unknown metric {metric!r}", metric=name),
                           hint=msg("Known metrics: {metrics}.", metrics=", ".join(METRICS_BY_NAME)))
            low, high = self.target_bounds(name)
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                    or not low <= value <= high):
                raise _bad(msg("target for {metric} must be a number from {low:g} to {high:g}, got {value!r}",
                               metric=Msg(m.label), low=low, high=high, value=value))

    @classmethod
    def default(cls) -> "DefinitionSet":
        """The defaults of DESIGN.md, with the default targets (``DEFAULT_TARGETS``)."""
        return cls()

    def default_targets(self) -> dict[str, float]:
        """``DEFAULT_TARGETS`` that mean something under these definitions (the CSAT default is a
        top-2-box percentage: no default when CSAT is a mean)."""
        return {k: v for k, v in DEFAULT_TARGETS.items() if self.target_unit(k) == "%"}

    def is_default_target(self, metric: str) -> bool:
        """Whether ``metric`` has a target and it is the shipped default (an interface says so)."""
        value = self.targets.get(metric)
        return value is not None and self.default_targets().get(metric) == value

    def target_unit(self, metric: str) -> str:
        """The unit a target of ``metric`` is written in: ``"%"``, ``"pts"`` (NPS points), ``"min"``,
        ``"money"``, or ``""`` (points of a rating scale: CES, CSAT as a mean)."""
        if metric == "csat":
            return "%" if self.csat.mode == "top2_pct" else ""
        return METRICS_BY_NAME[metric].unit

    def target_bounds(self, metric: str) -> tuple[float, float]:
        """Lowest and highest target of ``metric`` (a CSAT mean lies on its 1..scale_max scale)."""
        if metric == "csat" and self.csat.mode == "mean":
            return 1.0, float(self.csat.scale_max)
        m = METRICS_BY_NAME[metric]
        return float(m.target_min), float(m.target_max)

    def target_unit_words(self, metric: str) -> Msg:
        """The unit of a target field in words: ``%``, ``minutes``, ``NPS points``, ``points on the 1-7 scale``."""
        unit = self.target_unit(metric)
        if unit:
            return Msg(_UNIT_WORDS[unit])
        low, high = (self.ces.bounds if metric == "ces" else self.target_bounds(metric))
        # TRANSLATORS: the unit of a rating-scale target (CES, CSAT mean), shown as "Target ({unit})"
        return msg("points on the {low:g}-{high:g} scale", low=low, high=high)

    def percent_typo(self, metric: str, value: float | None) -> float | None:
        """The percentage a user probably meant when typing ``value`` for a percent target, or None.

        A percent target from 0 (excluded) to 1 looks like a fraction: 0.8 is more likely "80 %"
        than "0.8 %", so an interface asks before saving it.

        >>> DefinitionSet().percent_typo("csat", 0.8), DefinitionSet().percent_typo("csat", 80)
        (80.0, None)
        """
        if value is None or self.target_unit(metric) != "%" or not 0 < value <= 1:
            return None
        return round(float(value) * 100, 10)

    def describe(self, metric: str) -> Msg:
        """One plain-English sentence (a ``Msg``) for a metric name (``METRICS``) or a definition name."""
        if metric in _EXTRA_SENTENCES:
            return _EXTRA_SENTENCES[metric]
        if metric == "retention_rate" and hasattr(self.churn, "describe_retention"):
            return self.churn.describe_retention()
        if metric == "clv":
            return self.clv_method.describe() if self.clv_method.method == "historical" else self.clv.describe()
        if metric in _SPECS:
            return self._sentence(getattr(self, metric))
        m = METRICS_BY_NAME.get(metric)
        if m is None:
            raise CxDataError(msg("unknown metric {metric!r}.", metric=metric),
                              hint=msg("Known metrics: {metrics}.", metrics=", ".join(METRICS_BY_NAME)))
        return self._sentence(getattr(self, m.definition))

    def _sentence(self, spec) -> Msg:
        """A definition's sentence; cohorts and churn name the valid statuses of this set's revenue rule."""
        return spec.describe(self) if isinstance(spec, (ChurnSpec, CohortSpec)) else spec.describe()

    def target(self, metric: str) -> float | None:
        return self.targets.get(metric)

    def with_target(self, metric: str, value: float | None) -> "DefinitionSet":
        """A copy with the target of ``metric`` set (``None`` removes it)."""
        targets = {k: v for k, v in self.targets.items() if k != metric}
        if value is not None:
            targets[metric] = float(value)
        return dataclasses.replace(self, targets=targets)

    def replace(self, **changes) -> "DefinitionSet":
        """A copy with some definitions replaced, e.g. ``defs.replace(sla=SlaDef(8))``.

        A target whose unit the change alters (CSAT from top-2-box % to a mean) would mean something
        else: it is replaced by the default target of the new unit (none for a mean), unless
        ``targets`` is given too.
        """
        if "targets" not in changes:
            changes["targets"] = dataclasses.replace(self, **changes, targets={}).carry_targets(self.targets, self)
        return dataclasses.replace(self, **changes)

    def carry_targets(self, targets: dict[str, float], previous: "DefinitionSet") -> dict[str, float]:
        """``targets`` (set under ``previous``) for these definitions: a target whose unit differs here
        gives way to this set's default target for it (none for a CSAT mean)."""
        moved = {m for m in METRICS_BY_NAME if self.target_unit(m) != previous.target_unit(m)}
        out = {k: v for k, v in targets.items() if k not in moved}
        out.update({k: v for k, v in self.default_targets().items() if k in moved})
        return out

    def to_json(self) -> dict:
        out: dict = {"version": VERSION}
        for name in _SPECS:
            out[name] = getattr(self, name).to_json()
        out["targets"] = {k: self.targets[k] for k in METRICS_BY_NAME if k in self.targets}   # stable order
        return out

    def dumps(self) -> str:
        """Pretty JSON text (what the Definitions page offers for download)."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, obj: dict) -> "DefinitionSet":
        """Parse a saved set; missing parts take defaults, unknown keys raise :class:`CxDataError`."""
        if not isinstance(obj, dict):
            raise _bad(msg("the file must hold one JSON object"),
                       hint=msg("Download a definitions file from the app to see the expected shape."))
        version = obj.get("version")
        if version != VERSION:
            raise _bad(msg("unsupported version {version!r} (this app reads version {supported})", version=version,
                           supported=VERSION),
                       hint=msg('Add "version": 1 or download a fresh definitions file from the app.'))
        unknown = sorted(set(obj) - set(_SPECS) - {"version", "targets"})
        if unknown:
            raise _bad(msg("unknown key(s) {keys}", keys=", ".join(unknown)),
                       hint=msg("Known keys: version, targets, {keys}.", keys=", ".join(_SPECS)))
        kwargs = {name: _part_from_json(spec, obj[name]) for name, spec in _SPECS.items() if name in obj}
        targets = obj.get("targets")              # absent: the default targets
        if targets is not None and not isinstance(targets, dict):
            raise _bad(msg("targets must be an object {shape}", shape="{metric: value}"))     # JSON notation
        return cls(**kwargs, targets=None if targets is None else dict(targets))

    @classmethod
    def loads(cls, text: str | bytes) -> "DefinitionSet":
        """Parse JSON text (an uploaded file); bad JSON raises a clear :class:`CxDataError`."""
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise CxDataError(msg("the definitions file is not valid JSON ({error}).", error=str(err)),
                              hint=msg("Upload a file downloaded from the Definitions page.")) from None
        return cls.from_json(obj)


def load_definitions(path: str | None) -> DefinitionSet:
    """CLI helper: the set saved at ``path``, or the defaults when ``path`` is None."""
    if not path:
        return DefinitionSet.default()
    try:
        with open(path, "rb") as fh:
            text = fh.read()
    except OSError as err:
        raise CxDataError(msg("cannot read the definitions file ({reason}).", reason=err.strerror), file=str(path),
                          hint=msg("Check the path given to --definitions.")) from None
    try:
        return DefinitionSet.loads(text)
    except CxDataError as err:
        raise CxDataError(_error_msg(err), file=str(path)) from None
