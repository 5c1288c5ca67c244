"""Role detection: what a table is (orders, events, ...) and which column is which canonical field.

``detect(table, role=None) -> Detection`` scores every role from the headers (synonyms, keywords) and a
sample of the values, applies the recognizers of known exports, and says how sure it is (below
``CONFIDENT`` the Data page asks the user). ``missing_required`` lists the required fields a mapping
lacks. ``cxlib.data.schema.build`` then converts the table with the chosen mapping.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cxlib.core import statuses
from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.data import convert, recognizers
from cxlib.data.cells import parse_flags
from cxlib.data.recognizers import Recognizer
from cxlib.data.roles import ONE_OF, ROLES, ROLES_BY_NAME, Field, Role
from cxlib.data.synonyms import norm_header, synonyms_for


@dataclass(frozen=True)
class Detection:
    """Best guess of what a table is: role, mapping canonical -> source column, and how sure."""

    role: str | None
    mapping: dict[str, str]
    confidence: float = 0.0          # 0..1; below 0.6 the Data page asks the user to confirm
    recognized_as: str | None = None  # name of a known export, when a recognizer matched
    candidates: tuple[tuple[str, float], ...] = ()   # (role, score) best first
    # When no role fits (``role`` None): the role and columns to offer in the mapping form, never applied
    # without the user: money + a date (+ a status) suggests orders, else the best partial guess.
    suggested: str | None = None
    suggested_mapping: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- detection
_SAMPLE_ROWS = 500
_STRONG, _KEYWORD, _WEAK, _BY_VALUE = 1.0, 0.8, 0.5, 0.7
CONFIDENT = 0.6                      # detections below this ask the user


@dataclass(frozen=True)
class _RoleGuess:
    role: str
    mapping: dict[str, str]
    score: float                     # 0..1
    evidence: float                  # ranking: 2 x required scores + optional scores
    complete: bool


class _Sample:
    """First rows of a table with cached per-column value checks."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df.head(_SAMPLE_ROWS)
        self.headers = {c: norm_header(c) for c in df.columns}
        self._cache: dict[tuple[str, str], float] = {}
        self._values: dict[str, pd.Series] = {}

    def values(self, col: str) -> pd.Series:
        if col not in self._values:
            s = self.df[col]
            if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
                s = convert.blank_na_tokens(s)
            self._values[col] = s.dropna()
        return self._values[col]

    def fit(self, col: str, role: str, f: Field) -> float:
        key = (col, f"{role}.{f.name}")
        if key not in self._cache:
            self._cache[key] = self._fit(col, role, f)
        return self._cache[key]

    def _fit(self, col: str, role: str, f: Field) -> float:
        """Share of sample values that suit the field (0..1); 0.8 for an empty column (header only)."""
        s = self.values(col)
        if s.empty:
            return 0.8
        if f.name in ("nps", "csat", "ces"):
            v, bad = convert.scores(s, f.name)
            return float((~bad & v.between(0, 10)).mean())
        if role == "orders" and f.name == "status":       # a header says it: unknown labels are reported
            return 0.8 + 0.2 * statuses.share_known(s, statuses.ORDER_STATUS_TABLE)
        if f.name == "satisfaction":
            return 0.8 + 0.2 * statuses.share_known(s, statuses.SATISFACTION_TABLE)
        if f.name.endswith("_minutes"):
            return float(1 - convert.minutes(s, col)[1].mean())
        if f.kind == "datetime":
            return float(1 - convert.datetimes(s)[1].mean())
        if f.kind == "number":
            return float(1 - convert.numbers(s)[1].mean())
        if f.kind == "flag":
            return float(1 - parse_flags(s)[1].mean())
        return 1.0

    def by_value(self, col: str, role: str, f: Field) -> float:
        """Evidence from values alone, for columns whose header says nothing."""
        if (role, f.name) not in _VALUE_HINTS and f.name != "csat":
            return 0.0
        key = (col, f"value:{role}.{f.name}")
        if key not in self._cache:
            self._cache[key] = self._by_value(col, role, f)
        return self._cache[key]

    def _by_value(self, col: str, role: str, f: Field) -> float:
        s = self.values(col)
        if s.empty:
            return 0.0
        if role == "orders" and f.name == "status":
            ok = statuses.share_known(s, statuses.ORDER_STATUS_TABLE) >= 0.8
        elif role == "tickets" and f.name == "satisfaction":
            ok = statuses.share_known(s, statuses.SATISFACTION_TABLE) >= 0.8
        elif f.name == "csat":
            ok = statuses.share_known(s, statuses.csat_table(s)) >= 0.8
        elif role == "experiment" and f.name == "variant":
            u = s.astype("string").str.strip().str.casefold().unique()
            ok = 2 <= len(u) <= 10 and any(x in ("control", "baseline", "a") for x in u)
        else:
            ok = False
        return _BY_VALUE if ok else 0.0


_VALUE_HINTS = {("orders", "status"), ("tickets", "satisfaction"), ("experiment", "variant")}


