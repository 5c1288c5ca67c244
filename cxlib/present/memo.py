"""Decision memo for an A/B test: a page a stakeholder can read without the app.

Two renderings of the same content: Markdown (self-contained text: no links, no images, every text
that came from a file escaped) and HTML (a standalone page; every text escaped with ``html.escape``;
the chart embedded as inline SVG rendered offline by vl-convert). Sections: question, verdict, data
checks, results table, chart, caveats and warnings, definitions, data (name, content hash) and
package versions.
"""
from __future__ import annotations

import contextvars
import html
import importlib.metadata
import math
import re
from collections.abc import Callable
from datetime import datetime, timezone

import altair as alt

from cxlib.analyses.experiment import METRIC_TITLES, ExperimentResult, _listing
from cxlib.analyses.experiment_words import default_question
from cxlib.core.messages import Msg, N_, msg, set_translator
from cxlib.core.version import __version__

PACKAGES = ("cxlib", "pandas", "numpy", "scipy", "statsmodels", "altair")
Translate = Callable[[object], str]


def package_versions() -> dict[str, str]:
    """Versions of the packages that produced the numbers."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = __version__ if name == "cxlib" else importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = msg("not installed")
    return out


def _fmt(x: float | None, pct: bool, signed: bool = False) -> Msg:
    if x is None or not math.isfinite(x):
        return msg("n/a")
    if pct:
        # TRANSLATORS: a rate or a change, in percent
        return msg("{percent:+.2f} %", percent=x * 100) if signed else msg("{percent:.2f} %", percent=x * 100)
    # TRANSLATORS: an amount or a change in it
    return msg("{value:+,.2f}", value=x) if signed else msg("{value:,.2f}", value=x)


def _p(x: float | None) -> Msg:
    if x is None or not math.isfinite(x):
        return msg("n/a")
    return msg("< {limit:g}", limit=0.001) if x < 0.001 else msg("{p_value:.3f}", p_value=x)


def results_rows(res: ExperimentResult, translate: Translate = str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the memo's results table (all text; ``translate`` turns labels and numbers
    into the reader's language, variant names stay as they are)."""
    pct = res.spec.metric == "converted"
    level = res.comparisons[0].test.ci_level if res.comparisons else None
    head = [N_("Variant"), N_("Users"), N_("Conversions"), METRIC_TITLES[res.spec.metric],
            N_("Absolute lift (percentage points)") if pct else N_("Absolute lift"), N_("Relative lift"),
            # TRANSLATORS: a column of the memo's results table: where the true relative change likely lies
            msg("Relative lift, likely range ({level:.0%} confidence interval)", level=level) if level is not None
            else N_("Relative lift, likely range (confidence interval)"),
            N_("p-value"), N_("Significant")]
    comps = {c.variant: c for c in res.comparisons}
    rows = []
    for v in res.variants:
        c = comps.get(v.name)
        is_ctrl = v.name == res.control and "control" not in v.name.lower()
        # TRANSLATORS: cells of the memo's results table: the control's name, then numbers
        row = [translate(msg("{variant} (control)", variant=v.name)) if is_ctrl else v.name,
               translate(msg("{users:,}", users=v.users)), translate(msg("{conversions:,}", conversions=v.conversions)),
               translate(_fmt(v.value, pct))]
        if c:
            t = c.test
            p = msg("{p_value} (Holm)", p_value=_p(c.p_value_adjusted)) if c.p_value_adjusted != t.p_value \
                else _p(c.p_value_adjusted)
            # TRANSLATORS: pp = percentage points
            abs_txt = (msg("{points:+.2f} pp", points=t.abs_lift * 100) if pct and math.isfinite(t.abs_lift)
                       else _fmt(t.abs_lift, pct, True))
            cells = [abs_txt, _fmt(t.rel_lift, True, True),
                     msg("{low} to {high}", low=_fmt(t.rel_ci[0], True, True), high=_fmt(t.rel_ci[1], True, True)), p,
                     N_("yes") if c.significant else N_("no")]
            row += [translate(x) for x in cells]
        else:
            row += ["", "", "", "", ""]
        rows.append(row)
    return [translate(h) for h in head], rows


def _sections(res: ExperimentResult, question: str | None, translate: Translate) -> dict:
    """The memo's text in the reader's language; what people typed (the question) is kept as typed."""
    title = question or res.spec.question or translate(default_question(res))
    notes = list(res.caveats)
    bayes = [msg("{variant} beats {control} with probability {chance:.1%}, expected loss if shipped {loss:.4f} "
                 "percentage points", variant=c.variant, control=res.control, chance=c.chance_to_beat,
                 loss=c.expected_loss * 100) for c in res.comparisons if c.chance_to_beat is not None]
    if bayes:
        notes.append(msg("Bayesian (Beta-Binomial, uniform prior): {results}.", results=_listing(bayes, "; ")))
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    data = [msg("Dataset: {name}", name=res.dataset_name),
            msg("Content hash (SHA-256): {hash}", hash=res.data_hash or msg("n/a")),
            msg("Generated: {when}", when=generated)]
    # TRANSLATORS: a Python package's name and its version
    versions = _listing([msg("{package} {version}", package=k, version=v) for k, v in package_versions().items()], ", ")
    return {"question": title, "verdict": translate(res.verdict),
            "decision": translate(res.decision.sentence) if res.decision else "",
            "checks": [translate(x) for x in res.checks.sentences()], "notes": [translate(n) for n in notes],
            "warnings": [translate(w) for w in res.warnings], "definition": translate(res.spec.describe()),
            "data": [translate(d) for d in data], "versions": translate(versions),
            "headings": {k: translate(v) for k, v in _HEADINGS.items()},
            "title": translate(msg("Decision memo: {question}", question=title)),
            "packages": translate(msg("Packages: {versions}", versions=versions)),
            "chart_note": translate(N_("The chart is included in the HTML version of this memo."))}


