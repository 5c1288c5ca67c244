"""Which channel works: click, conversion and unsubscribe rates per message sent, by channel and segment.

Definitions
-----------
- Every rate is *per message sent*: click rate = messages clicked / sent, conversion rate = messages
  followed by a placed order / sent, unsubscribe rate = unsubscribes / sent; each with a 95% Wilson
  interval. Bounced messages count as sent (a bounce is the channel's failure, not the customer's).
- Opens are shown but never used to rank or choose anything: mail clients and privacy features
  (Apple Mail Privacy Protection) open messages by machine.
- Channels are compared on conversion rate: a pooled two-proportion z-test (score test) for every
  pair, with Holm's correction over the pairs.
- Conversion by send hour uses the shop's time zone (daylight saving date by date, as in
  :mod:`cxlib.analyses.timing`).
- Fatigue: each message is placed by how many other messages the same recipient received in the 7
  days up to its send time (0, 1, 2, ... up to ``fatigue_cap`` and more), and the conversion rate is
  read per level.

The engine aggregates (sums per channel, per UTC hour, per fatigue level); Python does the
intervals and tests on those few rows.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.analyses.timing import _by_column, _local, bucket_keys, bucket_minutes, zone
from cxlib.core.abstats import proportion_test
from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.core.result import Result
from cxlib.core.stats import holm, wilson_ci
from cxlib.data import engine
from cxlib.data.dataset import Dataset
from cxlib.data.roles import role_noun

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import ibis.expr.types as ir

FLAGS = ("opened", "clicked", "converted", "unsubscribed", "bounced")
NO_CHANNEL = "(none)"


@dataclass(frozen=True, slots=True)
class ChannelsSpec:
    """Time zone of the send hours, a segment column, the fatigue window's cap and the test level."""

    tz: str = "UTC"
    by: str | None = None            # a column of the messages file (segment, campaign, ...)
    fatigue_cap: int = 5             # fatigue levels 0..cap-1 and "cap or more"
    alpha: float = 0.05

    def __post_init__(self) -> None:
        zone(self.tz)
        if not 1 <= int(self.fatigue_cap) <= 50:
            raise CxDataError(msg("the fatigue cap must be between 1 and 50 messages, got {value}.",
                                  value=self.fatigue_cap), hint=msg("Use e.g. 5."))
        if not 0 < float(self.alpha) < 0.5:
            raise CxDataError(msg("alpha must be between 0 and 0.5, got {value}.", value=self.alpha),
                              hint=msg("Use 0.05 for 95% intervals."))

    def to_json(self) -> dict:
        return {"tz": self.tz, "by": self.by, "fatigue_cap": int(self.fatigue_cap), "alpha": float(self.alpha)}

    @classmethod
    def from_json(cls, obj: dict) -> ChannelsSpec:
        allowed = set(cls().to_json())
        unknown = sorted(set(obj) - allowed)
        if unknown:
            raise CxDataError(msg("unknown key(s) {keys} in ChannelsSpec", keys=", ".join(unknown)),
                              hint=msg("Known keys: {keys}.", keys=", ".join(sorted(allowed))))
        return cls(**obj)

    def describe(self) -> Msg:
        return msg("Rates per message sent (clicks, placed orders, unsubscribes / sent) with 95% Wilson intervals; "
                   "channels compared on conversion with pairwise z-tests, Holm-corrected; send hours in {tz}; "
                   "opens shown but never used to choose.", tz=self.tz)


