"""Realistic export-shaped files, as BYTES, for tests (reusable by every test module).

Each generator writes a small file in the shape the real tool exports: its headers (and header
language), encoding, delimiter, decimal style, date format and quirks (Shopify's Total only on an
order's first line row, Taobao's ="..." order ids in GBK, Ozon's cp1251 with `;` and decimal commas,
SurveyMonkey's two header rows, ...). The numbers are small and fixed so tests can check results by hand;
the expected figures are documented next to each generator.

``EXPORTS`` lists them: name -> (generator, role, recognized_as).
"""
from __future__ import annotations

import csv
import io

# ---------------------------------------------------------------- helpers


def _csv(rows: list[list[object]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False,
         quoting: int = csv.QUOTE_MINIMAL, lineterminator: str = "\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=lineterminator)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode(encoding)


def _xlsx(rows: list[list[object]], merges: tuple[str, ...] = (), sheet: str = "Sheet1") -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"          # text that looks like a formula, as exports write it
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- orders
SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing City", "Billing Zip", "Billing Country", "Shipping Name", "Shipping City",
    "Shipping Country", "Notes", "Cancelled at", "Payment Method", "Refunded Amount", "Vendor", "Id", "Tags",
    "Risk Level", "Source", "Lineitem discount", "Phone",
]


def shopify_orders() -> bytes:
    """Shopify "Export orders" CSV: one row per line item; order-level fields (Financial Status, Paid at,
    Subtotal, Shipping, Taxes, Total, Discount Amount, Refunded Amount, ...) only on the first row.

    Expected: 5 orders from 9 line rows, 4 customers (anna@ has #1001 and #1005); amounts #1001 29.90,
    #1002 15.00, #1003 60.00, #1004 12.00, #1005 8.50; statuses completed (paid), refunded,
    partially_refunded, cancelled (voided, Cancelled at set), pending; refunded 0, 15, 20, 0, 0;
    items 4, 1, 4, 1, 1; #1004 created 2024-03-08 23:30 -0500 = 2024-03-09 04:30 UTC.
    """
    def order(name, email, fin, paid, ful, sub, ship, total, created, lines, refunded="0.00", cancelled="",
              country="DE", source="web"):
        rows = []
        for i, (qty, item, price) in enumerate(lines):
            first = i == 0
            rows.append([
                name, email, fin if first else "", paid if first else "", ful if first else "", "",
                "yes" if first else "", "EUR" if first else "", sub if first else "", ship if first else "",
                "0.00" if first else "", total if first else "", "", "0.00" if first else "", "Standard" if first
                else "", created, qty, item, price, "", f"SKU-{item[:3].upper()}", "true", "true", "fulfilled",
                "Anna Schmidt" if first else "", "Berlin" if first else "", "10115" if first else "",
                country if first else "", "Anna Schmidt" if first else "", "Berlin" if first else "",
                country if first else "", "", cancelled if first else "", "Shopify Payments" if first else "",
                refunded if first else "", "Northwind", name[1:] + "000" if first else "", "", "Low" if first
                else "", source if first else "", "0.00", "",
            ])
        return rows
    rows = [SHOPIFY_HEADER]
    rows += order("#1001", "anna@example.com", "paid", "2024-03-05 14:05:00 +0100", "fulfilled", "25.00", "4.90",
                  "29.90", "2024-03-05 14:03:11 +0100", [(2, "Mug", "10.00"), (1, "Coaster", "5.00"), (1, "Sticker", "0.00")])
    rows += order("#1002", "ben@example.com", "refunded", "2024-03-06 09:00:00 +0100", "fulfilled", "15.00",
                  "0.00", "15.00", "2024-03-06 08:59:00 +0100", [(1, "Teapot", "15.00")], refunded="15.00")
    rows += order("#1003", "chloe@example.com", "partially_refunded", "2024-03-07 10:00:00 +0100", "fulfilled",
                  "60.00", "0.00", "60.00", "2024-03-07 09:58:30 +0100",
                  [(1, "Kettle", "30.00"), (2, "Spoon", "5.00"), (1, "Tray", "20.00")], refunded="20.00",
                  country="FR", source="pos")
    rows += order("#1004", "dan@example.com", "voided", "", "", "12.00", "0.00", "12.00",
                  "2024-03-08 23:30:00 -0500", [(1, "Napkin", "12.00")], cancelled="2024-03-09 10:00:00 +0100")
    rows += order("#1005", "anna@example.com", "pending", "", "", "8.50", "0.00", "8.50",
                  "2024-04-01 12:00:00 +0200", [(1, "Coaster", "8.50")])
    return _csv(rows)


TAOBAO_HEADER = ["订单编号", "买家会员名", "买家支付宝账号", "支付单号", "买家应付货款", "买家应付邮费", "总金额",
                 "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系手机",
                 "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号", "物流公司", "订单备注",
                 "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "是否手机订单", "退款金额"]


def taobao_orders() -> bytes:
    """Taobao/Tmall seller "订单报表" CSV in GBK: 19-digit order ids written as ="...", money as plain
    decimals, one row per order.

    Expected (order -> status): ...0001 交易成功 -> completed (128.00); ...0002 卖家已发货，等待买家确认 ->
    in_transit (59.90); ...0003 等待买家付款 -> pending (35.00); ...0004 交易关闭 without refund ->
    cancelled (20.00); ...0005 交易关闭 with 退款金额 = 88.00 = paid -> refunded; ...0006 交易成功 with
    退款金额 10.00 of 100.00 -> partially_refunded. Customers: 小明 (0001, 0006), tb_lina88, 王芳, 李雷.
    Timestamps are China time (UTC+8): 2024-03-05 14:03:11 -> 06:03:11 UTC.
    """
    def row(oid, buyer, paid, status, created, payat, qty, refund="0.00", close=""):
        return [f'="{oid}"', buyer, f"{buyer}@alipay", f'="2024{oid[-6:]}"', paid, "0.00", paid, paid, status,
                "", "张三", "浙江省 杭州市 西湖区", "快递", f'="1380000{oid[-4:]}"', created, payat, "保温杯",
                "1", "", "", "", qty, "12345678", "北风杂货铺", close, "手机订单", refund]
    rows = [TAOBAO_HEADER,
            row("3712345678901230001", "小明", "128.00", "交易成功", "2024-03-05 14:03:11", "2024-03-05 14:04:00", 2),
            row("3712345678901230002", "tb_lina88", "59.90", "卖家已发货，等待买家确认", "2024-03-06 10:00:00",
                "2024-03-06 10:01:00", 1),
            row("3712345678901230003", "王芳", "35.00", "等待买家付款", "2024-03-07 11:00:00", "", 1),
            row("3712345678901230004", "李雷", "20.00", "交易关闭", "2024-03-07 12:00:00", "", 1,
                close="买家未付款"),
            row("3712345678901230005", "tb_lina88", "88.00", "交易关闭", "2024-03-08 09:00:00",
                "2024-03-08 09:01:00", 1, refund="88.00", close="退款"),
            row("3712345678901230006", "小明", "100.00", "交易成功", "2024-04-01 20:00:00", "2024-04-01 20:00:30",
                3, refund="10.00")]
    return _csv(rows, encoding="gbk", lineterminator="\r\n")


OZON_HEADER = ["Номер заказа", "Номер отправления", "Принят в обработку", "Дата отгрузки", "Статус",
               "Дата доставки", "Фактическая дата передачи в доставку", "Сумма отправления",
               "Код валюты отправления", "Наименование товара", "OZON id", "Артикул", "Итоговая стоимость товара",
               "Код валюты товара", "Стоимость товара для покупателя", "Код валюты покупателя", "Количество",
               "Стоимость доставки", "Выкуп товара", "Цена товара до скидок", "Скидка %", "Скидка руб",
               "Кластер отгрузки", "Кластер доставки", "Регион доставки", "Город доставки", "Способ доставки",
               "Сегмент клиента", "Способ оплаты"]


def ozon_postings() -> bytes:
    """Ozon seller "Отправления" (FBS) report: cp1251, `;`, decimal comma, space thousands, dates
    dd.mm.yyyy hh:mm:ss (Moscow time), one row per product; the posting sum repeats on every row of a
    posting; an order may have several postings (-1, -2).

    Expected: 4 orders. 12345678-0001: postings -1 (2 product rows, sum 1 299,00) and -2 (sum 450,00) ->
    amount 1749.00, items 3, status Доставлен -> completed. 12345678-0002: Доставляется -> in_transit,
    2 500,50. 12345678-0003: Отменён -> cancelled, 300,00. 12345678-0004: Ожидает сборки -> pending, 99,90.
    Принят в обработку 05.03.2024 14:03:11 Moscow -> 2024-03-05 11:03:11 UTC.
    """
    def row(order, posting, accepted, status, total, name, price, qty):
        return [order, posting, accepted, "", status, "", "", total, "RUB", name, "123456789", "ART-1", price, "RUB",
                price, "RUB", qty, "0", "Да" if status == "Доставлен" else "", price, "0", "0", "Москва, МО и Дальние",
                "Санкт-Петербург и СЗО", "Санкт-Петербург", "Санкт-Петербург", "Ozon Логистика", "", "Предоплата"]
    rows = [OZON_HEADER,
            row("12345678-0001", "12345678-0001-1", "05.03.2024 14:03:11", "Доставлен", "1 299,00", "Кружка",
                "999,00", "1"),
            row("12345678-0001", "12345678-0001-1", "05.03.2024 14:03:11", "Доставлен", "1 299,00", "Блюдце",
                "300,00", "1"),
            row("12345678-0001", "12345678-0001-2", "05.03.2024 14:03:11", "Доставлен", "450,00", "Ложка",
                "450,00", "1"),
            row("12345678-0002", "12345678-0002-1", "06.03.2024 09:15:00", "Доставляется", "2 500,50", "Чайник",
                "2 500,50", "1"),
            row("12345678-0003", "12345678-0003-1", "07.03.2024 18:40:02", "Отменён", "300,00", "Салфетки",
                "150,00", "2"),
            row("12345678-0004", "12345678-0004-1", "08.03.2024 23:59:59", "Ожидает сборки", "99,90", "Губка",
                "99,90", "1")]
    return _csv(rows, delimiter=";", encoding="cp1251", lineterminator="\r\n")


def wildberries_orders() -> bytes:
    """Wildberries supplier "Заказы" report as XLSX: one row per item (Srid), basket number in
    "Номер заказа", price after discount, a status column.

    Expected: 3 orders (WB-1 with 2 items 1000 + 500 -> 1500, Продажа -> completed; WB-2 Отмена ->
    cancelled, 700; WB-3 Возврат -> refunded, 250), no buyer ids (customer_id empty + warning).
    """
    header = ["Дата", "Дата изменения", "Склад", "Страна", "Округ", "Регион", "Артикул продавца", "Артикул WB",
              "Баркод", "Категория", "Предмет", "Бренд", "Размер", "Номер поставки", "Цена", "Скидка %",
              "Цена с учетом скидки", "Статус", "Srid", "Номер заказа"]
    def row(date, region, sku, price, disc, final, status, srid, order):
        return [date, date, "Коледино", "Россия", "Центральный", region, sku, 123456, "2000000000011", "Дом",
                "Кружки", "Northwind", "0", "", price, disc, final, status, srid, order]
    rows = [header,
            row("2024-03-05T14:03:11", "Москва", "MUG-1", 1250, 20, 1000, "Продажа", "ab12.cd34.1", "WB-1"),
            row("2024-03-05T14:03:11", "Москва", "SAU-1", 625, 20, 500, "Продажа", "ab12.cd34.2", "WB-1"),
            row("2024-03-06T10:00:00", "Казань", "POT-1", 1000, 30, 700, "Отмена", "ef56.gh78.1", "WB-2"),
            row("2024-03-07T08:30:00", "Тверь", "SPN-1", 500, 50, 250, "Возврат", "ij90.kl12.1", "WB-3")]
    return _xlsx(rows, sheet="Заказы")


def uci_online_retail() -> bytes:
    """UCI "Online Retail" line items (Kaggle CSV shape, latin-1): InvoiceDate m/d/yyyy h:mm, CustomerID
    written as a float, a C-prefixed credit note with negative quantity, a row without customer.

    Expected: 4 invoices. 536365: 6 x 2.55 + 8 x 3.39 = 42.42, items 14, customer 17850;
    536366: 6 x 1.85 + 2 x 1.85 = 14.80, items 8; C536379: credit note -1 x 27.50 -> cancelled, amount 27.50,
    items 1, customer 14527; 536414: no customer (empty), 56 x 0.00 = 0.00.
    """
    rows = [["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
             "Country"],
            ["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, "12/1/2010 8:26", "2.55", "17850.0",
             "United Kingdom"],
            ["536365", "71053", "WHITE METAL LANTERN", 8, "12/1/2010 8:26", "3.39", "17850.0", "United Kingdom"],
            ["536366", "22633", "HAND WARMER UNION JACK", 6, "12/1/2010 8:28", "1.85", "17850.0", "United Kingdom"],
            ["536366", "22632", "HAND WARMER RED POLKA DOT", 2, "12/1/2010 8:28", "1.85", "17850.0",
             "United Kingdom"],
            ["C536379", "D", "Discount", -1, "12/1/2010 9:41", "27.50", "14527.0", "United Kingdom"],
            ["536414", "22139", "CAFÉ RETROSPOT", 56, "12/1/2010 11:52", "0.00", "", "United Kingdom"]]
    return _csv(rows, encoding="latin-1", lineterminator="\r\n")


def cdnow_master() -> bytes:
    """CDNOW_master.txt shape: whitespace-aligned, header row, zero-padded ids, yyyymmdd dates.
    Expected: 6 orders (each row one order), 3 customers, total 195.48, one exact duplicate row."""
    lines = [" customer_id  date number_of_cds  dollar_value",
             " 00001 19970101  1   11.77", " 00002 19970112  1   12.00", " 00002 19970112  5   77.00",
             " 00003 19970102  2   20.76", " 00003 19970330  2   20.76", " 00003 19970330  2   20.76"]
    return ("\n".join(lines) + "\n").encode("ascii")


def cdnow_sample() -> bytes:
    """CDNOW_sample.txt shape: NO header, 5 whitespace-separated columns
    (customer_id customer_index date number_of_cds dollar_value). Expected: 4 orders, 2 customers."""
    lines = [" 00004 0001 19970101  2   29.33", " 00004 0001 19970118  2   29.73",
             " 00021 0002 19970101  3   63.34", " 00021 0002 19970113  1   11.77"]
    return ("\n".join(lines) + "\n").encode("ascii")


# ---------------------------------------------------------------- events
def ga4_events() -> bytes:
    """GA4 BigQuery export flattened to CSV (dotted column names, event_timestamp in microseconds,
    ga_session_id per user). Expected: 6 events, 2 users; sessions 'u1.1:1709647391' etc.;
    revenue 49.90 on the purchase only; first timestamp 2024-03-05 14:03:11.123456 UTC."""
    header = ["event_date", "event_timestamp", "event_name", "user_pseudo_id", "user_id", "ga_session_id",
              "device.category", "geo.country", "traffic_source.medium", "ecommerce.purchase_revenue"]
    base = 1709647391123456
    rows = [header,
            ["20240305", base, "session_start", "u1.1", "", "1709647391", "mobile", "Germany", "cpc", ""],
            ["20240305", base + 1_000_000, "page_view", "u1.1", "", "1709647391", "mobile", "Germany", "cpc", ""],
            ["20240305", base + 60_000_000, "add_to_cart", "u1.1", "", "1709647391", "mobile", "Germany", "cpc", ""],
            ["20240305", base + 120_000_000, "purchase", "u1.1", "C-77", "1709647391", "mobile", "Germany", "cpc",
             "49.9"],
            ["20240305", base + 5_000_000, "session_start", "u2.2", "", "1709647391", "desktop", "France",
             "organic", ""],
            ["20240305", base + 6_000_000, "page_view", "u2.2", "", "1709647391", "desktop", "France", "organic",
             ""]]
    return _csv(rows)


def rees46_events() -> bytes:
    """REES46 "eCommerce behavior data" shape: event_time with ' UTC', price on every event.
    Expected: 5 events, 2 users, revenue only on the purchase (543.10)."""
    header = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id",
              "user_session"]
    rows = [header,
            ["2019-10-01 00:00:00 UTC", "view", "44600062", "2103807459595387724", "", "shiseido", "35.79",
             "541312140", "72d76fde-8bb3-4e00-8c23-a032dfed738c"],
            ["2019-10-01 00:00:01 UTC", "view", "17200506", "2053013559792632471", "furniture.living_room.sofa", "",
             "543.10", "519107250", "566511c2-e2e3-422b-b695-cf8e6e792ca8"],
            ["2019-10-01 00:02:14 UTC", "cart", "17200506", "2053013559792632471", "furniture.living_room.sofa", "",
             "543.10", "519107250", "566511c2-e2e3-422b-b695-cf8e6e792ca8"],
            ["2019-10-01 00:05:40 UTC", "purchase", "17200506", "2053013559792632471",
             "furniture.living_room.sofa", "", "543.10", "519107250", "566511c2-e2e3-422b-b695-cf8e6e792ca8"],
            ["2019-10-01 00:06:00 UTC", "view", "3900821", "2053013552326770905",
             "appliances.environment.water_heater", "aqua", "33.20", "541312140",
             "72d76fde-8bb3-4e00-8c23-a032dfed738c"]]
    return _csv(rows)


# ---------------------------------------------------------------- survey responses
NPS_QUESTION = "How likely is it that you would recommend Northwind Goods to a friend or colleague?"
CSAT_QUESTION = "Overall, how satisfied or dissatisfied are you with our company?"


def surveymonkey_responses() -> bytes:
    """SurveyMonkey "All responses data" XLSX: two header rows (row 1 questions, merged across a
    multiple-choice question's options; row 2 "Response" / "Open-Ended Response" / option labels),
    US dates with AM/PM. Expected: 4 responses; NPS 10, 9, 6, (blank); CSAT labels Very satisfied -> 5,
    Satisfied -> 4, Very dissatisfied -> 1, Neither satisfied nor dissatisfied -> 3."""
    q = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
         "Last Name", "Custom Data 1", NPS_QUESTION, CSAT_QUESTION, "Which channels did you use?", None, None,
         "What could we do better?"]
    sub = [None] * 9 + ["Response", "Response", "Email", "Chat", "Phone", "Open-Ended Response"]
    def r(rid, start, end, email, nps, csat, ch, comment):
        return [rid, 431234567, start, end, "203.0.113.7", email, "", "", "", nps, csat, *ch, comment]
    rows = [q, sub,
            r(114123456781, "03/05/2024 02:01:11 PM", "03/05/2024 02:03:11 PM", "anna@example.com", 10,
              "Very satisfied", ("Email", "", ""), "Fast delivery"),
            r(114123456782, "03/06/2024 09:00:00 AM", "03/06/2024 09:02:30 AM", "ben@example.com", 9, "Satisfied",
              ("", "Chat", ""), ""),
            r(114123456783, "03/07/2024 11:15:00 PM", "03/07/2024 11:20:00 PM", "chloe@example.com", 6,
              "Very dissatisfied", ("", "", "Phone"), "=HYPERLINK(\"http://x\",\"click\")"),
            r(114123456784, "03/08/2024 08:00:00 AM", "03/08/2024 08:01:00 AM", "", None,
              "Neither satisfied nor dissatisfied", ("Email", "Chat", ""), "")]
    return _xlsx(rows, merges=("L1:N1",))


