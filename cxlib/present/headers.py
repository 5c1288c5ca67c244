"""Column names as English readers read them: ``conversion_from_first`` -> "Conversion from step 1".

cxlib's tables keep short snake_case names: stable for code, notebooks, CSV readers and the JSON. Each
name is also a message id (marked with ``N_`` where the table is built), so the Chinese and Russian
catalogs translate it; English has no catalog, so an interface shows :func:`header` instead.
``HEADERS`` names the columns whose words need more than spacing; any other snake_case name reads
as its words (``first_order_at`` -> "First order at", ``user_id`` -> "User ID", ``step2_at`` ->
"Step 2 at"). Names that are not snake_case (a file's own headers, labels such as "Variant") are
returned unchanged.

>>> header("conversion_from_first"), header("first_reply_median_min"), header("Lineitem name")
('Conversion from step 1', 'First reply, median (min)', 'Lineitem name')
"""
from __future__ import annotations

import re

__all__ = ["HEADERS", "header"]

HEADERS: dict[str, str] = {
    # funnels
    "step_index": "Step no.", "units": "Units", "conversion_from_first": "Conversion from step 1",
    "ci_low_from_first": "CI low (from step 1)", "ci_high_from_first": "CI high (from step 1)",
    "conversion_from_previous": "Conversion from previous step", "ci_low_from_previous": "CI low (from previous)",
    "ci_high_from_previous": "CI high (from previous)", "drop_off": "Dropped off", "drop_off_rate": "Drop-off rate",
    "median_s": "Median (s)", "p75_s": "p75 (s)", "p90_s": "p90 (s)", "p95_s": "p95 (s)",
    "bin_start_s": "Bin start (s)", "bin_end_s": "Bin end (s)", "rate_a": "Rate of a", "rate_b": "Rate of b",
    "chi2": "Chi-square", "n": "n",
    # tests and A/B results
    "p_value": "p-value", "p_holm": "p-value (Holm)", "p_value_adjusted": "p-value (adjusted)",
    "mw_p_value": "Mann-Whitney p-value", "mw_p_holm": "Mann-Whitney p-value (Holm)",
    "mann_whitney_p": "p-value (Mann-Whitney check)", "ci_low": "CI low", "ci_high": "CI high", "diff": "Difference",
    "is_control": "Control", "rate_ci_low": "Rate, CI low", "rate_ci_high": "Rate, CI high",
    "value_ci_low": "Value, CI low", "value_ci_high": "Value, CI high", "abs_lift": "Absolute lift",
    "abs_ci_low": "Absolute lift, CI low", "abs_ci_high": "Absolute lift, CI high", "rel_lift": "Relative lift",
    "rel_ci_low": "Relative lift, CI low", "rel_ci_high": "Relative lift, CI high",
    "chance_to_beat": "Chance to beat control", "revenue_per_user": "Revenue per user",
    # orders, support, segments, retention
    "aov": "Average order value", "csat_good_pct": "Ticket CSAT (good %)", "within_sla": "Within SLA",
    "within_sla_pct": "Within SLA (%)", "first_reply_median_min": "First reply, median (min)",
    "first_reply_p90_min": "First reply, p90 (min)", "resolution_median_min": "Resolution, median (min)",
    "resolution_p90_min": "Resolution, p90 (min)", "first_reply_minutes": "First reply (min)",
    "resolution_minutes": "Resolution (min)", "customers_pct": "Customers (%)",
    "revenue_share_pct": "Share of net revenue (%)", "recency_days": "Recency (days)",
    "recency_days_median": "Recency, median (days)", "orders_mean": "Orders, mean",
    "net_revenue_mean": "Net revenue, mean", "r_min": "R from", "r_max": "R to", "fm_min": "FM from",
    "fm_max": "FM to", "p_alive": "P(alive)", "log_likelihood": "Log-likelihood", "predicted_clv": "Predicted CLV",
    "T": "Age (T)",
}

# Words written their own way inside a name: ids and acronyms, and units that go in brackets.
_WORDS = {"id": "ID", "ids": "IDs", "ci": "CI", "aov": "AOV", "clv": "CLV", "nps": "NPS", "csat": "CSAT",
          "ces": "CES", "rfm": "RFM", "sla": "SLA", "utm": "UTM", "url": "URL", "sku": "SKU", "pct": "(%)",
          "min": "(min)", "s": "(s)"}
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def header(name: object) -> object:
    """The English header of a column name (see the module docstring); anything else unchanged."""
    if not isinstance(name, str):
        return name
    if name in HEADERS:
        return HEADERS[name]
    if not _SNAKE.match(name):
        return name
    words = [_WORDS.get(w, w) for w in re.sub(r"([a-z])(\d)", r"\1 \2", name).replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
