"""The CX scorecard on the home page: one tile per metric the loaded data supports.

``render()`` is called by app.py. Each tile shows the value (with its 95 % CI where one applies),
the status against the user's target, a sparkline and the definition sentence. Targets are edited
in the tile and saved in the session's DefinitionSet (so they travel with the definitions JSON).
"""
from __future__ import annotations

import json
import math

import streamlit as st

import ui
from cxlib import charts_scorecard, scorecard
from cxlib.definitions import METRICS_BY_NAME, DefinitionSet
from ui import fmt, state
from ui.i18n import t, tr

COLUMNS = 3
_BADGE = {"met": "green", "not met": "red", "not enough data to tell": "orange", "no target": "gray",
          "no data": "gray"}


def status_text(status: str) -> str:
    return {"met": t("Target met"), "not met": t("Target not met"),
            "not enough data to tell": t("Not enough data to tell"), "no target": t("No target set"),
            "no data": t("No data")}.get(status, status)


def metric_label(metric: str) -> str:
    return {"nps": t("NPS"), "csat": t("CSAT"), "ces": t("CES"), "net_revenue": t("Net revenue"),
            "aov": t("Average order value"), "repeat_rate": t("Repeat customer rate"),
            "churn_rate": t("Churn rate"), "retention_rate": t("Retention rate"),
            "clv": t("Customer lifetime value"), "cart_abandonment": t("Cart abandonment"),
            "first_reply_sla": t("First reply within SLA"), "first_reply_median": t("Median first reply"),
            "ticket_csat": t("Ticket CSAT (good %)")}.get(metric, metric)


def tile_value(tile: scorecard.Tile, value: float | None = None) -> str:
    """A tile's value (or a bound of its CI) as people of the session's language write it:
    ``+32.1``, ``84,5 %``, ``27 min``, ``€12,345.67`` / ``12 345,67 ₽``, ``4.21``."""
    v = tile.value if value is None else value
    if v is None or not math.isfinite(v):
        return t("n/a")
    if tile.unit == "pts":
        return fmt.signed(v, 1)
    if tile.unit == "%":
        return fmt.pct(v / 100, 1)
    if tile.unit == "min":
        return t("{m:,.0f} min", m=v)
    if tile.unit == "money":
        return fmt.money(v, tile.currency, 2)
    return fmt.num(v, 2)


def ci_text(tile: scorecard.Tile) -> str:
    if not tile.ci95 or not all(math.isfinite(x) for x in tile.ci95):
        return ""
    return t("95% CI {lo} to {hi}", lo=tile_value(tile, tile.ci95[0]), hi=tile_value(tile, tile.ci95[1]))


@st.cache_data(show_spinner=False, max_entries=16)
def _build(_datasets: tuple, keys: tuple[str, ...], defs_json: str) -> scorecard.Scorecard:
    return scorecard.build(list(_datasets), DefinitionSet.from_json(json.loads(defs_json)))


def compute(defs: DefinitionSet | None = None) -> scorecard.Scorecard:
    """The scorecard of every loaded dataset under the session's definitions (cached)."""
    defs = defs or ui.definitions()
    loaded = tuple(ui.datasets().values())
    return _build(loaded, tuple(state.cache_key(d) for d in loaded), json.dumps(defs.to_json(), sort_keys=True))


def _set_target(metric: str) -> None:
    value = st.session_state.get(f"target_{metric}")
    defs = ui.definitions()
    try:
        st.session_state["definitions"] = defs.with_target(
            metric, None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value))
    except Exception as err:           # CxDataError: out-of-range target; keep the old one
        st.session_state["target_error"] = err


def _tile(tile: scorecard.Tile, defs: DefinitionSet) -> None:
    m = METRICS_BY_NAME[tile.metric]
    with st.container(border=True, key=f"tile_{tile.metric}"):
        st.metric(metric_label(tile.metric), tile_value(tile),
                  help=ui.esc(t("n = {n:,} · {file}", n=tile.n, file=tile.dataset) if tile.n is not None
                              else t("n unknown · {file}", file=tile.dataset)))
        if ci_text(tile):
            st.caption(ui.esc(ci_text(tile)))
        color = _BADGE.get(tile.status, "gray")
        st.markdown(f":{color}-badge[{ui.esc(status_text(tile.status))}]")
        spark = charts_scorecard.sparkline(tile)
        if spark is not None:
            ui.show_chart(spark, width="stretch")
        key = f"target_{tile.metric}"
        st.session_state[key] = defs.target(tile.metric)       # definitions are the source of truth
        lo = None if math.isinf(m.target_min) else float(m.target_min)
        hi = None if math.isinf(m.target_max) else float(m.target_max)
        st.number_input(t("Target"), min_value=lo, max_value=hi, value=None, key=key,
                        on_change=_set_target, args=(tile.metric,),
                        help=t("Higher is better") if m.higher_is_better else t("Lower is better"),
                        placeholder=t("No target"))
        ui.caption(tile.description)
        if tile.warnings:
            with st.expander(t("Notes ({n})", n=len(tile.warnings))):
                for w in tile.warnings:
                    st.text(tr(w))


def render() -> None:
    """Draw the scorecard of the loaded data (home page)."""
    defs = ui.definitions()
    with st.spinner(t("Computing the scorecard...")):
        sc = compute(defs)
    err = st.session_state.pop("target_error", None)
    if err:
        ui.show_error(err)
    if not sc.tiles:
        st.info(t("None of the loaded data supports a scorecard metric yet: load orders, survey "
                  "responses, support tickets or events on the Data page."))
        ui.show_warnings(sc.warnings)
        return
    counts = {s: sum(1 for x in sc.tiles if x.status == s) for s in ("met", "not met", "not enough data to tell")}
    st.caption(t("{met} targets met, {not_met} not met, {unsure} not enough data to tell; {n} metrics.",
                 met=counts["met"], not_met=counts["not met"], unsure=counts["not enough data to tell"],
                 n=len(sc.tiles)))
    for start in range(0, len(sc.tiles), COLUMNS):
        cols = st.columns(COLUMNS)
        for col, tile in zip(cols, sc.tiles[start:start + COLUMNS]):
            with col:
                _tile(tile, defs)
    ui.show_warnings(sc.warnings)
    frame = sc.to_frame()
    c1, c2 = st.columns(2)
    with c1:
        ui.download_table(frame, "scorecard.csv", key="dl_scorecard_csv")
    with c2:
        ui.download_chart(charts_scorecard.scorecard_overview(sc.tiles), "scorecard.png", key="dl_scorecard_png")
    ui.spec_download(sc, list(ui.datasets().values()), key="spec_scorecard", title=t("CX scorecard"))