def _surveymonkey_rows() -> list[list[object]]:
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(surveymonkey_responses()))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def surveymonkey_responses_csv() -> bytes:
    """The same SurveyMonkey responses as its CSV download: two header rows, blank cells where the
    XLSX has merged cells. Expected: as surveymonkey_responses()."""
    return _csv(_surveymonkey_rows())


def typeform_responses(modern: bool = False) -> bytes:
    """Typeform CSV download: "#" (response token), one column per question, then
    "Submitted At" + "Token" (classic) or "Start Date (UTC)", "Submit Date (UTC)", "Network ID" (modern).
    Expected: 3 responses; NPS 8, 10, 3; CES (1-7) 6, 7, 2."""
    ces_q = "How easy was it to find what you were looking for?"
    if modern:
        header = ["#", NPS_QUESTION, ces_q, "Anything else you'd like to tell us?", "Start Date (UTC)",
                  "Submit Date (UTC)", "Network ID"]
        tail = [["2024-03-05 14:01:00", "2024-03-05 14:03:11", "a1b2c3"], ["2024-03-06 08:00:00",
                "2024-03-06 08:02:00", "d4e5f6"], ["2024-03-07 19:00:00", "2024-03-07 19:05:00", "0a0b0c"]]
    else:
        header = ["#", NPS_QUESTION, ces_q, "Anything else you'd like to tell us?", "Submitted At", "Token"]
        tail = [["2024-03-05 14:03:11", "x9y8z7w6"], ["2024-03-06 08:02:00", "v5u4t3s2"],
                ["2024-03-07 19:05:00", "r1q2p3o4"]]
    body = [["k2j3h4g5", 8, 6, "Nice shop"], ["m1n2b3v4", 10, 7, ""], ["c5x6z7l8", 3, 2, "Too slow"]]
    return _csv([header] + [b + t for b, t in zip(body, tail)])


