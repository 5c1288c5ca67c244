"""Generate the CX Workbench sample data: one fictional shop, "Northwind Goods", seen through every role.

Usage::

    python sample_data/make_samples.py            # rewrite the committed files in sample_data/
    python sample_data/make_samples.py --out DIR  # write the same files into DIR (tests compare bytes)

The output is byte-identical on every run: each file draws from its own ``numpy`` Generator with a
fixed seed, rows are written in a fixed order with hand-formatted numbers and dates, and nothing
depends on the wall clock, the machine's time zone, or dict/set iteration order. The XLSX file is
re-packed with fixed zip timestamps and document dates (openpyxl stamps "now" otherwise).

The shop (EUR, customers mostly in DE/FR/NL/PL/ES, channels web/app/marketplace) is observed from
2025-11-01 to 2026-10-31 (Europe/Berlin). Ids are shared across files so joins work: customer ids
and emails link orders, survey responses, tickets and customers; experiment units are the user ids
of the event log (plus users outside the event sample). See sample_data/README.md for the effects
built in and the numbers measured on the generated files.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20261031
UTC = timezone.utc
PERIOD_START = date(2025, 11, 1)      # first day of the 12 observed months (local time)
PERIOD_DAYS = 365                    # ... up to and including 2026-10-31

# ---------------------------------------------------------------------------------------------
# Small helpers: seeded generators, Europe/Berlin offsets without tzdata, formatting
# ---------------------------------------------------------------------------------------------


def rng_for(name: str) -> np.random.Generator:
    """One independent, fixed stream per file, so editing one generator leaves the others alone."""
    return np.random.default_rng([SEED, sum(ord(c) * 31 ** i for i, c in enumerate(name)) % 2**32])


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def berlin_offset_hours(utc_dt: datetime) -> int:
    """CET/CEST offset by the EU rule (summer time from the last Sunday of March 01:00 UTC to the
    last Sunday of October 01:00 UTC), so the output does not depend on the machine's tzdata."""
    y = utc_dt.year
    start = datetime.combine(_last_sunday(y, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(y, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return 2 if start <= utc_dt < end else 1


def local_to_utc(local_naive: datetime) -> datetime:
    """Berlin wall-clock time -> aware UTC. A time in the skipped spring hour lands an hour earlier;
    the repeated autumn hour takes the winter offset. Either way the formatted result is valid."""
    guess = local_naive.replace(tzinfo=UTC) - timedelta(hours=1)
    return local_naive.replace(tzinfo=UTC) - timedelta(hours=berlin_offset_hours(guess))


def to_local(utc_dt: datetime) -> tuple[datetime, int]:
    off = berlin_offset_hours(utc_dt)
    return (utc_dt + timedelta(hours=off)).replace(tzinfo=None), off


def fmt_shopify_time(utc_dt: datetime) -> str:
    loc, off = to_local(utc_dt)
    return f"{loc:%Y-%m-%d %H:%M:%S} +0{off}00"


def fmt_iso_offset(utc_dt: datetime) -> str:
    loc, off = to_local(utc_dt)
    return f"{loc:%Y-%m-%dT%H:%M:%S}+0{off}:00"


def fmt_utc_ms(utc_dt: datetime) -> str:
    return f"{utc_dt:%Y-%m-%dT%H:%M:%S}.{utc_dt.microsecond // 1000:03d}Z"


def money(x: float) -> str:
    return f"{x:.2f}"


def cents(x: float) -> float:
    return round(float(x) + 1e-9, 2)


def ascii_fold(text: str) -> str:
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ø", "o")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def pick(rng: np.random.Generator, options: dict[str, float]) -> str:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def as_typed(email: str, rng: np.random.Generator) -> str:
    """An address the way people and tools write it: mostly as stored, sometimes title case, upper case or
    with a trailing space (so files share customers only after e-mail normalization). Each file draws from
    its own stream (``rng_for("<file>-email-case")``), so the other figures stay as they were."""
    u = float(rng.random())
    if u < 0.15:
        local, domain = email.split("@")
        return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain[:1].upper() + domain[1:]
    if u < 0.20:
        return email.upper()
    if u < 0.25:
        return email + " "
    return email


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",",
              encoding: str = "utf-8", newline: str = "\n") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


# Hour-of-day profile for a European web shop (local time): quiet nights, evening peak.
HOUR_WEIGHTS = np.array([1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.4, 3.6, 4.4, 4.8, 5.0,
                         5.3, 5.2, 5.0, 5.0, 5.2, 5.6, 6.2, 7.2, 7.9, 7.4, 5.4, 2.8])
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


def random_local_times(rng: np.random.Generator, days: np.ndarray, base: date) -> list[datetime]:
    """Local wall-clock datetimes on ``base + days`` with the shop's hour-of-day profile."""
    hours = rng.choice(24, size=len(days), p=HOUR_P)
    secs = rng.integers(0, 3600, size=len(days))
    return [datetime.combine(base + timedelta(days=int(d)), datetime.min.time())
            + timedelta(hours=int(h), seconds=int(s))
            for d, h, s in zip(days, hours, secs)]


def seasonal_day_weights() -> np.ndarray:
    """Relative order volume per day of the observed year: November peak (Black Friday to Cyber
    Monday x3), busy December with a Christmas-week dip, quiet January-February, a Saturday dip and
    Sunday bump, and ~15 % growth over the year."""
    month_factor = {11: 1.55, 12: 1.25, 1: 0.78, 2: 0.74, 3: 0.85, 4: 0.88, 5: 0.92, 6: 0.88,
                    7: 0.84, 8: 0.86, 9: 0.97, 10: 1.06}
    w = np.empty(PERIOD_DAYS)
    for i in range(PERIOD_DAYS):
        d = PERIOD_START + timedelta(days=i)
        f = month_factor[d.month] * (1.0 + 0.15 * i / PERIOD_DAYS)
        f *= 0.85 if d.weekday() == 5 else (1.1 if d.weekday() == 6 else 1.0)
        if date(2025, 11, 27) <= d <= date(2025, 12, 1):     # Black Friday to Cyber Monday
            f *= 3.0
        if date(2025, 12, 22) <= d <= date(2025, 12, 28):
            f *= 0.45
        w[i] = f
    return w / w.sum()


# ---------------------------------------------------------------------------------------------
# The shop's world: customers, products
# ---------------------------------------------------------------------------------------------

COUNTRIES = {"DE": 0.38, "FR": 0.18, "NL": 0.14, "PL": 0.12, "ES": 0.10, "AT": 0.04, "BE": 0.03, "IT": 0.01}
CITIES = {
    "DE": ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Leipzig", "Stuttgart", "Düsseldorf"],
    "FR": ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes"],
    "NL": ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen"],
    "PL": ["Warszawa", "Kraków", "Wrocław", "Gdańsk", "Poznań", "Łódź"],
    "ES": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Málaga"],
    "AT": ["Wien", "Graz", "Linz"], "BE": ["Bruxelles", "Antwerpen", "Gent"], "IT": ["Milano", "Torino"],
}
FIRST_NAMES = {
    "DE": ["Anna", "Lena", "Julia", "Sophie", "Marie", "Laura", "Lukas", "Jonas", "Felix", "Paul", "Jan", "Tim",
           "Katrin", "Sabine", "Jürgen", "Max"],
    "FR": ["Camille", "Léa", "Manon", "Chloé", "Inès", "Julie", "Hugo", "Lucas", "Louis", "Théo", "Antoine", "Émilie"],
    "NL": ["Emma", "Sanne", "Lotte", "Fleur", "Anouk", "Daan", "Sem", "Bram", "Thijs", "Ruben"],
    "PL": ["Zofia", "Julia", "Maja", "Katarzyna", "Agnieszka", "Jakub", "Kacper", "Piotr", "Łukasz", "Michał"],
    "ES": ["Lucía", "María", "Paula", "Carmen", "Sofía", "Hugo", "Pablo", "Javier", "Alejandro", "Álvaro"],
    "AT": ["Lisa", "Hannah", "Florian", "Stefan"], "BE": ["Elise", "Noor", "Arthur", "Wout"],
    "IT": ["Giulia", "Chiara", "Marco", "Luca"],
}
LAST_NAMES = {
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
           "Richter", "Wolf", "Schäfer", "Neumann", "Braun", "Krüger"],
    "FR": ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
           "Lefèvre", "Girard"],
    "NL": ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"],
    "PL": ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski", "Zielińska",
           "Szymański", "Woźniak"],
    "ES": ["García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"],
    "AT": ["Gruber", "Huber", "Bauer", "Pichler"], "BE": ["Peeters", "Janssens", "Maes", "Claes"],
    "IT": ["Rossi", "Russo", "Ferrari", "Esposito"],
}
MAIL_DOMAINS = {"example.com": 0.5, "example.net": 0.3, "example.org": 0.2}


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: float
    category: str
    handle: str                  # short URL handle: /p/<handle>


