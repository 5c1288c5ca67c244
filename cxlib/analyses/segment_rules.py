"""A small, safe rule language for customer segments (no eval, no pandas.query on user text).

Grammar (keywords are case-insensitive; ``and`` binds tighter than ``or``)::

    rule      := and_rule ("or" and_rule)*
    and_rule  := term ("and" term)*
    term      := "not" term | "(" rule ")" | condition
    condition := FIELD OP value | FIELD "in" list | FIELD "contains" value
    OP        := = | == | != | < | <= | > | >=
    list      := "(" value ("," value)* ")"  |  "[" value ("," value)* "]"
    value     := 'quoted text' | "quoted text" | bare words (joined by one space) | number | YYYY-MM-DD

Examples: ``country = DE and orders >= 2``, ``segment in (At risk, Can't lose) or nps <= 6``,
``tags contains vip and not city = Berlin``. FIELD is a column of the customer table (see
``FIELD_HELP``); a name with spaces goes in backticks: ```loyalty tier` = gold``.

Semantics: text compares case-insensitively; ``contains`` is a case-insensitive substring test;
dates compare by calendar day (UTC); a condition on a missing value is false (also for ``!=``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, Union

import numpy as np
import pandas as pd

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, N_, msg

FieldKind = Literal["number", "text", "date"]
OPS = ("=", "!=", "<", "<=", ">", ">=", "in", "contains")
FIELD_HELP: dict[str, str] = {       # field names are the rule language (English); their help is translated
    "orders": N_("number of valid orders"), "net_revenue": N_("net revenue"), "aov": N_("average order value"),
    "recency_days": N_("days since the last valid order"), "first_order_at": N_("date of the first valid order"),
    "last_order_at": N_("date of the last valid order"), "segment": N_("RFM segment name"),
    "r": N_("recency score 1-5"), "f": N_("frequency score 1-5"), "m": N_("monetary score 1-5"),
    "fm": N_("FM score 1-5"), "rfm": N_("RFM code such as 545"), "value_tier": N_("value tier (Top 10%, ...)"),
    "nps": N_("latest NPS answer 0-10"), "csat": N_("latest CSAT answer"), "tickets": N_("number of support tickets"),
    "country": N_("customer country"), "city": N_("customer city"), "gender": N_("customer gender"),
    "tags": N_("customer tags"), "signup_at": N_("signup date"), "email": N_("email address"),
    "customer_id": N_("customer id"), "nps_band": N_("NPS band of the latest answer (detractor, passive, promoter)"),
}
ALIASES = {"rfm_segment": "segment", "r_score": "r", "f_score": "f", "m_score": "m", "fm_score": "fm",
           "revenue": "net_revenue", "recency": "recency_days", "frequency": "orders"}
_KEYWORDS = {"and", "or", "not", "in", "contains"}
_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<op><=|>=|!=|==|=|<|>) | (?P<punct>[(),\[\]])
  | (?P<str>'(?:[^']|'')*'|"(?:[^"]|"")*") | (?P<bq>`[^`]+`)
  | (?P<word>[^\s()\[\],=!<>'"`][^\s()\[\],=!<>"`]*)
    """, re.X)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str                        # op, punct, str, bq, word, end
    text: str
    pos: int                         # 1-based character position in the rule


@dataclass(frozen=True, slots=True)
class Condition:
    field: str                       # column of the customer table
    kind: FieldKind
    op: str
    values: tuple                    # one value, or several for "in"


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: Literal["and", "or", "not"]
    items: tuple["Node", ...]


Node = Union[Condition, BoolOp]


