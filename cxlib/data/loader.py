"""One call from bytes (or a path) to a Dataset: read -> detect -> build."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pandas as pd

from cxlib.core.errors import CxDataError, CxNeedsMapping
from cxlib.core.messages import msg
from cxlib.data import canonical, detection, schema
from cxlib.data import io as cxio
from cxlib.data.dataset import Dataset, Report
from cxlib.data.roles import ROLES_BY_NAME, role_noun
from cxlib.data.table import Limits


def _column_list(columns) -> str:
    """The file's first headers, "a, b, c" (data: never translated)."""
    return ", ".join(map(str, list(columns)[:12]))


def load_bytes(data: bytes, name: str, *, role: str | None = None, mapping: dict[str, str] | None = None,
               limits: Limits | None = None, expect_role: str | None = None,
               columns: dict[str, str | None] | None = None, values: dict[str, dict[str, str]] | None = None
               ) -> Dataset:
    """Understand an uploaded file.

    Parameters
    ----------
    data, name : the file's bytes and its name (used in every message).
    role : force a role instead of detecting it.
    mapping : canonical field -> source column, overriding detection (e.g. edited on the Data page).
    expect_role : raise a clear error when the file is detected as another role.
    columns : canonical field -> source column (None: leave the field unmapped) for the fields named only,
        on top of the detected (or given) mapping: a mapping file's ``columns``.
    values : a value map, field -> {value in the file: canonical value} (see :mod:`cxlib.data.values`), e.g.
        ``{"status": {"bezahlt": "completed"}}``.

    Examples
    --------
    >>> import cxlib as cx
    >>> ds = cx.load_bytes(b"user_id,event,timestamp\\nu1,view,2024-01-01 10:00\\n", "events.csv")
    >>> ds.role, ds.report.rows
    ('events', 1)
    """
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > canonical.min_bytes():
        ds = _on_engine(bytes(data), name, limits=limits or Limits.from_env(), digest=digest, role=role,
                        mapping=mapping, expect_role=expect_role, columns=columns, values=values)
        if ds is not None:
            return ds
    return _careful(data, name, digest, role=role, mapping=mapping, limits=limits, expect_role=expect_role,
                    columns=columns, values=values)


def _careful(data: bytes, name: str, digest: str, *, role=None, mapping=None, limits=None, expect_role=None,
             columns=None, values=None) -> Dataset:
    """The careful readers on the whole file (:func:`load_bytes` once the engine has declined it)."""
    table = cxio.read_table(data, name, limits)
    use_role, use_mapping, det = plan(table, name, role=role, mapping=mapping, expect_role=expect_role,
                                      columns=columns)
    headers = [str(c) for c in table.df.columns]
    ds = schema.build(table, use_role, use_mapping, content_hash=digest, detection=det, values=values)
    return replace(ds, report=replace(ds.report, source_columns=tuple(headers)))


def plan(table, name: str, *, role: str | None = None, mapping: dict[str, str] | None = None,
         expect_role: str | None = None, columns: dict[str, str | None] | None = None):
    """(role, mapping, detection) for a table: detected unless given, checked (clear errors when the role
    is not the expected one or a required field has no column)."""
    det = detection.detect(table, role=role) if role else detection.detect(table)
    use_role = role or det.role
    headers = [str(c) for c in table.df.columns]
    if use_role is None:
        raise CxNeedsMapping(msg("could not tell what kind of data this is (orders, events, survey responses, "
                                 "tickets, experiment or customers)."), file=name,
                             hint=msg("Columns found: {columns}. Rename the key columns (e.g. customer_id, "
                                      "order_date, amount) or pick the role on the Data page.",
                                      columns=_column_list(table.df.columns)),
                             columns=headers, role=det.suggested, mapping=dict(det.suggested_mapping), missing=[])
    if expect_role and use_role != expect_role:
        # TRANSLATORS: {found} and {expected} are kinds of data: "orders", "survey responses", ...
        raise CxDataError(msg("this looks like {found} data, not {expected}.", found=role_noun(use_role),
                              expected=role_noun(expect_role)), file=name,
                          hint=msg("Pass --role {role} to force it, or use the matching command.", role=expect_role))
    use_mapping = dict(det.mapping if (mapping is None and det.role == use_role) else (mapping or {}))
    if mapping is None and det.role != use_role:
        use_mapping = detection.detect(table, role=use_role).mapping
    use_mapping = with_columns(use_mapping, columns)
    spec = ROLES_BY_NAME[use_role]
    recognized = det.recognized_as if det.role == use_role else None
    missing = detection.missing_required(use_role, use_mapping, recognized)
    if missing:
        # TRANSLATORS: {fields} are column names (order_date, amount); {role} is a kind of data ("orders").
        raise CxNeedsMapping(msg("no column found for {fields} ({role} data).", fields=", ".join(missing),
                                 role=role_noun(spec.name)), file=name,
                             hint=msg("Columns found: {columns}. Pick the columns on the Data page or rename them "
                                      "in the file.", columns=_column_list(headers)),
                             columns=headers, role=use_role, mapping=use_mapping, missing=missing)
    return use_role, use_mapping, det


