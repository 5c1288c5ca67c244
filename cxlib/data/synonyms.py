"""Header synonyms for canonical fields, in English, Chinese, Russian, German, French and Spanish (data, not code).

Headers are compared in :func:`norm_header` form: NFKC (full-width -> ASCII), case-folded, ё -> е,
bracketed units such as "(元)", "(руб.)", "(UTC)" and trailing currency words dropped, then only letters
and digits kept. So "Order Date", "order_date", "ORDER-DATE" and "Order date (UTC)" are all "orderdate".

Three strengths of evidence, scored by ``cxlib.data.detection.detect``:
- ``SYNONYMS``: the whole normalized header equals a synonym (score 1.0);
- ``WEAK_SYNONYMS``: a plausible but ambiguous header, e.g. "email" for customer_id, "id" (score 0.5);
- ``KEYWORDS``: the normalized header *contains* the keyword, for long survey questions such as
  "How likely is it that you would recommend Acme to a friend or colleague?" (score 0.8).
``ROLE_SYNONYMS`` adds synonyms valid only in one role (e.g. "Via" is a ticket channel).
"""
from __future__ import annotations

import re
import unicodedata

_BRACKETS = re.compile(r"[\(\[（【{][^\)\]）】}]*[\)\]）】}]")
_UNIT_TOKENS = frozenset({"руб", "р", "rub", "rur", "eur", "usd", "cny", "rmb", "gbp", "元", "₽", "$", "€",
                          "£", "¥", "￥", "utc", "gmt"})


def norm_header(header: object) -> str:
    """Comparable form of a column header (see module docstring)."""
    s = unicodedata.normalize("NFKC", str(header)).casefold().replace("ё", "е")
    stripped = _BRACKETS.sub(" ", s)
    if any(ch.isalnum() for ch in stripped):
        s = stripped
    tokens = [t for t in re.split(r"[^\w$€£¥₽]+", s) if t]
    while len(tokens) > 1 and tokens[-1].rstrip(".") in _UNIT_TOKENS:
        tokens.pop()
    out = "".join(ch for ch in "".join(tokens) if ch.isalnum()) or "".join(s.split())   # "#" stays "#"
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", out).casefold())


def _n(*headers: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(norm_header(h) for h in headers))


