"""Channel rates, tests, send hours and fatigue, against plain pandas/statsmodels computations."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

import cxlib as cx
from cxlib.analyses.channels import ChannelsSpec, channels
from cxlib.core.errors import CxDataError
from cxlib.data.loader import from_frame


def _messages(n=2000, seed=3, channels_=("Email", "SMS", "push"), rates=(0.03, 0.05, 0.02)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ch = rng.choice(len(channels_), n)
    return pd.DataFrame({
        "recipient": rng.integers(0, 200, n).astype(str),
        "sent_at": pd.Timestamp("2024-03-20", tz="UTC") + pd.to_timedelta(rng.integers(0, 20 * 86400, n), unit="s"),
        "channel": np.array(channels_)[ch], "opened": (rng.random(n) < 0.4).astype(float),
        "clicked": (rng.random(n) < 0.1).astype(float),
        "converted": (rng.random(n) < np.array(rates)[ch]).astype(float),
        "unsubscribed": (rng.random(n) < 0.01).astype(float), "segment": rng.choice(["vip", "new"], n)})


def test_rates_per_message_sent_with_wilson_intervals():
    df = _messages()
    res = channels(from_frame(df, "messages"))
    got = res.overall().set_index("channel")
    for name, g in df.assign(channel=df["channel"].str.lower()).groupby("channel"):
        assert got.loc[name, "sent"] == len(g)
        assert got.loc[name, "click_rate"] == pytest.approx(g["clicked"].mean())
        assert got.loc[name, "unsubscribe_rate"] == pytest.approx(g["unsubscribed"].mean())
        low, high = proportion_confint(int(g["converted"].sum()), len(g), method="wilson")
        assert (got.loc[name, "conversion_ci_low"], got.loc[name, "conversion_ci_high"]) == \
            (pytest.approx(low), pytest.approx(high))
    out = res.to_json()
    assert [c["channel"] for c in out["channels"]] == ["email", "push", "sms"]          # lower case
    assert set(out["channels"][0]) >= {"channel", "sent", "click_rate_pct", "conversion_rate_pct",
                                       "unsubscribe_rate_pct", "conversion_ci95_pct"}


def test_channel_pairs_are_z_tests_with_holm():
    df = _messages(n=6000, rates=(0.02, 0.06, 0.02))
    res = channels(from_frame(df, "messages"))
    df["channel"] = df["channel"].str.lower()
    pvals = []
    for _, row in res.pairs.iterrows():
        a, b = df[df.channel == row.channel_a], df[df.channel == row.channel_b]
        _, p = proportions_ztest([b.converted.sum(), a.converted.sum()], [len(b), len(a)])
        assert row.p_value == pytest.approx(p, rel=1e-9)
        pvals.append(p)
    assert res.pairs["p_holm"].tolist() == pytest.approx(multipletests(pvals, method="holm")[1].tolist())
    sig = res.pairs[res.pairs.significant]
    assert {tuple(x) for x in sig[["channel_a", "channel_b"]].to_numpy()} == {("email", "sms"), ("push", "sms")}
    assert "sms converts best" in str(res.describe())


def test_send_hour_in_the_shops_time_zone():
    df = _messages(n=500)
    res = channels(from_frame(df, "messages"), ChannelsSpec(tz="America/New_York"))
    local = df.assign(hour=df["sent_at"].dt.tz_convert("America/New_York").dt.hour,
                      channel=df["channel"].str.lower())
    want = local.groupby(["channel", "hour"]).agg(sent=("converted", "size"), conv=("converted", "sum"))
    got = res.by_send_hour.set_index(["channel", "hour"])
    assert got["sent"].to_dict() == want["sent"].to_dict()
    assert got["converted"].to_dict() == want["conv"].astype(int).to_dict()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 30 * 24), st.booleans()), min_size=1, max_size=40))
def test_fatigue_levels_equal_a_brute_force_count(rows):
    df = pd.DataFrame({"recipient": [f"r{r}" for r, _, _ in rows],
                       "sent_at": [pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=h) for _, h, _ in rows],
                       "channel": "email", "converted": [float(c) for _, _, c in rows]})
    res = channels(from_frame(df, "messages"), ChannelsSpec(fatigue_cap=3))
    prior = [int(((df.recipient == r.recipient) & (df.sent_at <= r.sent_at)
                  & (df.sent_at >= r.sent_at - pd.Timedelta(days=7))).sum()) - 1 for r in df.itertuples()]
    level = [f"{min(p, 3)}+" if p >= 3 else str(p) for p in prior]
    want = pd.DataFrame({"level": level, "c": df["converted"]}).groupby("level").agg(sent=("c", "size"),
                                                                                   conv=("c", "sum"))
    got = res.fatigue.set_index("prior_7d")
    assert got["sent"].to_dict() == want["sent"].to_dict()
    assert got["converted"].to_dict() == want["conv"].astype(int).to_dict()


def test_segments_add_up_to_the_channel():
    df = _messages()
    res = channels(from_frame(df, "messages"), ChannelsSpec(by="segment"))
    assert set(res.channels["segment"]) == {"vip", "new"}
    assert res.channels.groupby("channel")["sent"].sum().to_dict() == \
        df["channel"].str.lower().value_counts().to_dict()


def test_a_klaviyo_style_export_is_recognized_and_opens_never_rank():
    csv = ("Email,Campaign Name,Channel,Send Time,Opened,Clicked,Placed Order,Unsubscribed\n"
           "a@x.com,Spring,Email,2024-03-01 10:00:00,1,0,0,0\nb@x.com,Spring,SMS,2024-03-01 11:00:00,0,1,1,0\n"
           "c@x.com,Spring,SMS,2024-03-02 11:00:00,1,1,0,1\n")
    ds = cx.load_bytes(csv.encode(), "klaviyo.csv")
    assert ds.role == "messages" and ds.mapping["converted"] == "Placed Order"
    res = channels(ds)
    assert any("Opens are shown" in str(w) for w in res.warnings)
    assert any("Fewer than 100" in str(w) for w in res.warnings)
    assert res.to_json()["channels"][1] == {"channel": "sms", "sent": 2, "click_rate_pct": 100.0,
                                            "conversion_rate_pct": 50.0, "unsubscribe_rate_pct": 50.0,
                                            "conversion_ci95_pct": pytest.approx([9.45, 90.55], abs=0.01),
                                            "open_rate_pct": 50.0}


def test_without_a_placed_order_column_rates_that_need_it_are_absent():
    df = _messages(n=50).drop(columns=["converted"])
    res = channels(from_frame(df, "messages"))
    assert res.pairs.empty and "conversion_rate" not in res.channels
    assert res.to_json()["channels"][0]["conversion_rate_pct"] is None
    assert any("no placed-order column" in str(w) for w in res.warnings)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(CxDataError, match="not messages"):
        channels(cx.load("sample_data/events.csv"))
    with pytest.raises(CxDataError, match="no column"):
        channels(from_frame(_messages(n=10), "messages"), ChannelsSpec(by="nope"))
    with pytest.raises(CxDataError, match="fatigue cap"):
        ChannelsSpec(fatigue_cap=0)
    with pytest.raises(CxDataError, match="unknown key"):
        ChannelsSpec.from_json({"tz": "UTC", "alhpa": 0.1})
    assert ChannelsSpec.from_json(ChannelsSpec(tz="Asia/Tokyo", by="segment").to_json()).by == "segment"


def test_braze_and_russian_exports_are_recognized_with_the_same_numbers():
    braze = ("external_id,campaign_name,channel,sent_at,clicked,converted,unsubscribed,bounced\n"
             "u1,Spring,push,2024-03-01T10:00:00Z,true,false,false,false\n"
             "u2,Spring,push,2024-03-01T10:05:00Z,false,true,false,true\n"
             "u3,Spring,email,2024-03-01T11:00:00Z,true,true,false,false\n")
    ru = ("Получатель;Кампания;Канал;Время отправки;Клик;Заказ;Отписался\n"
          "u1;Весна;push;01.03.2024 10:00;да;нет;нет\nu2;Весна;push;01.03.2024 10:05;нет;да;нет\n"
          "u3;Весна;email;01.03.2024 11:00;да;да;нет\n")
    for name, text in (("braze.csv", braze), ("выгрузка.csv", ru)):
        ds = cx.load_bytes(text.encode(), name)
        assert ds.role == "messages", name
        got = {c["channel"]: (c["sent"], c["click_rate_pct"], c["conversion_rate_pct"])
               for c in channels(ds).to_json()["channels"]}
        assert got == {"email": (1, 100.0, 100.0), "push": (2, 50.0, 50.0)}, name


def test_cli_keeps_the_contract_on_the_sample_messages(contract_problems):
    import json
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    path = str(root / "sample_data/messages_klaviyo.csv")
    assert contract_problems("channels", path, "--tz", "Europe/Berlin") == []
    out = subprocess.run([sys.executable, "-m", "cxlib", "channels", path, "--tz", "Europe/Berlin", "--json"],
                         capture_output=True, text=True, cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["channels"] == channels(cx.load(path), ChannelsSpec(tz="Europe/Berlin")).to_json()["channels"]
