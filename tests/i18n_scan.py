"""Find English left on a rendered page: every text an AppTest run sent to the browser.

Walks the element tree of an AppTest run and collects every string field of every element's
protobuf (titles, markdown, captions, labels, help, options, metric values, placeholders, ...)
plus the titles inside Vega-Lite chart specs, then reports words that are neither translated nor
data. Data words (file names, column headers, cell values of the loaded datasets) and a short
list of names and acronyms that stay as they are in every language are allowed.
"""
from __future__ import annotations

import json
import re

from google.protobuf.message import Message

# Proto fields that carry ids, styling or data rather than text for people.
_SKIP_FIELDS = {"id", "key", "form_id", "icon", "url", "page", "type", "format", "data", "datasets",
                "theme", "vega_lite_theme", "element_hash", "widget_id", "fragment_id", "tag",
                "page_script_hash", "default", "width", "height", "color", "alignment", "arrow_data",
                "column_config", "column_order", "selection_mode", "file_name", "mime_type",
                "deprecated_url", "query_string", "page_name", "url_path", "default_value",
                "deferred_file_id", "autocomplete"}

# Names, units and acronyms written the same way in every language.
KEEP = {
    "cx", "workbench", "nps", "csat", "ces", "clv", "ltv", "rfm", "sla", "mde", "cuped", "bg", "nbd",
    "csv", "xlsx", "xls", "json", "jsonl", "png", "tsv", "txt", "parquet", "gzip", "zip", "utf",
    "shopify", "taobao", "tmall", "ozon", "wildberries", "zendesk", "freshdesk", "typeform",
    "surveymonkey", "google", "forms", "ga", "ga4", "rees46", "cdnow", "uci", "bigquery", "oidc",
    "utc", "eur", "usd", "rub", "cny", "gbp", "id", "ids", "ci", "srm", "aov", "gbk", "cp",
    "northwind", "goods", "vs", "min", "max", "md", "html", "url", "http", "https", "p",
    "gamma", "welch", "mann", "whitney", "holm", "wilson", "bayes", "delta", "abtest", "cxlib",
    "english",                     # the language picker names each language in itself
    "markdown", "excel", "notebook", "jupyter",
    "gmail", "googlemail", "newcombe",   # a mail service and a statistician's name
    "and", "or", "in", "contains",  # keywords of the segment rule language, typed as they are
    "auc", "klaviyo", "mailchimp", "braze", "iana",
    "campaign", "holdout",           # the variant values of a hold-out list (data the Experiments page reads)
    "duckdb", "postgresql", "postgres", "spark", "pyspark", "snowflake", "clickhouse", "trino",   # engines
}
# Terms written the same way in every language's analytics vocabulary.
_TERMS = re.compile(r"JSON Lines|P\(alive\)|Top-2-box|always-valid|\b[A-Z][a-z]+/[A-Za-z_]+\b", re.IGNORECASE)
# Code the user types or reads as code: cx.open_analysis(), recency_days, t{j}_at.
_CODE = re.compile(r"`[^`]*`|\b\w+(?:\.\w+)+\(?\)?|\b\w*_\w*\b")

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")
_DIRECTIVE = re.compile(r":[a-z]+(?:-[a-z]+)*\[|:material/[a-z_]+:")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*|\S+@\S+")      # any scheme: https://, duckdb:///path, pyspark://
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def _proto_strings(proto: Message, where: str) -> list[tuple[str, str]]:
    out = []
    for field, value in proto.ListFields():
        name = field.name
        if name in _SKIP_FIELDS:
            continue
        if name == "columns" and isinstance(value, str) and value.startswith("{"):   # dataframe column config
            config = json.loads(value)
            out += [(f"{where}.columns", c["label"]) for c in config.values()
                    if isinstance(c, dict) and isinstance(c.get("label"), str)]
            continue
        if name == "spec" and isinstance(value, str):
            out += [(where + ".chart", s) for s in chart_titles(json.loads(value))]
            continue
        values = list(value) if type(value).__name__.startswith("Repeated") else [value]
        for v in values:
            if isinstance(v, Message):
                out += _proto_strings(v, f"{where}.{name}")
            elif isinstance(v, str):
                out.append((f"{where}.{name}", v))
    return out


def chart_titles(spec) -> list[str]:
    """Titles (chart, axis, legend) in a Vega-Lite spec; inline data values are not text."""
    out: list[str] = []

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k in ("data", "datasets", "field", "type", "aggregate", "format", "$schema", "name",
                         "mark", "as", "calculate", "filter", "param", "bind", "sort", "stack"):
                    continue
                if k == "title":
                    if isinstance(v, str):
                        out.append(v)
                    elif isinstance(v, list):
                        out.extend(x for x in v if isinstance(x, str))
                    elif isinstance(v, dict):
                        for part in ("text", "subtitle"):
                            x = v.get(part)
                            out.extend([x] if isinstance(x, str) else [y for y in (x or []) if isinstance(y, str)])
                else:
                    walk(v)
        elif isinstance(o, list):
            for x in o:
                walk(x)

    walk(spec)
    return out


def page_texts(at) -> list[tuple[str, str]]:
    """(element.field, text) for everything an AppTest run rendered, sidebar included."""
    out: list[tuple[str, str]] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            out.extend(_proto_strings(proto, type(node).__name__))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def data_words(datasets) -> set[str]:
    """Words that come from the loaded files: names, headers, and text cell values."""
    words: set[str] = set()

    def add(text):
        words.update(w.lower() for w in _WORD.findall(str(text)))

    for ds in datasets:
        add(ds.name)
        for col in ds.df.columns:
            add(col)
        for src in ds.mapping.values():
            add(src)
        for entries in (getattr(ds.report, "values", None) or {}).values():   # a field's values as in the file
            for entry in entries:
                add(entry[0])
        for col in ds.df.columns:
            s = ds.df[col]
            if s.dtype == object or str(s.dtype) in ("string", "str", "category"):
                for v in s.dropna().astype(str).unique()[:500]:
                    add(v)
    return words


def english_left(texts: list[tuple[str, str]], allowed: set[str]) -> list[tuple[str, str, list[str]]]:
    """(where, text, untranslated words) for texts with English words that are neither data nor kept names."""
    found = []
    for where, text in texts:
        clean = _URL.sub(" ", _DIRECTIVE.sub(" ", _MD_ESCAPE.sub(r"\1", text.replace("\u200b", ""))))
        clean = _CODE.sub(" ", _TERMS.sub(" ", clean))
        words = [w for w in _WORD.findall(clean)
                 if len(w) >= 3 and w.lower().strip("'’") not in allowed and w.lower() not in KEEP]
        if words:
            found.append((where, text[:120], words[:6]))
    return found
