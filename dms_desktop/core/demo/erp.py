"""Deterministic demo ERP source database (SQLite) for ``dms init --demo``.

The demo workspace needs a source that looks like a real sales ERP -- seasonality, growth,
a few big accounts, regional currencies, a price rise, discontinued products -- so that loads,
profiling and reports have something to show. Every value comes from one seeded
``random.Random``: the same arguments always give the same rows, so demos and tests repeat.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import NamedTuple

START = date(2024, 1, 1)
END = date(2026, 10, 31)
PRICE_RISE = date(2025, 1, 1)  # list prices went up ~5 % on this day
DISCONTINUED_FROM = date(2025, 7, 1)  # discontinued products are no longer sold from here
CENT = Decimal("0.01")

REGIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Germany North", "Germany", ("Hamburg", "Bremen", "Hannover", "Kiel")),
    ("Germany South", "Germany", ("München", "Stuttgart", "Nürnberg", "Augsburg")),
    ("Germany West", "Germany", ("Köln", "Düsseldorf", "Dortmund", "Essen")),
    ("Île-de-France", "France", ("Paris", "Versailles", "Boulogne-Billancourt", "Saint-Denis")),
    ("France South", "France", ("Marseille", "Lyon", "Toulouse", "Nice")),
    ("Randstad", "Netherlands", ("Amsterdam", "Rotterdam", "Den Haag", "Utrecht")),
    ("London & South East", "United Kingdom", ("London", "Brighton", "Reading", "Oxford")),
    ("Northern England", "United Kingdom", ("Manchester", "Leeds", "Liverpool", "Sheffield")),
    ("Scotland", "United Kingdom", ("Edinburgh", "Glasgow", "Aberdeen", "Dundee")),
    ("US Northeast", "United States", ("New York", "Boston", "Philadelphia", "Pittsburgh")),
    ("US West", "United States", ("Los Angeles", "San Francisco", "Seattle", "Portland")),
    ("US South", "United States", ("Houston", "Dallas", "Atlanta", "Miami")),
)
REGION_WEIGHTS = (9, 10, 11, 8, 6, 7, 9, 6, 3, 11, 12, 8)
FX = {"EUR": Decimal("1"), "USD": Decimal("1.08"), "GBP": Decimal("0.85")}  # from EUR list
# fmt: off
CURRENCY = {
    "Germany": "EUR", "France": "EUR", "Netherlands": "EUR", "United Kingdom": "GBP",
    "United States": "USD",
}
FIRST_NAMES = (
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Léa", "Hugo", "Chloé", "Louis",
    "Emma", "Daan", "Sanne", "Oliver", "Amelia", "Harry", "Isla", "James", "Olivia", "Liam",
    "Ava", "Noah", "Mia", "Ethan", "Zoë", "Jürgen", "Ingrid", "Mateo", "Priya", "Chen",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Martin", "Bernard", "Dubois",
    "Lefèvre", "de Jong", "Jansen", "van Dijk", "Smith", "Jones", "Taylor", "Brown", "Wilson",
    "Campbell", "Johnson", "Williams", "Garcia", "Miller", "Davis", "Nguyen", "Patel", "O'Brien",
)
ADJECTIVES = (
    "Classic", "Compact", "Deluxe", "Eco", "Essential", "Smart", "Ultra", "Nordic", "Urban",
    "Premium", "Travel", "Family",
)
# fmt: on
SEGMENTS: dict[str, tuple[int, float, tuple[int, ...], tuple[int, ...]]] = {
    # segment: (share of customers, order activity, channel weights, discount weights)
    "Consumer": (60, 1.0, (55, 32, 10, 3), (85, 10, 4, 1, 0)),
    "Small Business": (25, 1.4, (45, 15, 25, 15), (60, 25, 10, 4, 1)),
    "Corporate": (15, 2.2, (25, 5, 30, 40), (35, 30, 20, 10, 5)),
}
CONSUMER_QUANTITIES = (1, 1, 1, 1, 2, 2, 3)
BUSINESS_QUANTITIES = (1, 2, 3, 5, 5, 10, 10, 12, 20, 25, 50)
CATEGORIES: tuple[tuple[str, tuple[str, ...], int, int], ...] = (  # name, nouns, price range
    ("Electronics", ("Headphones", "Speaker", "Charger", "Monitor", "Keyboard"), 15, 450),
    ("Home & Kitchen", ("Kettle", "Toaster", "Pan Set", "Knife Block", "Blender"), 12, 180),
    ("Office Supplies", ("Notebook", "Desk Lamp", "Stapler", "Paper Tray", "Pen Set"), 3, 60),
    ("Garden", ("Hose", "Planter", "Pruner", "Lawn Rake", "Bird Feeder"), 8, 140),
    ("Sports & Outdoors", ("Yoga Mat", "Backpack", "Water Bottle", "Tent", "Bike Light"), 9, 320),
    ("Toys", ("Puzzle", "Building Set", "Plush Bear", "Board Game", "Kite"), 6, 90),
    ("Books", ("Cookbook", "Travel Guide", "Atlas", "Notebook Journal", "Novel"), 7, 45),
    ("Apparel", ("T-Shirt", "Hoodie", "Rain Jacket", "Cap", "Socks"), 5, 150),
    ("Beauty", ("Shampoo", "Face Cream", "Hair Dryer", "Perfume", "Lip Balm"), 4, 110),
    ("Tools", ("Drill", "Screwdriver Set", "Tape Measure", "Spirit Level", "Toolbox"), 6, 260),
)
PRICE_ENDINGS = (Decimal("0.99"), Decimal("0.49"), Decimal("0.95"), Decimal("0.00"))
MONTH_FACTOR = (0.85, 0.8, 0.95, 0.95, 1.0, 0.95, 0.9, 0.85, 1.0, 1.05, 1.45, 1.65)
WEEKDAY_FACTOR = (1.05, 1.05, 1.0, 1.05, 1.1, 0.8, 0.55)
YEARLY_GROWTH = 0.3
CHANNELS = ("Web", "Store", "Phone", "Partner")
DISCOUNTS = ("0.00", "5.00", "10.00", "15.00", "20.00")
LINE_COUNTS = (1, 2, 3, 4, 5, 6)
LINE_COUNT_WEIGHTS = (13, 17, 20, 20, 16, 14)  # mean ~3.5 lines per order

TABLES = """
CREATE TABLE regions (region_id INTEGER PRIMARY KEY, region_name TEXT NOT NULL,
    country TEXT NOT NULL);
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, customer_code TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL, email TEXT NOT NULL, city TEXT NOT NULL,
    region_id INTEGER NOT NULL REFERENCES regions (region_id), segment TEXT NOT NULL,
    created_at TEXT NOT NULL, is_active INTEGER NOT NULL);