def google_forms_responses() -> bytes:
    """Google Forms responses sheet downloaded as CSV: "Timestamp" first (m/d/yyyy H:MM:SS), optional
    "Email Address", then questions. Expected: 3 responses; NPS 9, 7, 10; CSAT labels 5, 4, 2."""
    header = ["Timestamp", "Email Address", NPS_QUESTION, "How satisfied were you with your order?",
              "Any comments?"]
    rows = [header, ["3/5/2024 14:03:11", "anna@example.com", 9, "Very satisfied", ""],
            ["3/6/2024 8:02:00", "ben@example.com", 7, "Satisfied", "ok"],
            ["3/17/2024 19:05:00", "dan@example.com", 10, "Dissatisfied", "late parcel"]]
    return _csv(rows)


def delighted_responses() -> bytes:
    """Delighted NPS export: "Response ID", "Email" (padded, title case as people type them), "Score",
    "Comment", "Created At". Expected: 3 responses; NPS 9, 3, 10; no customer id."""
    rows = [["Response ID", "Email", "Name", "Score", "Comment", "Created At", "Updated At", "Permalink"],
            ["5001", "  Anna.Schmidt@Example.com ", "Anna", 9, "great", "2024-03-05 14:03:11 +0100", "", ""],
            ["5002", "Ben.Okafor@Example.com", "Ben", 3, "late", "2024-03-06 08:02:00 +0100", "", ""],
            ["5003", "dan@example.com", "", 10, "", "2024-03-07 19:05:00 +0100", "", ""]]
    return _csv(rows)