PRODUCTS: tuple[Product, ...] = (
    Product("NW-K01", "Stoneware Mug 350 ml - Slate", 14.90, "kitchen", "mug-slate"),
    Product("NW-K02", "Stoneware Mug 350 ml - Sand", 14.90, "kitchen", "mug-sand"),
    Product("NW-K03", "Enamel Pour-Over Kettle", 49.00, "kitchen", "kettle"),
    Product("NW-K04", "Oak Serving Board", 39.90, "kitchen", "oak-board"),
    Product("NW-K05", "Cast Iron Skillet 26 cm", 59.00, "kitchen", "skillet"),
    Product("NW-K06", "Glass Storage Jar Set (3)", 24.90, "kitchen", "jars"),
    Product("NW-K07", "Chef's Knife 20 cm", 79.00, "kitchen", "chef-knife"),
    Product("NW-K08", "Ceramic Dinner Plate - Set of 4", 44.90, "kitchen", "plates"),
    Product("NW-T01", "Linen Apron - Sand", 34.90, "textiles", "apron"),
    Product("NW-T02", "Linen Tea Towel Set (2)", 19.90, "textiles", "tea-towels"),
    Product("NW-T03", "Waffle Bath Towel - Stone", 29.90, "textiles", "bath-towel"),
    Product("NW-T04", "Merino Throw Blanket", 89.00, "textiles", "throw"),
    Product("NW-T05", "Washed Linen Duvet Cover 155x220", 129.00, "textiles", "duvet"),
    Product("NW-T06", "Linen Napkins (4)", 24.90, "textiles", "napkins"),
    Product("NW-D01", "Beeswax Candle - Large", 18.90, "decor", "candle"),
    Product("NW-D02", "Hand-Thrown Vase", 42.00, "decor", "vase"),
    Product("NW-D03", "Jute Doormat", 27.90, "decor", "doormat"),
    Product("NW-D04", "Wall Clock - Walnut", 64.00, "decor", "clock"),
    Product("NW-D05", "Rattan Storage Basket", 32.90, "decor", "basket"),
    Product("NW-D06", "Brass Picture Frame 13x18", 22.90, "decor", "frame"),
    Product("NW-G01", "Gift Card 25 EUR", 25.00, "gifts", "gift-25"),
    Product("NW-G02", "Gift Card 50 EUR", 50.00, "gifts", "gift-50"),
)
PRODUCT_P = np.array([9, 7, 3, 4, 3, 6, 2, 3, 6, 8, 5, 2, 1.5, 5, 8, 3, 3, 1.5, 3, 4, 2, 1.2], dtype=float)
PRODUCT_P /= PRODUCT_P.sum()
VAT = {"DE": 0.19, "FR": 0.20, "NL": 0.21, "PL": 0.23, "ES": 0.21, "AT": 0.20, "BE": 0.21, "IT": 0.22}


@dataclass
class Customer:
    customer_id: str
    email: str
    first_name: str
    last_name: str
    gender: str
    country: str
    city: str
    channel: str                 # habitual order channel
    n_orders: int
    signup_at: date | None = None
    tags: str = ""


N_ORDERING_CUSTOMERS = 1200
N_PROSPECTS = 310                # customers.csv rows without an order in the period
REPEAT_SHARE = 0.30


def make_customers() -> list[Customer]:
    rng = rng_for("customers")
    n = N_ORDERING_CUSTOMERS + N_PROSPECTS
    ids = 7_310_000_000_000 + np.cumsum(rng.integers(40_000, 4_000_000, size=n))
    n_repeat = int(round(REPEAT_SHARE * N_ORDERING_CUSTOMERS))
    repeat_counts = 1 + rng.geometric(1 / 3.6, size=n_repeat)       # 2, 3, ... (mean ~4.6)
    counts = np.concatenate([np.ones(N_ORDERING_CUSTOMERS - n_repeat, dtype=int), repeat_counts,
                             np.zeros(N_PROSPECTS, dtype=int)])
    counts = counts[rng.permutation(n)]
    used: set[str] = set()
    out = []
    for i in range(n):
        country = pick(rng, COUNTRIES)
        first = FIRST_NAMES[country][int(rng.integers(len(FIRST_NAMES[country])))]
        last = LAST_NAMES[country][int(rng.integers(len(LAST_NAMES[country])))]
        local = ascii_fold(f"{first}.{last}").lower().replace(" ", "")
        domain = pick(rng, MAIL_DOMAINS)
        email, k = f"{local}@{domain}", 1
        while email in used:
            k += 1
            email = f"{local}{k}@{domain}"
        used.add(email)
        gender = pick(rng, {"female": 0.56, "male": 0.35, "": 0.07, "diverse": 0.02})
        city = CITIES[country][int(rng.integers(len(CITIES[country])))]
        channel = pick(rng, {"web": 0.66, "app": 0.20, "marketplace": 0.10, "pos": 0.04})
        out.append(Customer(str(int(ids[i])), email, first, last, gender, country, city, channel, int(counts[i])))
    return out


# ---------------------------------------------------------------------------------------------
# 1. Orders (Shopify export, one row per line item)
# ---------------------------------------------------------------------------------------------


@dataclass
class Order:
    name: str
    customer: Customer
    created: datetime            # aware UTC
    status: str                  # Shopify financial status
    total: float
    refunded: float
    lines: list[tuple[Product, int]]
    channel: str                 # Shopify "Source": web, app, marketplace, pos


def make_orders(customers: list[Customer]) -> list[Order]:
    rng = rng_for("orders")
    p_day = seasonal_day_weights()
    drafts = []
    for c in customers:
        if c.n_orders == 0:
            continue
        days = np.sort(rng.choice(PERIOD_DAYS, size=c.n_orders, p=p_day))
        for t in random_local_times(rng, days, PERIOD_START):
            drafts.append((local_to_utc(t), c))
    drafts.sort(key=lambda d: (d[0], d[1].customer_id))
    end = local_to_utc(datetime(2026, 10, 31, 23, 59, 59))
    orders = []
    for k, (created, c) in enumerate(drafts):
        n_lines = int(rng.choice([1, 2, 3, 4], p=[0.64, 0.25, 0.08, 0.03]))
        idx = rng.choice(len(PRODUCTS), size=n_lines, replace=False, p=PRODUCT_P)
        lines = [(PRODUCTS[int(j)], int(rng.choice([1, 2, 3], p=[0.84, 0.13, 0.03]))) for j in idx]
        age_days = (end - created).total_seconds() / 86400
        if age_days < 4 and rng.random() < 0.35:
            status = "pending"
        else:
            status = pick(rng, {"paid": 0.922, "refunded": 0.03, "partially_refunded": 0.013,
                                "voided": 0.02, "pending": 0.015 if age_days < 20 else 0.0})
        channel = c.channel if rng.random() < 0.8 else pick(rng, {"web": 0.7, "app": 0.2, "marketplace": 0.1})
        orders.append(Order(f"#{1001 + k}", c, created, status, 0.0, 0.0, lines, channel))
    return orders


