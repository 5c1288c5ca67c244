"""The Data page's per-dataset panel: what was understood, the mapping editor, report, preview."""
from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_
from cxlib.core.statuses import display_label, label_key
from cxlib.data.dataset import Dataset
from cxlib.data.roles import ROLES, ROLES_BY_NAME
from cxlib.data.values import UNKNOWN, VOCABULARIES
from ui import fmt, state
from ui.downloads import download_table
from ui.i18n import t, tr
from ui.pickers import dataset_currency, option_labels
from ui.tables import show_table
from ui.text import error_text, show_error, show_warnings
from ui.text import esc as ui_esc

NONE = "—"

# What the report's ``rows`` counts, per role (the same units the sidebar and the analyses count).
_UNITS = {"events": lambda: t("Events"), "orders": lambda: t("Orders"), "responses": lambda: t("Responses"),
          "tickets": lambda: t("Tickets"), "experiment": lambda: t("Units"), "customers": lambda: t("Customers"),
          "messages": lambda: t("Messages")}


def raw_store() -> dict[str, tuple[str, bytes]]:
    """content_hash -> (file name, bytes): kept so a mapping change can re-read the file."""
    return st.session_state.setdefault("raw_files", {})


def issues_frame(ds: Dataset) -> pd.DataFrame:
    """One row per column with cells that could not be read (headers are message ids: show_table translates)."""
    rows = [{N_("Column"): i.source, N_("Field"): i.column, N_("Problem"): tr(i.problem), N_("Cells"): i.count,
             N_("Examples (row: value)"): "; ".join(f"{r}: {v}" for r, v in i.examples[:5])}
            for i in ds.report.issues]
    return pd.DataFrame(rows)


def _facts(ds: Dataset) -> str:
    """What was read, one whole sentence per line."""
    r = ds.report
    lines = [t("Format: {fmt}, encoding {enc}, delimiter {delim}, header rows {h}.", fmt=r.file_format,
               enc=r.encoding, delim=repr(r.delimiter) if r.delimiter else NONE, h=r.header_rows)]
    if r.date_range:
        lines.append(t("Dates from {start} to {end}.", start=fmt.day(r.date_range[0]), end=fmt.day(r.date_range[1])))
    if r.recognized_as:
        lines.append(t("Recognized as: {what}.", what=tr(r.recognized_as)))
    currency = dataset_currency(ds) if ds.role == "orders" else None
    if currency:
        lines.append(t("Amounts are in {currency}.", currency=currency))
    return "\n".join(lines)


def render_dataset(ds_id: str, ds: Dataset) -> None:
    r = ds.report
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("Rows in file"), fmt.num(r.rows_in))
    c2.metric(_UNITS[ds.role](), fmt.num(r.rows))
    c3.metric(t("Duplicates"), fmt.num(r.duplicates))
    days = ((pd.Timestamp(r.date_range[1]) - pd.Timestamp(r.date_range[0])).days + 1) if r.date_range else None
    c4.metric(t("Days covered"), fmt.num(days) if days else NONE,
              help=t("From {start} to {end}", start=fmt.day(r.date_range[0]), end=fmt.day(r.date_range[1]))
              if r.date_range else None)
    st.text(_facts(ds))
    if r.confidence < 0.6:
        st.warning(t("The kind of data and the columns were hard to tell apart. Check the mapping below."),
                   icon=":material/help:")
    show_warnings(ds.warnings)
    if r.issues:
        st.caption(t("Cells that could not be understood (left empty)"))
        show_table(issues_frame(ds), width="stretch")
    missing = {k: v for k, v in (r.missing or {}).items() if v}
    if missing:
        st.caption(t("Empty cells per field"))
        total = max(r.rows, 1)
        show_table(pd.DataFrame({N_("Field"): list(missing), N_("Empty cells"): list(missing.values()),
                                 N_("Share"): [v / total for v in missing.values()]}),
                   formats={"Share": lambda v: fmt.pct(v, 1)})
    if r.formulas:
        st.info(t("{n:,} text cells look like spreadsheet formulas; downloads neutralize them.", n=r.formulas))
    _mapping_editor(ds_id, ds)
    _value_editor(ds_id, ds)
    st.caption(t("Preview (first 50 rows of the cleaned table)"))
    show_table(ds.head(50), width="stretch")
    b1, b2 = st.columns(2)
    with b1:
        download_table(ds.frames, f"{_stem(ds.name)}_clean.csv", key=f"dl_{ds_id}",
                       label=t("Download cleaned table (CSV)"))
    with b2:
        if st.button(t("Remove this dataset"), key=f"rm_{ds_id}", icon=":material/delete:"):
            state.remove(ds_id)
            st.rerun()


