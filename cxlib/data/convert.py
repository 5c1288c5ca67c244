"""Value conversions used by ``cxlib.data.schema.build``: ids, scores, durations, statuses, order collapse.

Every converter takes a text column and returns ``(values, bad)``, where ``bad`` marks non-empty cells
that could not be understood (build turns them into :class:`cxlib.data.dataset.ColumnIssue` with examples).
All work is vectorized or done on distinct values, so it scales to millions of rows. The notes the
order steps return are :class:`cxlib.core.messages.Msg` sentences (English ``str``, translatable).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxlib.core import statuses
from cxlib.core.messages import Msg, msg
from cxlib.data import export
from cxlib.data.cells import parse_datetimes, parse_numbers

# Cells that mean "no answer": treated as empty, never as unreadable.
NA_TOKENS = frozenset({"n/a", "na", "nan", "none", "null", "-", "—", "–", "not applicable", "no answer",
                       "#n/a", "不适用", "无", "нет ответа", "н/д", "нет данных"})
_HEADER_UNITS = ((re.compile(r"\b(hrs?|hours?)\b|小时|час", re.IGNORECASE), 60.0),
                 (re.compile(r"\b(secs?|seconds?)\b|秒|сек", re.IGNORECASE), 1 / 60),
                 (re.compile(r"\bdays?\b|天|дн", re.IGNORECASE), 1440.0))
_NUMERIC_TEXT = r"\s*[-+]?\(?[\d\s.,']*\d[\d\s.,']*\)?%?\s*"


def _false(index: pd.Index) -> pd.Series:
    return pd.Series(False, index=index, dtype=bool)


def text(series: pd.Series) -> pd.Series:
    """Stripped ``string`` column; blank cells -> NA."""
    s = series.astype("string").str.strip()
    return s.mask(s == "")


def blank_na_tokens(series: pd.Series) -> pd.Series:
    """Text column where 'N/A', 'none', '-' ... are empty."""
    s = text(series)
    uniques = pd.Series(s.dropna().unique(), dtype="object")
    uniques = uniques[uniques.str.len() <= 14]
    tokens = [u for u in uniques if u.casefold() in NA_TOKENS]     # distinct values only: fast on big columns
    return s.mask(s.isin(tokens)) if tokens else s


def ids(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ids as text. A column written entirely as integral floats ("12923.0") loses the ".0"."""
    if pd.api.types.is_float_dtype(series.dtype):
        s = series.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
        return s.astype("string"), _false(series.index)
    s = text(series)
    present = s.dropna()
    if len(present) and present.str.fullmatch(r"-?\d+\.0+").all():
        s = s.str.replace(r"\.0+$", "", regex=True)
    return s, _false(series.index)


def numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64"), _false(series.index)
    return parse_numbers(blank_na_tokens(series))


