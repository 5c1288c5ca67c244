"""Channel charts: one bar and one interval per channel and rate; send-hour and fatigue lines."""
from __future__ import annotations

from cxlib.analyses.channels import ChannelsSpec, channels
from cxlib.data.loader import from_frame
from tests.test_channels import _messages


def _values(spec: dict) -> list[dict]:
    return spec["datasets"][next(iter(spec["datasets"]))]


def test_rates_chart_has_a_bar_and_interval_per_channel_and_rate():
    res = channels(from_frame(_messages(n=600), "messages"))
    spec = res.chart("rates").to_dict()
    rows = _values(spec)
    assert len(rows) == 3 * 3 and {r["metric"] for r in rows} == {"Click rate", "Conversion rate", "Unsubscribe rate"}
    assert all(r["low"] <= r["rate"] <= r["high"] for r in rows)
    assert res.chart_kinds() == ("rates", "send_hour", "fatigue")


def test_send_hour_and_fatigue_charts_name_the_zone_and_the_window():
    res = channels(from_frame(_messages(n=600), "messages"), ChannelsSpec(tz="Asia/Tokyo"))
    hour = res.chart("send_hour").to_dict()
    assert "Asia/Tokyo" in str(hour["encoding"]["x"]["title"])
    fat = res.chart("fatigue").to_dict()
    assert "7 days" in str(fat["layer"][0]["encoding"]["x"]["title"])


def test_without_conversions_only_the_rates_chart_is_offered():
    res = channels(from_frame(_messages(n=60).drop(columns="converted"), "messages"))
    assert res.chart_kinds() == ("rates",)