@contextlib.contextmanager
def reading(name: str):
    """A spinner while a file is read and, when the engine converts a large file, a progress bar too (it
    appears with the first report of progress; the careful readers report none)."""
    from cxlib.data.canonical import reporting
    slot = st.empty()

    def show(fraction: float) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        slot.progress(fraction, text=ui_esc(t("Converting {name}: {percent:.0f}%", name=name, percent=fraction * 100)))
    with st.spinner(ui_esc(t("Reading {name}…", name=name))), reporting(show):
        yield
    slot.empty()


def _reader(ds: Dataset):
    """How ``ds`` is read again with another mapping (``reader(role=, mapping=, values=) -> Dataset``): its
    uploaded bytes, or the table it was read from on a connection kept open; None for sample data."""
    raw = raw_store().get(ds.content_hash)
    if raw is not None:
        name, data = raw
        return lambda **how: state.load_upload(name, data, **how)
    table = state.table_sources().get(ds.content_hash)
    if table is None:
        return None
    src, name = table

    def read(**how) -> Dataset:
        from cxlib.data.connected import load_source_table
        new = load_source_table(src, name, **how)
        state.table_sources()[new.content_hash] = (src, name)
        return new
    return read


def _mapping_editor(ds_id: str, ds: Dataset) -> None:
    raw = _reader(ds)
    with st.expander(t("Kind of data and column mapping"), expanded=ds.report.confidence < 0.6):
        if raw is None:
            st.caption(t("The mapping of sample data is fixed. Upload the file to change it."))
            st.table(pd.DataFrame({t("Field"): list(ds.mapping), t("Column in file"): list(ds.mapping.values())}))
            return
        picked = mapping_form(ds_id, _source_columns(ds), ds.role, ds.mapping)
        if picked:                       # the value mapping of fields still mapped is kept
            kept = {f: m for f, m in ds.value_map.items() if picked[0] == ds.role and f in picked[1]}
            _reload(ds_id, raw, role=picked[0], mapping=picked[1], values=kept)


def _reload(ds_id: str, reader, **how) -> None:
    """Read the uploaded file (or the table) again with another column or value mapping, in place of the dataset."""
    try:
        new = reader(role=how["role"], mapping=how["mapping"], values=how["values"] or None)
    except CxDataError as err:
        show_error(err)
        return
    _replace(ds_id, new)
    st.session_state["last_added"] = new.key
    st.rerun()


def _value_label(value: str) -> str:
    """A canonical value as people read it: "Completed", "Unknown: not counted", a score as it is."""
    return t("Unknown: not counted") if value == UNKNOWN else tr(display_label(value))


def _value_editor(ds_id: str, ds: Dataset) -> None:
    """Each value of the categorical fields the analyses depend on, its count and a dropdown to the
    canonical value (prefilled with what the status tables read it as); Apply reloads with the mapping."""
    inventory = ds.report.values or {}
    if not inventory:
        return
    raw = _reader(ds)
    unknown = any(entry[2] == UNKNOWN for entries in inventory.values() for entry in entries)
    with st.expander(t("Values and what they count as"), expanded=unknown):
        st.caption(t("Each value of the fields the analyses depend on, how often it occurs ({unit}) and what it "
                     "is read as. A value read as unknown is never counted: pick what it means.",
                     unit=_UNITS[ds.role]().lower() if ds.role != "experiment" else t("rows")))
        for name, entries in inventory.items():
            st.caption(ui_esc(t("Field {field}, column '{column}'", field=tr(name), column=ds.mapping.get(name, name))))
            vocab = VOCABULARIES[(ds.role, name)]
            options = list(vocab.choices) or list(dict.fromkeys([e[2] for e in entries] + [e[0] for e in entries]))
            labels = option_labels(options, _value_label if vocab.closed else str)
            for i, (value, count, canonical, _) in enumerate(entries):
                left, right = st.columns([3, 2])
                left.text(t("{value} · {count:,}", value=value, count=count))
                right.selectbox(ui_esc(value), options, index=options.index(canonical) if canonical in options else 0,
                                format_func=labels, key=f"vmap_{ds_id}_{name}_{i}", label_visibility="collapsed",
                                disabled=raw is None)
            if len(entries) >= 50:
                st.caption(t("Only the 50 most frequent values are listed; map others on the command line "
                             "(--map {field}.VALUE=CANONICAL).", field=name))
        if raw is None:
            st.caption(t("The mapping of sample data is fixed. Upload the file to change it."))
        elif st.button(t("Apply value mapping"), key=f"vmap_apply_{ds_id}", type="primary"):
            _reload(ds_id, raw, role=ds.role, mapping=ds.mapping, values=_picked_values(ds_id, ds))