@dataclass(frozen=True, slots=True)
class ChannelsResult(Result):
    spec: ChannelsSpec
    channels: pd.DataFrame           # channel, [by], sent, opened, clicked, converted, unsubscribed, bounced, rates, CIs
    pairs: pd.DataFrame              # channel_a, channel_b, rate_a, rate_b, diff, p_value, p_holm, significant
    by_send_hour: pd.DataFrame       # channel, hour, sent, converted, conversion_rate, ci_low, ci_high
    fatigue: pd.DataFrame            # channel, prior_7d, sent, converted, conversion_rate, ci_low, ci_high
    has: frozenset                   # which flags the file carries
    warnings: tuple[Msg, ...] = ()

    def overall(self) -> pd.DataFrame:
        """One row per channel (segments added together)."""
        if not self.spec.by:
            return self.channels
        return _rates(self.channels.groupby("channel", as_index=False)[["sent", *_present(self.has)]].sum(), self.has)

    def describe(self) -> Msg:
        best = self.overall()
        if "converted" not in self.has or best.empty:
            return msg("{n:,} messages on {k} channel(s).", n=int(best["sent"].sum()), k=len(best))
        top = best.sort_values(["conversion_rate", "sent"], ascending=False).iloc[0]
        sig = self.pairs[(self.pairs["significant"]) & ((self.pairs["channel_a"] == top["channel"])
                                                        | (self.pairs["channel_b"] == top["channel"]))]
        return msg("{channel} converts best: {rate:.2%} of messages sent (95% CI {low:.2%}-{high:.2%}); "
                   "{sig} of {pairs} comparisons with it are significant after Holm's correction.",
                   channel=top["channel"], rate=top["conversion_rate"], low=top["conversion_ci_low"],
                   high=top["conversion_ci_high"], sig=len(sig),
                   pairs=int(((self.pairs["channel_a"] == top["channel"]) |
                              (self.pairs["channel_b"] == top["channel"])).sum()))

    def to_frame(self) -> pd.DataFrame:
        return self.channels.copy()

    def to_json(self) -> dict:
        """The CLI contract: ``{channels: [...], by_send_hour: [...], warnings}`` (+ pairs and fatigue)."""
        def pct(v):
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(100 * float(v), 2)
        rows = []
        for r in self.overall().to_dict("records"):
            rows.append({"channel": r["channel"], "sent": int(r["sent"]),
                         "click_rate_pct": pct(r.get("click_rate")), "conversion_rate_pct": pct(r.get("conversion_rate")),
                         "unsubscribe_rate_pct": pct(r.get("unsubscribe_rate")),
                         "conversion_ci95_pct": ([pct(r["conversion_ci_low"]), pct(r["conversion_ci_high"])]
                                                 if "conversion_ci_low" in r else None),
                         "open_rate_pct": pct(r.get("open_rate"))})
        hours = [{"channel": r["channel"], "hour": int(r["hour"]), "sent": int(r["sent"]),
                  "conversion_rate_pct": pct(r.get("conversion_rate"))} for r in self.by_send_hour.to_dict("records")]
        pairs = [{"channel_a": r["channel_a"], "channel_b": r["channel_b"], "diff": float(r["diff"]),
                  "p_value": float(r["p_value"]), "p_holm": float(r["p_holm"]), "significant": bool(r["significant"])}
                 for r in self.pairs.to_dict("records")]
        fatigue = [{"channel": r["channel"], "prior_7d": r["prior_7d"], "sent": int(r["sent"]),
                    "conversion_rate_pct": pct(r.get("conversion_rate"))} for r in self.fatigue.to_dict("records")]
        return {"channels": rows, "by_send_hour": hours, "pairs": pairs, "fatigue": fatigue,
                "spec": self.spec.to_json(), "warnings": [str(w) for w in self.warnings]}


# ---------------------------------------------------------------------------------------------------------
def _present(has) -> list[str]:
    return [f for f in FLAGS if f in has]


def _rates(df: pd.DataFrame, has) -> pd.DataFrame:
    df = df.copy()
    names = {"opened": "open", "clicked": "click", "converted": "conversion", "unsubscribed": "unsubscribe",
             "bounced": "bounce"}
    for flag in _present(has):
        name = names[flag]
        sent = df["sent"].to_numpy(dtype=float)
        k = df[flag].to_numpy(dtype=float)
        df[f"{name}_rate"] = np.where(sent > 0, k / np.where(sent > 0, sent, 1), np.nan)
        df[f"{name}_ci_low"], df[f"{name}_ci_high"] = wilson_ci(k, sent)
    return df


def _flags_expr(t: ir.Table, keys: list, has) -> ir.Table:
    aggs = {"sent": t.count()}
    for f in _present(has):
        aggs[f] = (t[f] > 0).ifelse(1, 0).sum()
    return t.group_by(keys).aggregate(**aggs)


def _pairs(overall: pd.DataFrame, alpha: float) -> pd.DataFrame:
    rows = []
    for a, b in itertools.combinations(overall.sort_values("channel").to_dict("records"), 2):
        test = proportion_test(int(a["converted"]), int(a["sent"]), int(b["converted"]), int(b["sent"]), alpha=alpha)
        rows.append({"channel_a": a["channel"], "channel_b": b["channel"], "rate_a": test.mean_a,
                     "rate_b": test.mean_b, "diff": test.abs_lift, "p_value": test.p_value})
    out = pd.DataFrame(rows, columns=["channel_a", "channel_b", "rate_a", "rate_b", "diff", "p_value"])
    out["p_holm"] = holm(out["p_value"].to_numpy()) if len(out) else []
    out["significant"] = out["p_holm"] < alpha
    return out


