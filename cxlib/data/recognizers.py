"""Recognizers for known exports: a fixed mapping plus the export's special handling.

A :class:`Recognizer` matches a table by its headers (``signature``: groups of alternative headers, every
group must be present) or, for headerless files, by a ``resolve`` function looking at values. It gives
the role, the mapping (canonical field -> the file's column) and two optional hooks used by
``cxlib.data.schema.build``: ``prepare`` rewrites the text table before conversion (e.g. GA4 microsecond
timestamps, REES46 revenue only on purchases) and ``local_tz`` says in which time zone the export writes
naive timestamps (Taobao: Asia/Shanghai; Ozon, Wildberries: Europe/Moscow).

A recognizer's ``name`` is both its key (``Report.recognized_as``, the CLI's JSON) and what a person
reads, so it stays English and is marked with ``N_``: an interface translates it for display. Derived
column names ("status (derived)") are column names of the dataset, not text, and stay as they are.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from cxlib.core.messages import N_, Msg, msg
from cxlib.data.synonyms import norm_header

Prepare = Callable[[pd.DataFrame, dict[str, str]], tuple[pd.DataFrame, dict[str, str], list[str]]]
AmountAgg = Literal["auto", "first", "sum"]


@dataclass(frozen=True)
class Recognizer:
    name: str                                        # shown as "recognized as ..." (N_-marked label)
    role: str
    signature: tuple[tuple[str, ...], ...]           # every group must match one of its headers
    mapping: tuple[tuple[str, tuple[str, ...]], ...]  # canonical -> alternative headers, first present wins
    generic: tuple[str, ...] = ()                    # fields left to synonym detection (survey questions)
    absent_ok: tuple[str, ...] = ()                  # required fields this export does not have
    amount_agg: AmountAgg = "auto"                   # how line rows add up to an order amount
    local_tz: str | None = None                      # zone of naive timestamps in this export
    prepare: Prepare | None = None
    resolve: Callable[[pd.DataFrame], dict[str, str] | None] | None = None
    note: str = ""                                   # one sentence (a Msg) added to the report's warnings
    # headers (compared as ``norm_header`` forms) that ``prepare`` reads besides the mapped columns: a table read
    # column by column (``cxlib.data.connected``) reads these too
    reads: tuple[str, ...] = ()

    def match(self, df: pd.DataFrame) -> dict[str, str] | None:
        """Mapping canonical -> column when this export is recognized, else None."""
        if self.resolve is not None:
            return self.resolve(df)
        cols = _columns(df)
        if not all(any(norm_header(h) in cols for h in group) for group in self.signature):
            return None
        out = {}
        for canon, alternatives in self.mapping:
            src = next((cols[norm_header(h)] for h in alternatives if norm_header(h) in cols), None)
            if src is not None and src not in out.values():
                out[canon] = src
        return out


def _columns(df: pd.DataFrame) -> dict[str, str]:
    cols: dict[str, str] = {}
    for c in df.columns:
        cols.setdefault(norm_header(c), c)
    return cols


def _added(df: pd.DataFrame, name: str, values: pd.Series) -> pd.DataFrame:
    out = df.copy()
    out[name] = values
    return out


# ---------------------------------------------------------------- special handling (text level)
def _shopify(df, mapping):
    """A cancelled order (``Cancelled at`` set) that was not refunded is cancelled, whatever it was paid."""
    cols = _columns(df)
    cancelled_col, status_col = cols.get("cancelledat"), mapping.get("status")
    if not cancelled_col or not status_col:
        return df, mapping, []
    status = df[status_col].astype("string")
    is_cancelled = df[cancelled_col].notna() & ~status.str.lower().str.contains("refund", na=False)
    if not is_cancelled.any():
        return df, mapping, []
    new = status.mask(is_cancelled, "cancelled")
    return _added(df, "status (derived)", new), {**mapping, "status": "status (derived)"}, []


def _taobao(df, mapping):
    """Taobao order exports are in yuan: currency CNY."""
    if "currency" in mapping:
        return df, mapping, []
    return _added(df, "currency (derived)", pd.Series("CNY", index=df.index, dtype="string")), \
        {**mapping, "currency": "currency (derived)"}, []


def _ozon(df, mapping):
    """One row per product; the posting sum repeats on each row of a posting: keep it once per posting,
    then add the postings of an order."""
    cols = _columns(df)
    posting, amount = cols.get("номеротправления"), mapping.get("amount")
    if not posting or not amount:
        return df, mapping, []
    first = ~df[posting].duplicated() | df[posting].isna()
    return _added(df, "amount (derived)", df[amount].where(first)), {**mapping, "amount": "amount (derived)"}, []


def _wildberries(df, mapping):
    """A cancellation flag column ("Отмена заказа"/isCancel = true) marks cancelled items."""
    cols = _columns(df)
    flag = next((cols[k] for k in ("отменазаказа", "iscancel", "отменен") if k in cols), None)
    if not flag or "status" in mapping:
        return df, mapping, []
    f = df[flag].astype("string").str.strip().str.lower()
    status = pd.Series("completed", index=df.index, dtype="string").mask(f.isin(["true", "1", "да", "yes"]),
                                                                        "cancelled")
    return _added(df, "status (derived)", status), {**mapping, "status": "status (derived)"}, []


_YMD = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _cdnow(df, mapping):
    """Dates are written yyyymmdd; ids are zero-padded text (kept as written)."""
    col = mapping.get("ordered_at")
    if not col:
        return df, mapping, []
    iso = df[col].astype("string").str.strip().str.replace(_YMD, r"\1-\2-\3", regex=True)
    return _added(df, "ordered_at (derived)", iso), {**mapping, "ordered_at": "ordered_at (derived)"}, []


def _epoch_micros(series: pd.Series) -> pd.Series:
    num = pd.to_numeric(series, errors="coerce")
    return pd.to_datetime(num, unit="us", utc=True, errors="coerce").astype("datetime64[us, UTC]")


def _ga4(df, mapping):
    """event_timestamp is microseconds since epoch; ga_session_id is unique only per user, so the
    session id is user_pseudo_id + ':' + ga_session_id."""
    out, new = df.copy(), dict(mapping)
    if "timestamp" in mapping:
        src = out[mapping["timestamp"]]
        if src.astype("string").str.fullmatch(r"\s*\d{15,17}\s*").fillna(False).mean() > 0.9:
            out["timestamp (derived)"] = _epoch_micros(src)
            new["timestamp"] = "timestamp (derived)"
    cols = _columns(df)
    sess = next((cols[k] for k in ("gasessionid", "eventparamsgasessionid", "eventparamsgasessionidvalue",
                                   "sessionid") if k in cols), None)
    if sess and "user_id" in mapping:
        sid = out[mapping["user_id"]].astype("string") + ":" + out[sess].astype("string")
        out["session_id (derived)"] = sid
        new["session_id"] = "session_id (derived)"
    return out, new, []


def _rees46(df, mapping):
    """``price`` is the product's price on every event: it is revenue only on purchase events."""
    cols = _columns(df)
    price, event = cols.get("price"), mapping.get("event")
    if not price or not event or "revenue" in mapping:
        return df, mapping, []
    is_purchase = df[event].astype("string").str.strip().str.lower().eq("purchase").fillna(False)
    return _added(df, "revenue (derived)", df[price].where(is_purchase)), \
        {**mapping, "revenue": "revenue (derived)"}, []


