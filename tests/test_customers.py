"""Customer 360 (cxlib.analyses.customers): four exports of one shop that share customers only by e-mail,
with every figure of issue 16 item 3 computed by hand (see the comments next to each number).

The shop (as of 2026-06-30):

| person | customers export | orders (valid)                          | Delighted NPS (date)      | Zendesk tickets            |
|--------|------------------|-----------------------------------------|---------------------------|----------------------------|
| Anna   | 9001 Berlin f    | 1001 100, 1004 50 (2 lines), 1007 40-40 | 9 (02-01), 10 (03-15)     | 30 min Good, 90 min Bad    |
| Bob    | 9002 Hamburg m   | 1002 80 (1005 voided: not valid)        | 3 (02-25)                 | 120 Bad, 60 Good, - Offered |
| Carla  | 9003 Berlin f    | 1003 200, 1006 100-30                   | 7 (04-20)                 |                            |
| Dan    | 9004 Hamburg m   |                                         | 2 (03-01)                 | 10 Good                    |
| Eve    | 9005 Munich      |                                         |                           |                            |
| Frank  |                  | 1008 30                                 |                           |                            |
plus a stranger's answer, a test@ answer, two noreply@ tickets and a '-' ticket (none of them join).
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

import cxlib as cx
from cxlib.analyses import orders as orders_mod
from cxlib.analyses.customers import CustomersSpec
from cxlib.data import engine
from cxlib.core.errors import CxDataError
from cxlib.data.identity import IdentitySpec
from tests.conftest import ROOT, SAMPLE

Z = 1.959963984540054
AS_OF = date(2026, 6, 30)

SHOPIFY_CUSTOMERS = """Customer ID,First Name,Last Name,Email,Accepts Email Marketing,City,Province,Country,Phone,Total Spent,Total Orders,Tags,Gender
9001,Anna,Koch,anna@example.com,yes,Berlin,BE,DE,+49 30 1234567,150.00,3,vip,female
9002,Bob,Berg,bob@example.org,no,Hamburg,HH,DE,,80.00,1,,male
9003,Carla,Diaz,carla@example.net,yes,Berlin,BE,DE,,270.00,2,,female
9004,Dan,Ernst,dan@example.com,no,Hamburg,HH,DE,,0.00,0,,male
9005,Eve,Falk,eve@example.com,no,Munich,BY,DE,,0.00,0,,
"""
_H = ("Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,"
      "Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Refunded Amount,"
      "Billing Country,Source")


def _o(name, email, status, total, created, refunded="0.00", line="Mug"):
    return (f'{name},"{email}",{status},,fulfilled,EUR,{total},0.00,0.00,{total},,0.00,{created} +0100,1,{line},'
            f"{total},SKU,{refunded},DE,web")


SHOPIFY_ORDERS = "\n".join([
    _H,
    _o("#1001", "Anna@Example.com ", "paid", "100.00", "2026-01-10 10:00:00"),
    _o("#1002", "bob@example.org", "paid", "80.00", "2026-01-15 10:00:00"),
    _o("#1003", "CARLA@example.net", "paid", "200.00", "2026-02-01 10:00:00"),
    _o("#1004", "anna@example.com", "paid", "50.00", "2026-03-01 10:00:00"),
    "#1004,anna@example.com,,,,,,,,,,,2026-03-01 10:00:00 +0100,1,Towel,20.00,SKU2,,,",   # second line item
    _o("#1005", "Bob@Example.org  ", "voided", "60.00", "2026-02-20 10:00:00"),
    _o("#1006", "carla@example.net", "partially_refunded", "100.00", "2026-04-10 10:00:00", "30.00"),
    _o("#1007", " anna@example.com", "refunded", "40.00", "2026-06-01 10:00:00", "40.00"),
    _o("#1008", "Frank@Example.com", "paid", "30.00", "2026-06-20 10:00:00"),
]) + "\n"
DELIGHTED = """Response ID,Email,Name,Score,Comment,Created At,Updated At,Permalink
r1,"  Anna@Example.COM ",Anna,9,,2026-02-01 10:00:00 +0100,,
r2,ANNA@EXAMPLE.COM,Anna,10,great,2026-03-15 10:00:00 +0100,,
r3,Bob@Example.org,Bob,3,slow,2026-02-25 10:00:00 +0100,,
r4,"Carla@Example.net ",Carla,7,,2026-04-20 10:00:00 +0100,,
r5,Dan@Example.com,Dan,2,,2026-03-01 10:00:00 +0100,,
r6,stranger@example.com,,8,,2026-03-02 10:00:00 +0100,,
r7,Test@Example.com,,10,,2026-03-03 10:00:00 +0100,,
"""
ZENDESK = """Id,Requester,Requester email,Via,Created at,Status,First reply time in minutes,Satisfaction Score
1,Anna Koch,ANNA@example.com,Mail,2026-02-05 10:00,Solved,30,Good
2,Anna Koch,"anna@example.com ",Chat,2026-04-05 10:00,Solved,90,Bad
3,Bob Berg,bob@example.org,Mail,2026-02-26 10:00,Solved,120,Bad
4,Bob Berg,Bob@example.org,Web form,2026-03-05 10:00,Solved,60,Good
5,Bob Berg,bob@example.org,Mail,2026-03-10 10:00,Open,,Offered
6,Dan Ernst,dan@example.com,Mail,2026-03-02 10:00,Solved,10,Good
7,Shop Bot,noreply@shop.com,Mail,2026-03-03 10:00,Solved,5,Unoffered
8,Shop Bot,NoReply@shop.com,Mail,2026-03-04 10:00,Solved,5,Unoffered
9,Unknown,-,Mail,2026-03-05 10:00,Solved,5,Unoffered
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    d = tmp_path_factory.mktemp("shop")
    files = {"orders": ("orders_export.csv", SHOPIFY_ORDERS), "customers": ("customers_export.csv", SHOPIFY_CUSTOMERS),
             "responses": ("delighted.csv", DELIGHTED), "tickets": ("zendesk.csv", ZENDESK)}
    paths = {}
    for role, (name, text) in files.items():
        (d / name).write_text(text, encoding="utf-8")
        paths[role] = d / name
    return paths


