"""The CX scorecard on the home page: one tile per metric the loaded data supports.

``render()`` is called by app.py. Each tile shows the value (with its 95 % CI where one applies),
the status against the user's target, a sparkline and the definition sentence. Targets are edited
in the tile and saved in the session's DefinitionSet (so they travel with the definitions JSON).
"""
from __future__ import annotations

import math

import streamlit as st

import ui
from cxlib.present import charts_scorecard
from cxlib.analyses import scorecard
from cxlib.core.definitions import METRICS_BY_NAME, DefinitionSet
from ui import fmt, runner
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


def compute(defs: DefinitionSet | None = None) -> scorecard.Scorecard:
    """The scorecard of every loaded dataset under the session's definitions (cached; a bad input stops the
    page with its error box)."""
    defs = defs or ui.definitions()
    return runner.run("scorecard", list(ui.datasets().values()), {}, defs)


_ASKED = "target_questions"    # widget key -> a fraction typed into a percent target, awaiting an answer


def _typed(key: str) -> float | None:
    value = st.session_state.get(key)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def save_target(metric: str, value: float | None, key: str) -> None:
    """Store a target in the session's definitions (an invalid one is refused with a message)."""
    st.session_state.get(_ASKED, {}).pop(key, None)
    try:
        st.session_state["definitions"] = ui.definitions().with_target(metric, value)
    except Exception as err:           # CxDataError: out-of-range target; keep the old one
        st.session_state["target_error"] = err


def held_for_question(metric: str, value: float | None, key: str) -> bool:
    """A percent target typed as a fraction (0.8) is not saved: it waits for "did you mean 80 %?"."""
    asked = st.session_state.setdefault(_ASKED, {})
    asked.pop(key, None)
    if ui.definitions().percent_typo(metric, value) is None:
        return False
    asked[key] = value
    return True


def _set_target(metric: str) -> None:
    key = f"target_{metric}"
    value = _typed(key)
    if not held_for_question(metric, value, key):
        save_target(metric, value, key)


def target_label(metric: str, defs: DefinitionSet, currency: str | None = None) -> str:
    """"Target (%)", "Target (minutes)", "Target (EUR)": every target field names its unit."""
    unit = currency if currency and defs.target_unit(metric) == "money" else tr(defs.target_unit_words(metric))
    return t("Target ({unit})", unit=unit)


def percent_question(metric: str, key: str) -> None:
    """Under a target field: "You typed 0.8: did you mean 80 %?" with both answers as buttons."""
    typed = st.session_state.get(_ASKED, {}).get(key)
    guess = ui.definitions().percent_typo(metric, typed)
    if guess is None:
        return
    st.warning(t("You typed {typed}: did you mean {percent} %? This target is a percentage from 0 to 100, "
                 "so {typed} would mean {typed} %.", typed=fmt.num(typed), percent=fmt.num(guess)),
               icon=":material/help:")
    a, b = st.columns(2)
    a.button(t("Use {percent} %", percent=fmt.num(guess)), key=f"{key}_use_pct", on_click=save_target,
             args=(metric, guess, key), type="primary")
    b.button(t("Keep {typed} %", typed=fmt.num(typed)), key=f"{key}_keep", on_click=save_target,
             args=(metric, typed, key))


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
        low, high = defs.target_bounds(tile.metric)
        st.number_input(target_label(tile.metric, defs, tile.currency),
                        min_value=None if math.isinf(low) else float(low),
                        max_value=None if math.isinf(high) else float(high), value=None, key=key,
                        on_change=_set_target, args=(tile.metric,),
                        help=t("Higher is better") if m.higher_is_better else t("Lower is better"),
                        placeholder=t("No target"))
        percent_question(tile.metric, key)
        if defs.is_default_target(tile.metric):
            st.caption(t("Default target from the definitions ({target}); change it here or on the Definitions "
                         "page.", target=tile_value(tile, tile.target)))
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
    if sum(counts.values()):
        st.caption(t("{met} targets met, {not_met} not met, {unsure} not enough data to tell; {n} metrics.",
                     met=counts["met"], not_met=counts["not met"], unsure=counts["not enough data to tell"],
                     n=len(sc.tiles)))
    else:
        st.caption(t("No target set for these {n} metrics: type one in a tile or on the Definitions page.",
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