def _discount(rng: np.random.Generator, o: Order, gross: float, first_order: bool) -> tuple[str, float]:
    local, _ = to_local(o.created)
    if date(2025, 11, 27) <= local.date() <= date(2025, 12, 1) and rng.random() < 0.6:
        return "BLACKFRIDAY25", cents(gross * 0.25)
    if first_order and rng.random() < 0.25:
        return "WELCOME10", cents(gross * 0.10)
    if rng.random() < 0.05:
        spring = 3 <= local.month <= 5
        return ("SPRING15", cents(gross * 0.15)) if spring else ("NEWSLETTER5", 5.0)
    return "", 0.0


SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal",
                  "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Created at", "Lineitem quantity",
                  "Lineitem name", "Lineitem price", "Lineitem sku", "Refunded Amount", "Billing Country", "Source",
                  "Customer ID"]
SHOPIFY_LINE_FIELDS = ("Name", "Email", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
                       "Lineitem sku", "Customer ID")


def _order_money(rng: np.random.Generator, o: Order, first_order: bool) -> dict[str, str]:
    """Order-level money columns. Prices include VAT (destination rate); Total = Subtotal + Shipping;
    free shipping from 49 EUR in DE, 69 EUR elsewhere; refunds follow the financial status."""
    c = o.customer
    gross = cents(sum(p.price * q for p, q in o.lines))
    code, disc = _discount(rng, o, gross, first_order)
    subtotal = cents(gross - disc)
    free_from = 49.0 if c.country == "DE" else 69.0
    shipping = 0.0 if (subtotal >= free_from or o.channel == "pos") else (4.90 if c.country == "DE" else 7.90)
    total = cents(subtotal + shipping)
    taxes = cents(total * VAT[c.country] / (1 + VAT[c.country]))
    if o.status == "refunded":
        refunded = total
    elif o.status == "partially_refunded":
        p, _ = max(o.lines, key=lambda pq: pq[0].price) if len(o.lines) > 1 else o.lines[0]
        refunded = cents(min(p.price, total * 0.5))
    else:
        refunded = 0.0
    o.total, o.refunded = total, refunded
    return {"Subtotal": money(subtotal), "Shipping": money(shipping), "Taxes": money(taxes), "Total": money(total),
            "Discount Code": code, "Discount Amount": money(disc), "Refunded Amount": money(refunded)}


def _fulfilment(rng: np.random.Generator, o: Order, age_days: float) -> str:
    if o.status in ("pending", "voided"):
        return "unfulfilled"
    if o.status == "refunded" and rng.random() < 0.3:
        return "unfulfilled"                    # refunded before it shipped
    if age_days < 2.5:
        return "unfulfilled" if rng.random() < 0.7 else ("partial" if len(o.lines) > 1 else "fulfilled")
    return "fulfilled"


def write_orders(orders: list[Order], path: Path) -> None:
    rng = rng_for("orders-money")
    case = rng_for("orders-email-case")
    end = local_to_utc(datetime(2026, 10, 31, 23, 59, 59))
    seen: set[str] = set()
    rows = []
    for o in orders:
        c = o.customer
        cells = _order_money(rng, o, c.customer_id not in seen)
        seen.add(c.customer_id)
        cells["Name"], cells["Email"], cells["Created at"] = o.name, as_typed(c.email, case), \
            fmt_shopify_time(o.created)
        cells["Paid at"] = "" if o.status in ("pending", "voided") else fmt_shopify_time(
            o.created + timedelta(seconds=int(rng.integers(2, 90))))
        cells["Fulfillment Status"] = _fulfilment(rng, o, (end - o.created).total_seconds() / 86400)
        cells.update({"Financial Status": o.status, "Currency": "EUR", "Billing Country": c.country,
                      "Source": o.channel, "Customer ID": c.customer_id})
        for i, (p, q) in enumerate(o.lines):
            cells.update({"Lineitem quantity": str(q), "Lineitem name": p.name, "Lineitem price": money(p.price),
                          "Lineitem sku": p.sku})
            # As Shopify does: order-level fields only on the first line row.
            keep = SHOPIFY_HEADER if i == 0 else SHOPIFY_LINE_FIELDS
            rows.append([cells[h] if h in keep else "" for h in SHOPIFY_HEADER])
    write_csv(path, SHOPIFY_HEADER, rows)


# ---------------------------------------------------------------------------------------------
# 6. Customers
# ---------------------------------------------------------------------------------------------


def write_customers(customers: list[Customer], orders: list[Order], path: Path) -> None:
    rng = rng_for("customers-file")
    first_order: dict[str, datetime] = {}
    spend: dict[str, float] = {}
    for o in orders:
        cid = o.customer.customer_id
        first_order.setdefault(cid, o.created)
        if o.status in ("paid", "refunded", "partially_refunded"):
            spend[cid] = spend.get(cid, 0.0) + o.total - o.refunded
    vip_cut = float(np.quantile(np.array(sorted(spend.values())), 0.95))
    rows = []
    for c in customers:
        if c.customer_id in first_order:
            first_local = to_local(first_order[c.customer_id])[0].date()
            before = 0 if rng.random() < 0.55 else int(rng.integers(1, 700))
            c.signup_at = first_local - timedelta(days=before)
        else:
            c.signup_at = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 1035)))
        tags = []
        if rng.random() < 0.45:
            tags.append("newsletter")
        if spend.get(c.customer_id, 0.0) >= vip_cut:
            tags.append("vip")
        if c.channel == "pos":
            tags.append("store")
        if rng.random() < 0.01:
            tags.append("wholesale")
        c.tags = ", ".join(tags)
        rows.append([c.customer_id, c.email, c.gender, c.country, c.city, f"{c.signup_at:%Y/%m/%d}", c.tags])
    rows.sort(key=lambda r: int(r[0]))
    write_csv(path, ["customer_id", "email", "gender", "country", "city", "signup_at", "tags"], rows)


# ---------------------------------------------------------------------------------------------
# 2. Events (web/app event log)
# ---------------------------------------------------------------------------------------------

EVENTS_START = date(2026, 8, 1)
EVENTS_DAYS = 92                                   # 2026-08-01 .. 2026-10-31
EVENTS_END = datetime(2026, 10, 31, 22, 59, 59, tzinfo=UTC)
N_EVENT_USERS = 4500
FUNNEL = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")
# P(reach next step | reached this one) by device: mobile converts worse than desktop.
STEP_P = {"desktop": (0.62, 0.45, 0.62, 0.70), "mobile": (0.52, 0.37, 0.54, 0.56), "tablet": (0.56, 0.40, 0.57, 0.62)}
LANDING = {"/": 0.40, "/kitchen": 0.18, "/textiles": 0.14, "/decor": 0.12, "/sale": 0.10, "/journal": 0.06}


@dataclass(frozen=True)
class Event:
    ts: datetime
    user_id: str
    session_id: str
    event: str
    page: str
    revenue: str
    device: str
    country: str
    channel: str


class _Ids:
    """Unique random-looking ids drawn from a seeded generator (collisions re-drawn, deterministically)."""

    def __init__(self, rng: np.random.Generator, prefix: str, digits: int, hexa: bool = False):
        self.rng, self.prefix, self.digits, self.hexa, self.used = rng, prefix, digits, hexa, set()

    def next(self) -> str:
        while True:
            v = int(self.rng.integers(0, 16 ** self.digits if self.hexa else 10 ** self.digits))
            s = self.prefix + (f"{v:0{self.digits}x}" if self.hexa else f"{v:0{self.digits}d}")
            if s not in self.used and (self.hexa or s[len(self.prefix)] != "0"):
                self.used.add(s)
                return s


