"""Value mapping (cxlib.data.values): categorical values of a role mapped value by value, in the library, on the
command line (``--map``, ``--mapping``) and kept with the dataset; the German shop export end to end."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.data import values
from cxlib.core.errors import CxDataError
from cxlib.core.statuses import label_key
from tests import exports
from tests.test_cli_core import run as cli

GERMAN = exports.german_orders()
GERMAN_MAP = {"bezahlt": "completed", "erstattet": "refunded", "storniert": "cancelled"}
GERMAN_PAID = exports.GERMAN_PAID_NET


def _rows() -> list[list[str]]:
    """The German file's data rows, split by hand (no cxlib)."""
    lines = GERMAN.decode("cp1252").split("\r\n")
    assert lines[0] == "Bestellnummer;Kunde;Datum;Betrag;Status"
    return [line.split(";") for line in lines[1:] if line]


def _money(cell: str) -> Decimal:
    """'2.370,13 €' -> Decimal('2370.13')."""
    return Decimal(cell.removesuffix(" €").replace(".", "").replace(",", "."))


def german_truth() -> tuple[int, Decimal, int, Decimal]:
    """By hand from the bytes (no cxlib): valid orders, net revenue, all orders, sum of all amounts."""
    rows = _rows()
    money = [_money(r[3]) for r in rows]
    valid = [r for r in rows if r[4] in ("bezahlt", "erstattet")]        # refunded orders are valid, net 0
    net = sum(m for r, m in zip(rows, money) if r[4] == "bezahlt")
    return len(valid), net, len(rows), sum(money)


def test_german_truth_is_what_the_issue_describes():
    valid, net, orders, total = german_truth()
    assert (valid, net, orders) == (46, Decimal("57693.37"), 60)
    assert total == Decimal("73415.00")          # every status counted as paid: +27 %


@pytest.fixture
def german_file(tmp_path) -> Path:
    path = tmp_path / "bestellungen.csv"
    path.write_bytes(GERMAN)
    return path


def _check_german(out: dict) -> None:
    valid, net, orders, _ = german_truth()
    assert out["orders"] == orders
    assert out["valid_orders"] == valid
    assert Decimal(str(out["net_revenue"])) == net
    assert out["currency"] == "EUR"


def test_german_export_with_map_flags(german_file):
    args = [a for value, canonical in GERMAN_MAP.items() for a in ("--map", f"status.{value}={canonical}")]
    done = cli("orders", str(german_file), *args, "--json")
    assert done.returncode == 0, done.stderr
    _check_german(json.loads(done.stdout))


def test_german_export_with_mapping_file(german_file, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({
        "columns": {"order_id": "Bestellnummer", "customer_id": "Kunde", "ordered_at": "Datum", "amount": "Betrag",
                    "status": "Status"},
        "values": {"status": GERMAN_MAP}}), encoding="utf-8")
    done = cli("orders", str(german_file), "--mapping", str(mapping), "--json")
    assert done.returncode == 0, done.stderr
    _check_german(json.loads(done.stdout))


def test_map_changes_what_a_value_counts_as(german_file):
    """erstattet -> completed: the 6 refunded orders stay valid and now add their amounts."""
    done = cli("orders", str(german_file), "--map", "status.erstattet=completed", "--json")
    out = json.loads(done.stdout)
    refunded = sum(_money(r[3]) for r in _rows() if r[4] == "erstattet")
    assert out["valid_orders"] == 46
    assert Decimal(str(out["net_revenue"])) == Decimal("57693.37") + refunded


def test_map_reads_a_word_no_table_knows(tmp_path):
    """A shop's own word for paid: unknown (never valid) until mapped."""
    path = tmp_path / "kasse.csv"
    path.write_bytes(GERMAN.replace(b";bezahlt\r\n", b";Bezahlt (Kasse 2)\r\n"))
    before = json.loads(cli("orders", str(path), "--json").stdout)
    assert before["valid_orders"] == 6 and before["net_revenue"] == 0          # only the refunded ones
    assert any("Kasse 2" in w and "not counted as valid" in w for w in before["warnings"])
    after = json.loads(cli("orders", str(path), "--map", "status.Bezahlt (Kasse 2)=completed", "--json").stdout)
    assert after["valid_orders"] == 46 and Decimal(str(after["net_revenue"])) == Decimal(GERMAN_PAID)


