"""Customer identity: one customer key per person across exports (DESIGN.md "Customer identity").

Every row of every loaded file (orders, customers, survey responses, tickets) offers identifiers:
a customer id, an e-mail, a phone. They are normalized on the engine (portable Ibis, no UDFs):

- e-mail: zero-width characters removed, whitespace and NBSP trimmed, lower case; optional rules
  (``gmail_rules``): ``googlemail.com`` -> ``gmail.com``, and on gmail only dots and ``+tags`` of
  the local part removed. Other local parts are never changed. Values that are not an address
  (``a@b`` without a dot in the domain, spaces inside) do not join.
- phone: to E.164. ``+`` and ``00`` mark an international number; otherwise the default region's
  trunk prefix (``0`` in DE, ``8`` in RU, ``1`` in US) is dropped and its country code put in front.
  Numbers whose length does not fit do not join. Without a default region only international
  numbers join.
- placeholders never join: ``-``, ``null``, ``none``, ``n/a``, ``0``, empty, and addresses such as
  ``test@...``, ``noreply@...``, ``no-reply@...``.
- a customer id that contains ``@`` is an e-mail (exports that use the address as the id).

Rows sharing a normalized identifier are linked; persons are the connected components of the
row-identifier graph, computed on the engine by min-label propagation (each round one join and one
group-by, until no label changes). The ladder names each row's link: ``customer_id`` when its
customer id is shared with another row, else ``email``, else ``phone``; ``none`` for a row linked
to nobody. The customer key of a person is its smallest customer id, else its smallest e-mail, else
its smallest phone. A person with more than ``max_identifiers`` distinct identifiers (a shared
family address, a placeholder not caught) is not merged: its rows keep their own identifier as key
and are reported as ambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlib.data import engine
from cxlib.core.result import Result
from cxlib.core.errors import CxDataError
from cxlib.core.spec import Spec
from cxlib.core.messages import Msg, N_, msg

# -- vocabularies ----------------------------------------------------------------------------------
RULES: tuple[str, ...] = ("customer_id", "email", "phone")     # the ladder, strongest first
NONE_RULE = "none"
AMBIGUOUS = "ambiguous"
PLACEHOLDER_VALUES: frozenset[str] = frozenset({
    "", "-", "--", "---", ".", "?", "0", "00", "null", "none", "nil", "nan", "n/a", "na", "n.a.", "#n/a",
    "unknown", "undefined", "x", "xx", "xxx", "test", "guest", "anonymous", "no email", "noemail"})
PLACEHOLDER_LOCALS: frozenset[str] = frozenset({
    "test", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply", "null", "none",
    "nobody", "unknown", "anonymous", "na", "n/a", "x", "xxx", "invalid", "dummy", "fake", "mail", "email"})
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
SPACES = "\u00a0\u202f\u2007\u3000"
_TRIM = f"^[\\s{SPACES}]+|[\\s{SPACES}]+$"
_EMAIL_OK = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"

# Default regions: country calling code, national trunk prefix, national number length range.
# (Checked against the phonenumbers metadata in tests/test_identity.py.)
REGIONS: dict[str, tuple[str, str, tuple[int, int]]] = {
    "AT": ("43", "0", (4, 13)), "BE": ("32", "0", (8, 9)), "CH": ("41", "0", (9, 9)),
    "CN": ("86", "0", (7, 12)), "DE": ("49", "0", (5, 13)), "ES": ("34", "", (9, 9)),
    "FR": ("33", "0", (9, 9)), "GB": ("44", "0", (9, 10)), "IT": ("39", "", (6, 11)),
    "NL": ("31", "0", (9, 9)), "PL": ("48", "", (9, 9)), "RU": ("7", "8", (10, 10)),
    "US": ("1", "1", (10, 10)), "CA": ("1", "1", (10, 10)), "SE": ("46", "0", (7, 13)),
}


@dataclass(frozen=True)
class IdentitySpec(Spec):
    """How rows are linked to persons (see the module docstring)."""

    gmail_rules: bool = False        # googlemail -> gmail, dots and +tags removed on gmail only
    default_region: str | None = None   # e.g. "DE": phones without + or 00 are numbers of this region
    max_identifiers: int = 10        # a person with more distinct identifiers is reported, not merged
    use_phone: bool = True

    def __post_init__(self) -> None:
        if self.default_region is not None and self.default_region not in REGIONS:
            raise CxDataError(msg("unknown default phone region {region}.", region=repr(self.default_region)),
                              hint=msg("Use one of: {regions}.", regions=", ".join(sorted(REGIONS))))
        if isinstance(self.max_identifiers, bool) or not isinstance(self.max_identifiers, int) \
                or self.max_identifiers < 2:
            raise CxDataError(msg("the identifier limit per person must be a whole number of at least 2."))

    def describe(self) -> Msg:
        gmail = (msg("gmail addresses without dots and +tags") if self.gmail_rules
                 else msg("gmail addresses as written"))
        region = self.default_region or msg("none (only international numbers join)")
        return msg("One customer key per person: rows are linked by customer id, else e-mail (trimmed, lower "
                   "case, {gmail}), else phone (E.164, default region {region}); placeholders never join; a "
                   "person with more than {limit} identifiers is reported, not merged.", gmail=gmail,
                   region=region, limit=self.max_identifiers)


# -- normalization: one reference in Python, one engine expression; tests require they agree ------------
def normalize_email(value: object, gmail_rules: bool = False) -> str | None:
    """The normalized e-mail, or None when it must not join (reference implementation)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    import re
    s = str(value)
    for ch in ZERO_WIDTH:
        s = s.replace(ch, "")
    s = re.sub(_TRIM, "", s).lower()
    if s in PLACEHOLDER_VALUES or not re.search(_EMAIL_OK, s):
        return None
    local, domain = s.split("@")
    if gmail_rules:
        if domain == "googlemail.com":
            domain = "gmail.com"
        if domain == "gmail.com":
            local = local.split("+")[0].replace(".", "")
    if local in PLACEHOLDER_LOCALS or not local:
        return None
    return f"{local}@{domain}"