SYNONYMS: dict[str, tuple[str, ...]] = {
    # people and ids
    "user_id": _n("user_id", "user id", "userid", "user", "uid", "visitor_id", "visitor", "client_id",
                  "user_pseudo_id", "distinct_id", "anonymous_id", "device_id", "cookie_id", "member_id",
                  "用户ID", "用户", "访客ID", "会员ID", "ID пользователя", "Пользователь", "ID посетителя"),
    "customer_id": _n("customer_id", "customer id", "customer", "client id", "client", "buyer", "buyer id",
                      "customer number", "customer no", "cust_id", "account id", "shopper id",
                      "买家会员名", "买家", "买家ID", "客户ID", "客户", "会员ID", "会员名", "顾客ID",
                      "ID покупателя", "Покупатель", "Клиент", "ID клиента", "Код клиента", "Номер клиента"),
    "respondent_id": _n("respondent_id", "respondent id", "respondent", "response id", "response_id",
                        "submission id", "token", "#", "ID респондента", "Номер ответа", "答卷编号", "序号"),
    "ticket_id": _n("ticket_id", "ticket id", "ticket", "ticket number", "ticket #", "case id", "case number",
                    "issue id", "conversation id", "工单ID", "工单编号", "工单号", "Номер заявки", "ID заявки",
                    "Номер обращения", "ID обращения", "Номер тикета"),
    "unit_id": _n("unit_id", "unit", "unit id", "user_id", "user", "visitor_id", "visitor", "uid",
                  "user_pseudo_id", "participant", "subject_id", "用户ID", "ID пользователя"),
    "order_id": _n("order_id", "order id", "order", "order number", "order no", "order #", "invoice",
                   "invoice no", "invoiceno", "invoice number", "transaction id", "transaction_id",
                   "订单编号", "订单号", "订单ID", "主订单编号", "Номер заказа", "ID заказа", "Заказ",
                   "Номер отправления"),
    "session_id": _n("session_id", "session id", "session", "user_session", "ga_session_id", "visit id",
                     "会话ID", "ID сессии", "Сессия"),
    # events
    "event": _n("event", "event_name", "event name", "event_type", "event type", "action", "event action",
                "事件", "事件名称", "行为", "Событие", "Действие", "Тип события"),
    "timestamp": _n("timestamp", "event_time", "event time", "event_timestamp", "time", "datetime",
                    "date time", "occurred at", "created at", "ts", "时间", "事件时间", "Время",
                    "Дата и время", "Время события"),
    "device": _n("device", "device category", "device.category", "device_category", "device type",
                 "platform", "设备", "Устройство", "Тип устройства"),
    "country": _n("country", "geo.country", "country code", "billing country", "shipping country",
                  "国家", "Страна"),
    "city": _n("city", "geo.city", "城市", "Город"),
    "channel": _n("channel", "source", "medium", "traffic_source.medium", "utm_medium", "sales channel",
                  "渠道", "来源", "Канал", "Источник"),
    "revenue": _n("revenue", "purchase revenue", "ecommerce.purchase_revenue", "value", "收入",
                  "Выручка", "Доход"),
    # orders
    "ordered_at": _n("ordered_at", "order date", "order_date", "order time", "date ordered", "created at",
                     "created", "created_at", "order created", "purchase date", "invoice date", "invoicedate",
                     "transaction date", "下单时间", "订单创建时间", "创建时间", "付款时间", "订单付款时间",
                     "Дата заказа", "Принят в обработку", "Дата создания", "Дата оформления"),
    "amount": _n("amount", "total", "order total", "total amount", "revenue", "order amount", "order value",
                 "grand total", "sales", "gmv", "dollar_value", "total price", "total paid",
                 "实付款", "订单金额", "买家实际支付金额", "实际支付金额", "总金额", "支付金额", "金额",
                 "Сумма", "Стоимость", "Сумма заказа", "Итого", "Сумма отправления", "Итоговая стоимость",
                 "Цена с учетом скидки"),
    "quantity": _n("quantity", "qty", "lineitem quantity", "number of items", "units", "数量", "购买数量",
                   "宝贝数量", "Количество", "Кол-во"),
    "unit_price": _n("unit_price", "unit price", "unitprice", "price", "lineitem price", "item price",
                     "单价", "价格", "Цена", "Цена за единицу"),
    "status": _n("status", "order status", "financial status", "state", "ticket status", "订单状态", "状态",
                 "交易状态", "Статус", "Статус заказа", "Состояние"),
    "refunded": _n("refunded", "refunded amount", "refund amount", "refund", "退款金额", "退款",
                   "Сумма возврата", "Возврат"),
    "currency": _n("currency", "currency code", "币种", "货币", "Валюта", "Код валюты"),
    "items": _n("items", "item count", "number_of_cds", "number of items", "items count", "商品数量",
                "宝贝总数量", "Количество товаров"),
    "email": _n("email", "e-mail", "email address", "customer email", "requester email", "邮箱",
                "电子邮件", "Электронная почта", "Почта", "Email покупателя"),
    # responses
    "answered_at": _n("answered_at", "submitted at", "submit date", "submitted", "end date", "completed at",
                      "response date", "date submitted", "timestamp", "提交时间", "答题时间", "Время ответа",
                      "Дата ответа", "Отметка времени", "时间戳记"),
    "nps": _n("nps", "nps score", "likelihood to recommend", "recommend", "ltr", "推荐值", "推荐意愿",
              "Готовность рекомендовать", "NPS оценка"),
    "csat": _n("csat", "csat score", "satisfaction", "overall satisfaction", "satisfaction score",
               "满意度", "Удовлетворенность", "Оценка удовлетворенности"),
    "ces": _n("ces", "ces score", "effort", "customer effort", "effort score", "费力度", "Усилия"),
    "comment": _n("comment", "comments", "feedback", "verbatim", "open feedback", "remarks", "note", "notes",
                  "评论", "意见", "建议", "留言", "Комментарий", "Отзыв"),
    # tickets
    "created_at": _n("created_at", "created at", "created", "created time", "creation date", "date created",
                     "opened at", "opened", "submitted at", "创建时间", "提交时间", "Дата создания",
                     "Создано", "Время создания"),
    "first_reply_minutes": _n("first reply time in minutes", "first reply minutes", "first_reply_minutes",
                              "first response time", "first reply time", "first response minutes",
                              "首次响应时间", "首次回复时间", "Время первого ответа"),
    "resolution_minutes": _n("full resolution time in minutes", "resolution time", "resolution minutes",
                             "resolution_minutes", "time to resolution", "time to resolve", "解决时间",
                             "Время решения"),
    "satisfaction": _n("satisfaction score", "satisfaction rating", "satisfaction", "customer satisfaction",
                       "survey result", "csat rating", "满意度评价", "Оценка", "Оценка клиента"),
    "requester": _n("requester", "requester email", "requester name", "customer", "contact", "full name",
                    "请求者", "客户", "Заявитель", "Клиент"),
    # experiment
    "variant": _n("variant", "group", "arm", "bucket", "treatment", "variation", "experiment group",
                  "test group", "cohort", "version", "分组", "实验组", "Группа", "Вариант"),
    "converted": _n("converted", "conversion", "is_converted", "purchased", "success", "goal", "outcome",
                    "是否转化", "转化", "Конверсия", "Конвертирован"),
    "exposed_at": _n("exposed_at", "exposure time", "exposed", "assigned_at", "assignment time",
                     "timestamp", "time", "date", "first exposure", "曝光时间", "Время показа"),
    # customers
    "gender": _n("gender", "sex", "性别", "Пол"),
    "phone": _n("phone", "phone number", "telephone", "mobile", "mobile phone", "cell phone", "电话", "手机号",
                "手机", "联系电话", "Телефон", "Мобильный телефон", "Номер телефона"),
    "signup_at": _n("signup_at", "signup date", "signed up", "registered at", "registration date",
                    "created at", "first seen", "customer since", "注册时间", "Дата регистрации"),
    "tags": _n("tags", "tag", "labels", "segment", "标签", "Теги", "Метки"),
}

