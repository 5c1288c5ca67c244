"""Value vocabularies as data: order statuses, CSAT/CES labels, ticket satisfaction.

Words in English, Chinese, Russian, German, French and Spanish (shop systems' own wordings: Shopify
payment states, WooCommerce and Shopware order and payment states, Amazon Seller Central order states,
Taobao, Ozon and Wildberries reports).

Every table maps a *normalized* label (see :func:`label_key`) to a canonical value. Code in
``cxlib.data.schema`` interprets them; tests iterate them. Unknown labels are never guessed: they become
empty (NA) and loading reports them with counts and examples. The canonical values are stored English
keys; :func:`display_label` gives the label a person reads (marked for translation).
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from cxlib.core.messages import Msg, N_
from cxlib.core.messages import listing as _listing

if TYPE_CHECKING:                    # pragma: no cover - typing only; importing the vocabularies stays light
    import pandas as pd

# THE list of normalized order states (every other module imports it from here).
ORDER_STATUSES: tuple[str, ...] = ("completed", "in_transit", "pending", "cancelled", "refunded",
                                   "partially_refunded")
MISSING_STATUS = "completed"         # an order without a status counts as this state
DEFAULT_VALID_STATUSES: tuple[str, ...] = ("completed", "refunded", "partially_refunded")   # RevenueDef's default

# What a person reads for each canonical value. The values themselves are stored and compared (and
# written in the CLI's JSON), so they stay English; an interface translates these labels for display.
STATUS_LABELS: dict[str, str] = {
    "completed": N_("Completed"), "in_transit": N_("In transit"), "pending": N_("Pending"),
    "cancelled": N_("Cancelled"), "refunded": N_("Refunded"), "partially_refunded": N_("Partially refunded"),
    "unknown": N_("Unknown status"),          # cxlib.data.schema.UNKNOWN_STATUS: a label no table knows
}
SATISFACTION_LABELS: dict[str, str] = {
    "good": N_("Good"), "bad": N_("Bad"), "offered": N_("Survey offered, not answered"),
    "unoffered": N_("Survey not offered"),
}


# How sentences name the states in running text (definitions, captions); the stored values stay as above.
_STATE_WORDS: dict[str, str] = {
    "completed": N_("completed"), "in_transit": N_("in transit"), "pending": N_("pending"),
    "cancelled": N_("cancelled"), "refunded": N_("refunded"), "partially_refunded": N_("partially refunded"),
}


def status_words(statuses) -> Msg | str:
    """Order statuses as translatable words in a list: ``completed, refunded, partially refunded``."""
    return _listing([Msg(_STATE_WORDS.get(s, s)) for s in statuses])


def valid_status_words(defs=None) -> Msg | str:
    """The valid statuses of the revenue definition in use, as words: ``defs`` is a DefinitionSet, a
    RevenueDef or None (the default definition)."""
    rev = getattr(defs, "net_revenue", defs)
    return status_words(rev.valid_statuses if rev is not None else DEFAULT_VALID_STATUSES)


def display_label(value: object) -> str:
    """The label a person reads for a canonical status or satisfaction value (``"in_transit"`` ->
    ``"In transit"``, English; mark-up for translation). Any other value is data and comes back as it is."""
    key = str(value)
    return STATUS_LABELS.get(key) or SATISFACTION_LABELS.get(key) or key


def label_key(value: object) -> str:
    """Comparable form of a label: NFKC, case-folded, ё -> е, runs of space/_/- -> one space."""
    s = unicodedata.normalize("NFKC", str(value)).casefold().replace("ё", "е")
    return re.sub(r"[\s_\-]+", " ", s).strip(" .")


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Invert {canonical: (label, ...)} into {label_key(label): canonical}."""
    out: dict[str, str] = {}
    for canonical, labels in pairs.items():
        for label in labels:
            key = label_key(label)
            assert key not in out or out[key] == canonical, f"label {label!r} mapped twice"
            out[key] = canonical
    return out