@pytest.fixture(scope="module")
def loaded(shop):
    return {role: cx.load(path) for role, path in shop.items()}


def run(loaded, **spec):
    return cx.customers(loaded["orders"], loaded["customers"], loaded["responses"], loaded["tickets"],
                        CustomersSpec(as_of=AS_OF, **spec))


@pytest.fixture(scope="module")
def by_city(loaded):
    return run(loaded, by="city")


def groups(res) -> dict:
    return {g["group"]: g for g in res.groups.to_dict("records")}


def nps_ci(prom, det, n):
    pp, pd_ = prom / n, det / n
    half = Z * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / n) * 100
    score = 100 * (pp - pd_)
    return score, max(-100, score - half), min(100, score + half)


def test_the_four_exports_are_recognized_without_mapping(loaded):
    assert {r: d.role for r, d in loaded.items()} == {"orders": "orders", "customers": "customers",
                                                      "responses": "responses", "tickets": "tickets"}
    assert "customer_id" not in loaded["responses"].mapping                  # Delighted: e-mail only
    assert loaded["tickets"].mapping["requester"] == "Requester email"
    assert loaded["orders"].mapping["customer_id"] == "Email"                # the raw e-mail keys the orders


def test_match_report_per_file_and_rule(by_city):
    m = by_city.cli_json()["matches"]
    # customers: Anna, Bob, Carla have orders (linked by e-mail: the Customer IDs appear nowhere else)
    assert m["customers"] == {"rows": 5, "matched": 3, "unmatched": 2,
                              "by_rule": {"customer_id": 0, "email": 3, "phone": 0}}
    # responses: 5 of 7 (the stranger and test@ do not join)
    assert m["responses"] == {"rows": 7, "matched": 5, "unmatched": 2,
                              "by_rule": {"customer_id": 0, "email": 5, "phone": 0}}
    # tickets: 6 of 9 (two noreply@ and a '-' requester never join)
    assert m["tickets"] == {"rows": 9, "matched": 6, "unmatched": 3,
                            "by_rule": {"customer_id": 0, "email": 6, "phone": 0}}
    pairs = by_city.resolution.match("responses").pairs
    assert pairs and all(rule == "email" and a.strip().lower() == b.strip().lower() and a != b
                         for rule, a, b in pairs)