# ---------------------------------------------------------------- tickets
ZENDESK_HEADER = [
    "Summation column", "Id", "Requester", "Requester id", "Requester external id", "Requester email",
    "Requester domain", "Submitter", "Assignee", "Group", "Subject", "Tags", "Status", "Priority", "Via",
    "Ticket type", "Created at", "Updated at", "Assigned at", "Organization", "Due date", "Initially assigned at",
    "Solved at", "Resolution time", "Satisfaction Score", "Group stations", "Assignee stations", "Reopens",
    "Replies", "First reply time in minutes", "First reply time in minutes within business hours",
    "First resolution time in minutes", "First resolution time in minutes within business hours",
    "Full resolution time in minutes", "Full resolution time in minutes within business hours",
    "Agent wait time in minutes", "Requester wait time in minutes", "On hold time in minutes",
]


def zendesk_tickets() -> bytes:
    """Zendesk "CSV export" of tickets. Expected: 4 tickets; first reply minutes 12, 1500, (blank), 3;
    resolution minutes 60, 3000, (blank), 30; satisfaction good, bad, offered, unoffered; channels (Via)
    Mail, Mail, Web form, Chat."""
    def row(tid, req, via, created, status, sat, first, full):
        return ["", tid, req, "3610", "", f"{req.split()[0].lower()}@example.com", "example.com", req, "Eve Agent",
                "Support", f"Question {tid}", "order", status, "Normal", via, "Question", created, created, created,
                "", "", created, "", "" if not full else str(round(int(full) / 60)), sat, "1", "1", "0", "1",
                first, first, full, full, full, full, "0", "0", "0"]
    rows = [ZENDESK_HEADER,
            row("101", "Anna Schmidt", "Mail", "2024-03-05 14:03", "Solved", "Good", "12", "60"),
            row("102", "Ben Okafor", "Mail", "2024-03-05 15:00", "Closed", "Bad", "1500", "3000"),
            row("103", "Chloe Martin", "Web form", "2024-03-06 09:30", "Open", "Offered", "", ""),
            row("104", "Dan Wu", "Chat", "2024-03-06 10:00", "Solved", "Unoffered", "3", "30")]
    return _csv(rows)


