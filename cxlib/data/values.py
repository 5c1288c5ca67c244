"""Value mapping: the categorical values an analysis depends on, mapped by the user value by value.

Loading maps the values of a few fields to canonical values through the tables in
:mod:`cxlib.core.statuses` (``bezahlt`` -> ``completed``). A *value map* overrides them, field by field:
``{"status": {"bezahlt": "completed", "Versandbereit": "in_transit"}}``. It is given on the Data page
(each distinct value, its count and a dropdown), on the command line (``--map status.bezahlt=completed``,
``--mapping FILE.json``) or in a notebook (``cx.load(path, values=...)``), is applied while loading (before
any analysis), stays in the dataset's report (so its key, the workspace and saved analyses carry it) and
only ever changes the cells whose value it names.

The fields (``VOCABULARIES``): order status, ticket channel and satisfaction, experiment variant, survey
scores written as labels (nps, csat, ces). Closed vocabularies accept only their canonical values plus
``unknown`` (never counted: not a valid order, not a rating, not a score); open ones (channel, variant)
accept any text, so values can be merged or renamed (``A`` -> ``control``).

A mapping file (``--mapping``) holds columns and values::

    {"role": "orders",
     "columns": {"order_id": "Bestellnummer", "customer_id": "Kunde", "status": "Status"},
     "values": {"status": {"bezahlt": "completed", "storniert": "cancelled", "erstattet": "refunded"}}}

``columns`` (canonical field -> the file's header; ``null`` leaves a field unmapped) changes only the
fields it names: the other columns are detected as usual. Every key is optional.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxlib.core.errors import CxDataError
from cxlib.core.messages import msg
from cxlib.core.statuses import ORDER_STATUSES, SATISFACTION_LABELS, label_key
from cxlib.data.roles import role_noun

UNKNOWN = "unknown"          # a value the user says is none of the canonical ones: reported, never counted

ValueMap = dict[str, dict[str, str]]     # field -> {value as in the file: canonical value}


@dataclass(frozen=True)
class Vocabulary:
    """What one categorical field's values may be mapped to."""

    role: str
    field: str
    choices: tuple[str, ...] = ()        # canonical values; () = open: any text (the file's values merged)

    @property
    def closed(self) -> bool:
        return bool(self.choices)


def _scores(low: int, high: int) -> tuple[str, ...]:
    return tuple(str(i) for i in range(low, high + 1)) + (UNKNOWN,)


VOCABULARIES: dict[tuple[str, str], Vocabulary] = {(v.role, v.field): v for v in (
    Vocabulary("orders", "status", ORDER_STATUSES + (UNKNOWN,)),
    Vocabulary("tickets", "satisfaction", tuple(SATISFACTION_LABELS) + (UNKNOWN,)),
    Vocabulary("tickets", "channel"),
    Vocabulary("experiment", "variant"),
    Vocabulary("responses", "nps", _scores(0, 10)),
    Vocabulary("responses", "csat", _scores(1, 5)),
    Vocabulary("responses", "ces", _scores(1, 7)),
)}


def fields_of(role: str) -> tuple[str, ...]:
    """The fields of ``role`` whose values can be mapped."""
    return tuple(f for r, f in VOCABULARIES if r == role)


def _hint() -> str:
    return msg("Write FIELD.VALUE=CANONICAL, e.g. --map status.bezahlt=completed.")


def check(role: str, value_map: Mapping | None, *, file: str = "") -> ValueMap:
    """``value_map`` as plain dicts of text, or CxDataError naming the field or value that cannot be used."""
    out: ValueMap = {}
    for name, pairs in (value_map or {}).items():
        vocab = VOCABULARIES.get((role, str(name)))
        if vocab is None:
            raise CxDataError(msg("the values of '{field}' cannot be mapped in {role} data.", field=name,
                                  role=role_noun(role)),
                              file=file, hint=msg("Fields whose values can be mapped: {fields}.",
                                                  fields=", ".join(fields_of(role)) or "-"))
        if not isinstance(pairs, Mapping):
            raise CxDataError(msg("the values of '{field}' must be an object of value -> canonical value.",
                                  field=name), file=file, hint=_hint())
        for value, canonical in pairs.items():
            canonical = "" if canonical is None else str(canonical).strip()
            if vocab.closed and canonical not in vocab.choices:
                raise CxDataError(msg("'{canonical}' is not a value of '{field}' (for '{value}').",
                                      canonical=canonical, field=name, value=value), file=file,
                                  hint=msg("Use one of: {choices}.", choices=", ".join(vocab.choices)))
            if not canonical:
                raise CxDataError(msg("no value given for '{value}' of '{field}'.", value=value, field=name),
                                  file=file, hint=_hint())
            out.setdefault(str(name), {})[str(value)] = canonical
        try:
            _by_label(out.get(str(name), {}))
        except CxDataError as err:
            raise CxDataError(err.msg, file=file, hint=msg("Map the value once.")) from None
    return out


