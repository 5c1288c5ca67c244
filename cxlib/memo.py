"""Decision memo for an A/B test: a page a stakeholder can read without the app.

Two renderings of the same content: Markdown (self-contained text: no links, no images, every text
that came from a file escaped) and HTML (a standalone page; every text escaped with ``html.escape``;
the chart embedded as inline SVG rendered offline by vl-convert). Sections: question, verdict, data
checks, results table, chart, caveats and warnings, definitions, data (name, content hash) and
package versions.
"""
from __future__ import annotations

import html
import importlib.metadata
import math
import re
from datetime import datetime, timezone

import altair as alt

from cxlib.experiment import METRIC_LABELS, ExperimentResult

PACKAGES = ("cxlib", "pandas", "numpy", "scipy", "statsmodels", "altair")


def package_versions() -> dict[str, str]:
    """Versions of the packages that produced the numbers."""
    import cxlib
    out = {}
    for name in PACKAGES:
        try:
            out[name] = cxlib.__version__ if name == "cxlib" else importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _fmt(x: float | None, pct: bool, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if pct:
        return f"{x * 100:+.2f} %" if signed else f"{x * 100:.2f} %"
    return f"{x:+,.2f}" if signed else f"{x:,.2f}"


def _p(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


def results_rows(res: ExperimentResult) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the memo's results table (all text)."""
    pct = res.spec.metric == "converted"
    level = f"{res.comparisons[0].test.ci_level:.0%}" if res.comparisons else ""
    head = ["Variant", "Users", "Conversions", METRIC_LABELS[res.spec.metric].capitalize(),
            "Absolute lift" + (" (percentage points)" if pct else ""), "Relative lift", f"Relative lift {level} CI",
            "p-value", "Significant"]
    comps = {c.variant: c for c in res.comparisons}
    rows = []
    for v in res.variants:
        c = comps.get(v.name)
        is_ctrl = v.name == res.control and "control" not in v.name.lower()
        row = [v.name + (" (control)" if is_ctrl else ""), f"{v.users:,}", f"{v.conversions:,}",
               _fmt(v.value, pct)]
        if c:
            t = c.test
            p = _p(c.p_value_adjusted) + (" (Holm)" if c.p_value_adjusted != t.p_value else "")
            abs_txt = (f"{t.abs_lift * 100:+.2f} pp" if pct and math.isfinite(t.abs_lift) else _fmt(t.abs_lift, pct, True))
            row += [abs_txt, _fmt(t.rel_lift, True, True),
                    f"{_fmt(t.rel_ci[0], True, True)} to {_fmt(t.rel_ci[1], True, True)}", p,
                    "yes" if c.significant else "no"]
        else:
            row += ["", "", "", "", ""]
        rows.append(row)
    return head, rows


def _sections(res: ExperimentResult, question: str | None) -> dict:
    title = question or res.spec.question or f"Did any variant change {METRIC_LABELS[res.spec.metric]}?"
    notes = list(res.caveats)
    if any(c.chance_to_beat is not None for c in res.comparisons):
        notes.append("Bayesian (Beta-Binomial, uniform prior): " + "; ".join(
            f"{c.variant} beats {res.control} with probability {c.chance_to_beat:.1%}, expected loss if shipped "
            f"{c.expected_loss * 100:.4f} percentage points" for c in res.comparisons if c.chance_to_beat is not None) + ".")
    return {"question": title, "verdict": res.verdict, "checks": res.checks.sentences(), "notes": notes,
            "warnings": list(res.warnings), "definition": res.spec.describe(),
            "data": [f"Dataset: {res.dataset_name}", f"Content hash (SHA-256): {res.data_hash or 'n/a'}",
                     f"Generated: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"],
            "versions": ", ".join(f"{k} {v}" for k, v in package_versions().items())}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|<>~&])")


def md_escape(text: object) -> str:
    """Text safe to place in Markdown: special characters backslash-escaped, no line breaks, so a
    variant called ``![x](http://…)`` shows as text and links or embeds nothing."""
    out = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return "\\" + out if re.match(r"([-+*]|\d+[.)])(\s|$)", out) else out   # not a list item


def memo_markdown(res: ExperimentResult, question: str | None = None) -> str:
    """The decision memo as self-contained Markdown."""
    s = _sections(res, question)
    head, rows = results_rows(res)
    out = [f"# Decision memo: {md_escape(s['question'])}", "", "## Verdict", "", md_escape(s["verdict"]), "",
           "## Data checks", ""] + [f"- {md_escape(x)}" for x in s["checks"]] + ["", "## Results", "",
           "| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    out += ["", "The chart is included in the HTML version of this memo.", ""]
    if s["warnings"]:
        out += ["## Warnings", ""] + [f"- {md_escape(w)}" for w in s["warnings"]] + [""]
    out += ["## Caveats", ""] + [f"- {md_escape(n)}" for n in s["notes"]] + ["", "## Definitions", "",
            md_escape(s["definition"]), "", "## Data and software", ""] + [f"- {md_escape(d)}" for d in s["data"]]
    out += [f"- Packages: {md_escape(s['versions'])}", ""]
    return "\n".join(out)


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """Inline SVG of an Altair chart, rendered offline (vl-convert bundles Vega and fonts)."""
    import vl_convert as vlc
    svg = vlc.vegalite_to_svg(chart.to_json())
    return svg[svg.index("<svg"):] if "<svg" in svg else svg


_CSS = ("body{font-family:Helvetica,Arial,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}.verdict{font-size:1.15em;padding:.8em;background:#f4f6f8;"
        "border-left:4px solid #1f77b4}.bad{border-left-color:#d62728}.warn{color:#8a4b00}small{color:#666}")


def memo_html(res: ExperimentResult, charts: list[alt.TopLevelMixin] | None = None,
              question: str | None = None) -> str:
    """The decision memo as one standalone HTML page (all file text escaped; charts as inline SVG)."""
    e = html.escape
    s = _sections(res, question)
    head, rows = results_rows(res)
    if charts is None:
        from cxlib.charts_experiment import lift_chart, rates_chart
        charts = [rates_chart(res), lift_chart(res)] if res.comparisons else []
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Decision memo: {e(s['question'])}</title><style>{_CSS}</style></head><body>",
             f"<h1>Decision memo: {e(s['question'])}</h1>", "<h2>Verdict</h2>",
             f'<p class="verdict{" bad" if not res.trustworthy else ""}">{e(s["verdict"])}</p>',
             "<h2>Data checks</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in s["checks"]) + "</ul>",
             "<h2>Results</h2><table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>"
             + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows) + "</tbody></table>"]
    parts += [f'<figure>{chart_svg(c)}</figure>' for c in charts]
    if s["warnings"]:
        parts.append('<h2>Warnings</h2><ul class="warn">' + "".join(f"<li>{e(w)}</li>" for w in s["warnings"]) + "</ul>")
    parts += ["<h2>Caveats</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in s["notes"]) + "</ul>",
              f"<h2>Definitions</h2><p>{e(s['definition'])}</p>",
              "<h2>Data and software</h2><ul>" + "".join(f"<li>{e(d)}</li>" for d in s["data"])
              + f"<li>Packages: {e(s['versions'])}</li></ul>", "</body></html>"]
    return "\n".join(parts)