# Order status -> one of ORDER_STATUSES. Sources: DESIGN.md, Shopify financial statuses, Taobao/Tmall
# seller export (订单状态), Ozon and Wildberries seller reports, common English and Russian words; German,
# French and Spanish: Shopify's payment states, WooCommerce's order states, Shopware 6's order, payment and
# delivery states and Amazon Seller Central's order states as those systems name them in each language.
# "Shipped" (versandt, expédiée, enviado) is in transit in every language, as in English.
ORDER_STATUS_TABLE: dict[str, str] = _table({
    "completed": (
        "completed", "complete", "paid", "delivered", "fulfilled", "success", "successful", "closed won",
        "done", "finished", "received", "processed",
        "交易成功", "已完成", "已签收", "已收货", "完成", "成功",
        "доставлен", "доставлено", "выполнен", "выполнено", "завершен", "получен", "вручен", "продажа",
        "выкуплен", "оплачен",
        "bezahlt", "abgeschlossen", "erledigt", "geliefert", "zugestellt", "ausgeliefert", "fertig",
        "erfolgreich", "vollständig bezahlt",
        "payée", "payé", "terminée", "terminé", "livrée", "livré", "complétée", "complété", "réussie", "réussi",
        "pagado", "pagada", "completado", "completada", "entregado", "entregada", "finalizado", "finalizada",
        "cobrado",
    ),
    "in_transit": (
        "in transit", "shipped", "shipping", "out for delivery", "dispatched", "sent", "on the way",
        "awaiting delivery", "delivering",
        "卖家已发货,等待买家确认", "卖家已发货", "已发货", "等待买家确认收货", "等待买家收货", "运输中", "配送中",
        "доставляется", "в пути", "передан в доставку", "передается в доставку", "отправлен",
        "в доставке", "курьер в пути", "ожидает получения", "прибыл в пункт выдачи",
        "versandt", "versendet", "verschickt", "teilweise versandt", "in zustellung", "unterwegs",
        "expédiée", "expédié", "partiellement expédiée", "en cours de livraison", "en transit", "en livraison",
        "enviado", "enviada", "parcialmente enviado", "en tránsito", "en camino", "en reparto",
    ),
    "pending": (
        "pending", "authorized", "unpaid", "awaiting payment", "on hold", "processing", "new", "open",
        "placed", "awaiting fulfillment", "awaiting shipment", "partially paid",
        "等待买家付款", "买家已付款,等待卖家发货", "等待卖家发货", "待付款", "待发货", "已付款", "买家已付款",
        "ожидает сборки", "ожидает отгрузки", "ожидает оплаты", "ожидает упаковки", "ожидает подтверждения",
        "новый", "в обработке", "принят", "собирается", "на сборке", "арбитраж",
        "ausstehend", "offen", "in bearbeitung", "zahlung ausstehend", "in wartestellung", "wartend",
        "autorisiert", "neu", "unbezahlt", "teilweise bezahlt", "unversandt", "nicht versandt", "erinnert",
        "en attente", "en attente de paiement", "attente paiement", "en cours", "autorisée", "autorisé", "ouvert",
        "ouverte", "non payée", "non payé", "partiellement payée", "partiellement payé", "payée partiellement",
        "nouvelle", "nouveau", "non expédiée", "non expédié", "en préparation",
        "pendiente", "pendiente de pago", "procesando", "en proceso", "en espera", "autorizado", "autorizada",
        "abierto", "abierta", "no pagado", "parcialmente pagado", "pagado parcialmente", "nuevo", "nueva",
        "sin enviar", "no enviado",
    ),
    "cancelled": (
        "cancelled", "canceled", "voided", "void", "failed", "declined", "rejected", "abandoned", "expired",
        "交易关闭", "已取消", "取消", "交易取消", "订单关闭",
        "отменен", "отменено", "отмена", "отменен продавцом", "отменен покупателем", "не выкуплен",
        "отказ", "отклонен",
        "storniert", "abgebrochen", "annulliert", "fehlgeschlagen", "abgelehnt", "verfallen",
        "annulée", "annulé", "échouée", "échoué", "refusée", "refusé", "expirée", "expiré",
        "cancelado", "cancelada", "anulado", "anulada", "fallido", "fallida", "rechazado", "rechazada",
        "caducado",
    ),
    "refunded": (
        "refunded", "returned", "return", "refund", "fully refunded", "chargeback", "charged back",
        "退款成功", "已退款", "退货", "已退货", "退款",
        "возврат", "возвращен", "возвращено", "возврат средств",
        "erstattet", "rückerstattet", "zurückerstattet", "erstattung", "retour", "retourniert",
        "zurückgegeben", "zurückgesendet",
        "remboursée", "remboursé", "remboursement", "retournée", "retourné",
        "reembolsado", "reembolsada", "reembolso", "devuelto", "devuelta", "devolución",
    ),
    "partially_refunded": (
        "partially refunded", "partial refund", "partially returned",
        "部分退款", "部分退款成功",
        "частичный возврат", "частично возвращен",
        "teilweise erstattet", "teilweise rückerstattet", "teilerstattet", "teilretour", "teilweise retourniert",
        "partiellement remboursée", "partiellement remboursé", "remboursée partiellement", "remboursement partiel",
        "reembolsado parcialmente", "parcialmente reembolsado", "reembolso parcial", "devuelto parcialmente",
    ),
})