def with_columns(mapping: dict[str, str], columns: dict[str, str | None] | None) -> dict[str, str]:
    """``mapping`` with the fields of ``columns`` set (a column taken from another field moves) or, for
    None, removed."""
    out = dict(mapping)
    for canon, src in (columns or {}).items():
        out = {k: v for k, v in out.items() if k != canon and (src is None or v != src)}
        if src is not None:
            out[canon] = src
    return out


def load_path(path: str | Path, **kwargs) -> Dataset:
    """Understand a file on disk (``cx.load``); the same options as :func:`load_bytes`.

    Limits come from the environment (``CX_MAX_UPLOAD_MB``, ``CX_MAX_ROWS``) unless ``limits=`` is given.

    Examples
    --------
    >>> import cxlib as cx
    >>> orders = cx.load("sample_data/orders_shopify.csv")
    >>> orders.role, orders.report.recognized_as, orders.report.rows
    ('orders', 'Shopify orders export', 2460)
    """
    path = Path(path)
    if not path.exists():
        raise CxDataError(msg("file not found."), file=str(path), hint=msg("Check the path and try again."))
    if path.is_dir():
        raise CxDataError(msg("this is a folder, not a file."), file=str(path))
    limits = kwargs.pop("limits", None) or Limits.from_env()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise CxDataError(msg("the file is {size_mb:.0f} MB, over the {limit_mb:.0f} MB limit.", size_mb=size / 2**20,
                              limit_mb=limits.max_bytes / 2**20),
                          file=path.name, hint=msg("Split the file or filter it to the period you need."))
    if size > canonical.min_bytes():
        ds = load_on_engine(path, limits=limits, **kwargs)
        if ds is not None:
            return ds
    data = path.read_bytes()        # the engine declined (or the file is small): not asked again
    return _careful(data, path.name, hashlib.sha256(data).hexdigest(), limits=limits, **kwargs)


def load_on_engine(path: Path, *, limits: Limits, role: str | None = None, mapping: dict[str, str] | None = None,
                   expect_role: str | None = None, columns: dict[str, str | None] | None = None,
                   values: dict[str, dict[str, str]] | None = None, sample_bytes: int | None = None
                   ) -> Dataset | None:
    """A large file read by the engine into canonical Parquet (:mod:`cxlib.data.canonical`), or None when
    it must be read the careful way (messy formats, value maps, roles whose rows are not their units). Role and
    mapping come from the file's first rows, as :func:`load_bytes` finds them; a file whose first rows do not
    say what it is goes the careful way, which then gives the clear error."""
    return _on_engine(Path(path), Path(path).name, limits=limits, role=role, mapping=mapping,
                      expect_role=expect_role, columns=columns, values=values, sample_bytes=sample_bytes)


def _on_engine(source: Path | bytes, name: str, *, limits: Limits, digest: str | None = None, role=None,
               mapping=None, expect_role=None, columns=None, values=None, sample_bytes: int | None = None
               ) -> Dataset | None:
    if values:
        return None
    sample = canonical.sample_table(source, limits, sample_bytes or canonical.SAMPLE_BYTES, name=name)
    if sample is None:
        return None
    try:
        use_role, use_mapping, det = plan(sample, name, role=role, mapping=mapping, expect_role=expect_role,
                                          columns=columns)
    except CxDataError:
        return None
    ds = canonical.build(source, sample, use_role, use_mapping, det, limits, digest=digest)
    if ds is None:
        return None
    return replace(ds, report=replace(ds.report, source_columns=tuple(str(c) for c in sample.df.columns)))


def from_frame(df: pd.DataFrame, role: str, name: str = "frame") -> Dataset:
    """Wrap an already-canonical frame (tests, notebooks): columns use canonical names; dtypes are
    coerced the way a loaded file's are (``schema.coerce``)."""
    spec = ROLES_BY_NAME[role]
    missing = [f for f in spec.required if f not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing required column(s) {missing} for role {role!r}")
    out = {}
    for f in spec.fields:
        if f.name in df.columns:
            out[f.name] = schema.coerce(df[f.name], f.kind)[0]
    extra = [c for c in df.columns if c not in out]
    frame = pd.concat([pd.DataFrame(out, index=df.index), df[extra]], axis=1).reset_index(drop=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes()).hexdigest()
    mapping = {c: c for c in out}
    return Dataset(name=name, role=role, df=frame, mapping=mapping,
                   report=Report(rows_in=len(frame), rows=len(frame)), content_hash=digest)