def _session(rng: np.random.Generator, start: datetime, steps: tuple[str, ...], browse_level: int,
             landing: str) -> list[tuple[datetime, str, str, str]]:
    """One visit: a landing page view, some browsing (never deeper than ``browse_level``), then the
    funnel ``steps`` in order. Returns (time, event, page, revenue)."""
    out = [(start, "page_view", landing, "")]
    t = start

    def tick() -> datetime:
        nonlocal t
        t = t + timedelta(milliseconds=int(3000 + rng.exponential(40_000)))
        return t

    for _ in range(int(rng.poisson(0.2))):
        out.append((tick(), "page_view", str(rng.choice(list(LANDING))), ""))
    cart: list[Product] = []
    if browse_level >= 1 and "view_item" not in steps:
        for _ in range(int(rng.poisson(0.5))):
            p = PRODUCTS[int(rng.choice(len(PRODUCTS), p=PRODUCT_P))]
            out.append((tick(), "view_item", f"/p/{p.handle}", ""))
            if browse_level >= 2 and rng.random() < 0.2:
                out.append((tick(), "add_to_cart", f"/p/{p.handle}", ""))
                out.append((tick(), "remove_from_cart", "/cart", ""))
    for step in steps:
        if step == "view_item":
            for _ in range(1 + int(rng.poisson(0.4))):
                p = PRODUCTS[int(rng.choice(len(PRODUCTS), p=PRODUCT_P))]
                out.append((tick(), "view_item", f"/p/{p.handle}", ""))
                cart.append(p)
        elif step == "add_to_cart":
            p = cart[-1] if cart else PRODUCTS[int(rng.choice(len(PRODUCTS), p=PRODUCT_P))]
            out.append((tick(), "add_to_cart", f"/p/{p.handle}", ""))
            if rng.random() < 0.12:
                out.append((tick(), "remove_from_cart", "/cart", ""))
                out.append((tick(), "add_to_cart", f"/p/{p.handle}", ""))
        elif step == "begin_checkout":
            out.append((tick(), "begin_checkout", "/checkout", ""))
        else:
            basket = cart[-2:] if len(cart) > 1 and rng.random() < 0.4 else cart[-1:]
            value = sum(p.price for p in basket) or 39.90
            out.append((tick(), "purchase", "/checkout/thanks", money(value + (0 if value >= 49 else 4.90))))
    return out


def _random_start(rng: np.random.Generator, day0: int, days: int) -> datetime:
    day = int(rng.integers(day0, days))
    local = random_local_times(rng, np.array([day]), EVENTS_START)[0]
    return local_to_utc(local) + timedelta(milliseconds=int(rng.integers(0, 1000)))