# CSAT text labels -> 1..5. Two English 5-point scales exist; "very satisfied" is 5 on the common
# satisfied/dissatisfied scale but 4 on the "not at all .. completely" scale, so the scale is decided per
# column: CSAT_ALT_SCALE applies only when one of its distinctive labels occurs.
CSAT_LABELS: dict[str, float] = {k: float(v) for k, v in _table({
    "1": ("very dissatisfied", "extremely dissatisfied", "very unsatisfied", "very unhappy", "terrible",
          "very poor", "非常不满意", "很不满意", "очень недоволен", "очень недовольна", "совсем не доволен",
          "очень не удовлетворен", "совершенно не удовлетворен", "sehr unzufrieden", "äußerst unzufrieden",
          "très insatisfait", "très insatisfaite", "muy insatisfecho", "muy insatisfecha"),
    "2": ("dissatisfied", "somewhat dissatisfied", "unsatisfied", "unhappy", "poor", "不满意", "比较不满意",
          "недоволен", "недовольна", "скорее недоволен", "не удовлетворен", "скорее не удовлетворен",
          "unzufrieden", "eher unzufrieden", "insatisfait", "insatisfaite", "plutôt insatisfait",
          "plutôt insatisfaite", "insatisfecho", "insatisfecha", "algo insatisfecho", "algo insatisfecha"),
    "3": ("neither satisfied nor dissatisfied", "neutral", "neither", "okay", "ok", "average", "fair",
          "一般", "中立", "还行", "нейтрально", "нейтрален", "ни то ни другое", "средне", "нормально",
          "weder zufrieden noch unzufrieden", "teils teils", "teils/teils", "ni satisfait ni insatisfait", "neutre",
          "ni satisfecho ni insatisfecho", "indiferente"),
    "4": ("satisfied", "somewhat satisfied", "happy", "good", "满意", "比较满意", "доволен", "довольна",
          "скорее доволен", "удовлетворен", "скорее удовлетворен", "zufrieden", "eher zufrieden", "satisfait",
          "satisfaite", "plutôt satisfait", "plutôt satisfaite", "satisfecho", "satisfecha", "algo satisfecho",
          "algo satisfecha"),
    "5": ("very satisfied", "extremely satisfied", "very happy", "excellent", "非常满意", "很满意",
          "очень доволен", "очень довольна", "полностью удовлетворен", "очень удовлетворен", "sehr zufrieden",
          "äußerst zufrieden", "très satisfait", "très satisfaite", "muy satisfecho", "muy satisfecha"),
}).items()}
CSAT_ALT_SCALE: dict[str, float] = {k: float(v) for k, v in _table({
    "1": ("not at all satisfied",), "2": ("slightly satisfied",), "3": ("moderately satisfied",),
    "4": ("very satisfied",), "5": ("completely satisfied",),
}).items()}