def _header_score(header: str, role: str, f: Field) -> float:
    strong, weak, keywords = synonyms_for(role, f.name)
    if header in strong:
        return _STRONG
    if any(k and k in header for k in keywords):
        return _KEYWORD
    if header in weak:
        return _WEAK
    return 0.0


def _assign(sample: _Sample, spec: Role, fields: tuple[str, ...] | None = None,
            taken: frozenset[str] = frozenset()) -> dict[str, tuple[str, float]]:
    """Greedy best field <- column assignment: canonical -> (column, score)."""
    options = []
    for order, f in enumerate(spec.fields):
        if fields is not None and f.name not in fields:
            continue
        for col, header in sample.headers.items():
            if col in taken:
                continue
            h = _header_score(header, spec.name, f)
            if h:
                factor = _fit_factor(sample.fit(col, spec.name, f))
                # an exact header name is strong evidence even when values disagree: map it, report cells
                score = h * (max(factor, 0.3) if h == _STRONG else factor)
            else:
                score = sample.by_value(col, spec.name, f)
            if score >= 0.2:
                options.append((-score, -int(f.required), order, col, f.name, score))
    # required fields choose first (so "email" can stand in for a missing customer id), best score first
    options.sort(key=lambda t: (t[1], t[0], t[2]))
    chosen: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    for *_, col, name, score in options:
        if name not in chosen and col not in used:
            chosen[name] = (col, score)
            used.add(col)
    return chosen


def _fit_factor(share: float) -> float:
    return share if share >= 0.8 else 0.3 * share


def _guess(sample: _Sample, spec: Role) -> _RoleGuess:
    chosen = _assign(sample, spec)
    got = {k: s for k, (_, s) in chosen.items()}
    needed: list[float] = []
    for name in spec.required:
        if spec.name == "orders" and name == "amount" and "amount" not in got:
            needed.append(min(got.get("quantity", 0.0), got.get("unit_price", 0.0)))
        elif spec.name == "tickets" and name == "ticket_id" and name not in got:    # numbered by row instead
            needed.append(max(got.get("first_reply_minutes", 0.0), got.get("resolution_minutes", 0.0)))
        else:
            needed.append(got.get(name, 0.0))
    if spec.name in ONE_OF:
        needed.append(max(got.get(n, 0.0) for n in ONE_OF[spec.name]))
    complete = all(v > 0 for v in needed)
    req_cov = sum(needed) / len(needed)
    optional = sum(s for k, s in got.items() if k not in spec.required)
    if complete:
        score = req_cov * (0.75 + 0.25 * min(1.0, optional / 2))
    else:
        score = 0.4 * req_cov
    evidence = 2 * sum(needed) + optional
    return _RoleGuess(spec.name, {k: c for k, (c, _) in chosen.items()}, round(score, 3), evidence, complete)


def detect(table, role: str | None = None) -> Detection:
    """Guess the role and the mapping of a table (``cxlib.data.table.Table``).

    Known exports (Shopify, Taobao, Ozon, Wildberries, UCI Online Retail, CDNOW, GA4, REES46, SurveyMonkey,
    Typeform, Google Forms, Zendesk, Freshdesk, experiment logs) are recognized by their headers and get a
    fixed mapping. Otherwise every role is scored by how well its required fields are covered by header
    synonyms (en/zh/ru) confirmed by values; ties and weak evidence give ``confidence`` < 0.6.
    With ``role`` given, returns the best mapping for that role.
    """
    if role is not None and role not in ROLES_BY_NAME:
        raise unknown_role(table, role)
    sample = _Sample(table.df)
    guesses = [_guess(sample, spec) for spec in ROLES if role in (None, spec.name)]
    guesses.sort(key=lambda g: (g.complete, g.evidence, g.score), reverse=True)
    candidates = tuple((g.role, g.score) for g in guesses)
    found = recognizers.match(table.df)
    if found and role in (None, found[0].role):
        return _recognized(sample, found[0], found[1], candidates)
    best = guesses[0]
    if role is None and not best.complete:
        suggested, partial = _suggest(sample, best)
        return Detection(None, {}, best.score, None, candidates, suggested, partial)
    runner = guesses[1] if len(guesses) > 1 else None
    tie = runner is not None and runner.complete and runner.evidence >= 0.8 * best.evidence
    recognized = _generic_recognizer(table.df, best)
    if tie:
        confidence = min(best.score, 0.55)       # two roles fit about equally: ask
    else:
        confidence = max(best.score, 0.9) if recognized else best.score
    return Detection(best.role, best.mapping, round(confidence, 3), recognized, candidates)


def _suggest(sample: _Sample, best: _RoleGuess) -> tuple[str | None, dict[str, str]]:
    """What to offer when no role's required fields are all found: orders when the values show money
    and dates (headers in a language the synonyms do not know), else the best partial guess, if any."""
    by_values = _orders_by_values(sample)
    if {"amount", "ordered_at"} <= set(by_values):
        mapping = {**{k: v for k, v in best.mapping.items() if best.role == "orders"}, **by_values}
        return "orders", {k: c for k, c in mapping.items() if list(mapping.values()).count(c) == 1}
    return (best.role, dict(best.mapping)) if best.mapping else (None, {})