def test_crosswalk_one_key_per_person_and_placeholders_apart(by_city):
    cw = by_city.crosswalk()
    assert list(cw.columns) == ["file", "row_key", "identifier", "rule", "customer_key"]
    assert len(cw) == 8 + 5 + 7 + 9                                  # every row (order lines collapsed to orders)
    anna = cw[cw["identifier"] == "anna@example.com"]
    assert set(anna["customer_key"]) == {"9001"} and len(anna) == 3 + 1 + 2 + 2   # orders, customers, answers, tickets
    bots = cw[(cw["file"] == "zendesk.csv") & cw["row_key"].isin(["7", "8", "9"])]
    assert bots["customer_key"].isna().all() and set(bots["rule"]) == {"none"}
    assert cw.loc[cw["row_key"] == "r7", "customer_key"].isna().all()              # test@ never joins
    csv = by_city.resolution.crosswalk_csv()
    assert csv.lstrip(b"\xef\xbb\xbf").startswith(b"file,row_key,identifier,rule,customer_key")


def test_customer_table_by_hand(by_city):
    c = by_city.customers.set_index("customer_key")
    assert sorted(c.index) == ["9001", "9002", "9003", "9004", "9005", "frank@example.com"]
    assert c["orders"].to_dict() == {"9001": 3, "9002": 1, "9003": 2, "9004": 0, "9005": 0, "frank@example.com": 1}
    # Anna 100 + 50 + (40 - 40); Bob 80 (voided 60 not valid); Carla 200 + (100 - 30); Frank 30
    assert c["net_revenue"].round(2).to_dict() == {"9001": 150.0, "9002": 80.0, "9003": 270.0, "9004": 0.0,
                                                   "9005": 0.0, "frank@example.com": 30.0}
    assert c.loc["9001", "first_order_at"] == pd.Timestamp("2026-01-10 09:00", tz="UTC")
    assert c.loc["9001", "last_order_at"] == pd.Timestamp("2026-06-01 09:00", tz="UTC")
    # value tiers of 4 buyers by rank share 0.25/0.5/0.75/1.0: Next 20%, Middle 30%, Bottom 40%, Bottom 40%
    assert c["value_tier"].to_dict() == {"9001": "Middle 30%", "9002": "Bottom 40%", "9003": "Next 20%",
                                         "9004": "No orders", "9005": "No orders", "frank@example.com": "Bottom 40%"}
    # RFM of 4 buyers (scores 1, 2, 4, 5 by rank): Anna R4 F5 M4 -> FM 5 Loyal; Bob R1 F1 M2 -> FM 2 Lost;
    # Carla R2 F4 M5 -> FM 5 Can't lose; Frank R5 F1 M1 -> FM 1 New
    assert c["segment"].to_dict() == {"9001": "Loyal", "9002": "Lost", "9003": "Can't lose", "9004": "No orders",
                                      "9005": "No orders", "frank@example.com": "New"}
    assert c["recency_days"].dropna().astype(int).to_dict() == {"9001": 29, "9002": 166, "9003": 81,
                                                                "frank@example.com": 10}
    assert c["repeat"].to_dict() == {"9001": "repeat", "9002": "one_or_none", "9003": "repeat",
                                     "9004": "one_or_none", "9005": "one_or_none", "frank@example.com": "one_or_none"}
    assert c["latest_nps"].dropna().to_dict() == {"9001": 10.0, "9002": 3.0, "9003": 7.0, "9004": 2.0}
    assert c["nps_band"].dropna().to_dict() == {"9001": "promoter", "9002": "detractor", "9003": "passive",
                                                "9004": "detractor"}
    assert c["answers"].to_dict() == {"9001": 2, "9002": 1, "9003": 1, "9004": 1, "9005": 0, "frank@example.com": 0}
    assert c["tickets"].to_dict() == {"9001": 2, "9002": 3, "9003": 0, "9004": 1, "9005": 0, "frank@example.com": 0}
    assert c.loc["9001", "first_reply_median_min"] == 60.0 and c.loc["9002", "first_reply_median_min"] == 90.0
    assert c.loc["9002", "ticket_csat_good_pct"] == 50.0                   # Bad, Good (Offered excluded)
    assert c.loc["9001", "city"] == "Berlin" and c.loc["9001", "gender"] == "female"
    assert c.loc["9001", "tenure_days"] == 171                             # 2026-01-10 to 2026-06-30


