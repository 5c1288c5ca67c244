"""One way to name a column everywhere (``--by``, funnel step filters, breakdowns): the canonical name,
the file's own header, or either of them case-insensitively.

>>> import cxlib as cx
>>> ds = cx.load("sample_data/orders_shopify.csv")
>>> resolve_column(ds, "Billing Country"), resolve_column(ds, "Country"), resolve_column(ds, "country")
('country', 'country', 'country')
"""
from __future__ import annotations

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.data.dataset import Dataset


def resolve_column(ds: Dataset, name: str) -> str:
    """A column of the canonical table from a canonical name, the file's own header, or either case-insensitively."""
    columns = ds.columns                 # never reads an engine-loaded table
    if name in columns:
        return name
    source_to_canon = {src: canon for canon, src in ds.mapping.items()}
    if name in source_to_canon and source_to_canon[name] in columns:
        return source_to_canon[name]
    folded = {str(c).casefold(): c for c in columns}
    folded.update({str(s).casefold(): c for s, c in source_to_canon.items() if c in columns})
    if name.casefold() in folded:
        return folded[name.casefold()]
    raise CxDataError(msg("there is no column {column!r}.", column=name), file=ds.name,
                      hint=msg("Columns: {columns}.", columns=", ".join(map(str, columns[:30]))))


__all__ = ["resolve_column"]