# CES: 7-point agreement with "the company made it easy to handle my issue".
CES_LABELS: dict[str, float] = {k: float(v) for k, v in _table({
    "1": ("strongly disagree", "完全不同意", "非常不同意", "полностью не согласен", "совершенно не согласен",
          "stimme überhaupt nicht zu", "pas du tout d'accord", "totalmente en desacuerdo"),
    "2": ("disagree", "不同意", "не согласен", "stimme nicht zu", "pas d'accord", "en desacuerdo"),
    "3": ("somewhat disagree", "比较不同意", "скорее не согласен", "stimme eher nicht zu", "plutôt pas d'accord",
          "algo en desacuerdo"),
    "4": ("neither agree nor disagree", "neutral", "一般", "中立", "нейтрально", "затрудняюсь ответить",
          "weder noch", "neutre", "ni d'accord ni pas d'accord", "ni de acuerdo ni en desacuerdo"),
    "5": ("somewhat agree", "比较同意", "скорее согласен", "stimme eher zu", "plutôt d'accord", "algo de acuerdo"),
    "6": ("agree", "同意", "согласен", "stimme zu", "d'accord", "de acuerdo"),
    "7": ("strongly agree", "完全同意", "非常同意", "полностью согласен", "stimme voll und ganz zu", "stimme voll zu",
          "tout à fait d'accord", "totalmente de acuerdo"),
}).items()}

# Ticket satisfaction -> good / bad / offered / unoffered (Zendesk vocabulary). Freshdesk's classic
# survey and its 7-point "happy" scale: positive answers -> good, neutral and negative -> bad (Freshdesk's
# own CSAT % counts only positive answers as satisfied).
SATISFACTION_TABLE: dict[str, str] = _table({
    "good": ("good", "good with comment", "satisfied", "positive", "awesome", "extremely happy",
             "very happy", "happy", "great", "thumbs up", "满意", "好评", "хорошо", "доволен", "gut", "zufrieden",
             "positiv", "bon", "bien", "satisfait", "positif", "bueno", "satisfecho", "positivo"),
    "bad": ("bad", "bad with comment", "dissatisfied", "negative", "not good", "just okay", "neutral",
            "unhappy", "very unhappy", "extremely unhappy", "thumbs down", "不满意", "差评", "плохо",
            "недоволен", "schlecht", "unzufrieden", "negativ", "mauvais", "insatisfait", "négatif", "malo",
            "insatisfecho", "negativo"),
    "offered": ("offered", "survey sent", "sent", "已发送", "отправлен", "angeboten", "umfrage gesendet", "proposé",
                "enquête envoyée", "ofrecido", "encuesta enviada"),
    "unoffered": ("unoffered", "not offered", "未发送", "не отправлен", "nicht angeboten", "non proposé",
                  "no ofrecido"),
})


def _lookup(table: dict[str, object], key: str) -> object:
    """Exact label, else the longest non-ASCII label the text starts with: Chinese and Russian
    statuses come in many wordings that share their first words (卖家已发货，等待买家确认收货)."""
    if key in table:
        return table[key]
    prefixes = [k for k in table if len(k) >= 3 and not k.isascii() and key.startswith(k)]
    return table[max(prefixes, key=len)] if prefixes else None


def map_labels(series: pd.Series, table: dict[str, object]) -> tuple[pd.Series, pd.Series]:
    """Map each non-empty cell through ``table`` (by :func:`label_key`).

    Returns ``(values, unknown)``: values as object (NA where empty or unknown), ``unknown`` marks
    non-empty cells whose label is not in the table. Works on unique values, so it is fast on large
    columns.
    """
    text = series.astype("string")
    uniques = text.dropna().unique()
    lookup = {u: _lookup(table, label_key(u)) for u in uniques if str(u).strip()}
    values = text.map(lookup)
    unknown = text.notna() & (text.str.strip() != "") & values.isna()
    return values, unknown.fillna(False).astype(bool)


def csat_table(series: pd.Series) -> dict[str, float]:
    """The CSAT label table that fits this column (alternative scale when its labels occur)."""
    keys = {label_key(v) for v in series.dropna().unique()[:1000]}
    distinctive = set(CSAT_ALT_SCALE) - set(CSAT_LABELS)
    return {**CSAT_LABELS, **CSAT_ALT_SCALE} if keys & distinctive else CSAT_LABELS


def share_known(series: pd.Series, table: dict[str, object]) -> float:
    """Share of the non-empty distinct values of a column that ``table`` knows (0 when empty)."""
    keys = [label_key(v) for v in series.dropna().unique()[:200] if str(v).strip()]
    return sum(k in table for k in keys) / len(keys) if keys else 0.0