def test_groups_by_city_by_hand(by_city):
    g = groups(by_city)
    assert list(g) == ["Berlin", "Hamburg", "Munich", "(blank)"]
    berlin, hamburg, munich, blank = g["Berlin"], g["Hamburg"], g["Munich"], g["(blank)"]
    # Berlin: Anna (latest 10, promoter) and Carla (7, passive): NPS 50, CI by the multinomial variance
    assert (berlin["customers"], berlin["respondents"]) == (2, 2)
    score, lo, hi = nps_ci(1, 0, 2)
    assert berlin["nps"] == pytest.approx(50.0) and (berlin["nps_ci_low"], berlin["nps_ci_high"]) == \
        pytest.approx((lo, hi))
    assert berlin["tickets"] == 2 and berlin["first_reply_median_min"] == 60.0    # median of 30, 90
    assert berlin["ticket_csat_good_pct"] == 50.0 and berlin["net_revenue"] == pytest.approx(420.0)
    assert berlin["repeat_rate_pct"] == 100.0
    # Hamburg: Bob 3 and Dan 2, both detractors; tickets 120, 60, (none), 10 -> median 60; 2 good of 3 rated
    assert hamburg["nps"] == -100.0 and (hamburg["nps_ci_low"], hamburg["nps_ci_high"]) == (-100.0, -100.0)
    assert hamburg["tickets"] == 4 and hamburg["first_reply_median_min"] == 60.0
    assert hamburg["ticket_csat_good_pct"] == pytest.approx(200 / 3)
    assert hamburg["net_revenue"] == 80.0 and hamburg["repeat_rate_pct"] == 0.0
    assert munich["customers"] == 1 and munich["respondents"] == 0 and np.isnan(munich["nps"])
    assert np.isnan(munich["repeat_rate_pct"]) and munich["tickets"] == 0
    assert blank["customers"] == 1 and blank["net_revenue"] == 30.0               # Frank: no customers-file row
    assert all(x["small"] for x in g.values())                                    # all under 10 answers
    out = by_city.cli_json()["groups"][0]
    assert out == {"group": "Berlin", "customers": 2, "respondents": 2, "nps": 50.0,
                   "nps_ci95": [round(lo, 2), round(hi, 2)], "csat_top2_pct": None, "tickets": 2,
                   "first_reply_median_min": 60.0, "ticket_csat_good_pct": 50.0, "net_revenue": 420.0,
                   "repeat_rate_pct": 100.0}