def email_expr(col, gmail_rules: bool = False):
    """Ibis expression of :func:`normalize_email` (portable: regex replace/search, lower, substr)."""
    import ibis
    s = col.cast("string").re_replace(f"[{ZERO_WIDTH}]", "").re_replace(_TRIM, "").lower()
    ok = s.re_search(_EMAIL_OK) & ~s.isin(sorted(PLACEHOLDER_VALUES))
    at = s.find("@")                                   # 0-based position of '@'
    local, domain = s.substr(0, at), s.substr(at + 1)
    if gmail_rules:
        domain = ibis.cases((domain == "googlemail.com", "gmail.com"), else_=domain)
        plus = local.find("+")
        bare = ibis.cases((plus >= 0, local.substr(0, plus)), else_=local).replace(".", "")
        local = ibis.cases((domain == "gmail.com", bare), else_=local)
    good = ok & ~local.isin(sorted(PLACEHOLDER_LOCALS)) & (local.length() > 0)
    return ibis.cases((good, local.concat("@", domain)), else_=ibis.null("string"))


def _placeholder_id(s) -> bool:
    return s.strip().lower() in PLACEHOLDER_VALUES


def normalize_phone(value: object, default_region: str | None = None) -> str | None:
    """E.164 (``+4930123456``) or None (reference implementation of :func:`phone_expr`)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    import re
    s = str(value)
    for ch in ZERO_WIDTH:
        s = s.replace(ch, "")
    s = re.sub(_TRIM, "", s).replace("(0)", "")
    if s.lower() in PLACEHOLDER_VALUES or re.search(r"[A-Za-z]", s):
        return None
    digits = re.sub(r"[^0-9]", "", s)
    if s.startswith("+"):
        full = digits
    elif digits.startswith("00"):
        full = digits[2:]
    elif default_region is None:
        return None
    else:
        cc, trunk, (lo, hi) = REGIONS[default_region]
        stripped = digits[len(trunk):] if trunk and digits.startswith(trunk) else None
        if stripped is not None and lo <= len(stripped) <= hi:
            full = cc + stripped
        elif lo <= len(digits) <= hi:
            full = cc + digits
        else:
            return None
    if not 8 <= len(full) <= 15 or full.startswith("0"):
        return None
    return "+" + full


def phone_expr(col, default_region: str | None = None):
    """Ibis expression of :func:`normalize_phone`."""
    import ibis
    s = col.cast("string").re_replace(f"[{ZERO_WIDTH}]", "").re_replace(_TRIM, "").replace("(0)", "")
    digits = s.re_replace("[^0-9]", "")
    bad = s.lower().isin(sorted(PLACEHOLDER_VALUES)) | s.re_search("[A-Za-z]")
    cases = [(s.startswith("+"), digits), (digits.startswith("00"), digits.substr(2))]
    if default_region is not None:
        cc, trunk, (lo, hi) = REGIONS[default_region]
        n = digits.length()
        if trunk:
            m = n - len(trunk)
            cases.append((digits.startswith(trunk) & (m >= lo) & (m <= hi), ibis.literal(cc).concat(
                digits.substr(len(trunk)))))
        cases.append(((n >= lo) & (n <= hi), ibis.literal(cc).concat(digits)))
    full = ibis.cases(*cases, else_=ibis.null("string"))
    good = ~bad & full.notnull() & (full.length() >= 8) & (full.length() <= 15) & ~full.startswith("0")
    return ibis.cases((good, ibis.literal("+").concat(full)), else_=ibis.null("string"))


def customer_id_expr(col):
    """A customer id as text, trimmed; placeholders (``-``, ``0``, ``null``...) never join."""
    import ibis
    s = col.cast("string").re_replace(f"[{ZERO_WIDTH}]", "").re_replace(_TRIM, "")
    return ibis.cases((s.lower().isin(sorted(PLACEHOLDER_VALUES)), ibis.null("string")), else_=s)


# -- sources and resolution ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One file's rows offered to the resolution: an Ibis table with a ``_row`` column (0-based row
    position), its role and which columns hold the row key and the identifiers."""

    name: str                        # the file name people know
    role: str                        # orders, customers, responses, tickets
    table: object                    # ibis Table with _row
    row_key: str | None = None       # column shown as the row's key (order id, respondent id...); None: row number
    customer_id: str | None = None
    email: str | None = None
    phone: str | None = None


