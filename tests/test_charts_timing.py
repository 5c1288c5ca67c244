"""Timing charts: one rect per slot, grey where a rate is not judged, titles naming the zone."""
from __future__ import annotations

import pandas as pd

from cxlib.analyses.timing import TimingSpec, timing
from cxlib.data.loader import from_frame
from cxlib.present.charts_timing import count_heatmap, rate_heatmap


def _res(by=None):
    rows = [("u1", "purchase", "2024-01-01T10:05Z", "web"), ("u2", "page_view", "2024-01-01T10:10Z", "app"),
            ("u3", "page_view", "2024-01-02T11:10Z", "web")]
    df = pd.DataFrame(rows, columns=["user_id", "event", "timestamp", "device"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return timing(from_frame(df, "events"), TimingSpec(tz="Europe/Paris", by=by, min_units=2, max_ci_width=1))


def test_count_heatmap_has_every_slot_and_names_the_zone():
    spec = count_heatmap(_res()).to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(values) == 7 * 24 and sum(v["count"] for v in values) == 3
    assert "Europe/Paris" in str(spec["title"])
    assert next(v for v in values if v["count"] == 2)["slot"] == "11:00"       # 10:xx UTC = 11:xx in Paris


def test_rate_heatmap_greys_out_slots_without_enough_data():
    spec = rate_heatmap(_res()).to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    judged = [v for v in values if v["enough"]]
    assert [(v["day"], v["slot"], v["rate"]) for v in judged] == [("Monday", "11:00", 0.5)]
    assert all(v["note"] == "not enough data" for v in values if not v["enough"])
    assert spec["layer"][0]["mark"]["color"] == "#e6e6e6"


def test_a_breakdown_is_drawn_as_the_sum_of_its_segments():
    whole, split = count_heatmap(_res()).to_dict(), count_heatmap(_res(by="device")).to_dict()
    counts = [[v["count"] for v in s["datasets"][next(iter(s["datasets"]))]] for s in (whole, split)]
    assert counts[0] == counts[1]
    assert _res(by="device").chart("rates").to_dict()["layer"][1]["mark"]["type"] == "rect"