@pytest.mark.parametrize("by, expected", [
    ("repeat", {"repeat": (2, 50.0), "one_or_none": (2, -100.0)}),                     # Anna 10 + Carla 7; Bob, Dan
    ("value_tier", {"Next 20%": (1, 0.0), "Middle 30%": (1, 100.0), "Bottom 40%": (1, -100.0),
                    "No orders": (1, -100.0)}),
    ("segment", {"Loyal": (1, 100.0), "New": (0, None), "Can't lose": (1, 0.0), "Lost": (1, -100.0),
                 "No orders": (1, -100.0)}),
    ("Gender", {"female": (2, 50.0), "male": (2, -100.0), "(blank)": (0, None)}),
    ("nps_band", {"detractor": (2, -100.0), "passive": (1, 0.0), "promoter": (1, 100.0), "(blank)": (0, None)}),
])
def test_nps_by_field_customer_level(loaded, by, expected):
    res = run(loaded, by=by)
    got = {g["group"]: (g["nps_n"], None if np.isnan(g["nps"]) else g["nps"]) for g in res.groups.to_dict("records")}
    assert got == expected
    assert list(got) == list(expected)                                            # fixed order of known groups


def test_nps_by_value_tier_and_repeat_at_the_answer(loaded):
    # Anna's 9 came after 1 order (100: Bottom 40%, one order), her 10 after 2 orders (150: Middle 30%, repeat);
    # Bob's 3 after 1 order (80: Bottom 40%); Carla's 7 after 2 orders (270: Next 20%); Dan's 2 before any order
    res = run(loaded, by="value_tier", level="response")
    got = {g["group"]: (g["nps_n"], g["nps"]) for g in res.groups.to_dict("records")}
    assert got == {"Next 20%": (1, 0.0), "Middle 30%": (1, 100.0), "Bottom 40%": (2, 0.0), "No orders": (1, -100.0)}
    res = run(loaded, by="repeat", level="response")
    got = {g["group"]: (g["nps_n"], round(g["nps"], 4)) for g in res.groups.to_dict("records")}
    assert got == {"repeat": (2, 50.0), "one_or_none": (3, round(100 * (1 - 2) / 3, 4))}
    state = engine.execute(res.responses_table.order_by("_row"))
    assert state["orders_before"].tolist() == [1, 2, 1, 2, 0]
    assert state["net_before"].tolist() == [100.0, 150.0, 80.0, 270.0, 0.0]
    assert "as of the answer" in res.sentence
    # tickets too: Anna's tickets on 02-05 (1 order) and 04-05 (2 orders); Bob's after his one order; Dan none
    tk = engine.execute(res.tickets_table.order_by("_row"))
    assert tk["orders_before"].tolist() == [1, 2, 1, 1, 1, 0]
    assert tk["value_tier_at"].tolist() == ["Bottom 40%", "Middle 30%", "Bottom 40%", "Bottom 40%", "Bottom 40%",
                                            "No orders"]


def test_tickets_first_reply_and_ticket_csat_by_nps_band(by_city):
    b = {g["group"]: g for g in by_city.by_band.to_dict("records")}
    # detractors Bob + Dan: tickets 3 + 1, replies 120, 60, 10 -> median 60, good 2 of rated 3
    assert (b["detractor"]["tickets"], b["detractor"]["first_reply_median_min"]) == (4, 60.0)
    assert b["detractor"]["ticket_csat_good_pct"] == pytest.approx(200 / 3)
    assert (b["promoter"]["tickets"], b["promoter"]["first_reply_median_min"], b["promoter"]["ticket_csat_good_pct"]) \
        == (2, 60.0, 50.0)
    assert b["passive"]["tickets"] == 0 and np.isnan(b["passive"]["first_reply_median_min"])
    assert by_city.tests["ticket_csat_by_nps_band"]["test"] == "chi-square"