WEAK_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": _n("email", "email address", "e-mail", "user_id", "user id", "user", "id", "phone",
                      "Телефон", "手机号"),
    "respondent_id": _n("id",),
    "ticket_id": _n("id", "number", "#"),
    "ordered_at": _n("date", "timestamp", "paid at", "日期", "时间", "Дата"),
    "order_id": _n("#",),
    "created_at": _n("date", "timestamp", "日期"),
    "answered_at": _n("date", "start date", "created at", "日期"),
    "signup_at": _n("date",),
    "unit_id": _n("id", "customer_id", "client_id"),
    "requester": _n("email", "name"),
    "event": _n("type", "name"),
    "amount": _n("price", "value"),
    "channel": _n("via", "utm_source"),
}

# Keywords searched inside long headers (survey questions, verbose export headers).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "nps": _n("recommend", "推荐", "рекомендова", "порекомендуете", "посоветуете", "посоветовать"),
    "csat": _n("satisfied", "satisfaction", "满意", "доволь", "удовлетвор"),
    "ces": _n("easy", "effort", "easier", "容易", "费力", "легко", "усили"),
    "comment": _n("comment", "feedback", "anything else", "why", "improve", "do better", "suggestion", "评论", "建议",
                  "意见", "комментар", "отзыв", "почему", "пожелани"),
    "first_reply_minutes": _n("first reply", "first response", "首次响应", "首次回复", "первого ответа"),
    "resolution_minutes": _n("resolution time", "time to resolution", "解决时间", "время решения"),
}