def channels(ds: Dataset, spec: ChannelsSpec | None = None) -> ChannelsResult:
    """Rates per channel (and segment), channel comparisons, conversion by send hour, and fatigue.

    Raises
    ------
    CxDataError
        When ``ds`` is not a messages file, has no send times, or ``spec.by`` is not one of its columns.
    """
    import ibis
    spec = spec or ChannelsSpec()
    if ds.role != "messages":
        raise CxDataError(msg("{name} is {role} data, not messages.", name=ds.name, role=role_noun(ds.role)),
                          hint=msg("Load a campaign recipient export (recipient, sent at, channel, clicked, placed "
                                   "order) and choose it here."))
    if not ds.has("sent_at"):
        raise CxDataError(msg("{name} has no send times.", name=ds.name),
                          hint=msg("Map the column with the time each message was sent on the Data page."))
    by = _by_column(ds, spec.by)
    has = frozenset(f for f in FLAGS if ds.has(f))
    warnings: list[Msg] = []
    if "converted" not in has:
        warnings.append(msg("{name} has no placed-order column: conversion rates, channel tests and fatigue are not "
                            "shown.", name=ds.name))
    cols = list(dict.fromkeys(["recipient", "sent_at", *(["channel"] if "channel" in ds.columns else []), *has,
                               *([by] if by else [])]))
    t = ds.engine_table().select(*cols) if ds.on_engine else engine.table(ds.df[cols])
    t = t.filter(t.sent_at.notnull())
    chan = (t.channel.cast("string").strip().lower().fill_null(NO_CHANNEL) if "channel" in t.columns
            else ibis.literal(NO_CHANNEL))
    t = t.mutate(channel=chan, **{f: t[f].fill_null(0) for f in has})
    keys = ["channel"] + ([t[by].cast("string").fill_null("(missing)").name(by)] if by else [])
    per = _rates(engine.execute(_flags_expr(t, keys, has)).sort_values(["channel", *([by] if by else [])],
                                                                         ignore_index=True), has)
    tz = zone(spec.tz)
    first, last = ds.time_range("sent_at")
    minutes = bucket_minutes(tz, first.to_pydatetime(), last.to_pydatetime())
    hour_keys = ["channel", *bucket_keys(t.sent_at, minutes)]
    hourly = _local(engine.execute(_flags_expr(t, hour_keys, has & {"converted"})), tz, minutes)
    hourly = hourly.groupby(["channel", "hour"], as_index=False)[["sent", *(["converted"] if "converted" in has
                                                                               else [])]].sum()
    hourly = _rates(hourly, has & {"converted"}).drop(columns="weekday", errors="ignore")
    empty = pd.DataFrame(columns=["channel_a", "channel_b", "rate_a", "rate_b", "diff", "p_value", "p_holm",
                                  "significant"])
    overall = per if not by else _rates(per.groupby("channel", as_index=False)[["sent", *_present(has)]].sum(), has)
    pairs = _pairs(overall, spec.alpha) if "converted" in has else empty
    fatigue = _fatigue(t, spec) if "converted" in has else pd.DataFrame(columns=["channel", "prior_7d", "sent"])
    if "opened" in has:
        warnings.append(msg("Opens are shown but not used to rank channels: mail clients open messages by machine."))
    small = overall[overall["sent"] < 100]["channel"].tolist()
    if small:
        warnings.append(msg("Fewer than 100 messages on {channels}: their rates have wide intervals.",
                            channels=", ".join(small)))
    return ChannelsResult(spec, per, pairs, hourly, fatigue, has, tuple(warnings))


def fatigue_expr(t: ir.Table, cap: int) -> ir.Table:
    """Messages sent and converted per channel and fatigue level (other messages the recipient got in
    the 7 days up to the send time, capped at ``cap``)."""
    import ibis
    # a numeric range over epoch seconds: BigQuery has no RANGE frame over a TIMESTAMP interval
    seconds = t.sent_at.epoch_seconds().cast("int64")
    w = ibis.range_window(preceding=7 * 86400, following=0, group_by=t.recipient, order_by=seconds)
    m = t.select("channel", "converted", prior=t.sent_at.count().over(w) - 1)
    level = (m.prior >= cap).ifelse(cap, m.prior).cast("int64").name("level")
    return m.group_by(["channel", level]).aggregate(sent=m.count(), converted=(m.converted > 0).ifelse(1, 0).sum())


def _fatigue(t: ir.Table, spec: ChannelsSpec) -> pd.DataFrame:
    """Conversion by how many messages the recipient got in the 7 days before each message."""
    cap = int(spec.fatigue_cap)
    agg = engine.execute(fatigue_expr(t, cap)).sort_values(["channel", "level"], ignore_index=True)
    agg["prior_7d"] = [f"{cap}+" if int(v) >= cap else str(int(v)) for v in agg["level"]]
    return _rates(agg.drop(columns="level"), {"converted"})[["channel", "prior_7d", "sent", "converted",
                                                             "conversion_rate", "conversion_ci_low",
                                                             "conversion_ci_high"]]


# command line: python -m cxlib channels MESSAGES [--tz ZONE] [--by FIELD] --json
def cli_arguments(parser) -> None:
    parser.add_argument("--tz", default="UTC", help="the shop's time zone for send hours (IANA name, default UTC)")
    parser.add_argument("--by", help="also break the rates down by this column (segment, campaign, ...)")


def cli_run(ds: Dataset, args, defs) -> dict:
    return channels(ds, ChannelsSpec(tz=args.tz, by=getattr(args, "by", None))).to_json()


__all__ = ["ChannelsResult", "ChannelsSpec", "FLAGS", "channels", "fatigue_expr"]