def scores(series: pd.Series, field_name: str) -> tuple[pd.Series, pd.Series]:
    """NPS / CSAT / CES answers: numbers, "10 - Extremely likely" style labels, or CSAT/CES words."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return numbers(series)
    s = blank_na_tokens(series)
    labels = {"csat": statuses.csat_table(s), "ces": statuses.CES_LABELS}.get(field_name, {})
    from_label, _ = statuses.map_labels(s, labels) if labels else (pd.Series(pd.NA, index=s.index), None)
    lead = s.str.extract(r"^\s*(\d+(?:[.,]\d+)?)(?:\s*(?:[-–—:.)(/]|$))", expand=False)
    nums, _ = parse_numbers(lead)
    values = pd.to_numeric(from_label, errors="coerce").astype("float64").fillna(nums)
    bad = s.notna() & values.isna()
    return values.astype("float64"), bad.fillna(False).astype(bool)


def minutes(series: pd.Series, header: str) -> tuple[pd.Series, pd.Series]:
    """Durations in minutes: plain numbers (unit read from the header: hours, seconds, days) or
    "hh:mm[:ss]" clock durations (Freshdesk)."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        values, bad = numbers(series)
    else:
        s = blank_na_tokens(series)
        parts = s.str.extract(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
        clock = parts[0].notna()
        as_clock = (parts[0].astype("float64") * 60 + parts[1].astype("float64")
                    + parts[2].astype("float64").fillna(0) / 60)
        values, bad = parse_numbers(s.mask(clock))
        factor = next((f for rx, f in _HEADER_UNITS if rx.search(str(header))), 1.0)
        values = (values * factor).where(~clock, as_clock)
        bad = bad & ~clock
    return values.astype("float64"), bad


def labels(series: pd.Series, table: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Words mapped through a vocabulary (order statuses, ticket satisfaction) -> ``string``."""
    values, unknown = statuses.map_labels(blank_na_tokens(series), table)
    return values.astype("string"), unknown


# Currency marks the number parser strips (cxlib.data.cells), as ISO 4217 codes. "¥"/"￥" and 元 are yuan (the
# Chinese exports this reads; Japanese yen would be written JPY).
_CURRENCY_MARKS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY",
                   "₽": "RUB", "руб": "RUB", "р": "RUB", "₹": "INR", "₩": "KRW", "₺": "TRY", "₴": "UAH", "₸": "KZT"}
_CURRENCY_CODES = ("eur", "usd", "gbp", "cny", "rub", "jpy", "chf", "hkd", "aud", "cad", "inr", "krw", "pln",
                   "uah", "kzt", "byn")
_CURRENCY_TOKEN = re.compile(r"(?i)((?<![a-zа-яё])(?:руб|р\.|rmb|" + "|".join(_CURRENCY_CODES)
                             + r")(?![a-zа-яё])|[￥¥€$£₽元₹₩₺₴₸])")   # codes as words: "Cadeau" is no CAD


def _currency_code(token: object) -> str | None:
    if not isinstance(token, str) or not token:
        return None
    key = token.casefold().rstrip(".")
    return _CURRENCY_MARKS.get(token) or _CURRENCY_MARKS.get(key) or (key.upper() if key in _CURRENCY_CODES else None)


def currencies(raw: pd.Series, header: object = "") -> pd.Series | None:
    """The currency each amount is written in, from its symbol or code (``2.370,13 €`` -> ``EUR``), else
    from the column header (``Сумма (руб.)`` -> ``RUB``); None when neither says (a typed column, plain
    numbers under a plain header). Cells without a mark take the header's currency, or stay empty."""
    from_header = _currency_code(next(iter(_CURRENCY_TOKEN.findall(str(header))), None))
    if _typed_column(raw):
        return None if from_header is None else pd.Series(from_header, index=raw.index, dtype="string")
    token = text(raw).str.extract(_CURRENCY_TOKEN, expand=False)
    codes = token.map(_currency_code, na_action="ignore").astype("string")
    if from_header is not None:
        codes = codes.fillna(from_header)
    return codes if codes.notna().any() else None


def _typed_column(s: pd.Series) -> bool:
    return not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype))


_SPACED_OFFSET = r"\s+([+-]\d{2}:?\d{2})$"