ROLE_SYNONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    # campaign recipient exports (Klaviyo, Mailchimp, Braze and plain sheets)
    ("messages", "recipient"): _n("recipient", "recipient email", "email", "email address", "profile id",
                                  "subscriber", "subscriber id", "external_id", "customer id", "收件人", "Получатель"),
    ("messages", "sent_at"): _n("sent at", "send time", "sent", "send date", "sent date", "delivered at", "timestamp",
                                "发送时间", "Время отправки", "Дата отправки"),
    ("messages", "channel"): _n("channel", "message channel", "medium", "渠道", "Канал"),
    ("messages", "campaign"): _n("campaign", "campaign name", "flow", "message name", "活动", "Кампания"),
    ("messages", "opened"): _n("opened", "open", "opens", "is opened", "打开", "Открыто"),
    ("messages", "clicked"): _n("clicked", "click", "clicks", "is clicked", "点击", "Клик", "Кликнул"),
    ("messages", "converted"): _n("placed order", "converted", "conversion", "ordered", "下单", "Заказ"),
    ("messages", "unsubscribed"): _n("unsubscribed", "unsubscribe", "opted out", "退订", "Отписался"),
    ("messages", "bounced"): _n("bounced", "bounce", "failed", "退回", "Недоставлено"),
    ("tickets", "channel"): _n("via", "source", "ticket channel", "contact channel", "来源渠道", "Канал обращения"),
    ("tickets", "status"): _n("ticket status", "状态", "Статус заявки"),
    ("events", "revenue"): _n("price", "event value", "event_value_in_usd"),
    ("experiment", "revenue"): _n("revenue", "order value", "amount", "spend"),
}