def freshdesk_tickets() -> bytes:
    """Freshdesk ticket export CSV: times in hh:mm:ss under "(in hrs)" headers, "Survey result" labels.
    Expected: 3 tickets; first reply minutes 135.0 (02:15:00), 0.5 (00:00:30), (blank);
    resolution minutes 1510.0 (25:10:00), 45.0, (blank); satisfaction good (Awesome), bad (Not Good), NA."""
    header = ["Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group", "Created time",
              "Due by Time", "Resolved time", "Closed time", "Last update time", "Initial response time",
              "Time tracked", "First response time (in hrs)", "Resolution time (in hrs)", "Agent interactions",
              "Customer interactions", "Resolution status", "First response status", "Tags", "Survey result",
              "Product", "Full name", "Contact ID"]
    def row(tid, status, source, created, first, resolution, survey, name):
        return [tid, f"Help {tid}", status, "Low", source, "Question", "Eve", "Support", created, created, created,
                "", created, created, "00:00", first, resolution, "1", "1", "Within SLA", "Within SLA", "", survey,
                "", name, "C-" + tid]
    rows = [header,
            row("1", "Closed", "Email", "2024-03-05 14:03:11", "02:15:00", "25:10:00", "Awesome", "Anna Schmidt"),
            row("2", "Resolved", "Chat", "2024-03-05 15:00:00", "00:00:30", "00:45:00", "Not Good", "Ben Okafor"),
            row("3", "Open", "Portal", "2024-03-06 09:30:00", "", "", "", "Chloe Martin")]
    return _csv(rows)