def field_kinds(df: pd.DataFrame) -> dict[str, FieldKind]:
    """Kind of each column usable in a rule: number, date or text."""
    out: dict[str, FieldKind] = {}
    for col in df.columns:
        dtype = df[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            out[str(col)] = "number"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            out[str(col)] = "date"
        else:
            out[str(col)] = "text"
    return out


def tokenize(text: str) -> list[Token]:
    tokens, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            quote = text[i] in "'\"`"
            raise CxDataError(msg("rule: at position {position}, a quote is never closed.", position=i + 1) if quote
                              else msg("rule: at position {position}, unexpected character {character}.",
                                       position=i + 1, character=repr(text[i])),
                              hint=msg("Close quotes; write conditions as field op value, e.g. country = DE."))
        kind = m.lastgroup
        if kind != "ws":
            tokens.append(Token(kind, m.group(), i + 1))
        i = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, kinds: dict[str, FieldKind]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.kinds = kinds
        self.lower = {k.lower(): k for k in kinds}

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _fail(self, expected: Msg | str) -> None:
        """``expected``: a Msg phrase, or a plain str when it is only rule syntax such as ``')'``."""
        if self.tok.kind == "end":
            # TRANSLATORS: {expected} is a phrase such as "an operator (=, !=, ...)", translated on its own
            error = msg("rule: at position {position}, expected {expected} but found the end of the rule.",
                        position=self.tok.pos, expected=expected)
        else:
            # TRANSLATORS: {token} is what the user typed in the rule
            error = msg("rule: at position {position}, expected {expected} but found '{token}'.",
                        position=self.tok.pos, expected=expected, token=self.tok.text)
        raise CxDataError(error, hint=msg("Example: country = DE and orders >= 2."))

    def _kw(self, *words: str) -> bool:
        return self.tok.kind == "word" and self.tok.text.lower() in words

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise CxDataError(msg("rule: the rule is empty."), hint=msg("Example: country = DE and orders >= 2."))
        node = self.rule()
        if self.tok.kind != "end":
            # TRANSLATORS: and, or, not, in, contains are words of the rule language: keep them in English
            self._fail(msg("'and', 'or' or the end of the rule"))
        return node

    def rule(self) -> Node:
        items = [self.and_rule()]
        while self._kw("or"):
            self.i += 1
            items.append(self.and_rule())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_rule(self) -> Node:
        items = [self.term()]
        while self._kw("and"):
            self.i += 1
            items.append(self.term())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def term(self) -> Node:
        if self._kw("not"):
            self.i += 1
            return BoolOp("not", (self.term(),))
        if self.tok.text == "(":
            self.i += 1
            node = self.rule()
            if self.tok.text != ")":
                self._fail("')'")
            self.i += 1
            return node
        return self.condition()

    def condition(self) -> Condition:
        tok = self.tok
        if tok.kind == "bq":
            name = tok.text[1:-1]
        elif tok.kind == "word" and tok.text.lower() not in _KEYWORDS:
            name = tok.text
        else:
            self._fail(msg("a field name (e.g. country, orders, segment) or '('"))
        col = self.lower.get(name.lower()) or self.lower.get(ALIASES.get(name.lower(), "\0"))
        if col is None:
            known = ", ".join(sorted(self.kinds)[:30])
            raise CxDataError(msg("rule: at position {position}, unknown field '{field}'.", position=tok.pos, field=name),
                              hint=msg("Known fields: {fields}.", fields=known))
        kind = self.kinds[col]
        self.i += 1
        op_tok = self.tok
        if op_tok.kind == "op":
            op = "=" if op_tok.text == "==" else op_tok.text
        elif self._kw("in", "contains"):
            op = op_tok.text.lower()
        else:
            self._fail(msg("an operator (=, !=, <, <=, >, >=, in, contains)"))
        self.i += 1
        if op in ("<", "<=", ">", ">=") and kind == "text":
            raise CxDataError(msg("rule: at position {position}, '{operator}' needs a number or date field but "
                                  "'{field}' is text.", position=op_tok.pos, operator=op, field=col),
                              hint=msg("Use =, !=, in or contains with text fields."))
        if op == "contains" and kind != "text":
            raise CxDataError(msg("rule: at position {position}, 'contains' needs a text field but '{field}' is a "
                                  "number.", position=op_tok.pos, field=col) if kind == "number" else
                              msg("rule: at position {position}, 'contains' needs a text field but '{field}' is a "
                                  "date.", position=op_tok.pos, field=col),
                              hint=msg("Use =, <, >, ... with numbers and dates."))
        multi = kind == "text"
        raw = self.value_list(multi) if op == "in" else [self.value(multi)]
        return Condition(col, kind, op, tuple(_convert(v, p, col, kind) for v, p in raw))

    def value_list(self, multi: bool) -> list[tuple[str, int]]:
        if self.tok.text not in ("(", "["):
            self._fail(msg("'(' to start the list of values after 'in'"))
        close = ")" if self.tok.text == "(" else "]"
        self.i += 1
        items = [self.value(multi)]
        while self.tok.text == ",":
            self.i += 1
            items.append(self.value(multi))
        if self.tok.text != close:
            # TRANSLATORS: {bracket} is ) or ]
            self._fail(msg("',' or '{bracket}'", bracket=close))
        self.i += 1
        return items

    def value(self, multi: bool = True) -> tuple[str, int]:
        """A quoted string, or bare words (several joined by a space only for text fields)."""
        tok = self.tok
        if tok.kind == "str":
            self.i += 1
            q = tok.text[0]
            return tok.text[1:-1].replace(q + q, q), tok.pos
        words = []
        while self.tok.kind == "word" and self.tok.text.lower() not in _KEYWORDS and (multi or not words):
            words.append(self.tok.text)
            self.i += 1
        if not words:
            self._fail(msg("a value (a number, a date, a word or 'quoted text')"))
        return " ".join(words), tok.pos


def _convert(text: str, pos: int, col: str, kind: FieldKind):
    if kind == "number":
        try:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
        except ValueError:
            raise CxDataError(msg("rule: at position {position}, '{field}' is a number but the value is '{value}'.",
                                  position=pos, field=col, value=text),
                              hint=msg("Write a number such as 2 or 19.99.")) from None
    if kind == "date":
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            ts = None
        if ts is None or pd.isna(ts):
            raise CxDataError(msg("rule: at position {position}, '{field}' is a date but the value is '{value}'.",
                                  position=pos, field=col, value=text),
                              hint=msg("Write dates as YYYY-MM-DD."))
        return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).normalize()
    return text.strip().lower()