def datetimes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Timestamps via ``cxlib.data.cells.parse_datetimes``; "2024-03-05 14:03:11 +0100" (Shopify: a space before
    the offset) is closed up first."""
    if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return parse_datetimes(series)
    s = blank_na_tokens(series)
    if s.dropna().head(200).str.contains(r"\s[+-]\d{2}:?\d{2}$", regex=True).any():
        s = s.str.replace(_SPACED_OFFSET, r"\1", regex=True)
    return parse_datetimes(s)


def localize(values: pd.Series, raw: pd.Series, tz: str) -> pd.Series:
    """Reinterpret timestamps written without an offset as wall-clock time in ``tz``, then UTC."""
    sample = text(raw).dropna().head(200)
    if sample.empty or sample.str.contains(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)\s*$", regex=True).any():
        return values
    naive = values.dt.tz_localize(None).dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return naive.dt.tz_convert("UTC").astype("datetime64[us, UTC]")


def examples(raw: pd.Series, mask: pd.Series, first_row: int, distinct: bool = False) -> tuple[tuple[int, str], ...]:
    """Up to five (1-based file row, raw text) pairs where ``mask`` is true."""
    pos = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
    picked: list[tuple[int, str]] = []
    seen: set[str] = set()
    for p in pos:
        value = str(raw.iloc[p])
        if distinct and value in seen:
            continue
        seen.add(value)
        picked.append((first_row + int(p), value))
        if len(picked) == 5:
            break
    return tuple(picked)


def formula_cells(df: pd.DataFrame) -> int:
    """Text cells a spreadsheet would run as formulas; numbers such as "-5" or "+3.5" are not counted."""
    n = 0
    for col in df.columns:
        s = df[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        s = s.astype("string")
        cand = s[s.str.startswith(export.FORMULA_PREFIXES, na=False)]
        cand = cand[~cand.str.fullmatch(_NUMERIC_TEXT, na=False)]
        if len(cand):
            n += export.count_formulas(cand.astype(object).to_frame())
    return n


def row_hashes(df: pd.DataFrame) -> pd.Series:
    """One uint64 per row (vectorized), for duplicate counts and content digests."""
    return pd.util.hash_pandas_object(df, index=False)


def spread_sample(series: pd.Series, n: int = 200_000) -> pd.Series:
    """At most ``n`` values taken evenly across the column (not just its start)."""
    step = max(1, len(series) // n)
    return series.iloc[::step]


# ---------------------------------------------------------------- orders: one row per order
def collapse_orders(frame: pd.DataFrame, amount_agg: str = "auto") -> tuple[pd.DataFrame, list[str]]:
    """Line items -> one row per order_id.

    amount: the order total when the export has one (``first`` non-empty per order, e.g. Shopify writes
    Total only on the first line row), the sum of line amounts (``sum``), else sum(quantity x unit_price);
    items = sum(quantity); every other column: first non-empty value.
    """
    notes: list[str] = []
    has_qp = "quantity" in frame and "unit_price" in frame
    line = frame["quantity"] * frame["unit_price"] if has_qp else None
    if "amount" not in frame and line is not None:
        frame = frame.assign(amount=line)
        amount_agg = "sum"
    if "order_id" not in frame:
        return _drop_line_fields(frame, frame.get("quantity")), notes
    ids = frame["order_id"]
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)      # first-seen order, fast on arrow strings
    no_id = codes < 0
    if no_id.any():
        codes = codes.copy()
        codes[no_id] = len(uniques) + np.arange(int(no_id.sum()))     # each id-less row is its own order
        notes += no_order_id_notes(int(no_id.sum()))
    if int(codes.max(initial=-1)) + 1 == len(frame):
        return _drop_line_fields(frame, frame.get("quantity")), notes
    key = pd.Series(codes, index=frame.index, name="__order")
    if amount_agg == "auto":
        amount_agg = _amount_style(frame["amount"], key)
    groups = frame.groupby(key, sort=True)       # codes are in first-seen order
    out = groups.first()
    if amount_agg == "sum":
        out["amount"] = groups["amount"].sum(min_count=1)
    quantity = groups["quantity"].sum(min_count=1) if "quantity" in frame else None
    out = _drop_line_fields(out, quantity).reset_index(drop=True)
    out["order_id"] = out["order_id"].astype("string")
    notes.append(msg("{lines:,} line rows were combined into {orders:,} orders (one row per order id).",
                     lines=len(frame), orders=len(out)))
    return out, notes


def no_order_id_notes(count: int) -> list[Msg]:
    """The sentence on rows without an order id (none when there are none)."""
    return [msg("{count} row(s) have no order id; each was kept as a separate order.", count=count)] if count else []


def refund_notes(marked: int, whole: int, part: int) -> list[Msg]:
    """The sentences on statuses made to agree with refund amounts (:func:`refund_statuses`), in its order."""
    notes = []
    if marked:
        notes.append(msg("{count:,} order(s) with a refund amount were marked refunded or partially_refunded "
                         "(a cancelled order counts as refunded only when all of it was paid back).", count=marked))
    if whole:
        notes.append(msg("{count:,} refunded order(s) have no refund amount: their whole amount is taken as "
                         "refunded.", count=whole))
    if part:
        notes.append(msg("{count:,} partially refunded order(s) have no refund amount: nothing is subtracted "
                         "for them, so net revenue may be overstated. Map the refund column if the file has one.",
                         count=part))
    return notes


def _amount_style(amount: pd.Series, key: pd.Series) -> str:
    """'first' when the amount is an order total (blank or repeated on the other rows of an order),
    'sum' when each line row has its own amount."""
    multi = key.duplicated(keep=False)
    if not multi.any():
        return "first"
    a = amount[multi]
    if a.isna().any():
        return "first"
    varies = a.groupby(key[multi], sort=False).nunique().gt(1)
    return "sum" if varies.mean() > 0.05 else "first"


def _drop_line_fields(frame: pd.DataFrame, quantity: pd.Series | None) -> pd.DataFrame:
    out = frame.drop(columns=[c for c in ("quantity", "unit_price") if c in frame])
    if quantity is not None and "items" not in out:
        pos = list(out.columns).index("amount") + 1 if "amount" in out else len(out.columns)
        out.insert(pos, "items", quantity.to_numpy())
    return out


def credit_notes(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Invoices numbered "C123" among numeric invoices are credit notes: status cancelled, positive
    amount and items (UCI Online Retail)."""
    if "order_id" not in frame or (("status" in frame) and frame["status"].notna().any()):
        return frame, []
    ids = frame["order_id"].astype("string").str.strip()
    credit = ids.str.fullmatch(r"[Cc]\d+").fillna(False).astype(bool)
    if not credit.any() or ids.str.fullmatch(r"\d+").fillna(False).mean() < 0.5:
        return frame, []
    out = frame.copy()
    status = pd.Series("completed", index=out.index, dtype="string").mask(credit, "cancelled")
    out["status"] = status
    for col in ("amount", "items"):
        if col in out:
            out[col] = out[col].where(~credit, out[col].abs())
    return out, [msg("{count:,} invoice(s) numbered 'C…' are credit notes (cancellations): marked cancelled.",
                     count=int(credit.sum()))]


