"""Customer identity: normalization rules (property tests), phones against the phonenumbers library,
connected components against scipy, the identifier limit and the match report."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cxlib.data import engine
from cxlib.data import identity as idn
from cxlib.core.errors import CxDataError
from cxlib.data.identity import IdentitySpec, Source

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOCAL = st.text(alphabet="abcXYZ019._+-", min_size=1, max_size=12)
DOMAIN = st.sampled_from(["example.com", "Example.ORG", "gmail.com", "GoogleMail.com", "mail.co.uk", "x.de"])
PAD = st.sampled_from(["", " ", "  ", "\u00a0", "\u200b", "\t", "\ufeff"])
PLACEHOLDERS = st.sampled_from(["-", "null", "NULL", "None", "n/a", "N/A", "0", "", "test@shop.com",
                                "Test@Example.com", "noreply@shop.com", "no-reply@x.org", "NoReply@Shop.com",
                                "unknown", "donotreply@x.com"])


def engine_emails(values, gmail_rules=False) -> list:
    t = engine.table(pd.DataFrame({"e": pd.Series(values, dtype="string")}))
    out = engine.execute(t.select(n=idn.email_expr(t.e, gmail_rules)))["n"]
    return [None if pd.isna(v) else v for v in out]


def engine_phones(values, region) -> list:
    t = engine.table(pd.DataFrame({"p": pd.Series(values, dtype="string")}))
    out = engine.execute(t.select(n=idn.phone_expr(t.p, region)))["n"]
    return [None if pd.isna(v) else v for v in out]


@FAST
@given(st.lists(st.tuples(PAD, LOCAL, DOMAIN, PAD), min_size=1, max_size=20), st.booleans())
def test_email_rules_engine_equals_reference_and_is_idempotent(parts, gmail):
    values = [f"{a}{local}@{dom}{b}" for a, local, dom, b in parts]
    ref = [idn.normalize_email(v, gmail) for v in values]
    assert engine_emails(values, gmail) == ref
    assert [idn.normalize_email(v, gmail) for v in ref] == ref                  # idempotent
    assert engine_emails([v for v in ref if v], gmail) == [v for v in ref if v]


@FAST
@given(st.lists(st.tuples(PAD, LOCAL, st.sampled_from(["example.com", "Shop.DE", "mail.co.uk"]), PAD), min_size=1,
                max_size=20))
def test_a_non_gmail_local_part_is_never_changed(parts):
    for a, local, dom, b in parts:
        out = idn.normalize_email(f"{a}{local}@{dom}{b}", gmail_rules=True)
        if out is not None:
            assert out.split("@")[0] == local.lower()


def test_gmail_rules_are_optional():
    v = ["Cy.C+survey@GoogleMail.com", "c.y.c@gmail.com", "cy.c+x@example.com"]
    assert engine_emails(v) == ["cy.c+survey@googlemail.com", "c.y.c@gmail.com", "cy.c+x@example.com"]
    assert engine_emails(v, True) == ["cyc@gmail.com", "cyc@gmail.com", "cy.c+x@example.com"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(PAD, PLACEHOLDERS, PAD), min_size=2, max_size=8))
def test_placeholder_rows_never_join(rows):
    values = [f"{a}{p}{b}" for a, p, b in rows]
    assert engine_emails(values) == [None] * len(values)
    df = pd.DataFrame({"customer_id": values, "email": values, "_row": np.arange(len(values))})
    res = idn.resolve([Source("a.csv", "responses", engine.table(df), None, "customer_id", "email")])
    cw = res.crosswalk()
    assert cw["customer_key"].isna().all() and set(cw["rule"]) == {"none"}


# ---- phones: the phonenumbers library is the oracle -----------------------------------------------------------
def test_region_table_matches_phonenumbers_metadata():
    for region, (cc, trunk, _) in idn.REGIONS.items():
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert str(meta.country_code) == cc, region
        assert (meta.national_prefix or "") == trunk or (region in ("IT",) and trunk == ""), region


def _formats(region):
    out = []
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        num = phonenumbers.example_number_for_type(region, kind)
        if num is None:
            continue
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        intl = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        nat = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
        out += [(e164, e164), (intl, e164), (nat, e164), (" " + intl.replace(" ", "-") + "\u00a0", e164)]
        intl_prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).international_prefix or ""
        if re.fullmatch(intl_prefix, "00"):          # not North America (011) or Russia (810)
            out.append(("00" + e164[1:], e164))
    return out


@pytest.mark.parametrize("region", sorted(idn.REGIONS))
def test_phone_to_e164_agrees_with_phonenumbers(region):
    cases = _formats(region)
    assert cases
    raw = [r for r, _ in cases]
    oracle = [phonenumbers.format_number(phonenumbers.parse(r, region), phonenumbers.PhoneNumberFormat.E164)
              for r in raw]
    assert oracle == [e for _, e in cases]
    assert [idn.normalize_phone(r, region) for r in raw] == oracle
    assert engine_phones(raw, region) == oracle


def test_phones_that_cannot_be_normalized_do_not_join():
    bad = ["12", "call me", "-", "0", "", "+49 (0) 30", "030 1234567 ext 5"]
    assert engine_phones(bad, "DE") == [None] * len(bad)
    assert [idn.normalize_phone(v, "DE") for v in bad] == [None] * len(bad)
    # the oracle refuses the text ones too (it accepts short numbers such as '12' that are too short to link by)
    for v in ("call me", "-", ""):
        with pytest.raises(phonenumbers.NumberParseException):
            phonenumbers.parse(v, "DE")
    # without a default region only international numbers join
    assert engine_phones(["030 1234567", "+49 30 1234567", "0049 30 1234567"], None) == \
        [None, "+49301234567", "+49301234567"]
    assert engine_phones(["(0)30 1234567", "+49 (0)30 1234567"], "DE") == ["+49301234567", "+49301234567"]


def test_unknown_region_is_refused_with_the_list():
    with pytest.raises(CxDataError, match="DE"):
        IdentitySpec(default_region="XX")


# ---- components on the engine equal scipy's -------------------------------------------------------------------------
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["x", "y", "z", "w", None]),
                          st.integers(0, 6)), min_size=1, max_size=25))
def test_components_equal_scipy_connected_components(rows):
    ids = [None if c is None else f"{c}{k % 3}" for c, _, k in rows]
    mails = [None if m is None else f"{m}{k % 2}@ex.com" for _, m, k in rows]
    half = len(rows) // 2
    f1 = pd.DataFrame({"customer_id": ids[:half], "email": mails[:half], "_row": np.arange(half)})
    f2 = pd.DataFrame({"customer_id": ids[half:], "email": mails[half:], "_row": np.arange(len(rows) - half)})
    res = idn.resolve([Source("one", "orders", engine.table(f1), None, "customer_id", "email"),
                       Source("two", "responses", engine.table(f2), None, "customer_id", "email")],
                      IdentitySpec(max_identifiers=1000))
    keys = res.crosswalk()["customer_key"].tolist()
    # scipy: nodes = rows + identifiers, edges row-identifier
    idents = sorted({f"i:{v}" for v in ids if v} | {f"e:{v}" for v in mails if v})
    pos = {v: len(rows) + i for i, v in enumerate(idents)}
    src, dst = [], []
    for r, (i, m) in enumerate(zip(ids, mails)):
        for v in ([f"i:{i}"] if i else []) + ([f"e:{m}"] if m else []):
            src.append(r)
            dst.append(pos[v])
    n = len(rows) + len(idents)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    for a in range(len(rows)):
        for b in range(len(rows)):
            linked = (ids[a] or mails[a]) and (ids[b] or mails[b])
            same = label[a] == label[b] if linked else a == b
            assert (keys[a] is not None and keys[a] == keys[b]) == (bool(same) and bool(linked)), (a, b)


def test_over_limit_person_is_reported_not_merged():
    # twelve customer ids share one family address: 13 identifiers > 10
    df = pd.DataFrame({"customer_id": [f"c{i}" for i in range(12)] + ["solo"],
                       "email": ["family@example.com"] * 12 + ["solo@example.com"], "_row": np.arange(13)})
    resp = pd.DataFrame({"email": ["Family@Example.com", "solo@example.com"], "_row": [0, 1]})
    res = idn.resolve([Source("o.csv", "orders", engine.table(df), None, "customer_id", "email"),
                       Source("r.csv", "responses", engine.table(resp), None, None, "email")])
    assert res.over_limit == 1 and any("more than 10 distinct identifiers" in w for w in res.warnings)
    cw = res.crosswalk()
    assert cw["customer_key"].tolist()[:12] == [f"c{i}" for i in range(12)]          # each keeps its own id
    assert set(cw["rule"].iloc[:12]) == {"ambiguous"}
    r = res.match("responses")
    assert (r.rows, r.matched, r.ambiguous, r.unmatched) == (2, 1, 1, 0)
    assert r.by_rule == {"customer_id": 0, "email": 1, "phone": 0}


def test_phone_rung_links_people_whose_emails_differ():
    a = pd.DataFrame({"customer_id": ["1", "2"], "email": ["ann@a.com", "ben@a.com"],
                      "phone": ["030 111111", "+49 30 222222"], "_row": [0, 1]})
    b = pd.DataFrame({"customer_id": [None, None], "email": ["ann.private@b.com", None],
                      "phone": ["+49 (0)30 111111", "0049 30 222222"], "_row": [0, 1]})
    res = idn.resolve([Source("shop.csv", "customers", engine.table(a), "customer_id", "customer_id", "email",
                              "phone"),
                       Source("crm.csv", "responses", engine.table(b), None, "customer_id", "email", "phone")],
                      IdentitySpec(default_region="DE"))
    cw = res.crosswalk()
    assert cw["customer_key"].tolist() == ["1", "2", "1", "2"]
    assert cw["rule"].tolist()[2:] == ["phone", "phone"] and cw["identifier"].tolist()[2] == "+4930111111"
    assert res.match("responses").by_rule == {"customer_id": 0, "email": 0, "phone": 2}
    none = idn.resolve([Source("shop.csv", "customers", engine.table(a), "customer_id", "customer_id", "email",
                               "phone"),
                        Source("crm.csv", "responses", engine.table(b), None, "customer_id", "email", "phone")])
    assert none.match("responses").matched == 1                     # without a region only +/00 numbers join


def test_identity_spec_json_is_strict():
    spec = IdentitySpec(gmail_rules=True, default_region="FR", max_identifiers=5)
    assert IdentitySpec.from_json(spec.to_json()) == spec
    with pytest.raises(CxDataError, match="Known keys"):
        IdentitySpec.from_json({"region": "FR"})
    with pytest.raises(CxDataError):
        IdentitySpec(max_identifiers=1)