def parse_rule(text: str, kinds: dict[str, FieldKind]) -> Node:
    """Parse ``text`` against the available fields; CxDataError names the position and what was expected."""
    return _Parser(str(text), kinds).parse()


def evaluate(node: Node, df: pd.DataFrame) -> np.ndarray:
    """Boolean mask (one entry per row of ``df``) of a parsed rule."""
    if isinstance(node, BoolOp):
        masks = [evaluate(n, df) for n in node.items]
        if node.op == "not":
            return ~masks[0]
        return np.logical_and.reduce(masks) if node.op == "and" else np.logical_or.reduce(masks)
    s = df[node.field]
    if node.kind == "text":
        s = s.astype("string").str.strip().str.lower()
    elif node.kind == "number":
        s = pd.to_numeric(s, errors="coerce").astype(float)
    else:
        s = s.dt.tz_convert("UTC").dt.normalize() if getattr(s.dt, "tz", None) else s.dt.tz_localize("UTC").dt.normalize()
    present = s.notna().to_numpy()
    v = node.values[0]
    if node.op == "in":
        hit = s.isin(list(node.values))
    elif node.op == "contains":
        hit = s.str.contains(v, regex=False)
    else:
        hit = {"=": s.__eq__, "!=": s.__ne__, "<": s.__lt__, "<=": s.__le__, ">": s.__gt__, ">=": s.__ge__}[node.op](v)
    return hit.fillna(False).to_numpy(dtype=bool) & present


def fields_of(node: Node) -> frozenset[str]:
    """The customer-table fields a parsed rule reads (``nps <= 6 and orders >= 2`` -> nps, orders)."""
    if isinstance(node, BoolOp):
        return frozenset().union(*(fields_of(n) for n in node.items))
    return frozenset((node.field,))


def rule_mask(text: str, df: pd.DataFrame) -> np.ndarray:
    """Parse and evaluate a rule on a customer table."""
    return evaluate(parse_rule(text, field_kinds(df)), df)


def describe_rule(text: str) -> Msg:
    return msg("Customers matching: {rule}.", rule=" ".join(str(text).split()))