CREATE TABLE product_categories (category_id INTEGER PRIMARY KEY, category_name TEXT NOT NULL);
CREATE TABLE products (product_id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE,
    product_name TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES product_categories (category_id),
    unit_price NUMERIC(12, 2) NOT NULL, unit_cost NUMERIC(12, 2) NOT NULL,
    is_discontinued INTEGER NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, order_number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (customer_id), order_date TEXT NOT NULL,
    status TEXT NOT NULL, channel TEXT NOT NULL, currency TEXT NOT NULL);
CREATE TABLE order_lines (order_id INTEGER NOT NULL REFERENCES orders (order_id),
    line_no INTEGER NOT NULL, product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL, unit_price NUMERIC(12, 2) NOT NULL,
    discount_pct NUMERIC(5, 2) NOT NULL, PRIMARY KEY (order_id, line_no))
"""
INDEXED = [("customers", "region_id"), ("products", "category_id"), ("orders", "customer_id")]
INDEXED += [("orders", "order_date"), ("order_lines", "product_id")]

Row = tuple[object, ...]


class Customer(NamedTuple):
    """What the order generator needs to know about a customer."""

    created: date
    region: int
    segment: str
    weight: float


@dataclass(frozen=True)
class DemoErpStats:
    """Row counts of a built demo ERP, for the CLI summary and tests."""

    path: Path
    customers: int
    products: int
    orders: int
    order_lines: int


def _ascii(text: str) -> str:
    """E-mail addresses stay ASCII even for names such as Müller or O'Brien."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _day_weights(days: list[date]) -> list[float]:
    """Cumulative demand per day: yearly growth times month and weekday seasonality."""
    weights = [
        (1 + YEARLY_GROWTH * (d - START).days / 365)
        * MONTH_FACTOR[d.month - 1]
        * WEEKDAY_FACTOR[d.weekday()]
        for d in days
    ]
    return list(accumulate(weights))