# ---------------------------------------------------------------- headerless CDNOW
def _cdnow_headerless(df: pd.DataFrame) -> dict[str, str] | None:
    """CDNOW master (4 columns) or sample (5 columns), read without a header as column_1..column_n."""
    if list(df.columns) not in (["column_1", "column_2", "column_3", "column_4"],
                                ["column_1", "column_2", "column_3", "column_4", "column_5"]):
        return None
    head = df.head(200).astype("string")
    patterns = [r"\d+", r"\d+", r"(19|20)\d{6}", r"-?\d+", r"-?\d+(\.\d+)?"]
    if len(df.columns) == 4:
        patterns = [patterns[0]] + patterns[2:]
    ok = all(head[c].str.strip().str.fullmatch(p).fillna(False).mean() > 0.95
             for c, p in zip(df.columns, patterns))
    if not ok:
        return None
    c = list(df.columns)
    return {"customer_id": c[0], "ordered_at": c[-3], "items": c[-2], "amount": c[-1]}


def _fixed(*pairs: tuple[str, tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(pairs)


RECOGNIZERS: tuple[Recognizer, ...] = (
    Recognizer(
        N_("Shopify orders export"), "orders",
        signature=(("Name",), ("Financial Status",), ("Lineitem quantity",), ("Created at",)),
        mapping=_fixed(("order_id", ("Name",)), ("customer_id", ("Customer ID", "Email")),
                       ("ordered_at", ("Created at",)), ("amount", ("Total",)),
                       ("quantity", ("Lineitem quantity",)), ("unit_price", ("Lineitem price",)),
                       ("status", ("Financial Status",)), ("refunded", ("Refunded Amount",)),
                       ("currency", ("Currency",)), ("channel", ("Source",)),
                       ("country", ("Billing Country", "Shipping Country")), ("email", ("Email",))),
        amount_agg="first", prepare=_shopify, reads=("cancelledat",)),
    Recognizer(
        N_("Taobao/Tmall seller orders export"), "orders",
        signature=(("订单编号",), ("买家会员名",), ("订单状态",)),
        mapping=_fixed(("order_id", ("订单编号",)), ("customer_id", ("买家会员名",)),
                       ("ordered_at", ("订单创建时间", "订单付款时间")),
                       ("amount", ("买家实际支付金额", "实付款", "总金额")), ("status", ("订单状态",)),
                       ("refunded", ("退款金额",)), ("items", ("宝贝总数量", "宝贝数量"))),
        amount_agg="first", local_tz="Asia/Shanghai", prepare=_taobao),
    Recognizer(
        N_("Ozon seller postings report"), "orders",
        signature=(("Номер заказа",), ("Номер отправления",), ("Принят в обработку",), ("Статус",)),
        mapping=_fixed(("order_id", ("Номер заказа",)), ("ordered_at", ("Принят в обработку",)),
                       ("amount", ("Сумма отправления", "Итоговая стоимость товара")), ("status", ("Статус",)),
                       ("quantity", ("Количество",)),
                       ("currency", ("Код валюты отправления", "Код валюты покупателя", "Валюта")),
                       ("customer_id", ("Покупатель", "ID покупателя", "Email покупателя"))),
        absent_ok=("customer_id",), amount_agg="sum", local_tz="Europe/Moscow", prepare=_ozon, reads=("номеротправления",),
        note=msg("Ozon reports do not identify buyers: customer counts, repeat rates and RFM are not available.")),
    Recognizer(
        N_("Wildberries orders report"), "orders",
        signature=(("Дата", "date"), ("Цена с учетом скидки", "priceWithDisc", "finishedPrice"),
                   ("Srid", "Номер заказа", "gNumber")),
        mapping=_fixed(("order_id", ("Номер заказа", "gNumber", "Srid")), ("ordered_at", ("Дата", "date")),
                       ("amount", ("Цена с учетом скидки", "priceWithDisc", "finishedPrice")),
                       ("status", ("Статус", "Статус заказа")), ("country", ("Страна", "countryName")),
                       ("customer_id", ("Покупатель", "ID покупателя"))),
        absent_ok=("customer_id",), amount_agg="sum", local_tz="Europe/Moscow", prepare=_wildberries,
        reads=("отменазаказа", "iscancel", "отменен"),
        note=msg("Wildberries reports do not identify buyers: customer counts, repeat rates and RFM are not "
                 "available.")),
    Recognizer(
        N_("UCI Online Retail (line items)"), "orders",
        signature=(("InvoiceNo", "Invoice"), ("StockCode",), ("InvoiceDate",), ("UnitPrice", "Price"),
                   ("Quantity",)),
        mapping=_fixed(("order_id", ("InvoiceNo", "Invoice")), ("customer_id", ("CustomerID", "Customer ID")),
                       ("ordered_at", ("InvoiceDate",)), ("quantity", ("Quantity",)),
                       ("unit_price", ("UnitPrice", "Price")), ("country", ("Country",))),
        amount_agg="sum"),
    Recognizer(
        N_("CDNOW transaction log"), "orders",
        signature=(("number_of_cds",), ("dollar_value",)),
        mapping=_fixed(("customer_id", ("customer_id",)), ("ordered_at", ("date",)),
                       ("items", ("number_of_cds",)), ("amount", ("dollar_value",))),
        prepare=_cdnow),
    Recognizer(N_("CDNOW transaction log (no header)"), "orders", signature=(), mapping=(),
               resolve=_cdnow_headerless, prepare=_cdnow),
    Recognizer(
        N_("GA4 BigQuery export (flattened)"), "events",
        signature=(("event_name",), ("event_timestamp",), ("user_pseudo_id",)),
        mapping=_fixed(("user_id", ("user_pseudo_id",)), ("event", ("event_name",)),
                       ("timestamp", ("event_timestamp",)),
                       ("device", ("device.category", "device_category")),
                       ("country", ("geo.country", "geo_country")),
                       ("channel", ("traffic_source.medium", "traffic_source_medium")),
                       ("revenue", ("ecommerce.purchase_revenue", "ecommerce_purchase_revenue",
                                    "event_value_in_usd"))),
        prepare=_ga4, reads=("gasessionid", "eventparamsgasessionid", "eventparamsgasessionidvalue", "sessionid")),
    Recognizer(
        N_("REES46-style event log"), "events",
        signature=(("event_time",), ("event_type",), ("user_id",), ("user_session",)),
        mapping=_fixed(("user_id", ("user_id",)), ("event", ("event_type",)), ("timestamp", ("event_time",)),
                       ("session_id", ("user_session",))),
        prepare=_rees46, reads=("price",)),
    Recognizer(
        N_("SurveyMonkey responses export"), "responses",
        signature=(("Respondent ID",), ("Collector ID",), ("Start Date",), ("End Date",)),
        mapping=_fixed(("respondent_id", ("Respondent ID",)), ("answered_at", ("End Date",)),
                       ("email", ("Email Address",))),
        generic=("customer_id", "nps", "csat", "ces", "comment")),
    Recognizer(
        N_("Typeform responses export"), "responses",
        signature=(("#",), ("Submitted At", "Submit Date"), ("Token", "Network ID")),
        mapping=_fixed(("respondent_id", ("#", "Token")), ("answered_at", ("Submitted At", "Submit Date"))),
        generic=("customer_id", "email", "nps", "csat", "ces", "comment")),
    Recognizer(
        N_("Delighted responses export"), "responses",
        signature=(("Response ID",), ("Score",), ("Email",), ("Created At",)),
        mapping=_fixed(("respondent_id", ("Response ID",)), ("email", ("Email",)), ("nps", ("Score",)),
                       ("comment", ("Comment",)), ("answered_at", ("Created At",))),
        generic=("customer_id",)),
    Recognizer(
        N_("Zendesk tickets export"), "tickets",
        signature=(("Id",), ("Requester", "Requester email"), ("Via",), ("Created at",)),
        mapping=_fixed(("ticket_id", ("Id",)), ("created_at", ("Created at",)), ("channel", ("Via",)),
                       ("first_reply_minutes", ("First reply time in minutes",)),
                       ("resolution_minutes", ("Full resolution time in minutes",)), ("status", ("Status",)),
                       ("satisfaction", ("Satisfaction Score", "Satisfaction")),
                       ("requester", ("Requester email", "Requester")))),     # the address links customers
    Recognizer(
        N_("Freshdesk tickets export"), "tickets",
        signature=(("Ticket ID",), ("Created time",), ("Source",)),
        mapping=_fixed(("ticket_id", ("Ticket ID",)), ("created_at", ("Created time",)), ("channel", ("Source",)),
                       ("first_reply_minutes", ("First response time (in hrs)", "First response time")),
                       ("resolution_minutes", ("Resolution time (in hrs)", "Resolution time")),
                       ("status", ("Status",)),
                       ("satisfaction", ("Customer satisfaction", "Survey result", "Satisfaction rating")),
                       ("requester", ("Email", "Requester email", "Full name", "Contact", "Requester")))),
)

# Google Forms has only "Timestamp" first; it is recognized in cxlib.data.schema once a score question is found.
GOOGLE_FORMS = Recognizer(
    N_("Google Forms responses"), "responses", signature=(("Timestamp", "Отметка времени", "时间戳记"),),
    mapping=_fixed(("answered_at", ("Timestamp", "Отметка времени", "时间戳记")),
                   ("email", ("Email Address", "Email", "Адрес электронной почты", "电子邮件地址"))),
    generic=("respondent_id", "customer_id", "nps", "csat", "ces", "comment"))
EXPERIMENT_LOG = Recognizer(
    N_("Experiment assignment log"), "experiment", signature=(), mapping=(),
    generic=("unit_id", "variant", "converted", "revenue", "exposed_at"))
RECOGNIZERS_BY_NAME: dict[str, Recognizer] = {r.name: r for r in (*RECOGNIZERS, GOOGLE_FORMS, EXPERIMENT_LOG)}


def display_name(name: str) -> str:
    """A recognizer's name as a value inside a sentence (``msg(..., export=display_name(name))``).

    The name is marked with ``N_`` where it is defined, so it is already a message id; wrapping it in a
    :class:`~cxlib.core.messages.Msg` lets an interface translate it inside the sentence. Anything else (not a
    known export) is data and comes back as it is.
    """
    return Msg(name) if name in RECOGNIZERS_BY_NAME else name


def match(df: pd.DataFrame) -> tuple[Recognizer, dict[str, str]] | None:
    """The first recognizer (most specific first) that matches this table, with its mapping."""
    for rec in RECOGNIZERS:
        mapping = rec.match(df)
        if mapping is not None:
            return rec, mapping
    return None