# ---------------------------------------------------------------- experiment
def experiment_log() -> bytes:
    """Generic A/B assignment log: visitor_id, bucket, exposed_at, conversion, revenue.
    Expected: 6 rows, variants control/one_page, visitor v3 twice (duplicate id), conversions 3."""
    rows = [["visitor_id", "bucket", "exposed_at", "conversion", "revenue"],
            ["v1", "control", "2024-03-05T14:03:11Z", "0", ""], ["v2", "one_page", "2024-03-05T14:04:00Z", "1", "20.5"],
            ["v3", "control", "2024-03-05T14:05:00Z", "1", "10"], ["v3", "one_page", "2024-03-05T14:06:00Z", "0", ""],
            ["v4", "one_page", "2024-03-05T14:07:00Z", "1", "31.0"], ["v5", "control", "2024-03-05T14:08:00Z", "0", ""]]
    return _csv(rows)


def ab_data_like() -> bytes:
    """The Udacity ab_data.csv shape: user_id,timestamp,group,landing_page,converted."""
    rows = [["user_id", "timestamp", "group", "landing_page", "converted"],
            ["851104", "2017-01-21 22:11:48.556739", "control", "old_page", "0"],
            ["804228", "2017-01-12 08:01:45.159739", "control", "old_page", "0"],
            ["661590", "2017-01-11 16:55:06.154213", "treatment", "new_page", "0"],
            ["853541", "2017-01-08 18:28:03.143765", "treatment", "new_page", "1"]]
    return _csv(rows)


# ---------------------------------------------------------------- generic files in other languages
def orders_zh() -> bytes:
    """Chinese headers, not a known export: 订单号, 客户ID, 下单时间, 订单金额(元), 订单状态."""
    rows = [["订单号", "客户ID", "下单时间", "订单金额(元)", "订单状态", "备注"],
            ["A001", "C01", "2024-03-05 14:03:11", "128.00", "已完成", ""],
            ["A002", "C02", "2024-03-06 10:00:00", "59.90", "已发货", "加急"],
            ["A003", "C01", "2024-03-07 11:00:00", "35.00", "已取消", ""]]
    return _csv(rows, bom=True)


def orders_ru() -> bytes:
    """Russian headers, cp1251, `;`, decimal comma: ID покупателя, Дата заказа, Сумма (руб.), Статус."""
    rows = [["ID покупателя", "Дата заказа", "Сумма (руб.)", "Статус", "Город"],
            ["K-1", "05.03.2024 14:03", "1 299,00", "Доставлен", "Москва"],
            ["K-2", "06.03.2024 09:15", "450,50", "В пути", "Казань"],
            ["K-1", "07.03.2024 18:40", "300,00", "Отменён", "Москва"]]
    return _csv(rows, delimiter=";", encoding="cp1251")


def events_zh() -> bytes:
    """Chinese event log: 用户ID, 事件, 时间, 设备."""
    rows = [["用户ID", "事件", "时间", "设备"], ["u1", "浏览", "2024-03-05 14:03:11", "手机"],
            ["u1", "加购", "2024-03-05 14:05:00", "手机"], ["u2", "浏览", "2024-03-05 15:00:00", "电脑"]]
    return _csv(rows)


def events_ru() -> bytes:
    """Russian event log: ID пользователя; Событие; Время."""
    rows = [["ID пользователя", "Событие", "Время"], ["u1", "просмотр", "05.03.2024 14:03:11"],
            ["u2", "покупка", "05.03.2024 15:00:00"]]
    return _csv(rows, delimiter=";", encoding="utf-8")


EXPORTS = {
    "shopify_orders": (shopify_orders, "orders", "Shopify orders export"),
    "taobao_orders": (taobao_orders, "orders", "Taobao/Tmall seller orders export"),
    "ozon_postings": (ozon_postings, "orders", "Ozon seller postings report"),
    "wildberries_orders": (wildberries_orders, "orders", "Wildberries orders report"),
    "uci_online_retail": (uci_online_retail, "orders", "UCI Online Retail (line items)"),
    "cdnow_master": (cdnow_master, "orders", "CDNOW transaction log"),
    "cdnow_sample": (cdnow_sample, "orders", "CDNOW transaction log (no header)"),
    "ga4_events": (ga4_events, "events", "GA4 BigQuery export (flattened)"),
    "rees46_events": (rees46_events, "events", "REES46-style event log"),
    "surveymonkey_responses": (surveymonkey_responses, "responses", "SurveyMonkey responses export"),
    "surveymonkey_responses_csv": (surveymonkey_responses_csv, "responses", "SurveyMonkey responses export"),
    "typeform_responses": (typeform_responses, "responses", "Typeform responses export"),
    "google_forms_responses": (google_forms_responses, "responses", "Google Forms responses"),
    "delighted_responses": (delighted_responses, "responses", "Delighted responses export"),
    "zendesk_tickets": (zendesk_tickets, "tickets", "Zendesk tickets export"),
    "freshdesk_tickets": (freshdesk_tickets, "tickets", "Freshdesk tickets export"),
    "experiment_log": (experiment_log, "experiment", "Experiment assignment log"),
    "ab_data_like": (ab_data_like, "experiment", "Experiment assignment log"),
}