def _status(rng: Random, order_date: date) -> str:
    """Recent orders are still open or shipped; older ones have been invoiced."""
    age = (END - order_date).days
    if rng.random() < 0.04:
        return "CANCELLED"
    if age <= 3:
        return "OPEN"
    if age <= 14:
        return rng.choices(("OPEN", "SHIPPED", "INVOICED"), (3, 5, 2))[0]
    if age <= 45:
        return rng.choices(("SHIPPED", "INVOICED"), (3, 7))[0]
    return "INVOICED"


def _products(rng: Random, count: int) -> tuple[list[Row], list[bool], list[Decimal]]:
    """Product rows plus each product's discontinued flag and EUR list price."""
    rows: list[Row] = []
    discontinued: list[bool] = []
    prices: list[Decimal] = []
    for pid in range(1, count + 1):
        cat = rng.randrange(len(CATEGORIES))
        name, nouns, low, high = CATEGORIES[cat]
        raw = low * (high / low) ** rng.random()  # log-uniform: many cheap, few expensive
        price = Decimal(int(raw)) + rng.choice(PRICE_ENDINGS)
        price = max(price, Decimal("1.99"))
        cost = (price * Decimal(str(round(rng.uniform(0.4, 0.72), 3)))).quantize(CENT)
        gone = pid > 1 and rng.random() < 0.06
        label = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)} {rng.randint(1, 9) * 100}"
        sku = f"{''.join(ch for ch in name if ch.isalpha())[:3].upper()}-{pid:05d}"
        rows.append((pid, sku, label, cat + 1, str(price), str(cost), int(gone)))
        discontinued.append(gone)
        prices.append(price)
    return rows, discontinued, prices


