"""Generated shops for the readiness score: customers follow a known purchase process (BG/NBD), and
browsing that leads purchases; the future after the cut date is kept out of the files.

- Customer i arrives on a uniform day, buys at arrival, then at Poisson rate ``lambda_i ~ Gamma(r,
  1/alpha)`` per day; after each purchase they drop out with probability ``p_i ~ Beta(a, b)``
  (Fader, Hardie & Lee 2005). Some orders are cancelled or refunded (not valid).
- Before each purchase the customer browses: a session ``lead ~ U(0.5, lead_days)`` days earlier
  with several item views and usually an add-to-cart; while alive they also browse now and then
  (``background`` sessions per day) without carting much. Dead customers rarely come back.
- ``shop(...)`` returns the orders and events strictly before ``cut`` (the files a user would
  have), and the truth: each customer's valid orders in ``[cut, cut + horizon)``.

Vectorized numpy (a loop over the purchase number only), deterministic for a seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ORIGIN = pd.Timestamp("2024-01-01", tz="UTC")


@dataclass(frozen=True)
class Shop:
    orders: pd.DataFrame             # canonical orders before the cut
    events: pd.DataFrame             # canonical events before the cut
    future_orders: pd.DataFrame      # every order at or after the cut (never in the files)
    future_events: pd.DataFrame
    cut: pd.Timestamp
    horizon_days: int

    def truth(self) -> pd.Series:
        """customer_id -> 1 when the customer has a valid order in [cut, cut + horizon)."""
        f = self.future_orders
        end = self.cut + pd.Timedelta(days=self.horizon_days)
        hit = f[(f["ordered_at"] < end) & f["status"].isin(["completed", "refunded"])]
        return pd.Series(1, index=pd.Index(hit["customer_id"].unique(), name="customer_id"))


def shop(n: int = 3000, *, seed: int = 1, days: int = 540, horizon_days: int = 30, r: float = 1.0,
         alpha: float = 45.0, a: float = 1.0, b: float = 5.0, lead_days: float = 10.0, background: float = 0.03,
         events: bool = True) -> Shop:
    rng = np.random.default_rng(seed)
    end = days + horizon_days + 20.0                     # simulate a little past the truth window
    arrive = rng.uniform(0, end, n)                    # arrivals go on after the cut (stationary)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    times, owners = [arrive], [np.arange(n)]
    t, alive = arrive.copy(), np.ones(n, dtype=bool)
    death = np.full(n, np.inf)
    while alive.any():
        drop = alive & (rng.random(n) < p)
        death[drop] = t[drop]
        alive &= ~drop
        t = np.where(alive, t + rng.exponential(1.0, n) / np.maximum(lam, 1e-9), t)
        alive &= t < end
        times.append(t[alive])
        owners.append(np.flatnonzero(alive))
    at, who = np.concatenate(times), np.concatenate(owners)
    death = np.where(np.isinf(death), end, death)
    m = len(at)
    status = rng.choice(["completed", "cancelled", "refunded"], m, p=[0.93, 0.05, 0.02])
    amount = np.round(rng.gamma(2.0, 30.0, m) + 5, 2)
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(m)], "customer_id": [f"c{i}" for i in who],
                           "ordered_at": ORIGIN + pd.to_timedelta(at, unit="D"), "amount": amount,
                           "status": status, "refunded": np.where(status == "refunded", amount, 0.0)})
    ev = _events(rng, at, who, arrive, death, end, lead_days, background) if events else _no_events()
    cut = ORIGIN + pd.Timedelta(days=days)
    orders = orders.sort_values("ordered_at", kind="stable").reset_index(drop=True)
    return Shop(orders[orders["ordered_at"] < cut].reset_index(drop=True),
                ev[ev["timestamp"] < cut].reset_index(drop=True),
                orders[orders["ordered_at"] >= cut].reset_index(drop=True),
                ev[ev["timestamp"] >= cut].reset_index(drop=True), cut, horizon_days)


def _no_events() -> pd.DataFrame:
    return pd.DataFrame({"user_id": pd.Series([], dtype="string"), "session_id": pd.Series([], dtype="string"),
                         "event": pd.Series([], dtype="string"),
                         "timestamp": pd.Series([], dtype="datetime64[us, UTC]")})


def _events(rng, at, who, arrive, death, end, lead_days, background) -> pd.DataFrame:
    # sessions that lead a purchase: views (and usually a cart) some days before it
    lead_t = at - rng.uniform(0.5, lead_days, len(at))
    lead_views = 1 + rng.poisson(3, len(at))
    lead_cart = rng.random(len(at)) < 0.7
    # background sessions while alive (and a few after dropping out)
    alive_days = np.maximum(death - arrive, 0)
    k_alive = rng.poisson(background * alive_days)
    k_dead = rng.poisson(background * 0.1 * np.maximum(end - death, 0))
    cust = np.arange(len(arrive))
    bg_who = np.concatenate([np.repeat(cust, k_alive), np.repeat(cust, k_dead)])
    bg_t = np.concatenate([np.repeat(arrive, k_alive) + rng.uniform(0, 1, k_alive.sum()) * np.repeat(alive_days, k_alive),
                           np.repeat(death, k_dead) + rng.uniform(0, 1, k_dead.sum())
                           * np.repeat(np.maximum(end - death, 0), k_dead)])
    bg_views = 1 + rng.poisson(1, len(bg_t))
    bg_cart = rng.random(len(bg_t)) < 0.05
    s_who = np.concatenate([who, bg_who])
    s_t = np.concatenate([lead_t, bg_t])
    s_views = np.concatenate([lead_views, bg_views])
    s_cart = np.concatenate([lead_cart, bg_cart])
    sid = np.arange(len(s_t))
    # one row per event: page_view at the start, views spread over the next minutes, a cart last
    n_ev = s_views + s_cart
    rows = np.repeat(sid, n_ev)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(n_ev) - n_ev, n_ev)
    is_cart = k >= np.repeat(s_views, n_ev)
    name = np.where(is_cart, "add_to_cart", np.where(k == 0, "page_view", "view_item"))
    ts = s_t[rows] + k * (2.0 / 1440)
    return pd.DataFrame({"user_id": pd.array([f"c{i}" for i in s_who[rows]], dtype="string"),
                         "session_id": pd.array([f"s{i}" for i in rows], dtype="string"),
                         "event": pd.array(name, dtype="string"),
                         "timestamp": ORIGIN + pd.to_timedelta(ts, unit="D")}).sort_values(
        "timestamp", kind="stable").reset_index(drop=True)