def make_events() -> list[Event]:
    rng = rng_for("events")
    users = _Ids(rng_for("user-ids"), "u", 6)
    sessions = _Ids(rng, "", 7, hexa=True)
    events: list[Event] = []
    for _ in range(N_EVENT_USERS):
        uid = users.next()
        channel = "web" if rng.random() < 0.7 else "app"
        device = pick(rng, {"desktop": 0.45, "mobile": 0.47, "tablet": 0.08} if channel == "web"
                      else {"mobile": 0.88, "tablet": 0.12})
        country = pick(rng, COUNTRIES)
        depth = 0
        for p in STEP_P[device]:
            if rng.random() >= p:
                break
            depth += 1
        steps = FUNNEL[1:1 + depth]
        t0 = _random_start(rng, 0, EVENTS_DAYS - 1)
        plan = [(t0, steps, str(rng.choice(list(LANDING))))]
        if depth >= 2 and rng.random() < 0.30:
            k = int(rng.integers(1, depth))             # later visit resumes at add_to_cart or deeper
            gap = timedelta(days=float(rng.uniform(8, 21)) if rng.random() < 0.35 else float(rng.uniform(0.2, 6)))
            if t0 + gap < EVENTS_END:
                plan = [(t0, steps[:k], plan[0][2]), (t0 + gap, steps[k:], "/cart")]
        for _ in range(int(rng.geometric(0.6)) - 1):   # extra browsing visits
            t = t0 + timedelta(hours=float(rng.exponential(24 * 9)) + 0.5)
            if t < EVENTS_END:
                plan.append((t, (), str(rng.choice(list(LANDING)))))
        for start, st, landing in sorted(plan, key=lambda x: x[0]):
            sid = sessions.next()
            for ts, name, page, rev in _session(rng, start, st, depth, landing):
                events.append(Event(ts, uid, sid, name, page, rev, device, country, channel))
    events.sort(key=lambda e: (e.ts, e.user_id))
    # App events arrive in batches: a few rows are written after later rows (out of order).
    for i in sorted(rng.choice(len(events) - 60, size=len(events) // 250, replace=False).tolist()):
        j = i + int(rng.integers(1, 60))
        events[i], events[j] = events[j], events[i]
    return events


def write_events(events: list[Event], path: Path) -> None:
    rows = [[e.user_id, e.session_id, e.event, fmt_utc_ms(e.ts), e.device, e.country, e.channel, e.page, e.revenue]
            for e in events]
    write_csv(path, ["user_id", "session_id", "event", "timestamp", "device", "country", "channel", "page",
                     "revenue"], rows)


# ---------------------------------------------------------------------------------------------
# 5. Experiment (one-page checkout A/B test)
# ---------------------------------------------------------------------------------------------

EXP_START = datetime(2026, 9, 13, 22, tzinfo=UTC)   # 2026-09-14 00:00 Berlin
EXP_END = datetime(2026, 10, 11, 22, tzinfo=UTC)    # exclusive: four full weeks, to 2026-10-11 24:00 Berlin
EXP_UNITS = {"control": 5987, "one_page_checkout": 6013}
EXP_CONVERSIONS = {"control": 245, "one_page_checkout": 295}   # 4.09 % vs 4.91 %
EXP_BOTH_VARIANTS = 10
EXP_DUPLICATE_ROWS = 6


def _test_visits(events: list[Event]) -> tuple[dict[str, datetime], dict[str, list[tuple[datetime, str]]]]:
    """Event-log users seen during the test: first page view (exposure) and purchases in the window."""
    exposure: dict[str, datetime] = {}
    bought: dict[str, list[tuple[datetime, str]]] = {}
    for e in sorted(events, key=lambda e: (e.ts, e.user_id)):
        if EXP_START <= e.ts < EXP_END:
            if e.event == "page_view":
                exposure.setdefault(e.user_id, e.ts)
            elif e.event == "purchase":
                bought.setdefault(e.user_id, []).append((e.ts, e.revenue))
    return exposure, bought


def _arm_rows(rng: np.random.Generator, arm: str, members: list[str], exposure: dict[str, datetime],
              bought: dict[str, list[tuple[datetime, str]]]) -> list[list[str]]:
    """Rows of one arm with exactly EXP_CONVERSIONS[arm] conversions: event-log users convert when
    they really bought after exposure, the rest are drawn among the other units."""
    conv: dict[str, str] = {}
    for u in members:
        if u in exposure:
            rev = [float(r) for t, r in bought.get(u, []) if t >= exposure[u]]
            if rev:
                conv[u] = money(sum(rev))
    pool = [u for u in members if u not in exposure]
    need = EXP_CONVERSIONS[arm] - len(conv)
    if need < 0:
        raise RuntimeError(f"{arm}: event-log users alone exceed the planned conversions")
    for i in rng.choice(len(pool), size=need, replace=False):
        conv[pool[int(i)]] = money(max(9.9, float(rng.lognormal(np.log(58), 0.45))))
    rows = []
    for u in members:
        t = exposure.get(u)
        if t is None:
            day = int(rng.integers(0, (EXP_END - EXP_START).days))
            t = local_to_utc(random_local_times(rng, np.array([day]), date(2026, 9, 14))[0])
        rows.append([u, arm, f"{t:%Y-%m-%dT%H:%M:%S}Z", "1" if u in conv else "0", conv.get(u, "0")])
    return rows


def _add_quality_problems(rng: np.random.Generator, rows: list[list[str]], exposure: dict[str, datetime]) -> None:
    """Units logged in both arms (a second, later exposure) and exact duplicate rows (logging retries)."""
    clean = [r for r in rows if r[0] not in exposure and r[3] == "0"]
    for i in rng.choice(len(clean), size=EXP_BOTH_VARIANTS, replace=False):
        r = clean[int(i)]
        other = "one_page_checkout" if r[1] == "control" else "control"
        later = datetime.strptime(r[2], "%Y-%m-%dT%H:%M:%SZ") + timedelta(minutes=int(rng.integers(5, 600)))
        rows.append([r[0], other, f"{later:%Y-%m-%dT%H:%M:%S}Z", "0", "0"])
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    for i in sorted(rng.choice(len(rows), size=EXP_DUPLICATE_ROWS, replace=False).tolist(), reverse=True):
        rows.insert(int(i) + 1, list(rows[int(i)]))


def make_experiment(events: list[Event], path: Path) -> None:
    """Units exposed to the checkout test. Users of the event log who visited during the test keep
    their real first visit as exposure and their real purchases as conversions; the other units
    (users outside the event sample) are drawn so each arm has exactly the planned conversions."""
    rng = rng_for("experiment")
    exposure, bought = _test_visits(events)
    ids = _Ids(rng_for("experiment-ids"), "u", 6)
    ids.used |= {e.user_id for e in events}              # new units never collide with event-log users
    units = sorted(exposure)
    while len(units) < sum(EXP_UNITS.values()):
        units.append(ids.next())
    order = rng.permutation(len(units))
    arms = {units[int(i)]: ("control" if rank < EXP_UNITS["control"] else "one_page_checkout")
            for rank, i in enumerate(order)}
    rows: list[list[str]] = []
    for arm in EXP_UNITS:
        rows += _arm_rows(rng, arm, [u for u in units if arms[u] == arm], exposure, bought)
    rows.sort(key=lambda r: (r[2], r[0]))
    _add_quality_problems(rng, rows, exposure)
    write_csv(path, ["user_id", "variant", "exposed_at", "converted", "revenue"], rows)


# ---------------------------------------------------------------------------------------------
# 3. Survey responses (Typeform/SurveyMonkey-like CSV)
# ---------------------------------------------------------------------------------------------

NPS_Q = "How likely are you to recommend Northwind Goods to a friend or colleague?"
CSAT_Q = "How satisfied were you with your order?"
CES_Q = "How easy was it to find and buy what you needed? (1 = very difficult, 7 = very easy)"
COMMENT_Q = "Anything else you would like to tell us?"
CSAT_LABELS = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")
N_RESPONSES = 910
COMMENTS = {
    "promoter": ["Fast delivery and lovely packaging.", "The mugs are even nicer in person!",
                 "Great quality linen, will order again.", "Schnelle Lieferung, vielen Dank!",
                 "Livraison rapide, produits superbes.", "Świetna jakość, polecam.", "Heel tevreden, mooie spullen.",
                 "Muy buena calidad y envío rápido.", "Customer service helped me change my address in minutes.",
                 "+1 for the plastic-free packaging"],
    "passive": ["Good products but shipping took a while.", "Nice, a bit pricey.",
                "The colour was slightly different from the photos.", "OK. Would like more sizes.",
                "Lieferung hat eine Woche gedauert."],
    "detractor": ["My order arrived late and nobody answered my email.", "The vase arrived broken.",
                  "Refund took three weeks.", "Tracking link did not work.", "Colis arrivé abîmé, très déçue.",
                  "Checkout kept failing on my phone."],
}
SPECIAL_COMMENTS = ('=HYPERLINK("http://x","click")', "<script>alert(1)</script>",
                    "**bold** claim: best towels I ever bought", "Loved it.\nSecond line: the \"Sand\" apron, "
                    "size M, fits well", "@SUM(1+1) ordered twice, both perfect")


def _nps_targets(m: int) -> tuple[float, float]:
    """(promoter share, detractor share) in month m = 0 (Nov 2025) .. 11 (Oct 2026): holiday-season
    delivery delays pull Nov/Dec down, then a steady climb."""
    prom, detr = 0.45 + 0.012 * m, 0.21 - 0.008 * m
    if m in (0, 1):
        prom, detr = prom - 0.05, detr + 0.05
    return prom, detr


def _month_index(d: date) -> int:
    return (d.year - PERIOD_START.year) * 12 + d.month - PERIOD_START.month


def _respondents(rng: np.random.Generator, orders: list[Order]) -> list[tuple[datetime, Order]]:
    """Paid orders whose customer answered the post-purchase survey 2-10 days later (before the end)."""
    end = local_to_utc(datetime(2026, 10, 31, 23, 59, 59))
    candidates = [o for o in orders if o.status == "paid"]
    answered = []
    for i in sorted(rng.choice(len(candidates), size=N_RESPONSES, replace=False).tolist()):
        o = candidates[i]
        t = o.created + timedelta(days=float(rng.uniform(2, 10)), seconds=int(rng.integers(0, 3600)))
        if t < end:
            answered.append((t, o))
    answered.sort(key=lambda x: (x[0], x[1].name))
    return answered


def _nps_classes(rng: np.random.Generator, times: list[datetime]) -> list[str]:
    """promoter/passive/detractor per response, with each month's counts fixed by _nps_targets."""
    by_month: dict[int, list[int]] = {}
    for k, t in enumerate(times):
        by_month.setdefault(_month_index(to_local(t)[0].date()), []).append(k)
    klass = [""] * len(times)
    for m in sorted(by_month):
        idx = by_month[m]
        prom, detr = _nps_targets(m)
        n_p, n_d = int(round(prom * len(idx))), int(round(detr * len(idx)))
        labels = ["promoter"] * n_p + ["detractor"] * n_d + ["passive"] * (len(idx) - n_p - n_d)
        for k, lab in zip(idx, rng.permutation(np.array(labels, dtype=object))):
            klass[k] = str(lab)
    return klass


def _scores(rng: np.random.Generator, klass: str) -> tuple[int, int, int]:
    """(NPS 0-10, CSAT 1-5, CES 1-7) for one respondent; CSAT and CES follow the NPS class."""
    if klass == "promoter":
        return (int(rng.choice([9, 10], p=[0.45, 0.55])), int(rng.choice([3, 4, 5], p=[0.03, 0.32, 0.65])),
                int(rng.choice([5, 6, 7], p=[0.15, 0.35, 0.50])))
    if klass == "passive":
        return (int(rng.choice([7, 8], p=[0.45, 0.55])), int(rng.choice([2, 3, 4, 5], p=[0.05, 0.25, 0.55, 0.15])),
                int(rng.choice([3, 4, 5, 6, 7], p=[0.08, 0.17, 0.35, 0.28, 0.12])))
    return (int(rng.choice(7, p=[0.08, 0.05, 0.07, 0.12, 0.13, 0.25, 0.30])),
            int(rng.choice([1, 2, 3, 4], p=[0.25, 0.40, 0.28, 0.07])),
            int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.22, 0.28, 0.22, 0.13])))