# German, French and Spanish headers: shop systems' own column names in those languages (Shopify,
# WooCommerce, Shopware, Amazon Seller Central), helpdesk, survey and analytics exports, and the words a
# shop's own spreadsheet uses ("Bestellnummer;Kunde;Datum;Betrag;Status").
_EUROPEAN: dict[str, tuple[str, ...]] = {
    "user_id": ("Benutzer-ID", "Benutzer", "Nutzer-ID", "Besucher-ID", "ID utilisateur", "Identifiant utilisateur",
                "Utilisateur", "ID visiteur", "ID de usuario", "Usuario", "ID de visitante"),
    "customer_id": ("Kunde", "Kundennummer", "Kunden-ID", "Kundennr", "Käufer", "Numéro de client", "N° client",
                    "ID client", "Identifiant client", "Acheteur", "Cliente", "ID de cliente", "Número de cliente",
                    "Nº de cliente", "Comprador"),
    "respondent_id": ("Befragten-ID", "Antwort-ID", "ID répondant", "ID de réponse", "ID del encuestado",
                      "ID de respuesta"),
    "ticket_id": ("Ticketnummer", "Ticket-ID", "Vorgangsnummer", "Numéro de ticket", "ID du ticket", "N° de ticket",
                  "Número de ticket", "ID del ticket"),
    "unit_id": ("Benutzer-ID", "Nutzer-ID", "Besucher-ID", "ID utilisateur", "ID visiteur", "ID de usuario",
                "ID de visitante"),
    "order_id": ("Bestellnummer", "Bestellung", "Bestell-Nr", "Bestellnr", "Bestell-ID", "Auftragsnummer",
                 "Numéro de commande", "N° de commande", "Commande", "ID de commande", "Número de pedido",
                 "Nº de pedido", "N.º de pedido", "Pedido", "ID del pedido"),
    "session_id": ("Sitzungs-ID", "Sitzung", "ID de session", "Session", "ID de sesión", "Sesión"),
    "event": ("Ereignis", "Ereignisname", "Aktion", "Événement", "Nom de l'événement", "Evento",
              "Nombre del evento", "Acción"),
    "timestamp": ("Zeitstempel", "Zeitpunkt", "Uhrzeit", "Horodatage", "Date et heure", "Heure",
                  "Marca de tiempo", "Fecha y hora", "Hora"),
    "device": ("Gerät", "Gerätetyp", "Gerätekategorie", "Appareil", "Type d'appareil", "Dispositivo",
               "Tipo de dispositivo"),
    "country": ("Land", "Lieferland", "Versandland", "Rechnungsland", "Pays", "Pays de livraison",
                "Pays de facturation", "Pays d'expédition", "País", "País de envío", "País de facturación"),
    "city": ("Stadt", "Ort", "Ville", "Ciudad"),
    "channel": ("Kanal", "Vertriebskanal", "Verkaufskanal", "Quelle", "Canal", "Canal de vente", "Canal de venta",
                "Fuente", "Origen"),
    "revenue": ("Umsatz", "Erlös", "Chiffre d'affaires", "Revenu", "Ingresos"),
    "ordered_at": ("Bestelldatum", "Bestellzeit", "Bestellt am", "Erstellt am", "Kaufdatum", "Auftragsdatum",
                   "Date de commande", "Date de la commande", "Créée le", "Créé le", "Date d'achat",
                   "Fecha del pedido", "Fecha de pedido", "Fecha de compra", "Creado el", "Creada el"),
    "amount": ("Betrag", "Gesamtbetrag", "Gesamtsumme", "Bestellsumme", "Bestellwert", "Summe", "Gesamt",
               "Rechnungsbetrag", "Endbetrag", "Gesamtpreis", "Montant", "Montant total", "Total de la commande",
               "Montant de la commande", "Total TTC", "Importe", "Importe total", "Total del pedido",
               "Importe del pedido", "Monto", "Monto total"),
    "quantity": ("Menge", "Anzahl", "Stückzahl", "Quantité", "Qté", "Cantidad"),
    "unit_price": ("Einzelpreis", "Stückpreis", "Preis", "Prix unitaire", "Prix", "Precio unitario", "Precio"),
    "status": ("Bestellstatus", "Zahlungsstatus", "Auftragsstatus", "Statut", "Statut de la commande",
               "Statut financier", "Statut du paiement", "État", "État de la commande", "Estado",
               "Estado del pedido", "Estado financiero", "Estado del pago"),
    "refunded": ("Erstattungsbetrag", "Erstatteter Betrag", "Rückerstattung", "Erstattung", "Montant remboursé",
                 "Remboursement", "Importe reembolsado", "Reembolso"),
    "currency": ("Währung", "Devise", "Monnaie", "Moneda", "Divisa"),
    "items": ("Anzahl Artikel", "Artikelanzahl", "Nombre d'articles", "Número de artículos"),
    "email": ("E-Mail-Adresse", "Kunden-E-Mail", "Käufer-E-Mail", "Adresse e-mail", "Courriel",
              "E-mail de l'acheteur", "Correo electrónico", "Correo", "Correo electrónico del comprador"),
    "answered_at": ("Antwortdatum", "Eingereicht am", "Abgeschickt am", "Date de réponse", "Soumis le",
                    "Fecha de respuesta", "Enviado el"),
    "nps": ("Weiterempfehlung", "Weiterempfehlungsbereitschaft", "Recommandation", "Probabilité de recommandation",
            "Recomendación", "Probabilidad de recomendar"),
    "csat": ("Zufriedenheit", "Kundenzufriedenheit", "Satisfaction client", "Satisfacción",
             "Satisfacción del cliente"),
    "ces": ("Aufwand", "Kundenaufwand", "Effort client", "Esfuerzo", "Esfuerzo del cliente"),
    "comment": ("Kommentar", "Kommentare", "Anmerkung", "Bemerkung", "Commentaire", "Commentaires", "Remarque",
                "Comentario", "Comentarios", "Observaciones"),
    "created_at": ("Erstellt am", "Erstellt", "Erstellungsdatum", "Date de création", "Créé le", "Créée le",
                   "Fecha de creación", "Creado", "Creado el"),
    "first_reply_minutes": ("Erste Antwortzeit", "Zeit bis zur ersten Antwort", "Délai de première réponse",
                            "Temps de première réponse", "Tiempo de primera respuesta"),
    "resolution_minutes": ("Lösungszeit", "Zeit bis zur Lösung", "Délai de résolution", "Temps de résolution",
                           "Tiempo de resolución"),
    "satisfaction": ("Zufriedenheitsbewertung", "Bewertung", "Évaluation de satisfaction", "Note de satisfaction",
                     "Valoración", "Calificación de satisfacción"),
    "requester": ("Anfragender", "Antragsteller", "Kunde", "Kontakt", "Demandeur", "Contact", "Solicitante",
                  "Contacto", "Cliente"),
    "variant": ("Variante", "Gruppe", "Testgruppe", "Groupe", "Grupo", "Versión"),
    "converted": ("Konvertiert", "Konversion", "Converti", "Convertido", "Conversión"),
    "exposed_at": ("Zugewiesen am", "Date d'exposition", "Fecha de exposición"),
    "gender": ("Geschlecht", "Sexe", "Genre", "Sexo", "Género"),
    "signup_at": ("Registriert am", "Registrierungsdatum", "Kunde seit", "Date d'inscription", "Inscrit le",
                  "Fecha de registro", "Cliente desde"),
    "tags": ("Schlagwörter", "Étiquettes", "Etiquetas"),
}
_EUROPEAN_WEAK: dict[str, tuple[str, ...]] = {
    "customer_id": ("E-Mail", "E-Mail-Adresse", "Kunden-E-Mail", "Käufer-E-Mail", "Adresse e-mail", "Courriel",
                    "E-mail de l'acheteur", "Correo electrónico", "Correo", "Correo electrónico del comprador",
                    "Telefon", "Téléphone", "Teléfono"),
    "ticket_id": ("Nummer", "Numéro", "Número"),
    "ordered_at": ("Datum", "Fecha"),
    "created_at": ("Datum", "Fecha"),
    "answered_at": ("Datum", "Fecha"),
    "amount": ("Preis", "Prix", "Precio", "Wert", "Valeur", "Valor"),
    "event": ("Typ", "Tipo", "Nom", "Nombre"),
}
_EUROPEAN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "nps": ("empfehlen", "recommander", "recommanderiez", "recomendar", "recomendaría"),
    "csat": ("zufrieden", "satisfait", "satisfecho", "satisfacción"),
    "ces": ("einfach", "aufwand", "facile", "fácil", "esfuerzo"),
    "comment": ("kommentar", "anmerkung", "warum", "verbessern", "commentaire", "pourquoi", "améliorer",
                "comentario", "por qué", "mejorar"),
    "first_reply_minutes": ("erste antwort", "première réponse", "primera respuesta"),
    "resolution_minutes": ("lösungszeit", "temps de résolution", "délai de résolution", "tiempo de resolución"),
}
_EUROPEAN_ROLE: dict[tuple[str, str], tuple[str, ...]] = {
    ("tickets", "channel"): ("Kontaktkanal", "Canal de contact", "Canal de contacto"),
    ("tickets", "status"): ("Ticketstatus", "Statut du ticket", "Estado del ticket"),
}


def _merge(table: dict, more: dict) -> None:
    for key, headers in more.items():
        table[key] = tuple(dict.fromkeys(table.get(key, ()) + _n(*headers)))


for _table, _more in ((SYNONYMS, _EUROPEAN), (WEAK_SYNONYMS, _EUROPEAN_WEAK), (KEYWORDS, _EUROPEAN_KEYWORDS),
                      (ROLE_SYNONYMS, _EUROPEAN_ROLE)):
    _merge(_table, _more)


def synonyms_for(role: str, field_name: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(strong, weak, keywords) header forms for one canonical field of one role."""
    strong = SYNONYMS.get(field_name, ()) + ROLE_SYNONYMS.get((role, field_name), ())
    return (strong + _n(field_name), WEAK_SYNONYMS.get(field_name, ()), KEYWORDS.get(field_name, ()))