ROW_KEYS = {"orders": "order_id", "customers": "customer_id", "responses": "respondent_id", "tickets": "ticket_id"}


def source_for(ds, table) -> Source:
    """The identifier columns of a Dataset by its role: customer id, e-mail, phone; a tickets file's
    ``requester`` is an e-mail when it holds one, else a customer id."""
    cols = set(ds.columns)
    has = (lambda c: c in cols and ds.has(c))
    key = ROW_KEYS.get(ds.role)
    cid = "customer_id" if has("customer_id") else ("requester" if ds.role == "tickets" and has("requester") else None)
    email = "email" if has("email") else None
    return Source(ds.name, ds.role, table, key if key and has(key) else None, cid, email,
                  "phone" if has("phone") else None)


_RANK = {r: i for i, r in enumerate(RULES)}


def _identifiers(i: int, src: Source, spec: IdentitySpec):
    """Long table: node, file index, kind rank, identifier value, raw text."""
    import ibis
    t = src.table
    node = (t._row.cast("int64") + ibis.literal(i * 2 ** 40, "int64")).name("node")
    parts = []
    if src.customer_id:
        raw = t[src.customer_id].cast("string")
        is_mail = raw.contains("@")
        value = ibis.cases((is_mail, email_expr(raw, spec.gmail_rules)), else_=customer_id_expr(raw))
        kind = ibis.cases((is_mail, _RANK["email"]), else_=_RANK["customer_id"])
        parts.append(t.select(node, kind=kind.cast("int8"), value=value, raw=raw))
    if src.email:
        raw = t[src.email].cast("string")
        parts.append(t.select(node, kind=ibis.literal(_RANK["email"], "int8"),
                              value=email_expr(raw, spec.gmail_rules), raw=raw))
    if src.phone and spec.use_phone:
        raw = t[src.phone].cast("string")
        parts.append(t.select(node, kind=ibis.literal(_RANK["phone"], "int8"),
                              value=phone_expr(raw, spec.default_region), raw=raw))
    if not parts:
        return None
    out = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    return out.filter(out.value.notnull()).mutate(file=ibis.literal(i, "int32"))