def write_survey(orders: list[Order], path: Path) -> None:
    rng = rng_for("survey")
    case = rng_for("survey-email-case")
    answered = _respondents(rng, orders)
    klass = _nps_classes(rng, [t for t, _ in answered])
    rid = _Ids(rng, "", 11)
    special_at = {int(i): s for i, s in zip(rng.choice(len(answered), size=len(SPECIAL_COMMENTS), replace=False),
                                            SPECIAL_COMMENTS)}
    odd_nps = {int(i): v for i, v in zip(rng.choice(len(answered), size=14, replace=False),
                                         ["N/A", "11"] + [""] * 12)}
    rows = []
    for k, (t, o) in enumerate(answered):
        nps, csat, ces = _scores(rng, klass[k])
        comment = special_at.get(k, "")
        if k not in special_at and rng.random() < 0.35:
            pool = COMMENTS[klass[k]]
            comment = pool[int(rng.integers(len(pool)))]
        csat_cell = "" if rng.random() < 0.04 else CSAT_LABELS[csat - 1]
        ces_cell = "" if rng.random() < 0.07 else str(ces)
        device = pick(rng, {"mobile": 0.58, "desktop": 0.34, "tablet": 0.08})
        rows.append([rid.next(), f"{to_local(t)[0]:%d.%m.%Y %H:%M}", as_typed(o.customer.email, case),
                     o.customer.customer_id,
                     odd_nps.get(k, str(nps)), csat_cell, ces_cell, comment, o.customer.country, device])
    write_csv(path, ["Respondent ID", "Submitted", "Email", "customer_id", NPS_Q, CSAT_Q, CES_Q, COMMENT_Q,
                     "Country", "Device"], rows)


# ---------------------------------------------------------------------------------------------
# 4. Support tickets (Zendesk export)
# ---------------------------------------------------------------------------------------------

N_TICKETS = 1500
TICKET_TOPICS = {   # subject template, group, share
    "where": ("Where is my order {order}?", "Logistics", 0.30),
    "late": ("Order {order} has not arrived yet", "Logistics", 0.10),
    "damaged": ("Item arrived damaged ({order})", "Returns & Refunds", 0.10),
    "return": ("Return request for order {order}", "Returns & Refunds", 0.14),
    "refund": ("Refund status {order}", "Returns & Refunds", 0.08),
    "address": ("Change delivery address for {order}", "Logistics", 0.05),
    "payment": ("Payment failed but money was taken", "Payments", 0.06),
    "invoice": ("Invoice for order {order}", "Payments", 0.05),
    "code": ("Discount code not working", "Payments", 0.04),
    "product": ("Question about {product}", "Product advice", 0.08),
}
VIA_FIRST_REPLY = {   # channel: (share, median minutes, log-sd)
    "Email": (0.40, 600.0, 1.1), "Web form": (0.20, 300.0, 1.0), "Chat": (0.30, 2.0, 0.8), "Phone": (0.10, 1.0, 0.6),
}


def _ticket_drafts(rng: np.random.Generator, customers: list[Customer], orders: list[Order],
                   end: datetime) -> list[tuple[datetime, str, str, str]]:
    """(created, topic, requester email, order name) sorted by time: most tickets follow an order,
    pre-sales questions come from customers without orders."""
    topics = list(TICKET_TOPICS)
    topic_p = np.array([TICKET_TOPICS[t][2] for t in topics])
    prospects = [c for c in customers if c.n_orders == 0]
    p_day = seasonal_day_weights()
    drafts = []
    for _ in range(N_TICKETS):
        topic = topics[int(rng.choice(len(topics), p=topic_p / topic_p.sum()))]
        if topic in ("product", "code") and rng.random() < 0.6:
            c = prospects[int(rng.integers(len(prospects)))]
            created = local_to_utc(random_local_times(rng, rng.choice(PERIOD_DAYS, size=1, p=p_day), PERIOD_START)[0])
            order = ""
        else:
            o = orders[int(rng.integers(len(orders)))]
            c, order = o.customer, o.name
            created = o.created + timedelta(days=float(rng.uniform(0.1, 3 if topic == "payment" else 16)))
        if created < end:
            drafts.append((created, topic, c.email, order))
    drafts.sort(key=lambda d: (d[0], d[2]))
    return drafts


def _ticket_outcome(rng: np.random.Generator, via: str, created: datetime, end: datetime) -> tuple[str, str, str, str]:
    """(status, first reply minutes, resolution minutes, satisfaction) for one ticket. First replies
    are log-normal per channel and slower in Nov/Dec; slow replies are rated Bad more often."""
    _, median, sd = VIA_FIRST_REPLY[via]
    busy = 1.7 if to_local(created)[0].month in (11, 12) else 1.0      # peak season backlog
    age_min = (end - created).total_seconds() / 60
    first = float(median * busy * np.exp(rng.normal(0, sd)))
    unanswered = rng.random() < 0.05 or first > age_min
    resolution = first + float(rng.lognormal(np.log(15 if via in ("Chat", "Phone") else 1300), 0.9))
    if unanswered:                                                  # closed without reply (spam, merged) or new
        status = "New" if age_min < 3 * 1440 else "Closed"
        first_cell, res_cell = "", ("" if status == "New" else str(int(round(resolution))))
    else:
        first_cell = str(max(0, int(round(first))))
        if resolution > age_min:
            status, res_cell = ("Pending" if rng.random() < 0.5 else "Open"), ""
        else:
            status = "Solved" if age_min - resolution < 4 * 1440 else "Closed"
            res_cell = str(int(round(resolution)))
    if via == "Phone" or unanswered or status in ("Open", "Pending", "New"):
        sat = "Unoffered"
    elif rng.random() < 0.45:
        sat = "Offered"
    else:
        sat = "Bad" if rng.random() < (0.40 if first > 1440 else 0.11) else "Good"
    return status, first_cell, res_cell, sat


def write_tickets(customers: list[Customer], orders: list[Order], path: Path) -> None:
    rng = rng_for("tickets")
    case = rng_for("tickets-email-case")
    end = local_to_utc(datetime(2026, 10, 31, 23, 59, 59))
    vias = list(VIA_FIRST_REPLY)
    via_p = np.array([VIA_FIRST_REPLY[v][0] for v in vias])
    rows = []
    for k, (created, topic, email, order) in enumerate(_ticket_drafts(rng, customers, orders, end)):
        via = vias[int(rng.choice(len(vias), p=via_p))]
        status, first_cell, res_cell, sat = _ticket_outcome(rng, via, created, end)
        template, group, _ = TICKET_TOPICS[topic]
        product = PRODUCTS[int(rng.choice(len(PRODUCTS), p=PRODUCT_P))].name
        rows.append([str(20431 + k), template.format(order=order, product=product), as_typed(email, case),
                     fmt_iso_offset(created), via, status, first_cell, res_cell, sat, group])
    write_csv(path, ["Id", "Subject", "Requester email", "Created at", "Via", "Status", "First reply time in minutes",
                     "Full resolution time in minutes", "Satisfaction Score", "Group"], rows)


# ---------------------------------------------------------------------------------------------
# Exotic demo files (sample_data/exotic/): encodings and shapes a good loader must handle
# ---------------------------------------------------------------------------------------------

TAOBAO_STATUS = {"交易成功": 0.64, "卖家已发货，等待买家确认": 0.16, "等待买家付款": 0.07, "交易关闭": 0.13}
TAOBAO_ITEMS = (("北欧风陶瓷马克杯 350ml 石板灰", 59.0), ("亚麻围裙 沙色 男女通用", 129.0), ("橡木砧板 实木菜板", 149.0),
                ("手工蜂蜡香薰蜡烛 大号", 79.0), ("纯亚麻茶巾 两条装", 69.0), ("手工陶瓷花瓶 日式简约", 168.0),
                ("华夫格纯棉浴巾 石色", 99.0), ("藤编收纳筐 客厅杂物", 118.0))
TAOBAO_BUYERS = ("小明爱购物", "tb1234567_88", "阿狸的杂货铺", "晴天娃娃2019", "tb8842190_11", "林间小鹿", "爱喝咖啡的猫",
                 "tb5512003_09", "江南烟雨", "momo酱", "tb7763451_20", "北方的狼", "豆豆妈妈", "tb3390128_77")
TAOBAO_PLACES = ("浙江省 杭州市 西湖区", "上海 上海市 浦东新区", "北京 北京市 朝阳区", "广东省 深圳市 南山区",
                 "江苏省 南京市 鼓楼区", "四川省 成都市 武侯区", "湖北省 武汉市 洪山区")
