"""Readiness charts: the evidence shows the score beside its baselines, calibration and gains carry
the backtest's own numbers, bands add up to the customers scored."""
from __future__ import annotations

import pytest

import cxlib as cx


@pytest.fixture(scope="module")
def res():
    return cx.propensity(cx.load("sample_data/orders_shopify.csv"), horizon_days=30)


def _values(spec: dict) -> list[dict]:
    return spec["datasets"][next(iter(spec["datasets"]))]


def test_evidence_compares_the_score_with_both_baselines(res):
    rows = {r["scorer"]: r for r in _values(res.chart("evidence").to_dict())}
    bt = res.backtest
    assert rows["Readiness score"]["auc"] == pytest.approx(bt.auc)
    assert rows["Recency alone"]["auc"] == pytest.approx(bt.auc_recency)
    assert rows["BG/NBD expected purchases"]["auc"] == pytest.approx(bt.auc_bgnbd)
    assert all(r["low"] <= r["auc"] <= r["high"] for r in rows.values())


def test_calibration_and_gains_carry_the_backtest_numbers(res):
    spec = res.chart("calibration").to_dict()
    observed = [r for rows in spec["datasets"].values() for r in rows if "observed" in r]
    assert [r["observed"] for r in observed] == pytest.approx(res.backtest.calibration["observed"].tolist())
    gains = _values(res.chart("gains").to_dict())
    assert [(g["top"], g["captured"]) for g in gains] == [
        (f"{round(k * 100)}%", pytest.approx(v[0])) for k, v in sorted(res.backtest.gains.items())]


def test_bands_add_up_and_keep_their_colours(res):
    spec = res.chart("bands").to_dict()
    assert sum(r["customers"] for r in _values(spec)) == len(res.customers)
    assert spec["encoding"]["color"]["scale"]["domain"] == ["ready", "warming", "not now"]
    assert res.chart_kinds()[0] == "evidence" and "Ready to buy" in str(res.title())