def _components(edges, max_rounds: int = 200):
    """(node, label) for every node in ``edges`` (node, ident): min-label propagation until stable."""
    labels = edges.select("node").distinct().mutate(label=edges.node).cache()
    for _ in range(max_rounds):
        per_ident = edges.join(labels, "node").group_by("ident").aggregate(l=lambda t: t.label.min())
        new = edges.join(per_ident, "ident").group_by("node").aggregate(label=lambda t: t.l.min()).cache()
        changed = new.join(labels, "node").filter(lambda t: t.label != t.label_right).count()
        if int(engine.execute(changed)) == 0:
            return new
        labels = new
    raise CxDataError(msg("linking customers did not settle after {rounds} rounds.", rounds=max_rounds),
                      hint=msg("Lower the identifier limit per person or switch off phone matching."))


@dataclass(frozen=True)
class FileMatch:
    """How one file's rows were linked to the customer base."""

    file: str
    role: str
    rows: int
    matched: int                     # rows whose person is in the customer base (orders / customers file)
    unmatched: int
    ambiguous: int                   # rows of over-limit persons (not merged)
    by_rule: dict[str, int]          # matched rows by the rule of their link
    pairs: tuple[tuple[str, str, str], ...] = ()   # (rule, this file's value, the other file's value)

    def to_json(self) -> dict:
        return {"rows": self.rows, "matched": self.matched, "unmatched": self.unmatched,
                "by_rule": dict(self.by_rule)}

    def sentence(self) -> Msg:
        rules = ", ".join(f"{k} {v}" for k, v in self.by_rule.items() if v) or "-"
        return msg("{file} ({role}): {matched} of {rows} rows matched to customers (by rule: {rules}); "
                   "{unmatched} unmatched, {ambiguous} ambiguous.", file=self.file, role=self.role,
                   matched=self.matched, rows=self.rows, rules=rules, unmatched=self.unmatched,
                   ambiguous=self.ambiguous)


@dataclass(frozen=True)
class Resolution(Result):
    """The result of linking rows to persons: the per-row key table (on the engine), the match report
    per file and rule, and the crosswalk."""

    spec: IdentitySpec
    sources: tuple[Source, ...]
    keys: object                     # ibis Table: file, _row, customer_key, rule, identifier, ambiguous
    files: tuple[FileMatch, ...]
    over_limit: int                  # persons not merged because of the identifier limit
    persons: int
    warnings: tuple[Msg, ...] = ()

    def keys_for(self, i: int):
        """(``_row``, ``customer_key``, ``rule``) of source ``i``: join it to that file's table on ``_row``."""
        k = self.keys
        return k.filter(k.file == i).select("_row", "customer_key", "rule", "ambiguous")

    def match(self, role: str) -> FileMatch | None:
        return next((f for f in self.files if f.role == role), None)

    def crosswalk(self, limit: int | None = None) -> pd.DataFrame:
        """file, row_key, identifier, rule, customer_key (one row per input row); export it with
        :func:`cxlib.data.export.to_csv_bytes` (formulas neutralized)."""
        import ibis
        parts = []
        for i, src in enumerate(self.sources):
            t = src.table
            key = t[src.row_key].cast("string") if src.row_key else (t._row + 1).cast("string")
            rows = t.select("_row", row_key=key).join(self.keys_for(i), "_row", how="left")
            ident = self.keys.filter(self.keys.file == i).select("_row", "identifier")
            rows = rows.join(ident, "_row", how="left")
            parts.append(rows.select(file=ibis.literal(src.name), order=ibis.literal(i), _row=rows._row,
                                     row_key=rows.row_key, identifier=rows.identifier,
                                     rule=rows.rule.fill_null(NONE_RULE), customer_key=rows.customer_key))
        out = ibis.union(*parts, distinct=False).order_by(["order", "_row"]).drop("order", "_row")
        return engine.execute(out, limit=limit).reset_index(drop=True)

    def crosswalk_csv(self) -> bytes:
        """The crosswalk as CSV for download (text cells that look like formulas neutralized)."""
        from cxlib.data.export import to_csv_bytes
        return to_csv_bytes(self.crosswalk())

    def to_json(self) -> dict:
        return {"persons": self.persons, "over_limit": self.over_limit, "spec": self.spec.to_json(),
                "files": {f.role: {**f.to_json(), "ambiguous": f.ambiguous, "file": f.file,
                                   "pairs": [list(p) for p in f.pairs]} for f in self.files},
                "warnings": list(self.warnings)}

    def to_frame(self) -> pd.DataFrame:
        rows = [{"file": f.file, "role": f.role, "rows": f.rows, "matched": f.matched, "unmatched": f.unmatched,
                 "ambiguous": f.ambiguous, **{f"by_{r}": f.by_rule.get(r, 0) for r in RULES}} for f in self.files]
        return pd.DataFrame(rows, columns=MATCH_COLUMNS)

    def summary(self) -> Msg:
        from cxlib.core.messages import sentences
        return sentences([f.sentence() for f in self.files])

    def describe(self) -> Msg:
        return self.spec.describe()