# ---------------------------------------------------------------- orders in German, French and Spanish
GERMAN_CUSTOMERS = ["Jürgen Groß", "Anna Müller", "Lena Schäfer", "Tobias Weiß", "Sabine Köhler", "Markus Braun",
                    "Petra Hoffmann", "Florian Becker", "Julia Wagner", "Stefan Schröder", "Katrin Zimmermann",
                    "Uwe Krüger", "Monika Hartmann", "Dirk Lange", "Claudia Schmitz", "Ralf Werner", "Heike Fuchs",
                    "Sven Jäger", "Birgit Vogel", "Thomas Roth", "Nina Keller", "Andreas Frank", "Ute Berger",
                    "Oliver Günther"]
GERMAN_PAID_NET = "57693.37"          # EUR: the sum of the 40 'bezahlt' orders (see german_orders)


def _de_money(cents: int, symbol: str = " €", thousands: str = ".", decimal: str = ",") -> str:
    """1234567 -> '12.345,67 €' (German style; French passes a narrow no-break space as thousands)."""
    whole, frac = divmod(cents, 100)
    return f"{whole:,}".replace(",", thousands) + f"{decimal}{frac:02d}{symbol}"


def german_orders() -> bytes:
    """A German shop's own order list as Excel saves it (cp1252, `;`, CRLF):
    ``Bestellnummer;Kunde;Datum;Betrag;Status``, amounts ``2.370,13 €``, dates dd.mm.yyyy.

    60 orders from 24 customers in 2024: 40 ``bezahlt`` (paid), 6 ``erstattet`` (refunded, no refund amount:
    refunded in full) and 14 ``storniert`` (cancelled). By hand, after mapping bezahlt -> completed,
    erstattet -> refunded, storniert -> cancelled: 46 valid orders (40 + 6), net revenue = the 40 paid
    amounts = EUR 57,693.37 (refunded orders net 0). All 60 amounts add up to EUR 73,415.00 (what counting
    every status as paid would give). The test recomputes these figures from the bytes by hand.
    """
    import random
    rng = random.Random(17)
    paid = [rng.randint(45_00, 2_600_00) for _ in range(39)]
    paid.append(5_769_337 - sum(paid))                       # 40 paid orders: EUR 57,693.37
    other = [rng.randint(45_00, 1_400_00) for _ in range(19)]
    other.append(1_572_163 - sum(other))                     # 20 others: EUR 15,721.63 (all: 73,415.00)
    statuses = ["bezahlt"] * 40 + ["erstattet"] * 6 + ["storniert"] * 14
    order = random.Random(20)
    order.shuffle(statuses)
    amounts, next_paid, next_other = [], iter(paid), iter(other)
    for s in statuses:
        amounts.append(next(next_paid) if s == "bezahlt" else next(next_other))
    rows = [["Bestellnummer", "Kunde", "Datum", "Betrag", "Status"]]
    day = 2
    for i, (s, cents) in enumerate(zip(statuses, amounts)):
        day += rng.randint(1, 6)
        month, dom = divmod(day - 1, 28)
        rows.append([str(10001 + i), GERMAN_CUSTOMERS[rng.randrange(len(GERMAN_CUSTOMERS))],
                     f"{dom + 1:02d}.{month + 1:02d}.2024", _de_money(cents), s])
    return _csv(rows, delimiter=";", encoding="cp1252", lineterminator="\r\n")


