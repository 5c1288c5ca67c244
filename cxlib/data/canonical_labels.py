"""Fields whose cells are read through a table of labels (order statuses, survey scores written as words): on the
engine, the file's *distinct* cleaned values go through the careful converter in one call (so a column-level
choice, such as which CSAT scale the labels belong to, is made as the careful reader makes it), and the SQL maps
each value to what the converter said. One value the converter cannot read sends the file the careful way."""
from __future__ import annotations

from collections.abc import Callable

from cxlib.data.canonical_file import HIDDEN
from cxlib.data.engine import sql_name as q
from cxlib.data.engine import sql_text

MAX_DISTINCT = 1_000                  # distinct values the SQL maps one by one


def lit(value) -> str:
    """A SQL literal of a converted value: a float as a DOUBLE, anything else as text."""
    return repr(value) + "::DOUBLE" if isinstance(value, float) else sql_text(value)


def mapped(con, relation: str, field: str, convert: Callable, sql_type: str = "VARCHAR") -> str | None:
    """SQL of ``field``'s canonical value from its hidden cleaned-text column in ``relation``, through
    ``convert(pandas Series of the distinct values) -> (values, bad)``; None when a value is not understood (or
    there are more than :data:`MAX_DISTINCT`)."""
    import pandas as pd
    raw = q(HIDDEN + field)
    distinct = [r[0] for r in con.sql(f"SELECT DISTINCT {raw} FROM {relation} WHERE {raw} IS NOT NULL").fetchall()]
    if len(distinct) > MAX_DISTINCT:
        return None
    if not distinct:
        return f"CAST(NULL AS {sql_type})"
    values, bad = convert(pd.Series(distinct, dtype="string"))
    if bool(bad.any()):
        return None
    whens = " ".join(f"WHEN {raw} = {lit(v)} THEN {lit(c)}" for v, c in zip(distinct, values) if not pd.isna(c))
    return f"CAST(CASE {whens} END AS {sql_type})" if whens else f"CAST(NULL AS {sql_type})"


def flags() -> tuple[Callable, str]:
    """The careful converter of a yes/no field (NA tokens blanked, then :func:`cxlib.data.cells.parse_flags`) and
    its SQL type, for :func:`finish`."""
    from cxlib.data.cells import parse_flags
    from cxlib.data.convert import blank_na_tokens
    return (lambda v: parse_flags(blank_na_tokens(v))), "DOUBLE"


def inventory(parquet: str, role: str, fields: list[str]) -> dict:
    """The value inventory of ``fields`` by the careful code (:func:`cxlib.data.schema._value_inventory`), from
    their cleaned text in file order."""
    import pyarrow.parquet as pq

    from cxlib.data import schema
    from cxlib.data.canonical_file import arrow_frame
    from cxlib.data.roles import ROLES_BY_NAME
    if not fields:
        return {}
    table = arrow_frame(pq.read_table(parquet, columns=[HIDDEN + f for f in fields]))
    frame = table.rename(columns={HIDDEN + f: schema._RAW + f for f in fields})
    _, found = schema._value_inventory(frame, ROLES_BY_NAME[role], {})
    return found


def finish(con, relation: str, names: list[str], deferred: dict[str, str], fields: dict[str, tuple[Callable, str]],
           id_field: str | None) -> tuple[str, dict] | None:
    """The second pass of a role whose rows are its units: the SELECT of ``names`` from ``relation`` with each
    labelled field of ``fields`` (field -> (careful converter, SQL type)) :func:`mapped`, and the count of rows
    repeating ``id_field`` (``{"repeated": n}``); None when a value is not understood."""
    exprs = {}
    for field, (convert, sql_type) in fields.items():
        if field in deferred:
            sql = mapped(con, relation, field, convert, sql_type)
            if sql is None:
                return None
            exprs[field] = sql
    counts: dict = {}
    if id_field is not None:
        c = q(id_field)
        counts["repeated"] = int(con.sql(f"SELECT count({c}) - count(DISTINCT {c}) FROM {relation}").fetchall()[0][0])
    cols = [f"{exprs[n]} AS {q(n)}" if n in exprs else q(n) for n in names]
    return f"SELECT {', '.join(cols)} FROM {relation}", counts


def duplicates(counts: dict, rows_duplicates: int, id_field: str) -> tuple[int, list]:
    """The report's duplicates and its sentence (:func:`cxlib.data.schema._duplicates`): rows repeating
    ``id_field`` when :func:`finish` counted them, else copies of a row."""
    from cxlib.data import schema
    if "repeated" in counts:
        return counts["repeated"], schema.repeated_id_warnings(counts["repeated"], id_field)
    return rows_duplicates, schema.duplicate_row_warnings(rows_duplicates)


def note_templates() -> set[str]:
    """Templates of the count sentences :func:`duplicates` writes."""
    from cxlib.data import schema
    return {m.template for m in schema.repeated_id_warnings(1, "id") + schema.duplicate_row_warnings(1)}


__all__ = ["MAX_DISTINCT", "duplicates", "finish", "flags", "inventory", "lit", "mapped", "note_templates", "q"]