def refund_statuses(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Make status and refunded amount agree, once, for every analysis.

    - A completed order with money refunded is refunded (all of it) or partially_refunded.
    - A cancelled/closed order whose whole amount was refunded was paid, then refunded (Taobao closes
      such orders as 交易关闭): it is refunded, as Shopify reports the same case, so it counts as a valid
      order with net 0. A cancelled order with only part of its amount refunded stays cancelled: no
      revenue is counted for it.
    - A refunded order with no refund amount was refunded in full: refunded = amount.
    - A partially_refunded order with no refund amount cannot be netted: it is warned about.
    """
    if not {"status", "amount"} <= set(frame.columns):
        return frame, []
    st = frame["status"]
    had_column = "refunded" in frame.columns
    refund = frame["refunded"].astype("float64") if had_column else pd.Series(np.nan, index=frame.index)
    paid_back = refund.fillna(0.0) > 0
    full = refund >= frame["amount"].fillna(0.0) - 0.005
    completed = st.isin(["completed"]).fillna(False) & paid_back
    closed = st.isin(["cancelled"]).fillna(False) & paid_back & full
    out = frame.copy()
    if completed.any() or closed.any():
        out["status"] = st.mask((completed | closed) & full, "refunded").mask(completed & ~full, "partially_refunded") \
            .astype("string")
    st = out["status"]
    whole = st.eq("refunded").fillna(False) & refund.isna()
    if whole.any():
        refund = refund.mask(whole, frame["amount"])
    part = st.eq("partially_refunded").fillna(False) & refund.isna()
    notes = refund_notes(int((completed | closed).sum()), int(whole.sum()), int(part.sum()))
    if had_column or whole.any():
        out["refunded"] = refund
    return out, notes