def _orders_by_values(sample: _Sample) -> dict[str, str]:
    """Columns that look like an order's amount (money: a currency mark or two decimals), date and status
    (known status words, or a text column with a few repeated values), judged on values alone."""
    found: dict[str, str] = {}
    for col in sample.df.columns:
        s = sample.values(col)
        if s.empty:
            continue
        if typed(s):                                    # Parquet / Excel: the type says it
            kind = ("ordered_at" if pd.api.types.is_datetime64_any_dtype(s)
                    else "amount" if pd.api.types.is_float_dtype(s) else None)
            if kind and kind not in found:
                found[kind] = col
            continue
        text = s.astype("string")
        if "amount" not in found and _money_like(text):
            found["amount"] = col
        elif "ordered_at" not in found and not text.str.fullmatch(r"\s*[\d.,]+\s*").all()                 and convert.datetimes(text)[1].mean() <= 0.1:
            found["ordered_at"] = col
        elif "status" not in found and (statuses.share_known(text, statuses.ORDER_STATUS_TABLE) >= 0.5
                                        or 2 <= text.nunique() <= 10 < len(text) and text.nunique() * 3 <= len(text)):
            found["status"] = col
    return found


def _money_like(text: pd.Series) -> bool:
    """Amounts of money: numbers, most with a currency mark or with exactly two decimals."""
    if convert.numbers(text)[1].mean() > 0.1:
        return False
    marked = text.str.contains(r"[￥¥€$£₽元₹₩₺₴₸]|\b[A-Z]{3}\b", regex=True).mean()
    cents = text.str.contains(r"\d[.,]\d{2}(?:\D*)$", regex=True).mean()
    return bool(marked >= 0.5 or cents >= 0.8)


def _recognized(sample: _Sample, rec: Recognizer, mapping: dict[str, str],
                candidates: tuple[tuple[str, float], ...]) -> Detection:
    mapping = dict(mapping)
    spec = ROLES_BY_NAME[rec.role]
    if rec.generic:
        extra = _assign(sample, spec, rec.generic, frozenset(mapping.values()))
        mapping.update({k: c for k, (c, _) in extra.items() if k not in mapping})
    complete = missing_fields(spec, mapping, rec) == []
    confidence = 0.95 if complete else 0.5
    others = tuple((r, s) for r, s in candidates if r != rec.role)
    return Detection(rec.role, mapping, confidence, rec.name, ((rec.role, confidence),) + others)


def _generic_recognizer(df: pd.DataFrame, guess: _RoleGuess) -> str | None:
    """Names for exports recognized by shape rather than exact headers."""
    if not guess.complete:
        return None
    if guess.role == "responses" and len(df.columns) and norm_header(df.columns[0]) in {
            norm_header(h) for h in recognizers.GOOGLE_FORMS.signature[0]}:
        return recognizers.GOOGLE_FORMS.name
    if guess.role == "experiment":
        return recognizers.EXPERIMENT_LOG.name
    return None


def missing_required(role: str, mapping: dict[str, str], recognized_as: str | None = None) -> list[str]:
    """Required fields of ``role`` that ``mapping`` leaves without a column ([] when usable).

    Knows the alternatives: orders need amount *or* quantity and unit_price; responses need one of
    nps/csat/ces; a recognized export may lack a field by design (Ozon and Wildberries have no buyer id).
    """
    return missing_fields(ROLES_BY_NAME[role], mapping, recognizers.RECOGNIZERS_BY_NAME.get(recognized_as or ""))


def missing_fields(spec: Role, mapping: dict[str, str], rec: Recognizer | None = None) -> list[str]:
    ok_absent = set(rec.absent_ok) if rec else set()
    missing = [f for f in spec.required if f not in mapping and f not in ok_absent]
    if spec.name == "orders" and "amount" in missing and {"quantity", "unit_price"} <= set(mapping):
        missing.remove("amount")
    if spec.name == "tickets" and "ticket_id" in missing:      # absent: tickets are numbered by row (build)
        missing.remove("ticket_id")
    if spec.name in ONE_OF and not any(f in mapping for f in ONE_OF[spec.name]):
        missing.append(_any_of(ONE_OF[spec.name]))
    return missing


def _any_of(names: tuple[str, ...]) -> str:
    """``"nps or csat or ces"``: field names (keys) joined by a translatable "or"."""
    # TRANSLATORS: alternatives among field names (nps, csat, ces): any one of them is enough
    if len(names) == 2:
        return msg("{first} or {second}", first=names[0], second=names[1])
    if len(names) == 3:
        return msg("{first} or {second} or {third}", first=names[0], second=names[1], third=names[2])
    return " or ".join(names)      # not used: ONE_OF lists three fields


def unknown_role(table, role: str) -> CxDataError:
    return CxDataError(msg("unknown role '{role}'.", role=role), file=table.name,
                       hint=msg("Use one of: {roles}.", roles=", ".join(ROLES_BY_NAME)))


def typed(s: pd.Series) -> bool:
    return not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype))