def _customers(
    rng: Random, count: int, days: list[date], day_cum: list[float]
) -> tuple[list[Row], list[Customer]]:
    """About a third of customers pre-date 2024; the rest sign up as the business grows."""
    drafts: list[Customer] = []
    for i in range(count):
        if i == 0 or rng.random() < 0.35:  # customer 1 is always old, so day one has buyers
            created = START - timedelta(rng.randint(1, 3 * 365))
        else:
            created = rng.choices(days, cum_weights=day_cum)[0]
        region = rng.choices(range(len(REGIONS)), REGION_WEIGHTS)[0]
        segment = rng.choices(list(SEGMENTS), [s[0] for s in SEGMENTS.values()])[0]
        weight = min(rng.paretovariate(1.5), 12.0) * SEGMENTS[segment][1]  # a few big accounts
        drafts.append(Customer(created, region, segment, weight))
    drafts.sort(key=lambda c: c.created)  # ids grow with sign-up date, as in a real ERP
    rows: list[Row] = []
    for cid, c in enumerate(drafts, start=1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = rng.choice(("example.com", "example.org", "example.net"))
        email = f"{_ascii(first)}.{_ascii(last)}{cid}@{domain}"
        city = rng.choice(REGIONS[c.region][2])
        rest = (c.region + 1, c.segment, c.created.isoformat(), int(rng.random() >= 0.07))
        rows.append((cid, f"C{cid:06d}", first, last, email, city, *rest))
    return rows, drafts


def build_demo_erp(
    path: Path,
    *,
    seed: int = 20261129,
    customers: int = 3000,
    products: int = 400,
    orders: int = 20000,
) -> DemoErpStats:
    """Write the demo ERP to ``path`` atomically (temp file + ``os.replace``)."""
    if customers < 1 or products < 1 or orders < 0:
        raise ValueError("need at least one customer and one product, and orders >= 0")
    rng = Random(seed)
    days = [START + timedelta(n) for n in range((END - START).days + 1)]
    day_cum = _day_weights(days)
    product_rows, discontinued, list_prices = _products(rng, products)
    customer_rows, drafts = _customers(rng, customers, days, day_cum)
    created_ord = [c.created.toordinal() for c in drafts]
    customer_cum = list(accumulate(c.weight for c in drafts))

    # Line prices per period and currency, as strings so SQLite keeps exact 2-decimal values.
    price_str: dict[tuple[bool, str], list[str]] = {}
    for cur, fx in FX.items():
        for risen, factor in ((True, fx), (False, fx / Decimal("1.05"))):
            price_str[risen, cur] = [str((p * factor).quantize(CENT)) for p in list_prices]
    all_pool = list(range(products))
    live_pool = [i for i in all_pool if not discontinued[i]]
    popularity = [rng.paretovariate(1.3) for _ in all_pool]
    pools = {False: (all_pool, list(accumulate(popularity)))}
    pools[True] = (live_pool, list(accumulate(popularity[i] for i in live_pool)))

    order_rows: list[Row] = []
    line_rows: list[Row] = []
    per_year: dict[int, int] = {}
    order_days = sorted(rng.choices(days, cum_weights=day_cum, k=orders))
    for oid, day in enumerate(order_days, start=1):
        eligible = bisect_right(created_ord, day.toordinal())  # customers signed up by today
        pick = bisect_right(customer_cum, rng.random() * customer_cum[eligible - 1], 0, eligible)
        pick = min(pick, eligible - 1)
        segment = drafts[pick].segment
        currency = CURRENCY[REGIONS[drafts[pick].region][1]]
        per_year[day.year] = per_year.get(day.year, 0) + 1
        number = f"SO-{day.year}-{per_year[day.year]:06d}"
        channel = rng.choices(CHANNELS, SEGMENTS[segment][2])[0]
        status = _status(rng, day)
        order_rows.append((oid, number, pick + 1, day.isoformat(), status, channel, currency))
        pool, cum = pools[day >= DISCONTINUED_FROM]
        wanted = min(rng.choices(LINE_COUNTS, LINE_COUNT_WEIGHTS)[0], len(pool))
        chosen: list[int] = []
        while len(chosen) < wanted:  # popularity-weighted, no product twice in one order
            idx = pool[min(bisect_right(cum, rng.random() * cum[-1]), len(pool) - 1)]
            if idx not in chosen:
                chosen.append(idx)
        prices = price_str[day >= PRICE_RISE, currency]
        quantities = CONSUMER_QUANTITIES if segment == "Consumer" else BUSINESS_QUANTITIES
        for line_no, idx in enumerate(chosen, start=1):
            discount = rng.choices(DISCOUNTS, SEGMENTS[segment][3])[0]
            line_rows.append((oid, line_no, idx + 1, rng.choice(quantities), prices[idx], discount))

    region_rows: list[Row] = [(i, n, c) for i, (n, c, _) in enumerate(REGIONS, start=1)]
    category_rows: list[Row] = [(i, c[0]) for i, c in enumerate(CATEGORIES, start=1)]
    tables = {
        "regions": region_rows,
        "customers": customer_rows,
        "product_categories": category_rows,
        "products": product_rows,
        "orders": order_rows,
        "order_lines": line_rows,
    }
    _write(path, tables)
    return DemoErpStats(path, customers, products, len(order_rows), len(line_rows))


def _write(path: Path, tables: dict[str, list[Row]]) -> None:
    """One transaction into a sibling temp file, then an atomic rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp_name, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute("BEGIN")
            for statement in TABLES.split(";"):
                con.execute(statement)
            for table, rows in tables.items():  # indexes come after the data: faster bulk load
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            for table, column in INDEXED:
                con.execute(f"CREATE INDEX ix_{table}_{column} ON {table} ({column})")
            con.execute("COMMIT")
        finally:
            con.close()
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class SnapshotStats(NamedTuple):
    moved: int  # customers with a new city/region (type 2 history in DIM_CUSTOMER)
    resegmented: int  # customers in a new segment (type 2)
    renamed: int  # customers with a new e-mail address (type 1: overwritten in place)
    new_customers: int
    repriced: int  # products of one category whose list price rose (type 1 in DIM_PRODUCT)
    new_orders: int


SNAPSHOT_TWO_DAY = date(2026, 11, 1)  # the day after END: the ERP as it looked a month later
REPRICED_CATEGORY = "Electronics"


def apply_second_snapshot(path: Path, *, seed: int = 20261201) -> SnapshotStats | None:
    """Turn the demo ERP into its second snapshot, a month later; None if it already is.

    Shows SCD2 history after a second load: customers move (city and region are type 2 in
    DIM_CUSTOMER, so each gets a closed and a current version), change segment (type 2) or
    e-mail (type 1, overwritten), new customers sign up, Electronics list prices rise 7 %
    (DIM_PRODUCT is type 1) and November's orders arrive. One transaction; a marker table
    makes a second call a no-op, so ``dms init --demo`` can be repeated.
    """
    rng = Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("CREATE TABLE IF NOT EXISTS erp_snapshot (version INTEGER PRIMARY KEY)")
        if con.execute("SELECT 1 FROM erp_snapshot WHERE version = 2").fetchone():
            con.execute("ROLLBACK")
            return None
        count = con.execute("SELECT MAX(customer_id) FROM customers").fetchone()[0]
        ids = rng.sample(range(1, count + 1), min(count, 330))
        moved, resegmented, renamed = ids[:150], ids[150:210], ids[210:]
        moves = []
        for cid in moved:
            region = rng.choices(range(len(REGIONS)), REGION_WEIGHTS)[0]
            moves.append((rng.choice(REGIONS[region][2]), region + 1, cid))
        con.executemany("UPDATE customers SET city = ?, region_id = ? WHERE customer_id = ?", moves)
        con.executemany(
            "UPDATE customers SET segment = CASE segment WHEN 'Consumer' THEN "
            "'Small Business' ELSE 'Corporate' END WHERE customer_id = ?",
            [(cid,) for cid in resegmented],
        )
        con.executemany(
            "UPDATE customers SET email = REPLACE(email, '@', '.new@') WHERE customer_id = ?",
            [(cid,) for cid in renamed],
        )
        new_customers = 200
        for cid in range(count + 1, count + new_customers + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            region = rng.choices(range(len(REGIONS)), REGION_WEIGHTS)[0]
            segment = rng.choices(list(SEGMENTS), [s[0] for s in SEGMENTS.values()])[0]
            created = SNAPSHOT_TWO_DAY + timedelta(rng.randrange(29))
            con.execute(
                "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (
                    cid,
                    f"C{cid:06d}",
                    first,
                    last,
                    f"{_ascii(first)}.{_ascii(last)}{cid}@example.com",
                    rng.choice(REGIONS[region][2]),
                    region + 1,
                    segment,
                    created.isoformat(),
                ),
            )
        repriced = con.execute(
            "UPDATE products SET unit_price = ROUND(unit_price * 1.07, 2) WHERE category_id = "
            "(SELECT category_id FROM product_categories WHERE category_name = ?)",
            (REPRICED_CATEGORY,),
        ).rowcount
        new_orders = _november_orders(con, rng, count + new_customers)
        con.execute("INSERT INTO erp_snapshot (version) VALUES (2)")
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return SnapshotStats(
        len(moved), len(resegmented), len(renamed), new_customers, repriced, new_orders
    )


def _november_orders(con: sqlite3.Connection, rng: Random, customers: int) -> int:
    """A month of new orders (about as many as October had) at today's prices."""
    (order_id,) = con.execute("SELECT MAX(order_id) FROM orders").fetchone()
    live = con.execute(
        "SELECT product_id, unit_price FROM products WHERE is_discontinued = 0"
    ).fetchall()
    per_year = con.execute(
        "SELECT COUNT(*) FROM orders WHERE order_date >= ?", (date(2026, 1, 1).isoformat(),)
    ).fetchone()[0]
    country_of = dict(
        con.execute(
            "SELECT c.customer_id, r.country FROM customers c "
            "JOIN regions r ON r.region_id = c.region_id"
        )
    )
    wanted = 650
    for _ in range(wanted):
        order_id += 1
        day = SNAPSHOT_TWO_DAY + timedelta(rng.randrange(28))
        cid = rng.randint(1, customers)
        per_year += 1
        currency = CURRENCY[country_of[cid]]
        con.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                order_id,
                f"SO-2026-{per_year:06d}",
                cid,
                day.isoformat(),
                rng.choices(("OPEN", "SHIPPED"), (2, 3))[0],
                rng.choice(CHANNELS),
                currency,
            ),
        )
        lines = rng.sample(live, min(len(live), rng.choices(LINE_COUNTS, LINE_COUNT_WEIGHTS)[0]))
        con.executemany(
            "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)",
            [
                (order_id, no, pid, rng.choice(CONSUMER_QUANTITIES), price, "0.00")
                for no, (pid, list_price) in enumerate(lines, start=1)
                for price in [str((Decimal(str(list_price)) * FX[currency]).quantize(CENT))]
            ],
        )
    return wanted
