"""Command-line glue of the commands whose analysis module has none of its own: ``clv``, ``churn``,
``compare`` and ``scorecard`` (registered in :mod:`cxlib.analyses.registry`).

Each computes through the page's own runner (:mod:`cxlib.analyses.runners`), so the command prints
the figures the page shows for the same options and definitions. ``{name}_arguments(parser)`` adds
the options; ``{name}_run(dataset, args, definitions) -> dict`` returns the JSON object.
"""
from __future__ import annotations

import argparse

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg


def _run(page: str, datasets: list, options: dict, defs):
    from cxlib.analyses.registry import ANALYSES_BY_NAME
    return ANALYSES_BY_NAME[page].run(datasets, options, defs)


def _extra(args: argparse.Namespace, *roles: str) -> list:
    """The extra files given as --customers/--responses/--tickets/--events, each read as its role."""
    from cxlib.data.loader import load_path
    return [load_path(path, role=role, expect_role=role) for role in roles
            if (path := getattr(args, f"{role}_file", None))]


def _file_options(parser: argparse.ArgumentParser, *roles: str) -> None:
    for role in roles:
        parser.add_argument(f"--{role}", dest=f"{role}_file", metavar="FILE", help=f"a {role} file to join")


def _warnings(out: dict, datasets: list) -> dict:
    out["warnings"] = [str(w) for d in datasets for w in d.warnings] + list(out.get("warnings", []))
    return out


# ---- clv ------------------------------------------------------------------------------------------
def clv_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--horizon", help="predict this far ahead, e.g. 365d or 52w (default: the definitions', 365d)")
    parser.add_argument("--as-of", dest="as_of", help="fit on orders up to this date YYYY-MM-DD (default: last order)")
    parser.add_argument("--margin", type=float, help="profit share of net revenue, e.g. 0.3 (default 1: revenue)")


def clv_run(ds, args: argparse.Namespace, defs) -> dict:
    from cxlib.analyses.propensity import parse_horizon
    spec = defs.clv.to_json()
    if args.horizon:
        spec["horizon_days"] = parse_horizon(args.horizon)
    if args.as_of:
        spec["calibration_end"] = args.as_of
    if args.margin is not None:
        spec["margin"] = args.margin
    out = _run("retention", [ds], {"view": "clv", "clv": spec}, defs).to_json()
    out["expected_revenue"] = out.get("predicted_clv_total")
    return out


# ---- churn ----------------------------------------------------------------------------------------
def churn_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--inactive-days", type=int, help="churned after this many days without a valid order "
                        "(default: the definitions', 90)")
    parser.add_argument("--as-of", dest="as_of", help="analysis date YYYY-MM-DD (default: last order date)")
    parser.add_argument("--freq", choices=("month", "week"), default="month", help="periods of the churn trend")


def churn_run(ds, args: argparse.Namespace, defs) -> dict:
    churn = defs.churn.to_json()
    if args.inactive_days is not None:
        churn["inactive_days"] = args.inactive_days
    if args.as_of:
        churn["as_of"] = args.as_of
    out = _run("retention", [ds], {"view": "churn", "churn": churn}, defs).to_json()
    out["retention"] = _run("retention", [ds], {"view": "retention_rate", "churn": churn}, defs).to_json()
    out["trend"] = _run("retention", [ds], {"view": "churn_trend", "churn": churn, "freq": args.freq}, defs).to_json()
    out["warnings"] = list(dict.fromkeys([*out.get("warnings", []), *out["retention"].pop("warnings", []),
                                          *out["trend"].pop("warnings", [])]))
    return out


# ---- compare --------------------------------------------------------------------------------------
def compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--groups", required=True, help="comma-separated groups, e.g. rfm:Champions,rest or "
                        "nps:detractor,nps:promoter or rule:1 (rule segments are numbered from 1 in --rule order)")
    parser.add_argument("--metric", required=True, help="e.g. aov, net_revenue, orders, nps, csat, tickets")
    parser.add_argument("--population", default="auto", help="the baseline of the comparison (default auto)")
    parser.add_argument("--rule", action="append", default=[], metavar="NAME=RULE",
                        help='a rule segment, e.g. "Big=net_revenue >= 500" (repeatable)')
    _file_options(parser, "customers", "responses", "tickets")


def compare_run(ds, args: argparse.Namespace, defs) -> dict:
    rules = []
    for n, text in enumerate(args.rule, start=1):
        name, sep, rule = text.partition("=")
        if not sep or not name.strip():
            raise CxDataError(msg("cannot read --rule {rule!r}.", rule=text),
                              hint=msg('Write a name, "=" and the rule, e.g. --rule "Big=net_revenue >= 500".'))
        rules.append({"id": str(n), "name": name.strip(), "rule": rule.strip()})
    extra = _extra(args, "customers", "responses", "tickets")
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    options = {**defs_rfm(defs), "rule_segments": rules,
               "compare": {"groups": groups, "metric": args.metric, "population": args.population}}
    res = _run("segments", [ds, *extra], options, defs)
    return _warnings({**res.comparison.to_json(), "warnings": [str(w) for w in res.warnings]}, extra)


def defs_rfm(defs) -> dict:
    """The RFM options the Segments page starts from: valid statuses and refunds from the definitions."""
    return {"valid_statuses": list(defs.net_revenue.valid_statuses),
            "subtract_refunds": defs.net_revenue.subtract_refunds}


# ---- scorecard ------------------------------------------------------------------------------------
def scorecard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--with", dest="also", action="append", default=[], metavar="FILE",
                        help="another file (responses, tickets, events...) to score too (repeatable)")


def scorecard_run(ds, args: argparse.Namespace, defs) -> dict:
    from cxlib.data.loader import load_path
    extra = [load_path(path) for path in args.also]
    return _warnings(_run("scorecard", [ds, *extra], {}, defs).to_json(), extra)


__all__ = ["churn_arguments", "churn_run", "clv_arguments", "clv_run", "compare_arguments", "compare_run",
           "scorecard_arguments", "scorecard_run"]