_HEADINGS = {"decision": N_("Decision"), "verdict": N_("Verdict"), "checks": N_("Data checks"), "results": N_("Results"),
             "warnings": N_("Warnings"), "caveats": N_("Caveats"), "definitions": N_("Definitions"),
             "data": N_("Data and software")}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|<>~&$])")   # $: maths in Streamlit's Markdown


def md_escape(text: object) -> str:
    """Text safe to place in Markdown: special characters backslash-escaped, no line breaks, so a
    variant called ``![x](http://…)`` shows as text and links or embeds nothing."""
    out = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return "\\" + out if re.match(r"([-+*]|\d+[.)])(\s|$)", out) else out   # not a list item


def memo_markdown(res: ExperimentResult, question: str | None = None, *, translate: Translate = str,
                  provenance: bool = True) -> str:
    """The decision memo as self-contained Markdown.

    ``translate`` is applied to every sentence and label (``ui.i18n.tr`` for the interface's
    language); the default keeps the memo in English. ``provenance=False`` leaves out the last
    section (data file, content hash, package versions), e.g. for a preview in the app.
    """
    s = _sections(res, question, translate)
    h = s["headings"]
    head, rows = results_rows(res, translate)
    out = [f"# {md_escape(s['title'])}", "", f"## {md_escape(h['decision'])}", "", md_escape(s["decision"]), "",
           f"## {md_escape(h['verdict'])}", "", md_escape(s["verdict"]), "",
           f"## {md_escape(h['checks'])}", ""] + [f"- {md_escape(x)}" for x in s["checks"]] + [
           "", f"## {md_escape(h['results'])}", "",
           "| " + " | ".join(md_escape(c) for c in head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    out += ["", md_escape(s["chart_note"]), ""]
    if s["warnings"]:
        out += [f"## {md_escape(h['warnings'])}", ""] + [f"- {md_escape(w)}" for w in s["warnings"]] + [""]
    out += [f"## {md_escape(h['caveats'])}", ""] + [f"- {md_escape(n)}" for n in s["notes"]] + [
        "", f"## {md_escape(h['definitions'])}", "", md_escape(s["definition"]), ""]
    if provenance:
        out += [f"## {md_escape(h['data'])}", ""] + [f"- {md_escape(d)}" for d in s["data"]] + [
            f"- {md_escape(s['packages'])}", ""]
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
              question: str | None = None, *, translate: Translate = str, lang: str = "en") -> str:
    """The decision memo as one standalone HTML page (all file text escaped; charts as inline SVG).

    ``translate`` is applied to every sentence and label, and to the default charts' titles;
    ``lang`` is the page's language attribute (so browsers pick fonts for CJK or Cyrillic).
    """
    e = html.escape
    s = _sections(res, question, translate)
    h = s["headings"]
    head, rows = results_rows(res, translate)
    if charts is None:
        charts = contextvars.copy_context().run(_default_charts, res, translate) if res.comparisons else []
    parts = ["<!DOCTYPE html>", f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
             f"<title>{e(s['title'])}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(s['title'])}</h1>", f"<h2>{e(h['decision'])}</h2>",
             f'<p class="verdict{" bad" if res.decision and res.decision.call != "ship" else ""}">{e(s["decision"])}</p>',
             f"<h2>{e(h['verdict'])}</h2>",
             f'<p class="verdict{" bad" if not res.trustworthy else ""}">{e(s["verdict"])}</p>',
             f"<h2>{e(h['checks'])}</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in s["checks"]) + "</ul>",
             f"<h2>{e(h['results'])}</h2><table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in head)
             + "</tr></thead><tbody>"
             + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows) + "</tbody></table>"]
    parts += [f'<figure>{chart_svg(c)}</figure>' for c in charts]
    if s["warnings"]:
        parts.append(f'<h2>{e(h["warnings"])}</h2><ul class="warn">' + "".join(f"<li>{e(w)}</li>" for w in s["warnings"])
                     + "</ul>")
    parts += [f"<h2>{e(h['caveats'])}</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in s["notes"]) + "</ul>",
              f"<h2>{e(h['definitions'])}</h2><p>{e(s['definition'])}</p>",
              f"<h2>{e(h['data'])}</h2><ul>" + "".join(f"<li>{e(d)}</li>" for d in s["data"])
              + f"<li>{e(s['packages'])}</li></ul>", "</body></html>"]
    return "\n".join(parts)


def _default_charts(res: ExperimentResult, translate: Translate) -> list[alt.TopLevelMixin]:
    """The page's two charts, titled in the memo's language (run in a copied context, so the
    translator set here does not leak into the caller's)."""
    from cxlib.present.charts_experiment import lift_chart, rates_chart
    set_translator(None if translate is str else translate)
    return [rates_chart(res), lift_chart(res)]