MATCH_COLUMNS = (N_("file"), N_("role"), N_("rows"), N_("matched"), N_("unmatched"), N_("ambiguous"),
                 "by_customer_id", "by_email", "by_phone")
BASE_ROLES = ("orders", "customers")


def resolve(sources: list[Source], spec: IdentitySpec | None = None, *, sample_pairs: int = 5) -> Resolution:
    """Link the rows of ``sources`` to persons (see the module docstring) and report the matches.

    A row is *matched* when its person also has a row in the customer base: the orders file for a
    customers file, the orders or customers file for responses and tickets (orders rows are matched
    when they have a key).
    """
    import ibis
    spec = spec or IdentitySpec()
    sources = tuple(sources)
    ids = [e for i, s in enumerate(sources) if (e := _identifiers(i, s, spec)) is not None]
    if not ids:
        raise CxDataError(msg("none of the files has a customer id, e-mail or phone column to link customers by."),
                          hint=msg("Map a customer id or e-mail column on the Data page."))
    long = (ids[0] if len(ids) == 1 else ibis.union(*ids, distinct=False))
    long = long.mutate(ident=long.kind.cast("string").concat(":", long.value)).cache()
    edges = long.select("node", "ident").distinct().cache()
    labels = _components(edges)
    # identifiers per person, degree of each identifier (rows sharing it)
    degree = edges.group_by("ident").aggregate(nodes=edges.node.nunique())
    lk = long.join(labels, "node").join(degree, "ident")
    per_person = lk.group_by("label").aggregate(n_ident=lk.ident.nunique())
    over = per_person.filter(per_person.n_ident > spec.max_identifiers).select("label", over=ibis.literal(True))
    # customer key: the strongest kind present, its smallest value
    best_kind = lk.group_by("label").aggregate(kind=lk.kind.min())
    key = lk.join(best_kind, ["label", "kind"]).group_by("label").aggregate(customer_key=lambda t: t.value.min())
    # each row: its own top identifier (used when its person is over the limit) and the rule of its link
    own_kind = lk.group_by("node").aggregate(kind=lk.kind.min())
    own = lk.join(own_kind, ["node", "kind"]).group_by("node").aggregate(own_value=lambda t: t.value.min())
    shared = lk.filter(lk.nodes >= 2)
    link_kind = shared.group_by("node").aggregate(link=shared.kind.min())
    link_ident = shared.join(link_kind, ["node"]).filter(lambda t: t.kind == t.link) \
        .group_by("node").aggregate(identifier=lambda t: t.value.min())
    rows = (labels.join(key, "label").join(over, "label", how="left").join(own, "node").join(own_kind, "node")
            .join(link_kind, "node", how="left").join(link_ident, "node", how="left"))
    ambiguous = rows.over.fill_null(False)
    rule_kind = rows.link.fill_null(rows.kind)          # a row linked to nobody: its own strongest identifier
    rule_name = ibis.cases(*[(rule_kind == k, r) for r, k in _RANK.items()], else_=NONE_RULE)
    keys = rows.select(
        "node", "label", file=(rows.node // 2 ** 40).cast("int32"), _row=(rows.node % 2 ** 40).cast("int64"),
        customer_key=ibis.cases((ambiguous, rows.own_value), else_=rows.customer_key),
        rule=ibis.cases((ambiguous, ibis.literal(AMBIGUOUS)), else_=rule_name),
        rule_kind=ibis.cases((ambiguous, ibis.literal(-1, "int8")), else_=rule_kind.cast("int8")),
        identifier=ibis.cases((ambiguous, rows.own_value), else_=rows.identifier.fill_null(rows.own_value)),
        ambiguous=ambiguous).cache()
    files = _report(sources, keys, long, sample_pairs)
    persons = int(engine.execute(keys.customer_key.nunique()))
    n_over = int(engine.execute(over.count()))
    warnings: list[Msg] = []
    if n_over:
        warnings.append(msg("{count} person(s) have more than {limit} distinct identifiers (for example a shared "
                            "or placeholder address): their rows are not merged and are counted as ambiguous.",
                            count=n_over, limit=spec.max_identifiers))
    for f in files:
        if f.role != "orders" and f.rows and f.matched == 0:
            warnings.append(msg("none of the {rows} rows of {file} match a customer by customer id, e-mail or "
                                "phone.", rows=f.rows, file=f.file))
    return Resolution(spec, sources, keys, tuple(files), n_over, persons, tuple(warnings))


def _report(sources: tuple[Source, ...], keys, long, sample_pairs: int) -> list[FileMatch]:
    """Per file: rows, matched (person in the customer base), unmatched, ambiguous, by rule, pairs
    (three queries for all files)."""
    import ibis
    idx = {r: [i for i, s in enumerate(sources) if s.role == r] or [-1] for r in (*BASE_ROLES, "other")}
    flags = keys.group_by("label").aggregate(has_orders=keys.file.isin(idx["orders"]).max(),
                                             has_customers=keys.file.isin(idx["customers"]).max())
    k = keys.join(flags, "label")
    base = ibis.cases((k.file.isin(idx["orders"]), True), (k.file.isin(idx["customers"]), k.has_orders),
                      else_=k.has_orders | k.has_customers)
    k = k.mutate(matched=base & ~k.ambiguous)
    counts = engine.execute(k.group_by(["file", "rule", "matched", "ambiguous"]).aggregate(n=k.count()))
    totals = engine.execute(ibis.union(*[s.table.aggregate(file=ibis.literal(i, "int32"), n=s.table.count())
                                         for i, s in enumerate(sources)], distinct=False))
    total = dict(zip(totals["file"].astype(int), totals["n"].astype(int)))
    pairs = _pairs(k, long, sample_pairs)
    out = []
    for i, src in enumerate(sources):
        mine = counts[counts["file"] == i]
        hit = mine[mine["matched"].astype(bool)]
        by_rule = {r: 0 for r in RULES}
        by_rule.update({str(r): int(n) for r, n in zip(hit["rule"], hit["n"])})
        n_matched = int(hit["n"].sum())
        amb = int(mine.loc[mine["ambiguous"].astype(bool), "n"].sum())
        rows = total.get(i, 0)
        out.append(FileMatch(src.name, src.role, rows, n_matched, rows - n_matched - amb, amb, by_rule,
                             pairs.get(i, ())))
    return out


def _pairs(k, long, limit: int) -> dict[int, tuple[tuple[str, str, str], ...]]:
    """Per file, up to ``limit`` matched links where this file's raw value differs from another file's raw
    value of the same normalized identifier: what a person checks by eye (case, spaces, gmail dots)."""
    import ibis
    if not limit:
        return {}
    j = long.join(k.filter(k.matched).select("node", "rule", "rule_kind"), "node").filter(
        lambda t: t.kind == t.rule_kind)
    raws = long.select(o_kind="kind", o_value="value", o_file="file", o_raw="raw")
    j = j.join(raws, [j.kind == raws.o_kind, j.value == raws.o_value, j.file != raws.o_file])
    j = j.filter(j.raw != j.o_raw).group_by(["file", "node", "rule", "raw"]).aggregate(other_raw=lambda t: t.o_raw.min())
    w = ibis.window(group_by="file", order_by=["node", "raw"])
    j = j.mutate(_n=ibis.row_number().over(w))
    got = engine.execute(j.filter(j._n < limit).order_by(["file", "node", "raw"]))
    out: dict[int, list] = {}
    for f, rule, raw, o in zip(got["file"], got["rule"], got["raw"], got["other_raw"]):
        out.setdefault(int(f), []).append((str(rule), str(raw), str(o)))
    return {f: tuple(v) for f, v in out.items()}


__all__ = ["IdentitySpec", "Resolution", "FileMatch", "Source", "source_for", "resolve", "normalize_email",
           "normalize_phone", "email_expr", "phone_expr", "customer_id_expr", "REGIONS", "RULES"]