def test_net_revenue_and_repurchase_by_nps_band(by_city):
    bv = by_city.band_value.set_index("metric")
    rev = bv.loc["net_revenue"]
    # detractors Bob 80 and Dan 0 -> mean 40; promoter Anna 150 (one customer: no interval)
    assert (rev["detractors_n"], rev["detractors"], rev["promoters_n"], rev["promoters"]) == (2, 40.0, 1, 150.0)
    assert rev["difference"] == -110.0 and np.isnan(rev["difference_ci_low"])
    rep = bv.loc["repurchase_90d"]
    # followed up 90 days before 2026-07-01: Bob (02-25, no later order), Dan (03-01, none), Anna (03-15: order
    # 1007 on 06-01, within 90 days); Carla is passive
    assert (rep["detractors_n"], rep["detractors"], rep["promoters_n"], rep["promoters"]) == (2, 0.0, 1, 1.0)
    lo, hi = confint_proportions_2indep(0, 2, 1, 1, method="newcomb", compare="diff")
    assert rep["difference"] == -1.0 and (rep["difference_ci_low"], rep["difference_ci_high"]) == \
        pytest.approx((lo, hi))
    assert bool(rep["small"])


def test_revenue_at_risk_and_response_bias(by_city):
    # detractors Bob (80) and Dan (0) of 530 net revenue in the last 365 days
    assert by_city.revenue_at_risk == {"detractors": 2, "net_revenue": 80.0, "share_pct": round(100 * 80 / 530, 2),
                                       "trailing_days": 365, "total_net_revenue": 530.0}
    rb = by_city.response_bias.set_index("metric")
    # responders Anna, Bob, Carla, Dan vs Eve, Frank
    assert (rb.loc["orders", "responders_mean"], rb.loc["orders", "non_responders_mean"]) == (1.5, 0.5)
    assert (rb.loc["net_revenue", "responders_mean"], rb.loc["net_revenue", "non_responders_mean"]) == (125.0, 15.0)
    from scipy import stats
    t = stats.ttest_ind([3, 1, 2, 0], [0, 1], equal_var=False)
    assert rb.loc["orders", "p_value"] == pytest.approx(t.pvalue)
    # tenure from the first order (no signup date): Anna 171, Bob 166, Carla 149 days; Dan none; Frank 10
    assert rb.loc["tenure_days", "responders_mean"] == pytest.approx((171 + 166 + 149) / 3)
    assert rb.loc["tenure_days", "non_responders_mean"] == 10.0