TAOBAO_HEADER = ("订单编号", "买家会员名", "买家应付货款", "买家应付邮费", "总金额", "实付款", "订单状态", "收货人姓名",
                 "收货地址", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝总数量", "退款金额", "店铺名称", "是否手机订单")


def write_taobao(path: Path) -> None:
    """Taobao seller order report: GBK, CRLF, order numbers as ="..." (19 digits), ￥ amounts."""
    rng = rng_for("taobao")
    lines = [",".join(TAOBAO_HEADER)]
    starts = sorted(int(x) for x in rng.integers(0, 31 * 86400, size=120))
    for sec in starts:
        created = datetime(2026, 10, 1) + timedelta(seconds=sec)
        status = pick(rng, TAOBAO_STATUS)
        title, price = TAOBAO_ITEMS[int(rng.integers(len(TAOBAO_ITEMS)))]
        qty = int(rng.choice([1, 2, 3], p=[0.8, 0.15, 0.05]))
        goods = price * qty
        post = 0.0 if goods >= 99 else 8.0
        total = goods + post
        paid_time = "" if status == "等待买家付款" or (status == "交易关闭" and rng.random() < 0.5) else \
            f"{created + timedelta(seconds=int(rng.integers(10, 900))):%Y-%m-%d %H:%M:%S}"
        paid = "￥0.00" if not paid_time else f"￥{total:.2f}"
        refund = f"{total:.2f}" if status == "交易关闭" and paid_time else "0.00"
        order_no = int(rng.integers(2_800_000_000_000_000_000, 4_000_000_000_000_000_000))   # 19 digits
        buyer = TAOBAO_BUYERS[int(rng.integers(len(TAOBAO_BUYERS)))]
        name = buyer[0] + "**" if not buyer.startswith("tb") else "王**"
        place = TAOBAO_PLACES[int(rng.integers(len(TAOBAO_PLACES)))]
        lines.append(",".join([f'="{order_no}"', buyer, f"{goods:.2f}", f"{post:.2f}", f"{total:.2f}", paid, status,
                               name, f"{place} ***路{int(rng.integers(1, 400))}号", f"{created:%Y-%m-%d %H:%M:%S}",
                               paid_time, title, str(qty), refund, "Northwind Goods 海外旗舰店",
                               "手机订单" if rng.random() < 0.85 else ""]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


OZON_STATUS = {"Доставлен": 0.70, "Доставляется": 0.18, "Отменён": 0.12}
OZON_ITEMS = (("Кружка керамическая 350 мл, графит", 890.0, "NW-K01"), ("Фартук льняной, песочный", 2190.0, "NW-T01"),
              ("Доска сервировочная, дуб", 2490.0, "NW-K04"), ("Свеча из пчелиного воска, большая", 1190.0, "NW-D01"),
              ("Полотенце вафельное банное, серое", 1790.0, "NW-T03"), ("Плед из мериноса", 5490.0, "NW-T04"),
              ("Корзина для хранения из ротанга", 1990.0, "NW-D05"))
OZON_BUYERS = ("Иван П.", "Мария С.", "Алексей К.", "Ольга В.", "Дмитрий Н.", "Екатерина Л.", "Сергей М.", "Анна Ж.",
               "Наталья Р.", "Павел Ё.")
OZON_CITIES = ("Москва", "Санкт-Петербург", "Екатеринбург", "Казань", "Новосибирск", "Нижний Новгород", "Самара")


def _ru_money(x: float) -> str:
    whole, frac = f"{x:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return "\u00a0".join([whole, *groups]) + "," + frac        # NBSP thousands, decimal comma


def write_ozon(path: Path) -> None:
    """Ozon seller postings report: cp1251, ';', decimal comma, NBSP thousands, dd.mm.yyyy hh:mm:ss."""
    rng = rng_for("ozon")
    rows = []
    starts = sorted(int(x) for x in rng.integers(0, 31 * 86400, size=150))
    base = int(rng.integers(10_000_000, 90_000_000))
    for k, sec in enumerate(starts):
        accepted = datetime(2026, 10, 1) + timedelta(seconds=sec)
        status = pick(rng, OZON_STATUS)
        if (datetime(2026, 10, 31, 23, 59) - accepted).days < 3 and status == "Доставлен":
            status = "Доставляется"
        name, price, sku = OZON_ITEMS[int(rng.integers(len(OZON_ITEMS)))]
        qty = int(rng.choice([1, 2], p=[0.88, 0.12]))
        shipped = "" if status == "Отменён" else \
            f"{accepted + timedelta(hours=float(rng.uniform(4, 40))):%d.%m.%Y %H:%M:%S}"
        delivered = "" if status != "Доставлен" else \
            f"{accepted + timedelta(days=float(rng.uniform(2, 7))):%d.%m.%Y %H:%M:%S}"
        order_no = f"{base + 37 * k}-{int(rng.integers(1, 200)):04d}"
        rows.append([order_no, f"{order_no}-1", f"{accepted:%d.%m.%Y %H:%M:%S}", shipped, status, delivered,
                     _ru_money(price * qty), "RUB", name, sku, str(qty),
                     _ru_money(0.0 if price * qty >= 1500 else 149.0),
                     OZON_BUYERS[int(rng.integers(len(OZON_BUYERS)))],
                     OZON_CITIES[int(rng.integers(len(OZON_CITIES)))]])
    write_csv(path, ["Номер заказа", "Номер отправления", "Принят в обработку", "Дата отгрузки", "Статус",
                     "Дата доставки", "Сумма отправления", "Код валюты отправления", "Наименование товара", "Артикул",
                     "Количество", "Стоимость доставки", "Покупатель", "Город доставки"], rows,
              delimiter=";", encoding="cp1251", newline="\r\n")


FIXED_ZIP_TIME = (2026, 10, 31, 12, 0, 0)
FIXED_DOC_TIME = "2026-10-31T12:00:00Z"


def _deterministic_xlsx(raw: bytes) -> bytes:
    """Re-pack an openpyxl workbook with fixed entry times and document dates, stored uncompressed
    (no dependence on the zlib build), entries in their original order."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + FIXED_DOC_TIME + m.group(3), data.decode("utf-8"))
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_STORED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def write_surveymonkey(customers: list[Customer], path: Path) -> None:
    """SurveyMonkey XLSX export: row 1 = questions (merged over multi-answer columns), row 2 =
    "Response" / "Open-Ended Response" / option labels; data from row 3."""
    from openpyxl import Workbook

    rng = rng_for("surveymonkey")
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet"
    q_nps = "How likely is it that you would recommend Northwind Goods to a friend or colleague?"
    q_cats = "Which product categories did you buy?"
    row1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "Email Address", q_nps, CSAT_Q, q_cats,
            None, None, None, "Is there anything else you would like to tell us?"]
    row2 = [None, None, None, None, None, "Response", "Response", "Kitchen", "Textiles", "Decor",
            "Other (please specify)", "Open-Ended Response"]
    ws.append(row1)
    ws.append(row2)
    ws.merge_cells(start_row=1, start_column=8, end_row=1, end_column=11)
    notes = ["", "", "", "Great gift shop.", "Delivery to Austria was slow.", "Love the linen!", "",
             "Die Tassen sind wunderschön.", "Packaging could use less tape.", ""]
    email_pool = [c.email for c in customers if c.n_orders > 0]
    rid = _Ids(rng, "", 11)
    for k in range(80):
        start = datetime(2026, 10, 1, 8) + timedelta(minutes=int(k * 520 + rng.integers(0, 400)))
        nps = int(rng.choice(11, p=[0.02, 0.01, 0.02, 0.03, 0.04, 0.06, 0.07, 0.12, 0.18, 0.2, 0.25]))
        csat = CSAT_LABELS[min(4, max(0, nps // 2 - 1 + int(rng.integers(-1, 2))))]
        cats = [lab if rng.random() < p else None for lab, p in (("Kitchen", 0.5), ("Textiles", 0.4), ("Decor", 0.3))]
        other = "Gift card" if rng.random() < 0.05 else None
        ws.append([int(rid.next()), 431_000_123, start, start + timedelta(seconds=int(rng.integers(40, 400))),
                   email_pool[int(rng.integers(len(email_pool)))], nps, csat, *cats, other,
                   notes[int(rng.integers(len(notes)))] or None])
    wb.properties.creator = "SurveyMonkey"
    wb.properties.created = datetime(2026, 10, 31, 12, 0, 0)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_xlsx(buf.getvalue()))


# ---------------------------------------------------------------------------------------------
# Manifest and entry point
# ---------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# Campaign messages (Klaviyo-style recipient export)
# ----------------------------------------------------------------------------------------------
CAMPAIGNS = (  # (name, local send date, hour, channels and the share of customers each reaches)
    ("Spring linen edit", date(2026, 3, 12), 9, {"email": 0.2}),
    ("Easter table", date(2026, 3, 31), 18, {"email": 0.15, "sms": 0.06}),
    ("Mother's Day gifts", date(2026, 4, 30), 20, {"email": 0.15, "push": 0.08}),
    ("Summer ceramics", date(2026, 6, 4), 9, {"email": 0.15}),
    ("Mid-season sale", date(2026, 7, 2), 12, {"email": 0.2, "sms": 0.08, "push": 0.1}),
    ("Back to routine", date(2026, 9, 3), 18, {"email": 0.15, "push": 0.08}),
    ("Autumn candles", date(2026, 9, 24), 20, {"email": 0.15, "sms": 0.06}),
    ("Cosy evenings", date(2026, 10, 8), 9, {"email": 0.15, "push": 0.1}),
    ("Black Friday preview", date(2026, 10, 22), 12, {"email": 0.25, "sms": 0.1, "push": 0.12}),
)
CLICK = {"email": 0.035, "sms": 0.06, "push": 0.045}
OPEN = {"email": 0.42, "sms": 0.0, "push": 0.0}                  # machine opens inflate e-mail opens
UNSUB = {"email": 0.002, "sms": 0.008, "push": 0.004}
BOUNCE = {"email": 0.01, "sms": 0.004, "push": 0.0}
ATTRIBUTION_DAYS = 5                                              # "placed order": an order within 5 days


def write_messages(customers: list[Customer], orders: list[Order], path: Path) -> None:
    """One row per message sent: recipient e-mail, campaign, channel, send time (Berlin offset), opened,
    clicked, placed order (a real order of that customer within 5 days of the send), unsubscribed, bounced."""
    rng = rng_for("messages")
    case = rng_for("messages-email-case")
    by_customer: dict[str, list[datetime]] = {}
    for o in orders:
        by_customer.setdefault(o.customer.customer_id, []).append(o.created)
    rows = []
    for name, day, hour, reach in CAMPAIGNS:
        for channel, share in reach.items():
            chosen = rng.random(len(customers)) < share
            for c, yes in zip(customers, chosen):
                if not yes:
                    continue
                sent = local_to_utc(datetime(day.year, day.month, day.day, hour, int(rng.integers(0, 20))))
                later = [t for t in by_customer.get(c.customer_id, ()) if sent < t <= sent + timedelta(days=ATTRIBUTION_DAYS)]
                bounced = rng.random() < BOUNCE[channel]
                clicked = (not bounced) and (rng.random() < CLICK[channel] * (3 if later else 1))
                opened = (not bounced) and (clicked or rng.random() < OPEN[channel])
                rows.append([as_typed(c.email, case), name, channel, fmt_iso_offset(sent), str(int(opened)),
                             str(int(clicked)), str(int(bool(later) and not bounced)),
                             str(int(rng.random() < UNSUB[channel])), str(int(bounced))])
    rows.sort(key=lambda r: (r[3], r[0]))
    write_csv(path, ["Email", "Campaign Name", "Channel", "Send Time", "Opened", "Clicked", "Placed Order",
                     "Unsubscribed", "Bounced"], rows)


MANIFEST = [
    {"file": "orders_shopify.csv", "role": "orders", "title": "Orders (Shopify export)", "default": True,
     "description": "Northwind Goods orders, Nov 2025 - Oct 2026, one row per line item as Shopify exports them; "
                    "e-mails as customers typed them (mixed case, trailing spaces)."},
    {"file": "events.csv", "role": "events", "title": "Web and app events", "default": True,
     "description": "Sampled web/app event log, Aug - Oct 2026: page views to purchases."},
    {"file": "survey_responses.csv", "role": "responses", "title": "Post-purchase survey (NPS, CSAT, CES)",
     "default": True, "description": "Survey responses with NPS 0-10, CSAT text labels, CES 1-7 and comments; "
                                    "e-mails as typed."},
    {"file": "tickets_zendesk.csv", "role": "tickets", "title": "Support tickets (Zendesk export)", "default": True,
     "description": "Zendesk tickets with channel, first reply and resolution times, satisfaction rating; "
                    "requester e-mails as typed."},
    {"file": "experiment_checkout.csv", "role": "experiment", "title": "A/B test: one-page checkout",
     "default": True, "description": "Assignment log of the one-page checkout test (Sep 14 - Oct 11, 2026)."},
    {"file": "customers.csv", "role": "customers", "title": "Customers", "default": True,
     "description": "One row per customer: country, city, gender, signup date, tags."},
    {"file": "messages_klaviyo.csv", "role": "messages", "title": "Campaign messages (Klaviyo-style)", "default": True,
     "description": "One row per message sent, Mar - Oct 2026: e-mail, SMS and push campaigns with opens, clicks, "
                    "placed orders (an order within 5 days), unsubscribes and bounces; e-mails as typed."},
    {"file": "exotic/taobao_orders_gbk.csv", "role": "orders", "title": "Taobao orders (GBK, Chinese headers)",
     "default": False, "description": "Taobao seller order report: GBK encoding, =\"...\" order numbers, ￥ amounts."},
    {"file": "exotic/ozon_orders_cp1251.csv", "role": "orders", "title": "Ozon postings (cp1251, Russian headers)",
     "default": False, "description": "Ozon seller report: cp1251, semicolons, decimal comma, dd.mm.yyyy dates."},
    {"file": "exotic/surveymonkey_responses.xlsx", "role": "responses",
     "title": "SurveyMonkey export (XLSX, 2 header rows)",
     "default": False, "description": "SurveyMonkey XLSX export with a question row and a Response row."},
]


def generate(out: Path) -> list[Path]:
    """Write every sample file into ``out`` (and ``out/exotic``); return the written paths."""
    (out / "exotic").mkdir(parents=True, exist_ok=True)
    customers = make_customers()
    orders = make_orders(customers)
    write_orders(orders, out / "orders_shopify.csv")
    write_customers(customers, orders, out / "customers.csv")
    write_messages(customers, orders, out / "messages_klaviyo.csv")
    events = make_events()
    write_events(events, out / "events.csv")
    make_experiment(events, out / "experiment_checkout.csv")
    write_survey(orders, out / "survey_responses.csv")
    write_tickets(customers, orders, out / "tickets_zendesk.csv")
    write_taobao(out / "exotic" / "taobao_orders_gbk.csv")
    write_ozon(out / "exotic" / "ozon_orders_cp1251.csv")
    write_surveymonkey(customers, out / "exotic" / "surveymonkey_responses.xlsx")
    (out / "MANIFEST.json").write_text(json.dumps(MANIFEST, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [out / m["file"] for m in MANIFEST] + [out / "MANIFEST.json"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: sample_data/)")
    args = parser.parse_args(argv)
    paths = generate(args.out)
    total = sum(p.stat().st_size for p in paths)
    for p in paths:
        print(f"{p.stat().st_size:>10,}  {p.relative_to(args.out)}")
    print(f"{total:>10,}  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