def _picked_values(ds_id: str, ds: Dataset) -> dict[str, dict[str, str]]:
    """The value map the dropdowns say: every value whose pick differs from what the tables read it as,
    plus earlier picks for values not listed."""
    out: dict[str, dict[str, str]] = {}
    for name, entries in (ds.report.values or {}).items():
        listed = {label_key(e[0]) for e in entries}
        out[name] = {v: c for v, c in ds.value_map.get(name, {}).items() if label_key(v) not in listed}
        for i, (value, _, _, default) in enumerate(entries):
            choice = st.session_state.get(f"vmap_{ds_id}_{name}_{i}")
            if choice is not None and choice != default:
                out[name][value] = choice
    return {k: v for k, v in out.items() if v}


def mapping_form(prefix: str, columns: list[str], role: str | None,
                 current: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """Role + one selectbox per canonical field. Returns (role, mapping) when Apply is clicked."""
    roles = [x.name for x in ROLES]
    new_role = st.selectbox(t("Kind of data"), roles, index=roles.index(role) if role in roles else 0,
                            format_func=option_labels(roles, lambda x: tr(ROLES_BY_NAME[x].label)),
                            key=f"role_{prefix}")
    mapping = {}
    for f in ROLES_BY_NAME[new_role].fields:
        now = current.get(f.name) if new_role == role else None
        opts = [NONE] + columns
        name = tr(f.name)                          # the canonical field, as people of the language call it
        pick = st.selectbox(name + (" *" if f.required else ""), opts, index=opts.index(now) if now in opts else 0,
                            key=f"map_{prefix}_{new_role}_{f.name}", help=tr(f.help) if f.help else None)
        if pick != NONE:
            mapping[f.name] = pick
    st.caption(t("* required"))
    if st.button(t("Apply"), key=f"apply_{prefix}", type="primary"):
        return new_role, mapping
    return None


def render_pending(name: str, data: bytes, err) -> None:
    """A file that was read but not understood: ask for its kind and columns."""
    st.warning(ui_esc(error_text(err)), icon=":material/help:")
    picked = mapping_form(f"pending_{_slug(name)}", list(err.columns), err.role, dict(err.mapping))
    if picked:
        try:
            ds = state.load_upload(name, data, role=picked[0], mapping=picked[1])
        except CxDataError as again:
            show_error(again)
            return
        raw_store()[ds.content_hash] = (name, data)
        st.session_state["last_added"] = state.add(ds)
        st.session_state.get("pending_files", {}).pop(name, None)
        st.rerun()


def _stem(name: str) -> str:
    """A download's file name from the dataset's: ``orders.csv`` -> ``orders``, ``orders @ postgres://...`` ->
    ``orders``."""
    if " @ " in name:
        return _slug(name.split(" @ ", 1)[0])
    return name.rsplit(".", 1)[0]


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _source_columns(ds: Dataset) -> list[str]:
    if ds.report.source_columns:                  # the file's own headers
        return list(ds.report.source_columns)
    mapped = list(ds.mapping.values())
    extra = [c for c in ds.columns if c not in ds.mapping]
    return list(dict.fromkeys(mapped + extra))


def _replace(old_id: str, new: Dataset) -> None:
    store = state.datasets()
    items = [(k, v) for k, v in store.items()]
    store.clear()
    for k, v in items:
        if k == old_id:
            store[new.key] = new
        elif k != new.key:
            store[k] = v
