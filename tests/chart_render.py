"""Render a chart as Streamlit draws it and report labels that are cut, clipped or overlapping.

The oracle is Vega itself (vl-convert: the same Vega-Lite compiler and layout, real text measurement),
configured with the parts of Streamlit 1.67's chart theme that size text (``STREAMLIT_THEME``, copied
from streamlit/static/.../CustomTheme.js: axis labels 12 px cut at ``labelLimit: 100``, titles 14 px,
legend labels 14 px, chart title 16 px bold, ``autosize: fit``). Fonts are Liberation Sans and Noto Sans
CJK (Debian's fonts-liberation and fonts-noto-cjk, installed by ``make browser``), which are wider
than Streamlit's Source Sans: a label that fits here fits in the browser.

- ``cut``: Vega drew the text with an ellipsis ("Потенциально л…"): a labelLimit smaller than the text.
- ``clipped``: a text's box lies outside the drawn canvas (a y-axis title longer than the chart).
- ``overlap``: two texts of one group (the labels of an axis, the texts written in cells) intersect.

Text boxes are computed from the scenegraph (position, alignment, angle, lines) with Pillow's glyph
advances for the same fonts.
"""
from __future__ import annotations

import copy
import json
import math
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

STREAMLIT_THEME = {
    "font": "Liberation Sans",
    "autosize": {"type": "fit", "contains": "padding"},
    "title": {"fontSize": 16, "fontWeight": "bold", "anchor": "start", "align": "left", "offset": 26},
    "axis": {"labelFontSize": 12, "titleFontSize": 14, "labelLimit": 100, "titlePadding": 16, "labelPadding": 16,
             "labelOverlap": True, "labelBound": False, "labelFlush": True, "labelSeparation": 4,
             "ticks": False, "domain": False, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 14, "titleFontSize": 14, "labelPadding": 16, "titlePadding": 8,
               "titleFontWeight": "normal"},
    "view": {"continuousWidth": 400, "continuousHeight": 350},
}
CONTAINER_WIDTH = 460          # a half-width column of the wide layout at a 1400 px window (measured in chromium)
FONTS = {"regular": "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
         "bold": "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
         "cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"}


@cache
def _font(kind: str):
    from PIL import ImageFont
    path = FONTS[kind]
    if not Path(path).exists():
        pytest.skip(f"font {path} missing: run `make browser` (fonts-liberation, fonts-noto-cjk)")
    return ImageFont.truetype(path, 100)


def text_px(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in px: Liberation Sans, Noto Sans CJK for glyphs Liberation lacks."""
    main, cjk = _font("bold" if bold else "regular"), _font("cjk")
    total = 0.0
    for ch in text:                            # Liberation has no CJK glyphs (Vega falls back to Noto)
        face = cjk if unicodedata.east_asian_width(ch) in ("W", "F") else main
        total += face.getlength(ch)
    return total * size / 100


def as_drawn(spec: dict) -> dict:
    """The spec at the width Streamlit draws it (``width="stretch"``: its column's width, whatever width the
    spec asks for; a width in steps stays), here the narrowest column: half of a wide page."""
    spec = copy.deepcopy(spec)
    if not isinstance(spec.get("width"), dict) and not any(k in spec for k in ("hconcat", "vconcat", "concat")):
        spec["width"] = CONTAINER_WIDTH
    return spec


def _lines(item: dict) -> list[str]:
    text = item.get("text")
    if isinstance(text, list):
        return [str(t) for t in text]
    text = "" if text is None else str(text)
    return text.split(item["lineBreak"]) if item.get("lineBreak") else [text]


def _box(item: dict, ox: float, oy: float) -> tuple[float, float, float, float]:
    """Screen box of a text item as Vega lays it out: the first line placed by ``baseline``, further lines
    below it one font size apart, the whole turned by ``angle`` about the anchor point."""
    size = item.get("fontSize", 11)
    bold = item.get("fontWeight") in ("bold", 700, "700")
    lines = _lines(item)
    w = max(text_px(line, size, bold) for line in lines)
    if item.get("limit"):
        w = min(w, item["limit"])
    align, base = item.get("align", "left"), item.get("baseline", "alphabetic")
    left = -w / 2 if align == "center" else -w if align == "right" else 0.0
    top = {"top": 0.0, "middle": -size / 2, "bottom": -size}.get(base, -0.8 * size)
    bottom = top + size + (len(lines) - 1) * item.get("lineHeight", size)
    theta = math.radians(item.get("angle", 0) or 0)
    x, y = ox + item.get("x", 0) + item.get("dx", 0), oy + item.get("y", 0) + item.get("dy", 0)
    corners = [(x + dx * math.cos(theta) - dy * math.sin(theta), y + dx * math.sin(theta) + dy * math.cos(theta))
               for dx in (left, left + w) for dy in (top, bottom)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _texts(scenegraph: dict) -> list[tuple[str, int, dict, tuple]]:
    """(role, group id, item, box) for every visible text; the group id separates the axes and layers."""
    out: list = []
    counter = iter(range(10**9))

    def mark(node: dict, ox: float, oy: float) -> None:
        group = next(counter)
        for item in node.get("items", []):
            if node.get("marktype") == "group":
                gx, gy = ox + item.get("x", 0), oy + item.get("y", 0)
                for child in item.get("items", []):
                    mark(child, gx, gy)
            elif node.get("marktype") == "text" and item.get("opacity", 1) != 0 and "".join(_lines(item)).strip():
                out.append((node.get("role", ""), group, item, _box(item, ox, oy)))

    mark(scenegraph["scenegraph"], scenegraph["origin"][0], scenegraph["origin"][1])
    return out


def _overlap(a, b, tol: float = 1.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def layout_problems(spec: dict) -> list[str]:
    """Cut, clipped and overlapping texts of ``spec`` drawn with Streamlit's theme (empty: all readable)."""
    import vl_convert as vlc
    spec = as_drawn(spec)
    svg = vlc.vegalite_to_svg(spec, config=STREAMLIT_THEME)
    problems = [f"cut: {t!r}" for t in re.findall(r">([^<>]*…)</", svg)]
    graph = vlc.vegalite_to_scenegraph(spec, config=STREAMLIT_THEME)
    graph = json.loads(graph) if isinstance(graph, str) else graph
    texts = _texts(graph)
    width, height = graph["width"], graph["height"]          # the whole canvas, origin included
    for role, _group, item, (x0, y0, x1, y1) in texts:
        if x0 < -2 or y0 < -2 or x1 > width + 2 or y1 > height + 2:
            problems.append(f"clipped {role}: {_lines(item)} at ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f}) "
                            f"of {width:.0f}x{height:.0f}")
    by_group: dict[tuple, list] = {}
    for role, group, item, box in texts:
        if role == "axis-label":                       # the labels of one axis
            by_group.setdefault((role, group), []).append((item, box))
        elif role.startswith("mark") or role.startswith("legend"):   # texts in the plot and the legends
            by_group.setdefault(("mark or legend", 0), []).append((item, box))
    for (role, _), items in by_group.items():
        for i, (a, box_a) in enumerate(items):
            for b, box_b in items[i + 1:]:
                if _overlap(box_a, box_b):
                    problems.append(f"overlap {role}: {_lines(a)} and {_lines(b)}")
    return problems