def apply(raw: pd.Series, pairs: Mapping[str, str]) -> pd.Series:
    """``raw`` with every cell whose value is named in ``pairs`` replaced by its canonical value.

    Values are compared as labels (case, spaces, ``_``/``-`` ignored: see :func:`cxlib.core.statuses.label_key`);
    every other cell, empty ones included, comes back unchanged. Works on distinct values."""
    if not pairs or raw.empty:
        return raw
    keys = _by_label(pairs)
    text = raw.astype("string")
    hits = {u: keys[label_key(u)] for u in text.dropna().unique() if label_key(u) in keys}
    if not hits:
        return raw
    mapped = text.map(hits)
    return text.where(mapped.isna(), mapped.astype("string"))


def _by_label(pairs: Mapping[str, str], field: str = "") -> dict[str, str]:
    """``pairs`` keyed by label (:func:`label_key`); two values that read as one label must map alike."""
    keys: dict[str, str] = {}
    first: dict[str, str] = {}
    for value, canonical in pairs.items():
        key = label_key(value)
        if key in keys and keys[key] != canonical:
            raise CxDataError(msg("'{value}' and '{other}' are the same value (case and spaces are ignored) but are "
                                  "mapped to {canonical} and {other_canonical}.", value=first[key], other=value,
                                  canonical=keys[key], other_canonical=canonical),
                              hint=msg("Map the value once."))
        keys[key], first[key] = canonical, first.get(key, value)
    return keys


def unused(raw: pd.Series, pairs: Mapping[str, str]) -> list[str]:
    """The values of ``pairs`` that no cell of ``raw`` has (a typo on the command line, another file)."""
    present = {label_key(u) for u in raw.astype("string").dropna().unique()}
    return [k for k in pairs if label_key(k) not in present]


def parse_map_args(items: Iterable[str]) -> ValueMap:
    """``["status.bezahlt=completed", ...]`` (the CLI's ``--map``) as a value map (not yet checked)."""
    out: ValueMap = {}
    for item in items or ():
        name, dot, rest = str(item).partition(".")
        value, eq, canonical = rest.rpartition("=")
        if not (dot and eq and name.strip() and value.strip()):
            raise CxDataError(msg("cannot read --map {item!r}.", item=item), hint=_hint())
        out.setdefault(name.strip(), {})[value.strip()] = canonical.strip()
    return out


@dataclass(frozen=True)
class MappingFile:
    """A ``--mapping`` file: role, columns (canonical -> header, None = unmapped) and values."""

    role: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    values: ValueMap = field(default_factory=dict)


def read_mapping_file(path: str | Path) -> MappingFile:
    """Read and check the shape of a mapping file (see the module docstring)."""
    path = Path(path)
    hint = msg('Write {"columns": {"order_id": "Bestellnummer"}, "values": {"status": {"bezahlt": "completed"}}}.')
    try:
        body = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise CxDataError(msg("cannot read the mapping file ({reason}).", reason=err.strerror or str(err)),
                          file=str(path), hint=msg("Check the path of --mapping.")) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CxDataError(msg("the mapping file is not valid JSON ({error}).", error=str(err)), file=path.name,
                          hint=hint) from None
    if not isinstance(body, dict):
        raise CxDataError(msg("the mapping file must hold one JSON object."), file=path.name, hint=hint)
    extra = sorted(set(body) - {"role", "columns", "values"})
    if extra:
        raise CxDataError(msg("unknown keys in the mapping file: {keys}.", keys=", ".join(extra)), file=path.name,
                          hint=hint)
    role, columns, values = body.get("role"), body.get("columns") or {}, body.get("values") or {}
    ok = (role is None or isinstance(role, str)) and isinstance(columns, dict) and isinstance(values, dict) \
        and all(v is None or isinstance(v, str) for v in columns.values()) \
        and all(isinstance(v, dict) for v in values.values())
    if not ok:
        raise CxDataError(msg("the mapping file has the wrong shape."), file=path.name, hint=hint)
    return MappingFile(role, {str(k): v for k, v in columns.items()},
                       {str(k): {str(a): str(b) for a, b in v.items()} for k, v in values.items()})


def merged(*maps: Mapping | None) -> ValueMap:
    """Value maps combined, later ones winning value by value."""
    out: ValueMap = {}
    for m in maps:
        for name, pairs in (m or {}).items():
            out.setdefault(name, {}).update(pairs)
    return out


__all__ = ["UNKNOWN", "VOCABULARIES", "MappingFile", "ValueMap", "Vocabulary", "apply", "check", "fields_of",
           "merged", "parse_map_args", "read_mapping_file", "unused"]