def test_mapping_file_can_leave_a_column_unmapped(german_file, tmp_path):
    """{"columns": {"status": null}}: every order counts as paid, the +27 % the issue describes."""
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"status": None}}), encoding="utf-8")
    out = json.loads(cli("orders", str(german_file), "--mapping", str(mapping), "--json").stdout)
    assert out["valid_orders"] == 60 and Decimal(str(out["net_revenue"])) == german_truth()[3]


def test_inspect_lists_values_with_counts(german_file):
    out = json.loads(cli("inspect", str(german_file), "--json").stdout)
    assert out["values"]["status"] == [{"value": "bezahlt", "count": 40, "canonical": "completed"},
                                       {"value": "storniert", "count": 14, "canonical": "cancelled"},
                                       {"value": "erstattet", "count": 6, "canonical": "refunded"}]


@pytest.mark.parametrize("args, needle", [
    (["--map", "status.bezahlt=complete"], "'complete' is not a value of 'status'"),
    (["--map", "bezahlt=completed"], "cannot read --map"),
    (["--map", "amount.12=3"], "cannot be mapped"),
    (["--mapping", "/nonexistent/m.json"], "cannot read the mapping file"),
])
def test_bad_maps_exit_2_with_one_error_line(german_file, args, needle):
    done = cli("orders", str(german_file), *args, "--json")
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]


@pytest.mark.parametrize("body, needle", [
    ("{not json", "not valid JSON"), ('{"colums": {}}', "unknown keys in the mapping file: colums"),
    ('{"values": {"status": "completed"}}', "wrong shape"), ("[1]", "one JSON object"),
])
def test_bad_mapping_files(tmp_path, body, needle):
    path = tmp_path / "m.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CxDataError, match=needle):
        values.read_mapping_file(path)


# ---------------------------------------------------------------- the library


def test_load_with_values_keeps_the_map_in_report_and_key():
    plain = cx.load_bytes(GERMAN, "b.csv")
    mapped = cx.load_bytes(GERMAN, "b.csv", values={"status": {"erstattet": "completed"}})
    assert plain.value_map == {} and mapped.value_map == {"status": {"erstattet": "completed"}}
    assert mapped.key != plain.key
    assert dict((v, c) for v, _, c, _ in mapped.report.values["status"])["erstattet"] == "completed"
    assert dict((v, d) for v, _, _, d in mapped.report.values["status"])["erstattet"] == "refunded"
    assert cx.load_bytes(GERMAN, "b.csv", values={"status": {"erstattet": "completed"}}).key == mapped.key


def test_a_value_map_for_an_unmapped_field_is_an_error():
    with pytest.raises(CxDataError, match="no column is mapped to 'status'"):
        cx.load_bytes(GERMAN, "b.csv", columns={"status": None}, values={"status": {"bezahlt": "completed"}})


def test_a_value_no_cell_has_is_reported():
    ds = cx.load_bytes(GERMAN, "b.csv", values={"status": {"bezalt": "completed"}})
    assert any("'bezalt'" in w and "no such value" in w for w in ds.warnings)


def test_parse_map_args():
    assert values.parse_map_args(["status.bezahlt=completed", "status.a=b=cancelled", "variant. B = control"]) == {
        "status": {"bezahlt": "completed", "a=b": "cancelled"}, "variant": {"B": "control"}}


def test_open_vocabularies_take_any_value_closed_ones_their_own():
    assert values.check("experiment", {"variant": {"A": "control"}}) == {"variant": {"A": "control"}}
    assert values.check("responses", {"csat": {"Top": "5"}}) == {"csat": {"Top": "5"}}
    with pytest.raises(CxDataError, match="not a value of 'csat'"):
        values.check("responses", {"csat": {"Top": "6"}})
    with pytest.raises(CxDataError, match="cannot be mapped"):
        values.check("orders", {"variant": {"A": "control"}})