# Shop exports as shops in Germany, France and Spain save them: export -> language -> (headers, status words,
# money style, date style). The statuses are the shop system's own words in that language (Shopify's payment
# states, WooCommerce's order states, Shopware 6's payment states, Amazon Seller Central's order states).
LOCAL_EXPORTS: dict[str, dict[str, dict]] = {
    "shopify": {
        "de": {"headers": ["Bestellung", "E-Mail", "Zahlungsstatus", "Erstellt am", "Gesamtbetrag", "Währung",
                           "Erstattungsbetrag", "Versandland"],
               "statuses": {"Bezahlt": "completed", "Ausstehend": "pending", "Erstattet": "refunded",
                            "Teilweise erstattet": "partially_refunded", "Storniert": "cancelled"}},
        "fr": {"headers": ["Commande", "E-mail", "Statut financier", "Créée le", "Total", "Devise",
                           "Montant remboursé", "Pays de livraison"],
               "statuses": {"Payée": "completed", "En attente": "pending", "Remboursée": "refunded",
                            "Partiellement remboursée": "partially_refunded", "Annulée": "cancelled"}},
        "es": {"headers": ["Pedido", "Correo electrónico", "Estado financiero", "Creado el", "Total", "Moneda",
                           "Importe reembolsado", "País de envío"],
               "statuses": {"Pagado": "completed", "Pendiente": "pending", "Reembolsado": "refunded",
                            "Reembolsado parcialmente": "partially_refunded", "Anulado": "cancelled"}},
    },
    "woocommerce": {
        "de": {"headers": ["Bestellnummer", "Bestellstatus", "Bestelldatum", "E-Mail (Rechnung)", "Bestellsumme",
                           "Währung", "Rückerstattung", "Land (Rechnung)"],
               "statuses": {"Abgeschlossen": "completed", "In Bearbeitung": "pending", "Rückerstattet": "refunded",
                            "Zahlung ausstehend": "pending", "Storniert": "cancelled"}},
        "fr": {"headers": ["N° de commande", "État de la commande", "Date de commande", "E-mail (facturation)",
                           "Total de la commande", "Devise", "Montant remboursé", "Pays (facturation)"],
               "statuses": {"Terminée": "completed", "En cours": "pending", "Remboursée": "refunded",
                            "Attente paiement": "pending", "Annulée": "cancelled"}},
        "es": {"headers": ["Número de pedido", "Estado del pedido", "Fecha del pedido",
                           "Correo electrónico (facturación)", "Total del pedido", "Moneda", "Importe reembolsado",
                           "País (facturación)"],
               "statuses": {"Completado": "completed", "Procesando": "pending", "Reembolsado": "refunded",
                            "Pendiente de pago": "pending", "Cancelado": "cancelled"}},
    },
    "shopware": {
        "de": {"headers": ["Bestellnummer", "Bestelldatum", "Kundennummer", "Gesamtsumme", "Währung",
                           "Zahlungsstatus", "Versandstatus", "Lieferland"],
               "statuses": {"Bezahlt": "completed", "Offen": "pending", "Erstattet": "refunded",
                            "Teilweise erstattet": "partially_refunded", "Storniert": "cancelled"}},
        "fr": {"headers": ["Numéro de commande", "Date de commande", "Numéro de client", "Montant total", "Devise",
                           "Statut du paiement", "Statut de livraison", "Pays de livraison"],
               "statuses": {"Payé": "completed", "Ouvert": "pending", "Remboursé": "refunded",
                            "Partiellement remboursé": "partially_refunded", "Annulé": "cancelled"}},
        "es": {"headers": ["Número de pedido", "Fecha de pedido", "Número de cliente", "Importe total", "Moneda",
                           "Estado del pago", "Estado de envío", "País de envío"],
               "statuses": {"Pagado": "completed", "Abierto": "pending", "Reembolsado": "refunded",
                            "Reembolsado parcialmente": "partially_refunded", "Cancelado": "cancelled"}},
    },
    "amazon": {
        "de": {"headers": ["Bestellnummer", "Kaufdatum", "Bestellstatus", "Käufer-E-Mail", "Bestellsumme", "Währung",
                           "Versandland", "Verkaufskanal"],
               "statuses": {"Zugestellt": "completed", "Versandt": "in_transit", "Ausstehend": "pending",
                            "Unversandt": "pending", "Storniert": "cancelled"}},
        "fr": {"headers": ["Numéro de commande", "Date d'achat", "Statut de la commande", "E-mail de l'acheteur",
                           "Montant de la commande", "Devise", "Pays d'expédition", "Canal de vente"],
               "statuses": {"Livrée": "completed", "Expédiée": "in_transit", "En attente": "pending",
                            "Non expédiée": "pending", "Annulée": "cancelled"}},
        "es": {"headers": ["Número de pedido", "Fecha de compra", "Estado del pedido", "Correo electrónico del comprador",
                           "Importe del pedido", "Moneda", "País de envío", "Canal de venta"],
               "statuses": {"Entregado": "completed", "Enviado": "in_transit", "Pendiente": "pending",
                            "Sin enviar": "pending", "Cancelado": "cancelled"}},
    },
}
# The canonical field each header column (by position) maps to, per export.
LOCAL_FIELDS = {
    "shopify": ["order_id", "customer_id", "status", "ordered_at", "amount", "currency", "refunded", "country"],
    "woocommerce": ["order_id", "status", "ordered_at", "customer_id", "amount", "currency", "refunded", "country"],
    "shopware": ["order_id", "ordered_at", "customer_id", "amount", "currency", "status", None, "country"],
    "amazon": ["order_id", "ordered_at", "status", "customer_id", "amount", "currency", "country", "channel"],
}
_AMOUNTS = [2_370_13, 89_90, 149_00, 1_005_50, 35_99]      # cents, one per status word in order


def local_orders(export: str, lang: str) -> bytes:
    """One order per status word of ``LOCAL_EXPORTS[export][lang]`` (5 orders, 3 customers), money in the
    language's style (``2.370,13 €`` in German and Spanish, ``2 370,13 €`` with a narrow no-break space in
    French), dates dd.mm.yyyy (German) or dd/mm/yyyy (French, Spanish) with a day above 12, UTF-8 with a
    BOM and `;` as Excel writes it in those countries. Amounts 2,370.13, 89.90, 149.00, 1,005.50, 35.99 EUR;
    refunded amounts (where the export has the column) equal the amount for a refunded order, 10.00 for a
    partially refunded one.
    """
    spec = LOCAL_EXPORTS[export][lang]
    fields = LOCAL_FIELDS[export]
    thousands = "\u202f" if lang == "fr" else "."
    rows = [spec["headers"]]
    for i, (word, canonical) in enumerate(spec["statuses"].items()):
        cents = _AMOUNTS[i]
        day = f"{14 + i:02d}.03.2024" if lang == "de" else f"{14 + i:02d}/03/2024"
        values = {"order_id": f"#{1001 + i}" if export == "shopify" else f"{40001 + i}",
                  "customer_id": f"kunde{i % 3}@example.com" if export != "shopware" else f"K-{100 + i % 3}",
                  "status": word, "ordered_at": day + " 14:03", "amount": _de_money(cents, " €", thousands),
                  "currency": "EUR", "country": {"de": "DE", "fr": "FR", "es": "ES"}[lang],
                  "refunded": (_de_money(cents, "", thousands) if canonical == "refunded"
                               else "10,00" if canonical == "partially_refunded" else ""),
                  "channel": f"Amazon.{lang}", None: "—"}
        rows.append([values[f] for f in fields])
    return _csv(rows, delimiter=";", bom=True)