def test_cli_contract_and_same_numbers_as_the_library(shop, by_city, contract_problems):
    args = ["--customers", str(shop["customers"]), "--responses", str(shop["responses"]), "--tickets",
            str(shop["tickets"]), "--by", "City", "--as-of", "2026-06-30"]
    assert contract_problems("customers", str(shop["orders"]), *args, python=sys.executable) == []
    p = subprocess.run([sys.executable, "-m", "cxlib", "customers", str(shop["orders"]), *args, "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    out = json.loads(p.stdout)
    assert set(out) == {"customers", "matches", "groups", "warnings"}
    lib = json.loads(json.dumps(by_city.cli_json()))
    assert out["matches"] == lib["matches"] and out["groups"] == lib["groups"] and out["customers"] == 6
    assert set(out["groups"][0]) == {"group", "customers", "respondents", "nps", "nps_ci95", "csat_top2_pct",
                                     "tickets", "first_reply_median_min", "ticket_csat_good_pct", "net_revenue",
                                     "repeat_rate_pct"}
    bad = subprocess.run([sys.executable, "-m", "cxlib", "customers", str(shop["orders"]), "--by", "shoe size"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


def test_spec_json_round_trip_and_strict_keys():
    spec = CustomersSpec(by="city", level="response", as_of=AS_OF, identity=IdentitySpec(gmail_rules=True))
    assert CustomersSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    with pytest.raises(CxDataError, match="unknown key"):
        CustomersSpec.from_json({"by": "city", "colour": "red"})
    with pytest.raises(CxDataError, match="unknown key"):
        CustomersSpec.from_json({"identity": {"gmail": True}})


# ---- other shapes: plain orders, a CRM list (no id), Typeform with CSAT/CES, Freshdesk ----------------------------
CRM = """Name,Email,Phone,City
Ann A,A@Shop.test,+49 30 111111,Berlin
Ben B,b@shop.test,030 222222,Köln
Cy C,cy.c@gmail.com,,Berlin
"""
PLAIN_ORDERS = """order_id,customer_id,email,ordered_at,amount,status
o1,C1,a@shop.test,2026-01-05,100,completed
o2,C1,a@shop.test,2026-02-05,100,completed
o3,C2,b@shop.test,2026-01-07,50,completed
o4,C3,,2026-01-09,20,completed
o5,C4,cy.c@gmail.com,2026-01-10,10,cancelled
"""
TYPEFORM = """#,How likely are you to recommend us to a friend?,How satisfied were you with your order?,How easy was it to order?,Email,Submitted At,Token
t1,9,5,6,a@shop.test ,2026-03-01 10:00:00,x1
t2,6,2,3,B@SHOP.TEST,2026-03-02 10:00:00,x2
t3,10,4,7,cy.c+survey@googlemail.com,2026-03-03 10:00:00,x3
"""
FRESHDESK = """Ticket ID,Subject,Status,Source,Created time,First response time (in hrs),Survey result,Full name,Email
1,Help,Closed,Email,2026-03-01 10:00:00,01:00:00,Awesome,Ann A,a@shop.test
2,Help,Closed,Chat,2026-03-02 10:00:00,03:00:00,Not Good,Ben B,b@shop.test
"""


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    d = tmp_path_factory.mktemp("crm")
    out = {}
    for role, name, text in (("orders", "orders.csv", PLAIN_ORDERS), ("customers", "crm.csv", CRM),
                             ("responses", "typeform.csv", TYPEFORM), ("tickets", "freshdesk.csv", FRESHDESK)):
        (d / name).write_text(text, encoding="utf-8")
        out[role] = cx.load(d / name)
    return out


def test_crm_typeform_freshdesk_shapes(crm):
    assert crm["customers"].role == "customers" and crm["customers"].mapping["phone"] == "Phone"
    assert crm["responses"].report.recognized_as == "Typeform responses export"
    assert crm["tickets"].mapping["requester"] == "Email"
    res = cx.customers(crm["orders"], crm["customers"], crm["responses"], crm["tickets"], CustomersSpec(by="city"))
    m = res.cli_json()["matches"]
    # CRM: Ann (C1) and Ben (C2) by e-mail; Cy only has a cancelled order (C4): still a person of the orders file
    assert m["customers"] == {"rows": 3, "matched": 3, "unmatched": 0,
                              "by_rule": {"customer_id": 0, "email": 3, "phone": 0}}
    # Typeform: t3 (cy.c+survey@googlemail.com) needs the gmail rules
    assert m["responses"]["matched"] == 2 and m["tickets"]["matched"] == 2
    g = groups(res)
    # Berlin: Ann (CSAT 5, CES 6), Cy (no linked answer): top-2 1/1, CES mean 6; Köln: Ben (CSAT 2, CES 3)
    assert (g["Berlin"]["csat_top2_pct"], g["Berlin"]["ces_mean"]) == (100.0, 6.0)
    assert (g["Köln"]["csat_top2_pct"], g["Köln"]["ces_mean"], g["Köln"]["nps"]) == (0.0, 3.0, -100.0)
    assert g["Köln"]["ticket_csat_good_pct"] == 0.0 and g["Köln"]["first_reply_median_min"] == 180.0
    gm = cx.customers(crm["orders"], crm["customers"], crm["responses"], crm["tickets"],
                      CustomersSpec(by="city", identity=IdentitySpec(gmail_rules=True)))
    assert gm.cli_json()["matches"]["responses"]["matched"] == 3
    g = groups(gm)
    # Berlin now has Ann (CSAT 5, CES 6) and Cy (CSAT 4, CES 7): top-2 2/2 with the Wilson interval, CES mean 6.5
    assert (g["Berlin"]["csat_top2_pct"], g["Berlin"]["ces_mean"]) == (100.0, 6.5)
    from statsmodels.stats.proportion import proportion_confint
    lo, hi = proportion_confint(2, 2, method="wilson")
    assert (g["Berlin"]["csat_ci_low"], g["Berlin"]["csat_ci_high"]) == pytest.approx((100 * lo, 100 * hi))
    from scipy import stats
    half = stats.t.ppf(0.975, 1) * np.std([6, 7], ddof=1) / np.sqrt(2)
    assert (g["Berlin"]["ces_ci_low"], g["Berlin"]["ces_ci_high"]) == pytest.approx((6.5 - half, 6.5 + half))


# (the valid-orders rule itself, pandas against engine: tests/test_data_orders.py)


def test_sample_shop_customers_in_one_call():
    res = cx.customers(cx.load(SAMPLE / "orders_shopify.csv"), cx.load(SAMPLE / "customers.csv"),
                       cx.load(SAMPLE / "survey_responses.csv"), cx.load(SAMPLE / "tickets_zendesk.csv"),
                       CustomersSpec(by="nps_band"))
    assert len(res.customers) == res.customers["customer_key"].nunique()
    summary = orders_mod.summarize(cx.load(SAMPLE / "orders_shopify.csv"))
    assert res.customers["net_revenue"].sum() == pytest.approx(summary.net_revenue)   # every valid order has a key
    assert int((res.customers["orders"] >= 2).sum()) == summary.repeat_customers
    assert [g["group"] for g in res.cli_json()["groups"]][:3] == ["detractor", "passive", "promoter"]


def test_sample_shop_figures_quoted_in_the_sample_readme():
    res = cx.customers(cx.load(SAMPLE / "orders_shopify.csv"), cx.load(SAMPLE / "customers.csv"),
                       cx.load(SAMPLE / "survey_responses.csv"), cx.load(SAMPLE / "tickets_zendesk.csv"),
                       CustomersSpec(by="value_tier"))
    m = res.cli_json()["matches"]
    assert (m["customers"]["matched"], m["customers"]["rows"], m["customers"]["by_rule"]["customer_id"]) == \
        (1200, 1510, 1200)
    assert m["responses"]["by_rule"]["customer_id"] == 895 and m["tickets"]["by_rule"]["email"] == 1473
    # segments and value tiers equal the RFM analysis of the orders file alone
    rfm = cx.rfm(cx.load(SAMPLE / "orders_shopify.csv"))
    buyers = res.customers[res.customers["orders"] > 0]
    assert buyers["segment"].value_counts().to_dict() == {k: v for k, v in rfm.segment_counts.items() if v}
    ref = rfm.customers.set_index("customer_id")
    assert (buyers.set_index("customer_key")["value_tier"] == ref["value_tier"].reindex(
        buyers["customer_key"])).all()
    g = {x["group"]: x for x in res.cli_json()["groups"]}
    band = {x["group"]: x for x in res.by_band.to_dict("records")}
    bv = res.band_value.set_index("metric")
    rb = res.response_bias.set_index("metric")
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    quoted = [f"{g['Top 10%']['nps']:+.2f} (CI {g['Top 10%']['nps_ci95'][0]:.2f} to {g['Top 10%']['nps_ci95'][1]:.2f}",
              f"{band['detractor']['tickets']} tickets with a median first reply of "
              f"{band['detractor']['first_reply_median_min']:.0f} min",
              f"{bv.loc['net_revenue', 'detractors']:.2f}, promoters {bv.loc['net_revenue', 'promoters']:.2f}",
              f"{100 * bv.loc['repurchase_90d', 'detractors']:.2f} % vs {100 * bv.loc['repurchase_90d', 'promoters']:.2f} %",
              f"{res.revenue_at_risk['net_revenue']:,.2f} EUR, {res.revenue_at_risk['share_pct']:.2f} %",
              f"{rb.loc['orders', 'responders_mean']:.2f} valid orders and {rb.loc['net_revenue', 'responders_mean']:.2f}"]
    for q in quoted:
        assert q in " ".join(text.split()), q