def test_variant_and_survey_labels_are_mapped_while_loading():
    exp = cx.load_bytes(b"unit_id,variant,converted\n1,A,1\n2,B,0\n3,a,0\n4,B,1\n", "ab.csv",
                        values={"variant": {"A": "control"}})
    assert list(exp.df["variant"]) == ["control", "B", "control", "B"]
    assert {v: (n, c) for v, n, c, _ in exp.report.values["variant"]} == {
        "A": (1, "control"), "B": (2, "B"), "a": (1, "control")}
    survey = cx.load_bytes("respondent_id,csat\n1,Top\n2,Satisfied\n3,Top\n".encode(), "s.csv", role="responses",
                           values={"csat": {"top": "5"}})
    assert list(survey.df["csat"]) == [5.0, 4.0, 5.0]


def test_the_saved_analysis_replays_the_value_map(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(GERMAN)
    ds = cx.load(path, values={"status": {"erstattet": "completed"}})
    from cxlib.saved import replay as analyses
    result = analyses.run("orders", ds)
    spec = cx.make_spec(result, ds)
    assert spec.mappings[ds.key]["values"] == {"status": {"erstattet": "completed"}}
    opened = cx.open_analysis(cx.spec_to_file(spec, tmp_path / "spec.json"), data=path)
    assert opened.to_json() == result.to_json()


def test_the_workspace_keeps_the_value_map(tmp_path):
    from cxlib.saved.workspace import Workspace
    ds = cx.load_bytes(GERMAN, "b.csv", values={"status": {"erstattet": "completed"}})
    ws = Workspace(tmp_path)
    back = ws.get_dataset(ws.put_dataset(ds, owner="ann"))
    assert back.key == ds.key and back.value_map == ds.value_map


WORDS = ["bezahlt", "storniert", "erstattet", "Bezahlt", "paid", "Kasse 2", "", "offen", "n/a", "Versandbereit"]


@settings(max_examples=60, deadline=None)
@given(column=st.lists(st.sampled_from(WORDS), min_size=1, max_size=25),
       mapped=st.dictionaries(st.sampled_from(WORDS[:-1] + ["nicht da"]), st.sampled_from(values.VOCABULARIES[
           ("orders", "status")].choices), max_size=4))
@example(column=["bezahlt"], mapped={"Bezahlt": "completed", "bezahlt": "in_transit"})
def test_mapping_a_value_never_changes_rows_whose_value_is_not_mapped(column, mapped):
    mapped = {k: v for k, v in mapped.items() if k.strip()}
    raw = pd.Series(column, dtype="object")
    targets: dict[str, set[str]] = {}
    for k, v in mapped.items():
        targets.setdefault(label_key(k), set()).add(v)
    if any(len(v) > 1 for v in targets.values()):          # 'Bezahlt' and 'bezahlt' mapped apart: refused
        with pytest.raises(CxDataError, match="same value"):
            values.apply(raw, mapped)
        with pytest.raises(CxDataError, match="same value"):
            values.check("orders", {"status": mapped})
        return
    out = values.apply(raw, mapped)
    keys = {label_key(k) for k in mapped}
    untouched = [label_key(v) not in keys for v in column]
    assert [str(a) for a, keep in zip(out, untouched) if keep] == [str(b) for b, keep in zip(raw, untouched) if keep]
    assert all(out.iloc[i] == mapped[next(k for k in mapped if label_key(k) == label_key(v))]
               for i, v in enumerate(column) if not untouched[i])
    # and through loading: every order whose status is not mapped reads the same as without the map
    body = "order_id,customer_id,ordered_at,amount,status\n" + "".join(
        f"{i},c{i % 3},2024-03-{1 + i % 28:02d},{10 + i}.50,{v}\n" for i, v in enumerate(column))
    plain = cx.load_bytes(body.encode(), "o.csv", role="orders")
    try:
        with_map = cx.load_bytes(body.encode(), "o.csv", role="orders", values={"status": mapped} if mapped else None)
    except CxDataError:
        return                                          # a map naming only blanks: nothing to compare
    same = pd.Series(untouched)
    assert plain.df["status"][same].astype("object").tolist() == with_map.df["status"][same].astype("object").tolist()
