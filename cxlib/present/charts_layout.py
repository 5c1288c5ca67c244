"""Labels that fit in any language: one pass over a finished chart instead of a size in every builder.

Streamlit's chart theme cuts axis labels at 100 px and Vega cuts legend labels at 160 px, so
translated labels ("Потенциально лояльные", "Следующие 40 %") ended in "…", a y-axis title longer than
the plot was clipped, and segment names written in heatmap cells ran into each other. :func:`fit`
reads a chart's Vega-Lite spec with its data and, for every label it can see:

- discrete axes: ``labelLimit`` as wide as the longest label (capped); a longer label is wrapped
  onto lines at spaces (``labelExpr`` returning a list of lines); x labels are wrapped to the width of
  their band (a band given as a step grows for a word that does not fit);
- axis titles and the chart title longer than the plot's side are wrapped onto lines;
- legends: ``labelLimit`` and ``titleLimit`` as wide as their longest text;
- text marks in a grid (heatmap cells): text wrapped to the cell's width (``lineBreak``).

Widths are estimated from character classes (Latin, Cyrillic, CJK, digits) at the font sizes of
Streamlit's theme, with a margin, so the estimate errs on the wide side. Only the spec changes: data,
tooltips and scales stay as the builder made them. Charts built by ``cxlib/charts_*.py`` go through
this in the app (``ui.charts.localized``) and in notebooks (:func:`cxlib.present.display.chart`).

Examples
--------
>>> import altair as alt, pandas as pd
>>> df = pd.DataFrame({"segment": ["Потенциально лояльные", "Новые"], "n": [3, 5]})
>>> spec = fit(alt.Chart(df).mark_bar().encode(y="segment:N", x="n:Q")).to_dict()
>>> spec["encoding"]["y"]["axis"]["labelLimit"] >= text_width("Потенциально лояльные", LABEL_SIZE)
True
>>> wrap("Потенциально лояльные", 90, LABEL_SIZE)
['Потенциально', 'лояльные']
"""
from __future__ import annotations

import copy
import json
import math
import re
import unicodedata
from collections.abc import Iterable

# Font sizes (px) of Streamlit's chart theme (1.67): axis labels, axis and legend titles, legend
# labels, chart title; Vega's default for text marks.
LABEL_SIZE, TITLE_SIZE, LEGEND_SIZE, CHART_TITLE_SIZE, TEXT_SIZE = 12, 14, 14, 16, 11
PAD = 8                       # px added to a measured width (label padding, rounding)
Y_LABEL_MAX = 220             # y-axis labels wider than this wrap onto lines
LEGEND_MAX = 320              # legend titles are never cut below this
LEGEND_WRAP = 150             # legend labels wider than this wrap onto lines
CONTAINER = 460               # assumed chart width: Streamlit stretches a chart to its column (half a wide page)
MIN_TEXT = 8                  # text in cells shrinks to this size before its cells grow
MIN_BAND = 24                 # narrowest x band worth wrapping into
LINE = 1.25                   # line height, in font sizes

_DISCRETE = ("nominal", "ordinal")
_LEGENDS = ("color", "fill", "stroke", "shape", "opacity", "size", "strokeDash")


def _char_em(ch: str) -> float:
    """Advance width of a character in ems (Liberation Sans / Arial metrics, rounded up)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch == " ":
        return 0.28
    if ch.isdigit():
        return 0.56
    if "\u0400" <= ch <= "\u04ff":                  # Cyrillic
        return 0.75 if ch.isupper() else 0.62
    if ch.isalpha():
        return 0.70 if ch.isupper() else (0.84 if ch in "mwMW" else 0.52)
    if ch in ".,:;'|!il":
        return 0.30
    if ch in "%@—":
        return 1.0
    return 0.60


def text_width(text: object, size: float, *, bold: bool = False) -> float:
    """Estimated width in px of one line of ``text`` at font ``size`` (errs on the wide side)."""
    em = sum(_char_em(ch) for ch in str(text))
    return em * size * (1.12 if bold else 1.05)


_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
# Pieces a line may break between: a word with the spaces before it, or one CJK character (with the
# punctuation that must stay on its line, such as 、，。）).
_PIECES = re.compile(rf"\s*(?:[{_WIDE}][、，。：；）」』%]*|[^\s{_WIDE}]+)")


def _greedy(pieces: list[str], max_px: float, size: float, bold: bool) -> list[str]:
    lines = [pieces[0].lstrip()]
    for piece in pieces[1:]:
        if text_width(lines[-1] + piece, size, bold=bold) <= max_px:
            lines[-1] += piece
        else:
            lines.append(piece.lstrip())
    return lines


def wrap(text: object, max_px: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines of at most ``max_px``: at spaces, or between Chinese characters (a
    longer word stays whole on its line). Lines are balanced: as many as needed, as even as possible."""
    pieces = _PIECES.findall(str(text))
    if not pieces:
        return [str(text)]
    lines = _greedy(pieces, max_px, size, bold)
    lo, hi = max(text_width(p.strip(), size, bold=bold) for p in pieces), max_px
    while len(lines) > 1 and hi - lo > 1:              # the narrowest width giving the same number of lines
        mid = (lo + hi) / 2
        trial = _greedy(pieces, mid, size, bold)
        if len(trial) == len(lines):
            hi, lines = mid, trial
        else:
            lo = mid
    return lines


def _words(texts: Iterable[str]) -> list[str]:
    """The pieces no line can split (words; single Chinese characters)."""
    return [p.strip() for t in texts for p in _PIECES.findall(str(t))]


def _widest(texts: Iterable[str], size: float, *, bold: bool = False) -> float:
    return max((text_width(t, size, bold=bold) for t in texts), default=0.0)


def _lookup(mapping: dict[str, list[str]], key: str) -> str:
    """A Vega expression: the lines of ``key`` from ``mapping``, else the text itself."""
    text = json.dumps(mapping, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"({text})[{key}] || {key}"


# ---------------------------------------------------------------------------------------------
# Walking a spec: units (a mark with an encoding), the data each one sees, the size it is drawn at
def _rows(data, datasets: dict) -> list[dict] | None:
    if not isinstance(data, dict):
        return None
    if "values" in data and isinstance(data["values"], list):
        return data["values"]
    if "name" in data:
        return datasets.get(data["name"])
    return None


def _values(rows: list[dict] | None, field: object) -> list[str] | None:
    """The distinct labels a field shows (as Vega writes them), or None when the data does not hold it."""
    if rows is None or not isinstance(field, str):
        return None
    field = field.replace("\\.", ".")
    seen: dict[str, None] = {}
    for row in rows:
        if field not in row:
            return None
        v = row[field]
        seen["null" if v is None else ("true" if v is True else "false" if v is False else
                                       (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))] = None
    return list(seen)


def _mark_type(unit: dict) -> str | None:
    mark = unit.get("mark")
    return mark.get("type") if isinstance(mark, dict) else mark


def _total(width) -> float:
    """The width a chart is drawn at: Streamlit stretches (or squeezes) it to its column, so a fixed width
    counts at most as wide as a column."""
    return min(float(width), CONTAINER) if isinstance(width, (int, float)) else CONTAINER


def _band(size, n: int, beside: float = 0.0) -> tuple[float, bool]:
    """(px per band, whether the size is a step that may grow) for ``n`` discrete values; ``beside`` is
    the width the y axis and legends take from a fixed or container width (Streamlit fits the whole
    chart, axes included, into the width)."""
    if isinstance(size, dict) and isinstance(size.get("step"), (int, float)):
        return float(size["step"]), True
    total = _total(size)
    return max(total - beside, total / 2) / max(n, 1), False


def _length(size, n: int | None) -> float | None:
    """Pixel length of a side: a number, or a step times the discrete values; None when unknown."""
    if isinstance(size, (int, float)):
        return float(size)
    if isinstance(size, dict) and isinstance(size.get("step"), (int, float)) and n:
        return float(size["step"]) * n
    return None


class _Fitter:
    def __init__(self, spec: dict):
        self.spec = spec
        self.datasets = spec.get("datasets") or {}

    def run(self) -> None:
        self._walk(self.spec, None, {}, {})
        self._chart_title(self.spec, _total(self.spec.get("width")))

    def _walk(self, node: dict, rows, encoding: dict, sizes: dict, beside: float | None = None) -> None:
        rows = _rows(node.get("data"), self.datasets) if "data" in node else rows
        sizes = {**sizes, **{k: node[k] for k in ("width", "height") if k in node}}
        encoding = {**encoding, **(node.get("encoding") or {})}
        layers = [c for c in node.get("layer") or [] if isinstance(c, dict)]
        if layers and beside is None:                   # one view: its axes and legends come from every layer
            beside = self._view([(c, _rows(c.get("data"), self.datasets) if "data" in c else rows) for c in layers],
                                encoding, sizes)
        for child in layers:
            self._walk(child, rows, encoding, sizes, beside)
        for key in ("hconcat", "vconcat", "concat"):
            for child in node.get(key) or []:
                if isinstance(child, dict):
                    self._walk(child, rows, {}, {})
        if "mark" in node:
            self._unit(node, rows, encoding, sizes, beside)

    def _unit(self, unit: dict, rows, encoding: dict, sizes: dict, beside: float | None) -> None:
        own = unit.setdefault("encoding", {})
        for channel in ("x", "y"):
            if isinstance(encoding.get(channel), dict) and channel not in own:
                own[channel] = copy.deepcopy(encoding[channel])
        if beside is None:
            beside = self._view([(unit, rows)], {}, sizes)
        for channel in ("x", "y"):
            if isinstance(own.get(channel), dict):
                self._axis(unit, channel, own[channel], rows, sizes, beside)
        if _mark_type(unit) == "text":
            self._cell_text(unit, own, rows, sizes, beside)

    def _view(self, layers: list[tuple[dict, list | None]], parent: dict, sizes: dict) -> float:
        """Size the legends of one view (all its layers) and return the px that the y axis and the side
        legends take beside the plot. When text written in cells would not fit, side legends go below."""
        total = _total(sizes.get("width"))
        y_px = max((self._y_extent({**parent, **u.get("encoding", {})}.get("y"), rows, sizes) for u, rows in layers),
                   default=0.0)
        legends = [(u["encoding"][ch], rows, ch) for u, rows in layers for ch in _LEGENDS
                   if isinstance(u.get("encoding", {}).get(ch), dict) and "field" in u["encoding"][ch]]

        def place(below: bool, dry: bool) -> tuple[float, float]:
            placed = {(ch, str(e["field"])): self._legend(copy.deepcopy(e) if dry else e, rows, total, y_px, below)
                      for e, rows, ch in legends}
            return sum(p[0] for p in placed.values()), sum(p[1] for p in placed.values())
        beside = y_px + place(False, dry=True)[0]
        spare = [self._cell_room(u, {**parent, **u.get("encoding", {})}, rows, sizes, beside)[0] for u, rows in layers]
        side, under = place(any(room is not None and room < 0 for room in spare), dry=False)
        if under and isinstance(sizes.get("height"), (int, float)):     # the plot keeps its height
            self._resize(layers[0][0], "height", math.ceil(sizes["height"] + under))
        return y_px + side

    @staticmethod
    def _y_extent(y, rows, sizes: dict) -> float:
        """Estimated px of a y axis: its labels, the padding and its title's lines."""
        if not isinstance(y, dict) or y.get("axis", {}) is None:
            return 0.0
        labels = _values(rows, y.get("field")) if y.get("type") in _DISCRETE else None
        px = min(_widest(labels, LABEL_SIZE), Y_LABEL_MAX) if labels else 40
        title = y.get("title", "")
        if title is not None:
            height = _length(sizes.get("height"), len(labels) if labels else None) or 300
            lines = len(title) if isinstance(title, list) else math.ceil(
                text_width(title, TITLE_SIZE) / max(height - PAD, 60))
            px += lines * TITLE_SIZE * LINE + 2 * PAD
        return px + 2 * PAD

    # -- axes --------------------------------------------------------------------------------
    def _axis(self, unit: dict, channel: str, enc: dict, rows, sizes: dict, beside: float) -> None:
        axis = enc.get("axis", {})
        if axis is None or "condition" in enc:
            return
        discrete = enc.get("type") in _DISCRETE and "timeUnit" not in enc and "bin" not in enc
        labels = _values(rows, enc.get("field")) if discrete else None
        side = "width" if channel == "x" else "height"
        if labels and "labelExpr" not in axis and "format" not in axis:
            axis = dict(axis)
            if channel == "y":
                self._y_labels(unit, axis, labels, sizes)
            else:
                self._x_labels(unit, axis, labels, sizes, beside)
            enc["axis"] = axis
        self._axis_title(enc, self._plot_length(unit, channel, sizes, len(labels) if labels else None, beside))

    def _plot_length(self, unit: dict, channel: str, sizes: dict, n: int | None, beside: float) -> float:
        """Estimated px of the plot along an axis. A step size is exact; otherwise Streamlit fits the whole
        chart (title, axes and legends included) into its column's width and the given (or default) height."""
        size = sizes.get("width" if channel == "x" else "height")
        if isinstance(size, dict):
            return _length(size, n) or 300.0
        if channel == "x":
            return _total(size) - beside
        if size is None and n:                          # a discrete y without a height: Vega's 20 px steps
            return 20.0 * n
        return (float(size) if isinstance(size, (int, float)) else 300.0) - self._above_below(unit["encoding"])

    def _above_below(self, enc: dict) -> float:
        """Estimated px the chart title and the x axis take above and below the plot."""
        px = CHART_TITLE_SIZE * LINE + 26 if self.spec.get("title") else 0.0
        x = enc.get("x")
        if isinstance(x, dict) and x.get("axis", {}) is not None:
            px += LABEL_SIZE * LINE + 2 * PAD + (TITLE_SIZE * LINE + 2 * PAD if x.get("title", "") is not None else 0)
        return px

    def _y_labels(self, unit: dict, axis: dict, labels: list[str], sizes: dict) -> None:
        widest = _widest(labels, LABEL_SIZE)
        if widest <= Y_LABEL_MAX:
            axis["labelLimit"] = max(axis.get("labelLimit", 0), math.ceil(widest) + PAD)
            return
        lines = {t: wrap(t, Y_LABEL_MAX, LABEL_SIZE) for t in labels if text_width(t, LABEL_SIZE) > Y_LABEL_MAX}
        shown = [line for t in labels for line in lines.get(t, [t])]
        axis["labelExpr"] = _lookup(lines, "datum.label")
        axis["labelLimit"] = max(axis.get("labelLimit", 0), math.ceil(_widest(shown, LABEL_SIZE)) + PAD)
        most = max(len(ls) for ls in lines.values())
        height = sizes.get("height")
        need = math.ceil(most * LABEL_SIZE * LINE) + 4        # each band holds its label's lines
        if "yOffset" in unit["encoding"]:
            return
        if height is None or (isinstance(height, dict) and height.get("step", need) < need):
            self._resize(unit, "height", {"step": need})
        elif isinstance(height, (int, float)) and height < need * len(labels):
            self._resize(unit, "height", need * len(labels))

    def _x_labels(self, unit: dict, axis: dict, labels: list[str], sizes: dict, beside: float) -> None:
        band, grows = _band(sizes.get("width"), len(labels), beside)
        widest = _widest(labels, LABEL_SIZE)
        room = band - PAD
        if widest <= room:                               # every label fits its band on one line
            axis.setdefault("labelAngle", 0)
            axis["labelLimit"] = max(axis.get("labelLimit", 0), math.ceil(widest) + PAD)
            return
        longest_word = _widest(_words(labels), LABEL_SIZE)
        if longest_word > room and grows:               # a step: make the band as wide as the longest word
            band = longest_word + 2 * PAD
            room = band - PAD
            self._resize(unit, "width", {"step": math.ceil(band)})
        if longest_word <= room and room >= MIN_BAND and axis.get("labelAngle", 0) == 0:
            lines = {t: wrap(t, room, LABEL_SIZE) for t in labels if text_width(t, LABEL_SIZE) > room}
            axis["labelExpr"] = _lookup(lines, "datum.label")
            axis["labelAngle"] = 0
            axis["labelLimit"] = math.ceil(room) + PAD
        else:                                            # too narrow to wrap: slanted, never cut
            axis.setdefault("labelAngle", -45)
            axis["labelLimit"] = math.ceil(min(widest, 2 * Y_LABEL_MAX)) + PAD

    def _resize(self, unit: dict, side: str, value: dict) -> None:
        """Set a step size where the builder put it (the unit or, for a layer, the top-level spec)."""
        target = unit if side in unit else self.spec
        target[side] = value

    def _axis_title(self, enc: dict, length: float | None) -> None:
        title = enc.get("title")
        if not isinstance(title, str) or length is None:
            return
        if text_width(title, TITLE_SIZE) > length - PAD:
            enc["title"] = wrap(title, max(length - PAD, 60), TITLE_SIZE)

    # -- legends -----------------------------------------------------------------------------
    @staticmethod
    def _legend(enc: dict, rows, total: float, y_px: float, below: bool = False) -> tuple[float, float]:
        """Size one legend; returns (px it takes beside the plot, px it adds below the plot).

        Category names longer than ``LEGEND_WRAP`` wrap onto lines; a side legend that would still take
        more than a quarter of the chart (or, with ``below``, any side legend) goes below the plot, in as
        many columns as fit."""
        legend = enc.get("legend", {})
        if legend is None:
            return 0.0, 0.0
        legend = dict(legend)
        title = enc.get("title") if isinstance(enc.get("title"), str) else ""
        title_px = text_width(title, LEGEND_SIZE, bold=True)
        if title:
            legend["titleLimit"] = max(legend.get("titleLimit", 0), math.ceil(min(title_px, LEGEND_MAX)) + PAD)
        beside = legend.get("orient") in (None, "right", "left")
        labels: list[str] = []
        if enc.get("type") in _DISCRETE and "labelExpr" not in legend:
            scale = enc.get("scale") if isinstance(enc.get("scale"), dict) else {}
            labels = list(dict.fromkeys([str(v) for v in scale.get("domain") or []]
                                        + (_values(rows, enc.get("field")) or [])))
        moved = beside and (below or bool(labels) and min(_widest(labels, LEGEND_SIZE), LEGEND_WRAP) + 30 > total / 4)
        if moved:
            beside = False
            legend.update(orient="bottom", direction="horizontal")
        entry, label_rows = 60.0, 1                                 # a gradient legend: a bar and numbers
        if labels:
            room = LEGEND_WRAP if beside else max(total - y_px - 30 - PAD, 80.0)
            lines = {t: wrap(t, room, LEGEND_SIZE) for t in labels if text_width(t, LEGEND_SIZE) > room}
            shown = _widest([ln for t in labels for ln in lines.get(t, [t])], LEGEND_SIZE)
            if lines:
                legend["labelExpr"] = _lookup(lines, "datum.label")
            legend["labelLimit"] = max(legend.get("labelLimit", 0), math.ceil(shown) + PAD)
            entry = shown + 30
            if not beside and "columns" not in legend:
                legend["columns"] = max(1, int((total - y_px) // (entry + 2 * PAD)))
            columns = legend.get("columns") or len(labels)
            label_rows = math.ceil(len(labels) / columns) * max([len(v) for v in lines.values()] or [1])
        enc["legend"] = legend
        if beside:
            return max(entry, title_px) + 2 * PAD, 0.0
        height = (LEGEND_SIZE * LINE + PAD if title else 0) + label_rows * LEGEND_SIZE * LINE + (0 if labels else 24)
        return 0.0, (height + 2 * PAD) if moved else 0.0

    # -- text in cells -----------------------------------------------------------------------
    def _cell_room(self, unit: dict, enc: dict, rows, sizes: dict, beside: float) -> tuple[float | None, float]:
        """(room left for the longest word of the text written in cells: negative when it does not fit, None
        when the unit writes no text in discrete cells; the font size)."""
        text, x = enc.get("text"), enc.get("x")
        if _mark_type(unit) != "text" or not isinstance(text, dict) or not isinstance(x, dict) \
                or x.get("type") not in _DISCRETE:
            return None, 0.0
        labels, columns = _values(rows, text.get("field")), _values(rows, x.get("field"))
        if not labels or not columns:
            return None, 0.0
        size = (unit["mark"] if isinstance(unit["mark"], dict) else {}).get("fontSize", TEXT_SIZE)
        room = _band(sizes.get("width"), len(columns), beside)[0] - PAD
        return room - _widest(_words(labels), size), size

    def _cell_text(self, unit: dict, enc: dict, rows, sizes: dict, beside: float) -> None:
        """Text written in cells (heatmap labels) wrapped to the cell's width; a word longer than the cell
        first shrinks the font (down to ``MIN_TEXT``), then widens the cells."""
        spare, size = self._cell_room(unit, enc, rows, sizes, beside)
        if spare is None:
            return
        text, x = enc["text"], enc["x"]
        labels, columns = _values(rows, text.get("field")), _values(rows, x.get("field"))
        mark = unit["mark"] if isinstance(unit["mark"], dict) else {"type": unit["mark"]}
        width = sizes.get("width")
        room = _band(width, len(columns), beside)[0] - PAD
        if _widest(labels, size) <= room:
            return
        longest_word = _widest(_words(labels), size)
        if longest_word > room:
            size = max(MIN_TEXT, math.floor(size * room / longest_word))
            longest_word = _widest(_words(labels), size)
            mark = {**mark, "fontSize": size}
        if longest_word > room and isinstance(width, (int, float, dict)):    # cells as wide as the longest word
            self._resize(unit, "width", {"step": math.ceil(longest_word + 2 * PAD)} if isinstance(width, dict)
                         else math.ceil(beside + len(columns) * (longest_word + 2 * PAD)))
            room = longest_word + PAD
        lines = {t: "\n".join(wrap(t, room, size)) for t in labels if text_width(t, size) > room}
        unit["mark"] = mark
        if not lines:
            return
        field = text["field"]
        shown = f"{field}__lines"
        unit.setdefault("transform", []).append({"calculate": _lookup(lines, f"datum[{json.dumps(field)}]"),
                                                 "as": shown})
        enc["text"] = {**text, "field": shown}
        most = max(v.count("\n") for v in lines.values())   # Vega stacks lines below the first: lift them
        unit["mark"] = {**mark, "lineBreak": "\n", "dy": mark.get("dy", 0) - most * size / 2}

    # -- chart title -------------------------------------------------------------------------
    def _chart_title(self, spec: dict, width: float) -> None:
        title = spec.get("title")
        text = title.get("text") if isinstance(title, dict) else title
        if not isinstance(text, str) or text_width(text, CHART_TITLE_SIZE, bold=True) <= width:
            return
        lines = wrap(text, width, CHART_TITLE_SIZE, bold=True)
        spec["title"] = {**title, "text": lines} if isinstance(title, dict) else lines


_DONE = "cx_labels_fitted"


def fit_spec(spec: dict) -> dict:
    """A copy of a Vega-Lite spec (a dict with its data inline or in ``datasets``) with labels sized.
    A spec fitted once is returned as it is (``usermeta`` records it)."""
    if (spec.get("usermeta") or {}).get(_DONE):
        return spec
    out = copy.deepcopy(spec)
    _Fitter(out).run()
    out["usermeta"] = {**(out.get("usermeta") or {}), _DONE: True}
    return out


def fit(chart):
    """``chart`` (an Altair chart, or a Vega-Lite dict) with its labels sized to their text; None stays None.

    An Altair chart comes back as a copy with the changes written into it (rebuilding it from the dict
    would cost ~0.2 s a chart)."""
    if chart is None:
        return None
    if isinstance(chart, dict):
        return fit_spec(chart)
    usermeta = getattr(chart, "usermeta", None)
    usermeta = usermeta.to_dict() if hasattr(usermeta, "to_dict") else usermeta
    if isinstance(usermeta, dict) and usermeta.get(_DONE):
        return chart
    try:
        spec = chart.to_dict(validate=False)
        out = chart.copy(deep=True)
        _apply(out, spec, fit_spec(spec))
        return out
    except Exception:                  # never break a page over label sizes: the chart as it was built
        return chart


_MISSING = object()


def _child(target, key):
    """``target[key]`` when it is a container to write into (an Altair object, dict or list), else None."""
    try:
        value = target[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return value if hasattr(value, "_kwds") or isinstance(value, (dict, list)) else None


def _apply(target, before: dict, after: dict) -> None:
    """Write into ``target`` (the chart ``before`` was made from) what changed from ``before`` to ``after``.
    A channel whose field or type changed is replaced whole (its shorthand would disagree)."""
    for key, new in after.items():
        old = before.get(key, _MISSING)
        if old == new:
            continue
        current = _child(target, key)
        if isinstance(old, dict) and isinstance(new, dict) and current is not None \
                and (old.get("field"), old.get("type")) == (new.get("field"), new.get("type")):
            _apply(current, old, new)
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and isinstance(current, list):
            for i, (o, n) in enumerate(zip(old, new)):
                item = _child(current, i)
                if o != n and isinstance(o, dict) and isinstance(n, dict) and item is not None:
                    _apply(item, o, n)
                elif o != n:
                    current[i] = n
        else:
            target[key] = new


__all__ = ["fit", "fit_spec", "text_width", "wrap"]
